// Package netlab owns the network lab: an emulated network between the
// generator and the servers, on one machine, on real kernel TCP, in the
// manner of Mahimahi (Netravali et al., USENIX ATC 2015).
//
// A lab is two network namespaces, one for the generator side and one for
// the server side, named after the PID of the process that owns them
// (tlsbench-pid<PID>-<id>-gen and -srv, as `ip netns list` shows). Each
// holds a TUN device (tlsb0) of the configured MTU, loopback, and its own
// addresses from the RFC 2544 benchmarking range 198.18.0.0/15: the
// generator side 198.18.0.1, .2, ... (Config.Sources), the server side
// 198.19.0.2, .3, ... (Config.Servers, one per node). Each side routes the
// other's /16 to its TUN device; the server side's route carries the
// initial congestion window (Config.InitCwnd). Nothing outside the two
// namespaces is touched: no interface, address or route of the machine.
//
// The link is a process of its own (ServeLink, run as `tlsbench link`), so
// that its CPU time is measured apart (Lab.LinkPID) and counted neither as
// client nor as server. It holds the only descriptors of both TUN devices
// and moves IP packets between them: each direction drops packets at
// random (Loss), queues them drop-tail for a transmitter of the configured
// rate (Bandwidth, Queue), then delays them by half the RTT plus jitter,
// never letting a packet overtake an earlier one of its flow. Its counters
// (LinkStats) come back on a pipe.
//
// The generator process itself stays in the machine's namespace: its
// connections are made by a Dialer whose sockets are created in the
// generator namespace. Servers run in the server namespace: a Go listener
// through Namespace.Listen, a child process (the testbed, nginx, HAProxy,
// openssl) by starting it inside Namespace.Do.
//
// The machine's own namespace has no route to the lab: a connection to a
// lab address made there (net.Dial outside Do, a readiness probe, a
// statistics request to a server) does not reach the lab but follows the
// machine's default route out of the machine. Every connection to a lab
// address goes through Generator.Dialer (across the link) or inside
// Server.Do (within the server side, as a server's own tools would).
//
// Removal: Stop, or the end of the context given to Start, stops the link
// (which removes the devices with their addresses and routes) and removes
// both namespaces. If the owner is killed, the kernel kills the link
// (parent-death signal), which removes the devices; the namespaces stay
// until the next Start, which removes the labs of owners that no longer run
// (RemoveStale).
//
// A lab needs CAP_NET_ADMIN and CAP_SYS_ADMIN (root) and /dev/net/tun;
// Preflight says what is missing. netlab does not know scenarios, fleets
// or results: package bench builds a Config from a scenario's network
// block and puts the LinkStats in the result.
package netlab

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// The lab's address plan, inside RFC 2544's 198.18.0.0/15: the generator
// side's range (addresses 198.18.0.1, .2, ...) and the server side's
// (198.19.0.2, .3, ...). Read-only.
var (
	generatorPrefix = netip.MustParsePrefix("198.18.0.0/16")
	serverPrefix    = netip.MustParsePrefix("198.19.0.0/16")
)

// Limits of a Config.
const (
	// MaxAddrs is the most addresses a side may have.
	MaxAddrs = 250
	// MinQueue is the least QueueLimit a default queue gets: an initial
	// window of 10 segments fits, whatever the bandwidth-delay product.
	MinQueue = 10
	// DefaultMTU is the MTU when Config.MTU is zero.
	DefaultMTU = 1500
)

// Config is a lab's network. The zero value is a lab with no delay, no
// loss and no rate limit, an MTU of 1500 and one address per side.
type Config struct {
	// RTT is the round-trip time the link adds; each direction delays
	// every packet by RTT/2.
	RTT time.Duration
	// Jitter varies each packet's one-way delay uniformly within
	// RTT/2 ± Jitter; a packet is then held as long as needed not to
	// overtake an earlier packet of its flow (addresses, protocol and
	// ports), so packets of one TCP connection are never reordered. At
	// most RTT/2.
	Jitter time.Duration
	// Loss is the probability, in [0, 1), that the link drops a packet,
	// drawn independently for every packet in each direction.
	Loss float64
	// Bandwidth is each direction's rate in bits per second: a packet of
	// n bytes occupies the transmitter for n×8/Bandwidth seconds, and
	// packets that arrive while it is busy wait in the queue. Zero:
	// unlimited (no transmitter, no queue).
	Bandwidth int64
	// MTU is both TUN devices' MTU in bytes, 576..65535. Zero: 1500.
	MTU int
	// Queue is how many packets may wait for the transmitter in each
	// direction before the next is tail-dropped (only with a Bandwidth).
	// Zero: one bandwidth-delay product (Bandwidth × RTT in MTU-sized
	// packets), at least MinQueue; see QueueLimit.
	Queue int
	// InitCwnd is the server side's initial congestion window in
	// segments, set as the initcwnd attribute of its route to the
	// generator side. Zero: the kernel's default (10).
	InitCwnd int
	// Congestion is the TCP congestion control of both namespaces. Linux
	// lets a namespace use only those of the machine's
	// net.ipv4.tcp_allowed_congestion_control, which always holds reno
	// and the machine's own default. Zero: cubic (Linux's default), or
	// reno where cubic is not allowed (Lab.Config and Lab.Warnings say
	// so). A namespace would otherwise inherit the machine's choice, and
	// BBR, for one, paces out even the initial window over part of the
	// RTT; reno and cubic differ only after a loss.
	Congestion string
	// Servers is the number of server-side addresses (one per node):
	// 198.19.0.2 onwards. Zero: 1.
	Servers int
	// Sources is the number of generator-side addresses: 198.18.0.1
	// onwards. More multiply the ephemeral ports towards each server
	// address. Zero: 1.
	Sources int
	// Seed seeds the loss and jitter draws (the two directions draw
	// apart). Zero: a random seed, which Lab.Config then reports.
	Seed uint64
}

// QueueLimit returns the number of packets that may wait for the
// transmitter in each direction: Queue if set, else the bandwidth-delay
// product in packets of MTU bytes, rounded up, at least MinQueue; 0 when
// there is no Bandwidth (nothing waits).
func (c Config) QueueLimit() int {
	if c.Bandwidth <= 0 {
		return 0
	}
	if c.Queue > 0 {
		return c.Queue
	}
	mtu := c.MTU
	if mtu == 0 {
		mtu = DefaultMTU
	}
	bdp := float64(c.Bandwidth) * c.RTT.Seconds() / 8 / float64(mtu)
	n := int(bdp)
	if float64(n) < bdp {
		n++
	}
	return max(n, MinQueue)
}

// Validate reports every problem with c, joined with errors.Join.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf("netlab: "+format, args...)) }
	if c.RTT < 0 {
		add("rtt must not be negative, got %s", c.RTT)
	}
	if c.Jitter < 0 || c.Jitter > c.RTT/2 {
		add("jitter must be 0..rtt/2 (%s), got %s", c.RTT/2, c.Jitter)
	}
	if c.Loss < 0 || c.Loss >= 1 || c.Loss != c.Loss {
		add("loss must be in [0, 1), got %g", c.Loss)
	}
	if c.Bandwidth < 0 {
		add("bandwidth must not be negative, got %d", c.Bandwidth)
	}
	if c.MTU != 0 && (c.MTU < 576 || c.MTU > 65535) {
		add("mtu must be 576..65535, got %d", c.MTU)
	}
	if c.Queue < 0 {
		add("queue must not be negative, got %d", c.Queue)
	}
	if c.InitCwnd < 0 {
		add("initcwnd must not be negative, got %d", c.InitCwnd)
	}
	for _, r := range c.Congestion {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			add("congestion must be a congestion control's name, got %q", c.Congestion)
			break
		}
	}
	if c.Servers < 0 || c.Servers > MaxAddrs {
		add("servers must be 0..%d, got %d", MaxAddrs, c.Servers)
	}
	if c.Sources < 0 || c.Sources > MaxAddrs {
		add("sources must be 0..%d, got %d", MaxAddrs, c.Sources)
	}
	return errors.Join(errs...)
}

// resolved returns c with its defaults applied, its queue resolved and a
// seed drawn.
func (c Config) resolved() Config {
	if c.MTU == 0 {
		c.MTU = DefaultMTU
	}
	c.Servers = max(c.Servers, 1)
	c.Sources = max(c.Sources, 1)
	c.Queue = c.QueueLimit()
	for c.Seed == 0 {
		c.Seed = rand.Uint64()
	}
	return c
}

// Lab is a running network lab. Its methods are safe for concurrent use.
type Lab struct {
	// Generator is the generator side: dial from it (Generator.Dialer).
	Generator *Namespace
	// Server is the server side: listen and start servers in it.
	Server *Namespace
	// GeneratorAddrs are the generator side's addresses, Config.Sources
	// of them from 198.18.0.1.
	GeneratorAddrs []netip.Addr
	// ServerAddrs are the server side's addresses, Config.Servers of
	// them from 198.19.0.2: node i listens on ServerAddrs[i].
	ServerAddrs []netip.Addr
	// Removed names the stale namespaces (of owners that no longer run)
	// that Start removed.
	Removed []string
	// Warnings say what Start could not do as asked, if anything: stale
	// labs it could not remove, the default congestion control it had to
	// replace. The lab runs all the same.
	Warnings []string

	cfg  Config
	link *linkProc

	stopOnce  sync.Once
	unwatch   func() bool
	done      chan struct{}
	final     LinkStats
	finalErr  error
	linkState sync.Mutex
}

// Start builds a lab and returns once the link forwards packets: it runs
// Preflight (a failure wraps ErrUnavailable), removes stale labs, creates
// the namespaces, devices, addresses and routes, and starts the link
// process with argv (the tlsbench binary and "link"; any command that runs
// ServeLink). When ctx ends, the lab removes itself as Stop does: give it
// a context that lasts as long as the lab is needed, not a phase's.
//
// The link's parent-death signal is tied to the thread that starts it, so
// call Start from an ordinary goroutine, not from one locked to a thread
// that will end.
func Start(ctx context.Context, argv []string, cfg Config) (*Lab, error) {
	if len(argv) == 0 {
		return nil, errors.New("netlab: no command to run the link")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := Preflight(); err != nil {
		return nil, err
	}
	cfg = cfg.resolved()
	l := &Lab{cfg: cfg, done: make(chan struct{})}
	removed, err := RemoveStale()
	l.Removed = removed
	if err != nil {
		l.Warnings = append(l.Warnings, err.Error())
	}
	for i := range cfg.Sources {
		l.GeneratorAddrs = append(l.GeneratorAddrs, netip.AddrFrom4([4]byte{198, 18, 0, byte(1 + i)}))
	}
	for i := range cfg.Servers {
		l.ServerAddrs = append(l.ServerAddrs, netip.AddrFrom4([4]byte{198, 19, 0, byte(2 + i)}))
	}
	id := fmt.Sprintf("%06x", rand.Uint32()&0xffffff)
	genName, srvName := labName(os.Getpid(), id, "gen"), labName(os.Getpid(), id, "srv")
	choices := []string{cfg.Congestion}
	if cfg.Congestion == "" {
		choices = []string{"cubic", "reno"}
	}
	genTUN, srvTUN, cc, err := makeSides(genName, srvName, choices)
	if err == nil && cc != choices[0] {
		l.Warnings = append(l.Warnings, fmt.Sprintf("congestion control %s is not allowed in namespaces on this machine (net.ipv4.tcp_allowed_congestion_control): %s used", choices[0], cc))
	}
	l.cfg.Congestion = cc
	defer func() {
		for _, f := range []*os.File{genTUN, srvTUN} {
			if f != nil {
				f.Close() // the link holds its own copies
			}
		}
	}()
	if err == nil {
		l.Generator, err = openNamespace(genName)
	}
	if err == nil {
		l.Server, err = openNamespace(srvName)
	}
	if err == nil {
		err = l.Generator.configure(cfg.MTU, l.GeneratorAddrs, serverPrefix, l.GeneratorAddrs[0], 0)
	}
	if err == nil {
		err = l.Server.configure(cfg.MTU, l.ServerAddrs, generatorPrefix, netip.Addr{}, cfg.InitCwnd)
	}
	if err == nil {
		l.link, err = startLink(ctx, argv, linkConfig{
			Delay: cfg.RTT / 2, Jitter: cfg.Jitter, Loss: cfg.Loss, Bandwidth: cfg.Bandwidth,
			Queue: cfg.Queue, MTU: cfg.MTU, Seed: cfg.Seed,
		}, genTUN, srvTUN)
	}
	if err != nil {
		for _, n := range []*Namespace{l.Generator, l.Server} {
			if n != nil {
				n.close()
			}
		}
		removeNamespace(genName)
		removeNamespace(srvName)
		return nil, err
	}
	l.unwatch = context.AfterFunc(ctx, func() { l.Stop() })
	return l, nil
}

// makeSides creates both namespaces and their TUN devices on a thread of
// their own, which returns to its namespace afterwards.
// Both get the first congestion control of choices that the kernel
// accepts, which it returns.
func makeSides(gen, srv string, choices []string) (genTUN, srvTUN *os.File, cc string, err error) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		err = onThreadIn(netns.None(), gen, func() error {
			var err error
			if genTUN, cc, err = makeSide(gen, choices); err != nil {
				return err
			}
			srvTUN, _, err = makeSide(srv, []string{cc})
			return err
		})
	}()
	<-done
	return genTUN, srvTUN, cc, err
}

// openNamespace opens a handle on a lab namespace and a netlink handle
// into it.
func openNamespace(name string) (*Namespace, error) {
	h, err := netns.GetFromName(name)
	if err != nil {
		return nil, fmt.Errorf("netlab: open namespace %s: %w", name, err)
	}
	nl, err := netlink.NewHandleAt(h)
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("netlab: netlink into %s: %w", name, err)
	}
	return &Namespace{name: name, handle: h, nl: nl}, nil
}

// configure brings loopback and the TUN device up with its MTU and
// addresses (each a /32), and routes the other side's prefix to the
// device, from src if valid, with an initcwnd if positive.
func (n *Namespace) configure(mtu int, addrs []netip.Addr, other netip.Prefix, src netip.Addr, initcwnd int) error {
	wrap := func(what string, err error) error { return fmt.Errorf("netlab: %s: %s: %w", n.name, what, err) }
	lo, err := n.nl.LinkByName("lo")
	if err != nil {
		return wrap("loopback", err)
	}
	if err := n.nl.LinkSetUp(lo); err != nil {
		return wrap("loopback up", err)
	}
	tun, err := n.nl.LinkByName(tunName)
	if err != nil {
		return wrap("TUN device", err)
	}
	if err := n.nl.LinkSetMTU(tun, mtu); err != nil {
		return wrap(fmt.Sprintf("mtu %d", mtu), err)
	}
	for _, a := range addrs {
		ipn := &net.IPNet{IP: a.AsSlice(), Mask: net.CIDRMask(32, 32)}
		if err := n.nl.AddrAdd(tun, &netlink.Addr{IPNet: ipn}); err != nil {
			return wrap("address "+a.String(), err)
		}
	}
	if err := n.nl.LinkSetUp(tun); err != nil {
		return wrap("TUN device up", err)
	}
	r := &netlink.Route{
		LinkIndex: tun.Attrs().Index,
		Dst:       &net.IPNet{IP: other.Addr().AsSlice(), Mask: net.CIDRMask(other.Bits(), 32)},
		Scope:     netlink.SCOPE_LINK,
		InitCwnd:  initcwnd,
	}
	if src.IsValid() {
		r.Src = src.AsSlice()
	}
	if err := n.nl.RouteAdd(r); err != nil {
		return wrap("route to "+other.String(), err)
	}
	return nil
}

// Config returns the configuration as the lab runs it: defaults applied
// (MTU, Congestion, Servers, Sources),
// Queue resolved to QueueLimit, the seed drawn.
func (l *Lab) Config() Config { return l.cfg }

// LinkPID returns the link process's PID, to measure its CPU time apart.
func (l *Lab) LinkPID() int { return l.link.cmd.Process.Pid }

// Done is closed once the lab is removed, by Stop or by the end of the
// context given to Start.
func (l *Lab) Done() <-chan struct{} { return l.done }

// Stats returns a snapshot of the link's counters since it started, the
// devices' own drops included.
func (l *Lab) Stats(ctx context.Context) (LinkStats, error) {
	l.linkState.Lock()
	defer l.linkState.Unlock()
	select {
	case <-l.done:
		return LinkStats{}, errors.New("netlab: the lab is stopped")
	default:
	}
	s, err := l.link.stats(ctx)
	if err != nil {
		return LinkStats{}, err
	}
	l.addDeviceDrops(&s)
	return s, nil
}

// Stop removes the lab: it stops the dialers' socket makers, stops the
// link (which removes the TUN devices, their addresses and routes) and
// removes both namespaces. It returns the link's final counters. Stop the
// servers running in the lab first: a process still inside keeps its
// namespace alive, unnamed, until it exits. Stop is safe to call more than
// once; later calls return what the first returned.
func (l *Lab) Stop() (LinkStats, error) {
	l.stopOnce.Do(func() {
		if l.unwatch != nil {
			l.unwatch()
		}
		l.linkState.Lock()
		defer l.linkState.Unlock()
		var errs []error
		var drops LinkStats
		l.addDeviceDrops(&drops) // while the devices exist
		l.Generator.close()
		l.Server.close()
		s, err := l.link.stop()
		errs = append(errs, err)
		s.ToServer.DeviceDrops, s.ToClient.DeviceDrops = drops.ToServer.DeviceDrops, drops.ToClient.DeviceDrops
		errs = append(errs, removeNamespace(l.Generator.name), removeNamespace(l.Server.name))
		l.final, l.finalErr = s, errors.Join(errs...)
		close(l.done)
	})
	return l.final, l.finalErr
}

// addDeviceDrops sets the DeviceDrops of s from the devices' statistics:
// towards the server, the generator device's transmit drops and the server
// device's receive drops; towards the client the other way round.
func (l *Lab) addDeviceDrops(s *LinkStats) {
	g, gok := l.Generator.deviceStats()
	v, vok := l.Server.deviceStats()
	if gok && vok {
		s.ToServer.DeviceDrops = g.TxDropped + v.RxDropped
		s.ToClient.DeviceDrops = v.TxDropped + g.RxDropped
	}
}

func (n *Namespace) deviceStats() (*netlink.LinkStatistics, bool) {
	tun, err := n.nl.LinkByName(tunName)
	if err != nil || tun.Attrs().Statistics == nil {
		return nil, false
	}
	return tun.Attrs().Statistics, true
}

// linkProc is the parent's side of the link process.
type linkProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan []byte   // the link's output lines; closed at its EOF
	exited chan struct{} // closed once the process is waited for
	werr   error         // its exit status, set before exited closes
	stderr *tail
	broken error // a reply that never came: later ones would be out of step
}

// linkTimeout bounds every exchange with the link process.
const linkTimeout = 10 * time.Second

// startLink starts the link process with the two devices and waits until
// it forwards.
func startLink(ctx context.Context, argv []string, cfg linkConfig, gen, srv *os.File) (*linkProc, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.ExtraFiles = []*os.File{gen, srv} // descriptors 3 and 4
	// The kernel kills the link when its owner dies; its own process
	// group keeps a Ctrl-C at the terminal from reaching it, so that the
	// owner decides when the link stops (after the drain).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	p := &linkProc{cmd: cmd, lines: make(chan []byte, 4), exited: make(chan struct{}), stderr: &tail{max: 4 << 10}}
	cmd.Stderr = p.stderr
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("netlab: link: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("netlab: link: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("netlab: start the link %s: %w", argv[0], err)
	}
	go func() {
		r := bufio.NewReader(stdout)
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				break
			}
			select {
			case p.lines <- line:
			default: // nobody asked: not a reply to keep
			}
		}
		close(p.lines)
		p.werr = cmd.Wait()
		close(p.exited)
	}()
	line, err := json.Marshal(cfg)
	if err == nil {
		_, err = p.stdin.Write(append(line, '\n'))
	}
	var ready linkReply
	if err == nil {
		ready, err = p.reply(ctx)
	}
	if err == nil && ready.Error != "" {
		err = errors.New(ready.Error)
	}
	if err != nil {
		p.kill()
		return nil, fmt.Errorf("netlab: the link did not start: %w%s", err, p.stderr.said())
	}
	return p, nil
}

// reply waits for the link's next line.
func (p *linkProc) reply(ctx context.Context) (linkReply, error) {
	if p.broken != nil {
		return linkReply{}, p.broken
	}
	ctx, cancel := context.WithTimeout(ctx, linkTimeout)
	defer cancel()
	select {
	case line, ok := <-p.lines:
		if !ok {
			<-p.exited
			return linkReply{}, fmt.Errorf("the link exited: %v", p.werr)
		}
		var r linkReply
		if err := json.Unmarshal(line, &r); err != nil {
			return linkReply{}, fmt.Errorf("bad line from the link: %w", err)
		}
		return r, nil
	case <-ctx.Done():
		p.broken = fmt.Errorf("no reply from the link: %w", ctx.Err())
		return linkReply{}, p.broken
	}
}

// stats asks the link for its counters.
func (p *linkProc) stats(ctx context.Context) (LinkStats, error) {
	if _, err := io.WriteString(p.stdin, "stats\n"); err != nil {
		return LinkStats{}, fmt.Errorf("netlab: ask the link for stats: %w%s", err, p.stderr.said())
	}
	r, err := p.reply(ctx)
	if err == nil && r.Error != "" {
		err = errors.New(r.Error)
	}
	if err == nil && r.Stats == nil {
		err = errors.New("no stats in the link's reply")
	}
	if err != nil {
		return LinkStats{}, fmt.Errorf("netlab: link stats: %w%s", err, p.stderr.said())
	}
	return *r.Stats, nil
}

// stop closes the link's stdin, reads its final counters and waits for it
// to exit, killing it after linkTimeout.
func (p *linkProc) stop() (LinkStats, error) {
	p.stdin.Close()
	r, err := p.reply(context.Background())
	if err == nil && r.Error != "" {
		err = errors.New(r.Error)
	}
	var s LinkStats
	if r.Stats != nil {
		s = *r.Stats
	}
	select {
	case <-p.exited:
	case <-time.After(linkTimeout):
		p.cmd.Process.Kill()
		<-p.exited
		err = errors.Join(err, fmt.Errorf("did not exit within %s, killed", linkTimeout))
	}
	if err == nil && p.werr != nil {
		err = p.werr
	}
	if err != nil {
		return s, fmt.Errorf("netlab: stop the link: %w%s", err, p.stderr.said())
	}
	return s, nil
}

// kill ends the link at once and waits for it.
func (p *linkProc) kill() {
	p.stdin.Close()
	p.cmd.Process.Kill()
	<-p.exited
}

// tail keeps the last max bytes written to it. It is safe for concurrent
// use.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(b), nil
}

// said returns what the link wrote to its standard error, for an error
// message.
func (t *tail) said() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(string(t.buf))
	if s == "" {
		return ""
	}
	return " (the link said: " + s + ")"
}
