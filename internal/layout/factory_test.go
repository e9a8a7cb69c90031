package layout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// isFactoryType reports whether e is cmdutil.Factory or *cmdutil.Factory
// (Factory or *Factory inside cmdutil itself is not a command's).
func isFactoryType(e ast.Expr) bool {
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	sel, ok := e.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Factory" {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "cmdutil"
}

// factoryWrites lists the assignments in the Go source src that write a
// field of a cmdutil.Factory (or into one: f.IO.Out = …), as
// "FILE:LINE: f.Credential". A Factory is recognised by name: a
// parameter, variable or struct field declared in the file with that
// type (f, opts.Factory, c.f); without type information that is the
// honest reach, and a command names its Factory f. The fields are those
// the caller names.
func factoryWrites(t *testing.T, name, src string, fields map[string]bool) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{} // what holds a Factory in this file
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Field: // parameters, results, receivers, struct fields
			if isFactoryType(n.Type) {
				for _, id := range n.Names {
					names[id.Name] = true
				}
			}
		case *ast.ValueSpec:
			if n.Type != nil && isFactoryType(n.Type) {
				for _, id := range n.Names {
					names[id.Name] = true
				}
			}
		}
		return true
	})
	isFactory := func(e ast.Expr) bool {
		switch x := e.(type) {
		case *ast.Ident:
			return names[x.Name]
		case *ast.SelectorExpr:
			return names[x.Sel.Name]
		}
		return false
	}
	var out []string
	check := func(lhs ast.Expr) {
		for e := lhs; ; {
			switch x := e.(type) {
			case *ast.SelectorExpr:
				if fields[x.Sel.Name] && isFactory(x.X) {
					out = append(out, fmtPos(fset, x.Pos())+": "+exprString(x))
					return
				}
				e = x.X
				continue
			case *ast.IndexExpr:
				e = x.X
				continue
			case *ast.StarExpr:
				e = x.X
				continue
			}
			return
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				check(l)
			}
		case *ast.IncDecStmt:
			check(n.X)
		}
		return true
	})
	return out
}

func fmtPos(fset *token.FileSet, p token.Pos) string {
	pos := fset.Position(p)
	return filepath.Base(pos.Filename) + ":" + strconv.Itoa(pos.Line)
}

func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	}
	return "…"
}

// factoryFields are the field names of cmdutil.Factory, read from its
// source.
func factoryFields(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "cmdutil", "factory.go"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "factory.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if ts, ok := n.(*ast.TypeSpec); ok && ts.Name.Name == "Factory" {
			for _, fl := range ts.Type.(*ast.StructType).Fields.List {
				for _, id := range fl.Names {
					fields[id.Name] = true
				}
			}
			return false
		}
		return true
	})
	if len(fields) < 5 || !fields["Credential"] || !fields["IO"] {
		t.Fatalf("cmdutil.Factory's fields not found: %v", fields)
	}
	return fields
}

// The rule on the code it was written for: add.go's
// `f.Credential = authstore.WIFTarget` (before issue 24) is a write; what
// commands do with the Factory now is not.
func TestFactoryWritesRule(t *testing.T) {
	fields := map[string]bool{"Credential": true, "IO": true, "Resolve": true}
	src := `package add
func NewCmd(f *cmdutil.Factory) {
	run := func() {
		f.Credential = authstore.WIFTarget
		f.IO.Out = nil
	}
	opts := &Options{IO: f.IO, Getenv: f.Getenv}
	opts.Credential = "x"
	var g cmdutil.Factory
	g.Resolve = nil
	c := client{}
	c.f.Credential = ""
	r := newResolver()
	r.Credential = ""
	_ = run
}
type client struct{ f *cmdutil.Factory }
type Options struct{ Factory *cmdutil.Factory; Credential string }
func (o *Options) set() { o.Factory.Credential = "" }
`
	got := factoryWrites(t, "add.go", src, fields)
	want := []string{"add.go:4: f.Credential", "add.go:5: f.IO", "add.go:10: g.Resolve", "add.go:12: c.f.Credential", "add.go:19: o.Factory.Credential"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("factoryWrites = %q\nwant %q", got, want)
	}
}

// TestCommandsDoNotWriteTheFactory: the Factory is filled in by
// internal/cli/factory and the root (its global flags, the wiring
// between commands) before any command runs; a command that writes it
// (add.go once set f.Credential to check a WIF configuration) changes
// what every later use of it sees. A command takes what it needs into its
// Options and changes its copy (issue 24 item 1).
func TestCommandsDoNotWriteTheFactory(t *testing.T) {
	fields := factoryFields(t)
	var problems []string
	files := 0
	err := filepath.WalkDir(filepath.Join("..", "cli"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "root" || n == "factory" || n == "testdata" {
				return filepath.SkipDir // the two that wire the Factory
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for _, w := range factoryWrites(t, p, string(src), fields) {
			problems = append(problems, filepath.ToSlash(filepath.Dir(p))+"/"+w)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 20 {
		t.Fatalf("read only %d command files", files)
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Errorf("%s: a command writes the Factory; copy what you need into the command's Options instead", p)
	}
}
