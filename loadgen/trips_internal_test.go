package loadgen

import (
	"net"
	"testing"
)

// TestTripCountingDoesNotAllocate holds the counting of round trips and
// first flights to zero allocations per handshake: the wrapper is reset in
// place, and recording goes into fixed arrays and a histogram.
func TestTripCountingDoesNotAllocate(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go func() {
		buf := make([]byte, 64)
		for {
			n, err := b.Read(buf)
			if err != nil {
				return
			}
			if _, err := b.Write(buf[:n]); err != nil {
				return
			}
		}
	}()
	w := &worker{g: &Generator{cfg: Config{RoundTrips: true}}, stats: newStats(1, &latencies{})}
	w.stats.trips = newTripStats()
	msg, reply := []byte("hello"), make([]byte, 5)
	var o outcome
	n := testing.AllocsPerRun(200, func() {
		w.cc.reset(a)
		c := w.handshakeConn()
		c.Write(msg)
		c.Read(reply)
		w.endHandshake(&o)
		w.stats.record(&o)
	})
	if n != 0 {
		t.Errorf("counting allocates %.1f times per handshake, want 0", n)
	}
	if o.trips != 1 || o.flight != 5 {
		t.Errorf("one write and one read of 5 bytes: %d round trips, flight %d; want 1 and 5", o.trips, o.flight)
	}
}

// TestTripConn counts round trips as writes followed by reads, and the
// largest flight, over a scripted exchange.
func TestTripConn(t *testing.T) {
	tests := []struct {
		name   string
		ops    string // w: a write; digits: a read of that many bytes
		trips  int
		flight int64
	}{
		{"TLS 1.3 full", "w93w", 1, 12},
		{"TLS 1.2 full", "w55w2", 2, 10},
		{"HelloRetryRequest", "w1w88w", 2, 16},
		{"reads without a write", "4", 0, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &tripConn{Conn: scripted{}, on: true}
			for _, op := range tt.ops {
				if op == 'w' {
					c.Write([]byte{0})
				} else {
					c.Read(make([]byte, op-'0'))
				}
			}
			trips, flight := c.done()
			if trips != tt.trips || flight != tt.flight {
				t.Errorf("%q: %d round trips, flight %d; want %d, %d", tt.ops, trips, flight, tt.trips, tt.flight)
			}
			c.Write([]byte{0})
			c.Read(make([]byte, 9))
			if c.trips != trips {
				t.Errorf("counted after done: %d round trips", c.trips)
			}
		})
	}
}

// scripted is a connection whose reads fill the buffer and writes succeed.
type scripted struct{ net.Conn }

func (scripted) Read(b []byte) (int, error)  { return len(b), nil }
func (scripted) Write(b []byte) (int, error) { return len(b), nil }
