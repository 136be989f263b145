package bench

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"slices"

	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// How a remote target's host name becomes the addresses the generator
// dials (Options.Resolve).
const (
	// ResolveAll dials every address the name resolves to, each as a node
	// balanced by the scenario's policy, as clients behind DNS spread over
	// an ALB's or NLB's addresses. A name with one address is dialled as
	// it is.
	ResolveAll = "all"
	// ResolveOff dials the name itself: the system's resolver picks an
	// address for every connection.
	ResolveOff = "off"
)

// CheckResolve returns an error unless mode is a value of Options.Resolve
// (ResolveAll, ResolveOff, or empty for ResolveAll).
func CheckResolve(mode string) error {
	if mode != "" && mode != ResolveAll && mode != ResolveOff {
		return fmt.Errorf("--resolve: want %s or %s, got %q", ResolveAll, ResolveOff, mode)
	}
	return nil
}

// remoteFleet is servers tlsbench did not start: addresses and a name,
// and nothing to count, measure or stop. Several addresses (the
// scenario's target.addresses, or a name that resolves to several) are a
// fleet: each is a node, balanced by the generator with the scenario's
// policy, with per-node counts and the resumption matrix on the client's
// side, and the topology's key and cache scopes as what the user expects
// of the fleet for the prediction.
type remoteFleet struct {
	target results.Target
	roots  *x509.CertPool
}

// newRemote resolves s's target. A fleet of several addresses sets the
// resolved scenario's topology.nodes to their number.
func newRemote(ctx context.Context, s *setup, opts Options) (*remoteFleet, error) {
	t := s.sc.Target
	addrs, from, err := remoteAddresses(ctx, t.List(), opts)
	if err != nil {
		return nil, err
	}
	if len(addrs) > 1 {
		s.sc.Topology.Nodes = len(addrs)
	}
	return &remoteFleet{roots: s.roots, target: results.Target{
		Kind:               string(tlsfleet.Remote),
		Server:             "remote (not started by tlsbench)",
		Addresses:          addrs,
		ResolvedFrom:       from,
		ServerName:         t.ServerName,
		InsecureSkipVerify: t.InsecureSkipVerify,
	}}, nil
}

// remoteAddresses returns the addresses to dial for a target's list, and
// the name they were resolved from ("" when none was). A list of several
// is taken as it is; one name is resolved with opts.Resolve.
func remoteAddresses(ctx context.Context, list []string, opts Options) ([]string, string, error) {
	if len(list) != 1 {
		return list, "", nil
	}
	host, port, err := net.SplitHostPort(list[0])
	if err != nil {
		return nil, "", fmt.Errorf("bench: target %s: %w", list[0], err)
	}
	if err := CheckResolve(opts.Resolve); err != nil {
		return nil, "", fmt.Errorf("bench: %w", err)
	}
	if net.ParseIP(host) != nil || opts.Resolve == ResolveOff {
		return list, "", nil
	}
	lookup := opts.LookupHost
	if lookup == nil {
		lookup = net.DefaultResolver.LookupHost
	}
	ips, err := lookup(ctx, host)
	if err != nil {
		return nil, "", fmt.Errorf("bench: resolve the target %s: %w", host, err)
	}
	if len(ips) < 2 {
		return list, "", nil
	}
	// Sorted, so that every shard of a run numbers the nodes alike.
	slices.Sort(ips)
	ips = slices.Compact(ips)
	var out []string
	for _, ip := range ips {
		out = append(out, net.JoinHostPort(ip, port))
	}
	return out, host, nil
}
