package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/results"
)

func TestRunRepeatPlots(t *testing.T) {
	out, charts := t.TempDir(), filepath.Join(t.TempDir(), "charts")
	code, stdout, stderr := runCLI(t, "run", "--repeat", "2", "--plots", charts, "-o", out,
		"--cert-dir", filepath.Join(t.TempDir(), "certs"), "testdata/good-short.yaml")
	if code != exitOK {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.json"))
	if len(files) != 2 {
		t.Fatalf("%d result files, want 2", len(files))
	}
	runs, err := results.ReadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	if set := results.NewSet(runs); len(set.Groups) != 1 || len(set.Groups[0].Runs) != 2 {
		t.Errorf("the two runs are not one group of repeats: %+v", set.Groups)
	}
	seen := map[int]bool{}
	for _, r := range runs {
		if r.Repeats != 2 {
			t.Errorf("%s: repeats = %d, want 2", r.Name(), r.Repeats)
		}
		seen[r.Repeat] = true
	}
	if !seen[1] || !seen[2] {
		t.Errorf("repeat numbers %v, want 1 and 2", seen)
	}
	for _, want := range []string{"== repeat 2/2, [1/1] good-short", "median of 2 repeats", "charts in " + charts, filepath.Join(charts, "rate.png")} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(charts, "latency.svg")); err != nil {
		t.Error(err)
	}
}
