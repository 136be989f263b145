package bench

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/tlsbench/tlsbench/loadgen"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// A run is resolved in two steps, each computed once and read by
// everything after it. Before the fleet starts, resolveScenario copies the
// caller's scenario and fills in what the machine decides (the key type of
// a user's certificate, the certificate files). After the fleet starts,
// generatorConfig turns the copy and the fleet's addresses into the
// generator's loadgen.Config; what the result says about the clients
// (describeClient) is read from that Config, never decided again from the
// scenario.

// setup is a scenario resolved for one run before its fleet starts.
type setup struct {
	// sc is the caller's scenario, copied, with tls.key set from a user's
	// certificate. The run measures and records this copy.
	sc *scenarios.Scenario
	// certs is the chain the servers bench starts serve; name is the
	// server name in it (ServerName, or a user's certificate's).
	certs CertSet
	name  string
	// roots verify the servers: the chain's CA, a remote target's
	// ca_file, or nil for the system roots.
	roots *x509.CertPool
	// warnings are what the resolution found (a readable key file).
	warnings []results.Warning
	// client is the certificate the clients present (tls.client_cert);
	// nil without one.
	client *clientAuth
	// ech is the servers' ECH config list (tls.ech): read from
	// target.ech_config_file here, or filled in by startTestbed from the
	// testbed's own once it has started; nil without ECH.
	ech *echConfig
}

// resolveScenario copies sc and resolves its certificates. sc itself is
// not changed.
func resolveScenario(sc *scenarios.Scenario, opts Options) (*setup, error) {
	s := &setup{sc: sc.Clone(), name: ServerName}
	dir := opts.CertDir
	if dir == "" {
		dir = "certs"
	}
	var err error
	if s.client, s.warnings, err = resolveClientCert(s.sc, dir); err != nil {
		return nil, err
	}
	if sc.TLS.ECH && sc.Target.ECHConfigFile != "" {
		if s.ech, err = readECHConfigFile(sc.Target.ECHConfigFile); err != nil {
			return nil, err
		}
	}
	if !sc.Target.Embedded() {
		s.name = sc.Target.ServerName
		if sc.Target.CAFile != "" {
			pool, err := LoadPool(sc.Target.CAFile)
			if err != nil {
				return nil, err
			}
			s.roots = pool
		}
		return s, nil
	}
	if sc.TLS.CertFile != "" {
		s.certs = CertSet{CertFile: sc.TLS.CertFile, KeyFile: sc.TLS.KeyFile, CAFile: sc.TLS.CAFile}
		name, key, warns, err := userCert(s.certs, "tls.cert_file/key_file")
		if err != nil {
			return nil, err
		}
		if sc.TLS.Key != "" && sc.TLS.Key != key {
			return nil, fmt.Errorf("bench: tls.key is %s but %s holds a %s key", sc.TLS.Key, s.certs.CertFile, key)
		}
		s.name, s.sc.TLS.Key = name, key
		s.warnings = append(s.warnings, warns...)
		if s.certs.CAFile != "" {
			if s.roots, err = LoadPool(s.certs.CAFile); err != nil {
				return nil, err
			}
		}
		return s, nil
	}
	intermediates := 0
	if sc.TLS.Chain != nil {
		intermediates = sc.TLS.Chain.Intermediates
	}
	if s.certs, err = EnsureChain(dir, sc.TLS.Key, intermediates); err != nil {
		return nil, err
	}
	if s.roots, err = LoadPool(s.certs.CAFile); err != nil {
		return nil, err
	}
	return s, nil
}

// generatorConfig resolves a scenario into the generator's configuration
// against a started fleet, dialling through place.
func generatorConfig(sc *scenarios.Scenario, f Fleet, place Placement) (loadgen.Config, error) {
	target := f.Target()
	cfg := loadgen.Config{
		Targets:             target.Addresses,
		ServerName:          target.ServerName,
		RootCAs:             f.Roots(),
		InsecureSkipVerify:  sc.Target.InsecureSkipVerify,
		CacheVerifiedChains: sc.TLS.Verify != scenarios.VerifyFull,
		Resume:              sc.Resumption != scenarios.ResumeNone,
		SessionIDs:          sc.Resumption == scenarios.ResumeIDs,
		Clients:             sc.Clients.Count,
		Concurrency:         sc.Clients.Concurrency,
		ConnectTimeout:      time.Duration(sc.Timeouts.Connect),
		HandshakeTimeout:    time.Duration(sc.Timeouts.Handshake),
		IOTimeout:           time.Duration(sc.Timeouts.IO),
		Rate:                sc.Clients.Rate,
		Poisson:             sc.Clients.Arrival == scenarios.ArrivalPoisson,
		ThinkTime:           time.Duration(sc.Clients.ThinkTime),
		ThinkExponential:    sc.Clients.Think == scenarios.ThinkExponential,
		SourceAddrs:         sc.Clients.SourceAddresses,
		CloseFirst:          sc.Close.First == scenarios.CloserClient,
		Reset:               sc.Close.Reset,
		CloseNotify:         sc.Close.Notify != nil && *sc.Close.Notify,
		Dial:                place.Dial,
		ReuseKeyShare:       sc.TLS.ReuseKeyShare,
	}
	switch sc.TLS.Version {
	case scenarios.TLS12:
		cfg.Version = tls.VersionTLS12
	default:
		cfg.Version = tls.VersionTLS13
	}
	for _, g := range sc.TLS.Groups {
		id, ok := g.ID()
		if !ok {
			return cfg, fmt.Errorf("bench: unknown group %q", g)
		}
		cfg.CurvePreferences = append(cfg.CurvePreferences, id)
	}
	switch sc.AfterHandshake {
	case scenarios.HTTP:
		cfg.AfterHandshake = loadgen.HTTP
		cfg.HTTPRequest = []byte("GET / HTTP/1.1\r\nHost: " + target.ServerName + "\r\nUser-Agent: tlsbench\r\nConnection: close\r\n\r\n")
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

// describeClient says what the clients of cfg do, for the result.
func describeClient(cfg loadgen.Config) results.Client {
	c := results.Client{
		AfterHandshake: cfg.AfterHandshake.String(),
		Close:          closeDescription(cfg),
		SessionCache:   "none: every handshake is full",
		Clients:        cfg.Clients,
		Concurrency:    cfg.Concurrency,
	}
	if cfg.Resume || cfg.SessionIDs {
		c.SessionCache = "one session per client (its most recent), keyed by server name"
	}
	if n := cfg.ReuseKeyShare; n > 0 {
		c.KeyShare = fmt.Sprintf("reused (lab mode, tls.reuse_key_share): each worker offered one key share in %d TLS 1.3 handshakes of its clients, on uTLS; real clients must not (RFC 9846 section 4.2.8)", n)
	}
	switch {
	case cfg.InsecureSkipVerify:
		c.Verify = "none: certificate verification skipped (target.insecure_skip_verify)"
	case cfg.CacheVerifiedChains:
		c.Verify = "cached: each distinct chain verified fully once (roots, name, validity), then matched byte for byte until it expires; the handshake signature is checked on every connection"
	default:
		c.Verify = "full: the chain is verified on every full handshake"
	}
	return c
}

// closeDescription says how the clients of cfg end a connection.
func closeDescription(cfg loadgen.Config) string {
	var d string
	switch a := cfg.AfterHandshake; {
	case a == loadgen.Close:
		d = "client closes right after the handshake (no TLS 1.3 ticket is read)"
	case cfg.CloseFirst && a == loadgen.HTTP:
		d = "client sends one HTTP/1.1 request (Connection: close), closes first once the response starts"
	case cfg.CloseFirst:
		d = "client closes first, once the server's first application record arrives (TIME_WAIT on the client)"
	case a == loadgen.HTTP:
		d = "client sends one HTTP/1.1 request (Connection: close) and reads the response to EOF: the server closes first"
	case a == loadgen.Ticket:
		d = "client reads until the first session ticket is stored (or EOF, or the io timeout), then closes"
	default:
		d = "server writes its node id, sends close_notify and FIN (closes first); client reads to EOF"
	}
	// The session-ID engine always sends close_notify.
	notify := "without close_notify"
	if cfg.CloseNotify || cfg.SessionIDs {
		notify = "after sending close_notify"
	}
	if cfg.Reset {
		return d + "; the client's close is a TCP reset (SO_LINGER 0), " + notify
	}
	return d + "; the client's close is a FIN, " + notify
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
	for _, g := range sc.TLS.ServerGroups {
		l.ServerGroups = append(l.ServerGroups, string(g))
	}
	if sc.TLS.Chain != nil {
		l.Intermediates = sc.TLS.Chain.Intermediates
	}
	if cc := sc.TLS.ClientCert; cc != nil {
		l.MTLS, l.ClientKey = true, string(cc.Key)
	}
	l.ECH = sc.TLS.ECH
	l.ReuseKeyShare = sc.TLS.ReuseKeyShare
	if !sc.Target.Embedded() {
		l.Server, l.Target = "remote", strings.Join(sc.Target.List(), ",")
	}
	if l.Server == "" {
		l.Server = "embedded"
	}
	if sc.Topology.RotateKeysEvery > 0 {
		l.Topology.RotateKeysEvery = time.Duration(sc.Topology.RotateKeysEvery).String()
	}
	return l
}
