package app

import (
	"fmt"
	"math"
	"syscall"
)

// RaiseOpenFilesLimit raises the process's soft limit of open files to its hard limit and
// returns the limit in use. Every connection and every live stream holds a descriptor.
// Go's runtime already raises the soft limit at start (since Go 1.19, to one below the
// hard limit); this takes it to the hard limit itself, so that the limit the server
// reports and sizes its live streams by is the one it runs with. The binary calls it at
// start.
func RaiseOpenFilesLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("app: unable to read the open-files limit: %w", err)
	}
	if lim.Cur < lim.Max {
		raised := syscall.Rlimit{Cur: lim.Max, Max: lim.Max}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
			return lim.Cur, fmt.Errorf("app: unable to raise the open-files limit from %d to %d: %w", lim.Cur, lim.Max, err)
		}
		lim.Cur = lim.Max
	}
	return lim.Cur, nil
}

// streamsMax is the live streams the server holds in all when the configuration leaves it
// to the open-files limit: half of it, so that streams never take the descriptors that
// requests, the store and the logs need.
func streamsMax() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 1024
	}
	return int(max(1, min(lim.Cur/2, math.MaxInt32)))
}
