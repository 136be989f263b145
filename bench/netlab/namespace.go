package netlab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// netnsDir is where named network namespaces live, as `ip netns` keeps
// them: a bind mount of the namespace per name.
const netnsDir = "/run/netns"

// namePrefix starts the name of every namespace a lab creates:
// tlsbench-pid<owner's PID>-<lab id>-<side>.
const namePrefix = "tlsbench-pid"

// tunName is the TUN device's name inside each namespace.
const tunName = "tlsb0"

// Namespace is one side of a lab: a named network namespace (listed by
// `ip netns list`) holding a TUN device, loopback and the side's addresses
// and routes. Its methods are safe for concurrent use.
type Namespace struct {
	name   string
	handle netns.NsHandle  // keeps the namespace open
	nl     *netlink.Handle // netlink requests into the namespace

	poolOnce sync.Once
	pool     *socketPool
	mu       sync.Mutex
	closed   bool
}

// Name returns the namespace's name, as `ip netns list` shows it, for `ip
// netns exec NAME command`.
func (n *Namespace) Name() string { return n.name }

// Path returns the namespace's bind mount, /run/netns/NAME, for `nsenter
// --net=PATH` or setns(2).
func (n *Namespace) Path() string { return filepath.Join(netnsDir, n.name) }

// Do runs fn on an OS thread that has entered the namespace, and returns
// fn's error. What fn does on that thread happens in the namespace:
//
//   - a socket it creates (net.Listen, net.Dial, syscall.Socket) belongs to
//     the namespace for its whole life, whichever thread uses it later;
//   - a process it starts (exec.Cmd.Start, os.StartProcess; for example
//     testbed.Start or a real server's start) runs in the namespace, and so
//     do that process's children;
//   - goroutines it starts do not: they run on other threads, in this
//     process's own namespace (the machine's);
//   - fn must leave the thread locked as it found it (as many
//     runtime.UnlockOSThread calls as LockOSThread calls).
//
// The thread returns to its original namespace afterwards and stays alive,
// so a child started with a parent-death signal (which Linux ties to the
// thread that forked it) is not killed when Do returns (see onThreadIn).
// Do costs a thread switch and two setns(2) calls:
// cheap per process or listener, too dear per connection (see Dialer).
func (n *Namespace) Do(fn func() error) error {
	if err := n.check(); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() {
		errc <- onThreadIn(n.handle, n.name, fn)
	}()
	return <-errc
}

// onThreadIn locks the calling goroutine to its thread, moves the thread
// into the namespace h (none: it stays where it is), runs fn, and moves
// the thread back and unlocks it, whatever fn did to its namespace.
//
// Threads of this process must not end: Linux sends a child's
// parent-death signal when the thread that forked it ends, whichever
// goroutine that thread served at the time, so a locked thread left to die
// would kill the testbed, a real server or the link, if one of them was
// once started from it. Only when the thread cannot move back (never seen)
// is it left locked, to end with its goroutine rather than serve others in
// the wrong namespace.
func onThreadIn(h netns.NsHandle, name string, fn func() error) error {
	runtime.LockOSThread()
	origin, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("netlab: current namespace: %w", err)
	}
	defer origin.Close()
	if h.IsOpen() {
		if err := netns.Set(h); err != nil {
			runtime.UnlockOSThread() // the thread did not move
			return fmt.Errorf("netlab: enter %s: %w", name, err)
		}
	}
	err = fn()
	if rerr := netns.Set(origin); rerr != nil {
		return errors.Join(err, fmt.Errorf("netlab: back from %s: %w", name, rerr))
	}
	runtime.UnlockOSThread()
	return err
}

// Listen listens on address (for example "198.19.0.2:443") in the
// namespace; see net.ListenConfig.Listen. Connections it accepts belong to
// the namespace too. TCP keep-alive is off on them, as on the testbed's.
func (n *Namespace) Listen(ctx context.Context, network, address string) (net.Listener, error) {
	var ln net.Listener
	err := n.Do(func() error {
		var err error
		ln, err = (&net.ListenConfig{KeepAlive: -1}).Listen(ctx, network, address)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("netlab: listen in %s: %w", n.name, err)
	}
	return ln, nil
}

// Dialer returns a dialer whose sockets are created in the namespace; it
// takes Timeout, Deadline, LocalAddr and KeepAlive from base (see Dialer).
func (n *Namespace) Dialer(base net.Dialer) *Dialer {
	return &Dialer{Timeout: base.Timeout, Deadline: base.Deadline, LocalAddr: base.LocalAddr, KeepAlive: base.KeepAlive, ns: n}
}

func (n *Namespace) check() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return fmt.Errorf("netlab: %s: the lab is stopped", n.name)
	}
	return nil
}

// sockets returns the namespace's socket pool, starting it on first use.
func (n *Namespace) sockets() (*socketPool, error) {
	if err := n.check(); err != nil {
		return nil, err
	}
	n.poolOnce.Do(func() { n.pool = newSocketPool(n) })
	if n.pool == nil { // close came first
		return nil, fmt.Errorf("netlab: %s: the lab is stopped", n.name)
	}
	return n.pool, nil
}

// close stops the socket pool and releases the handles; it does not
// remove the namespace.
func (n *Namespace) close() {
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	n.poolOnce.Do(func() {}) // no pool from now on
	if n.pool != nil {
		n.pool.close()
	}
	if n.nl != nil {
		n.nl.Close()
	}
	n.handle.Close()
}

// labName returns the name of a lab's namespace: owner PID, lab id, side.
func labName(pid int, id, side string) string {
	return namePrefix + strconv.Itoa(pid) + "-" + id + "-" + side
}

// ownerOf returns the PID in a lab namespace's name, or 0 if the name is
// not a lab's.
func ownerOf(name string) int {
	rest, ok := strings.CutPrefix(name, namePrefix)
	if !ok {
		return 0
	}
	pidText, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// RemoveStale removes the namespaces of labs whose owner no longer runs
// (what a SIGKILLed run left behind), and returns their names. Their TUN
// devices went with the link process, which the kernel killed when its
// owner died; processes still inside (a testbed whose parent-death signal
// is pending) keep an unnamed namespace alive until they exit. Start calls
// it; labs of living processes, other runs' included, are left alone.
func RemoveStale() ([]string, error) {
	entries, err := os.ReadDir(netnsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("netlab: %w", err)
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		pid := ownerOf(e.Name())
		if pid == 0 || pid == os.Getpid() || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue
		}
		if err := removeNamespace(e.Name()); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, e.Name())
	}
	return removed, errors.Join(errs...)
}

// removeNamespace unmounts and removes a named namespace, as `ip netns
// delete` does. A name that is not mounted (a half-made one) is removed
// all the same.
func removeNamespace(name string) error {
	path := filepath.Join(netnsDir, name)
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("netlab: unmount %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("netlab: %w", err)
	}
	return nil
}

// namespaceSysctls are set in each lab namespace before its device is
// made. IPv6 is off so that the devices carry only the lab's IPv4 traffic
// (no router solicitations in the link's counters), and TCP does not cache
// metrics per destination, so that every connection starts as a new
// client's would, whatever the connections before it measured.
var namespaceSysctls = []struct{ path, value string }{
	{"net/ipv6/conf/all/disable_ipv6", "1"},
	{"net/ipv6/conf/default/disable_ipv6", "1"},
	{"net/ipv4/tcp_no_metrics_save", "1"},
}

// makeSide creates the named namespace, moves the calling thread into it
// (its goroutine must be locked to the thread, see onThreadIn), sets its
// sysctls and creates its TUN
// device, whose file it returns.
func makeSide(name string, congestion []string) (*os.File, string, error) {
	if err := os.MkdirAll(netnsDir, 0o755); err != nil {
		return nil, "", fmt.Errorf("netlab: %w", err)
	}
	h, err := netns.NewNamed(name)
	if err != nil {
		return nil, "", fmt.Errorf("netlab: create namespace %s: %w", name, err)
	}
	h.Close()
	for _, s := range namespaceSysctls {
		// /proc/sys/net is the namespace of the thread that opens it.
		err := os.WriteFile(filepath.Join("/proc/sys", s.path), []byte(s.value), 0o644)
		if err != nil && !(errors.Is(err, os.ErrNotExist) && strings.Contains(s.path, "ipv6")) {
			return nil, "", fmt.Errorf("netlab: %s: sysctl %s: %w", name, s.path, err)
		}
	}
	cc, err := setCongestion(congestion)
	if err != nil {
		return nil, "", fmt.Errorf("netlab: %s: %w", name, err)
	}
	f, err := openTUN(tunName)
	return f, cc, err
}

// setCongestion sets the calling thread's namespace's congestion control
// to the first of choices the kernel accepts and returns it. Outside the
// machine's own namespace Linux accepts only those of
// net.ipv4.tcp_allowed_congestion_control (which always holds reno and
// the machine's own default).
func setCongestion(choices []string) (string, error) {
	var errs []error
	for _, cc := range choices {
		err := os.WriteFile("/proc/sys/net/ipv4/tcp_congestion_control", []byte(cc), 0o644)
		if err == nil {
			return cc, nil
		}
		errs = append(errs, fmt.Errorf("congestion control %s: %w", cc, err))
	}
	avail, _ := os.ReadFile("/proc/sys/net/ipv4/tcp_available_congestion_control")
	allowed, _ := os.ReadFile("/proc/sys/net/ipv4/tcp_allowed_congestion_control")
	return "", fmt.Errorf("%w (this kernel has %s; namespaces may use %s: net.ipv4.tcp_allowed_congestion_control)",
		errors.Join(errs...), strings.TrimSpace(string(avail)), strings.TrimSpace(string(allowed)))
}

// openTUN creates a TUN device (IP packets, no packet-information header)
// in the network namespace of the calling thread and returns its file. The
// device is not persistent: it goes when its last descriptor closes.
func openTUN(name string) (*os.File, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("netlab: open /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq(name)
	if err == nil {
		ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
		err = unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr)
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netlab: create TUN device %s: %w", name, err)
	}
	return os.NewFile(uintptr(fd), "/dev/net/tun "+name), nil
}
