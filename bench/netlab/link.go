package netlab

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The link process's file descriptors, as the parent passes them
// (exec.Cmd.ExtraFiles): the generator side's TUN device and the server
// side's.
const (
	generatorTUNFd = 3
	serverTUNFd    = 4
)

// maxInFlight bounds the packets one direction holds (waiting and in the
// delay line): 65536 packets of 1500 bytes are 3 Gbit/s for 150 ms.
const maxInFlight = 1 << 16

// linkConfig is the first line the parent writes to the link process's
// standard input: what both directions do, fully resolved.
type linkConfig struct {
	Delay     time.Duration `json:"delay"`  // one way
	Jitter    time.Duration `json:"jitter"` // ± per packet
	Loss      float64       `json:"loss"`
	Bandwidth int64         `json:"bandwidth"` // bits/s; 0 unlimited
	Queue     int           `json:"queue"`     // packets waiting before tail drop
	MTU       int           `json:"mtu"`
	Seed      uint64        `json:"seed"`
}

// linkReply is a line the link process writes on its standard output: the
// answer to the config (Error empty when it forwards), to a "stats"
// request, and the final counters when its standard input closes.
type linkReply struct {
	Error string     `json:"error,omitempty"`
	Stats *LinkStats `json:"stats,omitempty"`
}

// ServeLink is the body of the link process (the hidden `tlsbench link`
// command, which Start runs). It reads a config line from stdin, forwards
// IP packets between the TUN devices it inherited as file descriptors 3
// (generator side) and 4 (server side) with the configured delay, jitter,
// loss, bandwidth and queue, and answers each "stats" line on stdin with a
// line of counters on stdout. When stdin closes (the parent stops the lab
// or dies) or ctx ends, it writes its final counters, closes the devices —
// which removes them, as the link process holds their only descriptors —
// and returns.
func ServeLink(ctx context.Context, stdin io.Reader, stdout io.Writer) error {
	in := bufio.NewReader(stdin)
	out := json.NewEncoder(stdout)
	line, err := in.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("netlab link: read config: %w", err)
	}
	var cfg linkConfig
	if err := json.Unmarshal(line, &cfg); err != nil {
		out.Encode(linkReply{Error: "netlab link: bad config: " + err.Error()})
		return fmt.Errorf("netlab link: bad config: %w", err)
	}
	l, err := newLink(cfg, generatorTUNFd, serverTUNFd)
	if err != nil {
		out.Encode(linkReply{Error: err.Error()})
		return err
	}
	l.start()
	if err := out.Encode(linkReply{}); err != nil {
		l.stop()
		return fmt.Errorf("netlab link: %w", err)
	}

	requests := make(chan string)
	go func() {
		defer close(requests)
		for {
			line, err := in.ReadString('\n')
			if err != nil {
				return
			}
			requests <- line
		}
	}()
	var failed error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-l.failed:
			failed = err
			break loop
		case req, ok := <-requests:
			if !ok {
				break loop
			}
			if req != "stats\n" {
				out.Encode(linkReply{Error: fmt.Sprintf("netlab link: unknown request %q", req)})
				continue
			}
			s := l.stats()
			if err := out.Encode(linkReply{Stats: &s}); err != nil {
				failed = fmt.Errorf("netlab link: %w", err)
				break loop
			}
		}
	}
	l.stop()
	s := l.stats()
	reply := linkReply{Stats: &s}
	if failed != nil {
		reply.Error = failed.Error()
	}
	if err := out.Encode(reply); err != nil && failed == nil {
		failed = fmt.Errorf("netlab link: %w", err)
	}
	return failed
}

// link is the running link: two directions, the clock they share, and
// the event loop that drives them.
//
// The loop is one OS thread, in the manner of Mahimahi's packet shells:
// it waits in epoll_wait(2) on both TUN devices, one timerfd (precise to
// microseconds, where the Go runtime's timers round an idle sleep up to a
// millisecond) and an eventfd for stop; reads what arrived, writes what
// is due, sets the timer to the next departure, and waits again. One wake
// serves every packet that is ready, with no goroutine hand-offs, which
// on a virtual machine cost tens of microseconds each.
type link struct {
	clk  clock
	up   *direction // generator → server
	down *direction // server → generator

	epfd, timerFd, stopFd int
	armed                 int64 // when the timer fires; math.MaxInt64: not set

	mu     sync.Mutex // the directions' state, between the loop and stats
	ended  chan struct{}
	failed chan error // the loop's error, if it fails
}

func newLink(cfg linkConfig, genFd, srvFd int) (*link, error) {
	switch {
	case cfg.MTU < 68 || cfg.MTU > 65535:
		return nil, fmt.Errorf("netlab link: mtu %d out of range", cfg.MTU)
	case cfg.Bandwidth > 0 && cfg.Queue < 1:
		return nil, fmt.Errorf("netlab link: queue %d with a bandwidth", cfg.Queue)
	case cfg.Jitter > cfg.Delay || cfg.Delay < 0 || cfg.Loss < 0 || cfg.Loss >= 1:
		return nil, fmt.Errorf("netlab link: bad delay %s, jitter %s or loss %g", cfg.Delay, cfg.Jitter, cfg.Loss)
	}
	clk, err := newClock()
	if err != nil {
		return nil, err
	}
	l := &link{clk: clk, epfd: -1, timerFd: -1, stopFd: -1, armed: math.MaxInt64,
		ended: make(chan struct{}), failed: make(chan error, 1)}
	fail := func(what string, err error) (*link, error) {
		l.closeFds()
		return nil, fmt.Errorf("netlab link: %s: %w", what, err)
	}
	for _, fd := range []int{genFd, srvFd} {
		if err := unix.SetNonblock(fd, true); err != nil {
			return fail(fmt.Sprintf("descriptor %d", fd), err)
		}
	}
	if l.timerFd, err = unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC); err != nil {
		return fail("timerfd", err)
	}
	if l.stopFd, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC); err != nil {
		return fail("eventfd", err)
	}
	if l.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return fail("epoll", err)
	}
	for _, fd := range []int{genFd, srvFd, l.timerFd, l.stopFd} {
		if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
			return fail("epoll", err)
		}
	}
	newDir := func(name string, from, to int, seed uint64) *direction {
		sh := newShaper(int64(cfg.Delay), int64(cfg.Jitter), cfg.Loss, cfg.Bandwidth, cfg.Queue, seed)
		// Room beyond the MTU so that an oversized packet shows as one
		// rather than being cut silently.
		return &direction{name: name, from: from, to: to, sh: sh, bufSize: cfg.MTU + 256}
	}
	l.up = newDir("to server", genFd, srvFd, cfg.Seed)
	l.down = newDir("to client", srvFd, genFd, cfg.Seed+1)
	return l, nil
}

// start runs the event loop on a thread of its own.
func (l *link) start() {
	go func() {
		defer close(l.ended)
		runtime.LockOSThread()
		if err := l.loop(); err != nil {
			l.failed <- err
		}
	}()
}

// maxReads bounds the packets read from one device per wake, so that a
// flood on one side delays neither the other side nor the departures by
// more than that many reads.
const maxReads = 64

func (l *link) loop() error {
	events := make([]unix.EpollEvent, 4)
	for {
		n, err := epollWait(l.epfd, events)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("netlab link: epoll: %w", err)
		}
		l.mu.Lock()
		for _, ev := range events[:n] {
			var err error
			switch int(ev.Fd) {
			case l.stopFd:
				l.mu.Unlock()
				return nil
			case l.timerFd:
				var tick [8]byte
				rawRead(l.timerFd, tick[:]) // the count is not needed
				l.armed = math.MaxInt64     // a fired timer is disarmed
			case l.up.from:
				err = l.up.read(&l.clk)
			case l.down.from:
				err = l.down.read(&l.clk)
			}
			if err != nil {
				l.mu.Unlock()
				return err
			}
		}
		now := l.clk.now()
		l.up.send(now, &l.clk)
		l.down.send(now, &l.clk)
		err = l.arm(min(l.up.next(), l.down.next()))
		l.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// The loop's system calls are raw: they neither tell the Go scheduler
// they block nor let it hand the thread's P to another thread. The loop
// thread does nothing else, and with ordinary system calls every wait in
// epoll_wait would have the runtime's monitor retake the P and wake a
// thread to look for other work, several context switches per packet
// (about 100 µs of CPU each on a virtual machine). The scheduler still
// preempts the loop every 10 ms (a signal interrupts epoll_wait with
// EINTR), so a garbage collection is never held up longer.

// epollWait waits without a timeout for events on epfd.
func epollWait(epfd int, events []unix.EpollEvent) (int, error) {
	n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), ^uintptr(0), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

func rawRead(fd int, b []byte) (int, error) {
	n, _, errno := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

func rawWrite(fd int, b []byte) error {
	_, _, errno := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if errno != 0 {
		return errno
	}
	return nil
}

// arm sets the timer to fire at t, unless it fires earlier already.
// Setting a timer is the dearest step per packet (on a virtual machine it
// may exit to the hypervisor), so it happens only when the first
// departure moves earlier than the timer.
func (l *link) arm(t int64) error {
	if t >= l.armed {
		return nil
	}
	l.armed = t
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(max(t, 1))}
	_, _, errno := unix.RawSyscall6(unix.SYS_TIMERFD_SETTIME, uintptr(l.timerFd), unix.TFD_TIMER_ABSTIME, uintptr(unsafe.Pointer(&spec)), 0, 0, 0)
	if errno != 0 {
		return fmt.Errorf("netlab link: timerfd: %w", errno)
	}
	return nil
}

// stop ends the loop, waits for it and closes every descriptor, the TUN
// devices' included (which removes them).
func (l *link) stop() {
	var one [8]byte
	one[0] = 1 // eventfd counts in host byte order; any non-zero value wakes
	unix.Write(l.stopFd, one[:])
	<-l.ended
	unix.Close(l.up.from)
	unix.Close(l.down.from)
	l.closeFds()
}

func (l *link) closeFds() {
	for _, fd := range []int{l.epfd, l.timerFd, l.stopFd} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}

func (l *link) stats() LinkStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return LinkStats{ToServer: l.up.snapshot(), ToClient: l.down.snapshot()}
}

// clock converts between the runtime's monotonic time, which is cheap to
// read, and CLOCK_MONOTONIC nanoseconds, which timerfd needs: both are the
// same clock.
type clock struct {
	t0 time.Time
	m0 int64 // CLOCK_MONOTONIC at t0, ns
}

func newClock() (clock, error) {
	var ts unix.Timespec
	t0 := time.Now()
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return clock{}, fmt.Errorf("netlab link: clock: %w", err)
	}
	return clock{t0: t0, m0: ts.Nano()}, nil
}

// now returns the current CLOCK_MONOTONIC time in ns.
func (c *clock) now() int64 { return c.m0 + int64(time.Since(c.t0)) }

// entry is a packet in the delay line, ordered by departure time, then by
// arrival (seq) so that equal times keep their order.
type entry struct {
	departs int64
	seq     uint64
	queued  int64
	buf     []byte
}

// line is the delay line: a binary min-heap of entries (typed, so that
// pushing and popping allocate nothing).
type line []entry

func (h line) less(i, j int) bool {
	return h[i].departs < h[j].departs || h[i].departs == h[j].departs && h[i].seq < h[j].seq
}

func (h *line) push(e entry) {
	*h = append(*h, e)
	q := *h
	for i := len(q) - 1; i > 0; {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			break
		}
		q[i], q[parent] = q[parent], q[i]
		i = parent
	}
}

func (h *line) pop() entry {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q = q[:last]
	for i := 0; ; {
		small, l, r := i, 2*i+1, 2*i+2
		if l < len(q) && q.less(l, small) {
			small = l
		}
		if r < len(q) && q.less(r, small) {
			small = r
		}
		if small == i {
			break
		}
		q[i], q[small] = q[small], q[i]
		i = small
	}
	*h = q
	return top
}

// direction moves packets from one device to the other: read asks the
// shaper for each packet's fate and puts it in the delay line, send writes
// what is due. Only the loop calls them, with link.mu held.
type direction struct {
	name     string
	from, to int // the devices' descriptors
	sh       *shaper
	bufSize  int
	free     [][]byte // buffers to reuse
	line     line
	seq      uint64
	st       Direction
}

// read reads the packets waiting on the near device, at most maxReads.
func (d *direction) read(clk *clock) error {
	for range maxReads {
		if len(d.free) == 0 {
			d.free = append(d.free, make([]byte, d.bufSize))
		}
		buf := d.free[len(d.free)-1][:d.bufSize]
		n, err := rawRead(d.from, buf)
		if err == unix.EAGAIN || err == unix.EINTR {
			return nil
		}
		if err != nil {
			return fmt.Errorf("netlab link: %s: read: %w", d.name, err)
		}
		now := clk.now()
		d.st.Received++
		if len(d.line) >= maxInFlight {
			d.st.QueueDrops++
			continue
		}
		departs, queued, v := d.sh.admit(now, n, flowOf(buf[:n]))
		d.st.MaxWaiting = max(d.st.MaxWaiting, d.sh.waiting())
		switch v {
		case lost:
			d.st.LossDrops++
		case tailDrop:
			d.st.QueueDrops++
		case forward:
			d.free = d.free[:len(d.free)-1]
			d.seq++
			d.line.push(entry{departs: departs, seq: d.seq, queued: queued, buf: buf[:n]})
		}
	}
	return nil
}

// send writes the packets due at now to the far device.
func (d *direction) send(now int64, clk *clock) {
	for len(d.line) > 0 && d.line[0].departs <= now {
		e := d.line.pop()
		d.st.Late.Add(time.Duration(clk.now() - e.departs))
		if err := rawWrite(d.to, e.buf); err != nil {
			d.st.WriteErrors++
		} else {
			d.st.Packets++
			d.st.Bytes += uint64(len(e.buf))
		}
		d.st.Queued.Add(time.Duration(e.queued))
		d.free = append(d.free, e.buf)
	}
}

// next returns the first departure in the line, math.MaxInt64 if none.
func (d *direction) next() int64 {
	if len(d.line) == 0 {
		return math.MaxInt64
	}
	return d.line[0].departs
}

func (d *direction) snapshot() Direction {
	s := d.st
	s.InFlight = uint64(len(d.line))
	return s
}
