// Package bench runs a scenario end to end: it starts the servers (the
// embedded testbed in a child process) or points at a remote one, drives
// the scenario's phases through package loadgen, measures the CPU of the
// generator and of the servers apart, reads the servers' own counts,
// attaches warnings and returns the run as a results.Run.
//
// It does not parse command lines, print or draw: package main does, with
// the Progress callback and the returned Run.
package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/tlsbench/tlsbench/bench/realserver"
	"github.com/tlsbench/tlsbench/bench/testbed"
	"github.com/tlsbench/tlsbench/loadgen"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// Options are the settings of a run that are not part of the scenario.
type Options struct {
	// TestbedCommand is the command that runs the testbed child, reading
	// its config on stdin (Serve). Default: this executable with the
	// argument "testbed".
	TestbedCommand []string

	// CertDir is where throwaway testbed certificates are kept. Default:
	// "certs".
	CertDir string

	// Version is the tool version recorded in results.
	Version string

	// Command is the command line recorded in results.
	Command []string

	// Progress, if not nil, is called while phases run (from another
	// goroutine).
	Progress func(Progress)

	// Grace is how long connections in flight may finish after the run's
	// context is canceled. Zero: 2 s.
	Grace time.Duration

	// Abort, when closed after the run's context is canceled, cuts the
	// connections still in flight at once instead of after the grace
	// period (a second Ctrl-C). Nil: never.
	Abort <-chan struct{}
}

// Progress reports a running phase.
type Progress struct {
	Scenario string
	// Index is the phase's index in the scenario, Phases their number.
	Index, Phases int
	// Planned is the phase's duration (0 for a count-bounded phase) and
	// Count its connection count (0 for a duration-bounded phase).
	Planned time.Duration
	Count   int64
	loadgen.Progress
}

// ErrInterrupted is wrapped by Run's error when ctx was canceled; the run
// it returns is then partial.
var ErrInterrupted = errors.New("interrupted")

// Run runs sc and returns its result. The scenario must be valid (loaded
// with scenarios.Load, or checked with Validate). When ctx is canceled the
// phase in flight stops, the servers are stopped, and Run returns the run
// marked partial together with an error wrapping ErrInterrupted. Other
// errors after the start return the partial run too; a nil run means
// nothing was measured.
func Run(ctx context.Context, sc *scenarios.Scenario, opts Options) (*results.Run, error) {
	run := &results.Run{
		SchemaVersion: results.SchemaVersion,
		StartedAt:     time.Now(),
		Tool:          results.Tool{Version: opts.Version, Go: runtime.Version(), Command: opts.Command},
		Machine:       machine(),
		Warnings:      []results.Warning{},
	}
	run.Label, run.Repeat, run.Repeats = sc.Name, 1, 1

	if err := readLimits().check(sc.Clients.Concurrency); err != nil {
		return nil, err
	}
	if sc.Network != nil {
		// Refused rather than run on loopback as if the block were not there.
		return nil, errors.New("bench: a network block is not run yet: the lab (package bench/netlab) is not wired into runs")
	}
	srv, err := startServers(ctx, sc, opts)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	run.Target = srv.target
	run.Warnings = append(run.Warnings, srv.warnings...)
	// After the servers start: a user's certificate decides tls.key.
	cfgJSON, err := json.Marshal(sc)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	run.Scenario = results.Scenario{Name: sc.Name, File: sc.File, Config: cfgJSON}
	run.Labels = labels(sc)
	lcfg, err := loadgenConfig(sc, srv)
	if err != nil {
		return nil, err
	}
	lcfg.Grace = opts.Grace
	gen, err := loadgen.New(lcfg)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	run.Client = results.Client{
		AfterHandshake: string(sc.AfterHandshake),
		Close:          closeDescription(sc.AfterHandshake, sc.Close, sc.Resumption == scenarios.ResumeIDs),
		SessionCache:   "none: every handshake is full",
		Clients:        sc.Clients.Count,
		Concurrency:    sc.Clients.Concurrency,
	}
	if lcfg.Resume {
		run.Client.SessionCache = "one session per client (its most recent), keyed by server name"
	}
	switch {
	case lcfg.InsecureSkipVerify:
		run.Client.Verify = "none: certificate verification skipped (target.insecure_skip_verify)"
	case lcfg.CacheVerifiedChains:
		run.Client.Verify = "cached: each distinct chain verified fully once (roots, name, validity), then matched byte for byte until it expires; the handshake signature is checked on every connection"
	default:
		run.Client.Verify = "full: the chain is verified on every full handshake"
	}

	var runErr error
	var unobservable bool // the servers' counters could not be read
	stopFaults := srv.injectFaults(ctx, sc.Faults, run)
	phases := sc.Phases
	if sc.Sweep != nil {
		phases = sweepPhases(sc)
		run.Sweep = &results.Sweep{Knee: -1}
	}
	for i, p := range phases {
		lp := loadgen.Phase{Name: p.Name, Measured: p.Recorded(), Duration: time.Duration(p.Duration), Count: int64(p.Count), Abort: opts.Abort, Rate: p.Rate}
		var progress func(loadgen.Progress)
		if opts.Progress != nil {
			progress = func(lpr loadgen.Progress) {
				opts.Progress(Progress{Scenario: sc.Name, Index: i, Phases: len(phases), Planned: lp.Duration, Count: lp.Count, Progress: lpr})
			}
		}
		before, berr := srv.snapshot(ctx)
		ph, err := gen.Run(ctx, lp, progress)
		after, aerr := srv.snapshot(context.WithoutCancel(ctx))
		fillServerSide(&ph, before, after)
		if srv.real != nil && ph.Server != nil {
			// Real servers do not say why they refused a session.
			ph.Server.Fallbacks = nil
			for j := range ph.Server.Nodes {
				ph.Server.Nodes[j].Fallbacks = nil
			}
		}
		// A server that stops answering is measured, not fatal: the run
		// goes on and the result says from when its counts are missing.
		if serr := errors.Join(berr, aerr); serr != nil && !unobservable {
			unobservable = true
			run.Warnings = append(run.Warnings, results.Warning{Code: "server_unobservable", Phase: p.Name,
				Message: fmt.Sprintf("the servers' own counters could not be read from phase %s on (%v): server-side counts are missing from there", p.Name, serr)})
		}
		run.Phases = append(run.Phases, ph)
		if srv.tb != nil || srv.real != nil {
			pr := predictor{sc: sc}
			if srv.tb != nil {
				pr.epoch = srv.tb.Epoch
			}
			run.Phases[i].Prediction = pr.predict(run, i)
		}
		if err != nil {
			runErr = err
			break
		}
		if run.Sweep != nil && p.Rate > 0 && p.Recorded() && sweepStep(sc.Sweep, run.Sweep, run.Phases[i]) {
			break
		}
	}
	if run.Sweep != nil && run.Sweep.Stopped == "" {
		run.Sweep.Stopped = "reached the last rate"
		if runErr != nil {
			run.Sweep.Stopped = "interrupted"
		}
		run.Sweep.Knee = len(run.Sweep.Steps) - 1
	}
	stopFaults()
	if err := srv.stop(); err != nil && runErr == nil && !unobservable {
		run.Warnings = append(run.Warnings, results.Warning{Code: "server_stop", Message: err.Error()})
	}
	run.EndedAt = time.Now()
	run.Warnings = append(run.Warnings, warnings(sc, run)...)
	switch {
	case runErr == nil:
	case ctx.Err() != nil:
		run.Partial = true
		run.PartialReason = "interrupted: " + context.Cause(ctx).Error()
		return run, fmt.Errorf("bench: %s: %w", sc.Name, ErrInterrupted)
	default:
		run.Partial = true
		run.PartialReason = runErr.Error()
		return run, fmt.Errorf("bench: %s: %w", sc.Name, runErr)
	}
	return run, nil
}

// servers is what a run measures: the embedded testbed, real servers
// (see realservers.go) or a remote server.
type servers struct {
	tb     *testbed.Process
	real   *realserver.Fleet
	target results.Target
	roots  *x509.CertPool
	// warnings found while starting the servers.
	warnings []results.Warning
	// version is the one TLS version the clients offer, under which the
	// real servers' counts of unknown version are filed.
	version scenarios.Version
}

func startServers(ctx context.Context, sc *scenarios.Scenario, opts Options) (*servers, error) {
	if !sc.Target.Embedded() {
		s := &servers{target: results.Target{
			Kind:               "remote",
			Server:             "remote (not started by tlsbench)",
			Addresses:          []string{sc.Target.Address},
			ServerName:         sc.Target.ServerName,
			InsecureSkipVerify: sc.Target.InsecureSkipVerify,
		}}
		if sc.Target.CAFile != "" {
			pool, err := loadPool(sc.Target.CAFile)
			if err != nil {
				return nil, err
			}
			s.roots = pool
		}
		return s, nil
	}
	dir := opts.CertDir
	if dir == "" {
		dir = "certs"
	}
	var certs CertSet
	var pool *x509.CertPool
	var warns []results.Warning
	name := ServerName
	if sc.TLS.CertFile != "" {
		certs = CertSet{CertFile: sc.TLS.CertFile, KeyFile: sc.TLS.KeyFile, CAFile: sc.TLS.CAFile}
		var err error
		var key scenarios.KeyType
		if name, key, warns, err = userCert(certs); err != nil {
			return nil, err
		}
		if sc.TLS.Key != "" && sc.TLS.Key != key {
			return nil, fmt.Errorf("bench: tls.key is %s but %s holds a %s key", sc.TLS.Key, certs.CertFile, key)
		}
		sc.TLS.Key = key
		if certs.CAFile != "" {
			if pool, err = loadPool(certs.CAFile); err != nil {
				return nil, err
			}
		}
	} else {
		var err error
		if certs, err = EnsureCerts(dir, sc.TLS.Key); err != nil {
			return nil, err
		}
		if pool, err = loadPool(certs.CAFile); err != nil {
			return nil, err
		}
	}
	if sc.Server.Real() {
		return startReal(ctx, sc, certs, pool, name, warns)
	}
	argv := opts.TestbedCommand
	if len(argv) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("bench: find own executable for the testbed: %w", err)
		}
		argv = []string{exe, "testbed"}
	}
	topo := sc.Topology
	tcfg := testbed.Config{
		CertFile:         certs.CertFile,
		KeyFile:          certs.KeyFile,
		Store:            "tickets",
		TicketKeys:       string(topo.TicketKeys),
		SharedCache:      topo.SessionCache == scenarios.Shared,
		RotateEvery:      time.Duration(topo.RotateKeysEvery),
		RotationOverlap:  time.Duration(topo.RotationOverlap),
		RotationStagger:  topo.RotationStagger,
		SessionLifetime:  time.Duration(topo.SessionLifetime),
		HandshakeTimeout: time.Duration(sc.Timeouts.Handshake) + time.Duration(sc.Timeouts.IO),
	}
	store := "stateless tickets (crypto/tls EncryptTicket), " + string(topo.TicketKeys) + " ticket keys"
	if topo.TicketKeys == scenarios.Off {
		store = "no tickets: the servers issue none"
	}
	if topo.RotateKeysEvery > 0 {
		store += fmt.Sprintf(", rotated every %s (overlap %s, staggered %v)", topo.RotateKeysEvery, topo.RotationOverlap, topo.RotationStagger)
	}
	if sc.Resumption == scenarios.ResumeCache {
		tcfg.Store = "cache"
		store = "server-side session cache (" + string(sc.Topology.SessionCache) +
			"): Go stateful tickets via WrapSession/UnwrapSession; the ticket field carries a 16-byte handle"
	}
	for i := range sc.Topology.Nodes {
		tcfg.Addresses = append(tcfg.Addresses, fmt.Sprintf("127.0.0.%d:0", i+2))
	}
	tb, err := testbed.Start(ctx, argv, tcfg)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	return &servers{
		tb:    tb,
		roots: pool,
		target: results.Target{
			Kind:         "embedded",
			Server:       "tlsbench testbed (Go " + runtime.Version() + " crypto/tls), own process",
			Addresses:    tb.Addresses,
			ServerName:   name,
			SessionStore: store,
		},
		warnings: warns,
	}, nil
}

func (s *servers) pids() []int {
	if s.real != nil {
		return s.real.PIDs()
	}
	if s.tb == nil {
		return nil
	}
	return []int{s.tb.Pid()}
}

func (s *servers) stop() error {
	if s.real != nil {
		return s.real.Stop()
	}
	if s.tb == nil {
		return nil
	}
	return s.tb.Stop()
}

// snapshot is the counters read at a phase boundary.
type snapshot struct {
	cpu   cpuSample
	stats *testbed.Stats
}

// snapshot reads the counters at a phase boundary. The CPU counters are
// always read; the servers' own counts may fail (a dead testbed), and then
// snap.stats is nil and the error says why.
func (s *servers) snapshot(ctx context.Context) (snapshot, error) {
	var snap snapshot
	var err error
	if s.tb != nil {
		st, serr := s.tb.Stats(ctx)
		if serr == nil {
			snap.stats = &st
		} else {
			err = fmt.Errorf("bench: %w", serr)
		}
	}
	if s.real != nil {
		st, serr := realStats(ctx, s.real, s.version)
		if serr == nil {
			snap.stats = st
		} else {
			err = fmt.Errorf("bench: %w", serr)
		}
	}
	snap.cpu = sampleCPU(s.pids())
	return snap, err
}

// injectFaults schedules the scenario's faults from now (the start of the
// first phase) and records each in run as it happens. The returned func
// cancels those not yet injected and waits for any being injected.
func (s *servers) injectFaults(ctx context.Context, faults []scenarios.Fault, run *results.Run) func() {
	if s.tb == nil || len(faults) == 0 {
		return func() {}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var timers []*time.Timer
	for _, f := range faults {
		wg.Add(1)
		t := time.AfterFunc(time.Duration(f.At), func() {
			defer wg.Done()
			ev := results.Fault{At: time.Now(), Action: string(f.Action), Node: f.Node}
			var err error
			switch f.Action {
			case scenarios.FaultKillTestbed:
				ev.Node = -1
				err = s.tb.Kill()
			default:
				err = s.tb.Fault(ctx, string(f.Action), f.Node)
			}
			if err != nil {
				ev.Error = err.Error()
			}
			mu.Lock()
			run.Faults = append(run.Faults, ev)
			mu.Unlock()
		})
		timers = append(timers, t)
	}
	return func() {
		for _, t := range timers {
			if t.Stop() {
				wg.Done()
			}
		}
		wg.Wait()
	}
}

// fillServerSide adds to ph what was measured outside the generator:
// CPU of both sides and the machine, and the servers' own counts.
func fillServerSide(ph *results.Phase, a, b snapshot) {
	d := diffCPU(a.cpu, b.cpu)
	n := float64(ph.Handshakes.Completed())
	wall := d.wall.Seconds()
	ph.CPU = results.CPU{
		ClientS:        d.client.Seconds(),
		ServerS:        d.server.Seconds(),
		ServerObserved: d.serverOK,
		MachineBusy:    d.machineBusy,
	}
	if wall > 0 {
		ph.CPU.ClientUtil = d.client.Seconds() / wall
		ph.CPU.ServerUtil = d.server.Seconds() / wall
	}
	if n > 0 {
		ph.CPUUSPerHandshake.Client = float64(d.client.Microseconds()) / n
		if d.serverOK {
			ph.CPUUSPerHandshake.Server = float64(d.server.Microseconds()) / n
		}
	}
	if a.stats == nil || b.stats == nil {
		return
	}
	srv := &results.Server{Fallbacks: map[string]int64{}}
	for i, nb := range b.stats.Nodes {
		var na testbed.NodeStats
		if i < len(a.stats.Nodes) {
			na = a.stats.Nodes[i]
		}
		fa, fb := na.Fallbacks, nb.Fallbacks
		nc := results.NodeCounts{
			Node:    nb.Node,
			Address: nb.Address,
			Full:    nb.Full() - na.Full(),
			Resumed: nb.Resumed() - na.Resumed(),
			Failed:  nb.Failed - na.Failed,
			TLS12:   (nb.Full12 + nb.Resumed12) - (na.Full12 + na.Resumed12),
			TLS13:   (nb.Full13 + nb.Resumed13) - (na.Full13 + na.Resumed13),
			Fallbacks: map[string]int64{
				"other_node":    fb.OtherNode - fa.OtherNode,
				"rotated_out":   fb.RotatedOut - fa.RotatedOut,
				"rotated_ahead": fb.RotatedAhead - fa.RotatedAhead,
				"expired":       fb.Expired - fa.Expired,
				"evicted":       fb.Evicted - fa.Evicted,
				"unreadable":    fb.Unreadable - fa.Unreadable,
			},
			KeyGeneration: nb.Generation,
		}
		srv.Full += nc.Full
		srv.Resumed += nc.Resumed
		srv.Failed += nc.Failed
		for k, v := range nc.Fallbacks {
			srv.Fallbacks[k] += v
		}
		srv.Nodes = append(srv.Nodes, nc)
	}
	srv.Handshakes = srv.Full + srv.Resumed
	ph.Server = srv
}

func loadPool(file string) (*x509.CertPool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("bench: CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("bench: CA file %s: no PEM certificate in it", file)
	}
	return pool, nil
}

// loadgenConfig resolves a scenario into the generator's configuration.
func loadgenConfig(sc *scenarios.Scenario, srv *servers) (loadgen.Config, error) {
	cfg := loadgen.Config{
		Targets:             srv.target.Addresses,
		ServerName:          srv.target.ServerName,
		RootCAs:             srv.roots,
		InsecureSkipVerify:  sc.Target.InsecureSkipVerify,
		CacheVerifiedChains: sc.TLS.Verify != scenarios.VerifyFull,
		Resume:              sc.Resumption != scenarios.ResumeNone,
		SessionIDs:          sc.Resumption == scenarios.ResumeIDs,
		Clients:             sc.Clients.Count,
		Concurrency:         sc.Clients.Concurrency,
		ConnectTimeout:      time.Duration(sc.Timeouts.Connect),
		HandshakeTimeout:    time.Duration(sc.Timeouts.Handshake),
		IOTimeout:           time.Duration(sc.Timeouts.IO),
		ThinkTime:           time.Duration(sc.Clients.ThinkTime),
		ThinkExponential:    sc.Clients.Think == scenarios.ThinkExponential,
		SourceAddrs:         sc.Clients.SourceAddresses,
		// The close sequence, as closeDescription records it.
		CloseFirst:  sc.Close.First == scenarios.CloserClient,
		Reset:       sc.Close.Reset,
		CloseNotify: sendsCloseNotify(sc.Close),
	}
	switch sc.TLS.Version {
	case scenarios.TLS12:
		cfg.Version = tls.VersionTLS12
	default:
		cfg.Version = tls.VersionTLS13
	}
	for _, g := range sc.TLS.Groups {
		id, ok := groupID(g)
		if !ok {
			return cfg, fmt.Errorf("bench: unknown group %q", g)
		}
		cfg.CurvePreferences = append(cfg.CurvePreferences, id)
	}
	switch sc.AfterHandshake {
	case scenarios.HTTP:
		cfg.AfterHandshake = loadgen.HTTP
		host := srv.target.ServerName
		cfg.HTTPRequest = []byte("GET / HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: tlsbench\r\nConnection: close\r\n\r\n")
	case scenarios.Ticket:
		cfg.AfterHandshake = loadgen.Ticket
	case scenarios.Close:
		cfg.AfterHandshake = loadgen.Close
	default:
		cfg.AfterHandshake = loadgen.ReadEOF
	}
	switch sc.Topology.Balance {
	case scenarios.Random:
		cfg.Balance = loadgen.Random
	case scenarios.Sticky:
		cfg.Balance = loadgen.Sticky
	case scenarios.LeastConn:
		cfg.Balance = loadgen.LeastConn
	default:
		cfg.Balance = loadgen.RoundRobin
	}
	return cfg, nil
}

func groupID(g scenarios.Group) (tls.CurveID, bool) {
	switch g {
	case scenarios.X25519:
		return tls.X25519, true
	case scenarios.X25519MLKEM768:
		return tls.X25519MLKEM768, true
	case scenarios.SecP256r1MLKEM768:
		return tls.SecP256r1MLKEM768, true
	case scenarios.P256:
		return tls.CurveP256, true
	case scenarios.P384:
		return tls.CurveP384, true
	case scenarios.P521:
		return tls.CurveP521, true
	}
	return 0, false
}

func closeDescription(a scenarios.AfterHandshake, c scenarios.Closing, sessionIDs bool) string {
	var d string
	switch {
	case a == scenarios.Close:
		d = "client closes right after the handshake (no TLS 1.3 ticket is read)"
	case c.First == scenarios.CloserClient && a == scenarios.HTTP:
		d = "client sends one HTTP/1.1 request (Connection: close), closes first once the response starts"
	case c.First == scenarios.CloserClient:
		d = "client closes first, once the server's first application record arrives (TIME_WAIT on the client)"
	case a == scenarios.HTTP:
		d = "client sends one HTTP/1.1 request (Connection: close) and reads the response to EOF: the server closes first"
	case a == scenarios.Ticket:
		d = "client reads until the first session ticket is stored (or EOF, or the io timeout), then closes"
	default:
		d = "server writes its node id, sends close_notify and FIN (closes first); client reads to EOF"
	}
	notify := "without close_notify"
	if sendsCloseNotify(c) || sessionIDs {
		notify = "after sending close_notify"
	}
	if c.Reset {
		return d + "; the client's close is a TCP reset (SO_LINGER 0), " + notify
	}
	return d + "; the client's close is a FIN, " + notify
}

// sendsCloseNotify reports whether the crypto/tls engine's clients send
// close_notify before closing (the session-ID engine always does).
func sendsCloseNotify(c scenarios.Closing) bool {
	return c.Notify != nil && *c.Notify
}

func machine() results.Machine {
	m := results.Machine{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0)}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(data)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	return m
}

// IsLoopback reports whether addr (host:port) is a loopback address
// (127.0.0.0/8, ::1 or localhost).
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// labels describe the scenario as it is run, for grouping sets of runs.
func labels(sc *scenarios.Scenario) results.Labels {
	l := results.Labels{
		TLSVersion:     string(sc.TLS.Version),
		Key:            string(sc.TLS.Key),
		Resumption:     string(sc.Resumption),
		Server:         string(sc.Server),
		AfterHandshake: string(sc.AfterHandshake),
		Topology: results.TopologyLabels{
			Preset:       string(sc.Topology.Preset),
			Nodes:        max(sc.Topology.Nodes, 1),
			Balance:      string(sc.Topology.Balance),
			TicketKeys:   string(sc.Topology.TicketKeys),
			SessionCache: string(sc.Topology.SessionCache),
		},
	}
	for _, g := range sc.TLS.Groups {
		l.Groups = append(l.Groups, string(g))
	}
	if !sc.Target.Embedded() {
		l.Server, l.Target = "remote", sc.Target.Address
	}
	if l.Server == "" {
		l.Server = "embedded"
	}
	if sc.Topology.RotateKeysEvery > 0 {
		l.Topology.RotateKeysEvery = time.Duration(sc.Topology.RotateKeysEvery).String()
	}
	return l
}
