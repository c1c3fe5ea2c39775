package api

import (
	"context"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/accesslog"
	"vardag/internal/auth"
	"vardag/internal/boltstore"
	"vardag/internal/identity"
	"vardag/internal/login"
	"vardag/syncengine"
)

// Who read a client's data is the client's data too, and a backup holds every client's
// data: each is logged as a read (a review per client shown, an extract, a backup per
// client), and one whose entries cannot be written answers 503 without the data.
func TestReviewsAndBackupsThatCannotBeLoggedAreNotSent(t *testing.T) {
	eng, client, h := engineWithClient(t)
	read := accesslog.Entry{UserID: "anna", DeviceID: "phone-1", ClientID: client.ClientID, Units: []string{"aspen"}, What: "journal_note", Count: 3, Source: accesslog.SourcePull}
	if err := accesslog.Write(context.Background(), eng, []accesslog.Entry{read}); err != nil {
		t.Fatal(err)
	}

	app := fiber.New(fiber.Config{ErrorHandler: ErrorHandler(h.Log)})
	app.Use(func(c *fiber.Ctx) error {
		c.Locals(localPrincipal, login.Principal{User: identity.User{ID: "david"}, Claims: auth.AccessClaims{DeviceID: "phone-2"},
			Access: identity.Access{Roles: map[string][]identity.Role{"aspen": {identity.RoleUnitManager}}, Scopes: []string{identity.UnitScope("aspen")}}})
		return c.Next()
	})
	app.Get("/log", h.AdminAccessLog)
	app.Get("/export", h.AdminAccessLogExport)
	app.Get("/backup", func(c *fiber.Ctx) error {
		c.Locals(localPrincipal, login.Principal{User: identity.User{ID: "admin", Admin: true}, Claims: auth.AccessClaims{DeviceID: "pc-1"}})
		return c.Next()
	}, h.AdminBackup)
	h.Identity = identityWithUnit(t, "aspen")
	get := func(path string) (int, string) {
		res, err := app.Test(httptest.NewRequest("GET", path, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}

	if status, body := get("/log?unit_id=aspen"); status != 200 || !strings.Contains(body, `"anna"`) {
		t.Fatalf("review: %d %s", status, body)
	}
	if status, body := get("/export?client_id=" + client.ClientID); status != 200 || !strings.Contains(body, "anna") {
		t.Fatalf("extract: %d %s", status, body)
	}
	reviews, _, err := accesslog.Query(eng, accesslog.Filter{UserID: "david"})
	if err != nil || len(reviews) != 2 {
		t.Fatalf("david's reviews in the log: %+v (%v)", reviews, err)
	}
	extract, review := reviews[0], reviews[1] // newest first
	if review.Source != accesslog.SourceReview || review.What != accesslog.WhatAccessLog || review.ClientID != client.ClientID ||
		review.Count != 1 || review.DeviceID != "phone-2" || strings.Join(review.Units, ",") != "aspen" {
		t.Errorf("the review's entry: %+v", review)
	}
	if extract.Source != accesslog.SourceReview || extract.What != accesslog.WhatAccessLogExtract || extract.ClientID != client.ClientID ||
		extract.Count != 2 || strings.Join(extract.Units, ",") != "aspen" {
		t.Errorf("the extract's entry (it lists anna's read and david's review): %+v", extract)
	}

	if status, _ := get("/backup"); status != 200 {
		t.Fatalf("backup: %d", status)
	}
	if backups, _, err := accesslog.Query(eng, accesslog.Filter{UserID: "admin"}); err != nil || len(backups) != 1 ||
		backups[0].Source != accesslog.SourceBackup || backups[0].ClientID != client.ClientID || backups[0].DeviceID != "pc-1" {
		t.Fatalf("the backup's entries: %+v (%v)", backups, err)
	}

	if err := eng.Close(context.Background()); err != nil { // the writer stops; reads still work
		t.Fatal(err)
	}
	if status, body := get("/backup"); status != 503 || !strings.Contains(body, `"unavailable"`) {
		t.Errorf("a backup that cannot be logged: %d %.200q", status, body)
	}
	for _, path := range []string{"/log?unit_id=aspen", "/export?client_id=" + client.ClientID} {
		if status, body := get(path); status != 503 || !strings.Contains(body, `"unavailable"`) || strings.Contains(body, "anna") {
			t.Errorf("%s that cannot be logged: %d %s", path, status, body)
		}
	}
}

// identityWithUnit is an identity store on its own bbolt file holding one unit.
func identityWithUnit(t *testing.T, unit string) *identity.Store {
	t.Helper()
	db, err := syncengine.OpenBolt(filepath.Join(t.TempDir(), "identity.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ids, err := identity.NewStore(identityStorage(t, db))
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		ids.PutMunicipality(identity.Municipality{ID: "m", Name: "Kommunen"}),
		ids.PutProvider(identity.Provider{ID: "p", MunicipalityID: "m", Name: "Utföraren"}),
		ids.PutUnit(identity.Unit{ID: unit, ProviderID: "p", Name: "Enheten"}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// identityStorage keeps the identity records in db, a real bbolt file, as the server does.
func identityStorage(t *testing.T, db *syncengine.BoltStore) identity.Storage {
	t.Helper()
	st, err := boltstore.New(db).Identity()
	if err != nil {
		t.Fatal(err)
	}
	return st
}
