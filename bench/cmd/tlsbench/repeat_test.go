package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

func TestInterleave(t *testing.T) {
	t.Parallel()
	a, b := &scenarios.Scenario{Name: "a"}, &scenarios.Scenario{Name: "b"}
	var got []string
	for _, j := range interleave([]*scenarios.Scenario{a, b}, 3) {
		got = append(got, j.sc.Name+":"+string(rune('0'+j.repeat)))
	}
	if want := "a:1 b:1 a:2 b:2 a:3 b:3"; strings.Join(got, " ") != want {
		t.Errorf("interleave = %v, want %s", got, want)
	}
}

// TestRunRepeatPlots runs a short scenario twice with --repeat and
// --plots: two result files, the median table, and the charts listed and
// drawn. Which repeat a file holds is bench's to record (Run.Repeat and
// Repeats, as bench.Run sets them): main writes what bench returns.
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
	for _, want := range []string{"== repeat 2/2, [1/1] good-short", "median of 2 repeats", "charts in " + charts, filepath.Join(charts, "rate.png")} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(charts, "latency.svg")); err != nil {
		t.Error(err)
	}
}
