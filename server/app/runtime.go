package app

import "runtime/debug"

// gcPercent is the garbage collector's target when the operator has not set GOGC. The
// store is memory-mapped, so the live heap stays small (tens of MB) and the default
// target of 100% collects very often under a storm of pushes; 200% halves the collections
// for a few tens of MB more.
const gcPercent = 200

// TuneRuntime applies the server's runtime settings. The binary calls it at start; the
// benchmarks call it too, so that they measure the server as the binary runs it.
func TuneRuntime(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}
