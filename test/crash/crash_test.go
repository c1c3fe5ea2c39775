package crash

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
	"vardag/test/testserver"

	bolt "go.etcd.io/bbolt"
)

var (
	flagRounds = flag.Int("rounds", envInt("VARDAG_CRASH_ROUNDS", 5), "kills and restarts of the crash run")
	flagBatch  = flag.Int("batch", envInt("VARDAG_CRASH_BATCH", 10), "notes per push")
	flagStorm  = flag.Duration("storm", envDuration("VARDAG_CRASH_STORM", 600*time.Millisecond), "the latest kill after a storm starts")
	flagSeed   = flag.Uint64("seed", 0, "seed of the kill moments (0: from the clock)")
	flagTags   = flag.String("server-tags", "", "build tags of the server TestCrashDurability runs (unsafe_nofsync: see it fail)")
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

func opts(rounds int) options {
	seed := *flagSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	return options{rounds: rounds, batch: *flagBatch, storm: *flagStorm, seed: seed}
}

// TestCrashDurability kills the real server in a push storm, round after round, and
// finds every answered note, nothing else, a sound file, and phones that resume.
func TestCrashDurability(t *testing.T) {
	if *flagRounds < 1 || *flagBatch < 1 || *flagBatch > 500 || *flagStorm < 10*time.Millisecond {
		t.Fatalf("-rounds %d -batch %d -storm %v: need rounds ≥ 1, batch 1..500, storm ≥ 10ms", *flagRounds, *flagBatch, *flagStorm)
	}
	o := opts(*flagRounds)
	rep := run(t, testserver.BuildBinary(t, "-tags", *flagTags), o)
	t.Logf("seed %d: %s", o.seed, rep.summary())
	for _, f := range rep.failures() {
		t.Error(f)
	}
	if rep.rounds != o.rounds || rep.mutations == 0 || rep.checked != rep.pushes || rep.fsyncs == 0 {
		t.Errorf("the run proved too little: %s", rep.summary())
	}
}

// TestHarnessCatchesUnsafeNoFsync is the test of the harness: a server built with
// -tags unsafe_nofsync answers pushes before they are on disk, and the harness must say
// so. (SIGKILL keeps the page cache, so only the fsync check can see it.)
func TestHarnessCatchesUnsafeNoFsync(t *testing.T) {
	o := opts(2)
	rep := run(t, testserver.BuildBinary(t, "-tags", "unsafe_nofsync"), o)
	t.Logf("seed %d, unsafe_nofsync: %s", o.seed, rep.summary())
	for _, f := range rep.failures() {
		t.Logf("caught, as it must be: %s", f)
	}
	if rep.pushes == 0 {
		t.Fatal("no push was answered: nothing to catch")
	}
	if rep.counts[checkFsync] == 0 {
		t.Fatal("the harness passed a server that answers pushes without fsync")
	}
}

// TestTraceCheck feeds the fsync check a made-up strace output: a call in one line, a call
// split by another thread, a failed call and one on another file.
func TestTraceCheck(t *testing.T) {
	trace := `101  1795316423.000100 fdatasync(5</d/vardag.db>) = 0 <0.000200>
102  1795316424.000100 fdatasync(5</d/vardag.db> <unfinished ...>
101  1795316424.000150 fsync(7</d/other.db>) = 0 <0.000010>
102  1795316424.000400 <... fdatasync resumed>) = 0 <0.000300>
103  1795316425.000100 fdatasync(5</d/vardag.db>) = -1 EIO (Input/output error) <0.000010>
103  1795316426.000100 fsync(7</d/other.db>) = 0 <0.000010>
104  1795316427.000100 +++ killed by SIGKILL +++
`
	path := filepath.Join(t.TempDir(), "trace.txt")
	if err := os.WriteFile(path, []byte(trace), 0o600); err != nil {
		t.Fatal(err)
	}
	syncs, err := readSyncs(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []span{{1795316423000100, 1795316423000300}, {1795316424000100, 1795316424000400}}
	if len(syncs) != len(want) || syncs[0] != want[0] || syncs[1] != want[1] {
		t.Fatalf("spans %v, want %v", syncs, want)
	}
	at := func(s int64, us int64) time.Time { return time.Unix(s, us*1000) }
	pushes := []pushTiming{
		{phone: 1, sent: at(1795316423, 50), recv: at(1795316423, 400)},  // covered
		{phone: 2, sent: at(1795316424, 100), recv: at(1795316424, 420)}, // covered, split call
		{phone: 3, sent: at(1795316423, 150), recv: at(1795316423, 400)}, // sent after the fsync began
		{phone: 4, sent: at(1795316423, 50), recv: at(1795316423, 301)},  // answered as it ended
		{phone: 5, sent: at(1795316425, 0), recv: at(1795316425, 500)},   // only a failed fdatasync
		{phone: 6, sent: at(1795316426, 0), recv: at(1795316426, 500)},   // only another file
	}
	if bad := unsynced(pushes, syncs); len(bad) != 4 {
		t.Fatalf("want phones 3 to 6 caught, got %q", bad)
	}
}

// TestBoltCheckFindsDamage shows the file check can fail: a page of a bbolt file is
// overwritten with zeros, as a torn write would leave it.
func TestBoltCheckFindsDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vardag.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("notes"))
		for i := 0; err == nil && i < 2000; i++ {
			err = b.Put([]byte(strconv.Itoa(i)), make([]byte, 100))
		}
		return err
	})
	if err2 := db.Close(); err == nil {
		err = err2
	}
	if err != nil {
		t.Fatal(err)
	}
	if errs := checkBolt(path); len(errs) != 0 {
		t.Fatalf("a sound file fails the check: %q", errs)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	page := os.Getpagesize()
	_, err = f.WriteAt(make([]byte, page), int64(10*page)) // a leaf of the bucket
	if err2 := f.Close(); err == nil {
		err = err2
	}
	if err != nil {
		t.Fatal(err)
	}
	if errs := checkBolt(path); len(errs) == 0 {
		t.Fatal("the check passed a file with a zeroed page")
	} else {
		t.Logf("found: %q", errs[0])
	}
}
