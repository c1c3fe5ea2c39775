package boltstore_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Packages (directories under the module root) whose non-test source may import bbolt:
// the bbolt store itself (syncengine keeps the log, this package the rest). Tests may
// read the file themselves.
var boltAllowed = []string{
	"syncengine",
	"internal/boltstore",
}

// TestOnlyTheStoreUsesBolt keeps the store seam closed: a package other than the bbolt
// store that imports go.etcd.io/bbolt fails here, and so does an allowed package that no
// longer needs to (so that the list shrinks as packages move).
func TestOnlyTheStoreUsesBolt(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	users := map[string]bool{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == "go.etcd.io/bbolt" || strings.HasPrefix(p, "go.etcd.io/bbolt/") {
				rel, _ := filepath.Rel(root, filepath.Dir(path))
				users[filepath.ToSlash(rel)] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) == 0 {
		t.Fatal("no package imports bbolt: the walk found no source")
	}
	for pkg := range users {
		if !slices.Contains(boltAllowed, pkg) {
			t.Errorf("%s imports go.etcd.io/bbolt: keep its durable things behind a store interface implemented in internal/boltstore", pkg)
		}
	}
	for _, pkg := range boltAllowed {
		if !users[pkg] {
			t.Errorf("%s no longer imports go.etcd.io/bbolt: take it off boltAllowed", pkg)
		}
	}
}
