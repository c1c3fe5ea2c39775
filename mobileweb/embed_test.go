package mobileweb

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

var (
	scriptTag    = regexp.MustCompile(`(?is)<script\b([^>]*)>`)
	srcAttr      = regexp.MustCompile(`(?i)\ssrc\s*=`)
	styleAttr    = regexp.MustCompile(`(?i)\sstyle\s*=`)
	styleElement = regexp.MustCompile(`(?i)<style\b`)
	eventAttr    = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	stylesheet   = regexp.MustCompile(`(?i)<link\b[^>]*\bhref="([^"]+\.css)"`)
)

func readIndex(t *testing.T) string {
	t.Helper()
	b, err := fs.ReadFile(FS(), "index.html")
	if err != nil {
		t.Fatalf("FS() has no index.html: %v", err)
	}
	return string(b)
}

func TestIndexIsSwedish(t *testing.T) {
	page := readIndex(t)
	if !strings.Contains(page, `<html lang="sv">`) {
		t.Error(`index.html does not declare lang="sv" on <html>`)
	}
	if !strings.Contains(page, "<title>Vardag</title>") {
		t.Error("index.html has no <title>Vardag</title>")
	}
	if !strings.Contains(page, `href="/healthz"`) {
		t.Error("index.html does not link to /healthz")
	}
}

// The server sends a Content-Security-Policy without 'unsafe-inline', so inline
// scripts, inline styles and inline event handlers would be blocked.
func TestIndexHasNothingInline(t *testing.T) {
	page := readIndex(t)
	for _, m := range scriptTag.FindAllStringSubmatch(page, -1) {
		if !srcAttr.MatchString(m[1]) {
			t.Errorf("inline script (a <script> without src): %s", m[0])
		}
	}
	if loc := styleAttr.FindStringIndex(page); loc != nil {
		t.Errorf("style= attribute at byte %d", loc[0])
	}
	if styleElement.MatchString(page) {
		t.Error("<style> element in index.html; put styles in app.css")
	}
	if loc := eventAttr.FindStringIndex(page); loc != nil {
		t.Errorf("inline event handler attribute at byte %d", loc[0])
	}
}

func TestLinkedStylesheetsAreEmbedded(t *testing.T) {
	page := readIndex(t)
	for _, m := range stylesheet.FindAllStringSubmatch(page, -1) {
		name := strings.TrimPrefix(m[1], "/")
		if _, err := fs.Stat(FS(), name); err != nil {
			t.Errorf("index.html links %s, which is not embedded: %v", m[1], err)
		}
	}
}
