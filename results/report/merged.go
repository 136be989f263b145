package report

import (
	"fmt"
	"io"

	"github.com/tlsbench/tlsbench/results"
)

// WriteMerged writes what a merged result (results.MergeShards) was made
// of: its shards, each with its host, actual start, clock error bound and
// file, the missing ones, and the start skew.
func WriteMerged(w io.Writer, m *results.Run) {
	var skew int64
	if m.StartSkewUS != nil {
		skew = *m.StartSkewUS
	}
	fmt.Fprintf(w, "merged %d shards (missing: %v); start skew %d µs\n", len(m.MergedFrom), m.MissingShards, skew)
	for _, s := range m.MergedFrom {
		fmt.Fprintf(w, "  shard %d  %-24s started %s  clock max error %d µs (%s, synchronised %v)  %s\n",
			s.Index, s.Host, s.StartedAt.UTC().Format("15:04:05.000000"), s.Clock.MaxErrorUS, s.Clock.Source, s.Clock.Synchronized, s.File)
	}
}
