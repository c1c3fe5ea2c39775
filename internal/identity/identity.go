// Package identity holds the organisation (municipality, providers, units), the users and
// their grants, and turns a user's valid grants into the sync scopes they may see.
package identity

import (
	"encoding/json"
	"slices"
	"time"
)

// Role is what a grant lets a user do in a unit.
type Role string

// The roles of the municipal routines.
const (
	RoleCareStaff   Role = "care_staff"          // omvårdnadspersonal
	RoleUnitRep     Role = "unit_representative" // verksamhetsombud
	RoleCoordinator Role = "coordinator"         // samordnare
	RoleUnitManager Role = "unit_manager"        // verksamhetschef / enhetschef
	RoleLicensed    Role = "licensed"            // legitimerad personal: sjuksköterska, arbetsterapeut, fysioterapeut
	RoleIntegration Role = "integration"         // the authority's system (myndighet)
)

// Valid tells whether r is a known unit role.
func (r Role) Valid() bool {
	switch r {
	case RoleCareStaff, RoleUnitRep, RoleCoordinator, RoleUnitManager, RoleLicensed, RoleIntegration:
		return true
	}
	return false
}

// Municipality is the kommun whose care the providers carry out.
type Municipality struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Kinds of provider.
const (
	ProviderOwn     = "own"     // the municipality's own (egen regi)
	ProviderPrivate = "private" // a private provider (privat utförare)
)

// Provider is a care provider (utförare), the municipality's own or private.
type Provider struct {
	ID             string `json:"id"`
	MunicipalityID string `json:"municipality_id"`
	Name           string `json:"name"`
	Kind           string `json:"kind"` // ProviderOwn or ProviderPrivate
	// OrgNumber is the organisationsnummer, NNNNNN-NNNN.
	OrgNumber string `json:"org_number,omitempty"`
	// EndsAt is when the provider stops (avveckling): every grant of its units ends then.
	EndsAt    time.Time `json:"ends_at,omitzero"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Ended tells whether the provider has stopped by t.
func (p Provider) Ended(t time.Time) bool { return !p.EndsAt.IsZero() && !t.Before(p.EndsAt) }

// UnmarshalJSON reads a provider, also as stored before providers had a kind: the
// boolean "private" then says which kind it is.
func (p *Provider) UnmarshalJSON(b []byte) error {
	type plain Provider
	var v struct {
		plain
		Private *bool `json:"private"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*p = Provider(v.plain)
	if p.Kind == "" {
		p.Kind = ProviderOwn
		if v.Private != nil && *v.Private {
			p.Kind = ProviderPrivate
		}
	}
	return nil
}

// Unit is a unit (enhet) of a provider, or a sub-unit (grupp) of a unit.
type Unit struct {
	ID         string `json:"id"`
	ProviderID string `json:"provider_id"`
	ParentID   string `json:"parent_id,omitempty"` // set for a sub-unit (grupp)
	Name       string `json:"name"`
	// CreatedAt starts the clock of the unit's first access review (zero for units
	// stored before it was kept: their first review is due at once).
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// User is a person (or the authority's system) that logs in.
type User struct {
	ID             string `json:"id"`
	Username       string `json:"username"`
	Name           string `json:"name"`
	MunicipalityID string `json:"municipality_id"`
	PasswordHash   string `json:"password_hash"`
	TOTPSecret     string `json:"totp_secret,omitempty"`
	// TOTPLastStep is the last accepted TOTP time step: never accepted again (RFC 6238 §5.2).
	TOTPLastStep int64 `json:"totp_last_step,omitempty"`
	// TokenSerial is the serial of the hardware token (inloggningsdosa) whose seed is
	// TOTPSecret, when the user logs in with one rather than an authenticator app.
	TokenSerial string `json:"token_serial,omitempty"`
	// PendingTOTPSecret is an authenticator app being enrolled, until a code confirms it.
	PendingTOTPSecret string `json:"pending_totp_secret,omitempty"`
	// Phone is the registered work phone (E.164) that SMS codes go to.
	Phone    string `json:"phone,omitempty"`
	Admin    bool   `json:"admin,omitempty"`
	Disabled bool   `json:"disabled,omitempty"`
	// ProviderID is the provider (utförare) the person works for, when known (the one
	// whose administrator, unit manager or representative created the account; "" for the
	// municipality's first administrator): a user without valid grants is administered
	// within it, and its end stops their login.
	ProviderID string `json:"provider_id,omitempty"`
	// LastLoginAt is the last completed login (the second factor accepted), for the
	// access review.
	LastLoginAt time.Time `json:"last_login_at,omitzero"`

	// Failed logins in a row (wrong password or code), kept in the store so that a lock
	// survives a restart; reset by a successful login or an unlock.
	FailedLogins  int       `json:"failed_logins,omitempty"`
	LastFailureAt time.Time `json:"last_failure_at,omitzero"`
	LockedAt      time.Time `json:"locked_at,omitzero"`

	// MustChangePassword is set when someone else reset the password.
	MustChangePassword bool      `json:"must_change_password,omitempty"`
	PasswordChangedAt  time.Time `json:"password_changed_at,omitzero"`

	// TermsVersion is the version of the terms of use (användarvillkor) the user accepted.
	TermsVersion    string    `json:"terms_version,omitempty"`
	TermsAcceptedAt time.Time `json:"terms_accepted_at,omitzero"`
	// TrainedAt is when a unit representative recorded the user's training (utbildning);
	// some functions stay closed until then.
	TrainedAt time.Time `json:"trained_at,omitzero"`
	TrainedBy string    `json:"trained_by,omitempty"`

	// Activation: an account created by `vardag init` or an administrator starts with a
	// one-time activation code (only its SHA-256 is kept: the code is high-entropy), with
	// which the person chooses a password and sets up a second factor. Until both are done
	// ActivationPending is set and the account cannot log in.
	ActivationPending   bool      `json:"activation_pending,omitempty"`
	ActivationCodeHash  string    `json:"activation_code_hash,omitempty"`
	ActivationExpiresAt time.Time `json:"activation_expires_at,omitzero"`
	// ActivationFailures counts wrong codes tried against the current activation code;
	// at MaxActivationFailures the code is void.
	ActivationFailures int `json:"activation_failures,omitempty"`
}

// MaxActivationFailures is how many wrong codes void an activation code.
const MaxActivationFailures = 5

// ActivationValidity is how long an activation code can be used.
const ActivationValidity = 72 * time.Hour

// Locked tells whether the account is locked after too many failed logins.
func (u User) Locked() bool { return !u.LockedAt.IsZero() }

// Trained tells whether the user's training is recorded.
func (u User) Trained() bool { return !u.TrainedAt.IsZero() }

// Statuses of a grant.
const (
	GrantActive   = "active"   // gives its role until valid_until
	GrantPending  = "pending"  // waits for the managers of the units involved; gives nothing
	GrantRejected = "rejected" // a manager involved said no; gives nothing
	GrantEnded    = "ended"    // ended before its time; gives nothing
)

// Grant is access for a user to a unit in a role until a date (behörighet).
type Grant struct {
	ID         string    `json:"id"`
	UserID     string    `json:"user_id"`
	UnitID     string    `json:"unit_id"`
	Role       Role      `json:"role"`
	ValidUntil time.Time `json:"valid_until"`
	// Status is one of the Grant… statuses; "" in records stored before grants waited for
	// approval, which are active.
	Status string `json:"status,omitempty"`
	// Involved are the units whose managers decide on a grant to a further unit (the
	// user's units then and the new one, seed 003); Awaiting those yet to approve.
	Involved  []string   `json:"involved,omitempty"`
	Awaiting  []string   `json:"awaiting,omitempty"`
	Approvals []Decision `json:"approvals,omitempty"`
	CreatedBy string     `json:"created_by,omitempty"`
	CreatedAt time.Time  `json:"created_at,omitzero"`
	// Ended is the rejection or the end, with its reason.
	Ended *Decision `json:"ended,omitempty"`
}

// Decision is a manager's approval for a unit, or the rejection or end of a grant.
type Decision struct {
	UnitID string    `json:"unit_id,omitempty"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// State is the grant's status, active for a record stored before statuses.
func (g Grant) State() string {
	if g.Status == "" {
		return GrantActive
	}
	return g.Status
}

// ValidAt tells whether the grant gives anything at t: only an active grant before its
// end does.
func (g Grant) ValidAt(t time.Time) bool { return g.State() == GrantActive && t.Before(g.ValidUntil) }

// Access is what a user may do right now: computed from their valid grants at each request.
type Access struct {
	UserID         string
	MunicipalityID string
	Admin          bool
	// Trained tells whether the user's training is recorded (functions that need it stay
	// closed until then).
	Trained bool
	// Roles holds, per unit id, the roles of the user's valid grants there.
	Roles map[string][]Role
	// ProviderOf maps each of those units to its provider.
	ProviderOf map[string]string
	Scopes     []string
}

// Has tells whether the user holds one of roles in unit.
func (a Access) Has(unitID string, roles ...Role) bool {
	for _, r := range a.Roles[unitID] {
		if slices.Contains(roles, r) {
			return true
		}
	}
	return false
}

// RoleIn returns the first of roles the user holds in unit, for recording in which role
// something was done.
func (a Access) RoleIn(unitID string, roles ...Role) (Role, bool) {
	for _, want := range roles {
		if slices.Contains(a.Roles[unitID], want) {
			return want, true
		}
	}
	return "", false
}

// Scope names. The sync engine only compares them.
func UnitScope(unitID string) string         { return "unit:" + unitID }
func UnitManagersScope(unitID string) string { return "unit:" + unitID + ":managers" }
func UserScope(userID string) string         { return "user:" + userID }
func OrgScope(orgID string) string           { return "org:" + orgID }

// IntegrationScope is the unit's feed for the authority's integration account: what the
// provider tells the authority (the ends of measures), never the unit's care records.
func IntegrationScope(unitID string) string { return "unit:" + unitID + ":integration" }

// seesAllOfUnit are the roles that see a unit's managers' scope (all deviations, analyses).
var seesAllOfUnit = []Role{RoleUnitManager, RoleLicensed}

// AccessFor computes a user's access at t from their grants.
func AccessFor(u User, grants []Grant, units map[string]Unit, t time.Time) Access {
	a := Access{UserID: u.ID, MunicipalityID: u.MunicipalityID, Admin: u.Admin, Trained: u.Trained(), Roles: map[string][]Role{}, ProviderOf: map[string]string{}}
	scopes := []string{UserScope(u.ID)}
	if u.MunicipalityID != "" {
		scopes = append(scopes, OrgScope(u.MunicipalityID))
	}
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			scopes = append(scopes, s)
		}
	}
	for _, g := range grants {
		unit, ok := units[g.UnitID]
		if !ok || !g.ValidAt(t) || u.Disabled {
			continue
		}
		a.Roles[g.UnitID] = append(a.Roles[g.UnitID], g.Role)
		a.ProviderOf[g.UnitID] = unit.ProviderID
		if g.Role == RoleIntegration {
			// The authority's system pushes in; it pulls only its own feed.
			add(IntegrationScope(g.UnitID))
			continue
		}
		add(UnitScope(g.UnitID))
		if slices.Contains(seesAllOfUnit, g.Role) {
			add(UnitManagersScope(g.UnitID))
		}
	}
	a.Scopes = scopes
	return a
}
