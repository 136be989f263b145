package bench

import (
	"fmt"
	"syscall"

	"github.com/tlsbench/tlsbench/results"
)

// The kernel's clock states and status bits (adjtimex(2)).
const (
	timeError = 5      // TIME_ERROR: the clock is not synchronised
	staUnsync = 0x0040 // STA_UNSYNC
)

// ClockSync reads the kernel's view of this machine's clock with
// adjtimex(2) in read-only mode (no privilege needed; in a container it is
// the host's clock): whether an NTP or PTP daemon keeps it synchronised,
// and its maximum and estimated error.
func ClockSync() results.ClockSync {
	var tx syscall.Timex
	state, err := syscall.Adjtimex(&tx)
	if err != nil {
		return results.ClockSync{Source: fmt.Sprintf("unavailable: adjtimex: %v", err)}
	}
	return results.ClockSync{
		Source:       "adjtimex",
		Synchronized: state != timeError && tx.Status&staUnsync == 0,
		MaxErrorUS:   int64(tx.Maxerror),
		EstErrorUS:   int64(tx.Esterror),
	}
}
