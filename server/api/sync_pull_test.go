package api

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/accesslog"
	"vardag/internal/auth"
	"vardag/internal/clients"
	"vardag/internal/identity"
	"vardag/internal/login"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// Data whose reading cannot be logged is not sent: a pull whose read-log entries cannot be
// written answers 503 unavailable without the page (Patientdatalagen 4 kap. 3 §).
func TestPullThatCannotBeLoggedIsNotSent(t *testing.T) {
	eng, client, h := engineWithClient(t)
	app := fiber.New(fiber.Config{ErrorHandler: ErrorHandler(h.Log)})
	app.Get("/pull", func(c *fiber.Ctx) error {
		c.Locals(localPrincipal, login.Principal{User: identity.User{ID: "anna"}, Claims: auth.AccessClaims{DeviceID: "phone-1"},
			Access: identity.Access{Scopes: []string{identity.UnitScope("aspen")}}})
		return c.Next()
	}, h.SyncPull)
	pull := func() (int, string) {
		res, err := app.Test(httptest.NewRequest("GET", "/pull", nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}

	if status, body := pull(); status != 200 || !strings.Contains(body, client.Name) {
		t.Fatalf("pull: %d %s", status, body)
	}
	entries, _, err := accesslog.Query(eng, accesslog.Filter{ClientID: client.ClientID})
	if err != nil || len(entries) != 1 || entries[0].UserID != "anna" || entries[0].DeviceID != "phone-1" {
		t.Fatalf("log after the pull: %+v (%v)", entries, err)
	}

	if err := eng.Close(context.Background()); err != nil { // the writer stops; reads still work
		t.Fatal(err)
	}
	status, body := pull()
	if status != 503 || !strings.Contains(body, `"unavailable"`) || strings.Contains(body, client.Name) {
		t.Fatalf("pull that cannot be logged: %d %s", status, body)
	}
}

// engineWithClient is a running engine on a real bbolt file, with the read log's observer,
// holding one client of unit aspen, and handlers on it.
func engineWithClient(t *testing.T) (*syncengine.Engine, clients.Client, *Handlers) {
	t.Helper()
	st, err := syncengine.OpenBolt(filepath.Join(t.TempDir(), "vardag.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	eng := syncengine.New(syncengine.Options{Store: st, Now: func() time.Time { return now }, Observe: accesslog.Observe})
	eng.Start()
	t.Cleanup(func() { eng.Close(context.Background()) })
	client := clients.Client{ClientID: uuids.New(), Name: "Brukare Ett", PersonalID: "19121212-1212", UnitID: "aspen", JournalOpen: true}
	if err := eng.Do(context.Background(), func(tx *syncengine.Tx) error { return clients.Put(tx, client) }); err != nil {
		t.Fatal(err)
	}
	h := &Handlers{Engine: eng, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }}
	return eng, client, h
}
