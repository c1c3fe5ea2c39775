package mobileweb

import (
	"regexp"
	"strings"
	"testing"
)

// The phone app's structure (see README.md, Layout): one module per job, the screens
// reach the app through the bus, the service worker names the store through the module
// the page uses. These tests guard it; they read the files as embedded.

// maxModuleLines is the most lines a module of the app may have: past it, a module is
// doing more than one job and is split.
const maxModuleLines = 350

// importsOf are the embedded paths a module imports (static and dynamic, relative).
func importsOf(name, src string) []string {
	dir := name[:strings.LastIndex(name, "/")+1]
	var out []string
	for _, m := range importSpec.FindAllStringSubmatch(src, -1) {
		if spec := m[1] + m[2]; strings.HasPrefix(spec, ".") {
			out = append(out, cleanPath(dir+spec))
		}
	}
	return out
}

// appModules calls fn for every script of the app's own (not the vendored libraries).
func appModules(t *testing.T, fn func(name, src string)) {
	t.Helper()
	n := 0
	walkJS(t, func(name, src string) {
		if !strings.HasPrefix(name, "vendor/") {
			n++
			fn(name, src)
		}
	})
	if n < 20 {
		t.Fatalf("only %d scripts found; is the walk right?", n)
	}
}

func TestNoScreenImportsTheApp(t *testing.T) {
	screens := 0
	appModules(t, func(name, src string) {
		if strings.HasPrefix(name, "js/ui/") {
			screens++
		}
		for _, target := range importsOf(name, src) {
			// main.js boots the app and imports the screens; a module importing it back
			// is a cycle. The screens ask it through the bus (bus.js: ask/handle).
			if target == "js/main.js" {
				t.Errorf("%s imports main.js: reach the app through bus.js instead", name)
			}
		}
	})
	if screens < 10 {
		t.Errorf("only %d screens (js/ui/*.js) found", screens)
	}
}

func TestServiceWorkerNamesTheStoreByImport(t *testing.T) {
	sw := readFile(t, "sw.js")
	if !strings.Contains(strings.Join(importsOf("sw.js", sw), " "), "js/store.js") {
		t.Error("sw.js does not import js/store.js, the store module the page uses")
	}
	name := regexp.MustCompile(`export const DB_NAME = '([^']+)'`).FindStringSubmatch(readFile(t, "js/store.js"))
	if name == nil {
		t.Fatal("js/store.js does not export DB_NAME")
	}
	for _, q := range []string{`'`, `"`, "`"} {
		if strings.Contains(sw, q+name[1]+q) {
			t.Errorf("sw.js names the database by the literal %s%s%s", q, name[1], q)
		}
	}
	if strings.Contains(sw, "indexedDB.open(") {
		t.Error("sw.js opens IndexedDB by hand: it goes through js/store.js")
	}
	if !regexp.MustCompile(`import \{[^}]*\bDB_NAME\b[^}]*\} from './store\.js'`).MatchString(readFile(t, "js/db.js")) {
		t.Error("js/db.js does not take DB_NAME from js/store.js: the page and the worker would name the store apart")
	}
	// Nothing else opens or deletes a store by a name of its own.
	literal := regexp.MustCompile("(?:indexedDB\\.open|openDB|deleteDB)\\(\\s*['\"`]")
	appModules(t, func(name, src string) {
		if loc := literal.FindStringIndex(src); loc != nil {
			t.Errorf("%s: %q names a database by a literal", name, src[loc[0]:loc[1]])
		}
	})
}

func TestModulesStaySmall(t *testing.T) {
	appModules(t, func(name, src string) {
		if n := strings.Count(src, "\n"); n > maxModuleLines {
			t.Errorf("%s has %d lines, more than %d: one job per module", name, n, maxModuleLines)
		}
	})
}
