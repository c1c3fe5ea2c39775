package webpush

import (
	"encoding/json"
	"slices"
	"time"

	"vardag/internal/assignments"
	"vardag/internal/deviations"
	"vardag/internal/identity"
	"vardag/internal/messages"
	"vardag/internal/signing"
	"vardag/syncengine"
)

// Categories of notifications: what the payload names, and the Topic that collapses a
// category's notifications waiting at the push service.
const (
	CategoryAssignment    = "assignment"     // a new assignment for the unit, or distributed to the group
	CategoryMessage       = "message"        // a new message
	CategoryDeviation     = "deviation"      // a deviation reported on the unit
	CategoryMissedSigning = "missed_signing" // an occurrence left unsigned
)

// Directory tells who holds which roles in a unit (identity.Store.Members).
type Directory interface {
	Members(unitID string, t time.Time, roles ...identity.Role) []string
}

// RecordReader returns a record's current data, ok false when it does not exist.
type RecordReader func(kind, id string) (json.RawMessage, bool)

// target is one person to tell of one event of a category.
type target struct {
	userID   string
	category string
}

// mapper turns committed changes into the people to tell. A change counts only where it
// makes something new: the record's own time of creation (or distribution) is the
// commit's time, so updates of the record later say nothing.
type mapper struct {
	dir  Directory
	read RecordReader
}

func (m mapper) targets(at time.Time, c syncengine.CommittedChange) []target {
	if c.Op != syncengine.OpPut {
		return nil
	}
	switch c.Kind {
	case assignments.Kind:
		return m.assignment(at, c.Data)
	case messages.Kind:
		return m.message(at, c.Data)
	case deviations.Kind:
		return m.deviation(at, c.Data)
	case signing.KindAlert:
		return m.missed(at, c.Data)
	}
	return nil
}

// assignment: a new one (delivered now) goes to the unit's coordinators and managers;
// one distributed now goes to the staff of the sub-unit (grupp) — or, where nobody holds a
// grant in the sub-unit itself, to the unit's care staff.
func (m mapper) assignment(at time.Time, data json.RawMessage) []target {
	var a struct {
		UnitID       string    `json:"unit_id"`
		Status       string    `json:"status"`
		SubUnitID    string    `json:"subunit_id"`
		ReceivedAt   time.Time `json:"received_at"`
		Distribution *struct {
			UserID string    `json:"user_id"`
			At     time.Time `json:"at"`
		} `json:"distribution"`
	}
	if json.Unmarshal(data, &a) != nil || a.UnitID == "" {
		return nil
	}
	switch {
	case a.Status == assignments.StatusNew && a.ReceivedAt.Equal(at):
		return to(CategoryAssignment, "", m.dir.Members(a.UnitID, at, identity.RoleCoordinator, identity.RoleUnitManager))
	case a.Status == assignments.StatusDistributed && a.Distribution != nil && a.Distribution.At.Equal(at) && a.SubUnitID != "":
		users := m.dir.Members(a.SubUnitID, at, identity.StaffRoles...)
		if len(users) == 0 {
			users = m.dir.Members(a.UnitID, at, identity.RoleCareStaff)
		}
		return to(CategoryAssignment, a.Distribution.UserID, users)
	}
	return nil
}

// message: a new message goes to its recipients, never its sender. The system's message
// about a new deviation is told as the deviation.
func (m mapper) message(at time.Time, data json.RawMessage) []target {
	var msg messages.Message
	if json.Unmarshal(data, &msg) != nil || !msg.SentAt.Equal(at) {
		return nil
	}
	switch {
	case msg.ToUserID != "":
		return to(CategoryMessage, msg.FromUserID, []string{msg.ToUserID})
	case msg.ToUnitID != "":
		return to(CategoryMessage, msg.FromUserID, m.dir.Members(msg.ToUnitID, at, identity.StaffRoles...))
	case msg.ToUnitManagers != "" && msg.DeviationID == "":
		return to(CategoryMessage, msg.FromUserID, m.dir.Members(msg.ToUnitManagers, at, identity.RoleUnitManager, identity.RoleLicensed))
	}
	return nil
}

// deviation: a new report goes to the unit's managers (not to its reporter).
func (m mapper) deviation(at time.Time, data json.RawMessage) []target {
	var d struct {
		UnitID     string    `json:"unit_id"`
		ReporterID string    `json:"reporter_id"`
		ServerTime time.Time `json:"server_time"`
	}
	if json.Unmarshal(data, &d) != nil || d.UnitID == "" || !d.ServerTime.Equal(at) {
		return nil
	}
	return to(CategoryDeviation, d.ReporterID, m.dir.Members(d.UnitID, at, identity.RoleUnitManager))
}

// missed: a missed occurrence raised now goes to the nurse who owns the signing list and
// to the unit's care staff, who can still sign it.
func (m mapper) missed(at time.Time, data json.RawMessage) []target {
	var a signing.Alert
	if json.Unmarshal(data, &a) != nil || a.Type != signing.AlertMissed || !a.RaisedAt.Equal(at) || a.UnitID == "" {
		return nil
	}
	users := m.dir.Members(a.UnitID, at, identity.RoleCareStaff)
	if m.read != nil {
		if raw, ok := m.read(signing.KindList, a.ListID); ok {
			var l struct {
				CreatedBy string `json:"created_by"`
			}
			if json.Unmarshal(raw, &l) == nil && l.CreatedBy != "" && !slices.Contains(users, l.CreatedBy) {
				users = append(users, l.CreatedBy)
			}
		}
	}
	return to(CategoryMissedSigning, "", users)
}

// to makes targets of users in a category, leaving out the one who caused the event.
func to(category, except string, users []string) []target {
	out := make([]target, 0, len(users))
	for _, u := range users {
		if u != "" && u != except {
			out = append(out, target{userID: u, category: category})
		}
	}
	return out
}
