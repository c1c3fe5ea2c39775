// Package demo seeds a small, fictional, deterministic municipality so that Vardag can be
// tried at once. Its password and TOTP secret are public: never use them for real data.
package demo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"vardag/internal/auth"
	"vardag/internal/clients"
	"vardag/internal/identity"
	"vardag/internal/reference"
	"vardag/internal/terms"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// The demo credentials (the README says so: demo only).
const (
	Password   = "vardag-demo"
	TOTPSecret = "JBSWY3DPEHPK3PXP"
)

// Stable ids of the demo organisation, for tests and tools.
var (
	MunicipalityID = uuids.Named("municipality/sjostad")
	OwnProviderID  = uuids.Named("provider/egen-regi")
	NorrProviderID = uuids.Named("provider/omsorg-norr")
	AspenID        = uuids.Named("unit/aspen")
	AspenNorrID    = uuids.Named("unit/aspen-norr")
	AspenSydID     = uuids.Named("unit/aspen-syd")
	LonnenID       = uuids.Named("unit/lonnen")
	BjorkenID      = uuids.Named("unit/bjorken")
	BjorkenAID     = uuids.Named("unit/bjorken-a")
)

// UserID is the stable id of a demo user by username.
func UserID(username string) string { return uuids.Named("user/" + username) }

// ClientID is the stable id of the n-th demo client (1-based).
// It is the id intake gives the person (clients.ID: the municipality and the personal
// number), so that the authority's system delivering a demo client finds the same record.
func ClientID(n int) string {
	if n < 1 || n > len(demoClients) {
		return uuids.Named("client/" + strconv.Itoa(n))
	}
	return clients.ID(MunicipalityID, PersonalNumber(demoClients[n-1].birth, n))
}

// DemoUser is one demo login.
type DemoUser struct {
	Username, Name string
	Role           identity.Role // "" for the administrator
	UnitID         string
}

// Users are the demo logins.
var Users = []DemoUser{
	{"anna", "Anna Lind", identity.RoleCareStaff, AspenID},
	{"bo", "Bo Ek", identity.RoleCareStaff, AspenID},
	{"cecilia", "Cecilia Berg", identity.RoleLicensed, AspenID},
	{"david", "David Holm", identity.RoleUnitManager, AspenID},
	{"eva", "Eva Strand", identity.RoleCoordinator, BjorkenID},
	{"farid", "Farid Nasser", identity.RoleCareStaff, BjorkenID},
	{"admin", "Administratör", "", ""},
}

// demoClients: fictional people, spread over the units (6 Aspen, 2 Lönnen, 4 Björken).
var demoClients = []struct {
	name, birth, unit, sub string
}{
	{"Astrid Nilsson", "19340212", AspenID, AspenNorrID},
	{"Gösta Karlsson", "19380519", AspenID, AspenNorrID},
	{"Margit Olsson", "19410903", AspenID, AspenNorrID},
	{"Sven Persson", "19361127", AspenID, AspenSydID},
	{"Ingrid Johansson", "19450714", AspenID, AspenSydID},
	{"Yusuf Demir", "19470301", AspenID, AspenSydID},
	{"Britt Andersson", "19390828", LonnenID, ""},
	{"Rolf Svensson", "19420116", LonnenID, ""},
	{"Elsa Gustafsson", "19330405", BjorkenID, BjorkenAID},
	{"Lennart Jonsson", "19440922", BjorkenID, BjorkenAID},
	{"Maja Eriksson", "19401010", BjorkenID, BjorkenAID},
	{"Hassan Ali", "19480630", BjorkenID, BjorkenAID},
}

// Seed fills an empty store with the demo municipality. It reports false, changing
// nothing, when the store already has users.
func Seed(ctx context.Context, ids *identity.Store, eng *syncengine.Engine, now time.Time) (bool, error) {
	empty, err := ids.Empty()
	if err != nil || !empty {
		return false, err
	}
	if err := seedOrganisation(ids, now); err != nil {
		return false, err
	}
	validUntil := now.AddDate(1, 0, 0)
	for i, du := range Users {
		if err := seedUser(ids, i, du, validUntil, now); err != nil {
			return false, err
		}
	}
	err = eng.Do(ctx, func(tx *syncengine.Tx) error {
		for i, dc := range demoClients {
			given, family, _ := strings.Cut(dc.name, " ")
			c := clients.Client{
				ClientID: ClientID(i + 1), Name: dc.name, PersonalID: PersonalNumber(dc.birth, i+1),
				GivenName: given, FamilyName: family,
				UnitID: dc.unit, SubUnitID: dc.sub, Address: fmt.Sprintf("Storgatan %d, Sjöstad", 10+i),
				JournalOpen: true,
			}
			if err := clients.Put(tx, c); err != nil {
				return err
			}
		}
		for _, du := range Users {
			scopes := []string{identity.UserScope(UserID(du.Username))}
			if du.UnitID != "" {
				scopes = append(scopes, identity.UnitScope(du.UnitID))
			}
			if err := tx.Put("user", UserID(du.Username), scopes, map[string]string{"user_id": UserID(du.Username), "name": du.Name}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if err := reference.Seed(ctx, eng, MunicipalityID); err != nil {
		return false, err
	}
	return true, seedWork(ctx, ids, eng, now)
}

func seedOrganisation(ids *identity.Store, now time.Time) error {
	steps := []func() error{
		func() error {
			return ids.PutMunicipality(identity.Municipality{ID: MunicipalityID, Name: "Sjöstads kommun"})
		},
		func() error {
			return ids.PutProvider(identity.Provider{ID: OwnProviderID, MunicipalityID: MunicipalityID, Name: "Sjöstads kommun, egen regi",
				Kind: identity.ProviderOwn, OrgNumber: "212000-9002"})
		},
		func() error {
			return ids.PutProvider(identity.Provider{ID: NorrProviderID, MunicipalityID: MunicipalityID, Name: "Omsorg Norr AB",
				Kind: identity.ProviderPrivate, OrgNumber: "559900-1004"})
		},
	}
	for _, u := range []identity.Unit{
		{ID: AspenID, ProviderID: OwnProviderID, Name: "Hemtjänst Aspen"},
		{ID: AspenNorrID, ProviderID: OwnProviderID, ParentID: AspenID, Name: "Aspen norra gruppen"},
		{ID: AspenSydID, ProviderID: OwnProviderID, ParentID: AspenID, Name: "Aspen södra gruppen"},
		{ID: LonnenID, ProviderID: OwnProviderID, Name: "Hemtjänst Lönnen"},
		{ID: BjorkenID, ProviderID: NorrProviderID, Name: "Hemtjänst Björken"},
		{ID: BjorkenAID, ProviderID: NorrProviderID, ParentID: BjorkenID, Name: "Björken grupp A"},
	} {
		u.CreatedAt = now
		steps = append(steps, func() error { return ids.PutUnit(u) })
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

// PhoneOf is a demo user's work phone: numbers from the series 070-174 06 05 to 070-174
// 06 99, which PTS keeps for fiction, so a demo SMS never reaches a real person.
func PhoneOf(i int) string { return fmt.Sprintf("+467017406%02d", 5+i) }

func seedUser(ids *identity.Store, i int, du DemoUser, validUntil, now time.Time) error {
	hash, err := auth.HashPassword(Password)
	if err != nil {
		return err
	}
	// Demo users have accepted the terms and had their training recorded, so that every
	// function can be tried at once.
	u := identity.User{ID: UserID(du.Username), Username: du.Username, Name: du.Name, MunicipalityID: MunicipalityID,
		PasswordHash: hash, TOTPSecret: TOTPSecret, Admin: du.Role == "", Phone: PhoneOf(i),
		TermsVersion: terms.Version, TermsAcceptedAt: now, TrainedAt: now, TrainedBy: "demo"}
	if err := ids.CreateUser(u); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if du.Role == "" {
		return nil
	}
	return ids.PutGrant(identity.Grant{ID: uuids.Named("grant/" + du.Username), UserID: u.ID, UnitID: du.UnitID, Role: du.Role, ValidUntil: validUntil})
}

// PersonalNumber makes a fictional 12-digit personnummer with a correct check digit (Luhn
// over the 10-digit form) from a birth date YYYYMMDD and a serial.
func PersonalNumber(birth string, serial int) string {
	// Invented, like all demo data; an invented number may still coincide with a real
	// person's, so demo data stays in demo installations.
	base := birth + fmt.Sprintf("%03d", 900+serial%100)
	ten := base[2:]
	sum := 0
	for i, r := range ten {
		d := int(r - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return base + strconv.Itoa((10-sum%10)%10)
}

// Logins describes the demo logins for the console.
func Logins() string {
	var b strings.Builder
	b.WriteString("Demo logins (password " + Password + ", TOTP secret " + TOTPSecret + " — demo only):\n")
	for _, u := range Users {
		role := string(u.Role)
		if role == "" {
			role = "administrator"
		}
		fmt.Fprintf(&b, "  %-8s %s\n", u.Username, role)
	}
	return b.String()
}
