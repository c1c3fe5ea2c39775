// Package crash is Vardag's crash-durability harness (issue 3, item 2).
//
// It builds the real server binary, starts it on a real bbolt file under strace, lets
// twelve phones (anna, bo, cecilia and david, three devices each) push journal notes in a
// storm, and kills the server with SIGKILL at a random moment. Then, round after round:
//
//  1. fsync before answer: for every push answered 200, an fdatasync or fsync of
//     vardag.db started after the phone sent it and ended before the answer arrived
//     (strace -ttt -T and time.Now() read the same clock, CLOCK_REALTIME);
//  2. the file is sound: opened read-only after the kill, before the restart, bbolt's
//     tx.Check finds nothing;
//  3. phones resume: after the restart each phone pulls and reads the server's
//     last_mutation_id. It lies between the last answered mutation and the last sent one,
//     and an unanswered push is applied whole or not at all. The phone resends the
//     unanswered push (odd phones all of it, even phones from last_mutation_id+1) and
//     gets every mutation back applied, or a duplicate of an applied one, never lost;
//  4. everything is there once: david pulls the whole unit. Every note any phone sent
//     is there exactly once, with the version its answer named; no note is there that
//     no phone sent; no two answers gave a note, or a version, twice.
//
// SIGKILL leaves the page cache to the kernel, so a server that answered before fsync
// would still pass checks 2 to 4. Check 1 is what catches it, and
// TestHarnessCatchesUnsafeNoFsync proves that it does, with a server built with
// -tags unsafe_nofsync (bbolt's NoSync on). To watch the harness fail that server:
//
//	go test ./test/crash/ -run TestCrashDurability -server-tags unsafe_nofsync -rounds 2
//
// TestTraceCheck and TestBoltCheckFindsDamage show checks 1 and 2 failing on made-up input.
//
// The short run (CI, well under a minute) is
//
//	go test ./test/crash/
//
// with 5 rounds. The long run is
//
//	go test ./test/crash/ -run TestCrashDurability -rounds 25 -v
//
// or VARDAG_CRASH_ROUNDS=25. -batch (VARDAG_CRASH_BATCH, notes per push, default 10),
// -storm (VARDAG_CRASH_STORM, the latest kill after the storm starts, default 600ms) and
// -seed (the random kill moments; 0 takes the clock) size the storm. The harness needs
// strace (Debian: apt-get install -y strace) and a kernel that lets it trace children.
package crash
