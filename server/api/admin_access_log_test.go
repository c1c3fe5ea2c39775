package api

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/accesslog"
	"vardag/internal/auth"
	"vardag/internal/identity"
	"vardag/internal/login"
)

// Who read a client's data is the client's data too: a review of the read log, or a
// client's extract, whose own entry cannot be written answers 503 without the entries.
func TestReviewThatCannotBeLoggedIsNotSent(t *testing.T) {
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

	if err := eng.Close(context.Background()); err != nil { // the writer stops; reads still work
		t.Fatal(err)
	}
	for _, path := range []string{"/log?unit_id=aspen", "/export?client_id=" + client.ClientID} {
		if status, body := get(path); status != 503 || !strings.Contains(body, `"unavailable"`) || strings.Contains(body, "anna") {
			t.Errorf("%s that cannot be logged: %d %s", path, status, body)
		}
	}
}
