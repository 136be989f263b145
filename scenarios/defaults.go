package scenarios

import (
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// The defaults Defaults applies, as documented on the fields.
const (
	defaultCount       = 64
	defaultConcurrency = 16
	defaultNodes       = 1
	defaultConnect     = Duration(5 * time.Second)
	defaultHandshake   = Duration(10 * time.Second)
	defaultIO          = Duration(10 * time.Second)
	defaultWarmup      = Duration(2 * time.Second)
	defaultMeasure     = Duration(10 * time.Second)
)

// Defaults replaces every zero field of s with its default, as documented
// on the fields, and names each unnamed phase "phase<i>" after its index.
// It is the one place where defaults are applied; Load and Parse call it
// before Validate. Fields already set are left alone, so calling it twice
// changes nothing.
//
// The defaults: Name is the base name of File without its extension (when
// File is set); TLS 1.3 with an ecdsa-p256 key and Go's default groups;
// resumption none; server embedded; after_handshake read-eof (http for
// haproxy and openssl nodes, which answer only a request); 64 clients of
// which 16 (or all, if there are fewer) connect at once; a 2s warm-up phase
// that is not recorded followed by a 10s measured phase;
// target.server_name is the host part of target.address; one node with
// round-robin balance applied by the generator and per-node ticket keys
// and session cache; timeouts of 5s to connect, 10s for the handshake and
// 10s for what follows it; in a network block, an rtt of 0s and an mtu of
// 1500.
func (s *Scenario) Defaults() {
	if s.Name == "" && s.File != "" {
		base := filepath.Base(s.File)
		s.Name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	if s.TLS.Version == "" {
		s.TLS.Version = TLS13
	}
	if s.TLS.Verify == "" {
		s.TLS.Verify = VerifyCached
	}
	if s.TLS.Key == "" && s.TLS.CertFile == "" {
		s.TLS.Key = ECDSAP256 // with a cert_file, the key comes from it
	}
	if cc := s.TLS.ClientCert; cc != nil && cc.Key == "" && cc.CertFile == "" {
		cc.Key = ECDSAP256
	}
	if s.Server == "" {
		s.Server = ServerEmbedded
	}
	s.applyPreset()
	if s.Resumption == "" {
		s.Resumption = ResumeNone
	}
	if s.AfterHandshake == "" {
		s.AfterHandshake = ReadEOF
		if s.Server == ServerHAProxy || s.Server == ServerOpenSSL {
			s.AfterHandshake = HTTP
		}
	}
	if s.Clients.Count == 0 {
		s.Clients.Count = defaultCount
	}
	if s.Clients.Concurrency == 0 {
		s.Clients.Concurrency = min(defaultConcurrency, max(s.Clients.Count, 1))
	}
	if s.Phases == nil {
		record := false
		s.Phases = []Phase{
			{Name: "warmup", Duration: defaultWarmup, Record: &record},
			{Name: "measure", Duration: defaultMeasure},
		}
	}
	for i := range s.Phases {
		if s.Phases[i].Name == "" {
			s.Phases[i].Name = "phase" + strconv.Itoa(i)
		}
	}
	if addrs := s.Target.List(); s.Target.ServerName == "" && len(addrs) > 0 {
		if host, _, err := net.SplitHostPort(addrs[0]); err == nil {
			s.Target.ServerName = host
		}
	}
	if s.Close.First == "" {
		s.Close.First = CloserServer
	}
	if s.Close.Notify == nil {
		notify := true
		s.Close.Notify = &notify
	}
	if s.Clients.Arrival == "" {
		s.Clients.Arrival = ArrivalConstant
	}
	if s.Sweep != nil {
		if s.Sweep.StepDuration == 0 {
			s.Sweep.StepDuration = Duration(3 * time.Second)
		}
		if s.Sweep.Saturated == 0 {
			s.Sweep.Saturated = 0.9
		}
	}
	if s.Network != nil {
		s.Network.defaults()
	}
	if s.Clients.Think == "" {
		s.Clients.Think = ThinkConstant
	}
	if s.Topology.Nodes == 0 && len(s.Target.Addresses) > 0 {
		s.Topology.Nodes = len(s.Target.Addresses)
	}
	if s.Topology.Nodes == 0 {
		s.Topology.Nodes = defaultNodes
	}
	if s.Topology.Balancer == "" {
		s.Topology.Balancer = BalancerGenerator
	}
	if s.Topology.Balance == "" {
		s.Topology.Balance = RoundRobin
	}
	if s.Topology.TicketKeys == "" {
		s.Topology.TicketKeys = tlsfleet.PerNode
	}
	if s.Topology.SessionCache == "" {
		s.Topology.SessionCache = tlsfleet.PerNode
	}
	if s.Timeouts.Connect == 0 {
		s.Timeouts.Connect = defaultConnect
	}
	if s.Timeouts.Handshake == 0 {
		s.Timeouts.Handshake = defaultHandshake
	}
	if s.Timeouts.IO == 0 {
		s.Timeouts.IO = defaultIO
	}
}

// presetTopology is what a preset sets: the topology fields and the
// resumption mode.
func presetTopology(p Preset) (Topology, Resumption, bool) {
	switch p {
	case PresetSingle:
		return Topology{Nodes: 1, Balance: RoundRobin, TicketKeys: tlsfleet.PerNode, SessionCache: tlsfleet.PerNode}, ResumeTickets, true
	case PresetCLB:
		return Topology{Nodes: 3, Balance: Random, TicketKeys: tlsfleet.Off, SessionCache: tlsfleet.PerNode}, ResumeCache, true
	case PresetALB:
		return Topology{Nodes: 3, Balance: Random, TicketKeys: tlsfleet.PerNode, SessionCache: tlsfleet.PerNode}, ResumeTickets, true
	case PresetNLB:
		return Topology{Nodes: 3, Balance: Random, TicketKeys: tlsfleet.Shared, SessionCache: tlsfleet.Off}, ResumeTickets, true
	}
	return Topology{}, "", false
}

// applyPreset fills the topology fields and the resumption mode left unset
// from the preset. Fields set in the file win. On real servers the CLB's
// per-node session cache is OpenSSL's own: reached by session ID with
// TLS 1.2 (resumption ids), by stateful tickets with TLS 1.3 (cache).
func (s *Scenario) applyPreset() {
	t, r, ok := presetTopology(s.Topology.Preset)
	if !ok {
		return
	}
	if r == ResumeCache && s.Server.Real() && s.TLS.Version == TLS12 {
		r = ResumeIDs
	}
	if s.Resumption == "" {
		s.Resumption = r
	}
	if s.Topology.Nodes == 0 {
		s.Topology.Nodes = t.Nodes
	}
	if s.Topology.Balance == "" {
		s.Topology.Balance = t.Balance
	}
	if s.Topology.TicketKeys == "" {
		s.Topology.TicketKeys = t.TicketKeys
	}
	if s.Topology.SessionCache == "" {
		s.Topology.SessionCache = t.SessionCache
	}
}
