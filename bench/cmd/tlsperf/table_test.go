package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// TestSummary: one line per configuration, each tool's median CPU per
// handshake split into user and system, nginx's while it served tlsbench,
// and the ratios as the median of the rounds' ratios with their range.
func TestSummary(t *testing.T) {
	t.Parallel()
	c := config{Version: "1.3", Key: "ecdsa-p256"}
	m := func(tool string, round int, user, sys, srvUser, srvSys float64) measurement {
		return measurement{Config: c, Tool: tool, Round: round, Handshakes: 100,
			ClientCPUUSPerHS: user + sys, ClientUserUSPerHS: user, ClientSystemUSPerHS: sys,
			ServerCPUUSPerHS: srvUser + srvSys, ServerUserUSPerHS: srvUser, ServerSystemUSPerHS: srvSys}
	}
	ms := []measurement{
		m(toolTlsbench, 0, 300, 100, 350, 150), // 400 vs 500: 0.80
		m(toolH2load, 0, 600, 200, 300, 100),
		m(toolTlsbench, 1, 340, 120, 300, 100), // 460 vs 400: 1.15
		m(toolH2load, 1, 700, 220, 300, 100),
		m(toolTlsbench, 2, 320, 100, 350, 150), // 420 vs 500: 0.84
		m(toolH2load, 2, 640, 200, 300, 100),
		{Config: c, Tool: toolH2load, Round: 3, Error: "failed"}, // left out
	}
	var b bytes.Buffer
	writeSummary(&b, ms, []string{toolTlsbench, toolH2load}, 0)
	lines := strings.Split(b.String(), "\n")
	head, row := lines[0], lines[1]
	for _, want := range []string{"tlsbench", "nginx (serving tlsbench)", "h2load", "tlsbench/nginx", "tlsbench/h2load"} {
		if !strings.Contains(head, want) {
			t.Errorf("head lacks %q:\n%s", want, head)
		}
	}
	for _, want := range []string{
		"420 = 320+100",    // tlsbench's medians
		"500 = 350+150",    // nginx's
		"840 = 640+200",    // h2load's
		"0.84 [0.80–1.15]", // tlsbench/nginx, round by round
		"0.50 [0.50–0.50]", // tlsbench/h2load: 400/800, 460/920, 420/840
	} {
		if !strings.Contains(row, want) {
			t.Errorf("row lacks %q:\n%s", want, row)
		}
	}
	if !strings.Contains(b.String(), "TLS 1.3 ecdsa-p256 full: met, 0.84") {
		t.Errorf("no verdict of the target:\n%s", b.String())
	}
	if strings.Contains(b.String(), "tlsbench-lab reuses") {
		t.Error("the lab mode's note without the lab tool")
	}
}

// TestVerdict: a configuration over the target says by how much, and
// which part of the CPU is over nginx's.
func TestVerdict(t *testing.T) {
	t.Parallel()
	c := config{Version: "1.2", Key: "ecdsa-p256"}
	runs := []measurement{{ClientUserUSPerHS: 380, ClientSystemUSPerHS: 150, ServerUserUSPerHS: 400, ServerSystemUSPerHS: 110}}
	got := verdict(c, 1.03, runs)
	for _, want := range []string{"TLS 1.2 ecdsa-p256 full: MISSED by 3 % (1.03)", "user CPU -20 µs/hs", "system +40 µs/hs", "left: system: kernel work"} {
		if !strings.Contains(got, want) {
			t.Errorf("verdict lacks %q: %s", want, got)
		}
	}
	if strings.Contains(got, "user: the cryptography") {
		t.Errorf("user CPU under nginx's named as left: %s", got)
	}
	if got := verdict(c, 1.004, runs); !strings.Contains(got, "met, 1.00") {
		t.Errorf("a ratio shown as 1.00: %s", got)
	}
	if got := verdict(c, 1.006, runs); !strings.Contains(got, "MISSED by 1 % (1.01)") {
		t.Errorf("a ratio shown as 1.01: %s", got)
	}
}

// TestToolList: variants follow tlsbench unless -tools places them, the
// lab tool goes with -lab 0, and unknown tools are refused.
func TestToolList(t *testing.T) {
	t.Parallel()
	var vs []variant
	for _, s := range []string{"B=bin/b", "C=bin/c GOGC=400"} {
		if err := (variantFlag{&vs}).Set(s); err != nil {
			t.Fatal(err)
		}
	}
	if vs[1].env[0] != "GOGC=400" {
		t.Errorf("variant env %v", vs[1].env)
	}
	tests := []struct {
		tools []string
		lab   int
		want  []string
	}{
		{[]string{toolTlsbench, toolLab, toolH2load, toolSTime}, 64, []string{toolTlsbench, "B", "C", toolLab, toolH2load, toolSTime}},
		{[]string{toolTlsbench, toolLab, toolH2load}, 0, []string{toolTlsbench, "B", "C", toolH2load}},
		{[]string{"C", toolTlsbench}, 64, []string{"C", toolTlsbench, "B"}},
	}
	for _, tt := range tests {
		got, err := options{tools: tt.tools, lab: tt.lab, variants: vs}.toolList()
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("toolList(%v, lab %d) = %v, %v; want %v", tt.tools, tt.lab, got, err, tt.want)
		}
	}
	if _, err := (options{tools: []string{"wrk"}}).toolList(); err == nil {
		t.Error("an unknown tool was accepted")
	}
	for _, bad := range []string{"B", "=bin/b", "h2load=bin/x", "B=bin/b GOGC"} {
		if err := (variantFlag{&vs}).Set(bad); err == nil {
			t.Errorf("-variant %q accepted", bad)
		}
	}
}

// TestRotate: every tool runs first in turn.
func TestRotate(t *testing.T) {
	t.Parallel()
	tools := []string{"a", "b", "c"}
	for n, want := range [][]string{{"a", "b", "c"}, {"b", "c", "a"}, {"c", "a", "b"}, {"a", "b", "c"}} {
		if got := rotate(tools, n); !slices.Equal(got, want) {
			t.Errorf("rotate(%d) = %v, want %v", n, got, want)
		}
	}
}
