package e2e

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"vardag/test/testserver"
)

// versionedRef is a reference in index.html to one of the app's files under its version.
var versionedRef = regexp.MustCompile(`(?:href|src)="/v/([0-9a-f]{64})/([^"]+)"`)

// appVersion is the version index.html names its files under, and the files it names.
func appVersion(t *testing.T, s *testserver.Server) (string, []string) {
	t.Helper()
	page := s.DoWith("GET", "/", "", map[string]string{"Accept-Encoding": "identity"}, nil)
	if page.Status != 200 {
		t.Fatalf("GET / = %d", page.Status)
	}
	var version string
	var files []string
	for _, m := range versionedRef.FindAllStringSubmatch(string(page.Body), -1) {
		if version != "" && m[1] != version {
			t.Errorf("index.html names two versions: %s and %s", version, m[1])
		}
		version = m[1]
		files = append(files, m[2])
	}
	if version == "" {
		t.Fatalf("index.html names no file under /v/<version>/:\n%s", page.Body)
	}
	return version, files
}

// decoded is a body undone of its Content-Encoding.
func decoded(t *testing.T, r testserver.Response) []byte {
	t.Helper()
	var out []byte
	var err error
	switch ce := r.Header.Get("Content-Encoding"); ce {
	case "":
		return r.Body
	case "br":
		out, err = fasthttp.AppendUnbrotliBytes(nil, r.Body)
	case "gzip":
		out, err = fasthttp.AppendGunzipBytes(nil, r.Body)
	default:
		t.Fatalf("unexpected Content-Encoding %q", ce)
	}
	if err != nil {
		t.Fatalf("the %s body does not decode: %v", r.Header.Get("Content-Encoding"), err)
	}
	return out
}

// TestTheAppIsServedCompressedAsTheBrowserAccepts: each of the app's text files comes in
// brotli, gzip or as it is by the request's Accept-Encoding and its q-values, always with
// Vary: Accept-Encoding, and every form decodes to the very bytes of the file.
func TestTheAppIsServedCompressedAsTheBrowserAccepts(t *testing.T) {
	s := testserver.Start(t)
	version, _ := appVersion(t, s)
	paths := []string{"/", "/index.html", "/sw.js", "/v/" + version + "/app.css", "/v/" + version + "/js/main.js", "/v/" + version + "/i18n/sv.json", "/manifest.webmanifest"}
	cases := []struct{ accept, want string }{
		{"identity", ""},
		{"gzip", "gzip"},
		{"br", "br"},
		{"gzip, deflate, br, zstd", "br"}, // what Chromium sends
		{"gzip;q=1.0, br;q=0.5", "gzip"},
		{"br;q=0, gzip", "gzip"},
		{"BR;Q=0.9, gzip;q=0.8", "br"},
		{"*", "br"},
		{"*;q=0.5, br;q=0", "gzip"},
		{"br;q=0, gzip;q=0", ""},
		{"deflate", ""},
	}
	for _, path := range paths {
		plain := s.DoWith("GET", path, "", map[string]string{"Accept-Encoding": "identity"}, nil)
		if plain.Status != 200 || len(plain.Body) == 0 {
			t.Fatalf("GET %s = %d, %d bytes", path, plain.Status, len(plain.Body))
		}
		for _, c := range cases {
			r := s.DoWith("GET", path, "", map[string]string{"Accept-Encoding": c.accept}, nil)
			if r.Status != 200 {
				t.Errorf("GET %s with Accept-Encoding %q = %d", path, c.accept, r.Status)
				continue
			}
			if got := r.Header.Get("Content-Encoding"); got != c.want {
				t.Errorf("GET %s with Accept-Encoding %q: Content-Encoding %q, want %q", path, c.accept, got, c.want)
			}
			if !strings.Contains(r.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("GET %s with Accept-Encoding %q: Vary %q, want Accept-Encoding", path, c.accept, r.Header.Get("Vary"))
			}
			if got := decoded(t, r); !bytes.Equal(got, plain.Body) {
				t.Errorf("GET %s with Accept-Encoding %q: %d bytes decoded, not the %d of the file", path, c.accept, len(got), len(plain.Body))
			}
			if c.want != "" && len(r.Body) >= len(plain.Body) {
				t.Errorf("GET %s in %s is %d bytes, the file %d", path, c.want, len(r.Body), len(plain.Body))
			}
		}
	}
	// An image is compressed already: it comes as it is.
	icon := s.DoWith("GET", "/v/"+version+"/icons/icon-192.png", "", map[string]string{"Accept-Encoding": "br, gzip"}, nil)
	if icon.Status != 200 || icon.Header.Get("Content-Encoding") != "" || icon.Header.Get("Content-Type") != "image/png" {
		t.Errorf("the icon: %d, Content-Encoding %q, Content-Type %q", icon.Status, icon.Header.Get("Content-Encoding"), icon.Header.Get("Content-Type"))
	}
}

// TestVersionedFilesAreCachedForAYearAndTheEntryPageRevalidated: index.html names every
// file of the app under /v/<version>/, and those answers may be kept a year unasked;
// the entry page and the service worker are asked again each time (no-cache) with an
// ETag, and an If-None-Match that matches gets 304 with no body. Another version's
// names are not found: they never get this version's files.
func TestVersionedFilesAreCachedForAYearAndTheEntryPageRevalidated(t *testing.T) {
	s := testserver.Start(t)
	version, files := appVersion(t, s)
	for _, want := range []string{"app.css", "js/main.js"} {
		found := false
		for _, f := range files {
			found = found || f == want
		}
		if !found {
			t.Errorf("index.html does not name %s under its version (it names %v)", want, files)
		}
	}
	page := s.DoWith("GET", "/", "", map[string]string{"Accept-Encoding": "identity"}, nil)
	for _, plain := range regexp.MustCompile(`(?:href|src)="(/[^"]*)"`).FindAllStringSubmatch(string(page.Body), -1) {
		ref := plain[1]
		if !strings.HasPrefix(ref, "/v/") && ref != "/manifest.webmanifest" && ref != "/healthz" {
			t.Errorf("index.html names %s without its version", ref)
		}
	}
	for _, f := range files {
		r := s.DoWith("GET", "/v/"+version+"/"+f, "", map[string]string{"Accept-Encoding": "br, gzip"}, nil)
		if r.Status != 200 {
			t.Errorf("GET /v/<version>/%s = %d", f, r.Status)
			continue
		}
		if got := r.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("/v/<version>/%s: Cache-Control %q, want public, max-age=31536000, immutable", f, got)
		}
		checkCSP(t, f, r.Header)
	}
	other := strings.Repeat("0", 64)
	if r := s.Do("GET", "/v/"+other+"/js/main.js", "", nil); r.Status != 404 || r.ErrorCode() != "not_found" {
		t.Errorf("another version's main.js = %d %q, want 404 not_found", r.Status, r.ErrorCode())
	}
	if r := s.Do("GET", "/v/"+version+"/nothing.js", "", nil); r.Status != 404 || r.ErrorCode() != "not_found" {
		t.Errorf("a file the app does not have, under its version = %d %q, want 404 not_found", r.Status, r.ErrorCode())
	}

	for _, path := range []string{"/", "/index.html", "/sw.js", "/manifest.webmanifest"} {
		for _, accept := range []string{"identity", "gzip", "br"} {
			r := s.DoWith("GET", path, "", map[string]string{"Accept-Encoding": accept}, nil)
			if got := r.Header.Get("Cache-Control"); got != "no-cache" {
				t.Errorf("%s (%s): Cache-Control %q, want no-cache", path, accept, got)
			}
			etag := r.Header.Get("ETag")
			if !regexp.MustCompile(`^"[^"]+"$`).MatchString(etag) {
				t.Errorf("%s (%s): ETag %q, want a strong entity tag", path, accept, etag)
				continue
			}
			for _, inm := range []string{etag, `W/` + etag, `"nope", ` + etag, "*"} {
				again := s.DoWith("GET", path, "", map[string]string{"Accept-Encoding": accept, "If-None-Match": inm}, nil)
				if again.Status != http.StatusNotModified || len(again.Body) != 0 || again.Header.Get("ETag") != etag {
					t.Errorf("%s (%s) with If-None-Match %s = %d, %d bytes, ETag %q; want 304, none, %s", path, accept, inm, again.Status, len(again.Body), again.Header.Get("ETag"), etag)
				}
				if again.Header.Get("Cache-Control") != "no-cache" || !strings.Contains(again.Header.Get("Vary"), "Accept-Encoding") {
					t.Errorf("%s (%s) 304: Cache-Control %q, Vary %q", path, accept, again.Header.Get("Cache-Control"), again.Header.Get("Vary"))
				}
			}
			if stale := s.DoWith("GET", path, "", map[string]string{"Accept-Encoding": accept, "If-None-Match": `"stale"`}, nil); stale.Status != 200 || len(stale.Body) == 0 {
				t.Errorf("%s (%s) with a stale ETag = %d, %d bytes; want 200 and the file", path, accept, stale.Status, len(stale.Body))
			}
		}
	}
	// The page and the worker in brotli, gzip and as they are are three representations:
	// three entity tags.
	tags := map[string]bool{}
	for _, accept := range []string{"identity", "gzip", "br"} {
		tags[s.DoWith("GET", "/sw.js", "", map[string]string{"Accept-Encoding": accept}, nil).Header.Get("ETag")] = true
	}
	if len(tags) != 3 {
		t.Errorf("sw.js in three codings has entity tags %v, want three", tags)
	}
	// The manifest keeps its registered media type.
	if m := s.Do("GET", "/manifest.webmanifest", "", nil); m.Header.Get("Content-Type") != "application/manifest+json" {
		t.Errorf("manifest Content-Type %q", m.Header.Get("Content-Type"))
	}
}
