// Package contract checks that what the server does and what its contract says agree:
// every route the server answers is in docs/openapi.yaml and every route there is served;
// every error code is in the one catalogue (internal/codes), nowhere written as a
// literal, documented in docs/openapi.yaml and given Swedish and English words in the
// phone app; and every list of allowed values (enum) the contract gives is the server's.
package contract

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"vardag/internal/accesslog"
	"vardag/internal/deviations"
	"vardag/internal/signing"
	"vardag/test/testserver"
)

const root = "../.."

// catalogue is every code of internal/codes: the value of each constant.
func catalogue(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, "internal/codes/codes.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{} // value → constant
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("codes.%s is not a string literal", name.Name)
				}
				v, _ := strconv.Unquote(lit.Value)
				if prev, dup := codes[v]; dup {
					t.Errorf("code %q is both codes.%s and codes.%s", v, prev, name.Name)
				}
				codes[v] = name.Name
			}
		}
	}
	if len(codes) < 50 {
		t.Fatalf("the catalogue holds only %d codes", len(codes))
	}
	return codes
}

// openapi is docs/openapi.yaml as a tree.
func openapi(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "docs/openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	return doc
}

// at walks the tree by keys.
func at(t *testing.T, node any, path ...string) any {
	t.Helper()
	for i, k := range path {
		m, ok := node.(map[string]any)
		if !ok {
			t.Fatalf("openapi: %s is not a map", strings.Join(path[:i], "."))
		}
		if node, ok = m[k]; !ok {
			t.Fatalf("openapi: no %s", strings.Join(path[:i+1], "."))
		}
	}
	return node
}

func enum(t *testing.T, node any, path ...string) []string {
	t.Helper()
	raw, ok := at(t, node, append(path, "enum")...).([]any)
	if !ok {
		t.Fatalf("openapi: %s.enum is not a list", strings.Join(path, "."))
	}
	var out []string
	for _, v := range raw {
		out = append(out, v.(string))
	}
	return out
}

// Every code the server can answer is in the catalogue, and the contract lists exactly
// the catalogue: the HTTP errors' codes and the rejected mutations' codes together.
func TestEveryCodeIsInTheCatalogueAndTheContract(t *testing.T) {
	codes := catalogue(t)
	doc := openapi(t)
	httpCodes := enum(t, doc, "components", "schemas", "Error", "properties", "error", "properties", "code")
	rejections := enum(t, doc, "components", "schemas", "MutationError", "properties", "code")
	documented := map[string]bool{}
	for _, c := range append(slices.Clone(httpCodes), rejections...) {
		documented[c] = true
		if _, ok := codes[c]; !ok {
			t.Errorf("openapi lists %q, which is not in internal/codes", c)
		}
	}
	for _, c := range slices.Sorted(maps.Keys(codes)) {
		if !documented[c] {
			t.Errorf("codes.%s (%q) is in neither enum of docs/openapi.yaml (Error.error.code, MutationError.code)", codes[c], c)
		}
	}
}

// No code is written as a literal outside the catalogue: not in an api.Error, a
// syncengine.Rejection nor a syncengine.Reject call.
func TestNoCodeIsWrittenOutsideTheCatalogue(t *testing.T) {
	codes := catalogue(t)
	for _, dir := range []string{"server", "internal", "syncengine"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
				strings.Contains(path, "internal/codes") {
				return err
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CompositeLit:
					if name := typeName(n.Type); name == "Error" || name == "Rejection" {
						for _, el := range n.Elts {
							if kv, ok := el.(*ast.KeyValueExpr); ok && isIdent(kv.Key, "Code") && isString(kv.Value) {
								t.Errorf("%s: the code of a %s written as a literal; use the catalogue (internal/codes)", rel, name)
							}
						}
					}
				case *ast.CallExpr:
					if typeName(n.Fun) == "Reject" && len(n.Args) > 0 && isString(n.Args[0]) {
						t.Errorf("%s: Reject with a literal code; use the catalogue (internal/codes)", rel)
					}
				case *ast.BinaryExpr:
					// rej.Code == "…"
					for _, side := range []ast.Expr{n.X, n.Y} {
						if lit, ok := side.(*ast.BasicLit); ok && lit.Kind == token.STRING {
							if v, _ := strconv.Unquote(lit.Value); codes[v] != "" && (n.Op == token.EQL || n.Op == token.NEQ) {
								t.Errorf("%s: compares with the code %q as a literal; use codes.%s", rel, v, codes[v])
							}
						}
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func typeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	}
	return ""
}

func isIdent(e ast.Expr, name string) bool { id, ok := e.(*ast.Ident); return ok && id.Name == name }

func isString(e ast.Expr) bool { lit, ok := e.(*ast.BasicLit); return ok && lit.Kind == token.STRING }

// Every code has words in Swedish and English in the phone app, so that a phone never
// shows the server's English sentence.
func TestEveryCodeHasSwedishAndEnglishText(t *testing.T) {
	codes := catalogue(t)
	for _, lang := range []string{"sv", "en"} {
		b, err := os.ReadFile(filepath.Join(root, "mobileweb/static/i18n", lang+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var messages map[string]string
		if err := json.Unmarshal(b, &messages); err != nil {
			t.Fatal(err)
		}
		for _, c := range slices.Sorted(maps.Keys(codes)) {
			if strings.TrimSpace(messages["error."+c]) == "" {
				t.Errorf("%s.json has no text for error.%s", lang, c)
			}
		}
	}
}

// Every route the server answers is in the contract with its method, and every route the
// contract gives is answered.
func TestEveryRouteIsInTheContract(t *testing.T) {
	s := testserver.Start(t)
	paths := at(t, openapi(t), "paths").(map[string]any)
	param := regexp.MustCompile(`:([a-z_]+)`)
	served := map[string]bool{}
	for _, r := range s.Fiber.GetRoutes(true) {
		if r.Method == "USE" || r.Method == http.MethodHead || strings.Contains(r.Path, "*") {
			continue // middleware, HEAD beside each GET, the phone app's files
		}
		path := param.ReplaceAllString(r.Path, "{$1}")
		key := strings.ToLower(r.Method) + " " + path
		served[key] = true
		ops, ok := paths[path].(map[string]any)
		if !ok {
			t.Errorf("%s %s is served but not in docs/openapi.yaml", r.Method, path)
			continue
		}
		if _, ok := ops[strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s is served but docs/openapi.yaml does not give that method", r.Method, path)
		}
	}
	for path, ops := range paths {
		for method := range ops.(map[string]any) {
			if !slices.Contains([]string{"get", "post", "put", "patch", "delete"}, method) {
				continue
			}
			if !served[method+" "+path] {
				t.Errorf("docs/openapi.yaml gives %s %s, which the server does not serve", strings.ToUpper(method), path)
			}
		}
	}
}

// Every list of allowed values the contract gives is the server's list.
func TestEnumsAreTheServers(t *testing.T) {
	doc := openapi(t)
	schema := func(name string, path ...string) []string {
		return enum(t, doc, append([]string{"components", "schemas", name, "properties"}, path...)...)
	}
	var areas []string
	for _, list := range deviations.Areas {
		for _, a := range list {
			if !slices.Contains(areas, a) {
				areas = append(areas, a)
			}
		}
	}
	for _, tc := range []struct {
		name          string
		contract, own []string
	}{
		{"deviation type", schema("DeviationReportArgs", "type"), deviations.Types},
		{"deviation activity", schema("DeviationReportArgs", "activity"), deviations.Activities},
		{"deviation area", schema("DeviationReportArgs", "area"), areas},
		{"involved_professions", schema("DeviationReportArgs", "involved_professions", "items"), deviations.Professions},
		{"lex Sarah / lex Maria", schema("DeviationAnalyseArgs", "lex_sarah_or_maria"), deviations.LexAssessments},
		{"analysis status", schema("DeviationAnalyseArgs", "status"), deviations.AnalysisStatuses},
		{"signing outcome", schema("SigningSignArgs", "outcome"), signing.Outcomes},
		{"what was read", schema("AccessViewedArgs", "what"), accesslog.Screens},
	} {
		if !sameSet(tc.contract, tc.own) {
			t.Errorf("%s: docs/openapi.yaml lists %v, the server %v", tc.name, tc.contract, tc.own)
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
