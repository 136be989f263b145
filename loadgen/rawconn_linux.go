package loadgen

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// The raw connection path (Linux; see rawDial): a connection's socket,
// connect, reads, writes and close are made with raw syscalls, which do
// not tell the Go scheduler that the goroutine is in a syscall, while the
// waits (for the connect to complete, for data, for room to write) stay
// with the runtime's network poller, deadlines and all.
//
// Why: on loopback a connect() runs the whole TCP handshake, the server's
// half included, inside the syscall (about 40 µs here), and a write runs
// the server's receive path. The runtime's monitor (sysmon) takes the P
// from a goroutine that has been in a syscall for more than 20 µs while
// other goroutines wait to run, and hands it to another OS thread; the
// syscall's thread then finds its P gone, queues its goroutine and
// sleeps. With the workers of a load generator always runnable, that
// happens on most connects and many writes: thread wake-ups (futex), the
// monitor's own 20 µs sleeps, and context switches, all for syscalls that
// never block (the sockets are non-blocking). A raw syscall keeps its P:
// nothing else of the process runs during it, which is what a
// single-threaded client (h2load, nginx's worker) does too.
//
// The connection behaves as net's: the same errors (a *net.OpError
// wrapping an *os.SyscallError, os.ErrDeadlineExceeded for a deadline,
// io.EOF), deadlines, SO_LINGER for a reset close, a source address. It
// skips what the run does not use: getsockname and getpeername after
// connect (LocalAddr is read only when asked for).

// rawConn is a TCP connection on the raw path.
type rawConn struct {
	f        *os.File // registers the socket with the poller; its deadlines are the connection's
	rc       syscall.RawConn
	family   int
	laddr    *net.TCPAddr // the source address, when bound
	raddr    *net.TCPAddr
	closed   atomic.Bool // by Close (any goroutine) or release (the worker's)
	lingered bool        // SetLinger was called: release closes the socket
	spare    **rawConn   // where release parks the socket for the next connection; nil: it closes it

	// The current operation's buffer, result and error, for the callbacks
	// (fields, so that the callbacks are made once per connection).
	buf   []byte
	n     int
	errno syscall.Errno
	readF func(uintptr) bool
	writF func(uintptr) bool
}

// rawSyscall is syscall.RawSyscall: a syscall the scheduler is not told
// about. Only for syscalls that do not block (non-blocking sockets).
func rawSyscall(trap, a1, a2, a3 uintptr) (uintptr, syscall.Errno) {
	r, _, e := syscall.RawSyscall(trap, a1, a2, a3)
	return r, e
}

// rawDial connects to addr (an IP and port) from src (nil: the kernel's
// choice) with a non-blocking socket; ctx and timeout bound the connect.
//
// A worker's connections take turns on one socket where they can (see
// park): spare is the worker's slot for it.
func rawDial(ctx context.Context, src *net.TCPAddr, addr *net.TCPAddr, timeout time.Duration, spare **rawConn) (net.Conn, error) {
	family := syscall.AF_INET
	if addr.IP.To4() == nil {
		family = syscall.AF_INET6
	}
	fail := func(call string, e error) error {
		op := &net.OpError{Op: "dial", Net: "tcp", Addr: addr, Err: os.NewSyscallError(call, e)}
		if src != nil {
			op.Source = src
		}
		return op
	}
	if err := ctx.Err(); err != nil { // as net's dialer: nothing is dialled
		op := &net.OpError{Op: "dial", Net: "tcp", Addr: addr, Err: err}
		if src != nil {
			op.Source = src
		}
		return nil, op
	}
	var c *rawConn
	if sp := *spare; sp != nil && sp.family == family && src == nil {
		*spare = nil
		c = sp
		if e := c.connectAgain(addr); e != 0 {
			c.drop()
			return nil, fail("connect", e)
		}
		c.f.SetDeadline(time.Time{})
	} else {
		fd, e := rawSyscall(syscall.SYS_SOCKET, uintptr(family), syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, syscall.IPPROTO_TCP)
		if e != 0 {
			return nil, fail("socket", e)
		}
		one := int32(1)
		if e := setsockopt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_NODELAY, unsafe.Pointer(&one), 4); e != 0 {
			syscall.Close(int(fd))
			return nil, fail("setsockopt", e)
		}
		if src != nil {
			sa, n := sockaddr(family, src)
			if _, e := rawSyscall(syscall.SYS_BIND, fd, uintptr(sa), n); e != 0 {
				syscall.Close(int(fd))
				return nil, fail("bind", e)
			}
		}
		sa, n := sockaddr(family, addr)
		_, e = rawSyscall(syscall.SYS_CONNECT, fd, uintptr(sa), n)
		if !connecting(e) {
			syscall.Close(int(fd))
			return nil, fail("connect", e)
		}
		f := os.NewFile(fd, "tcp")
		rc, err := f.SyscallConn()
		if err != nil {
			f.Close()
			return nil, fail("connect", err)
		}
		c = &rawConn{f: f, rc: rc, family: family}
		c.readF, c.writF = c.readOnce, c.writeOnce
	}
	c.laddr, c.raddr, c.lingered, c.spare = src, addr, false, nil
	c.closed.Store(false)
	if src == nil {
		c.spare = spare
	}
	f, rc := c.f, c.rc
	// On loopback the TCP handshake is over when connect returns: the
	// state is asked for first (TCP_INFO, one syscall), and only while the
	// SYN is unanswered does the dial wait until the socket is writable
	// (connected or failed), within the earlier of the timeout and ctx's
	// deadline, as net's dialer does. Not a wait first and a check after,
	// as net's dialer does: the writable edge may have been taken by the
	// poller already (RawConn resets it before the first call).
	var soErr syscall.Errno
	check := func(fd uintptr) bool {
		state, e := tcpState(fd)
		switch {
		case e != 0:
			soErr = e
		case state == tcpSynSent:
			return false
		case state == tcpClose:
			v, e := getsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_ERROR)
			switch {
			case e != 0:
				soErr = e
			case v != 0:
				soErr = syscall.Errno(v)
			default:
				soErr = syscall.ECONNREFUSED // closed without a pending error: refused
			}
		}
		return true
	}
	done := false
	err := rc.Control(func(fd uintptr) { done = check(fd) })
	if err == nil && !done {
		err = waitConnect(ctx, f, rc, timeout, check)
	}
	if err == nil && soErr != 0 {
		err = soErr
	}
	if err != nil {
		c.drop()
		if ctxErr := ctx.Err(); ctxErr != nil && !isDeadline(err) {
			err = ctxErr
		}
		if isDeadline(err) {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Addr: addr, Err: err}
		}
		if _, ok := err.(syscall.Errno); ok {
			return nil, fail("connect", err)
		}
		return nil, &net.OpError{Op: "dial", Net: "tcp", Addr: addr, Err: err}
	}
	return c, nil
}

// waitConnect waits until check says the connect is over, within the
// earlier of timeout and ctx's deadline, or until ctx is canceled.
func waitConnect(ctx context.Context, f *os.File, rc syscall.RawConn, timeout time.Duration, check func(uintptr) bool) error {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	if d, ok := ctx.Deadline(); ok && (deadline.IsZero() || d.Before(deadline)) {
		deadline = d
	}
	if !deadline.IsZero() {
		f.SetWriteDeadline(deadline)
	}
	stop := context.AfterFunc(ctx, func() { f.SetWriteDeadline(time.Unix(1, 0)) })
	err := rc.Write(check)
	if !stop() && (err == nil || errors.Is(ctx.Err(), context.Canceled)) {
		err = ctx.Err() // canceled: not the timeout its deadline of the past gives
	}
	f.SetWriteDeadline(time.Time{})
	return err
}

func isDeadline(err error) bool { return err == os.ErrDeadlineExceeded }

// sockaddr returns a raw sockaddr for a (of the family) and its length.
func sockaddr(family int, a *net.TCPAddr) (unsafe.Pointer, uintptr) {
	port := uint16(a.Port)
	if family == syscall.AF_INET {
		sa := &syscall.RawSockaddrInet4{Family: syscall.AF_INET, Port: port<<8 | port>>8}
		copy(sa.Addr[:], a.IP.To4())
		return unsafe.Pointer(sa), syscall.SizeofSockaddrInet4
	}
	sa := &syscall.RawSockaddrInet6{Family: syscall.AF_INET6, Port: port<<8 | port>>8}
	copy(sa.Addr[:], a.IP.To16())
	return unsafe.Pointer(sa), syscall.SizeofSockaddrInet6
}

func setsockopt(fd, level, name int, v unsafe.Pointer, n uintptr) syscall.Errno {
	_, _, e := syscall.RawSyscall6(syscall.SYS_SETSOCKOPT, uintptr(fd), uintptr(level), uintptr(name), uintptr(v), n, 0)
	return e
}

// tcpState returns the socket's TCP state (TCP_INFO: one syscall).
func tcpState(fd uintptr) (uint8, syscall.Errno) {
	var info syscall.TCPInfo
	n := uint32(unsafe.Sizeof(info))
	_, _, e := syscall.RawSyscall6(syscall.SYS_GETSOCKOPT, fd, syscall.IPPROTO_TCP, syscall.TCP_INFO, uintptr(unsafe.Pointer(&info)), uintptr(unsafe.Pointer(&n)), 0)
	return info.State, e
}

func getsockoptInt(fd, level, name int) (int, syscall.Errno) {
	var v int32
	n := uint32(4)
	_, _, e := syscall.RawSyscall6(syscall.SYS_GETSOCKOPT, uintptr(fd), uintptr(level), uintptr(name), uintptr(unsafe.Pointer(&v)), uintptr(unsafe.Pointer(&n)), 0)
	return int(v), e
}

func (c *rawConn) readOnce(fd uintptr) bool {
	var p unsafe.Pointer
	if len(c.buf) > 0 {
		p = unsafe.Pointer(&c.buf[0])
	}
	n, e := rawSyscall(syscall.SYS_READ, fd, uintptr(p), uintptr(len(c.buf)))
	if e == syscall.EAGAIN {
		return false
	}
	if e == syscall.EINTR {
		return c.readOnce(fd)
	}
	c.n, c.errno = int(n), e
	return true
}

func (c *rawConn) writeOnce(fd uintptr) bool {
	for len(c.buf) > 0 {
		n, e := rawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&c.buf[0])), uintptr(len(c.buf)))
		switch e {
		case 0:
			c.n += int(n)
			c.buf = c.buf[n:]
		case syscall.EAGAIN:
			return false
		case syscall.EINTR:
		default:
			c.errno = e
			return true
		}
	}
	return true
}

func (c *rawConn) opError(op string, err error) error {
	oe := &net.OpError{Op: op, Net: "tcp", Addr: c.raddr, Err: err}
	if c.laddr != nil {
		oe.Source = c.laddr
	}
	return oe
}

// Read reads as net's TCP connection does: io.EOF at the end.
func (c *rawConn) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	c.buf, c.n, c.errno = b, 0, 0
	err := c.rc.Read(c.readF)
	c.buf = nil
	switch {
	case err != nil:
		return 0, c.opError("read", err)
	case c.errno != 0:
		return 0, c.opError("read", os.NewSyscallError("read", c.errno))
	case c.n == 0:
		return 0, io.EOF
	}
	return c.n, nil
}

// Write writes all of b, or fails.
func (c *rawConn) Write(b []byte) (int, error) {
	c.buf, c.n, c.errno = b, 0, 0
	err := c.rc.Write(c.writF)
	n := c.n
	c.buf = nil
	switch {
	case err != nil:
		return n, c.opError("write", err)
	case c.errno != 0:
		return n, c.opError("write", os.NewSyscallError("write", c.errno))
	}
	return n, nil
}

// Close closes the socket (once; later calls return an error, as net's).
// It may be called from another goroutine (crypto/tls does, to interrupt
// a handshake whose context is canceled), and never keeps the socket.
func (c *rawConn) Close() error {
	if !c.closed.CompareAndSwap(false, true) {
		return c.opError("close", net.ErrClosed)
	}
	return c.f.Close()
}

// release ends the connection from its worker's goroutine: it parks the
// socket in the worker's spare slot when it can (see park), and closes it
// otherwise. A connection closed already (Close) is left as it is.
func (c *rawConn) release() {
	if !c.closed.CompareAndSwap(false, true) {
		return
	}
	if c.spare != nil && !c.lingered && c.park() {
		if old := *c.spare; old != nil {
			old.drop()
		}
		*c.spare = c
		return
	}
	c.f.Close()
}

// park readies the socket of a connection that has ended on both sides
// for the worker's next connection, and says whether it did. It ends so
// when the server resets it (TCP_CLOSE), which is how a connection to
// nginx, the testbed or HAProxy ends: the server has sent its
// close_notify and closed, and the client's close_notify draws a reset.
// connect(AF_UNSPEC) then makes the socket unconnected and gives its port
// back, and the pending error (EPIPE) is cleared. The next connect takes
// a new ephemeral port, and nothing differs on the wire from a new
// socket's connection, while the client skips socket, setsockopt, fcntl,
// two epoll_ctl and close: the kernel's work of making and freeing a
// socket, and the runtime's of registering it. A connection in any other
// state (the client closes first, a reset close) is closed as before:
// close(2) sends its FIN or reset.
func (c *rawConn) park() bool {
	ok := false
	c.rc.Control(func(fd uintptr) {
		if state, e := tcpState(fd); e != 0 || state != tcpClose {
			return
		}
		// The reset's pending error (EPIPE) is cleared here, not left to
		// the next connect (tcp_connect_init clears it too): an epoll
		// event of EPOLLERR alone in between, while the socket is in
		// SYN_SENT, marks it not pollable in Go's poller for good.
		getsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_ERROR)
		unspec := syscall.RawSockaddr{Family: syscall.AF_UNSPEC}
		_, e := rawSyscall(syscall.SYS_CONNECT, fd, uintptr(unsafe.Pointer(&unspec)), unsafe.Sizeof(unspec))
		ok = e == 0
	})
	return ok
}

// connectAgain starts the connect of a parked socket to addr.
func (c *rawConn) connectAgain(addr *net.TCPAddr) syscall.Errno {
	e := syscall.Errno(0)
	err := c.rc.Control(func(fd uintptr) {
		sa, n := sockaddr(c.family, addr)
		_, e = rawSyscall(syscall.SYS_CONNECT, fd, uintptr(sa), n)
	})
	if err != nil {
		return syscall.EBADF
	}
	if connecting(e) {
		return 0
	}
	return e
}

// connecting says whether a non-blocking connect's errno is a connect in
// progress or done.
func connecting(e syscall.Errno) bool {
	switch e {
	case 0, syscall.EINPROGRESS, syscall.EALREADY, syscall.EINTR, syscall.EISCONN:
		return true
	}
	return false
}

// drop closes the socket for good.
func (c *rawConn) drop() {
	c.closed.Store(true)
	c.f.Close()
}

// SetLinger sets SO_LINGER as (*net.TCPConn).SetLinger does.
func (c *rawConn) SetLinger(sec int) error {
	c.lingered = true
	l := syscall.Linger{Onoff: 1, Linger: int32(sec)}
	if sec < 0 {
		l = syscall.Linger{}
	}
	var e syscall.Errno
	err := c.rc.Control(func(fd uintptr) {
		e = setsockopt(int(fd), syscall.SOL_SOCKET, syscall.SO_LINGER, unsafe.Pointer(&l), unsafe.Sizeof(l))
	})
	if err == nil && e != 0 {
		err = os.NewSyscallError("setsockopt", e)
	}
	return err
}

// LocalAddr returns the local address: the source address it was bound
// to, or the kernel's choice (getsockname, made only when asked).
func (c *rawConn) LocalAddr() net.Addr {
	if c.laddr != nil && c.laddr.Port != 0 {
		return c.laddr
	}
	var sa syscall.Sockaddr
	c.rc.Control(func(fd uintptr) { sa, _ = syscall.Getsockname(int(fd)) })
	switch sa := sa.(type) {
	case *syscall.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(sa.Addr[:]).To16(), Port: sa.Port}
	case *syscall.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(sa.Addr[:]), Port: sa.Port}
	}
	return c.laddr
}

func (c *rawConn) RemoteAddr() net.Addr               { return c.raddr }
func (c *rawConn) SetDeadline(t time.Time) error      { return c.f.SetDeadline(t) }
func (c *rawConn) SetReadDeadline(t time.Time) error  { return c.f.SetReadDeadline(t) }
func (c *rawConn) SetWriteDeadline(t time.Time) error { return c.f.SetWriteDeadline(t) }

const haveRawPath = true

// TCP states of TCP_INFO (include/net/tcp_states.h).
const (
	tcpSynSent = 2
	tcpClose   = 7
)
