// Package accesslog is the read log (åtkomstlogg): every read of a client's data — the
// records a pull sends to a phone, and what the phone reports the user opened, offline
// too — kept append-only so that unit managers can review it (loggranskning: "who looked
// at this client") and a client can have every access to their data listed
// (registerutdrag).
//
// It answers Patientdatalagen (2008:355) 4 kap. 3 § (the care provider checks access to
// patients' data systematically and regularly) and OWASP ASVS 5.0 V16 (security logging:
// who, what, when, from where; logs protected from change; no sensitive data in them).
// An entry names people and records by id only: never a note's text, a name or a
// personal number. Entries live in the sync engine's audit trail, which never syncs, is
// never compacted and is written in the same transaction as what it records; nothing
// deletes them, which keeps them the five years the routines ask for and longer.
package accesslog

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"vardag/internal/clients"
	"vardag/syncengine"
)

// Sources of an entry.
const (
	SourcePull  = "pull"  // the server sent the records to the phone
	SourcePhone = "phone" // the phone reported that the user opened a screen (access.viewed)
	// SourceReview: a unit manager reviewing the read log (loggranskning) was shown who
	// read the client's data; that too is a read of the client's data.
	SourceReview = "review"
	// SourceBackup: an administrator took a copy of the whole data file, which holds every
	// client's data (what: "backup").
	SourceBackup = "backup"
	// SourceExport: a coordinator or manager exported a client's journal as a PDF for the
	// archive (what: WhatJournalPDF).
	SourceExport = "export"
	// SourceDownload: the server sent a document of the client's data (a signing list as
	// PDF) to the user's device.
	SourceDownload = "download"
)

// What a review showed.
const (
	WhatAccessLog        = "access_log"         // entries of the log review (GET …/access-log)
	WhatAccessLogExtract = "access_log_extract" // the client's log extract (registerutdrag, CSV)
	WhatJournalPDF       = "journal_pdf"        // the client's whole journal as a PDF for the archive
	WhatSigningListPDF   = "signing_list_pdf"   // a signing list printed as PDF (GET …/signing-lists/{id}.pdf)
)

// FromBackup are the entries for a backup taken by userID: one per client in each of
// units (a read of every client's data), found in the store as it is now.
func FromBackup(eng *syncengine.Engine, userID, deviceID string, units []string) ([]Entry, error) {
	var out []Entry
	err := eng.View(func(r syncengine.ReadTx) error {
		for _, unit := range units {
			it := r.ScopeRefs("unit:"+unit, 0)
			for {
				ref, ok := it.Next()
				if !ok {
					break
				}
				if ref.Kind == clients.Kind && !ref.Deleted {
					out = append(out, Entry{UserID: userID, DeviceID: deviceID, ClientID: ref.ID, Units: []string{unit}, What: "backup", Source: SourceBackup})
				}
			}
			if err := it.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("accesslog: unable to list the clients of a backup: %w", err)
	}
	return out, nil
}

// FromReview are the entries for a review by userID of unit that showed shown: one per
// client, with how many of its entries were shown.
func FromReview(userID, deviceID, unit string, shown []Entry) []Entry {
	at := map[string]int{}
	var out []Entry
	for _, e := range shown {
		i, ok := at[e.ClientID]
		if !ok {
			i = len(out)
			at[e.ClientID] = i
			out = append(out, Entry{UserID: userID, DeviceID: deviceID, ClientID: e.ClientID, Units: []string{unit}, What: WhatAccessLog, Source: SourceReview})
		}
		out[i].Count++
	}
	return out
}

// Entry is one read of one client's data.
type Entry struct {
	// At is the server's time of the read (for a phone's report: when it arrived).
	At       time.Time `json:"at,omitzero"`
	UserID   string    `json:"user_id"`
	DeviceID string    `json:"device_id,omitempty"`
	ClientID string    `json:"client_id"`
	// Units are the units the data was visible in (from the records' scopes).
	Units []string `json:"units"`
	// What was read: the record kind for a pull ("journal_note"), the screen for the
	// phone ("journal").
	What string `json:"what"`
	// Count is how many records of that kind of that client one pull sent.
	Count  int    `json:"count,omitempty"`
	Source string `json:"source"`
	// ViewID and ViewedAt (the device's clock) are the phone's, for source "phone".
	ViewID   string     `json:"view_id,omitempty"`
	ViewedAt *time.Time `json:"viewed_at,omitempty"`

	// via is the kind of the record whose id ClientID holds until Write resolves it, for
	// records that name their client only through another (a deviation's analysis).
	via string
}

// Index keys of the audit trail.
func clientKey(id string) string       { return "client:" + id }
func userKey(id string) string         { return "user:" + id }
func unitKey(id string) string         { return "unit:" + id }
func viewKey(userID, id string) string { return "view:" + userID + ":" + id }

// maxKey is the audit trail's limit on an index key.
const maxKey = 200

// keys are the index keys of an entry. An id that cannot be a key (too long; ids come
// from records and tokens, where the care rules keep them UUIDs) is left out of the index
// but stays in the entry, which the "" index still finds.
func keys(e Entry) []string {
	ks := make([]string, 0, 3+len(e.Units))
	add := func(k string) {
		if len(k) <= maxKey && !strings.ContainsRune(k, 0) {
			ks = append(ks, k)
		}
	}
	add(clientKey(e.ClientID))
	add(userKey(e.UserID))
	for _, u := range e.Units {
		add(unitKey(u))
	}
	if e.ViewID != "" {
		add(viewKey(e.UserID, e.ViewID))
	}
	return ks
}

// encode is an entry as stored: its time is the audit trail's own.
func encode(e Entry) ([]byte, error) {
	e.At = time.Time{}
	if e.Units == nil {
		e.Units = []string{}
	}
	return json.Marshal(e)
}

func decode(at time.Time, value []byte) (Entry, error) {
	var e Entry
	if err := json.Unmarshal(value, &e); err != nil {
		return Entry{}, fmt.Errorf("accesslog: unable to decode an entry of %s: %w", at.Format(time.RFC3339Nano), err)
	}
	e.At = at
	if e.Units == nil {
		e.Units = []string{}
	}
	return e, nil
}

// Write records entries, all in one transaction of the engine's writer (group-committed
// with other work), on disk when it returns nil. Entries that name their client through
// another record are resolved first; one whose client cannot be found (a deviation on a
// unit, not a person) is left out.
func Write(ctx context.Context, eng *syncengine.Engine, entries []Entry) error {
	entries, err := resolve(eng, entries)
	if err != nil || len(entries) == 0 {
		return err
	}
	type prepared struct {
		keys  []string
		value []byte
	}
	ps := make([]prepared, len(entries))
	for i, e := range entries {
		v, err := encode(e)
		if err != nil {
			return fmt.Errorf("accesslog: unable to encode an entry: %w", err)
		}
		ps[i] = prepared{keys(e), v}
	}
	err = eng.Do(ctx, func(tx *syncengine.Tx) error {
		for _, p := range ps {
			if err := tx.Audit(p.keys, p.value); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("accesslog: unable to write %d entries: %w", len(ps), err)
	}
	return nil
}

// resolve finds the client of entries that hold another record's id (e.via), and merges
// entries that then name the same client and kind.
func resolve(eng *syncengine.Engine, entries []Entry) ([]Entry, error) {
	if !slices.ContainsFunc(entries, func(e Entry) bool { return e.via != "" }) {
		return entries, nil
	}
	out := make([]Entry, 0, len(entries))
	err := eng.View(func(r syncengine.ReadTx) error {
		for _, e := range entries {
			if e.via == "" {
				out = append(out, e)
				continue
			}
			rec, ok, err := r.Record(e.via, e.ClientID)
			if err != nil {
				return err
			}
			var named struct {
				ClientID string `json:"client_id"`
			}
			if !ok || json.Unmarshal(rec.Data, &named) != nil || named.ClientID == "" {
				continue
			}
			e.ClientID, e.via = named.ClientID, ""
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("accesslog: unable to find the clients of pulled records: %w", err)
	}
	return merge(out), nil
}

// merge adds up entries of one pull with the same client and kind.
func merge(entries []Entry) []Entry {
	at := map[[2]string]int{}
	out := entries[:0]
	for _, e := range entries {
		k := [2]string{e.ClientID, e.What}
		i, seen := at[k]
		if !seen {
			at[k] = len(out)
			out = append(out, e)
			continue
		}
		out[i].Count += e.Count
		for _, u := range e.Units {
			if !slices.Contains(out[i].Units, u) {
				out[i].Units = append(out[i].Units, u)
			}
		}
		slices.Sort(out[i].Units)
	}
	return out
}

// Filter selects entries for review. Empty fields and zero times select everything.
type Filter struct {
	UnitID   string // entries whose units include it
	ClientID string
	UserID   string
	From, To time.Time // From <= At < To
	// Limit is the most entries returned (0: all).
	Limit int
}

func (f Filter) matches(e Entry) bool {
	return (f.ClientID == "" || e.ClientID == f.ClientID) &&
		(f.UserID == "" || e.UserID == f.UserID) &&
		(f.UnitID == "" || slices.Contains(e.Units, f.UnitID))
}

// Query returns the entries the filter selects, newest first (a review starts with what
// happened last), and whether more than Limit matched. It reads the most selective index
// the filter allows — the client's, else the user's, else the unit's — and checks the
// rest of the filter on each entry.
func Query(eng *syncengine.Engine, f Filter) ([]Entry, bool, error) {
	key := ""
	switch {
	case f.ClientID != "":
		key = clientKey(f.ClientID)
	case f.UserID != "":
		key = userKey(f.UserID)
	case f.UnitID != "":
		key = unitKey(f.UnitID)
	}
	return scan(eng, key, f, true)
}

// Extract returns every entry about a client, oldest first: the client's log extract
// (registerutdrag), whatever unit the reads were made in.
func Extract(eng *syncengine.Engine, clientID string) ([]Entry, error) {
	entries, _, err := scan(eng, clientKey(clientID), Filter{ClientID: clientID}, false)
	return entries, err
}

func scan(eng *syncengine.Engine, key string, f Filter, newestFirst bool) ([]Entry, bool, error) {
	if len(key) > maxKey || strings.ContainsRune(key, 0) {
		return []Entry{}, false, nil // no entry can be under it
	}
	entries := []Entry{}
	more := false
	err := eng.View(func(r syncengine.ReadTx) error {
		var bad error
		fn := func(at time.Time, value []byte) bool {
			e, err := decode(at, value)
			if err != nil {
				bad = err
				return false
			}
			if e.Source == "" {
				return true // not a read: another log of the shared trail (adminlog)
			}
			if !f.matches(e) {
				return true
			}
			if f.Limit > 0 && len(entries) == f.Limit {
				more = true
				return false
			}
			entries = append(entries, e)
			return true
		}
		scan := r.AuditScan
		if newestFirst {
			scan = r.AuditScanReverse
		}
		if err := scan(key, f.From, f.To, fn); err != nil {
			return err
		}
		return bad
	})
	if err != nil {
		return nil, false, fmt.Errorf("accesslog: unable to read the log: %w", err)
	}
	return entries, more, nil
}

// UnitsOf are the units of a record's scopes, "unit:<id>" and "unit:<id>:managers" (the
// sync engine's scope names, identity.UnitScope and identity.UnitManagersScope), once
// each, sorted.
func UnitsOf(scopes []string) []string {
	var units []string
	for _, s := range scopes {
		id, ok := strings.CutPrefix(s, "unit:")
		if !ok {
			continue
		}
		id = strings.TrimSuffix(id, ":managers")
		if id != "" && !slices.Contains(units, id) {
			units = append(units, id)
		}
	}
	slices.Sort(units)
	return units
}
