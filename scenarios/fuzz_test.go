package scenarios_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tlsbench/tlsbench/scenarios"
)

// FuzzParse checks that Parse never panics, that every failure is an
// *Error whose problems have positions, and that every success is valid.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"*.yaml", "testdata/good/*.yaml", "testdata/bad/*.yaml"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := scenarios.Parse("fuzz.yaml", data)
		if err == nil {
			if s == nil {
				t.Fatal("Parse returned neither a scenario nor an error")
			}
			if err := s.Validate(); err != nil {
				t.Fatalf("Parse succeeded but Validate fails: %v", err)
			}
			return
		}
		if s != nil {
			t.Error("Parse returned a scenario with its error")
		}
		var serr *scenarios.Error
		if !errors.As(err, &serr) {
			t.Fatalf("Parse error is %T, want *scenarios.Error: %v", err, err)
		}
		if len(serr.Problems) == 0 {
			t.Fatal("Parse returned an *Error without problems")
		}
		for _, p := range serr.Problems {
			if p.Line < 1 || p.Column < 1 || p.File != "fuzz.yaml" || p.Msg == "" {
				t.Errorf("bad problem %+v", p)
			}
		}
	})
}
