package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"vardag/internal/auth"
	"vardag/internal/demo"
)

// TestDemoCommand runs the binary as the README says (-demo on an empty data directory),
// logs in as anna, and stops it with SIGTERM; a second start does not seed again.
func TestDemoCommand(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "vardag")
	if out, err := exec.Command("go", "build", "-o", bin, "vardag/server").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	url, stop := startBinary(t, bin, data)
	if res, err := http.Get(url + "/healthz"); err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v", err)
	}
	var step int64
	step = loginOverHTTP(t, url, "anna", 0)
	logs := stop()
	if !strings.Contains(logs, "seeded the demo") || !strings.Contains(logs, "vardag: stopped") ||
		!strings.Contains(logs, "  anna ") || !strings.Contains(logs, demo.TOTPSecret) {
		t.Fatalf("first start:\n%s", logs)
	}

	url, stop = startBinary(t, bin, data)
	loginOverHTTP(t, url, "anna", step)
	if logs := stop(); strings.Contains(logs, "seeded the demo") {
		t.Fatalf("the demo was seeded twice:\n%s", logs)
	}
}

// startBinary starts the server; stop sends SIGTERM and returns its logs and output.
func startBinary(t *testing.T, bin, data string) (url string, stop func() string) {
	t.Helper()
	cmd := exec.Command(bin, "-demo", "-data", data, "-addr", "127.0.0.1:0")
	outPipe, _ := cmd.StdoutPipe()
	errPipe, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	outDone := make(chan string, 1)
	go func() { b, _ := io.ReadAll(outPipe); outDone <- string(b) }()
	var logs strings.Builder
	sc := bufio.NewScanner(errPipe)
	for sc.Scan() {
		logs.WriteString(sc.Text() + "\n")
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "vardag: listening" {
			url = "http://" + line.Addr
			break
		}
	}
	if url == "" {
		t.Fatalf("the server did not say where it listens:\n%s", logs.String())
	}
	rest := make(chan string, 1)
	go func() { b, _ := io.ReadAll(errPipe); rest <- string(b) }()
	return url, func() string {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("exit after SIGTERM: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("no exit within 15 s of SIGTERM")
		}
		return logs.String() + <-rest + <-outDone
	}
}

// loginOverHTTP logs in with the demo password and the TOTP code of a step after usedStep,
// pulls once and returns the step used.
func loginOverHTTP(t *testing.T, url, user string, usedStep int64) int64 {
	t.Helper()
	post := func(path string, body any) map[string]any {
		raw, _ := json.Marshal(body)
		res, err := http.Post(url+path, "application/json", strings.NewReader(string(raw)))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %v", path, res.StatusCode, m)
		}
		return m
	}
	ch := post("/api/v1/auth/login", map[string]string{"username": user, "password": demo.Password})
	at := time.Now()
	if step := at.Unix() / 30; step <= usedStep {
		at = time.Unix((usedStep+1)*30, 0) // the next step is within the allowed skew
	}
	code, _ := auth.TOTPCode(demo.TOTPSecret, at)
	tok := post("/api/v1/auth/verify", map[string]string{"mfa_token": ch["mfa_token"].(string), "method": "totp", "code": code})
	req, _ := http.NewRequest("GET", url+"/api/v1/sync/pull", nil)
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("pull: %v %v", err, res)
	}
	var page struct{ Changes []struct{ Kind string } }
	json.NewDecoder(res.Body).Decode(&page)
	res.Body.Close()
	clients := 0
	for _, c := range page.Changes {
		if c.Kind == "client" {
			clients++
		}
	}
	if clients != 6 {
		t.Fatalf("anna should see Aspen's 6 clients, got %d", clients)
	}
	return at.Unix() / 30
}
