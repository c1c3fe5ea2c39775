// Package uuids checks and makes the UUIDs that name records.
package uuids

import (
	"strings"

	"github.com/google/uuid"
)

// Valid tells whether s is a UUID in its canonical form: 36 characters, lower case (so
// that one id is never stored as two), any version but nil.
func Valid(s string) bool {
	if len(s) != 36 || strings.ToLower(s) != s {
		return false
	}
	u, err := uuid.Parse(s)
	return err == nil && u != uuid.Nil
}

// New makes a time-ordered UUIDv7.
func New() string { return uuid.Must(uuid.NewV7()).String() }

// Named makes a stable UUID (v5) from a name, for demo data that must be the same each run.
func Named(name string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://vardag.example/"+name)).String()
}
