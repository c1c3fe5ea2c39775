package api

import (
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v2"

	"vardag/mobileweb"
)

// TestTheAppIsCompressedOnceNotPerRequest: the phone app's files are compressed when the
// site is built, once per process for the app's file system, and the answers in brotli
// and gzip a real server sends afterwards compress nothing.
func TestTheAppIsCompressedOnceNotPerRequest(t *testing.T) {
	before := compressions.Load()
	site, err := siteOf(mobileweb.FS())
	if err != nil {
		t.Fatal(err)
	}
	built := compressions.Load()
	if again, _ := siteOf(mobileweb.FS()); again != site {
		t.Error("a second server builds the app's files again")
	}
	if compressions.Load() != built {
		t.Errorf("a second server compressed %d files again", compressions.Load()-built)
	}
	if before == built {
		// Another test of this package built it first; a site of its own shows the cost.
		if _, err := newStaticSite(mobileweb.FS()); err != nil {
			t.Fatal(err)
		}
		if compressions.Load() == built {
			t.Fatal("building the site compressed nothing")
		}
		built = compressions.Load()
	}

	app := fiber.New()
	app.Get("/*", site.serve)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { app.Shutdown() })
	base := "http://" + ln.Addr().String()
	prefix := mobileweb.Versioned(site.version)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for i := 0; i < 50; i++ {
		for _, path := range []string{"/", "/sw.js", prefix + "js/main.js", prefix + "app.css", prefix + "i18n/sv.json"} {
			for _, accept := range []string{"br", "gzip"} {
				req, _ := http.NewRequest("GET", base+path, nil)
				req.Header.Set("Accept-Encoding", accept)
				res, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != accept {
					t.Fatalf("GET %s (%s) = %d, Content-Encoding %q", path, accept, res.StatusCode, res.Header.Get("Content-Encoding"))
				}
			}
		}
	}
	if n := compressions.Load() - built; n != 0 {
		t.Errorf("500 answers compressed %d times", n)
	}
}

func TestAcceptEncodingQValues(t *testing.T) {
	f := newStaticFile("x.js", []byte(string(make([]byte, 4096))))
	for accept, want := range map[string]string{
		"":                         "",
		"identity":                 "",
		"br":                       "br",
		"gzip":                     "gzip",
		"gzip, br":                 "br",
		"gzip;q=0.9, br;q=0.8":     "gzip",
		"br;q=0.5, identity;q=0.9": "",
		"br;q=0.5, gzip;q=0.5":     "br",
		"*":                        "br",
		"*;q=0, gzip":              "gzip",
		"*;q=0":                    "", // nothing acceptable: the file as it is
		"br;q=x, gzip;q=0.1":       "gzip",
		"br;q=2":                   "", // out of range: 0
		" GZIP ; Q = 0.7 ":         "gzip",
	} {
		if got := f.choose(accept).coding; got != want {
			t.Errorf("Accept-Encoding %q: %q, want %q", accept, got, want)
		}
	}
	if !matches(`W/"a", "b"`, `"a"`) || !matches("*", `"a"`) || matches(`"ab"`, `"a"`) || matches("", `"a"`) {
		t.Error("If-None-Match is not compared weakly by tag")
	}
}
