package loadgen_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync/atomic"
	"testing"

	"github.com/tlsbench/tlsbench/loadgen"
)

// TestDialHook: with Config.Dial set, every connection is dialled through
// it with the worker's dialer, and its failures are counted as connect
// errors.
func TestDialHook(t *testing.T) {
	t.Parallel()
	addr, pool := server(t)
	tests := []struct {
		name       string
		fail       bool
		wantFailed int64
	}{
		{"dials", false, 0},
		{"fails", true, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			var badDialer atomic.Bool
			cfg := config(addr, pool, tls.VersionTLS13, false)
			cfg.Dial = func(ctx context.Context, d *net.Dialer, address string) (net.Conn, error) {
				calls.Add(1)
				if d.Timeout != cfg.ConnectTimeout || d.KeepAlive >= 0 || address != addr {
					badDialer.Store(true)
				}
				if tt.fail {
					return nil, errors.New("no route to the lab")
				}
				return d.DialContext(ctx, "tcp", address)
			}
			g, err := loadgen.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ph, err := g.Run(context.Background(), loadgen.Phase{Name: "measure", Count: 20}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := calls.Load(); got != 20 {
				t.Errorf("Dial called %d times, want 20 (one per connection)", got)
			}
			if badDialer.Load() {
				t.Error("Dial was not given the worker's dialer (timeout, no keep-alive) and the target")
			}
			if ph.Handshakes.Failed != tt.wantFailed || ph.Handshakes.Completed() != 20-tt.wantFailed {
				t.Errorf("handshakes %+v, want %d failed", ph.Handshakes, tt.wantFailed)
			}
			if tt.fail && (len(ph.ErrorDetails) == 0 || ph.ErrorDetails[0].Stage != "connect") {
				t.Errorf("errors %+v, want connect-stage failures", ph.ErrorDetails)
			}
		})
	}
}
