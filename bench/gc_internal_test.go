package bench

import (
	"runtime/debug"
	"strings"
	"testing"
)

// TestSizeGC: a run of few clients collects less often, one of many keeps
// Go's default, a GOGC the user set stands, and each run puts the
// previous target back.
func TestSizeGC(t *testing.T) {
	t.Setenv("GOGC", "") // unset for the first cases (LookupEnv sees "")
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	tests := []struct {
		name    string
		gogc    string
		clients int
		want    int
		words   string
	}{
		{"a few clients", "", 64, gcPercentFew, "up to 10000 clients"},
		{"the limit", "", gcFewClients, gcPercentFew, "up to 10000 clients"},
		{"many clients", "", 100_000, 100, "Go's default"},
		{"the user's GOGC", "250", 64, 250, "GOGC=250 (the user's)"},
		{"the user's GOGC off", "off", 64, -1, "GOGC=off"},
	}
	for _, tt := range tests {
		t.Setenv("GOGC", tt.gogc)
		if tt.gogc != "" {
			if tt.gogc == "off" {
				debug.SetGCPercent(-1)
			} else {
				debug.SetGCPercent(250)
			}
		} else {
			debug.SetGCPercent(100)
		}
		prev := gcTarget()
		got, restore := sizeGC(tt.clients)
		if got != tt.want {
			t.Errorf("%s: target %d, want %d", tt.name, got, tt.want)
		}
		if now := gcPercentNow(); now != got {
			t.Errorf("%s: the collector's target is %d, sizeGC says %d", tt.name, now, got)
		}
		if d := gcDescription(got); !strings.Contains(d, tt.words) {
			t.Errorf("%s: %q lacks %q", tt.name, d, tt.words)
		}
		restore()
		if now := gcTarget(); now != prev {
			t.Errorf("%s: after the run the target is %d, want %d back", tt.name, now, prev)
		}
	}
}

// gcTarget reads the collector's target.
func gcTarget() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}
