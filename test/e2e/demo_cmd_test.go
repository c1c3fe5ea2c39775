package e2e

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/test/testserver"
)

// TestDemoCommand runs the binary as the README says (-demo on an empty data directory),
// logs in as anna, and stops it with SIGTERM; a second start does not seed again.
func TestDemoCommand(t *testing.T) {
	bin := testserver.BuildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	p := testserver.StartBinary(t, bin, "-demo", "-data", data)
	if res, err := http.Get(p.URL + "/healthz"); err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v", err)
	}
	now := time.Now()
	annaSeesAspen(t, p.URL, now)
	logs := p.Stop()
	if !strings.Contains(logs, "seeded the demo") || !strings.Contains(logs, "vardag: stopped") ||
		!strings.Contains(logs, "  anna ") || !strings.Contains(logs, demo.TOTPSecret) {
		t.Fatalf("first start:\n%s", logs)
	}

	p = testserver.StartBinary(t, bin, "-demo", "-data", data)
	annaSeesAspen(t, p.URL, now.Add(30*time.Second)) // the next TOTP step: the last one is used
	if logs := p.Stop(); strings.Contains(logs, "seeded the demo") {
		t.Fatalf("the demo was seeded twice:\n%s", logs)
	}
}

func annaSeesAspen(t *testing.T, url string, at time.Time) {
	t.Helper()
	token, _ := testserver.LoginAt(t, url, "anna", at)
	req, _ := http.NewRequest("GET", url+"/api/v1/sync/pull", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("pull: %v %v", err, res)
	}
	defer res.Body.Close()
	var page struct{ Changes []struct{ Kind string } }
	json.NewDecoder(res.Body).Decode(&page)
	clients := 0
	for _, c := range page.Changes {
		if c.Kind == "client" {
			clients++
		}
	}
	if clients != 6 {
		t.Fatalf("anna should see Aspen's 6 clients, got %d", clients)
	}
}
