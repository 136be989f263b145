package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

var shardStart = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// shardRun returns shard i of n with a warm-up and a measured phase whose
// latencies are values, started skew after the common start.
func shardRun(t *testing.T, i, n int, scenario string, values []int64, skew time.Duration) *Run {
	t.Helper()
	start := shardStart.Add(skew)
	warm := fullPhase(t, "warmup", start, values[:len(values)/10])
	warm.Measured = false
	meas := fullPhase(t, "measure", start.Add(2*time.Second), values)
	return &Run{
		SchemaVersion: SchemaVersion,
		Scenario:      Scenario{Name: "s", File: fmt.Sprintf("path%d/s.yaml", i), Config: json.RawMessage(scenario)},
		Label:         "s",
		StartedAt:     start.Add(-time.Second),
		EndedAt:       start.Add(5 * time.Second),
		Client:        Client{Clients: 30, Concurrency: 6},
		Phases:        []Phase{warm, meas},
		Warnings:      []Warning{{Code: WarnOtherLoad, Message: "busy"}},
		Shard: &Shard{Index: i, Count: n, StartAt: shardStart, StartedAt: start, ReadyAt: start.Add(-time.Millisecond),
			Host: fmt.Sprintf("pod-%d", i), Clients: 10, Concurrency: 2,
			Clock: ClockSync{Source: "adjtimex", Synchronized: true, MaxErrorUS: 500, EstErrorUS: 20}},
	}
}

const scenarioA = `{"name":"s","clients":{"count":30},"file":"a.yaml"}`
const scenarioB = `{"name":"s","clients":{"count":31}}`

// splitValues draws values and deals them to n shards at random (not
// evenly), so that no shard's histogram is another's.
func splitValues(n, total int, seed uint64) (all []int64, parts [][]int64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	parts = make([][]int64, n)
	for range total {
		v := int64(math.Exp(rng.NormFloat64()*1.2+7)) + 1 // ~1 ms, long tail
		all = append(all, v)
		k := rng.IntN(n + 1)
		if k >= n {
			k = 0
		}
		parts[k] = append(parts[k], v)
	}
	return all, parts
}

func histOf(t *testing.T, values []int64) *hdrhistogram.Histogram {
	t.Helper()
	h := NewHistogram()
	for _, v := range values {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// TestMergeShardsIsExact splits values over shards, writes each shard's
// result to a file, reads them back and merges them: every histogram of
// the merged phase equals the histogram of all the values, and every
// count the sum of the shards'.
func TestMergeShardsIsExact(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 3, 7} {
		t.Run(fmt.Sprint(n, " shards"), func(t *testing.T) {
			t.Parallel()
			all, parts := splitValues(n, 20000, uint64(n))
			dir := t.TempDir()
			var in []ShardResult
			for i := range n {
				r := shardRun(t, i, n, scenarioA, parts[i], time.Duration(i*1700)*time.Microsecond)
				path := filepath.Join(dir, fmt.Sprintf("shard%d.json", i))
				if err := Write(path, r); err != nil {
					t.Fatal(err)
				}
				back, err := Read(path)
				if err != nil {
					t.Fatal(err)
				}
				in = append(in, ShardResult{File: path, Run: back})
			}
			slices.Reverse(in) // order of the arguments does not matter
			m, err := MergeShards(in, MergeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "merged.json")
			if err := Write(out, m); err != nil {
				t.Fatal(err)
			}
			if m, err = Read(out); err != nil {
				t.Fatalf("the merged file is not an ordinary result: %v", err)
			}
			checkMerged(t, m, all, parts)
		})
	}
}

func checkMerged(t *testing.T, m *Run, all []int64, parts [][]int64) {
	t.Helper()
	n := len(parts)
	want := histOf(t, all)
	meas := m.Phases[1]
	for _, f := range SummaryFields() {
		s := f.Of(&meas)
		if s == nil || !f.present(s) {
			continue
		}
		got, err := s.Histogram()
		if err != nil {
			t.Fatalf("%s: %v", f.Key, err)
		}
		if f.Key == "kinds.resumed.latency_us.connect" || strings.HasPrefix(f.Key, "kinds.resumed") {
			if got.TotalCount() != 0 {
				t.Errorf("%s: %d values, want none", f.Key, got.TotalCount())
			}
			continue
		}
		if !slices.Equal(got.Export().Counts, want.Export().Counts) || got.TotalCount() != int64(len(all)) {
			t.Errorf("%s: merged histogram (%d values) is not the histogram of all %d values", f.Key, got.TotalCount(), len(all))
		}
	}
	wantSum, err := Summarize(want)
	if err != nil {
		t.Fatal(err)
	}
	if h := meas.LatencyUS.Handshake; h.P99 != wantSum.P99 || h.P50 != wantSum.P50 || h.P999 != wantSum.P999 || h.Max != wantSum.Max || h.Count != wantSum.Count {
		t.Errorf("merged handshake summary %+v, want that of all values %+v", h, wantSum)
	}
	total := int64(len(all))
	if h := meas.Handshakes; h.Full != total || h.Total != total+int64(n) || h.Failed != int64(n) || h.Offered != int64(3*n) {
		t.Errorf("handshakes %+v, want the shards' sums (full %d)", h, total)
	}
	if meas.Errors["timeout"] != int64(n) || meas.Server.Handshakes != total || meas.Server.Nodes[0].Full != total || meas.Matrix[0][0].Offered != int64(3*n) {
		t.Errorf("errors %v, server %+v, matrix %v: want the shards' sums", meas.Errors, meas.Server, meas.Matrix)
	}
	if meas.Pacing.Scheduled != total+int64(n) || meas.Pacing.OfferedRatePerS != float64(100*n) {
		t.Errorf("pacing %+v: want scheduled and offered rate summed", meas.Pacing)
	}
	// CPU: 1 s of client CPU per shard over all handshakes.
	if got, want := meas.CPUUSPerHandshake.Client, float64(n)*1e6/float64(total); math.Abs(got-want) > 1e-6*want {
		t.Errorf("client CPU per handshake %.3f, want summed CPU / summed handshakes %.3f", got, want)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"client user", meas.CPUUSPerHandshake.ClientUser, 0.75},
		{"client system", meas.CPUUSPerHandshake.ClientSystem, 0.25},
		{"server user", meas.CPUUSPerHandshake.ServerUser, 0.375},
		{"server system", meas.CPUUSPerHandshake.ServerSystem, 0.125},
	} {
		if want := c.want * float64(n) * 1e6 / float64(total); math.Abs(c.got-want) > 1e-6*want {
			t.Errorf("%s CPU per handshake %.3f, want summed CPU / summed handshakes %.3f", c.name, c.got, want)
		}
	}
	if got := meas.CPU.ClientUtil; math.Abs(got-0.5*float64(n)) > 1e-9 {
		t.Errorf("client cores %.2f, want the shards' sum %.2f", got, 0.5*float64(n))
	}
	var ivs int64
	for _, iv := range meas.Intervals {
		ivs += iv.Full
	}
	if ivs != total || len(meas.Intervals) != 1 {
		t.Errorf("intervals %+v: want one second holding all %d", meas.Intervals, total)
	}
	if len(m.MergedFrom) != n || m.Shard != nil || m.Partial {
		t.Fatalf("merged_from %+v, shard %+v, partial %v", m.MergedFrom, m.Shard, m.Partial)
	}
	for i, f := range m.MergedFrom {
		if f.Index != i || f.Host != fmt.Sprintf("pod-%d", i) || f.File == "" || !f.Clock.Synchronized {
			t.Errorf("merged_from[%d] = %+v", i, f)
		}
	}
	if wantSkew := int64((n - 1) * 1700); m.StartSkewUS == nil || *m.StartSkewUS != wantSkew {
		t.Errorf("start skew %v µs, want %d", m.StartSkewUS, wantSkew)
	}
	if len(m.Warnings) != n || !strings.HasPrefix(m.Warnings[0].Message, "shard 0 (pod-0): ") {
		t.Errorf("warnings %+v: want each shard's, prefixed", m.Warnings)
	}
	if _, err := m.Measured(); err != nil {
		t.Errorf("the merged run's measured phases: %v", err)
	}
}

// TestMergeShardsFromMarkedLines reads the shards from one stream of logs,
// as kubectl logs --prefix prints them, among other lines.
func TestMergeShardsFromMarkedLines(t *testing.T) {
	t.Parallel()
	all, parts := splitValues(3, 5000, 9)
	var logs bytes.Buffer
	for i := range 3 {
		prefix := fmt.Sprintf("[pod/s-%d-abcde/tlsbench] ", i)
		fmt.Fprintf(&logs, "%s== [1/1] s (TLS 1.3, ...)\n%sphase measure: 1234 handshakes\n%s", prefix, prefix, prefix)
		if err := WriteMarked(&logs, shardRun(t, i, 3, scenarioA, parts[i], time.Duration(i*1700)*time.Microsecond)); err != nil {
			t.Fatal(err)
		}
	}
	marked, err := ReadMarked(&logs, "-")
	if err != nil {
		t.Fatal(err)
	}
	var in []ShardResult
	for _, mk := range marked {
		in = append(in, ShardResult{File: mk.Source, Run: mk.Run})
	}
	if len(in) != 3 || !strings.Contains(in[1].File, "[pod/s-1-abcde/tlsbench]") {
		t.Fatalf("read %d results, sources %v", len(in), in)
	}
	m, err := MergeShards(in, MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkMerged(t, m, all, parts)
	if _, err := ReadMarked(strings.NewReader("no result here\n"), "-"); err == nil || !strings.Contains(err.Error(), "no line") {
		t.Errorf("a stream without results: %v, want an error", err)
	}
	if _, err := ReadMarked(strings.NewReader(ResultMarker+" {\"schema_version\": 1, \"phases\": [\n"), "-"); err == nil || !strings.Contains(err.Error(), "-:1") {
		t.Errorf("a truncated result: %v, want an error naming the line", err)
	}
}

// TestMergeShardsRefuses: each refusal names the files, or the shard.
func TestMergeShardsRefuses(t *testing.T) {
	t.Parallel()
	_, parts := splitValues(3, 3000, 4)
	shard := func(i, n int, sc string) ShardResult {
		return ShardResult{File: fmt.Sprintf("shard%d.json", i), Run: shardRun(t, i, n, sc, parts[i%3], 0)}
	}
	wideHistogram := func(r ShardResult, hi int64, v int64) ShardResult {
		h := hdrhistogram.New(MinLatencyUS, hi, SigFigs)
		h.RecordValue(v)
		s, err := Summarize(h)
		if err != nil {
			t.Fatal(err)
		}
		r.Run.Phases[1].LatencyUS.Connect = s
		return r
	}
	late := shard(2, 3, scenarioA)
	late.Run.Shard.Late = true
	late.Run.Phases = nil
	notShard := shard(1, 3, scenarioA)
	notShard.Run.Shard = nil
	otherPhases := shard(1, 3, scenarioA)
	otherPhases.Run.Phases[1].Name = "other"
	tests := []struct {
		name string
		in   []ShardResult
		want []string
	}{
		{"different scenarios", []ShardResult{shard(0, 3, scenarioA), shard(1, 3, scenarioB), shard(2, 3, scenarioA)},
			[]string{"shard0.json and shard1.json ran different scenarios"}},
		{"missing shard", []ShardResult{shard(0, 3, scenarioA), shard(2, 3, scenarioA)},
			[]string{"shard 1 of 3 missing", "0 from shard0.json", "2 from shard2.json", "--allow-missing"}},
		{"repeated index", []ShardResult{shard(0, 3, scenarioA), shard(1, 3, scenarioA), ShardResult{File: "again.json", Run: shardRun(t, 1, 3, scenarioA, parts[1], 0)}, shard(2, 3, scenarioA)},
			[]string{"shard 1 of 3 is given twice: shard1.json and again.json"}},
		{"late shard", []ShardResult{shard(0, 3, scenarioA), shard(1, 3, scenarioA), late},
			[]string{"shard 2 of 3 missing", "shard 2 (shard2.json) started late"}},
		{"counts differ", []ShardResult{shard(0, 3, scenarioA), shard(1, 2, scenarioA)},
			[]string{"shard1.json is shard 1 of 2, but shard0.json is one of 3"}},
		{"not a shard", []ShardResult{shard(0, 3, scenarioA), notShard},
			[]string{"shard1.json is not a shard's result"}},
		{"different phases", []ShardResult{shard(0, 3, scenarioA), otherPhases, shard(2, 3, scenarioA)},
			[]string{"shard0.json and shard1.json ran different phases"}},
		{"HDR settings differ", []ShardResult{shard(0, 3, scenarioA), wideHistogram(shard(1, 3, scenarioA), 2*MaxLatencyUS, 100), shard(2, 3, scenarioA)},
			[]string{"shard1.json: phases[1].latency_us.connect: HDR settings differ from shard0.json's"}},
		{"dropped values", []ShardResult{wideHistogram(shard(0, 3, scenarioA), 2*MaxLatencyUS, 90_000_000), wideHistogram(shard(1, 3, scenarioA), 2*MaxLatencyUS, 100), wideHistogram(shard(2, 3, scenarioA), 2*MaxLatencyUS, 100)},
			[]string{"shard0.json: phases[1].latency_us.connect: adding its histogram drops 1 values"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := MergeShards(tt.in, MergeOptions{})
			if err == nil {
				t.Fatalf("merged %d shards, want an error", len(m.MergedFrom))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestMergeShardsAllowMissing merges what there is, marked partial, with
// the missing (and the late) shards listed.
func TestMergeShardsAllowMissing(t *testing.T) {
	t.Parallel()
	_, parts := splitValues(4, 4000, 5)
	late := shardRun(t, 3, 4, scenarioA, parts[3], 0)
	late.Shard.Late, late.Phases, late.Partial, late.PartialReason = true, nil, true, "late start"
	in := []ShardResult{
		{File: "a.json", Run: shardRun(t, 0, 4, scenarioA, parts[0], 0)},
		{File: "c.json", Run: shardRun(t, 2, 4, scenarioA, parts[2], 0)},
		{File: "d.json", Run: late},
	}
	m, err := MergeShards(in, MergeOptions{AllowMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Partial || !slices.Equal(m.MissingShards, []int{1, 3}) || !strings.Contains(m.PartialReason, "shards 1, 3 of 4 missing") {
		t.Errorf("partial %v (%q), missing %v; want partial with 1 and 3 missing", m.Partial, m.PartialReason, m.MissingShards)
	}
	if got, want := m.Phases[1].Handshakes.Full, int64(len(parts[0])+len(parts[2])); got != want || len(m.MergedFrom) != 2 {
		t.Errorf("%d full handshakes from %d shards, want %d from 2", got, len(m.MergedFrom), want)
	}
}

// TestMergeShardsWarnsOfSkew: constant ticks shifted by more than a tenth
// of their spacing, and an unsynchronised clock, are warned about.
func TestMergeShardsWarnsOfSkew(t *testing.T) {
	t.Parallel()
	_, parts := splitValues(2, 2000, 6)
	a := shardRun(t, 0, 2, scenarioA, parts[0], 0)
	b := shardRun(t, 1, 2, scenarioA, parts[1], 3*time.Millisecond)
	for _, r := range []*Run{a, b} {
		r.Phases[1].Pacing.Arrival = "constant"
	}
	b.Shard.Clock = ClockSync{Source: "adjtimex", Synchronized: false, MaxErrorUS: 16_000_000}
	m, err := MergeShards([]ShardResult{{File: "a", Run: a}, {File: "b", Run: b}}, MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, w := range m.Warnings {
		if w.Code == WarnStartSkew {
			msgs = append(msgs, w.Message)
		}
	}
	if len(msgs) != 2 || !strings.Contains(msgs[0], "started 3ms apart") || !strings.Contains(msgs[1], "not known to be synchronised") {
		t.Errorf("start_skew warnings %q", msgs)
	}
}

func TestScenarioHashIgnoresTheFile(t *testing.T) {
	t.Parallel()
	a, _ := ScenarioHash(json.RawMessage(`{"name":"s","file":"a/s.yaml","clients":{"count":3}}`))
	b, _ := ScenarioHash(json.RawMessage(`{"clients": {"count": 3}, "name": "s", "file": "/abs/s.yaml"}`))
	c, _ := ScenarioHash(json.RawMessage(`{"name":"s","clients":{"count":4}}`))
	if a != b || a == c || len(a) != 64 {
		t.Errorf("hashes %s %s %s: want the first two equal, the third not", a, b, c)
	}
}

// Each shard behind a network lab has a link process of its own: the
// merged link's cores are their sum, as the clients' are, and its CPU per
// handshake the summed seconds over the summed handshakes.
func TestMergeShardsAddsLinkCores(t *testing.T) {
	t.Parallel()
	const n = 3
	_, parts := splitValues(n, 3000, 5)
	var in []ShardResult
	var handshakes int64
	for i := range n {
		r := shardRun(t, i, n, scenarioA, parts[i], 0)
		for k := range r.Phases {
			r.Phases[k].Link = &Link{RTTUS: 40000, CPUS: 0.2, CPUUtil: 0.1}
		}
		handshakes += r.Phases[1].Handshakes.Completed()
		in = append(in, ShardResult{File: fmt.Sprintf("shard%d.json", i), Run: r})
	}
	m, err := MergeShards(in, MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l := m.Phases[1].Link
	if l == nil {
		t.Fatal("merged phase has no link")
	}
	if got, want := l.CPUUtil, 0.1*n; math.Abs(got-want) > 1e-9 {
		t.Errorf("link cores %.3f, want the shards' sum %.3f", got, want)
	}
	if got, want := l.CPUUSPerHandshake, 0.2*n*1e6/float64(handshakes); math.Abs(got-want) > 1e-6*want {
		t.Errorf("link CPU per handshake %.3f, want summed CPU / summed handshakes %.3f", got, want)
	}
}
