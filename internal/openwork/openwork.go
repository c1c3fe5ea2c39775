// Package openwork finds the work a provider leaves open: deviations not yet closed and
// clients' journals not yet closed in its units. A provider is ended only when there is
// none (DESIGN.md "Administration", seed 002: "Alla avvikelser ska vara hanterade och
// avslutade", "Journalerna ska avslutas"), so that nothing is left without an owner.
package openwork

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"vardag/internal/clients"
	"vardag/internal/deviations"
	"vardag/internal/identity"
	"vardag/internal/journal"
	"vardag/syncengine"
)

// Open is the work still open in a set of units, by record id.
type Open struct {
	Deviations []string `json:"open_deviations"`
	Journals   []string `json:"open_journals"`
}

// None tells whether nothing is open.
func (o Open) None() bool { return len(o.Deviations) == 0 && len(o.Journals) == 0 }

// In lists the open deviations and journals of units (units and sub-units alike), read
// from the change log as it is now.
func In(eng *syncengine.Engine, units []string) (Open, error) {
	open := Open{Deviations: []string{}, Journals: []string{}}
	err := eng.View(func(r syncengine.ReadTx) error {
		for _, unit := range units {
			if err := deviationsOpen(r, unit, &open); err != nil {
				return err
			}
			if err := journalsOpen(r, unit, &open); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Open{}, fmt.Errorf("openwork: unable to read the open work: %w", err)
	}
	slices.Sort(open.Deviations)
	slices.Sort(open.Journals)
	open.Deviations, open.Journals = slices.Compact(open.Deviations), slices.Compact(open.Journals)
	return open, nil
}

// deviationsOpen adds the unit's deviations whose analysis is not closed (a deviation
// without a status is new).
func deviationsOpen(r syncengine.ReadTx, unit string, open *Open) error {
	it := r.ScopeRefs(identity.UnitManagersScope(unit), 0)
	for {
		ref, ok := it.Next()
		if !ok {
			break
		}
		if ref.Kind != deviations.Kind || ref.Deleted {
			continue
		}
		rec, found, err := r.Record(deviations.KindStatus, ref.ID)
		if err != nil {
			return err
		}
		var st deviations.Status
		if found {
			if err := json.Unmarshal(rec.Data, &st); err != nil {
				return fmt.Errorf("openwork: deviation status %s: %w", ref.ID, err)
			}
		}
		if st.Status != deviations.StatusClosed {
			open.Deviations = append(open.Deviations, ref.ID)
		}
	}
	return it.Err()
}

// journalsOpen adds the journals of the unit's clients that are open: the authority sent
// the client with an open journal, and nobody has closed it in Vardag.
func journalsOpen(r syncengine.ReadTx, unit string, open *Open) error {
	it := r.ScopeRefs(identity.UnitScope(unit), 0)
	for {
		ref, ok := it.Next()
		if !ok {
			break
		}
		if ref.Kind != clients.Kind || ref.Deleted {
			continue
		}
		rec, found, err := r.Record(clients.Kind, ref.ID)
		if err != nil || !found {
			return err
		}
		var c clients.Client
		if err := json.Unmarshal(rec.Data, &c); err != nil {
			return fmt.Errorf("openwork: client %s: %w", ref.ID, err)
		}
		if !c.JournalOpen {
			continue
		}
		id := journal.JournalID(c.ClientID)
		jrec, found, err := r.Record(journal.KindJournal, id)
		if err != nil {
			return err
		}
		var j journal.Journal
		if found {
			if err := json.Unmarshal(jrec.Data, &j); err != nil {
				return fmt.Errorf("openwork: journal %s: %w", id, err)
			}
		}
		if j.Status != journal.JournalClosed {
			open.Journals = append(open.Journals, id)
		}
	}
	return it.Err()
}

// ErrOpenWork: the provider still has open deviations or journals.
var ErrOpenWork = errors.New("openwork: the provider has open work")

// EndProvider ends a provider at endsAt once none of its work is open: every grant in
// its units, and of the people who work for it, ends then. While work is open it answers
// ErrOpenWork with the open work listed, and changes nothing.
func EndProvider(eng *syncengine.Engine, ids *identity.Store, providerID string, endsAt time.Time) (Open, error) {
	p, ok := ids.Provider(providerID)
	if !ok {
		return Open{}, identity.ErrNotFound
	}
	if !p.EndsAt.IsZero() {
		return Open{}, identity.ErrProviderEnded
	}
	var units []string
	for _, u := range ids.UnitsOf(providerID) {
		units = append(units, u.ID)
	}
	open, err := In(eng, units)
	if err != nil {
		return Open{}, err
	}
	if !open.None() {
		return open, ErrOpenWork
	}
	return open, ids.EndProvider(providerID, endsAt)
}
