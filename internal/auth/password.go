package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters (OWASP minimum: 19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19456 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Limits applied to parameters read back from a stored hash.
const (
	maxArgonMemory  = 1 << 22 // KiB (4 GiB)
	maxArgonTime    = 10
	maxArgonThreads = 16
)

var b64 = base64.RawStdEncoding

// HashPassword hashes pw with argon2id and returns it in PHC string form.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the PHC-encoded argon2id hash.
// A malformed hash or one with absurd parameters never matches.
func CheckPassword(encoded, pw string) bool {
	h, ok := parsePHC(encoded)
	if !ok {
		return false
	}
	key := argon2.IDKey([]byte(pw), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1
}

var (
	dummyOnce sync.Once
	dummyHash string
)

// CheckDummy costs as much as CheckPassword against a real hash, so that an
// unknown user takes as long to refuse as a wrong password.
func CheckDummy(pw string) {
	dummyOnce.Do(func() {
		h, err := HashPassword("vardag-dummy-password-never-matches")
		if err != nil {
			panic(err)
		}
		dummyHash = h
	})
	CheckPassword(dummyHash, pw)
}

type phc struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// parsePHC parses "$argon2id$v=19$m=M,t=T,p=P$salt$hash".
func parsePHC(s string) (phc, bool) {
	var h phc
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" ||
		parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return h, false
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return h, false
	}
	m, ok1 := param(params[0], "m=", maxArgonMemory)
	t, ok2 := param(params[1], "t=", maxArgonTime)
	p, ok3 := param(params[2], "p=", maxArgonThreads)
	if !ok1 || !ok2 || !ok3 || m < 8*p {
		return h, false
	}
	salt, err1 := b64.Strict().DecodeString(parts[4])
	key, err2 := b64.Strict().DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(salt) > 64 ||
		len(key) < 16 || len(key) > 64 {
		return h, false
	}
	return phc{memory: m, time: t, threads: uint8(p), salt: salt, key: key}, true
}

// param parses "k=N" with 1 <= N <= max.
func param(s, prefix string, max uint32) (uint32, bool) {
	v, ok := strings.CutPrefix(s, prefix)
	if !ok || v == "" || v[0] == '+' || v[0] == '0' {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n < 1 || n > uint64(max) {
		return 0, false
	}
	return uint32(n), true
}
