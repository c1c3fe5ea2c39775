package bench

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// streams is how many live streams one client process holds (issue 3: 5,000).
const streams = 5000

// BenchmarkLiveStreams holds 5,000 SSE streams from this process against the server
// binary, run as its own process so that its memory is measured alone, and pushes b.N
// notes one after another while they are open. It reports the server's resident memory
// per idle stream and the time from sending a push to each stream's poke (p50, p99): an
// upper bound of commit → client, since the push is answered only after its commit.
func BenchmarkLiveStreams(b *testing.B) {
	bin := testserver.BuildBinary(b)
	// Four phones hold all the streams here: the limits on streams are lifted to what it holds.
	p := testserver.StartBinary(b, bin, "-demo", "-data", filepath.Join(b.TempDir(), "data"),
		"-streams-per-device", strconv.Itoa(streams), "-streams-per-user", strconv.Itoa(streams), "-streams-max", strconv.Itoa(streams))
	now := time.Now()
	var tokens []string
	for _, u := range []string{"anna", "bo", "cecilia", "david"} {
		tok, _ := testserver.LoginAt(b, p.URL, u, now)
		tokens = append(tokens, tok)
	}
	writer, device := testserver.LoginAt(b, p.URL, "anna", now.Add(30*time.Second))
	pid := p.Cmd.Process.Pid
	before := residentKB(b, pid)

	client := &http.Client{Timeout: 30 * time.Second}
	pokes := make(chan time.Time, streams)
	connected := make(chan struct{}, streams)
	var wg sync.WaitGroup
	var conns []net.Conn
	var connsMu sync.Mutex
	for i := 0; i < streams; i++ {
		wg.Add(1)
		go func(token string) {
			defer wg.Done()
			conn, err := net.DialTimeout("tcp", strings.TrimPrefix(p.URL, "http://"), 10*time.Second)
			if err != nil {
				return
			}
			connsMu.Lock()
			conns = append(conns, conn)
			connsMu.Unlock()
			holdStream(conn, token, connected, pokes)
		}(tokens[i%len(tokens)])
		if i%200 == 199 {
			time.Sleep(20 * time.Millisecond) // do not overflow the listen backlog
		}
	}
	for i := 0; i < streams; i++ {
		select {
		case <-connected:
		case <-time.After(60 * time.Second):
			b.Fatalf("only %d of %d streams connected", i, streams)
		}
	}
	time.Sleep(500 * time.Millisecond)
	idle := residentKB(b, pid)

	var latencies []time.Duration
	cpu0 := processCPU(b, pid)
	b.ResetTimer()
	for n := 1; n <= b.N; n++ {
		sent := time.Now()
		pushNote(b, client, p.URL, writer, device, n)
		for i := 0; i < streams; i++ {
			select {
			case at := <-pokes:
				latencies = append(latencies, at.Sub(sent))
			case <-time.After(30 * time.Second):
				b.Fatalf("push %d: only %d of %d streams were poked", n, i, streams)
			}
		}
	}
	b.StopTimer()
	serverCPU := processCPU(b, pid) - cpu0
	connsMu.Lock()
	for _, c := range conns {
		c.Close()
	}
	connsMu.Unlock()
	wg.Wait()
	slices.Sort(latencies)
	b.ReportMetric(float64(idle-before)/streams, "server-KB/stream")
	// The server's CPU time per poke sent (push, commit and fan-out included): the rest of
	// the latency is this client process reading 5,000 streams on the same two cores.
	b.ReportMetric(float64(serverCPU.Microseconds())/float64(b.N*streams), "server-cpu-µs/poke")
	b.ReportMetric(ms(latencies[len(latencies)/2]), "p50-ms")
	b.ReportMetric(ms(latencies[len(latencies)*99/100]), "p99-ms")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// holdStream keeps one live stream open on a raw connection (a lean client: phones are
// separate devices, here 5,000 streams share this process), reporting when it is connected
// and each poke.
func holdStream(conn net.Conn, token string, connected chan<- struct{}, pokes chan<- time.Time) {
	defer conn.Close()
	fmt.Fprintf(conn, "GET /api/v1/sync/events HTTP/1.1\r\nHost: vardag\r\nAuthorization: Bearer %s\r\n\r\n", token)
	sc := bufio.NewScanner(conn)
	if !sc.Scan() || sc.Text() != "HTTP/1.1 200 OK" {
		return
	}
	for sc.Scan() {
		switch sc.Text() {
		case ": connected":
			connected <- struct{}{}
		case "event: poke":
			pokes <- time.Now()
		}
	}
}

// processCPU is a process's user and system CPU time, from /proc.
func processCPU(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name in parentheses; utime and stime are the 14th and 15th.
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // clock ticks (USER_HZ 100)
}

func pushNote(b *testing.B, client *http.Client, url, token, device string, n int) {
	body := fmt.Sprintf(`{"device_id":%q,"mutations":[{"id":%d,"name":"journal.note.add","client_time":%q,"args":{"note_id":%q,"client_id":%q,"heading":"Besök","keywords":[],"text":"Allt väl.","occurred_at":%q}}]}`,
		device, n, time.Now().UTC().Format(time.RFC3339), uuids.New(), demo.ClientID(1), time.Now().UTC().Format(time.RFC3339))
	req, _ := http.NewRequest("POST", url+"/api/v1/sync/push", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		b.Fatalf("push: %d", res.StatusCode)
	}
}

// residentKB is a process's resident memory (VmRSS) in KB.
func residentKB(b *testing.B, pid int) int {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
