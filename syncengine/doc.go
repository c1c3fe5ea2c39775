// Package syncengine is Vardag's sync core: a gap-free change log with a by-scope index,
// ordered per-device pushes applied by named handlers under group commit, paged pulls with
// opaque cursors, and live pokes; beside the log, an append-only audit trail that never
// syncs (audit.go). It knows nothing of care; the domain registers handlers.
package syncengine
