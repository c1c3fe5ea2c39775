package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"vardag/internal/clients"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
	"vardag/test/testserver"
)

// TestManyUnitsPullToTheEnd: a manager of 100 units (201 scopes) pulls everything in
// small pages. The cursor stays compact; when it outgrows an address, GET answers 431 in
// the error shape and POST /api/v1/sync/pull takes it in the body.
func TestManyUnitsPullToTheEnd(t *testing.T) {
	s := testserver.Start(t)
	const units = 100
	s.AddUser("regionchef", demo.AspenID, identity.RoleUnitManager, s.Clock.Now().Add(time.Hour))
	unit := func(i int) string { return uuids.Named(fmt.Sprint("region/unit/", i)) }
	for i := 0; i < units; i++ {
		if err := s.Identity.PutUnit(identity.Unit{ID: unit(i), ProviderID: demo.OwnProviderID, Name: fmt.Sprint("Enhet ", i)}); err != nil {
			t.Fatal(err)
		}
		if err := s.Identity.PutGrant(identity.Grant{ID: fmt.Sprint("region-", i), UserID: demo.UserID("regionchef"), UnitID: unit(i),
			Role: identity.RoleUnitManager, ValidUntil: s.Clock.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	// The identity store has its own transactions: never inside the engine's writer.
	err := s.Engine.Do(context.Background(), func(tx *syncengine.Tx) error {
		for i := 0; i < units; i++ {
			c := clients.Client{ClientID: uuids.Named(fmt.Sprint("region/client/", i)), Name: "Brukare", PersonalID: demo.PersonalNumber("19450101", i), UnitID: unit(i), JournalOpen: true}
			if err := clients.Put(tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	chef := s.Login("regionchef")
	cursor, seen, long := "", 0, false
	for pages := 0; ; pages++ {
		if pages > 200 {
			t.Fatal("the pull never ended")
		}
		if len(cursor) < 3000 { // with the token, fits fasthttp's 4 KB for the request head
			if get := s.Do("GET", "/api/v1/sync/pull?limit=3&cursor="+cursor, chef.Token, nil); get.Status != 200 {
				t.Fatalf("GET pull with a %d-character cursor: %d %s", len(cursor), get.Status, get.Body)
			}
		} else if !long {
			long = true
			res := sendWhileReading(t, "GET", s.URL+"/api/v1/sync/pull?limit=3&cursor="+cursor, chef.Token, "")
			if res.StatusCode != 431 || errorCode(t, res) != "headers_too_large" {
				t.Fatalf("GET with a %d-character cursor: want 431 headers_too_large, got %d", len(cursor), res.StatusCode)
			}
		}
		post := s.Do("POST", "/api/v1/sync/pull", chef.Token, map[string]any{"cursor": cursor, "limit": 3})
		if post.Status != 200 {
			t.Fatalf("POST pull with a %d-character cursor: %d %s", len(cursor), post.Status, post.Body)
		}
		var page testserver.PullPage
		post.JSON(t, &page)
		seen += len(page.Changes)
		cursor = page.Cursor
		if !page.More {
			break
		}
	}
	// Aspen's six clients, the 100 units' clients, and the user records of Aspen's staff.
	if seen < units+6 {
		t.Fatalf("pulled %d changes, want at least %d", seen, units+6)
	}
	if !long {
		t.Fatalf("the cursor of 201 scopes stayed at %d characters: the test no longer reaches the long case", len(cursor))
	}
}
