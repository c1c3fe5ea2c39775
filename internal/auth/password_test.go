package auth_test

import (
	"strings"
	"testing"

	"vardag/internal/auth"
)

func TestPasswordRoundTrip(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected PHC form %q", h)
	}
	if !auth.CheckPassword(h, "correct horse battery") {
		t.Fatal("right password refused")
	}
	if auth.CheckPassword(h, "correct horse batterY") {
		t.Fatal("wrong password accepted")
	}
	h2, _ := auth.HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	good, err := auth.HashPassword("hemligt-lösen")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$") // "", argon2id, v=19, params, salt, hash
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	cases := map[string]string{
		"empty":          "",
		"argon2i":        with(1, "argon2i"),
		"version 16":     with(2, "v=16"),
		"huge memory":    with(3, "m=4194305,t=2,p=1"),
		"many passes":    with(3, "m=19456,t=11,p=1"),
		"many lanes":     with(3, "m=19456,t=2,p=17"),
		"zero passes":    with(3, "m=19456,t=0,p=1"),
		"missing param":  with(3, "m=19456,t=2"),
		"params order":   with(3, "t=2,m=19456,p=1"),
		"bad number":     with(3, "m=19x56,t=2,p=1"),
		"bad salt b64":   with(4, "!!!!"),
		"short salt":     with(4, "YWJj"),
		"empty hash":     with(5, ""),
		"short hash":     with(5, "YWJjZGVmZ2g"),
		"extra section":  good + "$x",
		"missing prefix": strings.TrimPrefix(good, "$"),
	}
	for name, enc := range cases {
		if auth.CheckPassword(enc, "hemligt-lösen") {
			t.Errorf("%s: %q accepted", name, enc)
		}
	}
	if !auth.CheckPassword(good, "hemligt-lösen") {
		t.Fatal("control: good hash refused")
	}
}
