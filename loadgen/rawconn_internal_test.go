package loadgen

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
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

// serve accepts connections on a loopback port until the test ends, and
// runs handle on each in a goroutine of its own.
func serve(t *testing.T, handle func(net.Conn)) *net.TCPAddr {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}()
	return ln.Addr().(*net.TCPAddr)
}

// TestRawDialConnects: many connections in a row to a server that writes
// and closes at once all connect and read what it wrote (a lost writable
// edge would leave a connect waiting until its timeout).
func TestRawDialConnects(t *testing.T) {
	if !haveRawPath {
		t.Skip("no raw path on this system")
	}
	t.Parallel()
	a := serve(t, func(c net.Conn) { c.Write([]byte("hi")); c.Close() })
	var spare *rawConn
	for i := range 300 {
		c, err := rawDial(context.Background(), nil, a, 5e9, &spare)
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
	if _, err := rawDial(context.Background(), nil, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, 5e9, &spare); Classify(err) != ErrRefused {
		t.Errorf("dial to a closed port: %v (%s), want refused", err, Classify(err))
	}
}

// TestRawSocketReuse: a connection that the server ended with a reset
// (its close, then the client's write, as a client's close_notify after
// nginx's) leaves its socket to the next connection, which connects from
// a new port, reads and writes as a new socket's would, and so on; a
// connection the client closes first is closed with a FIN and leaves no
// spare; so does one with SetLinger, and one that Close closed; a refused
// connect on a reused socket is refused; a canceled context dials nothing.
func TestRawSocketReuse(t *testing.T) {
	if !haveRawPath {
		t.Skip("no raw path on this system")
	}
	t.Parallel()
	hold := make(chan bool, 1) // true: the next connection is held open
	eofs := make(chan error, 1)
	a := serve(t, func(c net.Conn) {
		select {
		case <-hold:
			b := make([]byte, 8)
			_, err := c.Read(b) // the client's FIN: io.EOF, not a reset
			eofs <- err
		default:
			c.Write([]byte("hi"))
		}
		c.Close()
	})
	var spare *rawConn
	ports := map[int]bool{}
	var first *rawConn
	for i := range 50 {
		c, err := rawDial(context.Background(), nil, a, 5e9, &spare)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		if i == 0 {
			first = c.(*rawConn)
		} else if c.(*rawConn) != first {
			t.Fatalf("connection %d: a new socket, want the first one again", i)
		}
		var soErr int
		c.(*rawConn).rc.Control(func(fd uintptr) { soErr, _ = getsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_ERROR) })
		if soErr != 0 {
			t.Fatalf("connection %d: a pending error on the reused socket: %v", i, syscall.Errno(soErr))
		}
		port := c.LocalAddr().(*net.TCPAddr).Port
		if ports[port] {
			t.Fatalf("connection %d: port %d again", i, port)
		}
		ports[port] = true
		b := make([]byte, 8)
		if n, err := c.Read(b); n != 2 || err != nil {
			t.Fatalf("connection %d: read %d bytes, %v", i, n, err)
		}
		if n, err := c.Read(b); n != 0 || err != io.EOF {
			t.Fatalf("connection %d: read %d bytes, %v; want EOF", i, n, err)
		}
		if _, err := c.Write([]byte("bye")); err != nil { // the server resets
			t.Fatalf("connection %d: write: %v", i, err)
		}
		c.(*rawConn).release()
		if spare != first {
			t.Fatalf("connection %d: not parked", i)
		}
		if err := c.Close(); err == nil {
			t.Fatalf("connection %d: a second Close succeeded", i)
		}
	}
	// The client closes first: a FIN, and no spare.
	hold <- true
	c, err := rawDial(context.Background(), nil, a, 5e9, &spare)
	if err != nil {
		t.Fatal(err)
	}
	c.(*rawConn).release()
	if err := <-eofs; err != io.EOF {
		t.Errorf("the server read %v after the client's close, want EOF (a FIN)", err)
	}
	if spare != nil {
		t.Errorf("a connection the client closed first was parked")
	}
	// SetLinger: closed, not parked.
	c, err = rawDial(context.Background(), nil, a, 5e9, &spare)
	if err != nil {
		t.Fatal(err)
	}
	c.(*rawConn).SetLinger(0)
	c.Read(make([]byte, 8))
	c.(*rawConn).release()
	if spare != nil {
		t.Errorf("a connection with SetLinger was parked")
	}
	// A reused socket's refused connect.
	c, err = rawDial(context.Background(), nil, a, 5e9, &spare)
	if err != nil {
		t.Fatal(err)
	}
	c.Read(make([]byte, 8))
	c.Read(make([]byte, 8))
	c.Write([]byte("bye"))
	c.(*rawConn).release()
	if spare == nil {
		t.Fatal("not parked")
	}
	if _, err := rawDial(context.Background(), nil, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, 5e9, &spare); Classify(err) != ErrRefused {
		t.Errorf("a reused socket's dial to a closed port: %v (%s), want refused", err, Classify(err))
	}
	if spare != nil {
		t.Errorf("a refused socket was kept")
	}
	// Close, from any goroutine, never parks; release after it does nothing.
	c, err = rawDial(context.Background(), nil, a, 5e9, &spare)
	if err != nil {
		t.Fatal(err)
	}
	c.Read(make([]byte, 8))
	c.Read(make([]byte, 8))
	c.Write([]byte("bye"))
	done := make(chan error)
	go func() { done <- c.Close() }()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	c.(*rawConn).release()
	if spare != nil {
		t.Errorf("a connection closed by Close was parked")
	}
	// A canceled context dials nothing.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := rawDial(ctx, nil, a, 5e9, &spare); !errors.Is(err, context.Canceled) {
		t.Errorf("a dial with a canceled context: %v, want context.Canceled", err)
	}
}

// TestRawDialWaits: a connect that the server leaves unanswered (its
// accept queue is full, so the kernel drops the SYN) waits, and ends at
// the dial timeout, or when ctx is canceled, with the error net's dialer
// gives.
func TestRawDialWaits(t *testing.T) {
	if !haveRawPath {
		t.Skip("no raw path on this system")
	}
	t.Parallel()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 1); err != nil { // never accepted
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	a := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sa.(*syscall.SockaddrInet4).Port}
	var spare *rawConn
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	// Fill the accept queue; then a connect stays in SYN_SENT.
	var err2 error
	for range 8 {
		var c net.Conn
		c, err2 = rawDial(context.Background(), nil, a, 300*time.Millisecond, &spare)
		if err2 != nil {
			break
		}
		held = append(held, c)
	}
	if err2 == nil || !errors.Is(err2, os.ErrDeadlineExceeded) {
		t.Fatalf("dials to a full accept queue: %d connected, then %v; want a timeout", len(held), err2)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err = rawDial(ctx, nil, a, time.Minute, &spare)
	if !errors.Is(err, context.Canceled) || time.Since(start) > 10*time.Second {
		t.Errorf("a canceled dial: %v after %v, want context.Canceled at once", err, time.Since(start))
	}
}
