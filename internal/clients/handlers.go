package clients

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// Names of the client mutations.
const (
	MutationContactUpdate = "client.contact.update"
	MutationHealthUpdate  = "client.health.update"
)

// ContactUpdateArgs are the arguments of client.contact.update. A field left out keeps
// what is stored; "" removes it. Relatives are the whole list each time.
type ContactUpdateArgs struct {
	ClientID  string     `json:"client_id"`
	Address   *string    `json:"address,omitempty"`
	Phone     *string    `json:"phone,omitempty"`
	DoorCode  *string    `json:"door_code,omitempty"`
	KeyNote   *string    `json:"key_note,omitempty"`
	Relatives []Relative `json:"relatives"`
}

// HealthUpdateArgs are the arguments of client.health.update: the flags every screen of
// the client shows first. A flag left out keeps what is stored; "" removes it.
type HealthUpdateArgs struct {
	ClientID         string  `json:"client_id"`
	Infection        *string `json:"infection,omitempty"`
	Hypersensitivity *string `json:"hypersensitivity,omitempty"`
}

// Who keeps a client's data up to date.
var (
	contactKeepers = []identity.Role{identity.RoleCoordinator, identity.RoleUnitManager}
	healthKeepers  = []identity.Role{identity.RoleLicensed}
	unitStaff      = []identity.Role{identity.RoleCareStaff, identity.RoleUnitRep, identity.RoleCoordinator, identity.RoleUnitManager, identity.RoleLicensed}
)

// Handlers are the client mutations.
func Handlers() map[string]syncengine.Handler {
	return map[string]syncengine.Handler{
		MutationContactUpdate: ContactUpdate(),
		MutationHealthUpdate:  HealthUpdate(),
	}
}

// text trims an optional text and checks its length, noting a problem in fields.
func text(p *string, field string, max int, fields map[string]string) *string {
	if p == nil {
		return nil
	}
	s := strings.TrimSpace(*p)
	if utf8.RuneCountInString(s) > max {
		fields[field] = fmt.Sprintf("must be at most %d characters", max)
	}
	return &s
}

// ContactUpdate is the handler of client.contact.update (coordinator, unit manager of a
// unit where the client is visible). With protected identity the address and phone go to
// the managers' contact record only; the door code and key note are for all of the unit's
// staff.
func ContactUpdate() syncengine.Handler {
	return syncengine.Handler{
		Decode: func(raw json.RawMessage) (any, error) {
			var a ContactUpdateArgs
			if err := syncengine.DecodeArgs(raw, &a); err != nil {
				return nil, err
			}
			fields := map[string]string{}
			if !uuids.Valid(a.ClientID) {
				fields["client_id"] = "must be the UUID of a client"
			}
			a.Address = text(a.Address, "address", maxAddress, fields)
			a.Phone = text(a.Phone, "phone", 20, fields)
			if a.Phone != nil && *a.Phone != "" && !e164.MatchString(*a.Phone) {
				fields["phone"] = "must be a phone number in E.164 form, such as +46701234567"
			}
			a.DoorCode = text(a.DoorCode, "door_code", 50, fields)
			a.KeyNote = text(a.KeyNote, "key_note", maxNote, fields)
			switch {
			case a.Relatives == nil:
				fields["relatives"] = "is required: the whole list of relatives, [] for none"
			case len(a.Relatives) > maxRelated:
				fields["relatives"] = "at most 20 relatives"
			}
			for i, r := range a.Relatives {
				f := func(name string) string { return fmt.Sprintf("relatives[%d].%s", i, name) }
				r.Name, r.Relation, r.Phone = strings.TrimSpace(r.Name), strings.TrimSpace(r.Relation), strings.TrimSpace(r.Phone)
				if n := utf8.RuneCountInString(r.Name); n == 0 || n > maxName {
					fields[f("name")] = "is required, at most 200 characters"
				}
				if n := utf8.RuneCountInString(r.Relation); n == 0 || n > 100 {
					fields[f("relation")] = "is required, at most 100 characters"
				}
				if !e164.MatchString(r.Phone) {
					fields[f("phone")] = "must be a phone number in E.164 form, such as +46701234567"
				}
				a.Relatives[i] = r
			}
			if len(fields) > 0 {
				return nil, &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The client's contact details are not complete.", Fields: fields}
			}
			return a, nil
		},
		Apply: func(tx *syncengine.Tx, call syncengine.Call) error {
			a := call.Args.(ContactUpdateArgs)
			c, err := keptBy(tx, call.Actor, a.ClientID, contactKeepers, "Only the unit's coordinator or manager updates a client's contact details.")
			if err != nil {
				return err
			}
			set(&c.Address, a.Address)
			set(&c.Phone, a.Phone)
			set(&c.DoorCode, a.DoorCode)
			set(&c.KeyNote, a.KeyNote)
			c.Relatives = a.Relatives
			if len(c.Relatives) == 0 {
				c.Relatives = nil
			}
			return Put(tx, c)
		},
	}
}

// HealthUpdate is the handler of client.health.update (licensed staff of a unit where the
// client is visible).
func HealthUpdate() syncengine.Handler {
	return syncengine.Handler{
		Decode: func(raw json.RawMessage) (any, error) {
			var a HealthUpdateArgs
			if err := syncengine.DecodeArgs(raw, &a); err != nil {
				return nil, err
			}
			fields := map[string]string{}
			if !uuids.Valid(a.ClientID) {
				fields["client_id"] = "must be the UUID of a client"
			}
			a.Infection = text(a.Infection, "infection", maxFlag, fields)
			a.Hypersensitivity = text(a.Hypersensitivity, "hypersensitivity", maxFlag, fields)
			if a.Infection == nil && a.Hypersensitivity == nil {
				fields["infection"] = "give infection or hypersensitivity (\"\" removes a flag)"
			}
			if len(fields) > 0 {
				return nil, &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The client's health flags are not complete.", Fields: fields}
			}
			return a, nil
		},
		Apply: func(tx *syncengine.Tx, call syncengine.Call) error {
			a := call.Args.(HealthUpdateArgs)
			c, err := keptBy(tx, call.Actor, a.ClientID, healthKeepers, "Only the unit's licensed staff set a client's health flags.")
			if err != nil {
				return err
			}
			set(&c.Infection, a.Infection)
			set(&c.Hypersensitivity, a.Hypersensitivity)
			return Put(tx, c)
		},
	}
}

func set(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

// keptBy loads a client the actor may change: one of roles in a unit where the client is
// visible. A client of none of the actor's units is not found, whether it exists or not.
func keptBy(tx *syncengine.Tx, actor syncengine.Actor, id string, roles []identity.Role, forbidden string) (Client, error) {
	access, _ := actor.Domain.(identity.Access)
	c, ok, err := Load(tx, id)
	if err != nil {
		return Client{}, err
	}
	visible, allowed := false, false
	if ok {
		for _, u := range c.Units() {
			visible = visible || access.Has(u, unitStaff...)
			allowed = allowed || access.Has(u, roles...)
		}
	}
	switch {
	case !visible:
		return Client{}, syncengine.Reject(codes.ClientNotFound, "This client is not in any of your units.")
	case !allowed:
		return Client{}, syncengine.Reject(codes.Forbidden, forbidden)
	}
	return c, nil
}
