package testbed

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlsbench/tlsbench/loadgen/clock"
	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// Serve runs a fleet in this process: it reads a Config line from in,
// starts the nodes, writes Ready to out, then answers each "stats" line with
// Stats until in reaches EOF, a "stop" line arrives or ctx ends. It stops
// every node before returning. The fleet runs on the real clock.
func Serve(ctx context.Context, in io.Reader, out io.Writer) error {
	return serve(ctx, in, out, clock.Real{})
}

// serve is Serve on clk, the time source of the fleet: its rotation
// epoch and schedule, the issue time and age of every session, and each
// node's tls.Config.Time.
func serve(ctx context.Context, in io.Reader, out io.Writer, clk clock.Clock) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sc := bufio.NewScanner(in)
	enc := json.NewEncoder(out)
	if !sc.Scan() {
		return fmt.Errorf("testbed: no config on stdin: %v", sc.Err())
	}
	var cfg Config
	if err := json.Unmarshal(sc.Bytes(), &cfg); err != nil {
		enc.Encode(Ready{Error: "bad config: " + err.Error()})
		return fmt.Errorf("testbed: bad config: %w", err)
	}
	f, err := startFleet(ctx, cfg, clk)
	if err != nil {
		enc.Encode(Ready{Error: err.Error()})
		return err
	}
	defer f.stop()
	if err := enc.Encode(Ready{Addresses: f.addresses(), Epoch: f.epoch, ECHConfigList: f.echConfigList}); err != nil {
		return fmt.Errorf("testbed: write ready: %w", err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok || line == "stop" {
				return nil
			}
			var reply any
			switch cmd, arg, _ := strings.Cut(line, " "); cmd {
			case "stats":
				reply = f.stats()
			case "kill", "stall":
				reply = FaultReply{}
				if err := f.fault(cmd, arg); err != nil {
					reply = FaultReply{Error: err.Error()}
				}
			default:
				return fmt.Errorf("testbed: unknown command %q", line)
			}
			if err := enc.Encode(reply); err != nil {
				return fmt.Errorf("testbed: write reply: %w", err)
			}
		}
	}
}

type fleet struct {
	nodes  []*node
	epoch  time.Time
	cancel context.CancelFunc // ends the key rotation goroutines
	wg     sync.WaitGroup

	// echConfigList is the public config of the fleet's ECH key; nil
	// without ECH.
	echConfigList []byte
}

type node struct {
	id       int
	clock    clock.Clock // the fleet's
	ln       net.Listener
	cfg      *tls.Config
	payload  []byte
	timeout  time.Duration
	lifetime time.Duration
	keys     *keyring      // Store "tickets" with tickets on
	store    *sessionStore // Store "cache"
	// sharedState: sessions from other nodes are readable here (shared
	// keys or a shared store), so a failure is not "other node".
	sharedState bool

	full12, full13, resumed12, resumed13, failed atomic.Int64
	fb                                           fallbackCounters

	// Faults: a killed node has closed its listener and its connections;
	// a stalled one does not accept until its stall channel is closed.
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	killed  bool
	stalled chan struct{}
}

// fault injects a failure into node arg: "kill" closes its listener and
// resets its open connections, as a crashed process would; "stall" stops
// accepting, so that connections wait in the listen backlog until they
// time out.
func (f *fleet) fault(action, arg string) error {
	i, err := strconv.Atoi(arg)
	if err != nil || i < 0 || i >= len(f.nodes) {
		return fmt.Errorf("testbed: no node %q", arg)
	}
	n := f.nodes[i]
	n.mu.Lock()
	defer n.mu.Unlock()
	switch action {
	case "kill":
		n.killed = true
		n.ln.Close()
		for c := range n.conns {
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0) // reset, as a crash does
			}
			c.Close()
		}
	case "stall":
		if n.stalled == nil {
			n.stalled = make(chan struct{})
		}
	}
	return nil
}

type fallbackCounters struct {
	otherNode, rotatedOut, rotatedAhead, expired, evicted, unreadable atomic.Int64
}

func startFleet(ctx context.Context, cfg Config, clk clock.Clock) (*fleet, error) {
	if len(cfg.Addresses) == 0 {
		return nil, errors.New("testbed: no node addresses")
	}
	cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("testbed: load certificate: %w", err)
	}
	clientCAs, err := loadClientCAs(cfg.ClientCAFile)
	if err != nil {
		return nil, err
	}
	var echKeys []tls.EncryptedClientHelloKey
	var echList []byte
	if cfg.ECHPublicName != "" {
		key, list, err := newECHKey(cfg.ECHPublicName)
		if err != nil {
			return nil, err
		}
		echKeys, echList = []tls.EncryptedClientHelloKey{key}, list
	}
	timeout := cfg.HandshakeTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	size := cfg.CacheSize
	if size <= 0 {
		size = 1_000_000
	}
	var master [32]byte
	rand.Read(master[:])
	var sharedStore *sessionStore
	if cfg.Store == tlsfleet.Cache && cfg.SharedCache {
		sharedStore = newSessionStore(size)
	}
	epoch := clk.Now()
	ctx, cancel := context.WithCancel(ctx)
	f := &fleet{epoch: epoch, cancel: cancel, echConfigList: echList}
	for i, addr := range cfg.Addresses {
		// No TCP keep-alive on accepted connections, as nginx by default.
		lc := net.ListenConfig{KeepAlive: -1}
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err != nil {
			f.stop()
			return nil, fmt.Errorf("testbed: node %d: %w", i, err)
		}
		n := &node{
			id:       i,
			clock:    clk,
			ln:       ln,
			payload:  []byte("node " + strconv.Itoa(i) + "\n"),
			conns:    map[net.Conn]struct{}{},
			timeout:  timeout,
			lifetime: cfg.SessionLifetime,
		}
		// A fresh tls.Config per node: a clone of a used config would
		// share its ticket keys.
		n.cfg = &tls.Config{
			Certificates: []tls.Certificate{cert},
			MinVersion:   tls.VersionTLS12,
			Time:         clk.Now, // the age of the sessions crypto/tls checks itself
			// Each node its own copy: a config holds what it is given.
			CurvePreferences: slices.Clone(cfg.CurvePreferences),
		}
		if clientCAs != nil {
			n.cfg.ClientAuth, n.cfg.ClientCAs = tls.RequireAndVerifyClientCert, clientCAs
		}
		if echKeys != nil {
			// ECH is TLS 1.3's: crypto/tls wants MinVersion 1.3 with keys.
			n.cfg.EncryptedClientHelloKeys, n.cfg.MinVersion = echKeys, tls.VersionTLS13
		}
		f.nodes = append(f.nodes, n)
		switch cfg.Store {
		case "", tlsfleet.Tickets:
			switch cfg.TicketKeys {
			case tlsfleet.Off:
				n.cfg.SessionTicketsDisabled = true
				continue
			case "", tlsfleet.PerNode, tlsfleet.Shared:
			default:
				f.stop()
				return nil, fmt.Errorf("testbed: unknown ticket_keys %q", cfg.TicketKeys)
			}
			n.sharedState = cfg.TicketKeys == tlsfleet.Shared
			n.keys = &keyring{
				master: master, node: i, shared: n.sharedState,
				epoch: epoch, every: cfg.RotateEvery, overlap: cfg.RotationOverlap, clock: clk,
			}
			if cfg.RotationStagger {
				n.keys.offset = cfg.RotateEvery * time.Duration(i) / time.Duration(len(cfg.Addresses))
			}
			n.keys.install(n.cfg)
			n.cfg.WrapSession = n.wrapTicket
			n.cfg.UnwrapSession = n.unwrapTicket
		case tlsfleet.Cache:
			n.store = sharedStore
			n.sharedState = sharedStore != nil
			if n.store == nil {
				n.store = newSessionStore(size)
			}
			n.cfg.WrapSession = n.wrapHandle
			n.cfg.UnwrapSession = n.unwrapHandle
		default:
			f.stop()
			return nil, fmt.Errorf("testbed: unknown store %q", cfg.Store)
		}
	}
	for _, n := range f.nodes {
		if n.keys != nil {
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				n.keys.rotate(ctx, n.cfg)
			}()
		}
	}
	for _, n := range f.nodes {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			n.serve(ctx)
		}()
	}
	return f, nil
}

func (f *fleet) addresses() []string {
	a := make([]string, len(f.nodes))
	for i, n := range f.nodes {
		a[i] = n.ln.Addr().String()
	}
	return a
}

func (f *fleet) stats() Stats {
	s := Stats{Nodes: make([]NodeStats, len(f.nodes))}
	for i, n := range f.nodes {
		s.Nodes[i] = NodeStats{
			Node:      n.id,
			Address:   n.ln.Addr().String(),
			Full12:    n.full12.Load(),
			Full13:    n.full13.Load(),
			Resumed12: n.resumed12.Load(),
			Resumed13: n.resumed13.Load(),
			Failed:    n.failed.Load(),
			Fallbacks: Fallbacks{
				OtherNode:    n.fb.otherNode.Load(),
				RotatedOut:   n.fb.rotatedOut.Load(),
				RotatedAhead: n.fb.rotatedAhead.Load(),
				Expired:      n.fb.expired.Load(),
				Evicted:      n.fb.evicted.Load(),
				Unreadable:   n.fb.unreadable.Load(),
			},
		}
		if n.keys != nil {
			n.keys.mu.RLock()
			s.Nodes[i].Generation = n.keys.cur
			n.keys.mu.RUnlock()
		}
	}
	return s
}

// stop ends key rotation, closes the listeners and waits for the nodes'
// goroutines.
func (f *fleet) stop() {
	f.cancel()
	for _, n := range f.nodes {
		n.ln.Close()
	}
	f.wg.Wait()
}

func (n *node) serve(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		n.mu.Lock()
		stalled := n.stalled
		n.mu.Unlock()
		if stalled != nil {
			select {
			case <-stalled:
			case <-ctx.Done():
				return
			}
		}
		c, err := n.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: back off briefly.
			if !n.clock.SleepUntil(n.clock.Now().Add(10*time.Millisecond), ctx.Done()) {
				return
			}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.handle(ctx, c)
		}()
	}
}

func (n *node) handle(ctx context.Context, c net.Conn) {
	n.mu.Lock()
	if n.killed {
		n.mu.Unlock()
		c.Close()
		return
	}
	n.conns[c] = struct{}{}
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		delete(n.conns, c)
		n.mu.Unlock()
		c.Close()
	}()
	c.SetDeadline(time.Now().Add(n.timeout)) // the poller's real clock, not the fleet's
	tc := tls.Server(c, n.cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		n.failed.Add(1)
		return
	}
	st := tc.ConnectionState()
	switch {
	case st.Version == tls.VersionTLS13 && st.DidResume:
		n.resumed13.Add(1)
	case st.Version == tls.VersionTLS13:
		n.full13.Add(1)
	case st.DidResume:
		n.resumed12.Add(1)
	default:
		n.full12.Add(1)
	}
	if _, err := tc.Write(n.payload); err != nil {
		return
	}
	// close_notify, then a TCP FIN: the server closes first, so TIME_WAIT
	// stays on the server side and the client's ephemeral ports are freed
	// at once. Then read what the client still sends (an HTTP request, its
	// own close) until it closes.
	if err := tc.CloseWrite(); err != nil {
		return
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	var buf [512]byte
	for {
		if _, err := tc.Read(buf[:]); err != nil {
			return
		}
	}
}
