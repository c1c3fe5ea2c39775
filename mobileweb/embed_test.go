package mobileweb

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

var (
	scriptTag     = regexp.MustCompile(`(?is)<script\b([^>]*)>`)
	srcAttr       = regexp.MustCompile(`(?i)\ssrc\s*=`)
	styleAttr     = regexp.MustCompile(`(?i)\sstyle\s*=`)
	styleElement  = regexp.MustCompile(`(?i)<style\b`)
	eventAttr     = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	stylesheet    = regexp.MustCompile(`(?i)<link\b[^>]*\bhref="([^"]+\.css)"`)
	javascriptURL = regexp.MustCompile(`(?i)(href|src)\s*=\s*"javascript:`)
	// importSpec finds a module's imports, static (import/export … from '…') and dynamic
	// (import('…')): the specifier is m[1]+m[2].
	importSpec = regexp.MustCompile(`(?m)(?:^|\s)(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)`)
)

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(FS(), name)
	if err != nil {
		t.Fatalf("FS() has no %s: %v", name, err)
	}
	return string(b)
}

// htmlFiles are every HTML page of the app; each is held to the same rules.
func htmlFiles(t *testing.T) []string {
	t.Helper()
	names, err := fs.Glob(FS(), "*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("no HTML files: %v", err)
	}
	return names
}

func TestIndexIsSwedish(t *testing.T) {
	page := readFile(t, "index.html")
	if !strings.Contains(page, `<html lang="sv">`) {
		t.Error(`index.html does not declare lang="sv" on <html>`)
	}
	if !strings.Contains(page, "<title>Vardag</title>") {
		t.Error("index.html has no <title>Vardag</title>")
	}
	// Without JavaScript the page still says, in Swedish, where the server's status is.
	if !strings.Contains(page, `href="/healthz"`) {
		t.Error("index.html does not link to /healthz")
	}
	if !strings.Contains(page, `<script type="module" src="`+Versioned(FS().(interface{ Version() string }).Version())+`js/main.js">`) {
		t.Error("index.html does not load the app as the module /v/<version>/js/main.js")
	}
	if !strings.Contains(page, `rel="manifest" href="/manifest.webmanifest"`) {
		t.Error("index.html does not link the web app manifest")
	}
}

// The server sends a Content-Security-Policy without 'unsafe-inline', so inline
// scripts, inline styles and inline event handlers would be blocked.
func TestHTMLHasNothingInline(t *testing.T) {
	for _, name := range htmlFiles(t) {
		page := readFile(t, name)
		for _, m := range scriptTag.FindAllStringSubmatch(page, -1) {
			if !srcAttr.MatchString(m[1]) {
				t.Errorf("%s: inline script (a <script> without src): %s", name, m[0])
			}
		}
		if loc := styleAttr.FindStringIndex(page); loc != nil {
			t.Errorf("%s: style= attribute at byte %d", name, loc[0])
		}
		if styleElement.MatchString(page) {
			t.Errorf("%s: <style> element; put styles in app.css", name)
		}
		if loc := eventAttr.FindStringIndex(page); loc != nil {
			t.Errorf("%s: inline event handler attribute at byte %d", name, loc[0])
		}
		if javascriptURL.MatchString(page) {
			t.Errorf("%s: javascript: URL", name)
		}
	}
}

func TestLinkedStylesheetsAreEmbedded(t *testing.T) {
	for _, name := range htmlFiles(t) {
		for _, m := range stylesheet.FindAllStringSubmatch(readFile(t, name), -1) {
			file := strings.TrimPrefix(strings.TrimPrefix(m[1], Versioned(FS().(interface{ Version() string }).Version())), "/")
			if _, err := fs.Stat(FS(), file); err != nil {
				t.Errorf("%s links %s, which is not embedded: %v", name, m[1], err)
			}
		}
	}
}

// The scripts may not build code from strings or write HTML from strings (the CSP
// forbids eval, and innerHTML with data would be an XSS hole), nor set inline styles
// through attributes.
func TestScriptsAvoidUnsafeAPIs(t *testing.T) {
	unsafe := regexp.MustCompile(`\beval\(|new Function\(|\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write\(|setAttribute\(\s*['"]style['"]`)
	walkJS(t, func(name, src string) {
		if strings.HasPrefix(name, "vendor/") {
			return
		}
		if loc := unsafe.FindStringIndex(src); loc != nil {
			t.Errorf("%s: unsafe API %q", name, src[loc[0]:loc[1]])
		}
	})
}

// Every relative import in the app's modules names an embedded file, so the app loads
// offline from the precache without a build step.
func TestModuleImportsResolve(t *testing.T) {
	walkJS(t, func(name, src string) {
		for _, m := range importSpec.FindAllStringSubmatch(src, -1) {
			spec := m[1] + m[2]
			if !strings.HasPrefix(spec, ".") {
				t.Errorf("%s imports %q: only relative imports work without a build step", name, spec)
				continue
			}
			dir := name[:strings.LastIndex(name, "/")+1]
			target := cleanPath(dir + spec)
			if _, err := fs.Stat(FS(), target); err != nil {
				t.Errorf("%s imports %q (%s), which is not embedded", name, spec, target)
			}
		}
	})
}

func TestVendoredIdbIsComplete(t *testing.T) {
	for _, name := range []string{"vendor/idb/index.js", "vendor/idb/LICENSE", "vendor/idb/README.md"} {
		if _, err := fs.Stat(FS(), name); err != nil {
			t.Errorf("%s is missing: %v", name, err)
		}
	}
	if !strings.Contains(readFile(t, "vendor/idb/README.md"), "8.0.4") {
		t.Error("vendor/idb/README.md does not name the version")
	}
}

func walkJS(t *testing.T, fn func(name, src string)) {
	t.Helper()
	err := fs.WalkDir(FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(name, ".js") {
			fn(name, readFile(t, name))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// cleanPath resolves "." and ".." in a slash path inside the FS.
func cleanPath(p string) string {
	var out []string
	for _, part := range strings.Split(p, "/") {
		switch part {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, part)
		}
	}
	return strings.Join(out, "/")
}
