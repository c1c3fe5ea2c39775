package clients_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"vardag/internal/caretest"
	"vardag/internal/clients"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

func put(e *caretest.Engine, c clients.Client) error {
	return e.Do(context.Background(), func(tx *syncengine.Tx) error { return clients.Put(tx, c) })
}

func TestPersonalNumberIsCheckedAndStoredIn12Digits(t *testing.T) {
	e := caretest.NewEngine(t, time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC), nil)
	id := uuids.New()
	err := put(e, clients.Client{ClientID: id, PersonalID: "121212-1213", UnitID: "aspen"}) // wrong check digit
	var rej *syncengine.Rejection
	if !errors.As(err, &rej) || rej.Fields["personal_number"] == "" || strings.Contains(rej.Error(), "1212") {
		t.Fatalf("a wrong check digit: %v (the number must not be in the error)", err)
	}
	if e.Record(clients.Kind, id, nil) {
		t.Fatal("a client with an invalid personal number was stored")
	}
	if err := put(e, clients.Client{ClientID: id, PersonalID: "121212-1212", UnitID: "aspen"}); err != nil {
		t.Fatal(err)
	}
	var got clients.Client
	e.Record(clients.Kind, id, &got)
	// Ten digits with '-': the latest century that is not in the future (2012, in 2026).
	if got.PersonalID != "201212121212" {
		t.Fatalf("stored as %q, want the 12-digit form 201212121212", got.PersonalID)
	}
}

func TestProtectedIdentityHidesAddressAndPhoneFromCareStaff(t *testing.T) {
	e := caretest.NewEngine(t, time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC), nil)
	e.Unit("aspen", "egen")
	id := uuids.New()
	c := clients.Client{ClientID: id, PersonalID: "19121212-1212", UnitID: "aspen", Address: "Hemlig väg 1", Phone: "070-000 00 00", ProtectedIDs: true}
	if err := put(e, c); err != nil {
		t.Fatal(err)
	}
	staff := e.Actor("anna", map[string]identity.Role{"aspen": identity.RoleCareStaff})
	nurse := e.Actor("cecilia", map[string]identity.Role{"aspen": identity.RoleLicensed})
	for _, ch := range e.Pull(staff) {
		if strings.Contains(string(ch.Data), "Hemlig") || strings.Contains(string(ch.Data), "070-") {
			t.Fatalf("care staff received the protected address or phone: %s", ch.Data)
		}
	}
	found := false
	for _, ch := range e.Pull(nurse) {
		found = found || (ch.Kind == clients.KindContact && strings.Contains(string(ch.Data), "Hemlig väg 1"))
	}
	if !found {
		t.Fatal("the nurse did not receive the protected client's address")
	}
	// Protection lifted: the address is in the client record and the separate one is gone.
	c.ProtectedIDs = false
	if err := put(e, c); err != nil {
		t.Fatal(err)
	}
	if e.Record(clients.KindContact, id, nil) {
		t.Fatal("the separate contact record outlived the protection")
	}
}
