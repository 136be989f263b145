package netlab

import (
	"bufio"
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

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

// link is the running link: two directions and the clock they share.
type link struct {
	clk    clock
	up     *direction // generator → server
	down   *direction // server → generator
	wg     sync.WaitGroup
	failed chan error // the first reader or writer that failed
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
	l := &link{clk: clk, failed: make(chan error, 4)}
	// Non-blocking before os.NewFile, so that the files are pollable:
	// reads park in the runtime's poller and Close unblocks them.
	for _, fd := range []int{genFd, srvFd} {
		if err := unix.SetNonblock(fd, true); err != nil {
			return nil, fmt.Errorf("netlab link: descriptor %d: %w", fd, err)
		}
	}
	gen, srv := os.NewFile(uintptr(genFd), "tun-generator"), os.NewFile(uintptr(srvFd), "tun-server")
	newDir := func(name string, from, to *os.File, seed uint64) (*direction, error) {
		sh := newShaper(int64(cfg.Delay), int64(cfg.Jitter), cfg.Loss, cfg.Bandwidth, cfg.Queue, seed)
		return newDirection(name, from, to, sh, &l.clk, cfg.MTU)
	}
	if l.up, err = newDir("to server", gen, srv, cfg.Seed); err != nil {
		return nil, err
	}
	if l.down, err = newDir("to client", srv, gen, cfg.Seed+1); err != nil {
		l.up.timer.Close()
		return nil, err
	}
	return l, nil
}

func (l *link) start() {
	for _, d := range []*direction{l.up, l.down} {
		l.wg.Add(2)
		go func() { defer l.wg.Done(); l.report(d.read()) }()
		go func() { defer l.wg.Done(); l.report(d.write()) }()
	}
}

func (l *link) report(err error) {
	if err != nil {
		select {
		case l.failed <- err:
		default:
		}
	}
}

// stop closes the devices and the timers, which ends the readers and the
// writers, and waits for them.
func (l *link) stop() {
	for _, d := range []*direction{l.up, l.down} {
		d.stopping.Store(true)
	}
	l.up.from.Close()
	l.down.from.Close()
	l.up.timer.Close()
	l.down.timer.Close()
	l.wg.Wait()
}

func (l *link) stats() LinkStats {
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

// packet is one IP packet in the link.
type packet struct {
	buf []byte
}

// entry is a packet in the delay line, ordered by departure time, then by
// arrival (seq) so that equal times keep their order.
type entry struct {
	departs int64
	seq     uint64
	queued  int64
	p       *packet
}

type line []entry

func (h line) Len() int { return len(h) }
func (h line) Less(i, j int) bool {
	return h[i].departs < h[j].departs || h[i].departs == h[j].departs && h[i].seq < h[j].seq
}
func (h line) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *line) Push(x any)   { *h = append(*h, x.(entry)) }
func (h *line) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// direction moves packets from one device to the other. Its reader reads
// packets, asks the shaper for their fate and puts them in the delay line;
// its writer sleeps on a timerfd (precise to microseconds, where the Go
// runtime's timers round up to a millisecond when idle) until the first
// departure and writes what is due.
type direction struct {
	name     string
	from, to *os.File
	timer    *os.File // a timerfd, read through the runtime poller
	timerFd  int
	clk      *clock
	bufSize  int
	pool     sync.Pool
	stopping atomic.Bool

	mu    sync.Mutex
	sh    *shaper
	line  line
	seq   uint64
	armed int64 // departure the timer is set for; math.MaxInt64: disarmed
	// writing is the number of packets the writer has taken from the line
	// and not yet counted.
	writing int
	st      Direction
}

func newDirection(name string, from, to *os.File, sh *shaper, clk *clock, mtu int) (*direction, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("netlab link: timerfd: %w", err)
	}
	d := &direction{name: name, from: from, to: to, timer: os.NewFile(uintptr(fd), "timerfd"), timerFd: fd,
		clk: clk, sh: sh, armed: math.MaxInt64,
		// Room beyond the MTU so that an oversized packet shows as one
		// rather than being cut silently.
		bufSize: mtu + 256}
	d.pool.New = func() any { return &packet{buf: make([]byte, d.bufSize)} }
	return d, nil
}

// read is the reader loop; it returns nil when the device is closed by
// stop.
func (d *direction) read() error {
	for {
		p := d.pool.Get().(*packet)
		p.buf = p.buf[:d.bufSize]
		n, err := d.from.Read(p.buf)
		if err != nil {
			if d.stopping.Load() || errors.Is(err, os.ErrClosed) {
				return nil
			}
			return fmt.Errorf("netlab link: %s: read: %w", d.name, err)
		}
		now := d.clk.now()
		p.buf = p.buf[:n]
		d.mu.Lock()
		d.st.Received++
		if len(d.line) >= maxInFlight {
			d.st.QueueDrops++
			d.mu.Unlock()
			d.pool.Put(p)
			continue
		}
		departs, queued, v := d.sh.admit(now, n, flowOf(p.buf))
		d.st.MaxWaiting = max(d.st.MaxWaiting, d.sh.waiting())
		switch v {
		case lost:
			d.st.LossDrops++
		case tailDrop:
			d.st.QueueDrops++
		case forward:
			d.seq++
			heap.Push(&d.line, entry{departs: departs, seq: d.seq, queued: queued, p: p})
			p = nil
			if departs < d.armed {
				err = d.arm(departs)
			}
		}
		d.mu.Unlock()
		if p != nil {
			d.pool.Put(p)
		}
		if err != nil {
			return err
		}
	}
}

// arm sets the timer to fire at t; d.mu is held.
func (d *direction) arm(t int64) error {
	d.armed = t
	spec := unix.ItimerSpec{}
	if t != math.MaxInt64 {
		spec.Value = unix.NsecToTimespec(max(t, 1))
	}
	if err := unix.TimerfdSettime(d.timerFd, unix.TFD_TIMER_ABSTIME, &spec, nil); err != nil {
		if d.stopping.Load() {
			return nil
		}
		return fmt.Errorf("netlab link: %s: timerfd: %w", d.name, err)
	}
	return nil
}

// write is the writer loop; it returns nil when the timer is closed by
// stop.
func (d *direction) write() error {
	var (
		tick  [8]byte
		batch []entry
		lates []int64
	)
	for {
		if _, err := d.timer.Read(tick[:]); err != nil {
			if d.stopping.Load() || errors.Is(err, os.ErrClosed) {
				return nil
			}
			return fmt.Errorf("netlab link: %s: timer: %w", d.name, err)
		}
		now := d.clk.now()
		d.mu.Lock()
		batch = batch[:0]
		for len(d.line) > 0 && d.line[0].departs <= now {
			batch = append(batch, heap.Pop(&d.line).(entry))
		}
		next := int64(math.MaxInt64)
		if len(d.line) > 0 {
			next = d.line[0].departs
		}
		err := d.arm(next)
		d.writing = len(batch)
		d.mu.Unlock()
		if err != nil {
			return err
		}
		var written, bytes, failed uint64
		lates = lates[:0]
		for _, e := range batch {
			_, werr := d.to.Write(e.p.buf)
			if werr != nil {
				if d.stopping.Load() {
					return nil
				}
				failed++
			} else {
				written++
				bytes += uint64(len(e.p.buf))
			}
			lates = append(lates, d.clk.now()-e.departs)
		}
		d.mu.Lock()
		d.st.Packets += written
		d.st.Bytes += bytes
		d.st.WriteErrors += failed
		d.writing = 0
		for i, e := range batch {
			d.st.Queued.Add(time.Duration(e.queued))
			d.st.Late.Add(time.Duration(lates[i]))
		}
		d.mu.Unlock()
		for _, e := range batch {
			d.pool.Put(e.p)
		}
	}
}

func (d *direction) snapshot() Direction {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.st
	s.InFlight = uint64(len(d.line) + d.writing)
	return s
}
