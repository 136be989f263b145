package results

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sampleRun returns a run with one warm-up and one measured phase, with
// real histograms.
func sampleRun(t *testing.T) *Run {
	t.Helper()
	h := NewHistogram()
	for v := int64(100); v <= 10_000; v += 7 {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := Summarize(h)
	if err != nil {
		t.Fatal(err)
	}
	empty, err := Summarize(nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	phase := func(name string, measured bool) Phase {
		return Phase{
			Name: name, Measured: measured,
			StartedAt: start, EndedAt: start.Add(2 * time.Second), WindowS: 2,
			Handshakes: Handshakes{Total: sum.Count, Full: sum.Count},
			RatePerS:   float64(sum.Count) / 2,
			LatencyUS:  Latency{Connect: sum, Handshake: sum},
			Kinds: Kinds{
				Full:    Kind{Count: sum.Count, LatencyUS: Latency{Connect: sum, Handshake: sum}},
				Resumed: Kind{LatencyUS: Latency{Connect: empty, Handshake: empty}},
			},
			Errors:    map[string]int64{"timeout": 1},
			Fallbacks: map[string]int64{"no_session": sum.Count},
		}
	}
	return &Run{
		Scenario:  Scenario{Name: "tls13 ecdsa/full", Config: json.RawMessage(`{"name":"x"}`)},
		StartedAt: start, EndedAt: start.Add(5 * time.Second),
		Phases: []Phase{phase("warmup", false), phase("measure", true)},
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	t.Parallel()
	run := sampleRun(t)
	path := filepath.Join(t.TempDir(), "runs", FileName(run))
	if err := Write(path, run); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.SchemaVersion != SchemaVersion {
		t.Errorf("schema_version = %d, want %d", got.SchemaVersion, SchemaVersion)
	}
	if got.Warnings == nil {
		t.Error("warnings is nil after a round trip, want an empty list")
	}
	// Compare as JSON: time zones and raw messages compare cleanly there.
	a, _ := json.Marshal(run)
	b, _ := json.Marshal(got)
	if string(a) != string(b) {
		t.Errorf("round trip changed the run:\n got %s\nwant %s", b, a)
	}
	h, err := got.Phases[1].LatencyUS.Handshake.Histogram()
	if err != nil {
		t.Fatal(err)
	}
	if h.TotalCount() != run.Phases[1].LatencyUS.Handshake.Count {
		t.Errorf("decoded histogram holds %d values, want %d", h.TotalCount(), run.Phases[1].LatencyUS.Handshake.Count)
	}
	if p99 := float64(h.ValueAtQuantile(99)); p99 != got.Phases[1].LatencyUS.Handshake.P99 {
		t.Errorf("p99 from the decoded histogram = %v, stored p99 = %v", p99, got.Phases[1].LatencyUS.Handshake.P99)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after Write, want only the result (no temporary files)", len(entries))
	}
}

func TestWriteReplacesAtomically(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "r.json")
	run := sampleRun(t)
	if err := Write(path, run); err != nil {
		t.Fatal(err)
	}
	run.Scenario.Name = "second"
	if err := Write(path, run); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Scenario.Name != "second" {
		t.Errorf("scenario.name = %q, want the second write's", got.Scenario.Name)
	}
}

func TestWriteFailsWithoutLeavingFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// The target is a directory: the rename fails.
	target := filepath.Join(dir, "r.json")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(target, sampleRun(t)); err == nil {
		t.Fatal("Write over a non-empty directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("dir holds %d entries after a failed Write, want 1 (no temporary file left)", len(entries))
	}
}

func TestReadBadFiles(t *testing.T) {
	t.Parallel()
	good, err := json.Marshal(sampleRun(t))
	if err != nil {
		t.Fatal(err)
	}
	var asMap map[string]any
	json.Unmarshal(good, &asMap)
	withVersion := func(v any) []byte {
		m := map[string]any{}
		for k, x := range asMap {
			m[k] = x
		}
		m["schema_version"] = v
		b, _ := json.Marshal(m)
		return b
	}
	corrupted := strings.Replace(string(withVersion(1)), `"hdr":"HISTF`, `"hdr":"XXXXX`, 1)
	// A summary that may be absent is checked when present.
	badTotal := strings.Replace(string(withVersion(1)), `"total":{"count":0,"hdr":""`, `"total":{"count":1,"hdr":"HISTFAAAxx"`, 1)
	if badTotal == string(withVersion(1)) {
		t.Fatal("the sample run has no empty total latency to corrupt")
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", good[:len(good)/2], "truncated or not JSON"},
		{"empty", nil, "truncated or not JSON"},
		{"not a result", []byte(`{"hello": 1}`), "no schema_version"},
		{"newer schema", withVersion(SchemaVersion + 1), "newer than this tlsbench reads"},
		{"corrupted histogram", []byte(corrupted), "latency_us.connect"},
		{"corrupted total latency", []byte(badTotal), "latency_us.total"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "bad.json")
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Read(path)
			if err == nil {
				t.Fatal("Read succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error = %q, want it to name the file and contain %q", err, tt.want)
			}
		})
	}
}

func TestSummarizePercentiles(t *testing.T) {
	t.Parallel()
	h := NewHistogram()
	for v := int64(1); v <= 1000; v++ {
		h.RecordValue(v)
	}
	s, err := Summarize(h)
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{Count: 1000, Min: 1, Mean: s.Mean, P50: 500, P90: 900, P99: 990, P999: 999, Max: 1000, HDR: s.HDR}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Summarize = %+v, want %+v", s, want)
	}
}

func TestFileName(t *testing.T) {
	t.Parallel()
	run := &Run{Scenario: Scenario{Name: "tls 1.3 / ecdsa"}, StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)}
	if got, want := FileName(run), "20260102T030405.006Z-tls-1.3-ecdsa.json"; got != want {
		t.Errorf("FileName = %q, want %q", got, want)
	}
}
