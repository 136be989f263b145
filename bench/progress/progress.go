// Package progress draws the progress of a run's phases on a terminal:
// one bar per phase, on the writer it is given (stderr), from the
// bench.Progress reports of a run. It decides nothing about the run and
// writes only the bar.
package progress

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/tlsbench/tlsbench/bench"
)

// Bar draws one progress bar per phase. A nil *Bar does nothing. It is
// updated from the run's progress goroutine only.
type Bar struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	index int
}

// New returns a bar on w for mode "on", or for mode "auto" when w is a
// terminal; nil otherwise ("off", or not a terminal).
func New(w io.Writer, mode string) *Bar {
	if mode == "on" || (mode == "auto" && IsTerminal(w)) {
		return &Bar{w: w}
	}
	return nil
}

// IsTerminal reports whether w is a character device (a terminal).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Func returns b.Update, or nil for a nil bar (no progress callback).
func (b *Bar) Func() func(bench.Progress) {
	if b == nil {
		return nil
	}
	return b.Update
}

// Update draws p: a new bar when p is of another phase than the last.
func (b *Bar) Update(p bench.Progress) {
	if b.bar == nil || b.index != p.Index {
		if b.bar != nil {
			b.bar.Finish()
			fmt.Fprintln(b.w)
		}
		b.index = p.Index
		max := int64(-1)
		if p.Planned > 0 {
			max = p.Planned.Milliseconds()
		} else if p.Count > 0 {
			max = p.Count
		}
		b.bar = progressbar.NewOptions64(max,
			progressbar.OptionSetWriter(b.w),
			progressbar.OptionSetDescription(fmt.Sprintf("%s %s [%d/%d]", p.Scenario, p.Phase, p.Index+1, p.Phases)),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	v := p.Completed + p.Failed
	if p.Planned > 0 {
		v = min(p.Elapsed.Milliseconds(), p.Planned.Milliseconds())
	}
	b.bar.Describe(fmt.Sprintf("%s %s [%d/%d] %d handshakes, %d failed", p.Scenario, p.Phase, p.Index+1, p.Phases, p.Completed, p.Failed))
	b.bar.Set64(v)
}

// Finish ends the last bar.
func (b *Bar) Finish() {
	if b == nil || b.bar == nil {
		return
	}
	b.bar.Finish()
	fmt.Fprintln(b.w)
}
