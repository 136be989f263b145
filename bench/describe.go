package bench

import (
	"fmt"
	"strings"

	"github.com/tlsbench/tlsbench/scenarios"
)

// Heading names the job for the line tlsbench run prints before it runs:
// "repeat 2/3, [1/16] core-tls13-ecdsa-full (TLS 1.3, ecdsa-p256, ...)",
// of a set of n scenarios.
func (j Job) Heading(n int) string {
	prefix := ""
	if j.Repeats > 1 {
		prefix = fmt.Sprintf("repeat %d/%d, ", j.Repeat, j.Repeats)
	}
	return fmt.Sprintf("%s[%d/%d] %s (%s)", prefix, j.Index+1, n, j.Scenario.Name, Describe(j.Scenario))
}

// Describe says in one line what a scenario measures and against what.
func Describe(sc *scenarios.Scenario) string {
	target := "embedded testbed"
	switch {
	case !sc.Target.Embedded():
		target = strings.Join(sc.Target.List(), ", ")
	case sc.Server.Real():
		target = fmt.Sprintf("%d %s node(s)", sc.Topology.Nodes, sc.Server)
		if sc.Topology.Balancer == scenarios.BalancerHAProxy {
			target += " behind HAProxy"
		}
	}
	if n := sc.Network; n != nil && len(n.RTT) == 1 {
		target += fmt.Sprintf(", behind a network lab (%s RTT, %s loss)", n.RTT[0], n.Loss)
	}
	return fmt.Sprintf("TLS %s, %s, resumption %s, %d clients × %d concurrent, %s verification, %s",
		sc.TLS.Version, sc.TLS.Key, sc.Resumption, sc.Clients.Count, sc.Clients.Concurrency, sc.TLS.Verify, target)
}
