package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Write writes run to path atomically: it writes a temporary file in the
// same directory, syncs it, renames it over path and syncs the directory.
// A reader sees the old file or the new one, never a torn one. The file is
// created 0644: it holds no secrets.
func Write(path string, run *Run) error {
	if run.SchemaVersion == 0 {
		run.SchemaVersion = SchemaVersion
	}
	if run.Warnings == nil {
		run.Warnings = []Warning{}
	}
	if run.Thresholds == nil {
		run.Thresholds = []ThresholdCheck{}
	}
	data, err := json.MarshalIndent(run, "", "  ")
	if err != nil {
		return fmt.Errorf("results: encode %s: %w", path, err)
	}
	data = append(data, '\n')
	return writeAtomic(path, data)
}

// WriteFile writes data to path atomically, as Write does, for other
// files that scripts read (the perf comparison).
func WriteFile(path string, data []byte) error { return writeAtomic(path, data) }

func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	// A writer killed mid-write leaves its temporary file behind: remove
	// those of this path before writing a new one.
	pattern := "." + filepath.Base(path) + ".tmp-*"
	if stale, err := filepath.Glob(filepath.Join(dir, pattern)); err == nil {
		for _, f := range stale {
			os.Remove(f)
		}
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("results: write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("results: sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("results: close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: the rename is durable once the directory is
		d.Close()
	}
	return nil
}

// Read reads a result file and checks it: it must be JSON of this schema,
// of a schema version this build knows, with every histogram decodable.
// Errors name the file.
func Read(path string) (*Run, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	run, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("results: %s: %w", path, err)
	}
	return run, nil
}

// ReadFiles reads the result files at paths (see Read), in order. Every
// file that cannot be read is reported, each error naming its file.
func ReadFiles(paths []string) ([]*Run, error) {
	var runs []*Run
	var errs []error
	for _, p := range paths {
		r, err := Read(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		runs = append(runs, r)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return runs, nil
}

// Decode parses and checks the content of a result file (see Read).
func Decode(data []byte) (*Run, error) {
	var head struct {
		SchemaVersion *int `json:"schema_version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("not a result file (truncated or not JSON): %w", err)
	}
	switch {
	case head.SchemaVersion == nil:
		return nil, errors.New("not a result file: no schema_version")
	case *head.SchemaVersion > SchemaVersion:
		return nil, fmt.Errorf("schema version %d is newer than this tlsbench reads (%d): upgrade tlsbench", *head.SchemaVersion, SchemaVersion)
	case *head.SchemaVersion < 1:
		return nil, fmt.Errorf("bad schema version %d", *head.SchemaVersion)
	}
	var run Run
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&run); err != nil {
		return nil, fmt.Errorf("bad result file: %w", err)
	}
	for i := range run.Phases {
		p := &run.Phases[i]
		for _, f := range SummaryFields() {
			if s := f.Of(p); f.present(s) {
				if _, err := s.Histogram(); err != nil {
					return nil, fmt.Errorf("phases[%d] (%s): %s: %w", i, p.Name, f.Key, err)
				}
			}
		}
	}
	return &run, nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// SafeName makes s usable as (part of) a file name on any system: every
// run of characters other than ASCII letters, digits, '.', '_' and '-'
// becomes one '-', and leading and trailing '-' go; an empty result is
// "run". Result files, charts and .hgrm exports are all named with it.
func SafeName(s string) string {
	name := strings.Trim(unsafeName.ReplaceAllString(s, "-"), "-")
	if name == "" {
		return "run"
	}
	return name
}

// FileName returns the conventional file name of a run:
// <started, UTC, compact>-<scenario name>.json.
func FileName(run *Run) string {
	return run.StartedAt.UTC().Format("20060102T150405.000Z") + "-" + SafeName(run.Scenario.Name) + ".json"
}

// Duration returns the phase window as a time.Duration.
func (p Phase) Duration() time.Duration { return p.EndedAt.Sub(p.StartedAt) }
