package results

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestEveryWrittenCodeHasAMeaning reads the source of package bench and
// checks that every warning code they write (the
// first argument of bench's add helper, or a Code: field) is one of this
// package's WarningCode constants, never a bare string; then it reads this
// package's own source and checks that every WarningCode constant declared
// here has a meaning, so that charts and tables can explain each code.
func TestEveryWrittenCodeHasAMeaning(t *testing.T) {
	t.Parallel()
	// Package bench is where warnings are written; the packages below it
	// (testbed, realserver, netlab) cannot import results.
	var files []string
	all, err := filepath.Glob(filepath.Join("..", "bench", "*.go"))
	for _, path := range all {
		if !strings.HasSuffix(path, "_test.go") {
			files = append(files, path)
		}
	}
	if err != nil || len(files) == 0 {
		t.Fatalf("no bench sources: %v", err)
	}
	var found []string
	for _, path := range files {
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var expr ast.Expr
			switch n := n.(type) {
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Code" {
					expr = n.Value
				}
			case *ast.CallExpr:
				if fn, ok := n.Fun.(*ast.Ident); ok && fn.Name == "add" && len(n.Args) > 0 {
					expr = n.Args[0]
				}
			}
			switch e := expr.(type) {
			case *ast.BasicLit:
				t.Errorf("%s writes warning code %s as a string: use a results.Warn* constant", path, e.Value)
			case *ast.SelectorExpr:
				if x, ok := e.X.(*ast.Ident); ok && x.Name == "results" {
					found = append(found, e.Sel.Name)
				}
			}
			return true
		})
	}
	if len(found) < 15 {
		t.Errorf("found only %d warning codes in bench's sources (%v): the scan is broken", len(found), found)
	}

	// Every WarningCode constant declared in this package has a meaning.
	own, err := parser.ParseFile(token.NewFileSet(), "warnings.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]WarningCode{}
	for _, d := range own.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "WarningCode" || len(vs.Values) != len(vs.Names) {
				continue
			}
			for i, name := range vs.Names {
				if bl, ok := vs.Values[i].(*ast.BasicLit); ok {
					v, _ := strconv.Unquote(bl.Value)
					declared[name.Name] = WarningCode(v)
				}
			}
		}
	}
	if len(declared) < 15 {
		t.Fatalf("found only %d WarningCode constants in warnings.go: the scan is broken", len(declared))
	}
	for name, c := range declared {
		if c.Meaning() == "" {
			t.Errorf("%s (%q) has no meaning (add it to warningCodes)", name, c)
		}
	}
	for _, name := range found {
		if _, ok := declared[name]; !ok {
			t.Errorf("bench writes results.%s, which is not a WarningCode constant of warnings.go", name)
		}
	}
	seen := map[WarningCode]bool{}
	for _, c := range WarningCodes() {
		if seen[c] {
			t.Errorf("code %s is listed twice", c)
		}
		seen[c] = true
		if c.Meaning() == "" {
			t.Errorf("code %s has no meaning", c)
		}
	}
}

func TestWarningsAbout(t *testing.T) {
	t.Parallel()
	run := &Run{
		Phases: []Phase{{Name: "warmup"}, {Name: "measure", Measured: true}},
		Warnings: []Warning{
			{Code: WarnNodeFailed, Phase: "warmup"},
			{Code: WarnInsecureSkipVerify},
			{Code: WarnOtherLoad, Phase: "measure"},
			{Code: WarnErrors, Phase: "measure"},
			{Code: WarnOtherLoad, Phase: "measure"},
		},
	}
	codes := func(ws []Warning) []WarningCode { return Codes(ws) }
	tests := []struct {
		name string
		got  []WarningCode
		want []WarningCode
	}{
		{"measured", codes(run.MeasuredWarnings()), []WarningCode{WarnInsecureSkipVerify, WarnOtherLoad, WarnErrors}},
		{"all", codes(run.WarningsAbout(nil)), []WarningCode{WarnNodeFailed, WarnInsecureSkipVerify, WarnOtherLoad, WarnErrors}},
		{"warm-up", codes(run.WarningsAbout(func(p Phase) bool { return p.Name == "warmup" })), []WarningCode{WarnNodeFailed, WarnInsecureSkipVerify}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(tt.got, tt.want) {
				t.Errorf("codes = %v, want %v", tt.got, tt.want)
			}
		})
	}
	run.Partial, run.PartialReason = true, "interrupted by signal"
	ws := run.MeasuredWarnings()
	if last := ws[len(ws)-1]; last.Code != WarnPartial || last.Message != "the run was cut short: interrupted by signal" {
		t.Errorf("a partial run's last warning = %+v, want the partial one with its reason", last)
	}
	if WarningCode("from_a_newer_tlsbench").Meaning() != "" {
		t.Error("an unknown code has a meaning")
	}
}
