package api

import (
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"mime"
	"path"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// The phone app's files are served from memory, each read and compressed once when the
// server starts (brotli at its best quality and gzip at its best, where that makes the
// file smaller), never per request. An answer is chosen by Accept-Encoding (RFC 9110
// §12.5.3, q-values) and says Vary: Accept-Encoding.
//
// Caching: the page names every file under its version (mobileweb.Versioned,
// "/v/<version>/..."); a file's content under one version never changes, so those
// answers are "public, max-age=31536000, immutable". Every other path (the entry page
// "/" and index.html, the service worker sw.js, the manifest, a file by its plain name)
// is "no-cache" with an ETag: the browser asks again each time, and an If-None-Match
// that matches gets 304 with no body. A version other than the running one is not found:
// it never gets this version's files.
const (
	cacheVersioned = "public, max-age=31536000, immutable"
	cacheEntry     = "no-cache"
	versionedDir   = "/v/"
	indexFile      = "index.html"
)

// brotliQuality and gzipLevel are the best compressions: paid once, at the start.
const (
	brotliQuality = 11
	gzipLevel     = 9
)

// compressions counts the compressions done; a test checks that requests do none.
var compressions atomic.Int64

// representation is a file in one content coding ("" for the file as it is).
type representation struct {
	coding string
	body   []byte
	etag   string
}

// staticFile is one file of the app: its type and its representations, brotli first,
// then gzip, then the file as it is (always there).
type staticFile struct {
	contentType string
	forms       []representation
}

// staticSite is the app's files by path ("/js/main.js"), and the version its page names
// them under ("" when the file system tells none).
type staticSite struct {
	files   map[string]*staticFile
	version string
}

var (
	sitesMu sync.Mutex
	sites   = map[fs.FS]*staticSite{}
)

// siteOf is the site for web, built once per process for each file system that can be
// told apart (the app's is one value): the servers a test process starts share it.
func siteOf(web fs.FS) (*staticSite, error) {
	if !reflect.TypeOf(web).Comparable() {
		return newStaticSite(web)
	}
	sitesMu.Lock()
	defer sitesMu.Unlock()
	if s, ok := sites[web]; ok {
		return s, nil
	}
	s, err := newStaticSite(web)
	if err != nil {
		return nil, err
	}
	sites[web] = s
	return s, nil
}

// newStaticSite reads every file of web and compresses it. A file system with a method
// Version() string (mobileweb.FS) has its files under "/v/<version>/" too.
func newStaticSite(web fs.FS) (*staticSite, error) {
	s := &staticSite{files: map[string]*staticFile{}}
	if v, ok := web.(interface{ Version() string }); ok {
		s.version = v.Version()
	}
	err := fs.WalkDir(web, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(web, name)
		if err != nil {
			return err
		}
		s.files["/"+name] = newStaticFile(name, body)
		return nil
	})
	return s, err
}

func newStaticFile(name string, body []byte) *staticFile {
	f := &staticFile{contentType: contentTypeOf(name)}
	sum := sha256.Sum256(body)
	tag := base64.RawURLEncoding.EncodeToString(sum[:16])
	if compressible(f.contentType) {
		compressions.Add(2)
		// A coding is kept only where it saves at least a twentieth.
		if br := fasthttp.AppendBrotliBytesLevel(nil, body, brotliQuality); len(br) < len(body)*19/20 {
			f.forms = append(f.forms, representation{coding: "br", body: br, etag: `"` + tag + `-br"`})
		}
		if gz := fasthttp.AppendGzipBytesLevel(nil, body, gzipLevel); len(gz) < len(body)*19/20 {
			f.forms = append(f.forms, representation{coding: "gzip", body: gz, etag: `"` + tag + `-gz"`})
		}
	}
	f.forms = append(f.forms, representation{body: body, etag: `"` + tag + `"`})
	return f
}

// contentTypeOf is a file's media type by its extension; the web app manifest's
// registered type is not among Go's.
func contentTypeOf(name string) string {
	switch ext := path.Ext(name); ext {
	case ".webmanifest":
		return "application/manifest+json"
	case ".js":
		return "text/javascript; charset=utf-8"
	default:
		if t := mime.TypeByExtension(ext); t != "" {
			return t
		}
		return "application/octet-stream"
	}
}

// compressible are the text types; images and fonts are compressed already.
func compressible(contentType string) bool {
	return strings.HasPrefix(contentType, "text/") || strings.Contains(contentType, "json") ||
		strings.Contains(contentType, "javascript") || strings.Contains(contentType, "xml") || strings.HasPrefix(contentType, "image/svg")
}

// serve answers GET and HEAD for the app's files; a path that is none of them goes on
// to the next handler (404, or 405 on a known route).
func (s *staticSite) serve(c *fiber.Ctx) error {
	p := c.Path()
	cache := cacheEntry
	if s.version != "" && strings.HasPrefix(p, versionedDir) {
		rest, ok := strings.CutPrefix(p, versionedDir+s.version+"/")
		if !ok {
			return c.Next()
		}
		p, cache = "/"+rest, cacheVersioned
	}
	if strings.HasSuffix(p, "/") {
		p += indexFile
	}
	f, ok := s.files[p]
	if !ok {
		return c.Next()
	}
	r := f.choose(c.Get(fiber.HeaderAcceptEncoding))
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	c.Set(fiber.HeaderCacheControl, cache)
	c.Set(fiber.HeaderETag, r.etag)
	if r.coding != "" {
		c.Set(fiber.HeaderContentEncoding, r.coding)
	}
	if matches(c.Get(fiber.HeaderIfNoneMatch), r.etag) {
		c.Status(fiber.StatusNotModified)
		return nil
	}
	c.Set(fiber.HeaderContentType, f.contentType)
	// The body is shared by every answer: fasthttp only reads it.
	c.Response().SetBodyRaw(r.body)
	return nil
}

// choose is the representation for an Accept-Encoding: the coding of the highest q-value
// the file has, brotli before gzip and either before the file as it is on a tie
// ("identity" is acceptable unless refused by name or by "*;q=0"); with none acceptable,
// the file as it is all the same (RFC 9110 §12.5.3 allows it).
func (f *staticFile) choose(accept string) representation {
	q := acceptedCodings(accept)
	best, bestQ := f.forms[len(f.forms)-1], q("identity")
	for _, r := range f.forms[:len(f.forms)-1] {
		if rq := q(r.coding); rq > 0 && (rq > bestQ || rq == bestQ && best.coding == "") {
			best, bestQ = r, rq
		}
	}
	return best
}

// identityUnnamed is the q-value of the file as it is when Accept-Encoding names neither
// it nor "*": acceptable (RFC 9110 §12.5.3), but after any coding the browser named, as
// below the smallest q-value one can write (0.001).
const identityUnnamed = 0.0005

// acceptedCodings reads an Accept-Encoding into the q-value of a coding: its own, else
// the one of "*", else 0 (identity: identityUnnamed). Names are case-insensitive; a
// q-value that does not parse counts as 0.
func acceptedCodings(header string) func(coding string) float64 {
	named := map[string]float64{}
	star := -1.0
	for _, item := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(item, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		qv := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || x < 0 || x > 1 {
					x = 0
				}
				qv = x
			}
		}
		if name == "*" {
			star = qv
		} else {
			named[name] = qv
		}
	}
	return func(coding string) float64 {
		if v, ok := named[coding]; ok {
			return v
		}
		if star >= 0 {
			return star
		}
		if coding == "identity" {
			return identityUnnamed
		}
		return 0
	}
}

// matches tells whether an If-None-Match holds etag, by the weak comparison (RFC 9110
// §13.1.2): "*", or any listed tag with or without W/.
func matches(ifNoneMatch, etag string) bool {
	for _, tag := range strings.Split(ifNoneMatch, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}
