//go:build !unsafe_nofsync

package syncengine

// unsafeNoSync is false: bbolt fsyncs every commit before Update returns, so a push is
// answered only once it is on disk. See fsync_unsafe.go for the only build where it is not.
const unsafeNoSync = false
