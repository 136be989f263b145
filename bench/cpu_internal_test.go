package bench

import (
	"os"
	"testing"
	"time"
)

// TestProcessCPUTimes: /proc's user and system times of this process add
// up to ProcessCPU's total, and the user part grows with work done in user
// mode.
func TestProcessCPUTimes(t *testing.T) {
	t.Parallel()
	before, err := ProcessCPUTimes(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Spin in user mode until /proc shows at least one more tick of user
	// time (a condition, not a duration: the machine may be loaded).
	x := uint64(1)
	var after CPUTimes
	for after.User <= before.User {
		for range 1_000_000 {
			x = x*6364136223846793005 + 1442695040888963407
		}
		if after, err = ProcessCPUTimes(os.Getpid()); err != nil {
			t.Fatal(err)
		}
	}
	_ = x
	total, err := ProcessCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if total < after.Total() {
		t.Errorf("ProcessCPU %v, below the user+system %v read before it", total, after.Total())
	}
	if _, err := ProcessCPUTimes(-1); err == nil {
		t.Error("no error for a process that does not exist")
	}
}

// TestDiffCPUSplits: a delta keeps user and system apart, for the
// generator and summed over the servers.
func TestDiffCPUSplits(t *testing.T) {
	t.Parallel()
	at := time.Unix(0, 0)
	a := cpuSample{at: at, self: CPUTimes{User: 1 * time.Second, System: 2 * time.Second},
		servers: []CPUTimes{{User: time.Second}, {System: time.Second}}, serverOK: true}
	b := cpuSample{at: at.Add(time.Second), self: CPUTimes{User: 4 * time.Second, System: 3 * time.Second},
		servers: []CPUTimes{{User: 2 * time.Second, System: time.Second}, {User: time.Second, System: 3 * time.Second}}, serverOK: true}
	d := diffCPU(a, b)
	if want := (CPUTimes{User: 3 * time.Second, System: time.Second}); d.client != want {
		t.Errorf("client %+v, want %+v", d.client, want)
	}
	if want := (CPUTimes{User: 2 * time.Second, System: 3 * time.Second}); d.server != want || !d.serverOK {
		t.Errorf("server %+v (observed %v), want %+v", d.server, d.serverOK, want)
	}
}
