// Package accessreview is the access review (behörighetskontroll): twice a year the
// manager of each unit goes through every active grant of the unit and its sub-units,
// with the person's last login and last read of the unit's client data, and keeps or
// ends each; the review is recorded (who, when, the note) and its acts go in the audit
// trail. Seed 003: "Två gånger per år genomförs behörighetskontroller på samtliga
// enheter." A review is due six months after the last one, or after the unit was
// created; an overdue review shows in the manager's GET /api/v1/me and in the metric
// vardag_access_reviews_overdue.
//
// A unit's manager reviews it, and the administrator may. Reviews are of units (enheter),
// never of a sub-unit (grupp) alone. The reviewer keeps any grant, and ends only those
// they could end by hand (their own and other managers' grants are the administrator's).
package accessreview

import (
	"errors"
	"slices"
	"time"

	"vardag/internal/accesslog"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// Errors of a review.
var (
	// ErrIncomplete: a review must decide on every active grant of the unit.
	ErrIncomplete = errors.New("accessreview: not every active grant is kept or ended")
	// ErrUnknownGrant: a review names a grant that is not an active grant of the unit, or
	// names one twice.
	ErrUnknownGrant = errors.New("accessreview: a grant named is not an active grant of the unit")
	// ErrSubunit: a sub-unit is reviewed with its unit.
	ErrSubunit = errors.New("accessreview: review the unit the sub-unit belongs to")
)

// EndReason is the reason recorded on a grant a review ends.
const EndReason = "access_review"

// DueAt is when a unit's next review is due: six months after its last review, or after
// the unit's creation.
func DueAt(ids *identity.Store, unit identity.Unit) (time.Time, *identity.Review, error) {
	last, ok, err := ids.LastReview(unit.ID)
	if err != nil {
		return time.Time{}, nil, err
	}
	if ok {
		return last.At.AddDate(0, 6, 0), &last, nil
	}
	return unit.CreatedAt.AddDate(0, 6, 0), nil, nil
}

// Line is one grant under review.
type Line struct {
	GrantID     string        `json:"grant_id"`
	UserID      string        `json:"user_id"`
	Name        string        `json:"name"`
	UnitID      string        `json:"unit_id"`
	Role        identity.Role `json:"role"`
	ValidUntil  time.Time     `json:"valid_until"`
	LastLoginAt *time.Time    `json:"last_login_at"`
	LastReadAt  *time.Time    `json:"last_read_at"`
}

// Last is who made the last review (their id and name), and when.
type Last struct {
	By     string    `json:"by"`
	ByName string    `json:"by_name,omitempty"`
	At     time.Time `json:"at"`
}

// Overview is what the reviewer sees.
type Overview struct {
	LastReview *Last     `json:"last_review"`
	DueAt      time.Time `json:"due_at"`
	Overdue    bool      `json:"overdue"`
	Grants     []Line    `json:"grants"`
}

// May tells whether the actor may review the unit: its manager, or the administrator.
func May(a identity.Access, unitID string) bool {
	return a.Admin || a.Has(unitID, identity.RoleUnitManager)
}

// Of is the review of a unit as it stands at now: every active grant with the person's
// last login and their last read of the unit's client data (from the read log).
func Of(eng *syncengine.Engine, ids *identity.Store, unit identity.Unit, now time.Time) (Overview, error) {
	if unit.ParentID != "" {
		return Overview{}, ErrSubunit
	}
	due, last, err := DueAt(ids, unit)
	if err != nil {
		return Overview{}, err
	}
	o := Overview{DueAt: due, Overdue: !now.Before(due), Grants: []Line{}}
	if last != nil {
		o.LastReview = &Last{By: last.By, At: last.At}
		if u, err := ids.User(last.By); err == nil {
			o.LastReview.ByName = u.Name
		}
	}
	for _, g := range ids.ActiveGrantsOf(unit.ID, now) {
		l := Line{GrantID: g.ID, UserID: g.UserID, UnitID: g.UnitID, Role: g.Role, ValidUntil: g.ValidUntil}
		if u, err := ids.User(g.UserID); err == nil {
			l.Name = u.Name
			if !u.LastLoginAt.IsZero() {
				at := u.LastLoginAt
				l.LastLoginAt = &at
			}
		} else if !errors.Is(err, identity.ErrNotFound) {
			return Overview{}, err
		}
		reads, _, err := accesslog.Query(eng, accesslog.Filter{UserID: g.UserID, UnitID: unit.ID, Limit: 1})
		if err != nil {
			return Overview{}, err
		}
		if len(reads) > 0 {
			at := reads[0].At
			l.LastReadAt = &at
		}
		o.Grants = append(o.Grants, l)
	}
	return o, nil
}

// Decision is what the reviewer decided.
type Decision struct {
	Keep, End []string
	Note      string
}

// IncompleteError names the active grants a review left out.
type IncompleteError struct{ Missing []string }

func (e *IncompleteError) Error() string { return ErrIncomplete.Error() }
func (e *IncompleteError) Unwrap() error { return ErrIncomplete }

// Submit records a review of the unit by actor at now: every active grant of the unit
// must be in Keep or End, once; those in End end at once. Nothing changes when it fails.
func Submit(ids *identity.Store, actor identity.Access, unit identity.Unit, d Decision, now time.Time) (identity.Review, error) {
	if unit.ParentID != "" {
		return identity.Review{}, ErrSubunit
	}
	active := map[string]identity.Grant{}
	for _, g := range ids.ActiveGrantsOf(unit.ID, now) {
		active[g.ID] = g
	}
	seen := map[string]bool{}
	for _, id := range slices.Concat(d.Keep, d.End) {
		if _, ok := active[id]; !ok || seen[id] {
			return identity.Review{}, ErrUnknownGrant
		}
		seen[id] = true
	}
	var missing []string
	for id := range active {
		if !seen[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return identity.Review{}, &IncompleteError{Missing: missing}
	}
	for _, id := range d.End {
		g := active[id]
		if g.UserID == actor.UserID {
			return identity.Review{}, identity.ErrNotYourself
		}
		if !ids.MayManage(actor, g) {
			return identity.Review{}, identity.ErrForbidden
		}
	}
	r := identity.Review{ID: uuids.New(), UnitID: unit.ID, By: actor.UserID, At: now,
		Kept: append([]string{}, d.Keep...), Ended: append([]string{}, d.End...), Note: d.Note}
	if err := ids.RecordReview(r, EndReason); err != nil {
		return identity.Review{}, err
	}
	return r, nil
}

// Due is an overdue review.
type Due struct {
	UnitID string    `json:"unit_id"`
	DueAt  time.Time `json:"due_at"`
}

// Overdue lists the units whose review is overdue at now, of providers that have not
// ended; with only, just those units.
func Overdue(ids *identity.Store, now time.Time, only func(unitID string) bool) ([]Due, error) {
	var out []Due
	for _, id := range ids.Units() {
		unit, ok := ids.Unit(id)
		if !ok || unit.ParentID != "" || (only != nil && !only(id)) {
			continue
		}
		if p, ok := ids.Provider(unit.ProviderID); !ok || p.Ended(now) {
			continue
		}
		due, _, err := DueAt(ids, unit)
		if err != nil {
			return nil, err
		}
		if !now.Before(due) {
			out = append(out, Due{UnitID: id, DueAt: due})
		}
	}
	return out, nil
}
