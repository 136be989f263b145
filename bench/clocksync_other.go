//go:build !linux

package bench

import "github.com/tlsbench/tlsbench/results"

// ClockSync says that the clock's state is unknown: adjtimex(2) is
// Linux's.
func ClockSync() results.ClockSync {
	return results.ClockSync{Source: "unavailable: adjtimex is Linux's"}
}
