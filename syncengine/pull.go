package syncengine

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
)

// PullResult is one page of changes.
type PullResult struct {
	// Changes is a JSON array of change objects, ready to be written out.
	Changes        []byte
	Count          int
	Cursor         string
	More           bool
	DropScopes     []string
	LastMutationID uint64
	// Observed holds what Options.Observe returned for the live changes of the page.
	Observed []any
}

// Pull returns the changes visible in the actor's scopes after the cursor, at most limit.
// A scope the cursor does not hold is sent from the beginning (a snapshot, without
// tombstones); a scope the cursor holds that the actor has lost is named in DropScopes.
func (e *Engine) Pull(actor Actor, cursor string, limit int) (*PullResult, error) {
	cur, err := ParseCursor(cursor)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, fmt.Errorf("syncengine: limit must be positive")
	}
	res := &PullResult{DropScopes: []string{}}
	current := map[string]bool{}
	for _, s := range actor.Scopes {
		current[s] = true
	}
	for s := range cur.Positions {
		if !current[s] {
			res.DropScopes = append(res.DropScopes, s)
		}
	}
	sort.Strings(res.DropScopes)
	err = e.store.View(func(r ReadTx) error {
		head, horizon := r.Head(), r.Horizon()
		positions := make(map[string]uint64, len(actor.Scopes))
		snapshots := map[string]uint64{}
		for _, s := range actor.Scopes {
			p, held := cur.Positions[s]
			if held && p > 0 && (p < horizon || p > head) {
				return ErrCursorExpired
			}
			positions[s] = p
			switch h, paging := cur.Snapshots[s]; {
			case !held:
				snapshots[s] = head
			case paging:
				snapshots[s] = h
			}
		}
		if err := checkMark(r, cur); err != nil {
			return err
		}
		if actor.DeviceID != "" {
			st, err := r.Device(actor.DeviceID)
			if err != nil {
				return err
			}
			res.LastMutationID = st.LastMutationID
		}
		return e.page(r, head, positions, snapshots, limit, res)
	})
	var damaged *DamagedRecordError
	if errors.As(err, &damaged) {
		// Which record, never what it holds.
		e.opts.Logger.Error("syncengine: a damaged record was not sent in a pull", "kind", damaged.Kind, "id", damaged.ID, "version", damaged.Version)
		e.metrics.damaged.Inc()
	}
	if err != nil {
		return nil, err
	}
	e.metrics.pulled.Add(float64(res.Count))
	return res, nil
}

// DamagedRecordError: a record's stored change is not valid JSON, so no page holding it
// can be sent. The file needs restoring from a backup.
type DamagedRecordError struct {
	Kind, ID string
	Version  uint64
}

func (d *DamagedRecordError) Error() string {
	return fmt.Sprintf("syncengine: the stored change of %s %s at version %d is damaged (not valid JSON)", d.Kind, d.ID, d.Version)
}

// scopeStream is one scope's iterator with its next reference read ahead.
type scopeStream struct {
	// skipTombsTo: during a scope's first sending, tombstones up to the head the snapshot
	// started at are of records the phone never received, and are not sent.
	skipTombsTo uint64
	it          RefIterator
	next        Ref
	ok          bool
}

// page merges the scopes' references by sequence (each sequence once) into res.
func (e *Engine) page(r ReadTx, head uint64, positions, snapshots map[string]uint64, limit int, res *PullResult) error {
	streams := make([]*scopeStream, 0, len(positions))
	for s, p := range positions {
		st := &scopeStream{skipTombsTo: snapshots[s], it: r.ScopeRefs(s, p)}
		st.next, st.ok = st.it.Next()
		streams = append(streams, st)
	}
	buf := make([]byte, 0, 64<<10)
	buf = append(buf, '[')
	var last uint64
	for {
		seq, found := uint64(0), false
		for _, st := range streams {
			if st.ok && (!found || st.next.Seq < seq) {
				seq, found = st.next.Seq, true
			}
		}
		if !found {
			break
		}
		if res.Count == limit {
			res.More = true
			break
		}
		// Every scope holding this sequence: a live reference in any one of them wins.
		var ref Ref
		live, send := false, false
		for _, st := range streams {
			for st.ok && st.next.Seq == seq {
				ref = st.next
				if !st.next.Deleted {
					live, send = true, true
				} else if seq > st.skipTombsTo {
					send = true
				}
				st.next, st.ok = st.it.Next()
			}
		}
		last = seq
		if !send {
			continue
		}
		if res.Count > 0 {
			buf = append(buf, ',')
		}
		if live {
			raw, _, err := r.Entry(seq)
			if err != nil {
				return fmt.Errorf("syncengine: scope index points at missing sequence %d: %w", seq, err)
			}
			// A page the phone cannot parse would stop it at this page for good: a damaged
			// entry fails the pull instead, and is logged and counted (Engine.Pull).
			if !e.valid.has(seq) {
				if !json.Valid(raw) {
					return &DamagedRecordError{Kind: ref.Kind, ID: ref.ID, Version: seq}
				}
				e.valid.add(seq)
			}
			buf = append(buf, raw...) // copied: bbolt's slice dies with the transaction
			if e.opts.Observe != nil {
				if v, ok := e.opts.Observe(ref.Kind, raw); ok {
					res.Observed = append(res.Observed, v)
				}
			}
		} else {
			// Never the log entry itself: it may show where the record went.
			buf = appendDelete(buf, ref, seq)
		}
		res.Count++
	}
	for _, st := range streams {
		if err := st.it.Err(); err != nil {
			return err
		}
	}
	res.Changes = append(buf, ']')
	reached := head
	if res.More {
		reached = last
	}
	next := Cursor{Positions: make(map[string]uint64, len(positions)), Snapshots: map[string]uint64{}}
	for s, p := range positions {
		next.Positions[s] = max(p, reached)
		if h, ok := snapshots[s]; ok && next.Positions[s] < h {
			next.Snapshots[s] = h
		}
	}
	if top := highest(next.Positions); top > 0 {
		_, ts, err := r.Entry(top)
		if err != nil {
			return fmt.Errorf("syncengine: cursor position %d is not in the log: %w", top, err)
		}
		next.Mark = uint64(ts.UnixNano())
	}
	res.Cursor = next.String()
	return nil
}

// checkMark expires a cursor whose highest position holds another entry than the one it
// was made at: the log was restored from a backup or replaced, and the phone must pull
// again from the beginning rather than skip what it never saw.
func checkMark(r ReadTx, cur Cursor) error {
	top := highest(cur.Positions)
	if top == 0 {
		return nil
	}
	_, ts, err := r.Entry(top)
	if err != nil || uint64(ts.UnixNano()) != cur.Mark {
		return ErrCursorExpired
	}
	return nil
}

func highest(positions map[string]uint64) uint64 {
	var top uint64
	for _, p := range positions {
		top = max(top, p)
	}
	return top
}

func appendDelete(buf []byte, ref Ref, seq uint64) []byte {
	kind, _ := json.Marshal(ref.Kind) // strings always encode
	id, _ := json.Marshal(ref.ID)
	buf = append(buf, `{"kind":`...)
	buf = append(buf, kind...)
	buf = append(buf, `,"id":`...)
	buf = append(buf, id...)
	buf = append(buf, `,"op":"delete","version":`...)
	buf = strconv.AppendUint(buf, seq, 10)
	return append(buf, '}')
}
