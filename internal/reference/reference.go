// Package reference holds the municipality's reference lists (referenslistor): keywords
// (nyckelord), phrase texts (frastexter), measure kinds, deviation types and areas, and the
// reasons a measure was not given. Everyone in the municipality receives them; only an
// administrator changes them.
package reference

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// Names in the change log.
const (
	Kind         = "reference_list"
	MutationSave = "reference.list.save"
)

// Kinds of list.
const (
	KindKeywords        = "keywords"          // nyckelord
	KindPhraseTexts     = "phrase_texts"      // frastexter
	KindMeasureKinds    = "measure_kinds"     // delegated measures (signeringslistor)
	KindDeviationTypes  = "deviation_types"   // avvikelsetyp
	KindDeviationAreas  = "deviation_areas"   // område, per verksamhet
	KindNotGivenReasons = "not_given_reasons" // orsak ej given
	KindEndReasons      = "end_reasons"       // avslutsorsak (GF-avslutsorsak) of a measure
)

// Kinds are every kind of list, in the order Defaults gives them.
var Kinds = []string{KindKeywords, KindPhraseTexts, KindMeasureKinds, KindDeviationTypes, KindDeviationAreas, KindNotGivenReasons, KindEndReasons}

// Activities (verksamhet) a deviation happens in: the law it falls under.
var Activities = []string{"SoL", "HSL", "LSS"}

// List is a reference list as stored and synced.
type List struct {
	ListID         string    `json:"list_id"`
	Kind           string    `json:"kind"`
	MunicipalityID string    `json:"municipality_id"`
	Items          []Item    `json:"items"`
	UpdatedBy      string    `json:"updated_by,omitempty"` // empty for the defaults
	UpdatedAt      time.Time `json:"updated_at,omitzero"`
}

// Item is one entry of a list.
type Item struct {
	Code     string `json:"code"`
	LabelSV  string `json:"label_sv"`
	LabelEN  string `json:"label_en,omitempty"`
	Activity string `json:"activity,omitempty"` // SoL, HSL or LSS: deviation types and areas
}

// ListID is the id of a municipality's list of a kind. The municipality is part of it:
// each municipality has its own lists, and one's can never overwrite another's.
func ListID(municipalityID, kind string) string {
	return uuids.Named("reference/" + municipalityID + "/" + kind)
}

// Seed puts the default lists of a municipality that it does not have yet; lists an
// administrator has saved are left as they are.
func Seed(ctx context.Context, e *syncengine.Engine, municipalityID string) error {
	if municipalityID == "" || len(municipalityID) > 100 {
		return errors.New("reference: a municipality id is required")
	}
	return e.Do(ctx, func(tx *syncengine.Tx) error {
		for _, l := range Defaults() {
			l.ListID, l.MunicipalityID = ListID(municipalityID, l.Kind), municipalityID
			_, exists, err := tx.Get(Kind, l.ListID)
			if err != nil {
				return err
			}
			if exists {
				continue
			}
			if err := tx.Put(Kind, l.ListID, []string{identity.OrgScope(municipalityID)}, l); err != nil {
				return err
			}
		}
		return nil
	})
}

func validKind(k string) bool { return slices.Contains(Kinds, k) }

// Items are the entries of a municipality's list of a kind: the stored list, or the
// defaults of that kind when the list has not been seeded yet.
func Items(r interface {
	Get(kind, id string) (syncengine.Record, bool, error)
}, municipalityID, kind string) ([]Item, error) {
	rec, ok, err := r.Get(Kind, ListID(municipalityID, kind))
	if err != nil {
		return nil, err
	}
	if ok {
		var l List
		if err := json.Unmarshal(rec.Data, &l); err != nil {
			return nil, fmt.Errorf("reference: unable to decode list %s: %w", kind, err)
		}
		return l.Items, nil
	}
	for _, l := range Defaults() {
		if l.Kind == kind {
			return l.Items, nil
		}
	}
	return nil, nil
}
