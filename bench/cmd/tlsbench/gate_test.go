package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tlsbench/tlsbench/results"
)

// lastLine is the last line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// shortScenario writes good-short.yaml with extra lines into a temporary
// directory and returns its path.
func shortScenario(t *testing.T, name, extra string) string {
	t.Helper()
	base, err := os.ReadFile("testdata/good-short.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(p, append(base, []byte(extra)...), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestThresholds: a threshold that holds exits 0, one that is crossed
// exits 4 and its last line names the threshold and the measured value;
// both are in the result's .thresholds[].
func TestThresholds(t *testing.T) {
	t.Parallel()
	certs := filepath.Join(t.TempDir(), "certs")
	tests := []struct {
		name     string
		expr     string
		code     int
		pass     bool
		lastLine string
	}{
		{"holds", ">= 99%", exitOK, true, ""},
		{"crossed", "<= 50%", exitGate, false, "threshold crossed: measure: resumed_share 100 % (<= 50%): crossed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			sc := shortScenario(t, "thresholds-"+tt.name, "thresholds: {resumed_share: \""+tt.expr+"\"}\n")
			code, stdout, stderr := runCLI(t, "run", "--progress", "off", "-o", out, "--cert-dir", certs, sc)
			if code != tt.code {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if tt.lastLine != "" && !strings.HasSuffix(lastLine(stderr), tt.lastLine) {
				t.Errorf("last line %q, want it to end in %q", lastLine(stderr), tt.lastLine)
			}
			if want := "threshold measure: resumed_share 100 % (" + tt.expr + ")"; !strings.Contains(stdout, want) {
				t.Errorf("the summary does not say %q:\n%s", want, stdout)
			}
			files, _ := filepath.Glob(filepath.Join(out, "*.json"))
			if len(files) != 1 {
				t.Fatalf("%d result files, want 1", len(files))
			}
			run, err := results.Read(files[0])
			if err != nil {
				t.Fatal(err)
			}
			if len(run.Thresholds) != 1 || run.Thresholds[0].Pass != tt.pass || run.Thresholds[0].Value == nil || *run.Thresholds[0].Value != 100 {
				t.Errorf(".thresholds = %+v, want one check of 100 %% with pass %v", run.Thresholds, tt.pass)
			}
		})
	}
}

// TestNothingMeasured: a run whose measured phase completed no handshake
// (a closed port) writes its result, exits 1 and says why last.
func TestNothingMeasured(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	code, _, stderr := runCLI(t, "run", "--progress", "off", "-o", out, "--target", "127.0.0.1:1", "testdata/good-short.yaml")
	if code != exitFailure {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", code, exitFailure, stderr)
	}
	if want := "good-short: no handshake completed in measured phase measure: measured nothing (100 connections started, failed: refused 100)"; !strings.Contains(lastLine(stderr), want) {
		t.Errorf("last line %q, want it to hold %q", lastLine(stderr), want)
	}
	if files, _ := filepath.Glob(filepath.Join(out, "*.json")); len(files) != 1 {
		t.Errorf("%d result files, want 1", len(files))
	}
}

// TestCompareFailOn: B better exits 0, B worse beyond noise exits 4
// naming the metric.
func TestCompareFailOn(t *testing.T) {
	t.Parallel()
	full := runFiles(t, "*-tls13-rsa-full.json")[0]
	resumed := runFiles(t, "*-tls13-rsa-resumed.json")[0]
	if code, _, stderr := runCLI(t, "compare", "--fail-on", "rate,cpu_server", full, resumed); code != exitOK {
		t.Errorf("B better: exit code %d, want 0; stderr:\n%s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, "compare", "--fail-on", "rate", resumed, full)
	if code != exitGate {
		t.Errorf("B worse: exit code %d, want %d; stderr:\n%s", code, exitGate, stderr)
	}
	if !strings.Contains(stdout, "rate") || !strings.HasPrefix(lastLine(stderr), "B is worse than A beyond noise: rate: ") && !strings.HasPrefix(lastLine(stderr), "tlsbench: B is worse than A beyond noise: rate: ") {
		t.Errorf("B worse: stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	if code, _, _ := runCLI(t, "compare", "--fail-on", "bytes_c2s", resumed, full); code != exitOK {
		t.Errorf("B worse on another metric than --fail-on's: exit code %d, want 0", code)
	}
}

// TestRunWide: the default summary tables fit 120 characters; --wide
// shows every column.
func TestRunWide(t *testing.T) {
	t.Parallel()
	certs := filepath.Join(t.TempDir(), "certs")
	tables := func(stdout string) (lines []string) {
		for l := range strings.Lines(stdout) {
			if !strings.HasPrefix(l, "warning") && !strings.HasPrefix(l, "negotiated") && !strings.HasPrefix(l, "==") {
				lines = append(lines, strings.TrimSuffix(l, "\n"))
			}
		}
		return lines
	}
	_, def, _ := runCLI(t, "run", "--progress", "off", "-o", t.TempDir(), "--cert-dir", certs, "testdata/good-short.yaml", "testdata/good-short.yaml")
	for _, l := range tables(def) {
		if n := utf8.RuneCountInString(l); n > 120 {
			t.Errorf("default view: a line of %d characters:\n%s", n, l)
		}
	}
	_, wide, _ := runCLI(t, "run", "--wide", "--progress", "off", "-o", t.TempDir(), "--cert-dir", certs, "testdata/good-short.yaml", "testdata/good-short.yaml")
	for _, h := range []string{"scenario", "phase", "resumed/offered", "server full/resumed", "connect p50/p99 µs", "handshake p50/p99/p99.9 µs", "full hs p50 µs", "bytes/hs c→s/s→c", "errors"} {
		if !strings.Contains(wide, h) {
			t.Errorf("--wide lacks column %q:\n%s", h, wide)
		}
		if h != "scenario" && h != "phase" && strings.Contains(def, h) {
			t.Errorf("the default view shows %q, a --wide column", h)
		}
	}
}
