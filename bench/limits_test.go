package bench

import (
	"strings"
	"testing"
)

func TestLimitsCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		l           limits
		concurrency int
		want        string // "" for no error
	}{
		{"room", limits{files: 1024, ports: 28232}, 16, ""},
		{"unknown limits", limits{}, 100000, ""},
		{"too few files", limits{files: 1024, ports: 28232}, 2000, "needs about 2064 open files, but the limit is 1024: raise it (ulimit -n 2064)"},
		{"too few ports", limits{files: 1 << 20, ports: 1000}, 5000, "needs as many local ports, but net.ipv4.ip_local_port_range holds 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.l.check(tt.concurrency)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("check(%d) = %v, want no error", tt.concurrency, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("check(%d) = %v, want an error containing %q", tt.concurrency, err, tt.want)
			}
		})
	}
}

func TestReadLimits(t *testing.T) {
	t.Parallel()
	l := readLimits()
	if l.files == 0 || l.ports == 0 {
		t.Errorf("readLimits() = %+v, want both read on Linux", l)
	}
}
