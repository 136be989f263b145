package loadgen

import (
	"context"
	"net"
	"testing"
)

// TestRawPathChoice: the raw connection path is taken for IP targets,
// and not when Config.Dial is set (the network lab's sockets), for a host
// name, or with NetDialer.
func TestRawPathChoice(t *testing.T) {
	t.Parallel()
	dial := func(context.Context, *net.Dialer, string) (net.Conn, error) { return nil, nil }
	tests := []struct {
		name string
		cfg  Config
		want []bool
	}{
		{"IP targets", Config{Targets: []string{"127.0.0.1:443", "[::1]:443"}}, []bool{haveRawPath, haveRawPath}},
		{"a host name", Config{Targets: []string{"localhost:443", "127.0.0.2:443"}}, []bool{false, haveRawPath}},
		{"a Dial hook", Config{Targets: []string{"127.0.0.1:443"}, Dial: dial}, []bool{false}},
		{"net's dialer asked for", Config{Targets: []string{"127.0.0.1:443"}, NetDialer: true}, []bool{false}},
	}
	for _, tt := range tests {
		got := rawAddrs(&tt.cfg)
		for i, a := range got {
			if (a != nil) != tt.want[i] {
				t.Errorf("%s: target %d on the raw path: %v, want %v", tt.name, i, a != nil, tt.want[i])
			}
		}
	}
}

// TestRawDialConnects: many connections in a row to a server that writes
// and closes at once all connect and read what it wrote (a lost writable
// edge would leave a connect waiting until its timeout).
func TestRawDialConnects(t *testing.T) {
	if !haveRawPath {
		t.Skip("no raw path on this system")
	}
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { c.Write([]byte("hi")); c.Close() }()
		}
	}()
	a := ln.Addr().(*net.TCPAddr)
	for i := range 300 {
		c, err := rawDial(context.Background(), nil, a, 5e9)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		b := make([]byte, 8)
		if n, err := c.Read(b); n != 2 || err != nil {
			t.Fatalf("connection %d: read %d bytes, %v", i, n, err)
		}
		if la, ok := c.LocalAddr().(*net.TCPAddr); !ok || la.Port == 0 {
			t.Errorf("local address %v", c.LocalAddr())
		}
		c.Close()
	}
	if _, err := rawDial(context.Background(), nil, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, 5e9); Classify(err) != ErrRefused {
		t.Errorf("dial to a closed port: %v (%s), want refused", err, Classify(err))
	}
}
