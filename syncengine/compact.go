package syncengine

import (
	"context"
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
