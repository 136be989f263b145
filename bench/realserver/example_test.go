package realserver_test

import (
	"context"
	"fmt"

	"github.com/tlsbench/tlsbench/bench/realserver"
	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// Three nginx nodes on loopback sharing one ticket key, each with its own
// session cache; their own access logs give the counts.
func ExampleStart() {
	f, err := realserver.Start(context.Background(), realserver.Config{
		Kind:         realserver.Nginx,
		Hosts:        []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"},
		CertFile:     "certs/ecdsa-p256/leaf.pem",
		KeyFile:      "certs/ecdsa-p256/leaf.key",
		TicketKeys:   tlsfleet.Shared,
		SessionCache: tlsfleet.PerNode,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Stop()
	fmt.Println(f.Server, f.Addresses)
	// ... connect to f.Addresses ...
	counts, err := f.Counts(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range counts {
		fmt.Printf("node %d: %d full, %d resumed, %d failed\n", c.Node, c.Full, c.Resumed, c.Failed)
	}
}
