package syncengine

import (
	"context"
	"time"
)

// compactBatch bounds one compaction transaction so that it never holds the writer long.
const compactBatch = 5000

// Compact removes tombstones older than the retention, in bounded transactions, and
// returns how many it removed. Cursors older than the newest removed tombstone then
// answer ErrCursorExpired.
func (e *Engine) Compact(ctx context.Context) (int, error) {
	cutoff := e.opts.Now().Add(-e.opts.Retention)
	total := 0
	for {
		n := 0
		err := e.Do(ctx, func(tx *Tx) error {
			var err error
			n, err = tx.w.CompactTombstones(cutoff, compactBatch)
			return err
		})
		total += n
		if err != nil || n < compactBatch {
			return total, err
		}
	}
}

// RunCompaction compacts every interval until ctx ends.
func (e *Engine) RunCompaction(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := e.Compact(ctx); err != nil {
				e.opts.Logger.Error("syncengine: compaction failed", "err", err)
			} else if n > 0 {
				e.opts.Logger.Info("syncengine: compacted tombstones", "removed", n)
			}
		}
	}
}
