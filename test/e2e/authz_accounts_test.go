package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"vardag/internal/codes"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// accountsWorld is authzWorld with the administrator and a disabled unit manager of Aspen
// logged in, and malin, care staff in Aspen, as the target of account acts.
func accountsWorld(t *testing.T) (*testserver.Server, map[string]*testserver.Device, string) {
	s, devices := authzWorld(t)
	devices["admin"] = s.Login("admin")
	s.AddUser("avstangd", demo.AspenID, identity.RoleUnitManager, s.Clock.Now().Add(24*time.Hour))
	devices["avstangd"] = s.Login("avstangd")
	if res := s.Do("POST", "/api/v1/admin/users/"+demo.UserID("avstangd")+"/disable", devices["admin"].Token, nil); res.Status != 204 {
		t.Fatalf("disable: %d %s", res.Status, res.Body)
	}
	malin := s.AddUser("malin", demo.AspenID, identity.RoleCareStaff, s.Clock.Now().Add(24*time.Hour))
	return s, devices, malin
}

// The callers of the table: administrator, manager of the unit (Aspen), manager of
// another unit of the same provider (Lönnen), manager at another provider (Björken),
// representative of the unit, nurse, care staff, disabled user.
var accountCallers = []string{"admin", "david", "lisa", "bertil", "arvid", "cecilia", "anna", "avstangd"}

type accountRow struct {
	who    string
	status int
	code   string
}

func importCSV(s *testserver.Server, token, query, body string) testserver.Response {
	return s.DoWith("POST", "/api/v1/admin/users/import?"+query, token, map[string]string{"Content-Type": "text/csv"}, body)
}

// TestAccountRoutesAuthorization is the table of the account routes × callers, with the
// status and code of each; a 403 never tells whether the target exists.
func TestAccountRoutesAuthorization(t *testing.T) {
	s, devices, malin := accountsWorld(t)
	until := s.Clock.Now().AddDate(0, 6, 0).Format(time.DateOnly)
	n := 0
	fresh := func() string { n++; return fmt.Sprintf("ny.%d", n) }
	type route struct {
		name string
		do   func(token string) testserver.Response
		rows []accountRow
	}
	same := func(admin, manager, otherUnit, otherProvider, rep, nurse, staff int) []accountRow {
		st := []int{admin, manager, otherUnit, otherProvider, rep, nurse, staff}
		rows := make([]accountRow, 0, 8)
		for i, who := range accountCallers[:7] {
			code := ""
			if st[i] == 403 {
				code = codes.Forbidden
			}
			rows = append(rows, accountRow{who, st[i], code})
		}
		return append(rows, accountRow{"avstangd", 401, codes.SessionExpired}) // disabling ended the session
	}
	routes := []route{
		{"create user at the own provider", func(tok string) testserver.Response {
			return s.Do("POST", "/api/v1/admin/users", tok, map[string]string{"username": fresh(), "name": "Ny", "provider_id": demo.OwnProviderID})
		}, same(201, 201, 201, 403, 201, 403, 403)},
		{"create user at another provider", func(tok string) testserver.Response {
			return s.Do("POST", "/api/v1/admin/users", tok, map[string]string{"username": fresh(), "name": "Ny", "provider_id": demo.NorrProviderID})
		}, same(201, 403, 403, 201, 403, 403, 403)},
		{"create user at an unknown provider", func(tok string) testserver.Response {
			return s.Do("POST", "/api/v1/admin/users", tok, map[string]string{"username": fresh(), "name": "Ny", "provider_id": uuids.New()})
		}, []accountRow{{"admin", 400, codes.InvalidRequest}, {"david", 403, codes.Forbidden}, {"bertil", 403, codes.Forbidden}, {"arvid", 403, codes.Forbidden}}},
		{"new activation code for care staff of the unit", func(tok string) testserver.Response {
			return s.Do("POST", "/api/v1/admin/users/"+malin+"/activation", tok, nil)
		}, same(200, 200, 403, 403, 200, 403, 403)},
		{"new activation code for the unit's manager", func(tok string) testserver.Response {
			return s.Do("POST", "/api/v1/admin/users/"+demo.UserID("lisa")+"/activation", tok, nil)
		}, []accountRow{{"david", 403, codes.Forbidden}, {"arvid", 403, codes.Forbidden}, {"lisa", 403, codes.NotYourself}}},
		{"new activation code for nobody", func(tok string) testserver.Response {
			return s.Do("POST", "/api/v1/admin/users/"+uuids.New()+"/activation", tok, nil)
		}, []accountRow{{"admin", 404, codes.UserNotFound}, {"david", 403, codes.Forbidden}, {"arvid", 403, codes.Forbidden}, {"anna", 403, codes.Forbidden}}},
		{"list the unit's people", func(tok string) testserver.Response {
			return s.Do("GET", "/api/v1/admin/users?unit_id="+demo.AspenID, tok, nil)
		}, same(200, 200, 403, 403, 200, 403, 403)},
		{"list an unknown unit", func(tok string) testserver.Response {
			return s.Do("GET", "/api/v1/admin/users?unit_id="+uuids.New(), tok, nil)
		}, []accountRow{{"admin", 400, codes.InvalidRequest}, {"david", 403, codes.Forbidden}, {"arvid", 403, codes.Forbidden}}},
		{"import care staff into the unit", func(tok string) testserver.Response {
			return importCSV(s, tok, "unit_id="+demo.AspenID+"&role=care_staff&valid_until="+until, fresh()+";Ny Person;\n")
		}, same(201, 201, 403, 403, 201, 403, 403)},
		{"import licensed staff into the unit", func(tok string) testserver.Response {
			return importCSV(s, tok, "unit_id="+demo.AspenID+"&role=licensed&valid_until="+until, fresh()+";Ny Person;\n")
		}, same(201, 201, 403, 403, 403, 403, 403)},
		{"import managers into the unit", func(tok string) testserver.Response {
			return importCSV(s, tok, "unit_id="+demo.AspenID+"&role=unit_manager&valid_until="+until, fresh()+";Ny Person;\n")
		}, same(201, 403, 403, 403, 403, 403, 403)},
		{"import into a unit of another provider", func(tok string) testserver.Response {
			return importCSV(s, tok, "unit_id="+demo.BjorkenID+"&role=care_staff&valid_until="+until, fresh()+";Ny Person;\n")
		}, []accountRow{{"david", 403, codes.Forbidden}, {"arvid", 403, codes.Forbidden}, {"bertil", 201, ""}}},
		{"import into an unknown unit", func(tok string) testserver.Response {
			return importCSV(s, tok, "unit_id="+uuids.New()+"&role=care_staff&valid_until="+until, fresh()+";Ny Person;\n")
		}, []accountRow{{"admin", 400, codes.InvalidRequest}, {"david", 403, codes.Forbidden}}},
	}
	for _, r := range routes {
		for _, row := range r.rows {
			t.Run(r.name+"/"+row.who, func(t *testing.T) {
				res := r.do(devices[row.who].Token)
				if res.Status != row.status || res.ErrorCode() != row.code {
					t.Fatalf("want %d %q, got %d %s", row.status, row.code, res.Status, res.Body)
				}
			})
		}
	}

	// The unit's people are listed to everyone who may list the unit, each with whether
	// the caller administers them: a representative the care staff, a manager more.
	listed := func(who string) map[string]bool {
		var items []struct {
			Username      string
			MayAdminister bool `json:"may_administer"`
		}
		s.Do("GET", "/api/v1/admin/users?unit_id="+demo.AspenID, devices[who].Token, nil).JSON(t, &items)
		out := map[string]bool{}
		for _, i := range items {
			out[i.Username] = i.MayAdminister
		}
		return out
	}
	rep, manager := listed("arvid"), listed("david")
	for name, want := range map[string]bool{"malin": true, "anna": true, "cecilia": false, "david": false, "arvid": false} {
		if may, in := rep[name]; !in || may != want {
			t.Fatalf("the representative lists %v", rep)
		}
	}
	for name, want := range map[string]bool{"malin": true, "cecilia": true, "arvid": true, "david": false} {
		if may, in := manager[name]; !in || may != want {
			t.Fatalf("the manager lists %v", manager)
		}
	}
	if _, in := manager["lisa"]; in {
		t.Fatalf("the manager lists lisa of another unit: %v", manager)
	}
	// A new account without a grant is administered by its provider's managers and
	// representatives until its first grant: lisa may give it a new code, bertil not.
	c := createUser(t, s, devices["david"], "utan.behorighet", demo.OwnProviderID)
	if res := s.Do("POST", "/api/v1/admin/users/"+c.UserID+"/activation", devices["lisa"].Token, nil); res.Status != 200 {
		t.Fatalf("lisa, same provider: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", "/api/v1/admin/users/"+c.UserID+"/activation", devices["bertil"].Token, nil); res.Status != 403 {
		t.Fatalf("bertil, other provider: %d %s", res.Status, res.Body)
	}
}

// userCount is how many accounts the store holds.
func userCount(t *testing.T, s *testserver.Server) int {
	users, err := s.Identity.UsersWhere(func(identity.User) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	return len(users)
}

// TestAccountRoutesRefuseBadInput: every bad request gets a clear error and changes
// nothing (read back: no account more, no grant more, the activation state as it was).
func TestAccountRoutesRefuseBadInput(t *testing.T) {
	s, devices, malin := accountsWorld(t)
	admin, david := devices["admin"].Token, devices["david"].Token
	before := userCount(t, s)
	malinBefore, _ := s.Identity.User(malin)
	raw := func(method, path, token, contentType, body string) testserver.Response {
		return s.DoWith(method, path, token, map[string]string{"Content-Type": contentType}, body)
	}
	own := `"provider_id":"` + demo.OwnProviderID + `"`
	until := s.Clock.Now().AddDate(0, 6, 0).Format(time.DateOnly)
	q := "unit_id=" + demo.AspenID + "&role=care_staff&valid_until=" + until
	cases := []struct {
		name   string
		res    func() testserver.Response
		status int
		code   string
	}{
		{"create: username of the wrong type", func() testserver.Response {
			return raw("POST", "/api/v1/admin/users", admin, "application/json", `{"username":5,"name":"X",`+own+`}`)
		}, 400, codes.InvalidRequest},
		{"create: an unknown field", func() testserver.Response {
			return raw("POST", "/api/v1/admin/users", admin, "application/json", `{"username":"ny.person","name":"X","admin":true,`+own+`}`)
		}, 400, codes.InvalidRequest},
		{"create: two objects", func() testserver.Response {
			return raw("POST", "/api/v1/admin/users", admin, "application/json", `{"username":"ny.person","name":"X",`+own+`}{}`)
		}, 400, codes.InvalidJSON},
		{"create: not JSON", func() testserver.Response {
			return raw("POST", "/api/v1/admin/users", admin, "text/plain", `{"username":"ny.person","name":"X",`+own+`}`)
		}, 415, codes.UnsupportedMediaType},
		{"create: upper case", func() testserver.Response {
			return raw("POST", "/api/v1/admin/users", admin, "application/json", `{"username":"Ny.Person","name":"X",`+own+`}`)
		}, 400, codes.InvalidUsername},
		{"create: too short", func() testserver.Response {
			return raw("POST", "/api/v1/admin/users", admin, "application/json", `{"username":"ab","name":"X",`+own+`}`)
		}, 400, codes.InvalidUsername},
		{"create: a space", func() testserver.Response {
			return raw("POST", "/api/v1/admin/users", admin, "application/json", `{"username":"ny person","name":"X",`+own+`}`)
		}, 400, codes.InvalidUsername},
		{"create: no name", func() testserver.Response {
			return raw("POST", "/api/v1/admin/users", admin, "application/json", `{"username":"ny.person","name":"  ",`+own+`}`)
		}, 400, codes.InvalidName},
		{"create: a national phone number", func() testserver.Response {
			return raw("POST", "/api/v1/admin/users", admin, "application/json", `{"username":"ny.person","name":"X","phone":"0701234567",`+own+`}`)
		}, 400, codes.InvalidPhone},
		{"create: no provider", func() testserver.Response {
			return raw("POST", "/api/v1/admin/users", admin, "application/json", `{"username":"ny.person","name":"X"}`)
		}, 400, codes.InvalidRequest},
		{"create: a taken username", func() testserver.Response {
			return raw("POST", "/api/v1/admin/users", admin, "application/json", `{"username":"anna","name":"X",`+own+`}`)
		}, 409, codes.UsernameTaken},
		{"activate: wrong types", func() testserver.Response {
			return raw("POST", "/api/v1/auth/activate", "", "application/json", `{"username":"malin","activation_code":12,"new_password":"x"}`)
		}, 400, codes.InvalidRequest},
		{"activate: an unknown field", func() testserver.Response {
			return raw("POST", "/api/v1/auth/activate", "", "application/json", `{"username":"malin","activation_code":"A","new_password":"x","admin":true}`)
		}, 400, codes.InvalidRequest},
		{"activate: missing fields", func() testserver.Response {
			return raw("POST", "/api/v1/auth/activate", "", "application/json", `{"username":"malin"}`)
		}, 400, codes.InvalidRequest},
		{"enrol: an unknown field", func() testserver.Response {
			return raw("POST", "/api/v1/auth/enrol/totp", "", "application/json", `{"mfa_token":"x","secret":"AAAA"}`)
		}, 400, codes.InvalidRequest},
		{"enrol: an unknown token", func() testserver.Response {
			return raw("POST", "/api/v1/auth/enrol/totp", "", "application/json", `{"mfa_token":"not-a-token"}`)
		}, 401, codes.InvalidCode},
		{"new code: a bad id", func() testserver.Response {
			return raw("POST", "/api/v1/admin/users/NOT-AN-ID/activation", admin, "application/json", `{}`)
		}, 400, codes.InvalidRequest},
		{"new code: a body with a field", func() testserver.Response {
			return raw("POST", "/api/v1/admin/users/"+malin+"/activation", admin, "application/json", `{"code":"AAAA"}`)
		}, 400, codes.InvalidRequest},
		{"list: a long unit id", func() testserver.Response {
			return s.Do("GET", "/api/v1/admin/users?unit_id="+strings.Repeat("a", 200), admin, nil)
		}, 400, codes.InvalidRequest},
		{"import: not CSV", func() testserver.Response {
			return raw("POST", "/api/v1/admin/users/import?"+q, admin, "application/json", `ny.person;Ny Person;`)
		}, 415, codes.UnsupportedMediaType},
		{"import: no unit", func() testserver.Response {
			return importCSV(s, admin, "role=care_staff&valid_until="+until, "ny.person;Ny Person;\n")
		}, 400, codes.InvalidRequest},
		{"import: an unknown role", func() testserver.Response {
			return importCSV(s, admin, "unit_id="+demo.AspenID+"&role=boss&valid_until="+until, "ny.person;Ny Person;\n")
		}, 400, codes.InvalidRequest},
		{"import: the integration role", func() testserver.Response {
			return importCSV(s, admin, "unit_id="+demo.AspenID+"&role=integration&valid_until="+until, "ny.person;Ny Person;\n")
		}, 400, codes.InvalidRequest},
		{"import: no end", func() testserver.Response {
			return importCSV(s, admin, "unit_id="+demo.AspenID+"&role=care_staff", "ny.person;Ny Person;\n")
		}, 400, codes.InvalidRequest},
		{"import: an end more than a year ahead", func() testserver.Response {
			return importCSV(s, admin, "unit_id="+demo.AspenID+"&role=care_staff&valid_until="+s.Clock.Now().AddDate(1, 1, 0).Format(time.DateOnly), "ny.person;Ny Person;\n")
		}, 400, codes.InvalidRequest},
		{"import: an end in the past", func() testserver.Response {
			return importCSV(s, admin, "unit_id="+demo.AspenID+"&role=care_staff&valid_until=2020-01-01", "ny.person;Ny Person;\n")
		}, 400, codes.InvalidRequest},
		{"import: a dry run neither true nor false", func() testserver.Response {
			return importCSV(s, admin, q+"&dry_run=maybe", "ny.person;Ny Person;\n")
		}, 400, codes.InvalidRequest},
		{"import: a quote left open", func() testserver.Response {
			return importCSV(s, admin, q, "ny.person;\"Ny Person;\n")
		}, 400, codes.InvalidCSV},
		{"import: 2 MiB", func() testserver.Response {
			return importCSV(s, admin, q, strings.Repeat("ny.person;Ny Person;+46701234567\n", 2<<20/33))
		}, 413, codes.BodyTooLarge},
		{"import: a unit of another provider", func() testserver.Response {
			return importCSV(s, david, "unit_id="+demo.BjorkenID+"&role=care_staff&valid_until="+until, "ny.person;Ny Person;\n")
		}, 403, codes.Forbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := c.res()
			if res.Status != c.status || res.ErrorCode() != c.code {
				t.Fatalf("want %d %s, got %d %s", c.status, c.code, res.Status, res.Body)
			}
			var e struct{ Error struct{ Message string } }
			res.JSON(t, &e)
			if len(e.Error.Message) < 10 {
				t.Fatalf("no clear message: %s", res.Body)
			}
		})
	}

	// A 50 MB file: 413, refused on its Content-Length before the body is read.
	res := sendCSVWhileReading(t, s.URL+"/api/v1/admin/users/import?"+q, admin, 50<<20)
	if res.StatusCode != 413 || errorCode(t, res) != codes.BodyTooLarge {
		t.Fatalf("50 MB: %d", res.StatusCode)
	}

	// Line errors: every refusal listed, nothing created (200, created empty), and a dry run
	// answers the same.
	file := "username;name;phone\n" +
		"ok.en;Ok En;+46701234567\n" +
		"formel;=1+2;\n" +
		"ok.en;Dubbel;\n" +
		"anna;Redan Finns;\n" +
		"AB;Stor Bokstav;\n" +
		"telefon;Fel Telefon;0701234567\n" +
		"plus;@SUM(A1);\n" +
		"bara.en\n" +
		"ok.tva;Ok Två;-46\n"
	want := []struct {
		Line           int
		Field, Message string
	}{
		{3, "name", codes.CSVFormulaCell}, {4, "username", codes.DuplicateUsername}, {5, "username", codes.UsernameTaken},
		{6, "username", codes.InvalidUsername}, {7, "phone", codes.InvalidPhone}, {8, "name", codes.CSVFormulaCell},
		{9, "line", codes.CSVColumns}, {10, "phone", codes.CSVFormulaCell},
	}
	for _, dry := range []string{"false", "true"} {
		res := importCSV(s, admin, q+"&dry_run="+dry, file)
		var got struct {
			Errors []struct {
				Line           int
				Field, Message string
			}
			Created []any
		}
		res.JSON(t, &got)
		if res.Status != 200 || len(got.Created) != 0 || fmt.Sprint(got.Errors) != fmt.Sprint(want) {
			t.Fatalf("dry_run=%s: %d %s\nwant errors %v", dry, res.Status, res.Body, want)
		}
	}

	// Read back: nothing was created or changed.
	if after := userCount(t, s); after != before {
		t.Fatalf("%d accounts before, %d after", before, after)
	}
	for _, name := range []string{"ny.person", "ok.en", "ok.tva", "telefon"} {
		if _, err := s.Identity.UserByUsername(name); err == nil {
			t.Fatalf("%s was created", name)
		}
	}
	if m, _ := s.Identity.User(malin); m.ActivationCodeHash != malinBefore.ActivationCodeHash || m.ActivationPending != malinBefore.ActivationPending {
		t.Fatal("a refused request changed malin's activation")
	}
	if g := s.Identity.Grants(demo.UserID("anna")); len(g) != 1 {
		t.Fatalf("anna's grants changed: %+v", g)
	}
}

// TestImportCreatesTheUnitsStaff: a dry run creates nothing; the import creates every
// account with its grant and code; an imported care worker activates and sees Aspen.
func TestImportCreatesTheUnitsStaff(t *testing.T) {
	s := testserver.Start(t)
	arvid := s.AddUser("arvid", demo.AspenID, identity.RoleUnitRep, s.Clock.Now().Add(24*time.Hour))
	_ = arvid
	rep := s.Login("arvid")
	until := s.Clock.Now().AddDate(0, 6, 0).Format(time.DateOnly)
	q := "unit_id=" + demo.AspenID + "&role=care_staff&valid_until=" + until
	file := "\xef\xbb\xbfusername;name;phone\nsara.ek;Sara Ek;+46701234567\ntove.lund;Tove Lund\n"
	before := userCount(t, s)
	res := importCSV(s, rep.Token, q+"&dry_run=true", file)
	var dry struct {
		Created []struct {
			UserID   string `json:"user_id"`
			Username string
		}
		Errors []any
	}
	res.JSON(t, &dry)
	if res.Status != 200 || userCount(t, s) != before || len(dry.Errors) != 0 || len(dry.Created) != 2 ||
		dry.Created[1].Username != "tove.lund" || dry.Created[0].UserID != "" {
		t.Fatalf("dry run: %d %s", res.Status, res.Body)
	}
	res = importCSV(s, rep.Token, q, file)
	var got struct {
		Created []struct {
			UserID         string `json:"user_id"`
			Username       string
			ActivationCode string `json:"activation_code"`
		}
	}
	res.JSON(t, &got)
	if res.Status != 201 || len(got.Created) != 2 || got.Created[0].Username != "sara.ek" || got.Created[1].ActivationCode == "" {
		t.Fatalf("import: %d %s", res.Status, res.Body)
	}
	sara, _ := s.Identity.User(got.Created[0].UserID)
	if sara.Phone != "+46701234567" || sara.Name != "Sara Ek" || !sara.ActivationPending {
		t.Fatalf("sara: %+v", sara)
	}
	g := s.Identity.Grants(sara.ID)
	if len(g) != 1 || g[0].UnitID != demo.AspenID || g[0].Role != identity.RoleCareStaff || g[0].ValidUntil.Format(time.DateOnly) <= until {
		t.Fatalf("sara's grant: %+v", g)
	}
	// The same file again: every line taken, nothing more created.
	if res := importCSV(s, rep.Token, q, file); res.Status != 200 || !strings.Contains(string(res.Body), codes.UsernameTaken) || userCount(t, s) != before+2 {
		t.Fatalf("again: %d %s", res.Status, res.Body)
	}
	// Tove (no phone) activates with the representative's hand-out and sees Aspen.
	res = activate(s, "tove.lund", got.Created[1].ActivationCode, newPassword)
	var a activation
	res.JSON(t, &a)
	if res.Status != 200 || a.Enrol != "totp" {
		t.Fatalf("activate: %d %s", res.Status, res.Body)
	}
	_, res = enrolAndVerify(t, s, a.MFAToken)
	var tok struct {
		User struct {
			Roles []struct {
				UnitID string `json:"unit_id"`
				Role   string
			}
		}
	}
	res.JSON(t, &tok)
	if res.Status != 200 || len(tok.User.Roles) != 1 || tok.User.Roles[0].UnitID != demo.AspenID || tok.User.Roles[0].Role != "care_staff" {
		t.Fatalf("verify: %d %s", res.Status, res.Body)
	}
	// The list shows both, activated or not.
	var items []struct {
		Username     string
		Activated    bool
		SecondFactor string  `json:"second_factor"`
		LastLoginAt  *string `json:"last_login_at"`
	}
	s.Do("GET", "/api/v1/admin/users?unit_id="+demo.AspenID, rep.Token, nil).JSON(t, &items)
	seen := map[string]string{}
	for _, i := range items {
		seen[i.Username] = fmt.Sprint(i.Activated, " ", i.SecondFactor, " ", i.LastLoginAt != nil)
	}
	if seen["sara.ek"] != "false sms false" || seen["tove.lund"] != "true totp true" {
		t.Fatalf("list: %v", seen)
	}
}

// sendCSVWhileReading posts a CSV body of n bytes, reading the answer while writing.
func sendCSVWhileReading(t *testing.T, rawURL, token string, n int) *http.Response {
	t.Helper()
	return sendBodyWhileReading(t, rawURL, token, "text/csv", n)
}

// sendBodyWhileReading sends n bytes of CSV lines on a raw connection, reading the
// answer while still writing (the server answers 413 and closes before the body is in).
func sendBodyWhileReading(t *testing.T, rawURL, token, contentType string, n int) *http.Response {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	go func() {
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", u.RequestURI(), u.Host, token, contentType, n)
		line := []byte("anna.x;Anna X;+46701234567\n")
		chunk := bytes.Repeat(line, 64<<10/len(line))
		for sent := 0; sent < n; {
			m := min(len(chunk), n-sent)
			if _, err := conn.Write(chunk[:m]); err != nil {
				return // the server answered and closed
			}
			sent += m
		}
	}()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	return res
}
