// Package mobileweb holds the installable phone app, embedded in the server binary.
package mobileweb

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Static is the app as it is embedded, with every file under the static/ folder.
//
//go:embed static
var Static embed.FS

// serviceWorker is the file that FS templates: its cache version and precache list are
// filled in from the other files, so that any change to the app makes a new worker.
const serviceWorker = "sw.js"

var (
	fsOnce sync.Once
	fsApp  fs.FS
)

// FS returns the app's files rooted at static/, so that index.html is at the top
// and the server can serve the tree as it is. In it, sw.js has its placeholders
// "__VERSION__" and __PRECACHE__ replaced and index.html names the files under the
// version (see Template); its Version method tells the version.
func FS() fs.FS {
	fsOnce.Do(func() {
		sub, err := fs.Sub(Static, "static")
		if err != nil {
			// fs.Sub fails only for an invalid path, and "static" is a constant valid one.
			panic("mobileweb: " + err.Error())
		}
		t, err := Template(sub)
		if err != nil {
			panic("mobileweb: " + err.Error())
		}
		fsApp = t
	})
	return fsApp
}

// Template returns base with its sw.js templated: "__VERSION__" becomes the hex SHA-256
// over every other file (name and contents, in sorted order) and __PRECACHE__ the JSON
// list of the shell's URLs ("/" and every other file as "/path"); and, when base has an
// index.html, that page templated by Entry. The result has a method Version() string.
func Template(base fs.FS) (fs.FS, error) {
	version, shell, err := Shell(base)
	if err != nil {
		return nil, err
	}
	src, err := fs.ReadFile(base, serviceWorker)
	if err != nil {
		return nil, err
	}
	list, err := json.Marshal(shell)
	if err != nil {
		return nil, err
	}
	out := strings.Replace(string(src), `"__VERSION__"`, `"`+version+`"`, 1)
	out = strings.Replace(out, "__PRECACHE__", string(list), 1)
	t := &templatedFS{base: base, version: version, files: map[string][]byte{serviceWorker: []byte(out)}}
	if page, err := fs.ReadFile(base, entryPage); err == nil {
		if t.files[entryPage], err = Entry(base, page, version); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Shell returns the version of the app and the URLs of its shell, for the service worker.
func Shell(base fs.FS) (version string, urls []string, err error) {
	var names []string
	err = fs.WalkDir(base, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && name != serviceWorker {
			names = append(names, name)
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	sort.Strings(names)
	h := sha256.New()
	urls = []string{"/"}
	for _, name := range names {
		b, err := fs.ReadFile(base, name)
		if err != nil {
			return "", nil, err
		}
		// Length-prefixed so that no two different trees hash the same bytes.
		io.WriteString(h, name)
		h.Write([]byte{0})
		io.WriteString(h, strconv.Itoa(len(b)))
		h.Write([]byte{0})
		h.Write(b)
		urls = append(urls, "/"+name)
	}
	return hex.EncodeToString(h.Sum(nil)), urls, nil
}

// templatedFS serves base, except for the templated files (sw.js, index.html), which it
// serves from memory.
type templatedFS struct {
	base    fs.FS
	version string
	files   map[string][]byte
}

// Version is the app's version: the hex SHA-256 of its files (see Shell).
func (t *templatedFS) Version() string { return t.version }

func (t *templatedFS) Open(name string) (fs.File, error) {
	data, ok := t.files[name]
	if !ok {
		return t.base.Open(name)
	}
	f, err := t.base.Open(name)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	f.Close()
	if err != nil {
		return nil, err
	}
	return &memFile{Reader: bytes.NewReader(data), info: memInfo{FileInfo: info, size: int64(len(data))}}, nil
}

// memFile is a templated file; it can seek, as http.FS needs for ranges.
type memFile struct {
	*bytes.Reader
	info memInfo
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Close() error               { return nil }

type memInfo struct {
	fs.FileInfo
	size int64
}

func (i memInfo) Size() int64 { return i.size }
