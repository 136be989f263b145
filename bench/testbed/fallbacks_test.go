package testbed_test

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/tlsbench/tlsbench/bench/testbed"
	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// TestFallbacksByReason: the reasons Reasons names are the JSON keys the
// child sends, each counted under its own field.
func TestFallbacksByReason(t *testing.T) {
	f := testbed.Fallbacks{OtherNode: 1, RotatedOut: 2, RotatedAhead: 3, Expired: 4, Evicted: 5, Unreadable: 6}
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var wire map[string]int64
	if err := json.Unmarshal(data, &wire); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for r, n := range f.Reasons() {
		got[string(r)] = n
	}
	if !maps.Equal(got, wire) {
		t.Errorf("Reasons() = %v, want the JSON keys and counts %v", got, wire)
	}
	var total int64
	for _, n := range f.Reasons() {
		total += n
	}
	if total != f.Total() {
		t.Errorf("Reasons add up to %d, Total() = %d", total, f.Total())
	}
	if !slices.Contains(slices.Collect(maps.Keys(f.Reasons())), tlsfleet.OtherNode) {
		t.Error("no other_node reason")
	}
}
