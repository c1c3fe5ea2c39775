package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// bodyReaders are the methods of fiber.Ctx and fasthttp's Request that hand out a request
// body, some of them unpacked without a limit.
var bodyReaders = map[string]bool{
	"Body": true, "BodyRaw": true, "BodyParser": true, "PostBody": true, "BodyStream": true,
	"BodyGunzip": true, "BodyInflate": true, "BodyUnbrotli": true, "BodyUnzstd": true, "BodyUncompressed": true,
}

// TestOnlyRawBodyReadsARequestBody: no handler reads a request body but through rawBody
// (util.go), the one reader that refuses stacked content codings and caps what it unpacks
// at the body limit. Fiber's c.Body() unpacks every layer without a limit: one call to it
// let 1,885 bytes of gzip become 1 GiB in memory. In util.go the only reading allowed is
// c.Request().Body(), the bytes as they arrived.
func TestOnlyRawBodyReadsARequestBody(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !bodyReaders[sel.Sel.Name] {
				return true
			}
			if name == "util.go" && sel.Sel.Name == "Body" && isRequestCall(sel.X) {
				return true
			}
			t.Errorf("%s: %s reads the request body itself; read it with rawBody (or bindJSON)", fset.Position(call.Pos()), sel.Sel.Name)
			return true
		})
	}
	if checked < 10 {
		t.Fatalf("only %d source files found: not run in the package directory?", checked)
	}
}

// isRequestCall tells whether x is a call of a method named Request (c.Request()).
func isRequestCall(x ast.Expr) bool {
	call, ok := x.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Request" && len(call.Args) == 0
}
