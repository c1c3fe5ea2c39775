package testserver

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"vardag/internal/auth"
	"vardag/internal/demo"
)

// BuildBinary builds the server binary into a temporary folder (without -race: the
// binary is measured and killed as it runs in production). Extra go build flags may be
// given, such as "-tags", "unsafe_nofsync".
func BuildBinary(t testing.TB, flags ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "vardag")
	args := append(append([]string{"build"}, flags...), "-o", bin, "vardag/server")
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Process is the server binary running as a process.
type Process struct {
	URL string
	Cmd *exec.Cmd
	t   testing.TB

	mu     sync.Mutex
	output strings.Builder // stderr (logs) and stdout
	done   chan struct{}
}

// StartBinary runs the binary with args plus -addr 127.0.0.1:0 and waits until it says
// where it listens. The process is killed when the test ends, if still running.
func StartBinary(t testing.TB, bin string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(bin, append(args, "-addr", "127.0.0.1:0")...)
	stderr, _ := cmd.StderrPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Process{Cmd: cmd, t: t, done: make(chan struct{})}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	addr := make(chan string, 1)
	var readers sync.WaitGroup
	readers.Add(2)
	go func() {
		defer readers.Done()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.append(sc.Text() + "\n")
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "vardag: listening" {
				addr <- line.Addr
			}
		}
	}()
	go func() {
		defer readers.Done()
		b, _ := io.ReadAll(stdout)
		p.append(string(b))
	}()
	go func() {
		readers.Wait()
		_ = cmd.Wait()
		close(p.done)
	}()
	select {
	case a := <-addr:
		p.URL = "http://" + a
	case <-p.done:
		t.Fatalf("the server exited before listening:\n%s", p.Output())
	case <-time.After(30 * time.Second):
		t.Fatalf("the server did not say where it listens:\n%s", p.Output())
	}
	return p
}

func (p *Process) append(s string) {
	p.mu.Lock()
	p.output.WriteString(s)
	p.mu.Unlock()
}

// Output is what the process has written so far (logs and standard output).
func (p *Process) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.String()
}

// Stop sends SIGTERM and waits for the exit (at most 15 s); it fails the test on an
// unclean exit and returns the output.
func (p *Process) Stop() string {
	p.t.Helper()
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.t.Fatal("no exit within 15 s of SIGTERM")
	}
	if code := p.Cmd.ProcessState.ExitCode(); code != 0 {
		p.t.Errorf("exit code %d after SIGTERM:\n%s", code, p.Output())
	}
	return p.Output()
}

// Running tells whether the process has not exited yet.
func (p *Process) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// WaitExit waits for the process to exit by itself, at most within, and returns its exit
// code; it fails the test if the process is still running.
func (p *Process) WaitExit(within time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
		return p.Cmd.ProcessState.ExitCode()
	case <-time.After(within):
		p.t.Fatalf("still running after %v:\n%s", within, p.Output())
		return 0
	}
}

// Limited is how to run bin under the shell's resource limits, as ulimit options such as
// "-n 256" (open files, soft and hard) or "-f 0" (file size): the program and the
// arguments to give StartBinary or RunToExit before bin's own.
func Limited(bin string, ulimits ...string) (string, []string) {
	script := ""
	for _, u := range ulimits {
		script += "ulimit " + u + " && "
	}
	return "/bin/sh", []string{"-c", script + `exec "$0" "$@"`, bin}
}

// RunToExit runs the binary with args plus -addr 127.0.0.1:0, as StartBinary does, for a
// start that must fail: it waits for the exit (at most 30 s) and returns the exit code
// and the output. A server that starts listening instead fails the test.
func RunToExit(t testing.TB, bin string, args ...string) (code int, output string) {
	t.Helper()
	cmd := exec.Command(bin, append(args, "-addr", "127.0.0.1:0")...)
	var out strings.Builder
	stderr, _ := cmd.StderrPipe()
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan struct{})
	var logs strings.Builder
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), `"msg":"vardag: listening"`) {
				close(listening)
			}
		}
	}()
	exited := make(chan struct{})
	go func() { <-read; _ = cmd.Wait(); close(exited) }()
	select {
	case <-exited:
		return cmd.ProcessState.ExitCode(), logs.String() + out.String()
	case <-listening:
		_ = cmd.Process.Kill()
		<-exited
		t.Fatalf("the server started:\n%s", logs.String())
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		t.Fatalf("no exit within 30 s:\n%s", logs.String())
	}
	return 0, ""
}

// Kill ends the process with SIGKILL, as a power cut or the OOM killer would.
func (p *Process) Kill() {
	_ = p.Cmd.Process.Kill()
	<-p.done
}

// Login logs a demo user in at a server URL with the demo password and the TOTP code for
// time at (a TOTP step is accepted once per user: give each login of a user a later step,
// within one step of now). It returns the access token and the device id.
func LoginAt(t testing.TB, url, user string, at time.Time) (token, deviceID string) {
	t.Helper()
	post := func(path string, body any) map[string]any {
		raw, _ := json.Marshal(body)
		res, err := httpClient.Post(url+path, "application/json", strings.NewReader(string(raw)))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		if res.StatusCode != 200 {
			t.Fatalf("%s as %s: %d %v", path, user, res.StatusCode, m)
		}
		return m
	}
	ch := post("/api/v1/auth/login", map[string]string{"username": user, "password": demo.Password})
	code, err := auth.TOTPCode(demo.TOTPSecret, at)
	if err != nil {
		t.Fatal(err)
	}
	tok := post("/api/v1/auth/verify", map[string]string{"mfa_token": ch["mfa_token"].(string), "method": "totp", "code": code})
	return tok["access_token"].(string), tok["device_id"].(string)
}

var httpClient = &http.Client{Timeout: 30 * time.Second}
