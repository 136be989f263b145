// Package realserver runs real TLS servers from the system's packages —
// nginx, HAProxy and openssl s_server — as the nodes of a benchmark on
// loopback, and reads the servers' own record of every handshake.
//
// Start writes each node's configuration and key files into a temporary
// directory of its own (mode 0700; private key and ticket-key files 0600),
// starts one process per node bound to its own address (Config.Hosts, on
// loopback 127.0.0.2, 127.0.0.3, ... as package bench places them), and
// returns once every node accepts TCP connections. Stop stops them (SIGTERM, then SIGKILL after 5 s) and removes
// the directory. A node process is also killed by the kernel if the process
// that started it dies (PR_SET_PDEATHSIG), so none is left behind. Each node
// is one process, so that its PIDs give its CPU:
//
//   - nginx runs with master_process off: the process tlsbench starts is
//     the one that serves. (A master's workers would survive the master's
//     death, and the CPU would be split over processes.) The stream module
//     terminates TLS, writes "node N\n", sends close_notify and closes,
//     like a testbed node, and logs $ssl_session_reused, $ssl_protocol and
//     $ssl_cipher to an access log per node. A failed handshake is logged
//     with the cipher "(NONE)" and counts as failed. With Config.HTTP the
//     http module answers one HTTP/1.1 request per connection instead and
//     logs the same variables per request.
//   - HAProxy terminates TLS itself in HTTP mode (nbthread 1): it answers
//     one request with "node N\n" (http-request return) and logs
//     ssl_fc_is_resumed, %sslv and %sslc to its standard output, which
//     this package reads. HAProxy logs a failed handshake as "SSL
//     handshake failure".
//   - openssl s_server -www answers one HTTP request with its status page.
//     It keeps no log, so the node's counts come from the session-cache
//     statistics on that page, read by a probe connection of this package
//     (one full handshake, subtracted from the counts). s_server serves one
//     connection at a time.
//
// Optionally an HAProxy in TCP mode (no TLS) stands in front of the nodes
// (on 127.0.1.1 by default) and spreads connections over them (Config.Balance); clients
// then dial only its address.
//
// Where the servers keep resumption state follows Config: ticket keys per
// node or shared (nginx ssl_session_ticket_key files of 80 random bytes,
// HAProxy tls-ticket-keys files of three base64 keys), or no tickets; a
// session cache per node (each node is a process of its own, so a cache
// cannot be shared) or none. With tickets off and a session cache, OpenSSL
// resumes TLS 1.2 by session ID and TLS 1.3 by stateful tickets whose
// identity refers to the cache.
//
// Where the nodes listen, how their processes are started and how this
// package reaches them are Config's (Hosts, Port, FrontHost, Command,
// Dial), so that a network lab can put them in a namespace of their own.
//
// The package does not generate load or decide what a run measures:
// package bench does. Ticket keys are made here, written only into the
// temporary directory, and never returned.
package realserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// Kind is the server software of the nodes.
type Kind string

// The kinds of server.
const (
	Nginx   Kind = "nginx"
	HAProxy Kind = "haproxy"
	OpenSSL Kind = "openssl"
)

// Binary returns the program a kind runs.
func (k Kind) Binary() string { return string(k) }

// nginxStreamModule is where Debian's libnginx-mod-stream puts the stream
// module.
const nginxStreamModule = "/usr/lib/nginx/modules/ngx_stream_module.so"

// Available returns nil when kind's program is installed, or an error
// that names the missing program and the Debian packages that provide it.
func Available(kind Kind) error { return available(kind, true) }

// available is Available; stream says whether nginx needs its stream
// module (not for Config.HTTP).
func available(kind Kind, stream bool) error {
	pkgs := map[Kind]string{
		Nginx:   "nginx libnginx-mod-stream",
		HAProxy: "haproxy",
		OpenSSL: "openssl",
	}
	p, ok := pkgs[kind]
	if !ok {
		return fmt.Errorf("realserver: unknown server kind %q", kind)
	}
	if _, err := exec.LookPath(kind.Binary()); err != nil {
		return fmt.Errorf("realserver: %s is not installed (apt-get install %s)", kind.Binary(), p)
	}
	if kind == Nginx && stream {
		if _, err := os.Stat(nginxStreamModule); err != nil {
			return fmt.Errorf("realserver: nginx's stream module %s is missing (apt-get install libnginx-mod-stream)", nginxStreamModule)
		}
	}
	return nil
}

// Config describes a fleet of real server nodes. The zero value is not
// usable: Kind, Hosts, CertFile and KeyFile must be set.
type Config struct {
	// Kind is the server software of every node.
	Kind Kind

	// Hosts are the nodes' listen IP addresses, one node each
	// ("127.0.0.2").
	Hosts []string

	// Port is every node's listen port (each node has a host of its own).
	// Zero: each node gets a port that is free when Start looks, found by
	// listening on its host from this process, which therefore must have
	// the host among its addresses. A network lab whose nodes listen in a
	// namespace of their own sets a port instead: nothing else listens
	// there.
	Port int

	// FrontHost is the balancer's listen IP address (see Balance). Empty:
	// DefaultFrontHost. It listens on Port too when Port is set.
	FrontHost string

	// HTTP makes nginx nodes serve HTTP/1.1 with the http module (one
	// request per connection, answered "node N\n", keepalive_requests 1)
	// instead of the stream module's one line, as a web server does; its
	// access log counts only handshakes that carried a request, so failed
	// handshakes are not counted. HAProxy and s_server nodes always answer
	// HTTP. Unused by the other kinds.
	HTTP bool

	// Command, when set, returns the command line that runs a server
	// process's argv (argv[0] is the program's name): a network lab wraps
	// it to start the process in its server namespace. The process it
	// starts must be the server itself (exec it, do not fork it), since
	// its PID gives the server's CPU time and receives SIGTERM. Nil: argv
	// as it is.
	Command func(argv []string) []string

	// Dial, when set, makes the TCP connections this package makes to the
	// nodes itself: the wait for each to accept and the reads of
	// s_server's statistics. It is given a dialer with the timeout set.
	// A network lab dials from its generator namespace with it. Nil:
	// d.DialContext(ctx, "tcp", address).
	Dial func(ctx context.Context, d *net.Dialer, address string) (net.Conn, error)

	// CertFile is the PEM certificate chain, leaf first; KeyFile its
	// private key (PEM). Every node serves the same chain.
	CertFile, KeyFile string

	// CAFile and ServerName verify the openssl nodes' status page when
	// this package reads their counts (the probe verifies the
	// certificate like any client). Unused by the other kinds.
	CAFile, ServerName string

	// MinVersion and MaxVersion bound the TLS versions the nodes accept,
	// as "1.0" .. "1.3". Empty: 1.2 and 1.3.
	MinVersion, MaxVersion string

	// Ciphers is the OpenSSL cipher list for TLS 1.2 and below
	// ("ECDHE-ECDSA-AES128-GCM-SHA256:..."). Empty: the server's default.
	Ciphers string

	// ClientCAFile, when set, makes nginx and HAProxy nodes require a
	// client certificate and verify it against the CA certificates in
	// this PEM file (mutual TLS: nginx ssl_verify_client on with
	// ssl_client_certificate, HAProxy verify required with ca-file); a
	// handshake without a valid one fails. Refused for s_server nodes,
	// whose counts are read by a connection of this package's own. Empty:
	// no client certificate is asked for.
	ClientCAFile string

	// EarlyData turns on TLS 1.3 early data (0-RTT) on nginx nodes
	// (ssl_early_data on), which needs HTTP: the stream module has no
	// such setting. Off: the nodes' tickets allow no early data. Refused
	// for the other kinds.
	EarlyData bool

	// Groups is the OpenSSL list of key-exchange groups the nodes accept,
	// in their order of preference ("X25519:P-256"): s_server -groups,
	// nginx ssl_ecdh_curve, HAProxy's curves. Empty: the server's default
	// (OpenSSL 3.0's X25519, P-256, X448, P-521, P-384 and the FFDHE
	// groups; nginx's "auto").
	Groups string

	// TicketKeys is where session-ticket keys live: tlsfleet.PerNode,
	// Shared or Off (no tickets). Empty: PerNode. openssl s_server cannot
	// be given a key, so Shared is refused for it.
	TicketKeys tlsfleet.Scope

	// SessionCache is the nodes' session cache: tlsfleet.PerNode or Off.
	// Empty: PerNode. Shared is refused: each node is a process of its
	// own.
	SessionCache tlsfleet.Scope

	// SessionTimeout is how long a session stays resumable. Zero: the
	// server's default (5 minutes for nginx and HAProxy, 2 hours for
	// s_server). Not settable for s_server.
	SessionTimeout time.Duration

	// Balance, when set, puts an HAProxy in TCP mode on FrontHost in front
	// of the nodes with this policy: roundrobin, leastconn, source or
	// random (HAProxy's names). Empty: no balancer.
	Balance string

	// StartTimeout bounds the wait for every node to accept connections.
	// Zero means 10 s.
	StartTimeout time.Duration
}

// DefaultFrontHost is the balancer's listen address when Config.FrontHost
// is empty.
const DefaultFrontHost = "127.0.1.1"

func (c *Config) validate() error {
	var errs []error
	if err := available(c.Kind, !c.HTTP); err != nil {
		return err
	}
	if len(c.Hosts) == 0 {
		errs = append(errs, errors.New("no nodes"))
	}
	if c.CertFile == "" || c.KeyFile == "" {
		errs = append(errs, errors.New("no certificate or key file"))
	}
	if c.TicketKeys == "" {
		c.TicketKeys = tlsfleet.PerNode
	}
	if c.SessionCache == "" {
		c.SessionCache = tlsfleet.PerNode
	}
	if c.FrontHost == "" {
		c.FrontHost = DefaultFrontHost
	}
	if c.Port < 0 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("port %d is not a TCP port", c.Port))
	}
	switch c.TicketKeys {
	case tlsfleet.PerNode, tlsfleet.Off:
	case tlsfleet.Shared:
		if c.Kind == OpenSSL {
			errs = append(errs, errors.New("openssl s_server cannot be given a ticket key, so its nodes cannot share one"))
		}
	default:
		errs = append(errs, fmt.Errorf("unknown ticket-key scope %q", c.TicketKeys))
	}
	switch c.SessionCache {
	case tlsfleet.PerNode, tlsfleet.Off:
	default:
		errs = append(errs, fmt.Errorf("session cache %q: each node is a process of its own, so its cache is per-node or off", c.SessionCache))
	}
	if c.SessionTimeout != 0 && c.Kind == OpenSSL {
		errs = append(errs, errors.New("openssl s_server has no setting for the session timeout"))
	}
	if c.Kind == OpenSSL && (c.CAFile == "" || c.ServerName == "") {
		errs = append(errs, errors.New("openssl nodes need CAFile and ServerName to read their counts"))
	}
	for _, v := range []string{c.MinVersion, c.MaxVersion} {
		if _, ok := versionNames[v]; v != "" && !ok {
			errs = append(errs, fmt.Errorf("unknown TLS version %q (want 1.0, 1.1, 1.2 or 1.3)", v))
		}
	}
	if strings.Trim(c.Groups, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_") != "" {
		errs = append(errs, fmt.Errorf("groups %q: want OpenSSL group names separated by colons", c.Groups))
	}
	if c.ClientCAFile != "" && c.Kind == OpenSSL {
		errs = append(errs, errors.New("s_server nodes are not given a client CA: their counts are read by a connection of tlsbench's own"))
	}
	if c.EarlyData && (c.Kind != Nginx || !c.HTTP) {
		errs = append(errs, errors.New("early data is nginx's ssl_early_data, which needs HTTP nodes (Config.HTTP): the stream module, HAProxy and s_server nodes have no such setting here"))
	}
	switch c.Balance {
	case "", "roundrobin", "leastconn", "source", "random":
	default:
		errs = append(errs, fmt.Errorf("unknown HAProxy balance %q (want roundrobin, leastconn, source or random)", c.Balance))
	}
	if c.Balance != "" {
		if err := Available(HAProxy); err != nil {
			errs = append(errs, err)
		}
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 10 * time.Second
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("realserver: %w", err)
	}
	return nil
}

// versionNames maps a version as written in Config to the names the
// servers use: nginx's ssl_protocols, HAProxy's ssl-min-ver and OpenSSL's
// -min_protocol.
var versionNames = map[string]string{"1.0": "TLSv1", "1.1": "TLSv1.1", "1.2": "TLSv1.2", "1.3": "TLSv1.3"}

var versionOrder = []string{"1.0", "1.1", "1.2", "1.3"}

// versions returns the versions from min to max (defaults 1.2 and 1.3).
func (c *Config) versions() []string {
	lo, hi := c.MinVersion, c.MaxVersion
	if lo == "" {
		lo = "1.2"
	}
	if hi == "" {
		hi = "1.3"
	}
	var out []string
	in := false
	for _, v := range versionOrder {
		in = in || v == lo
		if in {
			out = append(out, v)
		}
		if v == hi {
			break
		}
	}
	return out
}

// Fleet is a set of running server nodes. Its methods are safe for
// concurrent use.
type Fleet struct {
	cfg   Config
	dir   string
	nodes []*node
	front *proc

	// Addresses are the nodes' listen addresses (host:port), in node
	// order.
	Addresses []string
	// Front is the balancer's address, empty without one.
	Front string
	// Server names the server software and how it runs, e.g. "nginx/1.22.1
	// (stream module), one process per node (master_process off)".
	Server string

	mu      sync.Mutex
	stopped bool
	stopErr error
}

// node is one server process and how its counts are read.
type node struct {
	index   int
	addr    string
	proc    *proc
	counter counter
}

// counter reads a node's cumulative counts.
type counter interface {
	// counts returns the node's counts since it started. After the node
	// stopped it returns the last counts read.
	counts(ctx context.Context) (Counts, error)
	// close releases what the counter holds, after a last read.
	close()
}

// Counts are one node's handshakes since it started, as the server itself
// recorded them. Counters only grow; a phase's counts are the difference
// of two reads.
type Counts struct {
	// Node is the node's index; Address its listen address.
	Node    int
	Address string
	// Full and Resumed count completed handshakes, of every version.
	Full, Resumed int64
	// Full12, Full13, Resumed12 and Resumed13 split them by version when
	// VersionsKnown (nginx and HAProxy log each handshake's version;
	// s_server's statistics do not). TLS 1.0 and 1.1 are only in the
	// totals.
	Full12, Full13, Resumed12, Resumed13 int64
	// Failed counts handshakes the server saw fail.
	Failed int64
	// VersionsKnown says whether the server recorded each handshake's
	// version.
	VersionsKnown bool
}

// Start writes the configuration of cfg's nodes, starts them and returns
// once each accepts TCP connections. ctx bounds the start only: the nodes
// run until Stop (or until this process dies). On error nothing is left
// running.
func Start(ctx context.Context, cfg Config) (*Fleet, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	var lastErr error
	// A free port found by listening on it may be taken by someone else
	// before the server binds it; then the start is retried with new ports.
	for attempt := 0; attempt < 3; attempt++ {
		f, err, retry := start(ctx, cfg)
		if err == nil {
			return f, nil
		}
		lastErr = err
		if !retry || ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func start(ctx context.Context, cfg Config) (*Fleet, error, bool) {
	// The directory names its owner's PID, so that a later run can remove
	// the key files of a run that was killed before it could (SIGKILL).
	removeStale(os.TempDir())
	dir, err := os.MkdirTemp("", fmt.Sprintf("tlsbench-%s-pid%d-*", cfg.Kind, os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("realserver: %w", err), false
	}
	f := &Fleet{cfg: cfg, dir: dir}
	fail := func(err error) (*Fleet, error, bool) {
		f.Stop()
		return nil, err, strings.Contains(err.Error(), "in use")
	}
	for i, host := range cfg.Hosts {
		port, err := cfg.port(host)
		if err != nil {
			return fail(err)
		}
		f.Addresses = append(f.Addresses, net.JoinHostPort(host, port))
		f.nodes = append(f.nodes, &node{index: i, addr: f.Addresses[i]})
	}
	var keys *ticketKeys
	if cfg.TicketKeys != tlsfleet.Off && cfg.Kind != OpenSSL {
		if keys, err = newTicketKeys(f, cfg.Kind, cfg.TicketKeys, len(cfg.Hosts)); err != nil {
			return fail(err)
		}
	}
	for _, n := range f.nodes {
		var err error
		switch cfg.Kind {
		case Nginx:
			err = f.startNginx(n, keys)
		case HAProxy:
			err = f.startHAProxy(n, keys)
		case OpenSSL:
			err = f.startOpenSSL(n)
		}
		if err != nil {
			return fail(err)
		}
	}
	if cfg.Balance != "" {
		if err := f.startFront(); err != nil {
			return fail(err)
		}
	}
	wait, cancel := context.WithTimeout(ctx, cfg.StartTimeout)
	defer cancel()
	for _, n := range f.nodes {
		if err := n.proc.waitAccept(wait, cfg.dial, n.addr); err != nil {
			return fail(err)
		}
	}
	if f.front != nil {
		if err := f.front.waitAccept(wait, cfg.dial, f.Front); err != nil {
			return fail(err)
		}
	}
	f.Server = describe(cfg)
	return f, nil, false
}

// port returns the port a node on host listens on: Config.Port, or one
// that is free on host now.
func (c *Config) port(host string) (string, error) {
	if c.Port > 0 {
		return strconv.Itoa(c.Port), nil
	}
	return freePort(host)
}

// dial makes a connection of this package's own to a node.
func (c *Config) dial(ctx context.Context, d *net.Dialer, address string) (net.Conn, error) {
	if c.Dial != nil {
		return c.Dial(ctx, d, address)
	}
	return d.DialContext(ctx, "tcp", address)
}

// command returns the command line that runs argv.
func (c *Config) command(argv []string) []string {
	if c.Command != nil {
		return c.Command(argv)
	}
	return argv
}

// freePort returns a port that is free on host now.
func freePort(host string) (string, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", fmt.Errorf("realserver: find a free port on %s: %w", host, err)
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

// Dir returns the temporary directory that holds the nodes'
// configuration, key and log files. Stop removes it.
func (f *Fleet) Dir() string { return f.dir }

// PIDs returns the process ids of every node and of the balancer, for
// reading their CPU time.
func (f *Fleet) PIDs() []int {
	var pids []int
	for _, n := range f.nodes {
		pids = append(pids, n.proc.pid())
	}
	if f.front != nil {
		pids = append(pids, f.front.pid())
	}
	return pids
}

// Counts returns every node's counts since it started, in node order. It
// waits until the servers' logs stop growing (up to 1 s), so that a
// handshake whose connection has just ended is in them.
func (f *Fleet) Counts(ctx context.Context) ([]Counts, error) {
	out := make([]Counts, len(f.nodes))
	for i, n := range f.nodes {
		c, err := n.counter.counts(ctx)
		if err != nil {
			return nil, fmt.Errorf("realserver: node %d (%s): %w", i, n.addr, err)
		}
		c.Node, c.Address = i, n.addr
		out[i] = c
	}
	return out, nil
}

// Stop stops every process (SIGTERM, SIGKILL after 5 s), keeps the last
// counts, and removes the temporary directory. It is safe to call more
// than once; it returns the first problem met.
func (f *Fleet) Stop() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		return f.stopErr
	}
	f.stopped = true
	var errs []error
	if f.front != nil {
		errs = append(errs, f.front.stop())
	}
	for _, n := range f.nodes {
		if n.counter != nil {
			// A last read before the logs go: Counts still answers
			// after Stop.
			n.counter.counts(context.Background())
		}
		if n.proc != nil {
			errs = append(errs, n.proc.stop())
		}
		if n.counter != nil {
			n.counter.close()
		}
	}
	if f.dir != "" {
		errs = append(errs, os.RemoveAll(f.dir))
	}
	f.stopErr = errors.Join(errs...)
	return f.stopErr
}

// path returns a file name in the fleet's directory.
func (f *Fleet) path(name string) string { return filepath.Join(f.dir, name) }

// writeFile writes a file in the fleet's directory with mode perm from
// the start (O_EXCL), so that a key file is never readable by others.
func (f *Fleet) writeFile(name string, data []byte, perm os.FileMode) (string, error) {
	p := f.path(name)
	fh, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return "", fmt.Errorf("realserver: %w", err)
	}
	if _, err := fh.Write(data); err != nil {
		fh.Close()
		return "", fmt.Errorf("realserver: %w", err)
	}
	if err := fh.Close(); err != nil {
		return "", fmt.Errorf("realserver: %w", err)
	}
	return p, nil
}

// describe names the server software, its version and how it runs.
func describe(cfg Config) string {
	var s string
	switch cfg.Kind {
	case Nginx:
		module := "stream module"
		if cfg.HTTP {
			module = "http module, one request per connection"
		}
		s = programVersion("nginx", "-v") + " (" + module + "), one process per node (master_process off)"
	case HAProxy:
		s = programVersion("haproxy", "-v") + " terminating TLS (HTTP mode), one process per node (nbthread 1)"
	case OpenSSL:
		s = programVersion("openssl", "version") + " s_server -www, one process per node"
	}
	if cfg.Balance != "" {
		s += "; behind " + programVersion("haproxy", "-v") + " in TCP mode (balance " + cfg.Balance + ") on " + cfg.FrontHost
	}
	return s
}

// programVersion returns the first line a program prints for its version
// flag, trimmed ("nginx version: nginx/1.22.1" → "nginx/1.22.1").
func programVersion(bin string, args ...string) string {
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil && len(out) == 0 {
		return bin
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	line = strings.TrimPrefix(line, "nginx version: ")
	if bin == "haproxy" {
		// "HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/"
		if f := strings.Fields(line); len(f) >= 3 {
			line = "HAProxy/" + f[2]
		}
	}
	if bin == "openssl" {
		// "OpenSSL 3.0.22 25 Aug 2026 (Library: ...)"
		if f := strings.Fields(line); len(f) >= 2 {
			line = f[0] + "/" + f[1]
		}
	}
	return line
}

// removeStale removes the fleet directories in tmp whose owning process no
// longer runs: what a killed run left behind, key files included.
func removeStale(tmp string) {
	dirs, _ := filepath.Glob(filepath.Join(tmp, "tlsbench-*-pid*-*"))
	for _, d := range dirs {
		var kind string
		var pid int
		name := filepath.Base(d)
		i := strings.Index(name, "-pid")
		if i < 0 {
			continue
		}
		kind = name[len("tlsbench-"):i]
		if _, err := fmt.Sscanf(name[i+len("-pid"):], "%d", &pid); err != nil || kind == "" || pid <= 0 {
			continue
		}
		if pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
			os.RemoveAll(d)
		}
	}
}
