//go:build unsafe_nofsync

package syncengine

// !!! NEVER BUILD A SERVER FOR USE WITH THIS TAG !!!
//
// unsafeNoSync turns off bbolt's fsync: pushes are answered while their data may still be
// only in the page cache, and a power loss or kernel crash loses acknowledged notes. This
// build exists ONLY to prove that the crash harness (test/crash) catches a server that
// acknowledges before its data is durable: test/crash builds the server with
// `-tags unsafe_nofsync` and asserts that the harness fails it.
const unsafeNoSync = true
