package signing

import (
	"encoding/json"
	"errors"
	"fmt"

	"vardag/internal/clients"
	"vardag/internal/identity"
	"vardag/internal/reference"
	"vardag/syncengine"
)

// Why a signing list cannot be printed.
var (
	// ErrNotLicensed: the user is not licensed staff (legitimerad personal) of the client's
	// unit, or there is no such client; the two read alike, so that nobody outside the unit
	// learns whether the client exists.
	ErrNotLicensed = errors.New("signing: only the unit's licensed staff print its signing lists")
	// ErrListNotFound: the client has no signing list with that id.
	ErrListNotFound = errors.New("signing: no such signing list of the client")
)

// Printable is what the printed signing list shows: the client (name and personal
// number on each page), the list (measures, times, instructions, period) and the
// municipality's Swedish names of the measure kinds.
type Printable struct {
	Client clients.Client
	List   List
	Kinds  map[string]string // measure kind code → label_sv
}

// KindName is the Swedish name of a measure kind, its code when the reference list lacks it.
func (p Printable) KindName(code string) string {
	if n := p.Kinds[code]; n != "" {
		return n
	}
	return code
}

// ForPrint reads the client's signing list for the printed copy (utskrift), for licensed
// staff of the client's unit only: ErrNotLicensed before anything tells whether the
// client or the list exists, ErrListNotFound for a list the client does not have. The
// kinds are named by the client's municipality's list, else by municipalityID's (the user's).
func ForPrint(eng *syncengine.Engine, access identity.Access, municipalityID, clientID, listID string) (Printable, error) {
	var p Printable
	err := eng.View(func(r syncengine.ReadTx) error {
		rec, ok, err := r.Record(clients.Kind, clientID)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotLicensed
		}
		if err := json.Unmarshal(rec.Data, &p.Client); err != nil {
			return fmt.Errorf("signing: unable to decode client %s: %w", clientID, err)
		}
		if p.Client.UnitID == "" || !access.Has(p.Client.UnitID, identity.RoleLicensed) {
			return ErrNotLicensed
		}
		lrec, ok, err := r.Record(KindList, listID)
		if err != nil {
			return err
		}
		if !ok {
			return ErrListNotFound
		}
		if err := json.Unmarshal(lrec.Data, &p.List); err != nil {
			return fmt.Errorf("signing: unable to decode signing list %s: %w", listID, err)
		}
		if p.List.ClientID != clientID {
			return ErrListNotFound
		}
		p.Kinds = map[string]string{}
		if p.Client.MunicipalityID != "" {
			municipalityID = p.Client.MunicipalityID
		}
		krec, ok, err := r.Record(reference.Kind, reference.ListID(municipalityID, reference.KindMeasureKinds))
		if err != nil || !ok {
			return err
		}
		var kinds reference.List
		if err := json.Unmarshal(krec.Data, &kinds); err != nil {
			return fmt.Errorf("signing: unable to decode the measure kinds: %w", err)
		}
		for _, it := range kinds.Items {
			p.Kinds[it.Code] = it.LabelSV
		}
		return nil
	})
	return p, err
}
