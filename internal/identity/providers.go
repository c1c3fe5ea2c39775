package identity

// MunicipalityOf returns the municipality whose unit (or sub-unit) unitID is: its
// provider's municipality. ok is false for an unknown unit or provider.
func (s *Store) MunicipalityOf(unitID string) (municipalityID string, ok bool) {
	unit, known := s.Unit(unitID)
	if !known {
		return "", false
	}
	var p Provider
	if err := s.db.ViewIdentity(func(tx RecordsTx) (err error) { p, err = tx.Provider(unit.ProviderID); return }); err != nil {
		return "", false
	}
	return p.MunicipalityID, p.MunicipalityID != ""
}
