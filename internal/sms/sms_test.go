package sms

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestNewCodeFormat(t *testing.T) {
	for range 1000 {
		code, err := NewCode()
		if err != nil {
			t.Fatal(err)
		}
		if len(code) != CodeLength {
			t.Fatalf("NewCode() = %q, want %d characters", code, CodeLength)
		}
		for _, c := range []byte(code) {
			if c < '0' || c > '9' {
				t.Fatalf("NewCode() = %q, want ASCII digits only", code)
			}
		}
	}
}

// TestNewCodeDistribution checks that every digit position is uniform over 0–9, with
// Pearson's chi-squared test. It catches a missing digit (a code that never starts with
// 0, a range one too short) and any gross bias.
func TestNewCodeDistribution(t *testing.T) {
	const draws = 20000
	var counts [CodeLength][10]int
	for range draws {
		code, err := NewCode()
		if err != nil {
			t.Fatal(err)
		}
		for pos, c := range []byte(code) {
			counts[pos][c-'0']++
		}
	}
	// The chi-squared distribution with 9 degrees of freedom exceeds 45 with probability
	// about 1e-6, so a fair generator fails this test about once in 180 000 runs (six positions).
	const limit = 45.0
	const expected = draws / 10.0
	for pos := range counts {
		chi2 := 0.0
		for digit, n := range counts[pos] {
			if n == 0 {
				t.Errorf("position %d: digit %d never drawn", pos, digit)
			}
			d := float64(n) - expected
			chi2 += d * d / expected
		}
		if chi2 > limit {
			t.Errorf("position %d: chi-squared %.1f > %.0f, counts %v", pos, chi2, limit, counts[pos])
		}
	}
}

func TestConsoleSender(t *testing.T) {
	var buf bytes.Buffer
	s := &ConsoleSender{W: &buf}
	if err := s.Send(context.Background(), "+46701234567", "Din kod är 012345"); err != nil {
		t.Fatal(err)
	}
	// Line breaks are escaped: one message, one line.
	if err := s.Send(context.Background(), "+46701234567", "rad 1\nrad 2\r\n"); err != nil {
		t.Fatal(err)
	}
	want := "SMS to +46701234567: Din kod är 012345\n" +
		`SMS to +46701234567: rad 1\nrad 2\r\n` + "\n"
	if got := buf.String(); got != want {
		t.Errorf("output %q, want %q", got, want)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, "+46701234567", "för sent"); err == nil {
		t.Error("Send with a cancelled context succeeded")
	}
	if strings.Contains(buf.String(), "för sent") {
		t.Error("Send with a cancelled context wrote the message")
	}
}

// TestConsoleSenderConcurrent sends from many goroutines into a bytes.Buffer, which is not
// safe for concurrent use: the race detector and the line check catch a missing lock.
func TestConsoleSenderConcurrent(t *testing.T) {
	var buf bytes.Buffer
	s := &ConsoleSender{W: &buf}
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := s.Send(context.Background(), "+46701234567", fmt.Sprintf("kod %06d", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("%d lines, want %d", len(lines), n)
	}
	seen := make(map[string]bool)
	for _, l := range lines {
		if !strings.HasPrefix(l, "SMS to +46701234567: kod ") || len(l) != len("SMS to +46701234567: kod 000000") {
			t.Errorf("garbled line %q", l)
		}
		seen[l] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct lines, want %d", len(seen), n)
	}
}
