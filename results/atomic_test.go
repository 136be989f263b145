package results

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as a writer that writes result files
// in a loop until it is killed (see TestKilledWriterLeavesNoTornFile).
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "write-loop" {
		writeLoop(os.Args[2])
		return
	}
	os.Exit(m.Run())
}

func writeLoop(path string) {
	run := sampleRun(&testing.T{})
	// A large run, so that each write takes a while.
	for len(run.Phases) < 400 {
		run.Phases = append(run.Phases, run.Phases[1])
	}
	for i := 0; ; i++ {
		run.Scenario.Name = fmt.Sprintf("write-%d", i)
		if err := Write(path, run); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

// TestKilledWriterLeavesNoTornFile kills a writer at many moments during
// its writes and finds, each time, a whole result file: the old one or the
// new one, never a torn one.
func TestKilledWriterLeavesNoTornFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.json")
	for i := range 12 {
		cmd := exec.Command(os.Args[0], "write-loop", path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill at a different moment each time: before, during and
		// between writes.
		time.Sleep(time.Duration(20+i*17) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if _, err := os.Stat(path); os.IsNotExist(err) {
			continue // killed before the first rename
		}
		run, err := Read(path)
		if err != nil {
			t.Fatalf("after a kill (%d): %v", i, err)
		}
		if !strings.HasPrefix(run.Scenario.Name, "write-") {
			t.Fatalf("after a kill (%d): scenario %q", i, run.Scenario.Name)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no write completed in the whole test: %v", err)
	}
	// The next write removes what the killed writers left behind.
	if err := Write(path, sampleRun(t)); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v after a write, want only run.json", names)
	}
}
