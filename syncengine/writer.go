package syncengine

import (
	"errors"
	"fmt"
	"time"
)

// job is one unit of work for the writer: a device's push or a server-side function.
type job struct {
	push *pushJob
	fn   func(*Tx) error
	done chan jobResult
}

type jobResult struct {
	push *PushResult
	err  error
}

// writer is the single goroutine that writes. It takes every job waiting at that moment,
// applies them in one transaction with one fsync (group commit), and only then answers.
func (e *Engine) writer() {
	defer close(e.done)
	batch := make([]*job, 0, e.opts.MaxBatch)
	for first := range e.queue {
		batch = append(batch[:0], first)
	drain:
		for len(batch) < e.opts.MaxBatch {
			select {
			case j, ok := <-e.queue:
				if !ok {
					break drain
				}
				batch = append(batch, j)
			default:
				break drain
			}
		}
		e.commit(batch)
	}
}

func (e *Engine) commit(batch []*job) {
	start := time.Now()
	now := e.opts.Now().UTC()
	results := make([]jobResult, len(batch))
	touched := map[string]struct{}{}
	err := e.store.Update(func(w WriteTx) error {
		for i, j := range batch {
			var err error
			if j.push != nil {
				results[i].push, err = e.applyPush(w, now, j.push, touched)
			} else {
				err = e.applyFunc(w, now, j.fn, touched)
			}
			var fatal *storageError
			if errors.As(err, &fatal) {
				return fatal.err
			}
			results[i].err = err
		}
		return nil
	})
	if err != nil {
		e.opts.Logger.Error("syncengine: commit failed; no job of the batch is acknowledged", "jobs", len(batch), "err", err)
		for i := range results {
			results[i] = jobResult{err: fmt.Errorf("syncengine: commit failed: %w", err)}
		}
		touched = nil
		e.committed = nil
	}
	e.metrics.observeCommit(len(batch), time.Since(start), err)
	for i, j := range batch {
		j.done <- results[i]
	}
	if len(touched) > 0 {
		scopes := make([]string, 0, len(touched))
		for s := range touched {
			scopes = append(scopes, s)
		}
		e.hub.Notify(scopes)
	}
	if len(e.committed) > 0 {
		changes := e.committed
		e.committed = nil
		e.onCommit(now, changes)
	}
}

// onCommit hands a durable commit's changes to Options.OnCommit.
func (e *Engine) onCommit(at time.Time, changes []CommittedChange) {
	defer func() {
		if p := recover(); p != nil {
			e.opts.Logger.Error("syncengine: OnCommit panicked", "panic", fmt.Sprint(p))
		}
	}()
	e.opts.OnCommit(at, changes)
}

// sink is where flush collects committed changes: nil when nobody listens.
func (e *Engine) sink() *[]CommittedChange {
	if e.opts.OnCommit == nil {
		return nil
	}
	return &e.committed
}

// storageError marks an error of the store itself: it aborts the whole batch.
type storageError struct{ err error }

func (s *storageError) Error() string { return s.err.Error() }

// flush appends a handler's staged changes to the log, and its staged audit entries to
// the audit trail, and returns the last sequence of the log.
func flush(w WriteTx, now time.Time, tx *Tx, touched map[string]struct{}, sink *[]CommittedChange) (uint64, error) {
	for _, a := range tx.audits {
		if err := w.AppendAudit(a); err != nil {
			return 0, &storageError{err}
		}
	}
	var last uint64
	for _, c := range tx.staged {
		seq, scopes, err := w.Append(c, now)
		if err != nil {
			return 0, &storageError{err}
		}
		last = seq
		if sink != nil {
			*sink = append(*sink, CommittedChange{Seq: seq, Kind: c.Kind, ID: c.ID, Op: c.Op, Scopes: c.Scopes, Data: c.Data})
		}
		for _, s := range scopes {
			touched[s] = struct{}{}
		}
	}
	return last, nil
}

func (e *Engine) applyFunc(w WriteTx, now time.Time, fn func(*Tx) error, touched map[string]struct{}) error {
	tx := &Tx{w: w, now: now, decoded: e.decoded}
	if err := fn(tx); err != nil {
		return err
	}
	_, err := flush(w, now, tx, touched, e.sink())
	return err
}
