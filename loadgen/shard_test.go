package loadgen_test

import (
	"context"
	"crypto/tls"
	"testing"

	"github.com/tlsbench/tlsbench/loadgen"
)

// TestShardsRunTheirShare runs three shards of one run against one server,
// over real TLS: a count-bounded warm-up that visits every client once,
// then a count-bounded measured phase and an open loop. The shards'
// connections add up to the run's, every client's chain stays in its
// shard (each client's second connection resumes), and sticky balance
// sends each client to the node one process would.
func TestShardsRunTheirShare(t *testing.T) {
	t.Parallel()
	addr, pool := server(t)
	const shards, clients, count = 3, 10, 25
	var total, resumed, ticks int64
	for i := range shards {
		cfg := config(addr, pool, tls.VersionTLS13, true)
		cfg.Targets = []string{addr, addr}
		cfg.Balance = loadgen.Sticky
		cfg.Clients, cfg.Concurrency = clients, 4
		cfg.Shard = loadgen.Shard{Index: i, Count: shards}
		g, err := loadgen.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		own := loadgen.Shard{Index: i, Count: shards}.Share(clients)
		warm, err := g.Run(context.Background(), loadgen.Phase{Name: "warmup", Count: clients}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if warm.Handshakes.Full != own || warm.Handshakes.Resumed != 0 {
			t.Errorf("shard %d warm-up: %+v, want each of its %d clients once, full", i, warm.Handshakes, own)
		}
		// Sticky: client k (global id) on node k mod 2, as in one process.
		want := make([]int64, 2)
		for k := i; k < clients; k += shards {
			want[k%2]++
		}
		for _, n := range warm.Nodes {
			if n.Completed != want[n.Node] {
				t.Errorf("shard %d warm-up: node %d served %d, want %d (sticky by global client id)", i, n.Node, n.Completed, want[n.Node])
			}
		}
		p, err := g.Run(context.Background(), loadgen.Phase{Name: "measure", Measured: true, Count: count}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if h := p.Handshakes; h.Failed != 0 || h.Resumed != h.Completed() {
			t.Errorf("shard %d: %+v, want every connection resumed (its clients' sessions are in it)", i, h)
		}
		total += p.Handshakes.Total
		resumed += p.Handshakes.Resumed
		ol, err := g.Run(context.Background(), loadgen.Phase{Name: "open", Measured: true, Count: 20, Rate: 2000}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ol.Pacing == nil {
			t.Fatalf("shard %d: the open loop has no pacing", i)
		}
		ticks += ol.Pacing.Scheduled
	}
	if total != count || resumed != count {
		t.Errorf("the shards made %d connections (%d resumed), want %d", total, resumed, count)
	}
	if ticks != 20 {
		t.Errorf("the shards' open loops started %d connections, want 20", ticks)
	}
}
