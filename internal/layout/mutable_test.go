package layout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// mutableKind is "slice" or "map" when a package-level variable declared
// as spec (the i-th name) holds one, else "".
func mutableKind(spec *ast.ValueSpec, i int) string {
	kind := func(e ast.Expr) string {
		switch t := e.(type) {
		case *ast.ArrayType:
			if t.Len == nil {
				return "slice"
			}
		case *ast.MapType:
			return "map"
		}
		return ""
	}
	if spec.Type != nil {
		return kind(spec.Type)
	}
	if i >= len(spec.Values) {
		return ""
	}
	switch v := spec.Values[i].(type) {
	case *ast.CompositeLit:
		return kind(v.Type)
	case *ast.CallExpr:
		if id, ok := v.Fun.(*ast.Ident); ok && (id.Name == "make" || id.Name == "append") && len(v.Args) > 0 {
			if id.Name == "append" {
				return "slice"
			}
			return kind(v.Args[0])
		}
	}
	return ""
}

// mutableExports lists the exported package-level slice and map variables
// of the Go source src, as "NAME (slice)".
func mutableExports(t *testing.T, name, src string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if k := mutableKind(vs, i); k != "" && n.IsExported() {
					out = append(out, n.Name+" ("+k+")")
				}
			}
		}
	}
	return out
}

func TestMutableExportsRule(t *testing.T) {
	src := `package p
var Modes = []string{"a"}
var Table = map[string]int{}
var (
	Made   = make([]int, 3)
	Grown  = append(Modes, "b")
	Typed  []string
	hidden = []string{"x"}
	Err    = errors.New("e")
	Fixed  = [2]string{"a", "b"}
)
var Version = ""
`
	got := mutableExports(t, "p.go", src)
	want := []string{"Modes (slice)", "Table (map)", "Made (slice)", "Grown (slice)", "Typed (slice)"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("mutableExports = %q, want %q", got, want)
	}
}

// TestNoExportedMutableSlices: a list another package can read (tool
// names, permission modes) is a function returning a fresh slice, or
// unexported: an exported slice or map variable can be changed by any
// caller, for every other caller (issue 24 item 6).
func TestNoExportedMutableSlices(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	files := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); p != root && (n == "testdata" || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := readFile(p)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(root, p)
		for _, v := range mutableExports(t, p, src) {
			problems = append(problems, rel+": "+v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("read only %d Go files under %s", files, root)
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Errorf("%s is an exported variable any caller can change: make it a function that returns a fresh copy, or unexported", p)
	}
}
