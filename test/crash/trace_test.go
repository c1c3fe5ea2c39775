package crash

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// span is a successful fdatasync or fsync of vardag.db, in microseconds of the wall clock
// as strace saw it: start when the call entered, end when it returned.
type span struct{ start, end int64 }

// pushTiming is one answered push as the phone saw it, on the same clock.
type pushTiming struct {
	phone      int
	first      uint64 // its first mutation id
	sent, recv time.Time
}

// readSyncs reads the spans of fdatasync/fsync calls on vardag.db from an strace output
// written with -f -ttt -T -y. A call another thread interrupted comes in two lines,
// "<unfinished ...>" then "<... fdatasync resumed>", paired by pid.
func readSyncs(path string) ([]span, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []span
	open := map[string]int64{} // pid → start of an unfinished call on vardag.db
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		pid, ts, call, ok := splitTraceLine(sc.Text())
		if !ok {
			continue
		}
		isSync := strings.HasPrefix(call, "fdatasync(") || strings.HasPrefix(call, "fsync(")
		switch {
		case isSync && strings.HasSuffix(call, "<unfinished ...>"):
			if strings.Contains(call, "/vardag.db>") {
				open[pid] = ts
			}
		case isSync:
			if d, ok := succeeded(call); ok && strings.Contains(call, "/vardag.db>") {
				out = append(out, span{ts, ts + d})
			}
		case strings.HasPrefix(call, "<... fdatasync resumed>") || strings.HasPrefix(call, "<... fsync resumed>"):
			start, was := open[pid]
			delete(open, pid)
			if d, ok := succeeded(call); ok && was {
				out = append(out, span{start, start + d})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out, sc.Err()
}

// splitTraceLine splits "PID SECONDS.MICROS CALL" and gives the time in microseconds.
func splitTraceLine(line string) (pid string, ts int64, call string, ok bool) {
	f := strings.SplitN(strings.TrimSpace(line), " ", 2)
	if len(f) != 2 {
		return "", 0, "", false
	}
	rest := strings.TrimLeft(f[1], " ")
	at, call, ok := strings.Cut(rest, " ")
	if !ok {
		return "", 0, "", false
	}
	ts, ok = micros(at)
	return f[0], ts, call, ok
}

// succeeded tells whether a call line ends "= 0 <SECONDS>" and gives the duration.
func succeeded(call string) (int64, bool) {
	i := strings.LastIndex(call, " = 0 <")
	if i < 0 || !strings.HasSuffix(call, ">") {
		return 0, false
	}
	return micros(call[i+len(" = 0 <") : len(call)-1])
}

// micros parses "1795316423.588693" (strace prints six decimals) to microseconds.
func micros(s string) (int64, bool) {
	sec, frac, ok := strings.Cut(s, ".")
	if !ok || len(frac) != 6 {
		return 0, false
	}
	a, err1 := strconv.ParseInt(sec, 10, 64)
	b, err2 := strconv.ParseInt(frac, 10, 64)
	return a*1e6 + b, err1 == nil && err2 == nil
}

// unsynced lists the answered pushes that no fsync of vardag.db covers: none started at or
// after the push was sent and ended before its answer arrived. Both bounds are taken on the
// safe side of strace's microseconds: the start rounds the send time up, and the end, a
// sum of two truncated figures, gets 2 µs added.
func unsynced(pushes []pushTiming, syncs []span) []string {
	var bad []string
	for _, p := range pushes {
		sent := (p.sent.UnixNano() + 999) / 1000
		recv := p.recv.UnixNano() / 1000
		i := sort.Search(len(syncs), func(i int) bool { return syncs[i].start >= sent })
		covered := false
		for ; i < len(syncs) && syncs[i].start <= recv && !covered; i++ {
			covered = syncs[i].end+2 <= recv
		}
		if !covered {
			bad = append(bad, fmt.Sprintf("phone %d, push from mutation %d: answered %v after sending, with no fsync of vardag.db in between",
				p.phone, p.first, p.recv.Sub(p.sent).Round(time.Microsecond)))
		}
	}
	return bad
}
