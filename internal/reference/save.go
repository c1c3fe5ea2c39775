package reference

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// SaveArgs are the arguments of reference.list.save: the whole list, replacing the saved one.
type SaveArgs struct {
	ListID string `json:"list_id"`
	Kind   string `json:"kind"`
	Items  []Item `json:"items"`
}

// Limits of a list.
const (
	maxItems = 500
	maxLabel = 300 // a phrase text is a sentence or two
)

var code = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

// Handlers are the reference list mutations.
func Handlers() map[string]syncengine.Handler {
	return map[string]syncengine.Handler{MutationSave: Save()}
}

// Save is the handler of reference.list.save: an administrator replaces a list of their
// municipality. list_id must be ListID(municipality, kind).
func Save() syncengine.Handler {
	return syncengine.Handler{Decode: decodeSave, Apply: applySave}
}

func decodeSave(raw json.RawMessage) (any, error) {
	var a SaveArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if !uuids.Valid(a.ListID) {
		fields["list_id"] = "must be the UUID of a reference list"
	}
	if !validKind(a.Kind) {
		fields["kind"] = "must be one of " + strings.Join(Kinds, ", ")
	}
	if len(a.Items) > maxItems {
		fields["items"] = "at most 500 items"
	}
	seen := map[string]bool{}
	for i, it := range a.Items {
		f := func(name string) string { return fmt.Sprintf("items[%d].%s", i, name) }
		it.LabelSV, it.LabelEN = strings.TrimSpace(it.LabelSV), strings.TrimSpace(it.LabelEN)
		// A code is unique within its activity: deviation areas such as "fall" exist
		// under SoL, HSL and LSS alike.
		key := it.Activity + "/" + it.Code
		switch {
		case !code.MatchString(it.Code):
			fields[f("code")] = "is required: 1 to 64 lower-case letters, digits, _ . or -"
		case seen[key]:
			fields[f("code")] = "is given twice"
		}
		seen[key] = true
		if n := utf8.RuneCountInString(it.LabelSV); n == 0 || n > maxLabel {
			fields[f("label_sv")] = "is required, at most 300 characters"
		}
		if utf8.RuneCountInString(it.LabelEN) > maxLabel {
			fields[f("label_en")] = "at most 300 characters"
		}
		deviationKind := a.Kind == KindDeviationTypes || a.Kind == KindDeviationAreas
		switch {
		case it.Activity != "" && !deviationKind:
			fields[f("activity")] = "is given only for deviation types and areas"
		case it.Activity != "" && !slices.Contains(Activities, it.Activity):
			fields[f("activity")] = "must be SoL, HSL or LSS"
		case it.Activity == "" && a.Kind == KindDeviationAreas:
			fields[f("activity")] = "is required: SoL, HSL or LSS"
		}
		a.Items[i] = it
	}
	if len(fields) > 0 {
		return nil, &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The list is not complete.", Fields: fields}
	}
	if a.Items == nil {
		a.Items = []Item{}
	}
	return a, nil
}

func applySave(tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(SaveArgs)
	access, _ := c.Actor.Domain.(identity.Access)
	if !access.Admin || access.MunicipalityID == "" {
		return syncengine.Reject(codes.Forbidden, "Only an administrator changes reference lists.")
	}
	if a.ListID != ListID(access.MunicipalityID, a.Kind) {
		return &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The list is not one of your municipality's lists.",
			Fields: map[string]string{"list_id": "must be the id of your municipality's list of this kind"}}
	}
	l := List{ListID: a.ListID, Kind: a.Kind, MunicipalityID: access.MunicipalityID, Items: a.Items,
		UpdatedBy: c.Actor.UserID, UpdatedAt: tx.Now()}
	return tx.Put(Kind, l.ListID, []string{identity.OrgScope(access.MunicipalityID)}, l)
}
