package boltstore_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vardag/internal/auth"
	"vardag/internal/boltstore"
	"vardag/internal/identity"
	"vardag/syncengine"
)

// TestADataFileOfEarlierVersionsReadsTheSame: the buckets and their encodings are those
// the packages wrote themselves before the seam, so an existing data directory reads
// through the store interfaces unchanged, and what is kept survives a restart.
func TestADataFileOfEarlierVersionsReadsTheSame(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vardag.db")
	st, err := syncengine.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	hash := bytes.Repeat([]byte{7}, 32)
	raw := map[string][2]string{
		"server_secrets":       {"jwt_hs256", "0123456789abcdef0123456789abcdef"},
		"push_subscriptions":   {"sub1", `{"id":"sub1","endpoint":"https://push.example/1","keys":{"p256dh":"x","auth":"y"},"user_id":"anna","device_id":"d1","session_id":"s1","created_at":"2026-01-02T08:00:00Z"}`},
		"auth_sessions":        {"s1", `{"id":"s1","user_id":"anna","device_id":"d1","created_at":"2026-01-02T08:00:00Z","last_used_at":"2026-01-02T08:00:00Z"}`},
		"auth_refresh":         {string(hash), `{"session_id":"s1","issued_at":"2026-01-02T08:00:00Z"}`},
		"auth_revoked_devices": {"d9", `{"revoked_at":"2026-01-02T08:00:00Z","revoked_by":"admin"}`},
		"id_municipalities":    {"m", `{"id":"m","name":"Kommunen"}`},
		"id_providers":         {"p", `{"id":"p","municipality_id":"m","name":"Egen regi","kind":"own"}`},
		"id_units":             {"u", `{"id":"u","provider_id":"p","name":"Björken"}`},
		"id_users":             {"anna", `{"id":"anna","username":"Anna","name":"Anna A","totp_last_step":42}`},
		"id_usernames":         {"anna", "anna"},
		"id_grants":            {"anna\x00g1", `{"id":"g1","user_id":"anna","unit_id":"u","role":"care_staff","valid_until":"2999-01-01T00:00:00Z"}`},
		"id_access_reviews":    {"u\x002026-01-02T08:00:00.000000000Z", `{"id":"r1","unit_id":"u","by":"boss","at":"2026-01-02T08:00:00Z","kept":["g1"],"ended":[]}`},
		"id_hw_tokens":         {"T1", `{"serial":"T1","secret":"JBSWY3DPEHPK3PXP","provider_id":"p","imported_at":"2026-01-02T08:00:00Z"}`},
	}
	err = st.DB().Update(func(tx *bolt.Tx) error {
		for bucket, kv := range raw {
			b, err := tx.CreateBucketIfNotExists([]byte(bucket))
			if err != nil {
				return err
			}
			if err := b.Put([]byte(kv[0]), []byte(kv[1])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	for round := range 2 { // the second round reads again after a restart
		st, err := syncengine.OpenBolt(path)
		if err != nil {
			t.Fatal(err)
		}
		kept := boltstore.New(st)

		secret, err := kept.Secrets().Secret("jwt_hs256", func() ([]byte, error) { return nil, errors.New("made anew") })
		if err != nil || string(secret) != raw["server_secrets"][1] {
			t.Fatalf("round %d: token key %q, %v", round, secret, err)
		}
		vapid, err := kept.Secrets().Secret("vapid_p256", func() ([]byte, error) { return []byte("made on round 0"), nil })
		if err != nil || string(vapid) != "made on round 0" {
			t.Fatalf("round %d: a new secret is made once and kept: %q, %v", round, vapid, err)
		}

		subs, err := kept.Subscriptions().LoadSubscriptions()
		if err != nil || len(subs) != 1 || subs[0].Endpoint != "https://push.example/1" || subs[0].SessionID != "s1" {
			t.Fatalf("round %d: subscriptions %+v, %v", round, subs, err)
		}

		sessions, err := kept.Sessions()
		if err != nil {
			t.Fatal(err)
		}
		err = sessions.ViewSessions(func(tx auth.SessionTx) error {
			sess, found, err := tx.Session("s1")
			if err != nil || !found || sess.UserID != "anna" || sess.DeviceID != "d1" {
				t.Errorf("round %d: session %+v %v %v", round, sess, found, err)
			}
			rec, found, err := tx.Refresh(hash)
			if err != nil || !found || rec.SessionID != "s1" || !rec.UsedAt.IsZero() {
				t.Errorf("round %d: refresh %+v %v %v", round, rec, found, err)
			}
			if revoked, err := tx.RevokedDevice("d9"); err != nil || !revoked {
				t.Errorf("round %d: d9 revoked %v %v", round, revoked, err)
			}
			if revoked, _ := tx.RevokedDevice("d1"); revoked {
				t.Errorf("round %d: d1 reads as revoked", round)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		storage, err := kept.Identity()
		if err != nil {
			t.Fatal(err)
		}
		ids, err := identity.NewStore(storage)
		if err != nil {
			t.Fatal(err)
		}
		u, err := ids.UserByUsername("ANNA")
		if err != nil || u.ID != "anna" || u.TOTPLastStep != 42 {
			t.Fatalf("round %d: user %+v, %v", round, u, err)
		}
		if !ids.WorksIn("anna", "u", time.Now()) {
			t.Errorf("round %d: anna's grant in u not read", round)
		}
		if m, ok := ids.MunicipalityOf("u"); !ok || m != "m" {
			t.Errorf("round %d: municipality of u %q %v", round, m, ok)
		}
		if r, ok, err := ids.LastReview("u"); err != nil || !ok || r.ID != "r1" {
			t.Errorf("round %d: last review %+v %v %v", round, r, ok, err)
		}
		if _, err := ids.ImportTokens("p", []identity.HardwareToken{{Serial: "T1", Secret: "JBSWY3DPEHPK3PXP"}}, time.Now()); err != nil {
			t.Errorf("round %d: import over a kept token: %v", round, err)
		}
		if blank, err := ids.Blank(); err != nil || blank {
			t.Errorf("round %d: blank %v %v", round, blank, err)
		}
		st.Close()
	}
}
