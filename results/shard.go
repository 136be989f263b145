package results

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Shard is what one shard of a run split over several generators records
// (.shard): which part it ran, when it was told to start and when it did,
// and how far its clock can be trusted. See package loadgen's Shard for
// what a shard runs.
type Shard struct {
	// Index is the shard's index, 0..Count-1; Count the number of shards.
	Index int `json:"index"`
	Count int `json:"count"`
	// StartAt is the common start time every shard waited for, on its own
	// clock (tlsbench run --start-at); zero when none was given.
	StartAt time.Time `json:"start_at"`
	// StartedAt is when this shard's first phase began: once it was ready
	// and StartAt had come.
	StartedAt time.Time `json:"started_at"`
	// ReadyAt is when the shard had done everything that takes time before
	// the first phase (certificates, the servers it starts, its clients)
	// and began to wait for StartAt.
	ReadyAt time.Time `json:"ready_at"`
	// ToleranceUS is how late after StartAt the shard could be ready and
	// still run, in µs.
	ToleranceUS int64 `json:"tolerance_us"`
	// Late is true when the shard was ready only after StartAt plus the
	// tolerance: it ran no phase (the run is partial, and tlsbench exited
	// with its late-start code).
	Late bool `json:"late,omitempty"`
	// Host is the host name of the machine (under Kubernetes, the pod's).
	Host string `json:"host"`
	// Clients and Concurrency are this shard's share of the run's
	// (.client.clients and .client.concurrency are the whole run's).
	Clients     int `json:"clients"`
	Concurrency int `json:"concurrency"`
	// ScenarioHash identifies the resolved scenario (ScenarioHash of
	// .scenario.config): shards that ran different scenarios cannot be
	// merged.
	ScenarioHash string `json:"scenario_hash"`
	// Clock is the state of the machine's clock when the shard started.
	Clock ClockSync `json:"clock"`
}

// ClockSync is the kernel's view of the machine's clock (adjtimex(2)), as
// NTP or PTP daemons keep it: whether it is synchronised, and the bounds
// on its error. Two shards' start times can differ by up to the sum of
// their MaxErrorUS on top of what they measured.
type ClockSync struct {
	// Source says where the figures come from: "adjtimex", or why they
	// are missing.
	Source string `json:"source"`
	// Synchronized is false when the kernel says the clock is not
	// synchronised (STA_UNSYNC, or the TIME_ERROR state).
	Synchronized bool `json:"synchronized"`
	// MaxErrorUS is the kernel's maximum error bound (timex.maxerror), µs.
	MaxErrorUS int64 `json:"max_error_us"`
	// EstErrorUS is its estimated error (timex.esterror), µs.
	EstErrorUS int64 `json:"est_error_us"`
}

// MergedShard is one shard of a merged result (.merged_from[]).
type MergedShard struct {
	Index     int       `json:"index"`
	Host      string    `json:"host"`
	StartedAt time.Time `json:"started_at"`
	// File is the result file the shard came from, or the stream ("-")
	// and the line (with kubectl's pod prefix when it carried one).
	File string `json:"file"`
	// Clock is the shard's clock state (see Shard.Clock).
	Clock ClockSync `json:"clock"`
}

// ScenarioHash returns the SHA-256 (hex) of a resolved scenario's JSON,
// canonicalised (keys sorted) and without the file it was loaded from, so
// that the same scenario loaded from two paths hashes alike.
func ScenarioHash(config json.RawMessage) (string, error) {
	var v map[string]any
	if err := json.Unmarshal(config, &v); err != nil {
		return "", fmt.Errorf("results: scenario config: %w", err)
	}
	delete(v, "file")
	canon, err := json.Marshal(v) // maps marshal with sorted keys
	if err != nil {
		return "", fmt.Errorf("results: scenario config: %w", err)
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:]), nil
}

// ResultMarker starts the one line on which a shard prints its result on
// standard output, so that a log collector (kubectl logs) carries it:
// the marker, a space, and the result as JSON on one line.
const ResultMarker = "#tlsbench-result"

// WriteMarked writes run to w as one marked line (ResultMarker, a space,
// the run as compact JSON, a newline).
func WriteMarked(w io.Writer, run *Run) error {
	if run.Warnings == nil {
		run.Warnings = []Warning{}
	}
	data, err := json.Marshal(run)
	if err != nil {
		return fmt.Errorf("results: encode: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s %s\n", ResultMarker, data)
	return err
}

// Marked is a result read from a marked line.
type Marked struct {
	// Source names where it came from: name, the line number, and the
	// text before the marker when there was some (kubectl logs --prefix
	// puts "[pod/NAME/CONTAINER]" there).
	Source string
	Run    *Run
}

// ReadMarked reads the marked lines of r (other lines are skipped: a log
// holds the summary tables too) and decodes each result as Decode does.
// name names the stream in Source and in errors. A stream without any
// marked line is an error.
func ReadMarked(r io.Reader, name string) ([]Marked, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var out []Marked
	var errs []error
	for n := 1; ; n++ {
		line, err := br.ReadString('\n')
		if i := strings.Index(line, ResultMarker+" "); i >= 0 {
			src := fmt.Sprintf("%s:%d", name, n)
			if p := strings.TrimSpace(line[:i]); p != "" {
				src += " " + p
			}
			run, derr := Decode([]byte(strings.TrimSpace(line[i+len(ResultMarker)+1:])))
			if derr != nil {
				errs = append(errs, fmt.Errorf("results: %s: %w", src, derr))
			} else {
				out = append(out, Marked{Source: src, Run: run})
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("results: read %s: %w", name, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("results: %s: no line starts a result (%s): is it the output of tlsbench run --shard?", name, ResultMarker)
	}
	return out, nil
}

// ReadShardResults reads the results of a run's shards for MergeShards:
// each argument a result file, or "-" for the marked lines of in (see
// ReadMarked). Every problem is reported, each naming its file or line.
func ReadShardResults(args []string, in io.Reader) ([]ShardResult, error) {
	var out []ShardResult
	var errs []error
	for _, a := range args {
		if a == "-" {
			ms, err := ReadMarked(in, "-")
			errs = append(errs, err)
			for _, m := range ms {
				out = append(out, ShardResult{File: m.Source, Run: m.Run})
			}
			continue
		}
		r, err := Read(a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, ShardResult{File: a, Run: r})
	}
	return out, errors.Join(errs...)
}

// MergeShardFiles reads the shards' results (see ReadShardResults) and
// merges them (see MergeShards).
func MergeShardFiles(args []string, in io.Reader, opts MergeOptions) (*Run, error) {
	shards, err := ReadShardResults(args, in)
	if err != nil {
		return nil, err
	}
	return MergeShards(shards, opts)
}
