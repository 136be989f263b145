package testbed

import (
	"context"
	"crypto/tls"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tlsbench/tlsbench/loadgen/clock"
)

// TestKeyringRotation follows a keyring's generations on the fake clock
// of a synctest bubble: each rotation comes exactly on schedule (epoch +
// offset + g*every), and a generation stays accepted for the overlap after
// its successor's rotation.
func TestKeyringRotation(t *testing.T) {
	type state struct {
		at   time.Duration // since the epoch
		cur  int64
		kept []int64 // generations still accepted besides cur
	}
	tests := []struct {
		name                   string
		every, offset, overlap time.Duration
		want                   []state
	}{
		{"no overlap", 300 * time.Millisecond, 0, 0, []state{
			{0, 0, nil},
			{299 * time.Millisecond, 0, nil},
			{300 * time.Millisecond, 1, nil},
			{900 * time.Millisecond, 3, nil},
		}},
		{"overlap", 300 * time.Millisecond, 0, time.Second, []state{
			{300 * time.Millisecond, 1, []int64{0}},
			{1299 * time.Millisecond, 4, []int64{0, 1, 2, 3}},
			{1300 * time.Millisecond, 4, []int64{1, 2, 3}},
			{1600 * time.Millisecond, 5, []int64{2, 3, 4}},
		}},
		{"offset", 600 * time.Millisecond, 300 * time.Millisecond, 0, []state{
			{600 * time.Millisecond, 0, nil},
			{899 * time.Millisecond, 0, nil},
			{900 * time.Millisecond, 1, nil},
			{1500 * time.Millisecond, 2, nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var clk clock.Real // the bubble's fake time
				epoch := clk.Now()
				k := &keyring{epoch: epoch, every: tt.every, offset: tt.offset, overlap: tt.overlap, clock: clk}
				cfg := &tls.Config{}
				k.install(cfg)
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan struct{})
				go func() {
					defer close(done)
					k.rotate(ctx, cfg)
				}()
				for _, w := range tt.want {
					time.Sleep(epoch.Add(w.at).Sub(clk.Now()))
					synctest.Wait() // the rotation due now has run
					k.mu.RLock()
					var kept []int64
					for _, g := range k.kept {
						kept = append(kept, g.gen)
					}
					cur, oldest := k.cur, k.oldest
					k.mu.RUnlock()
					wantOldest := w.cur
					if len(w.kept) > 0 {
						wantOldest = w.kept[0]
					}
					if cur != w.cur || !slices.Equal(kept, w.kept) || oldest != wantOldest {
						t.Errorf("at %v: generation %d, kept %v, oldest %d; want %d, %v, %d", w.at, cur, kept, oldest, w.cur, w.kept, wantOldest)
					}
				}
				cancel()
				<-done
			})
		})
	}
}
