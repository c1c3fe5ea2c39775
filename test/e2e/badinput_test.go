package e2e

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"vardag/internal/demo"
	"vardag/internal/uuids"
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
// and keep it in "needs attention"), and writes no record.
func TestMutationLevelRejectionsKeepTheLog(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	head := s.Head()
	now := s.Clock.Now()
	res := anna.Push(
		"no.such.change", map[string]any{"x": 1},
		"journal.note.add", map[string]any{"note_id": uuids.New(), "client_id": demo.ClientID(1), "heading": 5, "text": "x", "occurred_at": now},
		"journal.note.add", map[string]any{"note_id": "not-a-uuid", "client_id": demo.ClientID(1), "heading": "", "text": " ", "occurred_at": now},
		"journal.note.add", testserver.Note(uuids.New(), demo.ClientID(1), "Från framtiden", now.Add(time.Hour)),
		"journal.note.add", map[string]any{"note_id": uuids.New(), "client_id": demo.ClientID(1), "heading": "h", "text": "t", "occurred_at": now, "author_id": demo.UserID("david")},
	)
	want := []struct{ code, field string }{
		{"unknown_mutation", ""}, {"invalid_args", "heading"}, {"invalid_args", "note_id"}, {"invalid_args", "occurred_at"}, {"invalid_args", "author_id"},
	}
	for i, w := range want {
		r := res.Results[i]
		if r.Status != "rejected" || r.Error == nil || r.Error.Code != w.code || r.Error.Message == "" {
			t.Fatalf("mutation %d: want rejected %s, got %+v", i+1, w.code, r)
		}
		if w.field != "" && r.Error.Fields[w.field] == "" {
			t.Fatalf("mutation %d: want field %s named, got %v", i+1, w.field, r.Error.Fields)
		}
	}
	if s.Head() != head || res.LastMutationID != 5 {
		t.Fatalf("rejections wrote records: head %d → %d, last %d", head, s.Head(), res.LastMutationID)
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
