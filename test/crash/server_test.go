package crash

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// server is one run of the binary under strace, which writes every fdatasync and fsync
// with its start (-ttt, wall clock) and duration (-T) to trace.
type server struct {
	url   string
	bin   string
	trace string
	pid   int       // the server; strace is its parent
	cmd   *exec.Cmd // strace
	done  chan struct{}

	mu   sync.Mutex
	tail []string // the last log lines, for failure messages (logs hold no personal data)
}

// startServer starts the binary on dataDir with a random loopback port.
func startServer(t *testing.T, bin, dataDir, trace string) *server {
	t.Helper()
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Fatal("the crash harness needs strace (Debian: apt-get install -y strace; ./test.sh installs it)")
	}
	cmd := exec.Command(strace, "-f", "-ttt", "-T", "-y", "--seccomp-bpf", "-e", "trace=fdatasync,fsync",
		"-e", "signal=none", "-o", trace, "--", bin, "-demo", "-data", dataDir, "-addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{bin: bin, trace: trace, cmd: cmd, done: make(chan struct{})}
	t.Cleanup(func() { s.kill(t) })
	go func() { _ = cmd.Wait(); close(s.done) }()

	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			s.keep(sc.Text())
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "vardag: listening" {
				addr <- line.Addr
			}
		}
	}()
	select {
	case a := <-addr:
		s.url = "http://" + a
	case <-s.done:
		t.Fatalf("the server exited before it listened:\n%s", s.logs())
	case <-time.After(30 * time.Second):
		t.Fatalf("the server did not listen within 30 s:\n%s", s.logs())
	}
	if s.pid, err = tracedChild(cmd.Process.Pid, bin); err != nil {
		t.Fatal(err)
	}
	return s
}

// tracedChild is the pid of the binary strace started.
func tracedChild(stracePID int, bin string) (int, error) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(stracePID) + "/task/" + strconv.Itoa(stracePID) + "/children")
	if err != nil {
		return 0, err
	}
	want, err := filepath.EvalSymlinks(bin)
	if err != nil {
		return 0, err
	}
	for _, f := range strings.Fields(string(raw)) {
		pid, _ := strconv.Atoi(f)
		if exe, _ := os.Readlink("/proc/" + f + "/exe"); pid > 0 && exe == want {
			return pid, nil
		}
	}
	return 0, errors.New("strace has no child running " + bin)
}

func (s *server) keep(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tail = append(s.tail, line); len(s.tail) > 20 {
		s.tail = s.tail[1:]
	}
}

func (s *server) logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.tail, "\n")
}

// kill sends SIGKILL to the server (not to strace, which then writes out the trace and
// exits) and waits until strace is gone. It is safe to call twice.
func (s *server) kill(t *testing.T) {
	pid := s.pid
	if pid == 0 { // it has not listened (yet)
		pid, _ = tracedChild(s.cmd.Process.Pid, s.bin)
	}
	if pid > 0 {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	} else {
		_ = s.cmd.Process.Kill()
	}
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		t.Errorf("strace did not exit within 15 s of the server's SIGKILL")
	}
}
