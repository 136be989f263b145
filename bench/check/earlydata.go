package check

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// The outcomes of the early-data test (Report.EarlyData).
const (
	// EarlyAccepted: the server accepted data sent in the first flight of
	// a resumed TLS 1.3 handshake (0-RTT).
	EarlyAccepted = "accepted"
	// EarlyRejected: it did not, either because its tickets allow no
	// early data (max_early_data 0, so a client sends none) or because it
	// rejected what was sent.
	EarlyRejected = "rejected"
	// EarlyNotTested: the test could not be made; EarlyDataDetail says
	// why.
	EarlyNotTested = "not_tested"
)

// maxEarlyData finds the max_early_data of a session as openssl prints
// it.
var maxEarlyData = regexp.MustCompile(`Max Early Data: (\d+)`)

// earlyData tests TLS 1.3 early data (0-RTT) with the openssl binary, as
// Go's crypto/tls has none (golang/go#48597): a first s_client connection
// keeps the server's session ticket (-sess_out), a second resumes it and
// sends a request as early data (-sess_in -early_data). The request is
// "GET / HTTP/1.1" with Connection: close, a safe method, since early data
// can be replayed; a server that is not an HTTP server ignores it. Each
// connection waits for the server to close, within the timeout. The
// session file, which holds the resumption secret, lives in a directory
// of its own (0700) that is removed at once.
func (c *checker) earlyData(r *Report, addr string) {
	r.EarlyData = EarlyNotTested
	if !c.has["1.3"] {
		r.EarlyDataDetail = "TLS 1.3 is refused: early data is TLS 1.3's"
		return
	}
	bin := c.cfg.OpenSSL
	if bin == "" {
		bin = "openssl"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		r.EarlyDataDetail = "the openssl binary is not installed (apt-get install openssl): Go's crypto/tls has no 0-RTT (golang/go#48597)"
		return
	}
	dir, err := os.MkdirTemp("", "tlsbench-check-")
	if err != nil {
		r.EarlyDataDetail = "no temporary directory for the session: " + err.Error()
		return
	}
	defer os.RemoveAll(dir)
	sess, reqFile := filepath.Join(dir, "session.pem"), filepath.Join(dir, "request")
	req := "GET / HTTP/1.1\r\nHost: " + c.cfg.ServerName + "\r\nConnection: close\r\n\r\n"
	if err := os.WriteFile(reqFile, []byte(req), 0o600); err != nil {
		r.EarlyDataDetail = "cannot write the request: " + err.Error()
		return
	}
	first := c.sClient(path, addr, req, "-sess_out", sess)
	if !strings.Contains(first, "TLSv1.3, Cipher is") {
		r.EarlyDataDetail = "the first openssl s_client connection failed: " + lastLine(first)
		return
	}
	if st, err := os.Stat(sess); err != nil || st.Size() == 0 {
		r.EarlyDataDetail = "the server sent openssl s_client no TLS 1.3 session ticket: there is no session to send early data with"
		return
	}
	// The ticket's max_early_data, as the session file holds it (s_client
	// prints tickets only now and then).
	max := int64(-1)
	text, _ := exec.CommandContext(c.ctx, path, "sess_id", "-in", sess, "-noout", "-text").CombinedOutput()
	for _, m := range maxEarlyData.FindAllStringSubmatch(first+string(text), -1) {
		if n, err := strconv.ParseInt(m[1], 10, 64); err == nil && n > max {
			max = n
		}
	}
	if max == 0 {
		r.EarlyData = EarlyRejected
		r.EarlyDataDetail = "the server's session tickets allow no early data (max_early_data 0): a client cannot send any"
		return
	}
	second := c.sClient(path, addr, req, "-sess_in", sess, "-early_data", reqFile)
	resumed := strings.Contains(second, "Reused, TLSv1.3")
	switch {
	case strings.Contains(second, "Early data was accepted"):
		r.EarlyData = EarlyAccepted
		r.EarlyDataDetail = "a resumed handshake's early data (a GET request) was accepted"
		if max > 0 {
			r.EarlyDataDetail += "; the tickets allow " + strconv.FormatInt(max, 10) + " bytes of it"
		}
	case strings.Contains(second, "Early data was rejected"):
		r.EarlyData = EarlyRejected
		r.EarlyDataDetail = "the server rejected the early data of a resumed handshake"
		if !resumed {
			r.EarlyDataDetail = "the server rejected the early data: it did not resume the session"
		}
	case strings.Contains(second, "Early data was not sent"):
		r.EarlyData = EarlyRejected
		r.EarlyDataDetail = "openssl s_client sent no early data: the session allows none"
	default:
		r.EarlyDataDetail = "the second openssl s_client connection did not say what became of the early data: " + lastLine(second)
	}
}

// sClient runs one openssl s_client connection to addr with stdin and the
// extra arguments, waiting for the server to close it (-ign_eof) within
// the timeout, and returns what it printed (stdout and stderr).
func (c *checker) sClient(bin, addr, stdin string, extra ...string) string {
	c.conns++
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.Timeout)
	defer cancel()
	args := []string{"s_client", "-connect", addr, "-tls1_3", "-ign_eof"}
	if name := c.cfg.ServerName; name != "" && net.ParseIP(name) == nil {
		args = append(args, "-servername", name)
	}
	if c.cfg.CAFile != "" {
		args = append(args, "-CAfile", c.cfg.CAFile)
	}
	cmd := exec.CommandContext(ctx, bin, append(args, extra...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) && out.Len() == 0 {
		return err.Error()
	}
	return out.String()
}

// lastLine returns the last line of s that names an error or an alert,
// else its last line that is not empty, for an error message.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); strings.Contains(l, "error") || strings.Contains(l, "alert") {
			return l
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return "no output"
}
