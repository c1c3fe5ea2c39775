package e2e

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"vardag/test/testserver"
)

// TestTheServerOutlivesRunningOutOfFileDescriptors runs the binary with 256 descriptors
// (soft and hard: Go raises the soft limit to the hard one by itself), holds the live
// streams one phone may have and asks for more, then opens 400 connections that never
// finish a header. The server runs out of descriptors, and goes on: it retries accepting,
// closes the half-open connections at the header timeout, and then answers /healthz and
// the phone's pull again. It is still running, and stops cleanly.
func TestTheServerOutlivesRunningOutOfFileDescriptors(t *testing.T) {
	bin := testserver.BuildBinary(t)
	sh, args := testserver.Limited(bin, "-n 256")
	p := testserver.StartBinary(t, sh, append(args, "-demo", "-data", filepath.Join(t.TempDir(), "data"), "-header-timeout", "2s")...)
	addr := strings.TrimPrefix(p.URL, "http://")
	token, _ := testserver.LoginAt(t, p.URL, "anna", time.Now())
	client := &http.Client{Timeout: 5 * time.Second}
	get := func(path string) (int, error) {
		req, _ := http.NewRequest("GET", p.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		_, err = io.ReadAll(res.Body)
		return res.StatusCode, err
	}
	if status, err := get("/api/v1/sync/pull"); status != 200 {
		t.Fatalf("pull before the flood: %d %v", status, err)
	}

	for i := 0; i < 6; i++ { // a device may hold 4
		conn := dialAndSend(t, addr, "GET /api/v1/sync/events HTTP/1.1\r\nHost: vardag\r\nAuthorization: Bearer "+token+"\r\n\r\n")
		head := make([]byte, 12)
		if _, err := io.ReadFull(conn, head); err != nil {
			t.Fatalf("stream %d: %v", i+1, err)
		}
		if want := map[bool]string{true: "HTTP/1.1 200", false: "HTTP/1.1 429"}[i < 4]; string(head) != want {
			t.Fatalf("stream %d: %q, want %q", i+1, head, want)
		}
	}
	for i := 0; i < 400; i++ {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("connection %d of the flood: %v; the server is running: %v\n%s", i+1, err, p.Running(), p.Output())
		}
		t.Cleanup(func() { conn.Close() })
		io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: vardag\r\n") // and never the blank line
	}
	testserver.WaitUntil(t, "the server to run out of descriptors", func() bool {
		return strings.Contains(p.Output(), "too many open files")
	})
	if !p.Running() {
		t.Fatalf("the server exited when it ran out of descriptors:\n%s", p.Output())
	}

	testserver.WaitUntil(t, "/healthz to answer again", func() bool {
		status, _ := get("/healthz")
		return status == 200
	})
	if status, err := get("/api/v1/sync/pull"); status != 200 {
		t.Fatalf("anna's pull after the flood: %d %v", status, err)
	}
	res, err := client.Get(p.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`\nvardag_accept_errors_total (\d+)\n`).FindSubmatch(metrics)
	if m == nil || string(m[1]) == "0" {
		t.Fatalf("the failed accepts are not counted:\n%s", grepLines(string(metrics), "accept"))
	}
	if !p.Running() {
		t.Fatalf("the server is not running:\n%s", p.Output())
	}
	p.Stop() // fails the test unless the exit is clean (status 0)
}

// dialAndSend opens a connection, sends s and leaves the connection open until the test ends.
func dialAndSend(t *testing.T, addr, s string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := io.WriteString(conn, s); err != nil {
		t.Fatal(err)
	}
	return conn
}

// TestTheServerRaisesItsOpenFilesLimitToTheHardLimit: started with a soft limit below the
// hard one, the server runs with the hard limit (Go alone stops one short of it), logs the
// limit and sizes the live streams it holds in all by it (half).
func TestTheServerRaisesItsOpenFilesLimitToTheHardLimit(t *testing.T) {
	bin := testserver.BuildBinary(t)
	sh, args := testserver.Limited(bin, "-S -n 200", "-H -n 300")
	p := testserver.StartBinary(t, sh, append(args, "-data", t.TempDir())...)
	limits, err := os.ReadFile("/proc/" + strconv.Itoa(p.Cmd.Process.Pid) + "/limits")
	if err != nil {
		t.Fatal(err)
	}
	if line := grepLines(string(limits), "Max open files"); len(strings.Fields(line)) < 5 || strings.Fields(line)[3] != "300" {
		t.Fatalf("the soft limit was not raised to the hard one (300):\n%s", line)
	}
	if !strings.Contains(p.Output(), `"msg":"vardag: open-files limit","limit":300,"streams_max":150`) {
		t.Fatalf("the limit in use is not logged:\n%s", p.Output())
	}
	p.Stop()
}

// TestAnUnexpectedEndOfServingExitsNonZero: when serving ends without a stop being asked
// for, the exit status is not 0, so that a service manager restarts the server. The test
// takes a copy of the server's listening socket (pidfd_getfd) and shuts it down, which
// makes its accept fail for good.
func TestAnUnexpectedEndOfServingExitsNonZero(t *testing.T) {
	bin := testserver.BuildBinary(t)
	p := testserver.StartBinary(t, bin, "-data", t.TempDir())
	shutDownListener(t, p.Cmd.Process.Pid, p.URL)
	if code := p.WaitExit(15 * time.Second); code == 0 {
		t.Fatalf("exit status 0 after serving ended by itself:\n%s", p.Output())
	}
	if !strings.Contains(p.Output(), "serving stopped unexpectedly") {
		t.Fatalf("the log does not say what happened:\n%s", p.Output())
	}
}

// shutDownListener finds the process's listening socket at url among its descriptors and
// shuts it down from outside.
func shutDownListener(t *testing.T, pid int, url string) {
	t.Helper()
	port, err := strconv.Atoi(url[strings.LastIndex(url, ":")+1:])
	if err != nil {
		t.Fatal(err)
	}
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatalf("pidfd_open: %v", err)
	}
	defer unix.Close(pidfd)
	entries, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		target, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		fd, err := unix.PidfdGetfd(pidfd, target, 0)
		if err != nil {
			t.Fatalf("pidfd_getfd: %v (the test needs the right to trace the server)", err)
		}
		listening, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
		sa, _ := unix.Getsockname(fd)
		if in4, ok := sa.(*unix.SockaddrInet4); ok && listening == 1 && in4.Port == port {
			err := unix.Shutdown(fd, unix.SHUT_RDWR)
			unix.Close(fd)
			if err != nil {
				t.Fatalf("shutdown: %v", err)
			}
			return
		}
		unix.Close(fd)
	}
	t.Fatalf("no socket of process %d listens on port %d", pid, port)
}
