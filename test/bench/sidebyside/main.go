// Command sidebyside starts Vardag and pouchdb-server (a CouchDB-protocol peer) on
// loopback and runs the same workload against both in one run, then prints a table of both
// and the ratios:
//
//	go run ./test/bench/sidebyside [-n 20000] [-batch 20] [-devices 50] [-peer-port 0] [-keep]
//
// The workload, per server, one server at a time:
//
//  1. push: n journal-note-like records (~300 bytes) in batches from concurrent writers, in
//     two halves; between them a reader catches up and keeps its checkpoint;
//  2. pull: the reader pulls everything after its checkpoint (the second half) in pages of
//     5000;
//  3. live: one writer commits a single record and a listener that holds the server's live
//     feed is woken and has the record; the time from sending the write to the listener
//     having the record, over many samples.
//
// Vardag runs as its real binary (built from this module) on a fresh data directory,
// answering each push after its commit is fsynced. pouchdb-server runs from
// ../shared/peers/pouchdb-server.sh with its on-disk LevelDB store, which does not fsync
// each write. See docs/BENCHMARKS.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// options are the command's flags.
type options struct {
	n        int
	batch    int
	devices  int
	samples  int
	pageSize int
	peerPort int
	keep     bool
	timeout  time.Duration
	peerSh   string
}

func main() { os.Exit(run()) }

func run() int {
	var o options
	flag.IntVar(&o.n, "n", 20000, "records to push to each server")
	flag.IntVar(&o.batch, "batch", 20, "records per push")
	flag.IntVar(&o.devices, "devices", 50, "concurrent writers (each a logged-in device on Vardag)")
	flag.IntVar(&o.samples, "samples", 200, "live wake-up samples")
	flag.IntVar(&o.peerPort, "peer-port", 0, "loopback port for pouchdb-server (0: a free one)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (binary, data, logs)")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Minute, "give up after this long")
	flag.StringVar(&o.peerSh, "peer-script", "../shared/peers/pouchdb-server.sh", "script that starts the peer (the default: beside the repository, run from its root)")
	flag.Parse()
	o.pageSize = 5000
	if o.n < 2 || o.batch < 1 || o.batch > 500 || o.devices < 1 || o.devices > 500 || o.samples < 1 || o.samples > 10000 {
		fmt.Fprintln(os.Stderr, "sidebyside: need -n ≥ 2, 1 ≤ -batch ≤ 500, 1 ≤ -devices ≤ 500, 1 ≤ -samples ≤ 10000")
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()

	tmp, err := os.MkdirTemp("", "vardag-sidebyside-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "sidebyside:", err)
		return 1
	}
	if o.keep {
		defer fmt.Fprintf(os.Stderr, "sidebyside: kept %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	if err := sideBySide(ctx, o, tmp); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("%w (gave up after -timeout %s)", err, o.timeout)
		}
		fmt.Fprintln(os.Stderr, "sidebyside:", err)
		return 1
	}
	return 0
}

// sideBySide starts both servers, runs the workload on each and prints the report.
func sideBySide(ctx context.Context, o options, tmp string) error {
	// The peer may need to install itself first (about 2 minutes), so it starts while Vardag
	// is built and prepared.
	load := loadAverage()
	port := o.peerPort
	if port == 0 {
		var err error
		if port, err = freePort(); err != nil {
			return err
		}
	}
	logf("starting pouchdb-server on 127.0.0.1:%d (first use installs it: about 2 minutes)", port)
	peer, err := startPeer(o.peerSh, port, filepath.Join(tmp, "peer"), filepath.Join(tmp, "peer.log"))
	if err != nil {
		return err
	}
	defer peer.stop()

	logf("building and starting vardag")
	v, err := startVardag(ctx, tmp, o.devices)
	if err != nil {
		return err
	}
	defer v.stop()

	if err := peer.ready(ctx, 5*time.Minute); err != nil {
		return err
	}

	m := machineFacts(v.bin, peer)
	m.load = load
	if m.noFsync {
		return fmt.Errorf("vardag was built with the unsafe_nofsync tag: not a fair comparison")
	}
	recs := makeRecords(o.n, time.Now())
	live := makeRecords(o.samples, time.Now())

	if err := v.login(ctx, o.devices); err != nil {
		return err
	}
	vr, err := runWorkload(ctx, "vardag", v, o, recs, live)
	if err != nil {
		return fmt.Errorf("vardag: %w", err)
	}
	v.stop() // the peer runs alone

	if err := peer.createDB(ctx); err != nil {
		return err
	}
	pr, err := runWorkload(ctx, "pouchdb-server", peer, o, recs, live)
	if err != nil {
		return fmt.Errorf("pouchdb-server: %w", err)
	}
	peer.stop()

	printReport(os.Stdout, m, o, recs, vr, pr)
	return nil
}

// logf prints progress to stderr; the report goes to stdout.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "sidebyside: "+format+"\n", args...)
}
