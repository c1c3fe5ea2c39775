package messages_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"vardag/internal/caretest"
	"vardag/internal/identity"
	"vardag/internal/messages"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

func push(t *testing.T, e *caretest.Engine, a syncengine.Actor, name string, args any, status, code string) syncengine.Result {
	t.Helper()
	r := e.Push(a, name, args)
	got := ""
	if r.Error != nil {
		got = r.Error.Code
	}
	if r.Status != status || got != code {
		t.Fatalf("%s by %s: got %s %q %+v, want %s %q", name, a.UserID, r.Status, got, r.Error, status, code)
	}
	return r
}

func sees(e *caretest.Engine, a syncengine.Actor, kind, id string) bool {
	return slices.ContainsFunc(e.Pull(a), func(c syncengine.Change) bool { return c.Kind == kind && c.ID == id })
}

func newEngine(t *testing.T) (*caretest.Engine, syncengine.Actor, syncengine.Actor, syncengine.Actor, syncengine.Actor) {
	e := caretest.NewEngine(t, time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC), messages.Handlers(colleagues))
	e.Unit("aspen", "egen")
	e.Unit("ekan", "privat")
	anna := e.Actor("anna", map[string]identity.Role{"aspen": identity.RoleCareStaff})
	bo := e.Actor("bo", map[string]identity.Role{"aspen": identity.RoleCareStaff})
	maja := e.Actor("maja", map[string]identity.Role{"aspen": identity.RoleUnitManager})
	pia := e.Actor("pia", map[string]identity.Role{"ekan": identity.RoleCareStaff})
	return e, anna, bo, maja, pia
}

func TestAMessageToAPersonAndItsReceipt(t *testing.T) {
	e, anna, bo, maja, pia := newEngine(t)
	id := uuids.New()
	push(t, e, anna, messages.MutationSend, map[string]any{"message_id": id, "to_user_id": "bo", "text": "Kan du ta mitt pass på fredag?"}, syncengine.StatusApplied, "")
	var m messages.Message
	e.Record(messages.Kind, id, &m)
	if m.FromUserID != "anna" || m.ToUserID != "bo" || !m.SentAt.Equal(e.Now()) || m.ClientTime == nil {
		t.Fatalf("%+v", m)
	}
	if !sees(e, anna, messages.Kind, id) || !sees(e, bo, messages.Kind, id) || sees(e, maja, messages.Kind, id) || sees(e, pia, messages.Kind, id) {
		t.Fatal("a message to a person is seen by others than its sender and recipient")
	}
	push(t, e, anna, messages.MutationRead, map[string]any{"message_id": id}, syncengine.StatusRejected, "not_a_recipient")
	push(t, e, maja, messages.MutationRead, map[string]any{"message_id": id}, syncengine.StatusRejected, "message_not_found")
	first := push(t, e, bo, messages.MutationRead, map[string]any{"message_id": id}, syncengine.StatusApplied, "")
	e.Advance(time.Hour)
	again := push(t, e, bo, messages.MutationRead, map[string]any{"message_id": id}, syncengine.StatusApplied, "")
	if first.Version == 0 || again.Version != 0 {
		t.Fatalf("reading again made a new version: %d then %d", first.Version, again.Version)
	}
	rid := messages.ReceiptID(id, "bo")
	var r messages.Receipt
	e.Record(messages.KindReceipt, rid, &r)
	if r.ReaderID != "bo" || !r.ReadAt.Equal(e.Now().Add(-time.Hour)) {
		t.Fatalf("%+v", r)
	}
	if !sees(e, anna, messages.KindReceipt, rid) || !sees(e, bo, messages.KindReceipt, rid) || sees(e, maja, messages.KindReceipt, rid) {
		t.Fatal("the receipt is seen by others than sender and reader")
	}
	push(t, e, anna, messages.MutationSend, map[string]any{"message_id": id, "to_user_id": "bo", "text": "Igen"}, syncengine.StatusConflict, "message_exists")
	push(t, e, maja, messages.MutationSend, map[string]any{"message_id": id, "to_user_id": "bo", "text": "Igen"}, syncengine.StatusRejected, "message_exists")
}

func TestAMessageToAUnit(t *testing.T) {
	e, anna, bo, maja, pia := newEngine(t)
	id := uuids.New()
	push(t, e, anna, messages.MutationSend, map[string]any{"message_id": id, "to_unit_id": "ekan", "text": "Hej"}, syncengine.StatusRejected, "unit_not_found")
	push(t, e, anna, messages.MutationSend, map[string]any{"message_id": id, "to_unit_id": "aspen", "text": "Nya nycklar i skåpet."}, syncengine.StatusApplied, "")
	for _, who := range []syncengine.Actor{anna, bo, maja} {
		if !sees(e, who, messages.Kind, id) {
			t.Errorf("%s does not see the unit's message", who.UserID)
		}
	}
	if sees(e, pia, messages.Kind, id) {
		t.Fatal("another provider sees the unit's message")
	}
	push(t, e, pia, messages.MutationRead, map[string]any{"message_id": id}, syncengine.StatusRejected, "message_not_found")
	push(t, e, bo, messages.MutationRead, map[string]any{"message_id": id}, syncengine.StatusApplied, "")
	if !sees(e, maja, messages.KindReceipt, messages.ReceiptID(id, "bo")) || sees(e, pia, messages.KindReceipt, messages.ReceiptID(id, "bo")) {
		t.Fatal("the receipt of a unit's message is not the unit's")
	}
}

func TestAMessageNeedsOneRecipientAndAText(t *testing.T) {
	e, anna, _, _, _ := newEngine(t)
	for _, tc := range []struct {
		args  map[string]any
		field string
	}{
		{map[string]any{"message_id": uuids.New(), "text": "Hej"}, "to_user_id"},
		{map[string]any{"message_id": uuids.New(), "to_user_id": "bo", "to_unit_id": "aspen", "text": "Hej"}, "to_unit_id"},
		{map[string]any{"message_id": uuids.New(), "to_user_id": "bo", "text": " "}, "text"},
		{map[string]any{"message_id": uuids.Named("x"), "to_user_id": "bo", "text": "Hej"}, "message_id"},
	} {
		if r := push(t, e, anna, messages.MutationSend, tc.args, syncengine.StatusRejected, "invalid_args"); r.Error.Fields[tc.field] == "" {
			t.Errorf("%v: %+v", tc.args, r.Error)
		}
	}
	push(t, e, anna, messages.MutationSend, map[string]any{"message_id": uuids.New(), "to_user_id": "anna", "text": "Hej"}, syncengine.StatusRejected, "invalid_args")
	nobody := e.Actor("ingen", nil)
	push(t, e, nobody, messages.MutationSend, map[string]any{"message_id": uuids.New(), "to_user_id": "bo", "text": "Hej"}, syncengine.StatusRejected, "forbidden")
}

func TestTheBulletinBoard(t *testing.T) {
	e, anna, _, maja, pia := newEngine(t)
	acc := identity.AccessFor(identity.User{ID: "admin", MunicipalityID: "kommun", Admin: true}, nil, nil, e.Now())
	admin := syncengine.Actor{UserID: "admin", DeviceID: "device-admin", Scopes: acc.Scopes, Domain: acc}
	otherAcc := identity.AccessFor(identity.User{ID: "ulla", MunicipalityID: "grannkommun"}, nil, nil, e.Now())
	other := syncengine.Actor{UserID: "ulla", DeviceID: "device-ulla", Scopes: otherAcc.Scopes, Domain: otherAcc}

	id := uuids.New()
	notice := map[string]any{"bulletin_id": id, "title": "Planerat driftstopp", "text": "Treserva uppgraderas.",
		"from": e.Now().Add(48 * time.Hour), "until": e.Now().Add(52 * time.Hour)}
	push(t, e, maja, messages.MutationBulletin, notice, syncengine.StatusRejected, "forbidden")
	push(t, e, admin, messages.MutationBulletin, notice, syncengine.StatusApplied, "")
	for _, who := range []syncengine.Actor{anna, maja, pia} { // the private providers' staff too
		if !sees(e, who, messages.KindBulletin, id) {
			t.Errorf("%s does not see the notice", who.UserID)
		}
	}
	if sees(e, other, messages.KindBulletin, id) {
		t.Fatal("another municipality sees the notice")
	}
	notice["until"] = e.Now().Add(47 * time.Hour)
	if r := push(t, e, admin, messages.MutationBulletin, notice, syncengine.StatusRejected, "invalid_args"); r.Error.Fields["until"] == "" {
		t.Fatalf("%+v", r.Error)
	}
}

// colleagues stands in for the identity store: everyone shares a unit except "stranger".
func colleagues(a, b string, _ time.Time) bool { return a != "stranger" && b != "stranger" }

// TestTheSenderOfAUnitsMessageSeesWhoReadIt: the sender of a message to her unit pulls
// each colleague's receipt (the unit's scope, hers too); nobody outside the unit does.
func TestTheSenderOfAUnitsMessageSeesWhoReadIt(t *testing.T) {
	e, anna, bo, maja, pia := newEngine(t)
	id := uuids.New()
	push(t, e, anna, messages.MutationSend, map[string]any{"message_id": id, "to_unit_id": "aspen", "text": "Ny kod till porten."}, syncengine.StatusApplied, "")
	push(t, e, bo, messages.MutationRead, map[string]any{"message_id": id}, syncengine.StatusApplied, "")
	push(t, e, maja, messages.MutationRead, map[string]any{"message_id": id}, syncengine.StatusApplied, "")
	for _, reader := range []string{"bo", "maja"} {
		rid := messages.ReceiptID(id, reader)
		if !sees(e, anna, messages.KindReceipt, rid) {
			t.Errorf("the sender does not see %s's receipt", reader)
		}
		if sees(e, pia, messages.KindReceipt, rid) {
			t.Errorf("another provider sees %s's receipt", reader)
		}
	}
}

// TestEndingANotice: an administrator ends a coming notice of their municipality now:
// it is kept, from and until at the server's now, so no phone shows it any more. Nobody
// else ends it; another municipality's administrator does not find it.
func TestEndingANotice(t *testing.T) {
	e, _, _, maja, _ := newEngine(t)
	acc := identity.AccessFor(identity.User{ID: "admin", MunicipalityID: "kommun", Admin: true}, nil, nil, e.Now())
	admin := syncengine.Actor{UserID: "admin", DeviceID: "device-admin", Scopes: acc.Scopes, Domain: acc}
	otherAcc := identity.AccessFor(identity.User{ID: "olle", MunicipalityID: "grannkommun", Admin: true}, nil, nil, e.Now())
	other := syncengine.Actor{UserID: "olle", DeviceID: "device-olle", Scopes: otherAcc.Scopes, Domain: otherAcc}

	id := uuids.New()
	push(t, e, admin, messages.MutationBulletin, map[string]any{"bulletin_id": id, "title": "Planerat driftstopp", "text": "Treserva uppgraderas.",
		"from": e.Now().Add(48 * time.Hour), "until": e.Now().Add(52 * time.Hour)}, syncengine.StatusApplied, "")
	end := map[string]any{"bulletin_id": id}
	push(t, e, maja, messages.MutationBulletinEnd, end, syncengine.StatusRejected, "forbidden")
	push(t, e, other, messages.MutationBulletinEnd, end, syncengine.StatusRejected, "bulletin_not_found")
	push(t, e, admin, messages.MutationBulletinEnd, map[string]any{"bulletin_id": "x"}, syncengine.StatusRejected, "invalid_args")
	push(t, e, admin, messages.MutationBulletinEnd, end, syncengine.StatusApplied, "")
	var b messages.Bulletin
	for _, c := range e.Pull(admin) {
		if c.Kind == messages.KindBulletin && c.ID == id {
			if err := json.Unmarshal(c.Data, &b); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !b.Until.Equal(e.Now()) || !b.From.Equal(e.Now()) || b.Title != "Planerat driftstopp" {
		t.Errorf("the ended notice: %s–%s %q, want from and until now (%s), the rest kept", b.From, b.Until, b.Title, e.Now())
	}
	push(t, e, admin, messages.MutationBulletinEnd, end, syncengine.StatusApplied, "") // ended already: harmless
}
