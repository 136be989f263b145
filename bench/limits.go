package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// limits are the operating-system limits a run needs room in.
type limits struct {
	// files is the soft limit on open files (Go raises it to the hard
	// limit at start-up).
	files uint64
	// ports is the number of ephemeral ports
	// (net.ipv4.ip_local_port_range), or 0 when unknown.
	ports int
}

func readLimits() limits {
	var l limits
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil {
		l.files = rl.Cur
	}
	if data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(data)); len(f) == 2 {
			lo, err1 := strconv.Atoi(f[0])
			hi, err2 := strconv.Atoi(f[1])
			if err1 == nil && err2 == nil && hi >= lo {
				l.ports = hi - lo + 1
			}
		}
	}
	return l
}

// filesReserve is what a run needs besides its connections: the
// testbed's pipes, result and certificate files, the runtime's own.
const filesReserve = 64

// check says whether concurrency connections in flight fit in l. Each
// connection in flight holds a file descriptor and an ephemeral port; the
// embedded testbed's side of each connection holds one in its own process.
func (l limits) check(concurrency int) error {
	need := uint64(concurrency) + filesReserve
	if l.files > 0 && need > l.files {
		return fmt.Errorf("bench: clients.concurrency %d needs about %d open files, but the limit is %d: raise it (ulimit -n %d) or lower the concurrency",
			concurrency, need, l.files, need)
	}
	if l.ports > 0 && concurrency > l.ports {
		return fmt.Errorf("bench: clients.concurrency %d needs as many local ports, but net.ipv4.ip_local_port_range holds %d: widen it or lower the concurrency",
			concurrency, l.ports)
	}
	return nil
}
