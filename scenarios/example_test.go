package scenarios_test

import (
	"errors"
	"fmt"

	"github.com/tlsbench/tlsbench/scenarios"
)

func ExampleParse() {
	good := []byte(`
tls:
  version: 1.2
  key: rsa-2048
clients: {count: 100, concurrency: 10}
`)
	s, err := scenarios.Parse("scenarios/rsa.yaml", good)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Name, s.TLS.Version, s.TLS.Key, s.Clients.Count, s.Clients.Concurrency)
	for _, p := range s.Phases {
		fmt.Println(p.Name, p.Duration, p.Recorded())
	}

	bad := []byte(`
tls:
  key: rsa-1024
topology:
  nodez: 4
  nodes: 0
`)
	_, err = scenarios.Parse("scenarios/bad.yaml", bad)
	var serr *scenarios.Error
	if errors.As(err, &serr) {
		fmt.Println(len(serr.Problems), "problems:")
		fmt.Println(err)
	}
	// Output:
	// rsa 1.2 rsa-2048 100 10
	// warmup 2s false
	// measure 10s true
	// 3 problems:
	// scenarios/bad.yaml:3:8: tls.key: unknown key type "rsa-1024" (want rsa-2048, ecdsa-p256, ed25519 or rsa-4096)
	// scenarios/bad.yaml:5:3: topology.nodez: unknown key "nodez" (known: preset, nodes, balancer, balance, ticket_keys, session_cache, rotate_keys_every, rotation_overlap, rotation_stagger, session_lifetime)
	// scenarios/bad.yaml:6:10: topology.nodes: must be 1..64, got 0
}
