package mobileweb

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

var (
	versionLine  = regexp.MustCompile(`const VERSION = "([0-9a-f]+)";`)
	precacheLine = regexp.MustCompile(`const PRECACHE = (\[.*\]);`)
)

func TestServiceWorkerIsTemplated(t *testing.T) {
	sw := readFile(t, "sw.js")
	if strings.Contains(sw, "__VERSION__") || strings.Contains(sw, "__PRECACHE__") {
		t.Fatal("sw.js still holds its placeholders")
	}
	v := versionLine.FindStringSubmatch(sw)
	if v == nil || len(v[1]) != 64 {
		t.Fatalf("sw.js has no 64-digit hex VERSION: %v", v)
	}
	m := precacheLine.FindStringSubmatch(sw)
	if m == nil {
		t.Fatal("sw.js has no PRECACHE list")
	}
	var urls []string
	if err := json.Unmarshal([]byte(m[1]), &urls); err != nil {
		t.Fatalf("PRECACHE is not a JSON list of strings: %v", err)
	}
	seen := map[string]bool{}
	for _, u := range urls {
		seen[u] = true
		if u == "/" {
			continue
		}
		if _, err := fs.Stat(FS(), strings.TrimPrefix(u, "/")); err != nil {
			t.Errorf("precached %s does not exist: %v", u, err)
		}
	}
	for _, want := range []string{"/", "/index.html", "/app.css", "/js/main.js", "/manifest.webmanifest", "/i18n/sv.json", "/i18n/en.json", "/vendor/idb/index.js", "/icons/icon-192.png"} {
		if !seen[want] {
			t.Errorf("the shell does not precache %s", want)
		}
	}
	if seen["/sw.js"] {
		t.Error("the worker precaches itself")
	}
	// Size and content agree, so that http.FS serves the templated file whole.
	info, err := fs.Stat(FS(), "sw.js")
	if err != nil || info.Size() != int64(len(sw)) {
		t.Errorf("sw.js Stat size %v, content %d bytes (%v)", info.Size(), len(sw), err)
	}
}

func TestServiceWorkerNeverCachesTheAPI(t *testing.T) {
	sw := readFile(t, "sw.js")
	if !strings.Contains(sw, `url.pathname.startsWith('/api/')`) {
		t.Error("sw.js does not pass /api/ requests by")
	}
}

func TestVersionFollowsEveryFile(t *testing.T) {
	base := fstest.MapFS{
		"sw.js":      {Data: []byte(`const VERSION = "__VERSION__"; const PRECACHE = __PRECACHE__;`)},
		"index.html": {Data: []byte("<html>")},
		"js/main.js": {Data: []byte("a")},
	}
	v0, urls, err := Shell(base)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(urls, " ") != "/ /index.html /js/main.js" {
		t.Errorf("shell = %v", urls)
	}
	change := func(name, data string) string {
		t.Helper()
		m := fstest.MapFS{}
		for k, v := range base {
			m[k] = v
		}
		m[name] = &fstest.MapFile{Data: []byte(data)}
		v, _, err := Shell(m)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if change("js/main.js", "b") == v0 {
		t.Error("changing a file's content keeps the version")
	}
	if change("js/other.js", "a") == v0 {
		t.Error("adding a file keeps the version")
	}
	if change("sw.js", "changed") != v0 {
		t.Error("the worker's own source changes the version it is given")
	}
	tpl, err := Template(base)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := fs.ReadFile(tpl, "sw.js")
	if want := `const VERSION = "` + v0 + `"; const PRECACHE = ["/","/index.html","/js/main.js"];`; string(got) != want {
		t.Errorf("templated sw.js = %s, want %s", got, want)
	}
}
