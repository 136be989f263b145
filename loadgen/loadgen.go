// Package loadgen is the client engine of tlsbench: a population of
// simulated TLS clients, driven at a given concurrency, that times every
// connection and labels every handshake.
//
// Its input is a fully resolved Config (no defaults are applied here, no
// files are read) and a Phase; its output is a results.Phase. It does not
// start servers, read CPU counters or write files: package bench does.
//
// Each simulated client has its own session cache holding one session, as
// each browser has its own; the clients served by one worker share that
// worker's immutable tls.Config, whose session cache hands crypto/tls the
// cache of the client being served. Clients persist across the phases of a
// Generator, so that a warm-up phase fills their caches.
//
// A connection is: dial (timed as connect latency, from the start of the
// dial to TCP established), HandshakeContext with certificate verification
// (timed as handshake latency, from TCP established to HandshakeContext
// returning), then the Config's AfterHandshake action, then close. Every
// step has a deadline. Latencies go into per-worker HDR histograms split by
// handshake kind; the recording path does not allocate.
package loadgen

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlsbench/tlsbench/loadgen/clock"
	"github.com/tlsbench/tlsbench/results"
)

// Action is what a client does after its handshake completes.
type Action uint8

// The after-handshake actions.
const (
	// ReadEOF reads until the server closes the connection. This is what
	// stores a TLS 1.3 session ticket: Go's client stores one only when it
	// reads from the connection.
	ReadEOF Action = iota
	// HTTP sends Config.HTTPRequest and reads the response to EOF.
	HTTP
	// Ticket reads until the first session ticket has been stored, or the
	// IO timeout passes, then closes.
	Ticket
	// Close closes right after the handshake: no TLS 1.3 ticket is stored.
	Close
)

// String returns the action's scenario name.
func (a Action) String() string {
	switch a {
	case ReadEOF:
		return "read-eof"
	case HTTP:
		return "http"
	case Ticket:
		return "ticket"
	case Close:
		return "close"
	}
	return fmt.Sprintf("action(%d)", uint8(a))
}

// Balance is how a connection's node is chosen among Config.Targets.
type Balance uint8

// The balance policies. The generator applies the policy itself and dials
// the chosen node's address directly: no proxy hop, and every handshake is
// attributed to its node exactly.
const (
	// RoundRobin sends each client's successive connections to successive
	// nodes.
	RoundRobin Balance = iota
	// Random picks a node uniformly at random for every connection.
	Random
	// Sticky sends each client to one node always (client i to node
	// i mod N).
	Sticky
	// LeastConn picks the node with the fewest connections in flight
	// (lowest index on a tie). It costs a shared atomic update per
	// connection, which the other policies avoid.
	LeastConn
)

// Config is a fully resolved load-generator configuration. The zero value
// is not usable: Targets, Clients and Concurrency must be set. Fields are
// read once by New; changing them afterwards has no effect.
type Config struct {
	// Targets are the node addresses (host:port); Balance picks one per
	// connection.
	Targets []string

	// Balance is the node choice policy. Zero: RoundRobin.
	Balance Balance

	// ServerName is sent in SNI and verified in the certificate. It is
	// also the session-cache key, shared by all nodes as behind one VIP.
	ServerName string

	// RootCAs verifies the server. Nil means the system roots.
	RootCAs *x509.CertPool

	// InsecureSkipVerify skips certificate verification. Only set it when
	// the user asked for it.
	InsecureSkipVerify bool

	// CacheVerifiedChains verifies each distinct certificate chain fully
	// once and then accepts the same chain, byte for byte, until it
	// expires, as browsers' verifiers do; the handshake signature is still
	// checked on every connection. False: crypto/tls verifies the chain on
	// every full handshake. Ignored with InsecureSkipVerify.
	CacheVerifiedChains bool

	// Version is the one TLS version offered (tls.VersionTLS12 or
	// tls.VersionTLS13).
	Version uint16

	// CurvePreferences are the key-exchange groups offered. Nil: Go's
	// defaults.
	CurvePreferences []tls.CurveID

	// CipherSuites are the TLS 1.2 cipher suites offered. Nil: Go's
	// defaults. (TLS 1.3 suites are not configurable in crypto/tls.)
	CipherSuites []uint16

	// ClientCertificate, when set, is the certificate every client
	// presents when the server asks for one (mutual TLS); each connection
	// records whether it was asked. It is read-only here. Nil: the
	// clients have none. Not with SessionIDs.
	ClientCertificate *tls.Certificate

	// ECHConfigList, when set, is the server's ECH config list (an
	// ECHConfigList): every client offers Encrypted Client Hello with it
	// and fails the handshake (ErrECHRejected) when the server does not
	// accept it; each handshake records ConnectionState.ECHAccepted. It
	// needs Version TLS 1.3. Nil: no ECH.
	ECHConfigList []byte

	// Resume gives each client a session cache, so it offers its most
	// recent session. False: every handshake is full.
	Resume bool

	// SessionIDs runs TLS 1.2 handshakes on the session-ID engine (uTLS;
	// see sessionid.go): each client offers the session ID the server
	// assigned in its last full handshake, and no ticket. It needs Version
	// TLS 1.2; Resume is implied. False: crypto/tls, with tickets when
	// Resume is set.
	SessionIDs bool

	// ReuseKeyShare, when positive, is a lab mode, not what a real
	// client does: each worker offers one key share (for the first of
	// CurvePreferences, X25519 or P-256) in this many TLS 1.3 handshakes
	// of its clients before it makes a new one, which RFC 9846 section
	// 4.2.8 forbids clients and requires servers to accept. It saves the
	// generator one scalar multiplication per handshake and changes
	// nothing of the server's work. The handshakes run on uTLS (see
	// keyshare.go). It needs Version TLS 1.3 and goes with neither
	// ClientCertificate nor ECHConfigList. Zero: a fresh key share for
	// every handshake (crypto/tls).
	ReuseKeyShare int

	// AfterHandshake is what a client does once the handshake completes.
	AfterHandshake Action

	// HTTPRequest is the request written by the HTTP action.
	HTTPRequest []byte

	// Clients is the number of simulated clients (at least Concurrency).
	Clients int

	// Concurrency is the number of workers, each with one connection in
	// flight at a time (a closed loop). Worker w serves clients w,
	// w+Concurrency, ... in turn. With a Shard, Clients and Concurrency
	// are the whole run's, and the shard runs its share of each.
	Concurrency int

	// ConnectTimeout, HandshakeTimeout and IOTimeout bound the dial, the
	// handshake and the after-handshake action. Zero means 10 s each.
	ConnectTimeout, HandshakeTimeout, IOTimeout time.Duration

	// Grace is how long connections in flight may run after the context of
	// Run is canceled before they are cut. Zero means 2 s.
	Grace time.Duration

	// Rate, when positive, runs an open loop: connections start on a
	// schedule of Rate per second that does not wait for completions, up
	// to Concurrency in flight; slot k goes to client k mod Clients.
	// Connect latency is then measured from the intended start
	// (corrected for coordinated omission), and from the actual start
	// too. Zero: a closed loop.
	Rate float64

	// Poisson draws open-loop gaps from an exponential distribution
	// (Poisson arrivals) instead of spacing starts evenly.
	Poisson bool

	// ThinkTime is how long a client waits after its connection ends
	// before it may connect again; its worker serves other clients
	// meanwhile, or waits. Zero: no wait.
	ThinkTime time.Duration

	// ThinkExponential draws each think time from an exponential
	// distribution with mean ThinkTime instead of using it as is.
	ThinkExponential bool

	// CloseFirst makes the client close first: it closes as soon as its
	// after-handshake action has what it needs (the server's first
	// application record, or the response) instead of waiting for the
	// server to close. TIME_WAIT then stays on the client, whose ephemeral
	// ports run out at high rates. False: the server closes first.
	CloseFirst bool

	// CloseNotify sends close_notify before closing, as a browser closing
	// gracefully does. Without it nginx (OpenSSL 3) drops the session it
	// issued last from its cache whenever the client's FIN is in before
	// nginx reads for the client's close_notify: a scheduling race.
	CloseNotify bool

	// Reset closes with a TCP reset (SO_LINGER 0) instead of a FIN: no
	// TIME_WAIT on the client, and no graceful close for the server.
	Reset bool

	// SourceAddrs are local addresses to dial from, spread over the
	// workers (worker w uses SourceAddrs[w mod len]); several 127.0.0.x
	// addresses multiply the ephemeral ports available on loopback. Empty:
	// the kernel's choice.
	SourceAddrs []string

	// Seed seeds the Random balance and think times. Zero picks a random
	// seed.
	Seed uint64

	// Shard selects this generator's part of a run made by several (see
	// Shard); Clients and Concurrency stay the whole run's. Zero: the
	// whole run.
	Shard Shard

	// Dial, when set, makes each connection's TCP connection to address
	// (the chosen target): it is given the worker's dialer, whose timeout,
	// source address (SourceAddrs) and keep-alive are set, and must dial
	// within ctx. It is called by every worker at once, from the worker's
	// goroutine, and its time counts in the connect latency. A network
	// lab wraps it to create the sockets in the generator's network
	// namespace. Nil: d.DialContext(ctx, "tcp", address).
	Dial func(ctx context.Context, d *net.Dialer, address string) (net.Conn, error)

	// NetDialer makes every connection with net's dialer, never on the
	// raw path (rawconn_linux.go): the connection path before it, kept
	// for A/B comparisons. False: the raw path where it applies.
	NetDialer bool

	// RoundTrips counts, on every connection, the handshake's round trips
	// (the client's writes each followed by a read that needed new data)
	// and the bytes of the server's first flight, into each kind's
	// results.KindNetwork. It is meant for runs behind a network link,
	// where round trips are what the latency is made of; it puts a
	// counting wrapper (a worker's field, no allocation) between the TLS
	// engine and the connection during the handshake. False: neither is
	// counted, and the wrapper is not used.
	RoundTrips bool

	// Clock is the time source of every time the generator reads or waits
	// for: connect and handshake latencies, a connection's end (which
	// files it in its interval), think times, the open-loop schedule, a
	// phase's start, end and duration, the grace period, progress, and
	// the time against which certificates and sessions are checked.
	// Socket deadlines stay on the real clock. Nil: the real clock.
	Clock clock.Clock
}

// Phase says how long a phase runs. Exactly one of Duration and Count is
// set.
type Phase struct {
	// Name labels the phase in the result.
	Name string
	// Measured is false for a warm-up phase.
	Measured bool
	// Duration stops the phase from starting connections after this much
	// time; the connections in flight then finish and count in the phase.
	Duration time.Duration
	// Count stops the phase after this many connections, shared evenly
	// among the workers (each worker stops after its share).
	Count int64
	// Abort, when closed, cuts the connections in flight at once instead
	// of letting them finish (a second Ctrl-C). Nil: never.
	Abort <-chan struct{}
	// Rate overrides Config.Rate for this phase (a sweep's step). Zero:
	// Config.Rate.
	Rate float64
	// ScheduleFrom is the origin of an open loop's schedule: slot k of
	// constant arrivals is intended to start at ScheduleFrom + k/rate.
	// The shards of a run give the common start time, so that their
	// striped ticks interleave. Zero: the phase's start.
	ScheduleFrom time.Time
}

// Progress is a running count reported while a phase runs.
type Progress struct {
	Phase     string
	Elapsed   time.Duration
	Completed int64 // handshakes completed so far in the phase
	Failed    int64
}

// progressEvery is how often Run calls its progress callback.
const progressEvery = 200 * time.Millisecond

// Generator is a client population and its workers. Its Run method must not
// be called concurrently.
type Generator struct {
	clock    clock.Clock // Config.Clock, or the real clock
	cfg      Config
	clients  []*client
	workers  []*worker
	lat      latencies      // the phase's latency histograms, shared by the workers
	inflight []paddedCount  // per node, for LeastConn
	raddrs   []*net.TCPAddr // per node, its address on the raw path (nil: not on it)
}

// paddedCount is a counter on a cache line of its own.
type paddedCount struct {
	n atomic.Int64
	_ [56]byte
}

// New builds a generator's clients, each with its own session cache, and
// its workers, each with its own tls.Config.
func New(cfg Config) (*Generator, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = 10 * time.Second
	}
	if cfg.IOTimeout <= 0 {
		cfg.IOTimeout = 10 * time.Second
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 2 * time.Second
	}
	clk := cfg.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	g := &Generator{clock: clk, cfg: cfg, clients: cfg.Shard.newClients(&cfg), inflight: make([]paddedCount, len(cfg.Targets)), raddrs: rawAddrs(&cfg)}
	var chains *chainCache
	var verify func(tls.ConnectionState) error
	if cfg.CacheVerifiedChains && !cfg.InsecureSkipVerify {
		chains = newChainCache(cfg.RootCAs, cfg.ServerName, clk.Now)
		verify = chains.verify
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	g.workers = make([]*worker, cfg.Shard.Share(int64(cfg.Concurrency)))
	for w := range g.workers {
		wk := &worker{
			g:   g,
			rng: rand.New(rand.NewPCG(seed, cfg.Shard.workerStream(w))),
			// No TCP keep-alive: a benchmark connection lives for one
			// handshake, and enabling it costs four setsockopt calls.
			dialer: net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: -1},
			buf:    make([]byte, 16<<10),
			stats:  newStats(len(cfg.Targets), &g.lat),
			iv:     workerInterval{hist: newIntervalHistogram()},
		}
		if cfg.RoundTrips {
			wk.stats.trips = newTripStats()
		}
		wk.clients = workerClients(g.clients, w, len(g.workers))
		if n := len(cfg.SourceAddrs); n > 0 {
			wk.dialer.LocalAddr = &net.TCPAddr{IP: net.ParseIP(cfg.SourceAddrs[w%n])}
		}
		wk.tls = &tls.Config{
			ServerName:         cfg.ServerName,
			RootCAs:            cfg.RootCAs,
			InsecureSkipVerify: cfg.InsecureSkipVerify,
			MinVersion:         cfg.Version,
			MaxVersion:         cfg.Version,
			CurvePreferences:   cfg.CurvePreferences,
			CipherSuites:       cfg.CipherSuites,
			Time:               clk.Now,
		}
		if verify != nil {
			// The chain is verified by the cache instead; crypto/tls
			// still checks the handshake signature.
			wk.tls.InsecureSkipVerify = true
			wk.tls.VerifyConnection = verify
		}
		if cfg.Resume {
			wk.tls.ClientSessionCache = &wk.caches
		}
		// Note whether the server asks for a client certificate, so that a
		// refusal after it is put down to the certificate. Without one the
		// client sends an empty Certificate message, as crypto/tls does.
		cert := cfg.ClientCertificate
		if cert == nil {
			cert = &tls.Certificate{}
		}
		wk.tls.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			wk.certRequested = true
			return cert, nil
		}
		wk.tls.EncryptedClientHelloConfigList = cfg.ECHConfigList
		if cfg.ReuseKeyShare > 0 {
			wk.ksID, wk.ksCurve, _ = keyShareCurve(cfg.CurvePreferences) // validated
			var vc func([]*x509.Certificate) error
			if chains != nil {
				vc = chains.verifyChain
			}
			wk.labTLS = wk.newLabConfig(vc)
		}
		g.workers[w] = wk
	}
	return g, nil
}

func (cfg *Config) validate() error {
	var errs []error
	if len(cfg.Targets) == 0 {
		errs = append(errs, errors.New("no targets"))
	}
	if cfg.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("concurrency must be at least 1, got %d", cfg.Concurrency))
	}
	if cfg.Clients < cfg.Concurrency {
		errs = append(errs, fmt.Errorf("clients (%d) must be at least concurrency (%d)", cfg.Clients, cfg.Concurrency))
	}
	if cfg.Version != tls.VersionTLS12 && cfg.Version != tls.VersionTLS13 {
		errs = append(errs, fmt.Errorf("version must be TLS 1.2 or 1.3, got %#x", cfg.Version))
	}
	if cfg.SessionIDs && cfg.Version != tls.VersionTLS12 {
		errs = append(errs, errors.New("session IDs need TLS 1.2"))
	}
	if cfg.SessionIDs && cfg.ClientCertificate != nil {
		errs = append(errs, errors.New("the session-ID engine presents no client certificate"))
	}
	if cfg.ReuseKeyShare < 0 {
		errs = append(errs, fmt.Errorf("reuse_key_share must not be negative, got %d", cfg.ReuseKeyShare))
	}
	if cfg.ReuseKeyShare > 0 {
		if cfg.Version != tls.VersionTLS13 {
			errs = append(errs, errors.New("reuse_key_share needs TLS 1.3 (a TLS 1.2 client's ECDHE key is made inside the key exchange, out of reach)"))
		}
		if cfg.ClientCertificate != nil || len(cfg.ECHConfigList) > 0 {
			errs = append(errs, errors.New("reuse_key_share goes with neither a client certificate nor ECH"))
		}
		if _, _, err := keyShareCurve(cfg.CurvePreferences); err != nil {
			errs = append(errs, err)
		}
	}
	if len(cfg.ECHConfigList) > 0 && cfg.Version != tls.VersionTLS13 {
		errs = append(errs, errors.New("ECH needs TLS 1.3"))
	}
	for _, a := range cfg.SourceAddrs {
		if net.ParseIP(a) == nil {
			errs = append(errs, fmt.Errorf("source address %q is not an IP address", a))
		}
	}
	if err := cfg.Shard.validate(cfg.Clients, cfg.Concurrency); err != nil {
		errs = append(errs, err)
	}
	if cfg.AfterHandshake == HTTP && len(cfg.HTTPRequest) == 0 {
		errs = append(errs, errors.New("the http action needs an HTTPRequest"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	return nil
}

// Run runs one phase and returns its client-side measurements. It stops
// starting connections when the phase's duration or count is reached or
// ctx is canceled; connections in flight then finish, within Config.Grace
// after a cancellation. A canceled phase returns what it measured together
// with ctx's error. progress, if not nil, is called about every 200 ms from
// another goroutine, and once more at the end, never two calls at once.
func (g *Generator) Run(ctx context.Context, ph Phase, progress func(Progress)) (results.Phase, error) {
	if ph.Duration <= 0 && ph.Count <= 0 {
		return results.Phase{}, errors.New("loadgen: phase needs a duration or a count")
	}
	// hard ends connections in flight Grace after ctx is canceled.
	hard, cancelHard := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelHard()
	stopGrace := context.AfterFunc(ctx, func() {
		t := g.clock.AfterFunc(g.cfg.Grace, cancelHard)
		context.AfterFunc(hard, func() { t.Stop() })
	})
	defer stopGrace()
	if ph.Abort != nil {
		go func() {
			select {
			case <-ph.Abort:
				cancelHard()
			case <-hard.Done():
			}
		}()
	}

	var stop atomic.Bool
	stopped := make(chan struct{})
	var once sync.Once
	stopNow := func() {
		stop.Store(true)
		once.Do(func() { close(stopped) })
	}
	start := g.clock.Now()
	run := &phaseRun{stop: &stop, stopped: stopped, hard: hard, timeline: &timeline{start: start}}
	rate := ph.Rate
	if rate <= 0 {
		rate = g.cfg.Rate
	}
	if rate > 0 {
		origin := start
		if !ph.ScheduleFrom.IsZero() {
			origin = ph.ScheduleFrom
		}
		run.pacer, rate = g.cfg.Shard.newPacer(origin, rate, g.cfg.Poisson, g.cfg.Seed+1, ph.Count, g.cfg.Clients)
		if ph.Duration > 0 {
			run.pacer.end = start.Add(ph.Duration)
		}
	}
	g.lat.reset()
	for _, w := range g.workers {
		w.stats.reset()
		w.iv.index = 0
	}
	if ph.Duration > 0 {
		t := g.clock.AfterFunc(ph.Duration, stopNow)
		defer t.Stop()
	}
	stopOnCancel := context.AfterFunc(ctx, stopNow)
	defer stopOnCancel()

	// A count-bounded phase gives each worker a fixed share, so that a
	// count of at least Clients visits every client; a shard splits its
	// share of the count (Shard.Slots).
	var quotas []int64
	if ph.Count > 0 && run.pacer == nil {
		quotas = g.cfg.Shard.quotas(ph.Count, g.cfg.Clients, len(g.workers))
	}
	var wg sync.WaitGroup
	for i, w := range g.workers {
		quota := int64(-1)
		if quotas != nil {
			quota = quotas[i]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer w.stats.flushLatencies()
			defer w.dropSpare()
			if run.pacer != nil {
				w.openLoop(run)
			} else {
				w.loop(run, quota)
			}
		}()
	}
	done := make(chan struct{})
	probe := schedProbe(done)
	progressed := make(chan struct{}) // closed when the ticking goroutine has returned
	if progress != nil {
		go func() {
			defer close(progressed)
			for g.clock.SleepUntil(g.clock.Now().Add(progressEvery), done) {
				progress(g.progress(ph.Name, g.clock.Now().Sub(start)))
			}
		}()
	}
	wg.Wait()
	end := g.clock.Now()
	close(done)
	if progress != nil {
		// A tick may be in its call still: the last call comes after it,
		// not beside it (a progress bar is not safe for concurrent use).
		<-progressed
		progress(g.progress(ph.Name, end.Sub(start)))
	}
	out, err := g.collect(ph, start, end)
	out.Intervals = run.timeline.intervals(end)
	if h := <-probe; h.TotalCount() > 0 {
		out.SchedLagUS = &results.IntervalLatency{P50: float64(h.ValueAtQuantile(50)), P99: float64(h.ValueAtQuantile(99))}
	}
	if run.pacer != nil {
		arrival := "constant"
		if g.cfg.Poisson {
			arrival = "poisson"
		}
		var perr error
		if out.Pacing, perr = g.collectPacing(rate, arrival); err == nil {
			err = perr // collect's error, if any, comes first
		}
	}
	if err != nil {
		return out, err
	}
	return out, ctx.Err()
}

func (g *Generator) progress(name string, elapsed time.Duration) Progress {
	p := Progress{Phase: name, Elapsed: elapsed}
	for _, w := range g.workers {
		p.Completed += w.stats.completed.Load()
		p.Failed += w.stats.failedLive.Load()
	}
	return p
}

// phaseRun is the state the workers of one phase share. Workers only read
// it: the stop flag once per connection.
type phaseRun struct {
	pacer    *pacer // open loop; nil for a closed loop
	stop     *atomic.Bool
	stopped  chan struct{} // closed when stop is set, for waits
	hard     context.Context
	timeline *timeline
}
