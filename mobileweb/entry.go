package mobileweb

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
)

// entryPage is the app's one page, the entry the browser asks for again on every visit.
const entryPage = "index.html"

// Versioned is the path under which the templated index.html names the app's files:
// "/v/<version>/". A file's content under one version never changes, so the server lets
// browsers keep those answers for a year; a new version is a new name. The page's
// modules import each other by relative specifiers ('./x.js'), so every module, the sync
// worker (new URL('./syncworker.js', import.meta.url)) and the message files the app
// fetches relative to its modules stay under the version the page named.
func Versioned(version string) string { return "/v/" + version + "/" }

// unversioned are the files index.html names by their plain path: the manifest (its id,
// start and scope are the app's, and the browser checks it for updates by its URL) and
// the service worker (its path is its scope).
var unversioned = map[string]bool{"manifest.webmanifest": true, serviceWorker: true}

var (
	// localRef is an href or src naming a path on the server.
	localRef = regexp.MustCompile(`\b(href|src)="/([^"/][^"]*)"`)
	// moduleScript is the page's module, the app's entry point.
	moduleScript = regexp.MustCompile(`(?m)^([ \t]*)<script type="module" src="/([^"]+)"></script>`)
	// staticImport is a module's static import or re-export (import … from '…',
	// import '…', export … from '…'); dynamic import() is left to load when it runs.
	staticImport = regexp.MustCompile(`(?m)^\s*(?:import|export)\b(?:[^'";]*?\bfrom\s*)?\s*['"]([^'"]+)['"]`)
)

// Entry returns the entry page templated for version: every file of base the page
// names by its plain path ("/app.css") is named under Versioned(version), and before
// the page's module script a <link rel="modulepreload"> names each module the entry
// module imports, directly or not, and a <link rel="preload"> the Swedish messages, so
// that the browser asks for all of them at once instead of one level of imports after
// another.
func Entry(base fs.FS, page []byte, version string) ([]byte, error) {
	prefix := Versioned(version)
	out := localRef.ReplaceAllStringFunc(string(page), func(ref string) string {
		m := localRef.FindStringSubmatch(ref)
		if unversioned[m[2]] {
			return ref
		}
		if info, err := fs.Stat(base, m[2]); err != nil || info.IsDir() {
			return ref // not one of the app's files (/healthz)
		}
		return m[1] + `="` + prefix + m[2] + `"`
	})
	script := moduleScript.FindStringSubmatch(string(page))
	if script == nil {
		return []byte(out), nil
	}
	modules, err := importGraph(base, script[2])
	if err != nil {
		return nil, err
	}
	var links strings.Builder
	for _, m := range modules {
		if m == script[2] {
			continue
		}
		fmt.Fprintf(&links, "%s<link rel=\"modulepreload\" href=\"%s%s\">\n", script[1], prefix, m)
	}
	if _, err := fs.Stat(base, "i18n/sv.json"); err == nil {
		fmt.Fprintf(&links, "%s<link rel=\"preload\" href=\"%si18n/sv.json\" as=\"fetch\" type=\"application/json\" crossorigin>\n", script[1], prefix)
	}
	tag := script[1] + `<script type="module" src="` + prefix + script[2] + `"></script>`
	return []byte(strings.Replace(out, tag, links.String()+tag, 1)), nil
}

// importGraph is every module that entry imports statically, directly or through
// others, and entry itself, sorted: the files the page needs before it runs.
func importGraph(base fs.FS, entry string) ([]string, error) {
	seen := map[string]bool{}
	todo := []string{entry}
	for len(todo) > 0 {
		name := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[name] {
			continue
		}
		seen[name] = true
		src, err := fs.ReadFile(base, name)
		if err != nil {
			return nil, fmt.Errorf("the page's modules: %w", err)
		}
		for _, m := range staticImport.FindAllStringSubmatch(string(src), -1) {
			spec := m[1]
			if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") {
				return nil, fmt.Errorf("the page's modules: %s imports %q, which is not relative", name, spec)
			}
			todo = append(todo, path.Join(path.Dir(name), spec))
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}
