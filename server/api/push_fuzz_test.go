package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"vardag/syncengine"
)

const fuzzDevice = "0190a0b0-0000-7000-8000-00000000d001"

var pushSeeds = []string{
	`{"device_id":"` + fuzzDevice + `","mutations":[{"id":1,"name":"journal.note.add","args":{"note_id":"n"},"client_time":"2026-11-22T08:00:00Z"}]}`,
	`{"device_id":"` + fuzzDevice + `","mutations":[{"id":7,"name":"a","args":{},"client_time":"2026-11-22T08:00:00+01:00"},{"id":8,"name":"b","args":null,"client_time":"2026-11-22T08:00:00.123Z"}]}`,
	`{"device_id":"d","mutations":[{"id":18446744073709551615,"name":"a","args":1,"client_time":"2026-11-22T08:00:00Z"},{"id":0,"name":"a","args":1,"client_time":"2026-11-22T08:00:00Z"}]}`,
	``, ` `, `null`, `{}`, `[]`, `"x"`, `hej`, `{"device_id": "x", "mutations": [`,
	`{"device_id":"x","mutations":"many"}`, `{"device_id":"x","mutations":[]}`, `{"device_id":"","mutations":[{}]}`,
	`{"device_id":"x","mutations":[{"id":"2","name":"a","args":{},"client_time":"2026-11-22T08:00:00Z"}]}`,
	`{"device_id":"x","mutations":[{"id":-1}]}`, `{"device_id":"x","mutations":[{"id":1.5}]}`,
	`{"device_id":"x","mutations":[{"id":1,"name":"a"}]}`,
	`{"device_id":"x","mutations":[{"id":1,"name":"a","client_time":"yesterday"}]}`,
	`{"device_id":"x","mutations":[{"id":1,"name":"a","client_time":"0000-01-01T00:00:00+01:00"}]}`,
	`{"device_id":"x","mutations":[{"id":2,"name":"a","client_time":"2026-11-22T08:00:00Z"},{"id":4,"name":"a","client_time":"2026-11-22T08:00:00Z"}]}`,
	`{"device_id":"x","mutations":[{"id":1,"name":"` + strings.Repeat("n", 101) + `","client_time":"2026-11-22T08:00:00Z"}]}`,
	`{"device_id":"x","mutations":[{"id":1,"name":"a","args":{,"client_time":"2026-11-22T08:00:00Z"}]}`,
	`{"device_id":"x","device_id":7}`, `{"DEVICE_ID":"x"}`, "{\"device_id\":\"\xff\"}", `{"device_id":"x"}}`,
	`{"device_id":"x","extra":1,"mutations":[{"id":1,"name":"a","args":{},"client_time":"2026-11-22T08:00:00Z"}]}`,
	`{"device_id":"x","mutations":[{"Id":1,"name":"a","args":{},"client_time":"2026-11-22T08:00:00Z"}]}`,
	`{"device_id":"x","mutations":[{"id":1,"id":2,"name":"a","args":{},"client_time":"2026-11-22T08:00:00Z"}]}`,
	`{"device_id":"x","mutations":[{"id":1,"name":"a","args":{},"client_time":"2026-11-22T08:00:00Z","note":"x"}]}`,
	`{"device_id":"x","mutations":[{"id":1,"name":"a","args":{"t":"\u0000","t":"\ud800"},"client_time":"2026-11-22T08:00:00Z"}]}`,
}

// documentedCodes are the codes API.md gives a push body that cannot be read.
var documentedCodes = map[string]bool{"invalid_json": true, "invalid_request": true}

// decodePush is SyncPush up to the point where it needs the caller: readPush.
func decodePush(app *fiber.App, body []byte) (syncengine.PushBody, error) {
	c := app.AcquireCtx(&fasthttp.RequestCtx{})
	defer app.ReleaseCtx(c)
	c.Request().Header.SetMethod(fiber.MethodPost)
	c.Request().Header.SetContentType(fiber.MIMEApplicationJSON)
	c.Request().SetBody(body)
	return readPush(c)
}

// FuzzPushBody: a push body is untrusted. Reading it never panics, every failure is an
// *Error with a 4xx status and a documented code, and what passes is a push the engine may
// take: UTF-8, a device, 1 to 500 mutations numbered one after another, each named, timed
// and with an arguments object.
func FuzzPushBody(f *testing.F) {
	for _, s := range pushSeeds {
		f.Add([]byte(s))
	}
	app := fiber.New()
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodePush(app, body)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%q: error %T %v, want an *Error", body, err, err)
			}
			if e.Status < 400 || e.Status > 499 || !documentedCodes[e.Code] || e.Message == "" {
				t.Fatalf("%q: error %d %q %q", body, e.Status, e.Code, e.Message)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("%q: accepted, but it is not JSON", body)
		}
		n := len(req.Mutations)
		if req.DeviceID == "" || n == 0 || n > maxMutationsPerPush {
			t.Fatalf("%q: accepted a push of device %q with %d mutations", body, req.DeviceID, n)
		}
		if !utf8.Valid(body) {
			t.Fatalf("%q: accepted, but it is not UTF-8", body)
		}
		for i, m := range req.Mutations {
			if m.ID == 0 || (i > 0 && m.ID != req.Mutations[i-1].ID+1) || m.Name == "" || len(m.Name) > 100 || m.ClientTime.IsZero() ||
				len(m.Args) == 0 || m.Args[0] != '{' || !json.Valid(m.Args) {
				t.Fatalf("%q: accepted mutation %d: %+v", body, i, m)
			}
		}
	})
}

// pushApp serves the real SyncPush on /push, with the real error handler, as app.go
// configures it. No caller is logged in and there is no engine: a push that passes
// checkPush stops at the device check (403 device_mismatch), before the engine.
func pushApp(bodyLimit int) *fiber.App {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	app := fiber.New(fiber.Config{BodyLimit: bodyLimit, ErrorHandler: ErrorHandler(log), DisableStartupMessage: true})
	h := &Handlers{Log: log}
	app.Post("/push", h.SyncPush)
	return app
}

type answer struct {
	status int
	code   string
	raw    string
}

func post(t *testing.T, app *fiber.App, body []byte, header map[string]string) answer {
	t.Helper()
	req := httptest.NewRequest("POST", "/push", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := app.Test(req, -1)
	if err != nil {
		t.Fatalf("%q: %v", body, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var e errorBody
	if err := json.Unmarshal(raw, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("%q: answer %d %s is not in the error shape", body, res.StatusCode, raw)
	}
	return answer{res.StatusCode, e.Error.Code, string(raw)}
}

// Every seed through the whole HTTP stack in process: a 4xx in the error shape, with a
// documented code, never a 500 or a stack trace.
func TestPushSeedsOverHTTP(t *testing.T) {
	app := pushApp(4 << 20)
	for _, s := range pushSeeds {
		a := post(t, app, []byte(s), nil)
		want := documentedCodes[a.code] || a.code == "device_mismatch"
		if a.status < 400 || a.status > 499 || !want {
			t.Errorf("%q: %d %s", s, a.status, a.raw)
		}
		if _, err := decodePush(fiber.New(), []byte(s)); err == nil && a.code != "device_mismatch" {
			t.Errorf("%q: checkPush passes it, but the handler answered %s", s, a.raw)
		}
	}
}

// Fiber's Ctx.Body gunzips (and inflates, and unbrotlis, in any chain the
// Content-Encoding header names) with no limit, after the BodyLimit check on the bytes
// that came in. A few kilobytes of gzip thus become megabytes, or gigabytes, in memory
// before bindJSON sees them — on /api/v1/auth/login too, without a login.
//
// BUG (reported to the lead): fails today; the 8 MiB body is decoded in full and answered
// 400 invalid_request despite the 1 MiB limit. Expected: 413 body_too_large, or a refusal
// of compressed request bodies (415).
func TestCompressedPushBodyKeepsTheBodyLimit(t *testing.T) {
	app := pushApp(1 << 20)
	inner := `{"device_id":"` + strings.Repeat("a", 8<<20) + `","mutations":[]}`
	var zipped bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zipped, gzip.BestCompression)
	zw.Write([]byte(inner))
	zw.Close()
	if zipped.Len() > 64<<10 {
		t.Fatalf("the gzip body is %d bytes", zipped.Len())
	}
	a := post(t, app, zipped.Bytes(), map[string]string{"Content-Encoding": "gzip"})
	if a.status != 413 && a.status != 415 {
		t.Errorf("%d bytes of gzip holding %d bytes, with a limit of %d: answered %d %s; want 413 or 415",
			zipped.Len(), len(inner), 1<<20, a.status, a.raw)
	}
}
