package scenarios

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tlsbench/tlsbench/scenarios/kex"
	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// Limits Validate enforces.
const (
	maxClients     = 10_000_000
	maxConcurrency = 100_000
	maxPhases      = 64
	maxPhaseTime   = 24 * time.Hour
	maxPhaseCount  = 1_000_000_000
	maxNodes       = 64
	maxTimeout     = 10 * time.Minute
	minRotation    = 100 * time.Millisecond
	maxRate        = 10_000_000
	maxSweepSteps  = 100
)

// The allowed values of each enumerated field, in the order error messages
// list them. They are read-only.
var (
	versions        = []Version{TLS12, TLS13}
	keyTypes        = []KeyType{RSA2048, ECDSAP256, Ed25519, RSA4096}
	groups          = kex.Groups()
	resumptions     = []Resumption{ResumeNone, ResumeTickets, ResumeCache, ResumeIDs}
	afterHandshakes = []AfterHandshake{ReadEOF, HTTP, Ticket, Close}
	balances        = []Balance{RoundRobin, Random, LeastConn, Sticky, Source}
	servers         = []ServerKind{ServerEmbedded, ServerNginx, ServerHAProxy, ServerOpenSSL}
	balancers       = []BalancerKind{BalancerGenerator, BalancerHAProxy}
	keyScopes       = []tlsfleet.Scope{tlsfleet.PerNode, tlsfleet.Shared, tlsfleet.Off}
	presets         = []Preset{PresetSingle, PresetCLB, PresetALB, PresetNLB}
	thinkDists      = []ThinkDist{ThinkConstant, ThinkExponential}
	faultActions    = []FaultAction{FaultKill, FaultStall, FaultKillTestbed}
	verifyModes     = []VerifyMode{VerifyCached, VerifyFull}
	arrivals        = []Arrival{ArrivalConstant, ArrivalPoisson}
	closers         = []Closer{CloserServer, CloserClient}
)

// Validate reports every semantic problem with s, each as a *FieldError,
// joined with errors.Join; it returns nil when s is valid. It expects the
// defaults to have been applied (see Defaults): a zero field is a problem
// where the zero value is not allowed. Validate does not modify s.
func (s *Scenario) Validate() error {
	v := &validator{}
	v.tls(s.TLS)
	v.tlsServer(s)
	enum(v, "resumption", "resumption", s.Resumption, resumptions)
	if s.Resumption == ResumeCache && !s.Target.Embedded() {
		v.add("resumption", "cache models a server-side store in the embedded testbed; a remote server decides its own")
	}
	enum(v, "after_handshake", "after_handshake action", s.AfterHandshake, afterHandshakes)
	v.clients(s.Clients)
	v.phases(s.Phases, s.Sweep != nil)
	v.target(s.Target)
	v.network(s)
	v.thresholds(s)
	v.topology(s.Topology)
	if n := len(s.Target.Addresses); n > 0 && s.Topology.Nodes != n {
		v.add("topology.nodes", "the target lists %d addresses, each a node: leave topology.nodes out or set it to %d, got %d", n, n, s.Topology.Nodes)
	}
	if s.Seed < 0 {
		v.add("seed", "must not be negative, got %d", s.Seed)
	}
	if s.Resumption == ResumeCache && s.Topology.SessionCache == tlsfleet.Off {
		v.add("topology.session_cache", "resumption cache needs a session cache (per-node or shared), got off")
	}
	v.server(s)
	v.clientCert(s)
	v.ech(s)
	v.reuseKeyShare(s)
	if s.TLS.CertFile != "" && !s.Target.Embedded() {
		v.add("tls.cert_file", "cert_file is served by the embedded testbed; the target is remote")
	}
	enum(v, "close.first", "closer", s.Close.First, closers)
	for i, a := range s.Clients.SourceAddresses {
		ip := net.ParseIP(a)
		switch {
		case ip == nil:
			v.add(fmt.Sprintf("clients.source_addresses[%d]", i), "not an IP address: %q", a)
		case s.Target.Embedded() && !ip.IsLoopback():
			v.add(fmt.Sprintf("clients.source_addresses[%d]", i), "the embedded testbed listens on loopback: use 127.0.0.0/8 addresses, got %s", a)
		}
	}
	for i, p := range s.Phases {
		if p.Rate < 0 || p.Rate > maxRate {
			v.add(fmt.Sprintf("phases[%d].rate", i), "must be 0..%d connections per second, got %g", maxRate, p.Rate)
		}
	}
	if sw := s.Sweep; sw != nil {
		switch {
		case sw.From <= 0 || sw.To > maxRate:
			v.add("sweep", "from and to must be 1..%d connections per second, got %g..%g", maxRate, sw.From, sw.To)
		case sw.To < sw.From:
			v.add("sweep.to", "must be at least sweep.from (%g), got %g", sw.From, sw.To)
		case sw.Step <= 0:
			v.add("sweep.step", "must be positive, got %g", sw.Step)
		case (sw.To-sw.From)/sw.Step+1 > maxSweepSteps:
			v.add("sweep.step", "gives %d steps, at most %d", int((sw.To-sw.From)/sw.Step)+1, maxSweepSteps)
		}
		if sw.StepDuration <= 0 || time.Duration(sw.StepDuration) > time.Hour {
			v.add("sweep.step_duration", "must be positive and at most 1h, got %s", sw.StepDuration)
		}
		if sw.P99Limit < 0 {
			v.add("sweep.p99_limit", "must not be negative, got %s", sw.P99Limit)
		}
		if sw.Saturated <= 0 || sw.Saturated > 1 {
			v.add("sweep.saturated", "must be in (0, 1], got %g", sw.Saturated)
		}
	}
	for i, f := range s.Faults {
		path := fmt.Sprintf("faults[%d]", i)
		enum(v, path+".action", "fault action", f.Action, faultActions)
		if f.At < 0 || time.Duration(f.At) > maxPhaseTime {
			v.add(path+".at", "must be 0..%s, got %s", fmtDuration(maxPhaseTime), f.At)
		}
		if f.Action != FaultKillTestbed && (f.Node < 0 || f.Node >= s.Topology.Nodes) {
			v.add(path+".node", "must be a node of the topology, 0..%d, got %d", s.Topology.Nodes-1, f.Node)
		}
		if !s.Target.Embedded() {
			v.add(path, "faults are injected into the embedded testbed; the target is remote")
		}
	}
	v.timeout("timeouts.connect", s.Timeouts.Connect)
	v.timeout("timeouts.handshake", s.Timeouts.Handshake)
	v.timeout("timeouts.io", s.Timeouts.IO)
	return errors.Join(v.errs...)
}

// validator collects FieldErrors.
type validator struct {
	errs []error
}

func (v *validator) add(path, format string, args ...any) {
	v.errs = append(v.errs, &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// enum checks that val is one of allowed; what names the kind of value in
// the message ("unknown key type \"rsa-1024\" (want ...)").
func enum[T ~string](v *validator, path, what string, val T, allowed []T) bool {
	if slices.Contains(allowed, val) {
		return true
	}
	v.add(path, "unknown %s %q (want %s)", what, string(val), oneOf(allowed))
	return false
}

func (v *validator) tls(t TLS) {
	enum(v, "tls.version", "TLS version", t.Version, versions)
	if t.Key != "" || t.CertFile == "" {
		enum(v, "tls.key", "key type", t.Key, keyTypes)
	}
	enum(v, "tls.verify", "verify mode", t.Verify, verifyModes)
	if (t.CertFile == "") != (t.KeyFile == "") {
		v.add("tls.cert_file", "cert_file and key_file go together")
	}
	first := make(map[kex.Group]int, len(t.Groups))
	for i, g := range t.Groups {
		path := fmt.Sprintf("tls.groups[%d]", i)
		if !enum(v, path, "group", g, groups) {
			continue
		}
		if j, dup := first[g]; dup {
			v.add(path, "duplicate group %q (also tls.groups[%d])", g, j)
			continue
		}
		first[g] = i
		if t.Version == TLS12 && g.TLS13Only() {
			v.add(path, "group %s needs TLS 1.3 (tls.version is 1.2)", g)
		}
	}
	if t.Version == TLS12 && t.Key == ECDSAP256 && len(t.Groups) > 0 && !slices.Contains(t.Groups, kex.P256) {
		v.add("tls.groups", "an ECDSA P-256 certificate needs p256 among the groups for TLS 1.2 (the server answers 'no shared cipher')")
	}
}

func (v *validator) clients(c Clients) {
	enum(v, "clients.think", "think distribution", c.Think, thinkDists)
	enum(v, "clients.arrival", "arrival", c.Arrival, arrivals)
	if c.Rate < 0 || c.Rate > maxRate {
		v.add("clients.rate", "must be 0..%d connections per second, got %g", maxRate, c.Rate)
	}
	if c.ThinkTime < 0 || time.Duration(c.ThinkTime) > time.Hour {
		v.add("clients.think_time", "must be 0..1h, got %s", c.ThinkTime)
	}
	countOK := v.rangeInt("clients.count", c.Count, 1, maxClients)
	concOK := v.rangeInt("clients.concurrency", c.Concurrency, 1, maxConcurrency)
	if countOK && concOK && c.Concurrency > c.Count {
		v.add("clients.concurrency", "must not exceed clients.count (%d > %d)", c.Concurrency, c.Count)
	}
}

// rangeInt checks lo <= n <= hi and reports whether it holds.
func (v *validator) rangeInt(path string, n, lo, hi int) bool {
	if n < lo || n > hi {
		v.add(path, "must be %d..%d, got %d", lo, hi, n)
		return false
	}
	return true
}

// phases checks the phase list; with a sweep, the sweep's steps are the
// recorded phases.
func (v *validator) phases(phases []Phase, sweep bool) {
	switch {
	case len(phases) == 0:
		v.add("phases", "must not be empty")
		return
	case len(phases) > maxPhases:
		v.add("phases", "at most %d phases, got %d", maxPhases, len(phases))
	}
	names := make(map[string]int, len(phases))
	recorded := false
	for i, p := range phases {
		path := fmt.Sprintf("phases[%d]", i)
		switch j, dup := names[p.Name]; {
		case p.Name == "":
			v.add(path+".name", "must not be empty")
		case dup:
			v.add(path+".name", "duplicate phase name %q (also phases[%d])", p.Name, j)
		default:
			names[p.Name] = i
		}
		bad := false
		switch {
		case p.Duration < 0:
			v.add(path+".duration", "must be positive, got %s", p.Duration)
			bad = true
		case time.Duration(p.Duration) > maxPhaseTime:
			v.add(path+".duration", "must be at most %s, got %s", fmtDuration(maxPhaseTime), p.Duration)
			bad = true
		}
		switch {
		case p.Count < 0:
			v.add(path+".count", "must be positive, got %d", p.Count)
			bad = true
		case p.Count > maxPhaseCount:
			v.add(path+".count", "must be at most %d, got %d", maxPhaseCount, p.Count)
			bad = true
		}
		switch {
		case p.Duration > 0 && p.Count > 0:
			v.add(path, "set duration or count, not both")
		case p.Duration <= 0 && p.Count <= 0 && !bad:
			v.add(path, "set duration or count")
		}
		recorded = recorded || p.Recorded()
	}
	if !recorded && !sweep {
		v.add("phases", "at least one phase must be recorded (every phase has record: false)")
	}
}

func (v *validator) target(t Target) {
	hostPort := func(path, a string) {
		_, port, err := net.SplitHostPort(a)
		if err == nil {
			_, err = strconv.ParseUint(port, 10, 16)
		}
		if err != nil {
			v.add(path, "want host:port with a numeric port, got %q", a)
		}
	}
	if t.Address != "" {
		hostPort("target.address", t.Address)
	}
	if t.Address != "" && len(t.Addresses) > 0 {
		v.add("target.addresses", "set target.address or target.addresses, not both")
	}
	seen := map[string]bool{}
	for i, a := range t.Addresses {
		path := fmt.Sprintf("target.addresses[%d]", i)
		hostPort(path, a)
		if seen[a] {
			v.add(path, "%s is listed twice", a)
		}
		seen[a] = true
	}
	if len(t.Addresses) > maxNodes {
		v.add("target.addresses", "at most %d addresses, got %d", maxNodes, len(t.Addresses))
	}
}

func (v *validator) topology(t Topology) {
	if t.Preset != "" {
		enum(v, "topology.preset", "preset", t.Preset, presets)
	}
	v.rangeInt("topology.nodes", t.Nodes, 1, maxNodes)
	enum(v, "topology.balancer", "balancer", t.Balancer, balancers)
	enum(v, "topology.balance", "balance", t.Balance, balances)
	enum(v, "topology.ticket_keys", "ticket_keys scope", t.TicketKeys, keyScopes)
	enum(v, "topology.session_cache", "session_cache scope", t.SessionCache, keyScopes)
	switch every := time.Duration(t.RotateKeysEvery); {
	case every < 0:
		v.add("topology.rotate_keys_every", "must not be negative, got %s", t.RotateKeysEvery)
	case every > 0 && every < minRotation:
		v.add("topology.rotate_keys_every", "must be at least %s (or 0 for no rotation), got %s", minRotation, t.RotateKeysEvery)
	case every > maxPhaseTime:
		v.add("topology.rotate_keys_every", "must be at most %s, got %s", fmtDuration(maxPhaseTime), t.RotateKeysEvery)
	}
	if t.RotationOverlap < 0 {
		v.add("topology.rotation_overlap", "must not be negative, got %s", t.RotationOverlap)
	}
	if t.RotateKeysEvery == 0 && (t.RotationOverlap != 0 || t.RotationStagger) {
		v.add("topology.rotate_keys_every", "rotation_overlap and rotation_stagger need rotate_keys_every")
	}
	if t.SessionLifetime < 0 {
		v.add("topology.session_lifetime", "must not be negative, got %s", t.SessionLifetime)
	}
}

// server checks the choice of server software and what each kind can do.
func (v *validator) server(s *Scenario) {
	if !enum(v, "server", "server", s.Server, servers) {
		return
	}
	real, remote := s.Server.Real(), !s.Target.Embedded()
	if s.Server != ServerEmbedded && remote {
		v.add("server", "server %s is started by tlsbench on loopback, but target.address names a server it does not start: set one or the other", s.Server)
	}
	if s.Resumption == ResumeIDs {
		if s.TLS.Version != TLS12 {
			v.add("resumption", "resumption ids offers a TLS 1.2 session ID; TLS %s has none (use tickets, or tls.version 1.2)", s.TLS.Version)
		}
		if !real && !remote {
			v.add("resumption", "resumption ids needs an OpenSSL-class server: server nginx, haproxy or openssl, or a target.address (which --target overrides); Go's crypto/tls server never resumes by session ID")
		}
		if real && s.Topology.SessionCache == tlsfleet.Off {
			v.add("topology.session_cache", "resumption ids needs the servers' session cache, got off")
		}
		if s.AfterHandshake == Ticket {
			v.add("after_handshake", "after_handshake ticket waits for a session ticket, which resumption ids never asks for")
		}
	}
	t := s.Topology
	if t.Balancer == BalancerHAProxy && remote {
		v.add("topology.balancer", "balancer haproxy stands in front of nodes tlsbench starts; it does not apply to a target")
	}
	switch {
	case t.Balancer == BalancerHAProxy && t.Balance == Sticky:
		v.add("topology.balance", "HAProxy has no sticky policy of tlsbench's kind (client i to node i); use source (a hash of the client address)")
	case t.Balancer != BalancerHAProxy && t.Balance == Source:
		v.add("topology.balance", "balance source hashes the client's address, which only balancer haproxy does")
	}
	if !real {
		return
	}
	if len(s.Faults) > 0 {
		v.add("faults", "faults are injected into the embedded testbed, not into %s nodes", s.Server)
	}
	if s.Resumption == ResumeCache && s.TLS.Version == TLS12 {
		v.add("resumption", "with a real server and TLS 1.2 the server's session cache is reached by session ID, which Go's client cannot offer: use resumption ids")
	}
	if t.SessionCache == tlsfleet.Shared {
		v.add("topology.session_cache", "each %s node is a process of its own and keeps its session cache to itself: per-node or off (shared ticket keys share resumption across nodes)", s.Server)
	}
	if s.Server == ServerOpenSSL && t.TicketKeys == tlsfleet.Shared {
		v.add("topology.ticket_keys", "openssl s_server cannot be given a ticket key (each node makes its own): per-node or off; nginx and haproxy can share one")
	}
	if s.Server == ServerOpenSSL && t.SessionLifetime != 0 {
		v.add("topology.session_lifetime", "openssl s_server has no setting for the session lifetime")
	}
	if t.RotateKeysEvery != 0 {
		v.add("topology.rotate_keys_every", "key rotation is modelled by the embedded testbed only")
	}
	if (s.Server == ServerHAProxy || s.Server == ServerOpenSSL) && s.AfterHandshake == ReadEOF {
		v.add("after_handshake", "%s nodes answer only an HTTP request: use after_handshake http (or ticket, close)", s.Server)
	}
}

func (v *validator) timeout(path string, d Duration) {
	switch {
	case d <= 0:
		v.add(path, "must be positive, got %s", d)
	case time.Duration(d) > maxTimeout:
		v.add(path, "must be at most %s, got %s", fmtDuration(maxTimeout), d)
	}
}

// oneOf lists values as "a, b or c".
func oneOf[T ~string](values []T) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// fmtDuration writes a limit the way a user would ("24h", "10m"), without
// the zero minutes and seconds time.Duration.String adds.
func fmtDuration(d time.Duration) string {
	switch {
	case d != 0 && d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d != 0 && d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}
