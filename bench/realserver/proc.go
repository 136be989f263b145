package realserver

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is one server process.
type proc struct {
	name string
	cmd  *exec.Cmd
	// stderr keeps the last bytes the process wrote to its standard
	// error, for error messages; errorLog, when set, is a log file whose
	// tail is shown as well.
	stderr   *tail
	errorLog string

	done    chan struct{} // closed when the process has exited
	waitErr error         // set before done is closed
	once    sync.Once
	stopErr error
}

// startProc starts argv, through Config.Command, as a process that the
// kernel kills when this process dies. stdout, if not nil, receives the
// process's standard output.
func (f *Fleet) startProc(name string, argv []string, stdout io.Writer, errorLog string) (*proc, error) {
	argv = f.cfg.command(argv)
	if len(argv) == 0 {
		return nil, fmt.Errorf("realserver: start %s: Config.Command returned no command", name)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	setParentDeathSignal(cmd)
	p := &proc{name: name, cmd: cmd, stderr: &tail{max: 4 << 10}, errorLog: errorLog, done: make(chan struct{})}
	cmd.Stdout = stdout
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("realserver: start %s: %w", name, err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// waitAccept waits until addr accepts a TCP connection made with dial, or
// the process exits, or ctx ends.
func (p *proc) waitAccept(ctx context.Context, dial func(context.Context, *net.Dialer, string) (net.Conn, error), addr string) error {
	d := net.Dialer{Timeout: time.Second}
	for {
		dctx, cancel := context.WithTimeout(ctx, time.Second)
		c, err := dial(dctx, &d, addr)
		cancel()
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("realserver: %s exited before accepting on %s: %v%s", p.name, addr, p.waitErr, p.said())
		case <-ctx.Done():
			return fmt.Errorf("realserver: %s did not accept on %s: %w%s", p.name, addr, ctx.Err(), p.said())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// said returns what the process wrote to its standard error and error
// log, for an error message.
func (p *proc) said() string {
	time.Sleep(20 * time.Millisecond) // let its last words arrive
	s := strings.TrimSpace(p.stderr.String())
	if p.errorLog != "" {
		if data, err := os.ReadFile(p.errorLog); err == nil {
			if lines := lastLines(string(data), 5); lines != "" {
				s = strings.TrimSpace(s + "\n" + lines)
			}
		}
	}
	if s == "" {
		return ""
	}
	return " (" + p.name + " said: " + s + ")"
}

// stop sends SIGTERM and waits up to 5 s for the process to exit, then
// kills it. It is safe to call more than once.
func (p *proc) stop() error {
	p.once.Do(func() {
		select {
		case <-p.done:
			return // already gone
		default:
		}
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
			p.stopErr = fmt.Errorf("realserver: %s did not stop within 5s after SIGTERM, killed", p.name)
		}
	})
	return p.stopErr
}

// tail is a writer that keeps the last max bytes written to it. It is
// safe for concurrent use.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// lastLines returns the last n non-empty lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
