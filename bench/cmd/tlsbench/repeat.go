package main

import (
	"fmt"

	"github.com/tlsbench/tlsbench/scenarios"
)

// job is one run of one scenario in a repeated set.
type job struct {
	sc      *scenarios.Scenario
	index   int // the scenario's index in the set
	repeat  int // 1-based
	repeats int
}

func (j job) prefix() string {
	if j.repeats < 2 {
		return ""
	}
	return fmt.Sprintf("repeat %d/%d, ", j.repeat, j.repeats)
}

// interleave returns the runs of a set repeated n times, interleaved: every
// scenario once, then every scenario again, so that drift over time (a
// warming machine, another load) hits every scenario alike.
func interleave(scs []*scenarios.Scenario, n int) []job {
	var jobs []job
	for r := 1; r <= n; r++ {
		for i, sc := range scs {
			jobs = append(jobs, job{sc: sc, index: i, repeat: r, repeats: n})
		}
	}
	return jobs
}
