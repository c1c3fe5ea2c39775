package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/server/config"
	"vardag/test/testserver"
)

func forge(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestBadInputChangesNothing sends what a broken or hostile client might: each gets its
// documented error code, and neither the log nor the device's position moves.
func TestBadInputChangesNothing(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	anna.Push("journal.note.add", testserver.Note(uuids.New(), demo.ClientID(1), "Före", s.Clock.Now()))
	now := s.Clock.Now()
	var real jwt.MapClaims
	if _, _, err := jwt.NewParser().ParseUnverified(anna.Token, &real); err != nil {
		t.Fatal(err)
	}
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": "vardag", "aud": "vardag-api", "sub": demo.UserID("anna"), "sid": real["sid"], "did": anna.DeviceID,
			"typ": "access", "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Minute).Unix()}
		edit(c)
		return c
	}
	// The control: forged with the right key and every claim right, it is accepted — so
	// each refusal below is for the one thing changed.
	control := forge(t, jwt.SigningMethodHS256, testserver.Secret, claims(func(jwt.MapClaims) {}))
	if res := s.Do("GET", "/api/v1/sync/pull", control, nil); res.Status != 200 {
		t.Fatalf("control token refused: %d %s", res.Status, res.Body)
	}
	none := forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(func(jwt.MapClaims) {}))
	otherKey := forge(t, jwt.SigningMethodHS256, []byte("another-key-another-key-another-key!"), claims(func(jwt.MapClaims) {}))
	noExp := forge(t, jwt.SigningMethodHS256, testserver.Secret, claims(func(c jwt.MapClaims) { delete(c, "exp") }))
	wrongAud := forge(t, jwt.SigningMethodHS256, testserver.Secret, claims(func(c jwt.MapClaims) { c["aud"] = "someone-else" }))
	// With the right key, a token must still be one the server could have issued: its
	// user is the session's, on the session's device, for at most the access lifetime.
	otherUser := forge(t, jwt.SigningMethodHS256, testserver.Secret, claims(func(c jwt.MapClaims) { c["sub"] = demo.UserID("admin") }))
	otherDevice := forge(t, jwt.SigningMethodHS256, testserver.Secret, claims(func(c jwt.MapClaims) { c["did"] = uuids.New() }))
	yearLong := forge(t, jwt.SigningMethodHS256, testserver.Secret, claims(func(c jwt.MapClaims) { c["exp"] = now.AddDate(1, 0, 0).Unix() }))
	future := forge(t, jwt.SigningMethodHS256, testserver.Secret, claims(func(c jwt.MapClaims) {
		c["iat"], c["exp"] = now.Add(time.Hour).Unix(), now.Add(time.Hour+time.Minute).Unix()
	}))
	note := testserver.Note(uuids.New(), demo.ClientID(1), "Ska inte sparas", now)
	good := func(id int) string {
		return `{"device_id":"` + anna.DeviceID + `","mutations":[{"id":` + itoa(id) + `,"name":"journal.note.add","args":` + mustJSON(t, note) + `,"client_time":"2026-11-22T08:00:00Z"}]}`
	}
	huge := `{"device_id":"` + anna.DeviceID + `","mutations":[{"id":2,"name":"journal.note.add","args":{"text":"` + strings.Repeat("x", 10<<20) + `"},"client_time":"2026-11-22T08:00:00Z"}]}`
	// A push of mutation 2 that would be applied but for the one thing changed in its
	// envelope (client_time now, so that only the envelope can refuse it).
	at := `"client_time":"` + now.Format(time.RFC3339) + `"`
	noteJSON := mustJSON(t, note)
	push := func(pushFields, mutFields string) string {
		return `{"device_id":"` + anna.DeviceID + `"` + pushFields + `,"mutations":[{` + mutFields + `}]}`
	}
	mut2 := `"id":2,"name":"journal.note.add","args":` + noteJSON + `,` + at

	cases := []struct {
		name   string
		method string
		path   string
		token  string
		body   any
		status int
		code   string
	}{
		{"malformed JSON", "POST", "/api/v1/sync/push", anna.Token, `{"device_id": "x", "mutations": [`, 400, "invalid_json"},
		{"not JSON at all", "POST", "/api/v1/sync/push", anna.Token, `hej`, 400, "invalid_json"},
		{"mutations of the wrong type", "POST", "/api/v1/sync/push", anna.Token, `{"device_id":"` + anna.DeviceID + `","mutations":"many"}`, 400, "invalid_request"},
		{"mutation id of the wrong type", "POST", "/api/v1/sync/push", anna.Token, `{"device_id":"` + anna.DeviceID + `","mutations":[{"id":"2","name":"journal.note.add","args":{},"client_time":"2026-11-22T08:00:00Z"}]}`, 400, "invalid_request"},
		{"no mutations", "POST", "/api/v1/sync/push", anna.Token, `{"device_id":"` + anna.DeviceID + `","mutations":[]}`, 400, "invalid_request"},
		{"ids with a hole inside one push", "POST", "/api/v1/sync/push", anna.Token, `{"device_id":"` + anna.DeviceID + `","mutations":[{"id":2,"name":"a","args":{},"client_time":"2026-11-22T08:00:00Z"},{"id":4,"name":"a","args":{},"client_time":"2026-11-22T08:00:00Z"}]}`, 400, "invalid_request"},
		{"a gap after the last mutation", "POST", "/api/v1/sync/push", anna.Token, good(5), 409, "mutation_gap"},
		{"a push field in capitals", "POST", "/api/v1/sync/push", anna.Token, strings.Replace(push("", mut2), `"device_id"`, `"DEVICE_ID"`, 1), 400, "invalid_request"},
		{"a mutation field in another case", "POST", "/api/v1/sync/push", anna.Token, push("", strings.Replace(mut2, `"client_time"`, `"Client_Time"`, 1)), 400, "invalid_request"},
		{"a push field twice", "POST", "/api/v1/sync/push", anna.Token, `{"device_id":"` + uuids.New() + `",` + push("", mut2)[1:], 400, "invalid_request"},
		{"a mutation field twice", "POST", "/api/v1/sync/push", anna.Token, push("", `"id":9,`+mut2), 400, "invalid_request"},
		{"an unknown push field", "POST", "/api/v1/sync/push", anna.Token, push(`,"user_id":"`+demo.UserID("anna")+`"`, mut2), 400, "invalid_request"},
		{"an unknown mutation field", "POST", "/api/v1/sync/push", anna.Token, push("", mut2+`,"author_id":"`+demo.UserID("david")+`"`), 400, "invalid_request"},
		{"a mutation without args", "POST", "/api/v1/sync/push", anna.Token, push("", `"id":2,"name":"journal.note.add",`+at), 400, "invalid_request"},
		{"args null", "POST", "/api/v1/sync/push", anna.Token, push("", `"id":2,"name":"journal.note.add","args":null,`+at), 400, "invalid_request"},
		{"a body that is not UTF-8", "POST", "/api/v1/sync/push", anna.Token, strings.Replace(push("", mut2), "Ska inte sparas", "Ska inte sparas \xff", 1), 400, "invalid_json"},
		{"another device's id", "POST", "/api/v1/sync/push", anna.Token, strings.Replace(good(2), anna.DeviceID, uuids.New(), 1), 403, "device_mismatch"},
		{"no token", "POST", "/api/v1/sync/push", "", good(2), 401, "unauthenticated"},
		{"a token signed with another key", "POST", "/api/v1/sync/push", otherKey, good(2), 401, "unauthenticated"},
		{"alg none", "POST", "/api/v1/sync/push", none, good(2), 401, "unauthenticated"},
		{"no expiry", "POST", "/api/v1/sync/push", noExp, good(2), 401, "unauthenticated"},
		{"wrong audience", "POST", "/api/v1/sync/push", wrongAud, good(2), 401, "unauthenticated"},
		{"another user on the session", "POST", "/api/v1/sync/push", otherUser, good(2), 401, "unauthenticated"},
		{"another device on the session", "POST", "/api/v1/sync/push", otherDevice, good(2), 401, "unauthenticated"},
		{"a lifetime of a year", "POST", "/api/v1/sync/push", yearLong, good(2), 401, "unauthenticated"},
		{"issued in the future", "POST", "/api/v1/sync/push", future, good(2), 401, "unauthenticated"},
		{"another user on the session, before the terms gate", "GET", "/api/v1/me", otherUser, nil, 401, "unauthenticated"},
		{"a refresh token as access token", "POST", "/api/v1/sync/push", anna.RefreshToken, good(2), 401, "unauthenticated"},
		{"garbage cursor", "GET", "/api/v1/sync/pull?cursor=abc", anna.Token, nil, 400, "invalid_cursor"},
		{"limit out of range", "GET", "/api/v1/sync/pull?limit=0", anna.Token, nil, 400, "invalid_request"},
		{"unknown route", "GET", "/api/v1/nothing-here", anna.Token, nil, 404, "not_found"},
		{"unknown route, posted", "POST", "/api/v1/nothing-here", anna.Token, "{}", 404, "not_found"},
		{"a known route with the wrong method", "PUT", "/api/v1/sync/push", anna.Token, good(2), 405, "method_not_allowed"},
		{"GET on a POST route with a parameter", "GET", "/api/v1/admin/users/" + demo.UserID("bo") + "/unlock", anna.Token, nil, 405, "method_not_allowed"},
		{"an unknown method (PROPFIND)", "PROPFIND", "/api/v1/sync/push", anna.Token, good(2), 405, "method_not_allowed"},
		{"an unknown method (TRACK) on a route with a parameter", "TRACK", "/api/v1/admin/users/" + demo.UserID("bo") + "/unlock", anna.Token, nil, 405, "method_not_allowed"},
		{"an unknown method on an unknown route", "PROPFIND", "/api/v1/nothing-here", anna.Token, nil, 404, "not_found"},
		{"login without password", "POST", "/api/v1/auth/login", "", `{"username":"anna"}`, 400, "invalid_request"},
		{"login with a number as name", "POST", "/api/v1/auth/login", "", `{"username":5,"password":"x"}`, 400, "invalid_request"},
	}
	head := s.Head()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := s.Do(tc.method, tc.path, tc.token, tc.body)
			if res.Status != tc.status || res.ErrorCode() != tc.code {
				t.Fatalf("want %d %s, got %d %s", tc.status, tc.code, res.Status, res.Body)
			}
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("error answers are JSON, got %q", res.Header.Get("Content-Type"))
			}
			if tc.status == 405 && res.Header.Get("Allow") == "" {
				t.Fatal("a 405 without Allow (RFC 9110 §15.5.6)")
			}
		})
	}
	t.Run("a 10 MB body", func(t *testing.T) {
		res := postWhileReading(t, s.URL+"/api/v1/sync/push", anna.Token, huge)
		if res.StatusCode != 413 || errorCode(t, res) != "body_too_large" {
			t.Fatalf("want 413 body_too_large, got %d", res.StatusCode)
		}
	})
	// An expired token: the clock moves past its 15 minutes.
	s.Clock.Advance(16 * time.Minute)
	if res := s.Do("POST", "/api/v1/sync/push", anna.Token, good(2)); res.Status != 401 || res.ErrorCode() != "token_expired" {
		t.Fatalf("expired token: %d %s", res.Status, res.Body)
	}
	if s.Head() != head {
		t.Fatalf("bad input changed the log: head %d → %d", head, s.Head())
	}
	if anna.Refresh().Status != 200 {
		t.Fatal("refresh failed")
	}
	// Nothing moved the device on either: mutation 2 is still the next one.
	res := anna.Send([]testserver.Mutation{{ID: 2, Name: "journal.note.add", Args: note, ClientTime: s.Clock.Now()}})
	var pr testserver.PushResult
	res.JSON(t, &pr)
	if res.Status != 200 || pr.Results[0].Status != "applied" || pr.Results[0].Duplicate {
		t.Fatalf("mutation 2 after the bad input: %d %s", res.Status, res.Body)
	}
}

// TestMutationLevelRejectionsKeepTheLog covers what is wrong inside one mutation: it is
// rejected with a code and the fields named, consumes its id (so the phone can move on
// and keep it in "needs attention"), and writes no record. Texts are stored as typed or
// not at all: no control character but line feed and tab, no broken Unicode; names are
// matched exactly and given once; client_time is within what a phone can send now.
func TestMutationLevelRejectionsKeepTheLog(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	head := s.Head()
	now := s.Clock.Now()
	raw := func(fields string) json.RawMessage {
		return json.RawMessage(`{"note_id":"` + uuids.New() + `","client_id":"` + demo.ClientID(1) + `","heading":"Besök","keywords":[],"occurred_at":"` +
			now.Format(time.RFC3339) + `",` + fields + `}`)
	}
	note := func(text string) map[string]any { return testserver.Note(uuids.New(), demo.ClientID(1), text, now) }
	batch := anna.Batch(
		"no.such.change", map[string]any{"x": 1},
		"journal.note.add", map[string]any{"note_id": uuids.New(), "client_id": demo.ClientID(1), "heading": 5, "text": "x", "occurred_at": now},
		"journal.note.add", map[string]any{"note_id": "not-a-uuid", "client_id": demo.ClientID(1), "heading": "", "text": " ", "occurred_at": now},
		"journal.note.add", testserver.Note(uuids.New(), demo.ClientID(1), "Från framtiden", now.Add(time.Hour)),
		"journal.note.add", map[string]any{"note_id": uuids.New(), "client_id": demo.ClientID(1), "heading": "h", "text": "t", "occurred_at": now, "author_id": demo.UserID("david")},
		"journal.note.add", note("Ett NUL-tecken \x00 i anteckningen"),
		"journal.note.add", map[string]any{"note_id": uuids.New(), "client_id": demo.ClientID(1), "heading": "Besök\u001b[2J", "keywords": []string{"Omvårdnad"}, "text": "t", "occurred_at": now},
		"journal.note.add", raw(`"text":"En halv emoji \ud83d"`),
		"journal.note.add", raw(`"TEXT":"Versaler"`),
		"journal.note.add", raw(`"text":"Först","text":"Sedan"`),
		"journal.note.add", note("Telefonen tror att det är år 1"),
		"journal.note.add", note("Telefonen tror att det är år 9999"),
		"journal.note.add", note("Telefonens klocka går en timme före"),
		"journal.note.add", note("Skriven långt före telefonens rensning"),
	)
	batch[10].ClientTime = time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)
	batch[11].ClientTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	batch[12].ClientTime = now.Add(time.Hour)
	batch[13].ClientTime = now.Add(-74 * time.Hour) // the phones wipe after 72 h without a sync
	answer := anna.Send(batch)
	var res testserver.PushResult
	answer.JSON(t, &res)
	if answer.Status != 200 || len(res.Results) != len(batch) {
		t.Fatalf("push: %d %s", answer.Status, answer.Body)
	}
	want := []struct{ code, field string }{
		{"unknown_mutation", ""}, {"invalid_args", "heading"}, {"invalid_args", "note_id"}, {"invalid_args", "occurred_at"}, {"invalid_args", "author_id"},
		{"invalid_text", "text"}, {"invalid_text", "heading"}, {"invalid_text", "text"}, {"invalid_args", "TEXT"}, {"duplicate_field", "text"},
		{"invalid_client_time", "client_time"}, {"invalid_client_time", "client_time"}, {"invalid_client_time", "client_time"}, {"invalid_client_time", "client_time"},
	}
	for i, w := range want {
		r := res.Results[i]
		if r.Status != "rejected" || r.Error == nil || r.Error.Code != w.code || r.Error.Message == "" {
			t.Errorf("mutation %d: want rejected %s, got %+v", i+1, w.code, r)
			continue
		}
		if w.field != "" && r.Error.Fields[w.field] == "" {
			t.Errorf("mutation %d: want field %s named, got %v", i+1, w.field, r.Error.Fields)
		}
	}
	if s.Head() != head || res.LastMutationID != uint64(len(batch)) {
		t.Fatalf("rejections wrote records: head %d → %d, last %d", head, s.Head(), res.LastMutationID)
	}
}

// TestAMutationResentInAnotherKeyOrderIsADuplicate: the same mutation sent again with its
// arguments in another order and spacing (a phone's outbox after an app update, a proxy)
// gets its stored result back, not mutation_id_reused; other content under the id does.
func TestAMutationResentInAnotherKeyOrderIsADuplicate(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	now := s.Clock.Now()
	noteID := uuids.New()
	body := func(args string) string {
		return `{"device_id":"` + anna.DeviceID + `","mutations":[{"id":1,"name":"journal.note.add","client_time":"` + now.Format(time.RFC3339) + `","args":` + args + `}]}`
	}
	fields := []string{`"note_id":"` + noteID + `"`, `"client_id":"` + demo.ClientID(1) + `"`, `"heading":"Besök"`, `"keywords":["Omvårdnad"]`,
		`"text":"Allt väl."`, `"occurred_at":"` + now.Format(time.RFC3339) + `"`}
	first := s.Do("POST", "/api/v1/sync/push", anna.Token, body("{"+strings.Join(fields, ",")+"}"))
	var pr testserver.PushResult
	first.JSON(t, &pr)
	if first.Status != 200 || pr.Results[0].Status != "applied" {
		t.Fatalf("first: %d %s", first.Status, first.Body)
	}
	head := s.Head()
	slices.Reverse(fields)
	again := s.Do("POST", "/api/v1/sync/push", anna.Token, body("{ "+strings.Join(fields, " , ")+" }"))
	pr = testserver.PushResult{}
	again.JSON(t, &pr)
	if again.Status != 200 || pr.Results[0].Status != "applied" || !pr.Results[0].Duplicate || s.Head() != head {
		t.Fatalf("the same note in another key order: %d %s", again.Status, again.Body)
	}
	fields[1] = `"text":"Något annat."`
	other := s.Do("POST", "/api/v1/sync/push", anna.Token, body("{"+strings.Join(fields, ",")+"}"))
	pr = testserver.PushResult{}
	other.JSON(t, &pr)
	if pr.Results[0].Error == nil || pr.Results[0].Error.Code != "mutation_id_reused" {
		t.Fatalf("other content under the id: %d %s", other.Status, other.Body)
	}
}

// TestCompressedBodiesKeepTheBodyLimit: one layer of gzip is accepted, unpacked within the
// body limit; a gzip bomb (small on the wire, huge unpacked) is refused before it fills
// the memory, also on the login, which needs no token; other encodings are refused.
func TestCompressedBodiesKeepTheBodyLimit(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	gz := func(s string) []byte {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write([]byte(s))
		zw.Close()
		return b.Bytes()
	}
	send := func(path, token, encoding string, body []byte) (int, string) {
		req, _ := http.NewRequest("POST", s.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Content-Encoding", encoding)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, errorCode(t, res)
	}
	push := mustJSON(t, map[string]any{"device_id": anna.DeviceID, "mutations": anna.Batch("journal.note.add",
		testserver.Note(uuids.New(), demo.ClientID(1), "Skickad komprimerad", s.Clock.Now()))})
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/sync/push", bytes.NewReader(gz(push)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer "+anna.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("a gzip push: %v %v", err, res.StatusCode)
	}
	res.Body.Close()
	head := s.Head()
	bomb := gz(`{"username":"` + strings.Repeat("a", 64<<20) + `","password":"x"}`)
	if len(bomb) > 200<<10 {
		t.Fatalf("the bomb is %d bytes on the wire", len(bomb))
	}
	if st, code := send("/api/v1/auth/login", "", "gzip", bomb); st != 413 || code != "body_too_large" {
		t.Fatalf("a gzip bomb at the login: %d %s", st, code)
	}
	for _, enc := range []string{"br", "deflate", "gzip, gzip"} {
		if st, code := send("/api/v1/sync/push", anna.Token, enc, gz(push)); st != 415 || code != "unsupported_encoding" {
			t.Fatalf("Content-Encoding %q: %d %s", enc, st, code)
		}
	}
	if s.Head() != head {
		t.Fatal("a refused body changed the log")
	}
}

// gzipBomb is a body in two layers of gzip that unpacks to mib MiB of zero bytes: a few KB
// on the wire. The inner layer is one gzip member of 1 MiB of zeros, mib times over (a
// gzip stream may hold several members, RFC 1952 §2.2), which is quick to make.
func gzipBomb(t *testing.T, mib int) []byte {
	t.Helper()
	gz := func(p []byte) []byte {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		if _, err := zw.Write(p); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	member := gz(make([]byte, 1<<20))
	return gz(bytes.Repeat(member, mib))
}

// heapSys is the heap memory the process has taken from the system. The runtime keeps
// what it took, so it never falls: it shows the peak, which a body unpacked in memory and
// dropped again raises for good.
func heapSys() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapSys
}

// TestAStackedGzipBombIsRefusedUnpacked: a body in two layers of gzip (a few KB on the
// wire, 1 GiB unpacked), sent to every route that takes a body, is refused with 415
// unsupported_encoding before anything is unpacked: the server's heap (the server runs in
// this process) does not grow by a fraction of the bomb, and nothing changes. So is every
// other way of stacking codings on the training route, where c.Body() once unpacked it all.
func TestAStackedGzipBombIsRefusedUnpacked(t *testing.T) {
	s := testserver.Start(t, func(c *config.Config) { c.PushSubject = config.DemoPushSubject })
	s.AddUser("myndighet", demo.AspenID, identity.RoleIntegration, s.Clock.Now().Add(24*time.Hour))
	admin, anna, authority := s.Login("admin"), s.Login("anna"), s.Login("myndighet")
	const unpacked = 1 << 30
	bomb := gzipBomb(t, unpacked>>20)
	if len(bomb) > 16<<10 {
		t.Fatalf("the bomb is %d bytes on the wire", len(bomb))
	}
	bo := demo.UserID("bo")
	before, err := s.Identity.User(bo)
	if err != nil {
		t.Fatal(err)
	}
	send := func(method, path, token, ctype string, encodings ...string) testserver.Response {
		t.Helper()
		req, _ := http.NewRequest(method, s.URL+path, bytes.NewReader(bomb))
		req.Header.Set("Content-Type", ctype)
		for _, e := range encodings {
			req.Header.Add("Content-Encoding", e)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		return testserver.Response{Status: res.StatusCode, Header: res.Header, Body: raw}
	}
	const jsonType = "application/json"
	routes := []struct{ method, path, token, ctype string }{
		{"POST", "/api/v1/auth/login", "", jsonType},
		{"POST", "/api/v1/auth/sms", "", jsonType},
		{"POST", "/api/v1/auth/verify", "", jsonType},
		{"POST", "/api/v1/auth/refresh", "", jsonType},
		{"POST", "/api/v1/me/terms", anna.Token, jsonType},
		{"POST", "/api/v1/me/password", anna.Token, jsonType},
		{"POST", "/api/v1/me/totp", anna.Token, jsonType},
		{"POST", "/api/v1/me/totp/confirm", anna.Token, jsonType},
		{"POST", "/api/v1/admin/users/" + bo + "/password", admin.Token, jsonType},
		{"POST", "/api/v1/admin/users/" + bo + "/training", admin.Token, jsonType},
		{"POST", "/api/v1/admin/users/" + bo + "/token", admin.Token, jsonType},
		{"POST", "/api/v1/admin/tokens?provider_id=" + demo.OwnProviderID, admin.Token, "text/csv"},
		{"POST", "/api/v1/sync/push", anna.Token, jsonType},
		{"POST", "/api/v1/sync/pull", anna.Token, jsonType},
		{"POST", "/api/v1/push/subscriptions", anna.Token, jsonType},
		{"DELETE", "/api/v1/push/subscriptions", anna.Token, jsonType},
		{"POST", "/api/v1/integration/assignments", authority.Token, jsonType},
	}
	training := "/api/v1/admin/users/" + bo + "/training"
	stacked := [][]string{{"gzip,gzip"}, {"gzip, identity"}, {"identity, gzip"}, {"gzip", "gzip"}, {"gzip", "identity"}}
	head := s.Head()
	runtime.GC()
	heapBefore := heapSys()
	for _, r := range routes {
		if res := send(r.method, r.path, r.token, r.ctype, "gzip, gzip"); res.Status != 415 || res.ErrorCode() != "unsupported_encoding" {
			t.Errorf("%s %s with two layers of gzip: %d %s", r.method, r.path, res.Status, res.Body)
		}
	}
	for _, encodings := range stacked {
		if res := send("POST", training, admin.Token, jsonType, encodings...); res.Status != 415 || res.ErrorCode() != "unsupported_encoding" {
			t.Errorf("the training route with Content-Encoding %q: %d %s", encodings, res.Status, res.Body)
		}
	}
	grew := int64(heapSys()) - int64(heapBefore)
	t.Logf("%d bombs of %d bytes (%d MiB unpacked each): the heap grew by %.1f MiB", len(routes)+len(stacked), len(bomb), unpacked>>20, float64(grew)/(1<<20))
	if grew > unpacked/16 {
		t.Errorf("the heap grew by %d MiB: a bomb was unpacked", grew>>20)
	}
	if s.Head() != head {
		t.Errorf("a refused body changed the log: head %d → %d", head, s.Head())
	}
	after, err := s.Identity.User(bo)
	if err != nil {
		t.Fatal(err)
	}
	if !after.TrainedAt.Equal(before.TrainedAt) || after.PasswordHash != before.PasswordHash || after.MustChangePassword != before.MustChangePassword {
		t.Errorf("a refused body changed bo's account: %+v → %+v", before.TrainedAt, after.TrainedAt)
	}
}

// TestAWrongMethodIsToldTheMethodsTheAddressTakes: a method an address does not take, one
// the server does not know at all (PROPFIND) and HEAD on the API are answered 405
// method_not_allowed with the methods the address takes in Allow (RFC 9110 §15.5.6), also
// where the address has a parameter; HEAD on the health check still works.
func TestAWrongMethodIsToldTheMethodsTheAddressTakes(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	user := "/api/v1/admin/users/" + demo.UserID("bo")
	for _, c := range []struct{ method, path, allow string }{
		{"GET", user + "/unlock", "POST"},
		{"DELETE", user + "/sessions", "GET"},
		{"PUT", "/api/v1/sync/pull", "GET, POST"},
		{"PROPFIND", "/api/v1/push/subscriptions", "DELETE, POST"},
		{"HEAD", "/api/v1/admin/backup", "GET"},
		{"HEAD", "/api/v1/sync/pull", "GET, POST"},
		{"HEAD", "/api/v1/units/" + demo.AspenID + "/statistics", "GET"},
		{"DELETE", "/healthz", "GET, HEAD"},
	} {
		res := s.Do(c.method, c.path, anna.Token, nil)
		if res.Status != 405 || res.Header.Get("Allow") != c.allow {
			t.Errorf("%s %s: %d, Allow %q, want 405 with Allow %q", c.method, c.path, res.Status, res.Header.Get("Allow"), c.allow)
		}
		if c.method != "HEAD" && res.ErrorCode() != "method_not_allowed" {
			t.Errorf("%s %s: %s, want method_not_allowed", c.method, c.path, res.Body)
		}
	}
	if res := s.Do("HEAD", "/healthz", "", nil); res.Status != 200 {
		t.Errorf("HEAD /healthz: %d", res.Status)
	}
}

// TestJSONRoutesTakeOnlyJSON: every route that reads a JSON body refuses one sent as
// anything but application/json (charset=utf-8 allowed) with 415 unsupported_media_type,
// before it does anything. A web page can make a browser post text/plain or a form to
// another site without asking it first, never application/json: so no other site's form
// can log in, verify a code or rotate a refresh token.
func TestJSONRoutesTakeOnlyJSON(t *testing.T) {
	s := testserver.Start(t, func(c *config.Config) { c.PushSubject = config.DemoPushSubject })
	s.AddUser("myndighet", demo.AspenID, identity.RoleIntegration, s.Clock.Now().Add(24*time.Hour))
	admin, anna, authority := s.Login("admin"), s.Login("anna"), s.Login("myndighet")
	bo := demo.UserID("bo")
	before, err := s.Identity.User(bo)
	if err != nil {
		t.Fatal(err)
	}
	code := s.CodeFor("bo")
	login := map[string]string{"username": "bo", "password": demo.Password}
	res := s.Do("POST", "/api/v1/auth/login", "", login)
	var ch struct {
		MFAToken string `json:"mfa_token"`
	}
	res.JSON(t, &ch)
	verify := map[string]string{"mfa_token": ch.MFAToken, "method": "totp", "code": code}
	endpoint := "https://push.example.org/send/" + uuids.New()
	routes := []struct {
		method, path, token string
		body                any
	}{
		{"POST", "/api/v1/auth/login", "", login},
		{"POST", "/api/v1/auth/sms", "", map[string]string{"mfa_token": ch.MFAToken}},
		{"POST", "/api/v1/auth/verify", "", verify},
		{"POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": anna.RefreshToken}},
		{"POST", "/api/v1/me/terms", anna.Token, map[string]string{"version": "1"}},
		{"POST", "/api/v1/me/password", anna.Token, map[string]string{"current_password": demo.Password, "new_password": "ett helt nytt lösenord 42"}},
		{"POST", "/api/v1/me/totp", anna.Token, map[string]string{"password": demo.Password}},
		{"POST", "/api/v1/me/totp/confirm", anna.Token, map[string]string{"code": "123456"}},
		{"POST", "/api/v1/admin/users/" + bo + "/password", admin.Token, map[string]string{"new_password": "ett helt nytt lösenord 42"}},
		{"POST", "/api/v1/admin/users/" + bo + "/training", admin.Token, map[string]any{"completed_at": s.Clock.Now()}},
		{"POST", "/api/v1/admin/users/" + bo + "/token", admin.Token, map[string]string{"serial": "0001"}},
		{"POST", "/api/v1/sync/push", anna.Token, map[string]any{"device_id": anna.DeviceID, "mutations": anna.Batch("journal.note.add",
			testserver.Note(uuids.New(), demo.ClientID(1), "Skickad som text", s.Clock.Now()))}},
		{"POST", "/api/v1/sync/pull", anna.Token, map[string]any{"limit": 10}},
		{"POST", "/api/v1/push/subscriptions", anna.Token, map[string]any{"endpoint": endpoint, "keys": map[string]string{"p256dh": "x", "auth": "y"}}},
		{"DELETE", "/api/v1/push/subscriptions", anna.Token, map[string]string{"endpoint": endpoint}},
		{"POST", "/api/v1/integration/assignments", authority.Token, map[string]any{"authority_id": "TRE-1", "client_id": demo.ClientID(3), "unit_id": demo.AspenID}},
	}
	notJSON := []string{"text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
		"", "application/json; charset=iso-8859-1", "application/json; foo=bar", "application/jsonp", "text/json"}
	head := s.Head()
	for _, r := range routes {
		for _, ct := range notJSON {
			res := s.DoWith(r.method, r.path, r.token, map[string]string{"Content-Type": ct}, r.body)
			if res.Status != 415 || res.ErrorCode() != "unsupported_media_type" {
				t.Errorf("%s %s as %q: %d %s, want 415 unsupported_media_type", r.method, r.path, ct, res.Status, res.Body)
			}
		}
	}
	if s.Head() != head {
		t.Errorf("a body that was not JSON changed the log: head %d → %d", head, s.Head())
	}
	after, err := s.Identity.User(bo)
	if err != nil {
		t.Fatal(err)
	}
	if !after.TrainedAt.Equal(before.TrainedAt) || after.PasswordHash != before.PasswordHash || after.MustChangePassword != before.MustChangePassword {
		t.Error("a body that was not JSON changed bo's account")
	}
	// Nothing was used up: anna's refresh token still rotates, bo's code still verifies.
	if res := anna.Refresh(); res.Status != 200 {
		t.Errorf("anna's refresh after the refused ones: %d %s", res.Status, res.Body)
	}
	if res := s.DoWith("POST", "/api/v1/auth/verify", "", map[string]string{"Content-Type": "application/json;charset=UTF-8"}, verify); res.Status != 200 {
		t.Errorf("bo's verify as JSON after the refused ones: %d %s", res.Status, res.Body)
	}
	if res := s.DoWith("POST", "/api/v1/auth/login", "", map[string]string{"Content-Type": "application/json; charset=utf-8"}, login); res.Status != 200 {
		t.Errorf("a login as application/json; charset=utf-8: %d %s", res.Status, res.Body)
	}
	// A route whose body may be left out takes none without a Content-Type.
	if res := s.Do("POST", "/api/v1/admin/users/"+bo+"/training", admin.Token, nil); res.Status != 204 {
		t.Errorf("training recorded without a body: %d %s", res.Status, res.Body)
	}
}
