package testbed

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Process is a testbed fleet running in a child process. Its methods are
// safe for concurrent use.
type Process struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Reader
	stderr *bytes.Buffer

	// Addresses are the nodes' listen addresses, in node order.
	Addresses []string

	// Epoch is the start of the fleet's key-rotation schedule.
	Epoch time.Time

	// ECHConfigList is the fleet's public ECH config list (Ready's); nil
	// without ECH.
	ECHConfigList []byte

	mu      sync.Mutex
	stopped bool
	broken  error // a reply that never came: later replies would be out of step
	waitErr error
}

// Start starts a fleet in a child process: argv is the command that runs
// Serve with the child's stdin and stdout (for example the tlsbench binary
// and "testbed"). It returns once every node accepts connections, or with
// the child's error. The child also stops when the parent dies.
func Start(ctx context.Context, argv []string, cfg Config) (*Process, error) {
	if len(argv) == 0 {
		return nil, errors.New("testbed: no command to start")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	setParentDeathSignal(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("testbed: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("testbed: %w", err)
	}
	p := &Process{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout), stderr: &bytes.Buffer{}}
	cmd.Stderr = &lockedWriter{w: p.stderr, mu: &p.mu}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("testbed: start %s: %w", argv[0], err)
	}
	line, err := json.Marshal(cfg)
	if err != nil {
		p.Stop()
		return nil, fmt.Errorf("testbed: %w", err)
	}
	if _, err := stdin.Write(append(line, '\n')); err != nil {
		p.Stop()
		return nil, fmt.Errorf("testbed: send config: %w%s", err, p.stderrText())
	}
	var ready Ready
	if err := p.readLine(ctx, &ready); err != nil {
		p.Stop()
		return nil, fmt.Errorf("testbed: waiting for the nodes: %w%s", err, p.stderrText())
	}
	if ready.Error != "" {
		p.Stop()
		return nil, fmt.Errorf("testbed: %s", strings.TrimPrefix(ready.Error, "testbed: "))
	}
	if len(ready.Addresses) != len(cfg.Addresses) {
		p.Stop()
		return nil, fmt.Errorf("testbed: started %d nodes, want %d", len(ready.Addresses), len(cfg.Addresses))
	}
	p.Addresses, p.Epoch, p.ECHConfigList = ready.Addresses, ready.Epoch, ready.ECHConfigList
	return p, nil
}

// Pid returns the child's process id, for reading its CPU time.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Stats asks the child for a snapshot of its nodes' counters.
func (p *Process) Stats(ctx context.Context) (Stats, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return Stats{}, errors.New("testbed: stopped")
	}
	if _, err := io.WriteString(p.stdin, "stats\n"); err != nil {
		return Stats{}, fmt.Errorf("testbed: ask for stats: %w", err)
	}
	var s Stats
	if err := p.readLineLocked(ctx, &s); err != nil {
		return Stats{}, fmt.Errorf("testbed: read stats: %w", err)
	}
	return s, nil
}

// Fault injects a failure into node n: action "kill" or "stall" (see
// FaultReply).
func (p *Process) Fault(ctx context.Context, action string, n int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return errors.New("testbed: stopped")
	}
	if _, err := fmt.Fprintf(p.stdin, "%s %d\n", action, n); err != nil {
		return fmt.Errorf("testbed: send fault: %w", err)
	}
	var r FaultReply
	if err := p.readLineLocked(ctx, &r); err != nil {
		return fmt.Errorf("testbed: read fault reply: %w", err)
	}
	if r.Error != "" {
		return errors.New(r.Error)
	}
	return nil
}

// Kill kills the child process at once (SIGKILL), as a crash would.
func (p *Process) Kill() error { return p.cmd.Process.Kill() }

// Stop closes the child's stdin, which stops it, and waits up to 5 s for it
// to exit before killing it. It is safe to call more than once.
func (p *Process) Stop() error {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return p.waitErr
	}
	p.stopped = true
	p.stdin.Close()
	p.mu.Unlock()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		err = <-done
		err = fmt.Errorf("testbed: did not stop within 5s, killed: %w", err)
	}
	p.mu.Lock()
	p.waitErr = err
	p.mu.Unlock()
	return err
}

func (p *Process) readLine(ctx context.Context, v any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.readLineLocked(ctx, v)
}

// readLineLocked reads one JSON line, giving up when ctx ends. The reader
// goroutine is left to finish on its own; the child's exit unblocks it.
func (p *Process) readLineLocked(ctx context.Context, v any) error {
	if p.broken != nil {
		return p.broken
	}
	type result struct {
		line []byte
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		line, err := p.out.ReadBytes('\n')
		ch <- result{line, err}
	}()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	select {
	case r := <-ch:
		if r.err != nil {
			return fmt.Errorf("child closed its output: %w", r.err)
		}
		return json.Unmarshal(r.line, v)
	case <-ctx.Done():
		p.broken = fmt.Errorf("no reply from the testbed: %w", ctx.Err())
		return p.broken
	}
}

// stderrText is what the child wrote on its stderr, for an error message.
// Call it after Stop: the wait for the child's exit has copied all of it.
func (p *Process) stderrText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := strings.TrimSpace(p.stderr.String())
	if s == "" {
		return ""
	}
	return " (child said: " + s + ")"
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
