// Package clock is the time source of a run: the one place where the load
// generator and the testbed read the time, wait for a time, and set
// timers, so that every time of a run (a connection's start and end, a
// phase's window, an interval's index, a ticket's age, a key rotation) is
// on one time base.
//
// Real is the machine's clock. Tests give a fake one, or run under
// testing/synctest, where Real reads the bubble's fake time.
//
// Deadlines on sockets are not set through a Clock: the network poller
// compares them with the real time.
package clock

import "time"

// Clock reads the time and waits for it. Implementations are safe for
// concurrent use.
type Clock interface {
	// Now returns the current time.
	Now() time.Time

	// SleepUntil waits until t has come or stop is closed, and reports
	// whether t came: false when stop is closed, even if t has already
	// come.
	SleepUntil(t time.Time, stop <-chan struct{}) bool

	// AfterFunc calls f in its own goroutine once d has passed, unless
	// the Timer is stopped first.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending call of Clock.AfterFunc.
type Timer interface {
	// Stop prevents the call if it has not started, and reports whether
	// it did.
	Stop() bool
}

// Real is the machine's clock, read through package time. Its zero value
// is ready to use.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// SleepUntil waits on a time.Timer until t, or until stop is closed.
func (Real) SleepUntil(t time.Time, stop <-chan struct{}) bool {
	d := time.Until(t)
	if d <= 0 {
		select {
		case <-stop:
			return false
		default:
			return true
		}
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-stop:
		return false
	}
}

// AfterFunc is time.AfterFunc.
func (Real) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
