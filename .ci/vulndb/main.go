// Command vulndb builds a Go vulnerability database in the v1 layout that
// `govulncheck -db file://DIR` reads, from a folder of OSV reports (the
// data/osv/ folder of the module golang.org/x/vulndb). It is used by
// .ci/govulncheck.
//
// It does what golang.org/x/vulndb/cmd/indexdb does (database.RawLoad, then
// Database.Write, minus the .json.gz copies), using only the standard
// library, so that CI need not download indexdb's ~60 dependency modules.
// The types and logic below are copies of the parts of vulndb's
// internal/osv, internal/osvutils, internal/version, internal/database and
// golang.org/x/mod/semver that indexdb uses; the output is byte-for-byte
// the same as indexdb's (checked against vulndb
// v0.0.0-20261105234957-e22db6528018). Those parts are
// Copyright 2018-2024 The Go Authors, BSD-style license (LICENSE, beside this file).
//
// Usage (from the repository root):
//
//	go run ./.ci/vulndb/main.go -vulns DIR -out DIR [-modified RFC3339]
//
// It writes, under -out:
//
//	index/db.json       {"modified": ...}: -modified if given, else (as
//	                    indexdb) the latest "modified" of any entry
//	index/modules.json  per module path, its vulns with id, modified, fixed
//	index/vulns.json    per vuln, its id, modified, aliases
//	ID/<id>.json        each OSV entry, re-encoded as indexdb does
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("vulndb: ")
	vulnsDir := flag.String("vulns", "", "directory containing JSON OSV files")
	outDir := flag.String("out", "", "directory to write the database to")
	modified := flag.String("modified", "", "RFC3339 time for index/db.json (default: the latest modified time of any entry)")
	flag.Parse()
	if *vulnsDir == "" {
		log.Fatal("flag -vulns must be set")
	}
	if *outDir == "" {
		log.Fatal("flag -out must be set")
	}
	if flag.NArg() != 0 {
		log.Fatalf("unexpected arguments: %q", flag.Args())
	}
	var dbModified time.Time
	if *modified != "" {
		t, err := time.Parse(time.RFC3339, *modified)
		if err != nil {
			log.Fatalf("-modified: %v", err)
		}
		dbModified = t.UTC()
	}
	db, err := rawLoad(*vulnsDir)
	if err != nil {
		log.Fatal(err)
	}
	if !dbModified.IsZero() {
		db.DB.Modified = Time{dbModified}
	}
	if err := db.write(*outDir); err != nil {
		log.Fatal(err)
	}
}

// --- internal/database ------------------------------------------------------

// Database represents a Go Vulnerability Database in the v1 schema.
type Database struct {
	DB      DBMeta
	Modules ModulesIndex
	Vulns   VulnsIndex
	Entries []Entry
}

// DBMeta is the index/db.json endpoint.
type DBMeta struct {
	Modified Time `json:"modified"`
}

// ModulesIndex maps module paths to module metadata; it marshals into the
// index/modules.json array.
type ModulesIndex map[string]*IndexModule

func (m ModulesIndex) MarshalJSON() ([]byte, error) {
	modules := make([]*IndexModule, 0, len(m))
	for _, module := range m {
		modules = append(modules, module)
	}
	slices.SortStableFunc(modules, func(m1, m2 *IndexModule) int {
		return strings.Compare(m1.Path, m2.Path)
	})
	for _, module := range modules {
		// Stable: an entry listing one module twice keeps its order.
		slices.SortStableFunc(module.Vulns, func(v1, v2 ModuleVuln) int {
			return strings.Compare(v1.ID, v2.ID)
		})
	}
	return json.Marshal(modules)
}

// IndexModule is a Go module with one or more vulnerabilities in the
// database (database.Module).
type IndexModule struct {
	Path  string       `json:"path"`
	Vulns []ModuleVuln `json:"vulns"`
}

// ModuleVuln is one vulnerability of a module in the modules index.
type ModuleVuln struct {
	ID       string `json:"id"`
	Modified Time   `json:"modified"`
	// Fixed is the latest version that fixes the vulnerability (SemVer,
	// no "v"), empty if there is none.
	Fixed string `json:"fixed,omitempty"`
}

// VulnsIndex maps vulnerability IDs to metadata; it marshals into the
// index/vulns.json array.
type VulnsIndex map[string]*Vuln

func (v VulnsIndex) MarshalJSON() ([]byte, error) {
	vulns := make([]*Vuln, 0, len(v))
	for _, vuln := range v {
		vulns = append(vulns, vuln)
	}
	slices.SortStableFunc(vulns, func(v1, v2 *Vuln) int {
		return strings.Compare(v1.ID, v2.ID)
	})
	return json.Marshal(vulns)
}

// Vuln is one vulnerability in the vulns index.
type Vuln struct {
	ID       string   `json:"id"`
	Modified Time     `json:"modified"`
	Aliases  []string `json:"aliases,omitempty"`
}

func (db *Database) add(entry Entry) error {
	if _, ok := db.Vulns[entry.ID]; ok {
		return fmt.Errorf("id %q appears twice in database", entry.ID)
	}
	db.Vulns[entry.ID] = &Vuln{ID: entry.ID, Modified: entry.Modified, Aliases: entry.Aliases}
	db.Entries = append(db.Entries, entry)
	for _, affected := range entry.Affected {
		path := affected.Module.Path
		module, ok := db.Modules[path]
		if !ok {
			module = &IndexModule{Path: path, Vulns: []ModuleVuln{}}
			db.Modules[path] = module
		}
		module.Vulns = append(module.Vulns, ModuleVuln{
			ID:       entry.ID,
			Modified: entry.Modified,
			Fixed:    latestFixed(affected.Ranges),
		})
	}
	if entry.Modified.After(db.DB.Modified.Time) {
		db.DB.Modified = entry.Modified
	}
	return nil
}

// rawLoad reads every *.json file under vulnsPath (recursively, in lexical
// order; "index.json" is skipped) as an OSV entry, as database.RawLoad does.
func rawLoad(vulnsPath string) (*Database, error) {
	db := &Database{Modules: ModulesIndex{}, Vulns: VulnsIndex{}}
	err := filepath.WalkDir(vulnsPath, func(path string, f fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := f.Name()
		if f.IsDir() || name == "index.json" || filepath.Ext(name) != ".json" {
			return nil
		}
		content, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("could not unmarshal %q: %v", path, err)
		}
		var entry Entry
		if err := json.Unmarshal(content, &entry); err != nil {
			return fmt.Errorf("could not unmarshal %q: %v", path, err)
		}
		return db.add(entry)
	})
	if err != nil {
		return nil, fmt.Errorf("RawLoad(%q): %w", vulnsPath, err)
	}
	return db, nil
}

func (db *Database) write(dir string) error {
	indexDir := filepath.Join(dir, "index")
	idDir := filepath.Join(dir, "ID")
	for _, d := range []string{indexDir, idDir} {
		if err := os.MkdirAll(d, 0755); err != nil {
			return fmt.Errorf("failed to create directory %q: %s", d, err)
		}
	}
	if err := writeJSON(filepath.Join(indexDir, "db.json"), db.DB); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(indexDir, "modules.json"), db.Modules); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(indexDir, "vulns.json"), db.Vulns); err != nil {
		return err
	}
	for _, entry := range db.Entries {
		if err := writeJSON(filepath.Join(idDir, entry.ID+".json"), entry); err != nil {
			return err
		}
	}
	return nil
}

func writeJSON(filename string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(filename, b, 0644)
}

// --- internal/osvutils, internal/version, x/mod/semver ------------------------

// latestFixed is osvutils.LatestFixed: the latest "fixed" of the SEMVER
// ranges, or "" if the vulnerability is re-introduced after it.
func latestFixed(ranges []Range) string {
	var latest string
	for _, r := range ranges {
		if r.Type == RangeTypeSemver {
			for _, e := range r.Events {
				if fixed := e.Fixed; fixed != "" && versionBefore(latest, fixed) {
					latest = fixed
				}
			}
			for _, e := range r.Events {
				if introduced := e.Introduced; introduced != "" && introduced != "0" && versionBefore(latest, introduced) {
					latest = ""
					break
				}
			}
		}
	}
	return latest
}

// versionBefore is version.Before: v < v2 as SemVer without the "v".
func versionBefore(v, v2 string) bool {
	return semverCompare("v"+v, "v"+v2) < 0
}

// semverCompare is golang.org/x/mod/semver.Compare. An invalid version is
// less than a valid one; all invalid versions compare equal.
func semverCompare(v, w string) int {
	pv, ok1 := semverParse(v)
	pw, ok2 := semverParse(w)
	if !ok1 && !ok2 {
		return 0
	}
	if !ok1 {
		return -1
	}
	if !ok2 {
		return +1
	}
	if c := compareInt(pv.major, pw.major); c != 0 {
		return c
	}
	if c := compareInt(pv.minor, pw.minor); c != 0 {
		return c
	}
	if c := compareInt(pv.patch, pw.patch); c != 0 {
		return c
	}
	return comparePrerelease(pv.prerelease, pw.prerelease)
}

type semver struct {
	major, minor, patch, short, prerelease, build string
}

func semverParse(v string) (p semver, ok bool) {
	if v == "" || v[0] != 'v' {
		return
	}
	p.major, v, ok = parseInt(v[1:])
	if !ok {
		return
	}
	if v == "" {
		p.minor = "0"
		p.patch = "0"
		p.short = ".0.0"
		return
	}
	if v[0] != '.' {
		ok = false
		return
	}
	p.minor, v, ok = parseInt(v[1:])
	if !ok {
		return
	}
	if v == "" {
		p.patch = "0"
		p.short = ".0"
		return
	}
	if v[0] != '.' {
		ok = false
		return
	}
	p.patch, v, ok = parseInt(v[1:])
	if !ok {
		return
	}
	if len(v) > 0 && v[0] == '-' {
		p.prerelease, v, ok = parsePrerelease(v)
		if !ok {
			return
		}
	}
	if len(v) > 0 && v[0] == '+' {
		p.build, v, ok = parseBuild(v)
		if !ok {
			return
		}
	}
	if v != "" {
		ok = false
		return
	}
	ok = true
	return
}

func parseInt(v string) (t, rest string, ok bool) {
	if v == "" {
		return
	}
	if v[0] < '0' || '9' < v[0] {
		return
	}
	i := 1
	for i < len(v) && '0' <= v[i] && v[i] <= '9' {
		i++
	}
	if v[0] == '0' && i != 1 {
		return
	}
	return v[:i], v[i:], true
}

func parsePrerelease(v string) (t, rest string, ok bool) {
	if v == "" || v[0] != '-' {
		return
	}
	i := 1
	start := 1
	for i < len(v) && v[i] != '+' {
		if !isIdentChar(v[i]) && v[i] != '.' {
			return
		}
		if v[i] == '.' {
			if start == i || isBadNum(v[start:i]) {
				return
			}
			start = i + 1
		}
		i++
	}
	if start == i || isBadNum(v[start:i]) {
		return
	}
	return v[:i], v[i:], true
}

func parseBuild(v string) (t, rest string, ok bool) {
	if v == "" || v[0] != '+' {
		return
	}
	i := 1
	start := 1
	for i < len(v) {
		if !isIdentChar(v[i]) && v[i] != '.' {
			return
		}
		if v[i] == '.' {
			if start == i {
				return
			}
			start = i + 1
		}
		i++
	}
	if start == i {
		return
	}
	return v[:i], v[i:], true
}

func isIdentChar(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-'
}

func isBadNum(v string) bool {
	i := 0
	for i < len(v) && '0' <= v[i] && v[i] <= '9' {
		i++
	}
	return i == len(v) && i > 1 && v[0] == '0'
}

func isNum(v string) bool {
	i := 0
	for i < len(v) && '0' <= v[i] && v[i] <= '9' {
		i++
	}
	return i == len(v)
}

func compareInt(x, y string) int {
	if x == y {
		return 0
	}
	if len(x) < len(y) {
		return -1
	}
	if len(x) > len(y) {
		return +1
	}
	if x < y {
		return -1
	}
	return +1
}

func comparePrerelease(x, y string) int {
	if x == y {
		return 0
	}
	if x == "" {
		return +1
	}
	if y == "" {
		return -1
	}
	for x != "" && y != "" {
		x = x[1:] // skip - or .
		y = y[1:] // skip - or .
		var dx, dy string
		dx, x = nextIdent(x)
		dy, y = nextIdent(y)
		if dx != dy {
			ix := isNum(dx)
			iy := isNum(dy)
			if ix != iy {
				if ix {
					return -1
				}
				return +1
			}
			if ix {
				if len(dx) < len(dy) {
					return -1
				}
				if len(dx) > len(dy) {
					return +1
				}
			}
			if dx < dy {
				return -1
			}
			return +1
		}
	}
	if x == "" {
		return -1
	}
	return +1
}

func nextIdent(x string) (dx, rest string) {
	i := 0
	for i < len(x) && x[i] != '.' {
		i++
	}
	return x[:i], x[i:]
}

// --- internal/osv ----------------------------------------------------------------
// The entry types, field for field: decoding a report into them and encoding
// it again is what gives ID/<id>.json its exact bytes (field order, dropped
// unknown fields, times normalised to UTC seconds).

// RangeType is the version type of a Range.
type RangeType string

// RangeTypeSemver: SemVer 2.0.0 versions without the "v".
const RangeTypeSemver RangeType = "SEMVER"

// Ecosystem is the library ecosystem; always "Go" here.
type Ecosystem string

// Module is the affected Go module ("package" in OSV).
type Module struct {
	Path      string    `json:"name"`
	Ecosystem Ecosystem `json:"ecosystem"`
}

// RangeEvent introduces or fixes a vulnerability.
type RangeEvent struct {
	Introduced string `json:"introduced,omitempty"`
	Fixed      string `json:"fixed,omitempty"`
}

// Range is a list of affected-version events.
type Range struct {
	Type   RangeType    `json:"type"`
	Events []RangeEvent `json:"events"`
}

// ReferenceType is a reference (link) type.
type ReferenceType string

// Reference is a link to more information.
type Reference struct {
	Type ReferenceType `json:"type"`
	URL  string        `json:"url"`
}

// Affected is one affected module of an entry.
type Affected struct {
	Module            Module             `json:"package"`
	Ranges            []Range            `json:"ranges,omitempty"`
	EcosystemSpecific *EcosystemSpecific `json:"ecosystem_specific,omitempty"`
}

// Package is an affected package of a module.
type Package struct {
	Path    string   `json:"path"`
	GOOS    []string `json:"goos,omitempty"`
	GOARCH  []string `json:"goarch,omitempty"`
	Symbols []string `json:"symbols,omitempty"`
}

// EcosystemSpecific holds the Go-specific details of an affected module.
type EcosystemSpecific struct {
	Packages     []Package `json:"imports,omitempty"`
	CustomRanges []Range   `json:"custom_ranges,omitempty"`
}

// Entry is a vulnerability in the Go OSV format.
type Entry struct {
	SchemaVersion    string            `json:"schema_version,omitempty"`
	ID               string            `json:"id"`
	Modified         Time              `json:"modified,omitempty"`
	Published        Time              `json:"published,omitempty"`
	Withdrawn        *Time             `json:"withdrawn,omitempty"`
	Aliases          []string          `json:"aliases,omitempty"`
	Related          []string          `json:"related,omitempty"`
	Summary          string            `json:"summary,omitempty"`
	Details          string            `json:"details"`
	Affected         []Affected        `json:"affected"`
	References       []Reference       `json:"references,omitempty"`
	Credits          []Credit          `json:"credits,omitempty"`
	DatabaseSpecific *DatabaseSpecific `json:"database_specific,omitempty"`
}

// Credit credits an individual or entity.
type Credit struct {
	Name string `json:"name"`
}

// DatabaseSpecific holds Go-database-specific details of an entry.
type DatabaseSpecific struct {
	URL          string       `json:"url,omitempty"`
	ReviewStatus ReviewStatus `json:"review_status,omitempty"`
}

// Time marshals and unmarshals RFC3339 strings in UTC, to the second.
type Time struct {
	time.Time
}

func (t Time) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.UTC().Format(time.RFC3339))
}

func (t *Time) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	parsed, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return err
	}
	t.Time = parsed.UTC()
	return nil
}

// ReviewStatus is "", "UNREVIEWED" or "REVIEWED"; anything else is an error.
type ReviewStatus int

var statusStrs = []string{"", "UNREVIEWED", "REVIEWED"}

func (r ReviewStatus) isValid() bool { return int(r) >= 0 && int(r) < len(statusStrs) }

func (r ReviewStatus) MarshalJSON() ([]byte, error) {
	if !r.isValid() {
		return nil, fmt.Errorf("MarshalJSON: unrecognized review status: %d", r)
	}
	return json.Marshal(statusStrs[r])
}

func (r *ReviewStatus) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for stat, str := range statusStrs {
		if s == str {
			*r = ReviewStatus(stat)
			return nil
		}
	}
	return fmt.Errorf("UnmarshalJSON: unrecognized review status: %s", s)
}
