package results

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestEveryWrittenCodeHasAMeaning reads the source of package bench and
// the packages below it and checks that every code they write as a literal (the
// first argument of bench's add helper, or a Code: field) is a known code
// with a meaning, so that charts and tables can explain it.
func TestEveryWrittenCodeHasAMeaning(t *testing.T) {
	t.Parallel()
	var files []string
	err := filepath.WalkDir(filepath.Join("..", "bench"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			files = append(files, path)
		}
		return err
	})
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
			var lit ast.Expr
			switch n := n.(type) {
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Code" {
					lit = n.Value
				}
			case *ast.CallExpr:
				if fn, ok := n.Fun.(*ast.Ident); ok && fn.Name == "add" && len(n.Args) > 0 {
					lit = n.Args[0]
				}
			}
			if bl, ok := lit.(*ast.BasicLit); ok && bl.Kind == token.STRING {
				code, _ := strconv.Unquote(bl.Value)
				found = append(found, code)
				if WarningCode(code).Meaning() == "" {
					t.Errorf("%s writes warning code %q, which has no meaning in results (add it to warningCodes)", path, code)
				}
			}
			return true
		})
	}
	if len(found) < 15 {
		t.Errorf("found only %d warning codes in bench's sources (%v): the scan is broken", len(found), found)
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
