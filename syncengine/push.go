package syncengine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"vardag/internal/codes"
)

// Statuses of a mutation result.
const (
	StatusApplied   = "applied"
	StatusDuplicate = "duplicate"
	StatusRejected  = "rejected"
	StatusConflict  = "conflict"
)

// Result is the outcome of one mutation, stored with the device state so that a repeated
// push gets the same answer.
type Result struct {
	ID     uint64     `json:"id"`
	Status string     `json:"status"`
	Error  *Rejection `json:"error,omitempty"`
	Record *Change    `json:"record,omitempty"`
	// Version is the log sequence of the mutation's last change (applied only).
	Version uint64 `json:"version,omitempty"`
	// Duplicate marks a result given back for a mutation id already applied.
	Duplicate bool `json:"duplicate,omitempty"`
}

// PushResult answers a push.
type PushResult struct {
	LastMutationID uint64   `json:"last_mutation_id"`
	Results        []Result `json:"results"`
}

type pushJob struct {
	actor Actor
	muts  []preparedMutation
}

type preparedMutation struct {
	m           Mutation
	handler     Handler
	args        any
	rej         *Rejection
	fingerprint string // of the name and arguments, kept with the result
}

// canonicalMark starts a fingerprint of the canonical form. Results stored before it
// carry the fingerprint of the compacted arguments (legacyFingerprint).
const canonicalMark = "c1:"

// fingerprint identifies a mutation's content, so that a repeated id with other content
// (a phone that lost its numbering) is never taken for the mutation already applied, while
// the same content sent again in another form — other key order, spacing or escapes — is.
// It hashes the name and the canonical form of the arguments (RFC 8785: names sorted, no
// white space, minimal escapes; integers are kept as sent, so no two differ only beyond
// 2^53). Arguments that have no canonical form (invalid, so rejected) are hashed as sent.
func fingerprint(m Mutation) string {
	args := jsontext.Value(bytes.Clone(m.Args)) // Canonicalize rewrites in place
	if args.Canonicalize(jsontext.CanonicalizeRawInts(false)) != nil {
		args = jsontext.Value(m.Args)
	}
	return canonicalMark + hashOf(m.Name, args)
}

// legacyFingerprint is how results stored before canonicalMark were fingerprinted.
func legacyFingerprint(m Mutation) string {
	var compact bytes.Buffer
	args := []byte(m.Args)
	if json.Compact(&compact, m.Args) == nil {
		args = compact.Bytes()
	}
	return hashOf(m.Name, args)
}

func hashOf(name string, args []byte) string {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write(args)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// sameContent tells whether a stored fingerprint is of this mutation.
func sameContent(stored string, pm preparedMutation) bool {
	if strings.HasPrefix(stored, canonicalMark) {
		return stored == pm.fingerprint
	}
	return stored == legacyFingerprint(pm.m)
}

// Bounds of a mutation's client_time around the server's clock (Options.OfflineLimit).
const (
	clientTimeAhead = 10 * time.Minute // phones' clocks drift
	clientTimeLag   = time.Hour        // a lagging clock, and the minute a phone takes to see it must wipe
)

// clientTimeProblem rejects a client_time that no device could have sent now.
func (e *Engine) clientTimeProblem(t, now time.Time) *Rejection {
	oldest := e.opts.OfflineLimit + clientTimeLag
	if !t.After(now.Add(clientTimeAhead)) && !t.Before(now.Add(-oldest)) {
		return nil
	}
	return &Rejection{Code: codes.InvalidClientTime,
		Message: "The phone's date and time do not fit the server's clock. Check the phone's date and time, then make the change again.",
		Fields:  map[string]string{"client_time": fmt.Sprintf("must be at most 10 minutes ahead of the server and at most %d hours behind it", int(oldest.Hours()))}}
}

// Push applies a device's mutations in order and answers once they are on disk. Mutation
// ids must be consecutive; the first may be at or below the device's last id (a repeat).
func (e *Engine) Push(ctx context.Context, actor Actor, muts []Mutation) (*PushResult, error) {
	if len(muts) == 0 {
		return nil, errors.New("syncengine: a push needs at least one mutation")
	}
	prepared := make([]preparedMutation, len(muts))
	for i, m := range muts {
		if i > 0 && m.ID != muts[i-1].ID+1 {
			return nil, fmt.Errorf("syncengine: mutation ids must rise by one (%d follows %d)", m.ID, muts[i-1].ID)
		}
		if err := checkArgsObject(m); err != nil {
			return nil, err
		}
		prepared[i] = e.prepare(m)
	}
	res, err := e.submit(ctx, &job{push: &pushJob{actor: actor, muts: prepared}, done: make(chan jobResult, 1)})
	if err != nil {
		return nil, err
	}
	return res.push, res.err
}

// prepare decodes the arguments outside the writer, in the caller's goroutine.
func (e *Engine) prepare(m Mutation) preparedMutation {
	p := preparedMutation{m: m, fingerprint: fingerprint(m)}
	h, ok := e.handlers[m.Name]
	if !ok {
		p.rej = Reject(codes.UnknownMutation, fmt.Sprintf("The server does not know the change %q. It has been kept on the phone.", m.Name))
		return p
	}
	p.handler = h
	args, err := safeDecode(h, m.Args)
	if err != nil {
		p.rej = asRejection(err)
		return p
	}
	p.args = args
	return p
}

func (e *Engine) applyPush(w WriteTx, now time.Time, j *pushJob, touched map[string]struct{}) (*PushResult, error) {
	dev := j.actor.DeviceID
	st, err := w.Device(dev)
	if err != nil {
		return nil, &storageError{err}
	}
	if st.OwnerID != "" && st.OwnerID != j.actor.UserID {
		return nil, ErrDeviceOwner
	}
	if j.muts[0].m.ID > st.LastMutationID+1 || j.muts[0].m.ID == 0 {
		return nil, &GapError{LastMutationID: st.LastMutationID}
	}
	st.OwnerID = j.actor.UserID
	out := &PushResult{Results: make([]Result, 0, len(j.muts))}
	for _, pm := range j.muts {
		if pm.m.ID <= st.LastMutationID {
			out.Results = append(out.Results, storedResult(w, dev, pm))
			continue
		}
		r, err := e.applyOne(w, now, j.actor, pm, touched)
		if err != nil {
			return nil, err
		}
		raw, err := encodeResult(r, pm.fingerprint)
		if err != nil {
			return nil, &storageError{err}
		}
		if err := w.PutResult(dev, pm.m.ID, raw, e.opts.KeepResults); err != nil {
			return nil, &storageError{err}
		}
		st.LastMutationID = pm.m.ID
		e.metrics.mutations.WithLabelValues(r.Status).Inc()
		out.Results = append(out.Results, r)
	}
	if err := w.SetDevice(dev, st); err != nil {
		return nil, &storageError{err}
	}
	out.LastMutationID = st.LastMutationID
	return out, nil
}

// kept is a result as stored: the answer, and the fingerprint of what it answered.
type kept struct {
	Result
	Fingerprint string `json:"fingerprint"`
}

// encodeResult stores a result; the common one (applied) is built without reflection.
func encodeResult(r Result, fp string) ([]byte, error) {
	if r.Status != StatusApplied || r.Error != nil || r.Record != nil || r.Duplicate {
		return json.Marshal(kept{Result: r, Fingerprint: fp})
	}
	buf := make([]byte, 0, 100)
	buf = append(buf, `{"id":`...)
	buf = strconv.AppendUint(buf, r.ID, 10)
	buf = append(buf, `,"status":"applied","version":`...)
	buf = strconv.AppendUint(buf, r.Version, 10)
	buf = append(buf, `,"fingerprint":"`...)
	buf = append(buf, fp...)
	return append(buf, `"}`...), nil
}

// storedResult answers a repeated mutation id with the result it had the first time — if
// it is the same mutation. Other content under a used id is refused, never dropped.
func storedResult(w WriteTx, dev string, pm preparedMutation) Result {
	raw, err := w.Result(dev, pm.m.ID)
	var k kept
	if err != nil || json.Unmarshal(raw, &k) != nil {
		// The result was pruned: all we can say is that it was handled before.
		return Result{ID: pm.m.ID, Status: StatusDuplicate, Duplicate: true}
	}
	if !sameContent(k.Fingerprint, pm) {
		return Result{ID: pm.m.ID, Status: StatusRejected, Error: Reject(codes.MutationIDReused,
			"This change has the number of an earlier, different change and was not saved. Sync again so the phone can number it anew.")}
	}
	k.Result.Duplicate = true
	return k.Result
}

func (e *Engine) applyOne(w WriteTx, now time.Time, actor Actor, pm preparedMutation, touched map[string]struct{}) (Result, error) {
	r := Result{ID: pm.m.ID}
	if rej := e.clientTimeProblem(pm.m.ClientTime, now); rej != nil {
		r.Status, r.Error = StatusRejected, rej
		return r, nil
	}
	if pm.rej != nil {
		r.Status, r.Error = StatusRejected, pm.rej
		return r, nil
	}
	tx := &Tx{w: w, now: now, decoded: e.decoded}
	err := safeApply(pm.handler, tx, Call{Actor: actor, Mutation: pm.m, Args: pm.args})
	var fatal *storageError
	var conflict *Conflict
	switch {
	case err == nil:
		seq, err := flush(w, now, tx, touched, e.sink())
		if err != nil {
			return r, err
		}
		r.Status, r.Version = StatusApplied, seq
	case errors.As(err, &fatal):
		return r, err
	case errors.As(err, &conflict):
		rec := conflict.Record
		rej := conflict.Rejection
		r.Status, r.Error = StatusConflict, &rej
		// The server's record goes back only to someone who may see it: a phone that
		// reuses another unit's id learns nothing of that unit.
		if visibleTo(rec.Scopes, actor.Scopes) {
			r.Record = &Change{Kind: rec.Kind, ID: rec.ID, Op: OpPut, Version: rec.Version, Scopes: rec.Scopes, Data: rec.Data}
		}
	default:
		r.Status, r.Error = StatusRejected, asRejection(err)
		if r.Error.Code == codes.InternalError {
			e.opts.Logger.Error("syncengine: handler failed", "mutation", pm.m.Name, "device", actor.DeviceID, "err", err)
		}
	}
	return r, nil
}

// visibleTo tells whether a record in these scopes may be shown to an actor in those.
func visibleTo(recordScopes, actorScopes []string) bool {
	for _, r := range recordScopes {
		for _, a := range actorScopes {
			if r == a {
				return true
			}
		}
	}
	return false
}

func asRejection(err error) *Rejection {
	var rej *Rejection
	if errors.As(err, &rej) {
		return rej
	}
	return Reject(codes.InternalError, "The server could not apply this change. It has been kept on the phone; tell your manager if it stays.")
}

func safeDecode(h Handler, args json.RawMessage) (v any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("syncengine: decode panicked: %v", p)
		}
	}()
	return h.Decode(args)
}

func safeApply(h Handler, tx *Tx, c Call) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("syncengine: apply panicked: %v", p)
		}
	}()
	return h.Apply(tx, c)
}
