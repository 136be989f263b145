package bench_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// module is this module's path.
const module = "github.com/tlsbench/tlsbench"

// deps is the allowed direction of imports (shared/style.md), as data: each
// package may import the names listed for it and, transitively, whatever
// those may import. "stdlib" is Go's standard library; other names are
// packages of this module or the external libraries in externals.
var deps = map[string][]string{
	"loadgen/clock":      {"stdlib"},
	"scenarios/kex":      {"stdlib"},
	"scenarios/tlsfleet": {"stdlib"},
	"results":            {"stdlib", "hdrhistogram"},
	"scenarios":          {"stdlib", "yaml", "scenarios/kex", "scenarios/tlsfleet"},
	"bench/testbed":      {"stdlib", "scenarios/tlsfleet", "loadgen/clock"},
	"bench/realserver":   {"stdlib", "scenarios/tlsfleet"},
	"bench/netlab":       {"stdlib", "netlink", "netns", "xsys"},
	"bench/check":        {"loadgen"},
	"loadgen":            {"results", "utls", "scenarios/kex", "scenarios/tlsfleet", "loadgen/clock"},
	"plots":              {"results", "gonum"},
	"results/report":     {"results"},
	"bench":              {"scenarios", "loadgen", "results", "bench/testbed", "bench/realserver", "bench/netlab"},
	"bench/cmd/tlsperf":  {"bench", "results", "scenarios"},
	"bench/k8s":          {"stdlib", "k8sapi", "k8smachinery", "k8syaml"},
	"bench/progress":     {"bench", "progressbar"},
	"bench/cmd/tlsbench": {"bench", "bench/check", "bench/k8s", "bench/progress", "plots", "results", "results/report", "cli"},
}

// externals maps a library's name in deps to its import path prefix.
var externals = map[string]string{
	"hdrhistogram": "github.com/HdrHistogram/hdrhistogram-go",
	"yaml":         "github.com/goccy/go-yaml",
	"gonum":        "gonum.org/v1/plot",
	"progressbar":  "github.com/schollz/progressbar/v3",
	"cli":          "github.com/spf13/cobra",
	"utls":         "github.com/refraction-networking/utls",
	"netlink":      "github.com/vishvananda/netlink",
	"netns":        "github.com/vishvananda/netns",
	"xsys":         "golang.org/x/sys",
	"k8sapi":       "k8s.io/api",
	"k8smachinery": "k8s.io/apimachinery",
	"k8syaml":      "sigs.k8s.io/yaml",
}

// allowed returns every name pkg may import, transitively.
func allowed(pkg string) map[string]bool {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		for _, d := range deps[p] {
			if !seen[d] {
				seen[d] = true
				walk(d)
			}
		}
	}
	walk(pkg)
	return seen
}

func nameOf(importPath string) string {
	if first, _, _ := strings.Cut(importPath, "/"); !strings.Contains(first, ".") {
		return "stdlib"
	}
	if rest, ok := strings.CutPrefix(importPath, module+"/"); ok {
		return rest
	}
	for name, prefix := range externals {
		if importPath == prefix || strings.HasPrefix(importPath, prefix+"/") {
			return name
		}
	}
	return importPath
}

// TestImportDirection fails when a package's non-test imports break the
// allowed direction scenarios → bench → loadgen → results → plots.
func TestImportDirection(t *testing.T) {
	root := ".."
	imports := map[string][]string{} // package dir -> import paths
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir, _ := filepath.Rel(root, filepath.Dir(path))
		for _, imp := range f.Imports {
			imports[filepath.ToSlash(dir)] = append(imports[filepath.ToSlash(dir)], strings.Trim(imp.Path.Value, `"`))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for dir, paths := range imports {
		if _, ok := deps[dir]; !ok {
			t.Errorf("package %s is not in the allowed-imports table: add it to deps (and to style.md)", dir)
			continue
		}
		ok := allowed(dir)
		for _, p := range paths {
			if n := nameOf(p); !ok[n] {
				t.Errorf("%s imports %s (%s), which it may not: allowed are %v", dir, p, n, keys(ok))
			}
		}
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the walk did not start at the module root: %v", err)
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestImportRuleCatchesViolations checks the checker: a reverse import is
// refused and a transitive one allowed.
func TestImportRuleCatchesViolations(t *testing.T) {
	tests := []struct {
		pkg, imp string
		ok       bool
	}{
		{"loadgen", module + "/results", true},
		{"loadgen", "github.com/HdrHistogram/hdrhistogram-go", true}, // via results
		{"results", module + "/loadgen", false},
		{"loadgen", module + "/scenarios", false},
		{"plots", module + "/bench", false},
		{"bench/testbed", "github.com/goccy/go-yaml", false},
		{"bench/netlab", "github.com/vishvananda/netlink", true},
		{"bench/netlab", module + "/scenarios", false},
		{"bench/cmd/tlsbench", module + "/scenarios", true}, // via bench
		{"scenarios", "crypto/tls", true},
		{"scenarios/kex", module + "/results", false},
		{"scenarios/tlsfleet", module + "/scenarios/kex", false},
		{"bench/testbed", module + "/scenarios/kex", false},
		{"bench/check", module + "/scenarios/kex", true}, // via loadgen
		{"bench/k8s", "k8s.io/api/batch/v1", true},
		{"bench/k8s", module + "/bench", false}, // a leaf: only main imports it
		{"bench", module + "/bench/k8s", false},
	}
	for _, tt := range tests {
		if got := allowed(tt.pkg)[nameOf(tt.imp)]; got != tt.ok {
			t.Errorf("%s importing %s: allowed = %v, want %v", tt.pkg, tt.imp, got, tt.ok)
		}
	}
}
