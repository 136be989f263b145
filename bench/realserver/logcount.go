package realserver

import (
	"bufio"
	"context"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// tally is a node's counts from its log lines.
type tally struct {
	c     Counts
	lines int64 // lines parsed, of any kind
}

// add counts one log line. The lines this package asks the servers for
// are "tlsbench REUSED PROTOCOL CIPHER [VERIFY]": REUSED is "r" or "."
// (nginx's $ssl_session_reused) or "1" or "0" (HAProxy's
// ssl_fc_is_resumed). nginx logs a failed handshake with the cipher
// "(NONE)"; HAProxy logs it as a line of its own that ends in "SSL
// handshake failure". VERIFY is nginx's $ssl_client_verify: nginx
// completes the handshake with a client certificate it rejects
// (ssl_verify_client on), then closes the connection without an alert
// (stream) or answers 400 (http), and logs "FAILED:reason", which counts
// as a failed handshake. Other lines are ignored.
func (t *tally) add(line string) {
	t.lines++
	if strings.HasSuffix(strings.TrimSpace(line), "SSL handshake failure") {
		t.c.Failed++
		return
	}
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != "tlsbench" {
		return
	}
	if len(f) < 4 || f[3] == "(NONE)" || f[3] == "-" || f[2] == "-" || len(f) > 4 && strings.HasPrefix(f[4], "FAILED") {
		t.c.Failed++
		return
	}
	resumed := f[1] == "r" || f[1] == "1"
	switch {
	case resumed:
		t.c.Resumed++
	default:
		t.c.Full++
	}
	switch f[2] {
	case "TLSv1.2":
		if resumed {
			t.c.Resumed12++
		} else {
			t.c.Full12++
		}
	case "TLSv1.3":
		if resumed {
			t.c.Resumed13++
		} else {
			t.c.Full13++
		}
	}
}

// settleFor is how long a log must stay unchanged before a read of counts
// is taken as complete; settleMax bounds the wait.
const (
	settleFor = 60 * time.Millisecond
	settleMax = time.Second
)

// settle calls read until the number of lines it reports stays the same
// for settleFor, or settleMax has passed, or ctx ends.
func settle(ctx context.Context, read func() int64) {
	deadline := time.Now().Add(settleMax)
	last, since := read(), time.Now()
	for time.Since(since) < settleFor && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
		if n := read(); n != last {
			last, since = n, time.Now()
		}
	}
}

// fileCounter counts the lines of a log file that a server appends to
// (nginx's access log). It reads what was added since its last read and
// keeps a partial last line for the next.
type fileCounter struct {
	mu      sync.Mutex
	path    string
	offset  int64
	partial string
	t       tally
}

func (fc *fileCounter) read() int64 {
	f, err := os.Open(fc.path)
	if err != nil {
		return fc.t.lines // not written yet, or removed after Stop
	}
	defer f.Close()
	if _, err := f.Seek(fc.offset, io.SeekStart); err != nil {
		return fc.t.lines
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return fc.t.lines
	}
	fc.offset += int64(len(data))
	text := fc.partial + string(data)
	for {
		line, rest, ok := strings.Cut(text, "\n")
		if !ok {
			break
		}
		fc.t.add(line)
		text = rest
	}
	fc.partial = text
	return fc.t.lines
}

func (fc *fileCounter) counts(ctx context.Context) (Counts, error) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	settle(ctx, fc.read)
	c := fc.t.c
	c.VersionsKnown = true
	return c, nil
}

func (fc *fileCounter) close() {}

// streamCounter counts the lines a server writes to a pipe (HAProxy's
// standard output), as they come.
type streamCounter struct {
	mu   sync.Mutex
	t    tally
	w    *io.PipeWriter
	done chan struct{}
}

func newStreamCounter() *streamCounter {
	r, w := io.Pipe()
	sc := &streamCounter{w: w, done: make(chan struct{})}
	go func() {
		defer close(sc.done)
		s := bufio.NewScanner(r)
		for s.Scan() {
			sc.mu.Lock()
			sc.t.add(s.Text())
			sc.mu.Unlock()
		}
		r.CloseWithError(s.Err())
	}()
	return sc
}

// writer is where the server's output goes.
func (sc *streamCounter) writer() io.Writer { return sc.w }

func (sc *streamCounter) lines() int64 {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.t.lines
}

func (sc *streamCounter) counts(ctx context.Context) (Counts, error) {
	settle(ctx, sc.lines)
	sc.mu.Lock()
	defer sc.mu.Unlock()
	c := sc.t.c
	c.VersionsKnown = true
	return c, nil
}

// close ends the stream once the process has exited and waits for the
// last lines.
func (sc *streamCounter) close() {
	sc.w.Close()
	<-sc.done
}
