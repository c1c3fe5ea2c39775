package mobileweb

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// TestThePageNamesItsFilesUnderTheVersionAndPreloadsItsModules: the served index.html
// names each of the app's files under /v/<version>/ (the manifest and /healthz by their
// own paths), and preloads, before its module, every module that module imports, however
// deep, so that the browser asks for them all at once; modules loaded only by import()
// are left for later.
func TestThePageNamesItsFilesUnderTheVersionAndPreloadsItsModules(t *testing.T) {
	version := FS().(interface{ Version() string }).Version()
	prefix := Versioned(version)
	if prefix != "/v/"+version+"/" {
		t.Fatalf("Versioned = %q", prefix)
	}
	page := readFile(t, "index.html")
	for _, m := range regexp.MustCompile(`(?:href|src)="(/[^"]*)"`).FindAllStringSubmatch(page, -1) {
		ref := m[1]
		if ref == "/manifest.webmanifest" || ref == "/healthz" {
			continue
		}
		name, ok := strings.CutPrefix(ref, prefix)
		if !ok {
			t.Errorf("index.html names %s, not under its version", ref)
			continue
		}
		if _, err := fs.Stat(FS(), name); err != nil {
			t.Errorf("index.html names %s, which the app does not have", ref)
		}
	}
	graph, err := importGraph(FS(), "js/main.js")
	if err != nil {
		t.Fatal(err)
	}
	if len(graph) < 20 {
		t.Fatalf("main.js's imports are %d modules: %v", len(graph), graph)
	}
	script := strings.Index(page, `<script type="module"`)
	for _, m := range graph {
		if m == "js/main.js" {
			continue
		}
		at := strings.Index(page, `<link rel="modulepreload" href="`+prefix+m+`">`)
		if at < 0 || at > script {
			t.Errorf("index.html does not preload %s before its module", m)
		}
	}
	if !strings.Contains(page, `<link rel="preload" href="`+prefix+`i18n/sv.json" as="fetch" type="application/json" crossorigin>`) {
		t.Error("index.html does not preload the Swedish messages")
	}
}

func TestImportGraphFollowsStaticImportsOnly(t *testing.T) {
	base := fstest.MapFS{
		"js/main.js":  {Data: []byte("import { a } from './a.js';\nimport './side.js';\nexport { b } from \"./ui/b.js\";\nconst later = () => import('./lazy.js');\nexport const from = 'x';\n")},
		"js/a.js":     {Data: []byte("import {\n  c,\n  d,\n} from '../vendor/c.js';\nexport const a = 1;\n")},
		"js/side.js":  {Data: []byte("")},
		"js/ui/b.js":  {Data: []byte("import { a } from '../a.js';\n")},
		"vendor/c.js": {Data: []byte("export const c = 1, d = 2;\n")},
		"js/lazy.js":  {Data: []byte("")},
	}
	got, err := importGraph(base, "js/main.js")
	if err != nil {
		t.Fatal(err)
	}
	if want := "js/a.js js/main.js js/side.js js/ui/b.js vendor/c.js"; strings.Join(got, " ") != want {
		t.Errorf("importGraph = %v, want %s", got, want)
	}
	base["js/side.js"] = &fstest.MapFile{Data: []byte("import x from 'bare';\n")}
	if _, err := importGraph(base, "js/main.js"); err == nil {
		t.Error("a bare specifier is not refused")
	}
}
