package realserver

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// startOpenSSL starts node n's openssl s_server -www.
func (f *Fleet) startOpenSSL(n *node) error {
	cfg := &f.cfg
	i := n.index
	// s_server sends the certificate of -cert only; the rest of the chain
	// goes in -cert_chain.
	data, err := os.ReadFile(cfg.CertFile)
	if err != nil {
		return fmt.Errorf("realserver: %w", err)
	}
	var rest []byte
	for first := true; ; first = false {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if !first {
			rest = append(rest, pem.EncodeToMemory(b)...)
		}
	}
	vs := cfg.versions()
	argv := []string{"openssl", "s_server", "-accept", n.addr, "-cert", cfg.CertFile, "-key", cfg.KeyFile,
		"-www", "-quiet", "-min_protocol", versionNames[vs[0]], "-max_protocol", versionNames[vs[len(vs)-1]]}
	if len(rest) > 0 {
		chain, err := f.writeFile(fmt.Sprintf("node%d.chain.pem", i), rest, 0o644)
		if err != nil {
			return err
		}
		argv = append(argv, "-cert_chain", chain)
	}
	if cfg.TicketKeys == tlsfleet.Off {
		argv = append(argv, "-no_ticket")
	}
	if cfg.SessionCache == tlsfleet.Off {
		argv = append(argv, "-no_cache")
	}
	if cfg.Ciphers != "" {
		argv = append(argv, "-cipher", cfg.Ciphers)
	}
	if cfg.Groups != "" {
		argv = append(argv, "-groups", cfg.Groups)
	}
	n.proc, err = f.startProc(fmt.Sprintf("openssl s_server node %d", i), argv, nil, "")
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	ca, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return fmt.Errorf("realserver: %w", err)
	}
	if !roots.AppendCertsFromPEM(ca) {
		return fmt.Errorf("realserver: no certificate in %s", cfg.CAFile)
	}
	n.counter = &statsCounter{addr: n.addr, dial: cfg.dial, cfg: &tls.Config{ServerName: cfg.ServerName, RootCAs: roots}}
	return nil
}

// statsCounter reads an s_server's counts from the session-cache
// statistics on its status page: "server accepts that finished" (completed
// handshakes), "session cache hits" (resumed ones, by session ID or
// ticket) and "server accepts" (started ones). Each read is one full
// handshake of its own, which it subtracts.
type statsCounter struct {
	mu     sync.Mutex
	addr   string
	dial   func(context.Context, *net.Dialer, string) (net.Conn, error)
	cfg    *tls.Config
	probes int64
	last   Counts
}

func (sc *statsCounter) counts(ctx context.Context) (Counts, error) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	page, err := sc.probe(ctx)
	if err != nil {
		// After Stop, the last counts read.
		return sc.last, err
	}
	sc.probes++
	st := parseStats(page)
	accepts, finished, hits := st["server accepts (SSL_accept())"], st["server accepts that finished"], st["session cache hits"]
	if finished < 0 || hits < 0 || accepts < 0 {
		return sc.last, errors.New("no session-cache statistics on s_server's status page")
	}
	// The probes' own full handshakes, this one included.
	finished -= sc.probes
	accepts -= sc.probes
	sc.last = Counts{Full: finished - hits, Resumed: hits, Failed: max(accepts-finished, 0)}
	return sc.last, nil
}

func (sc *statsCounter) close() {}

func (sc *statsCounter) probe(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	raw, err := sc.dial(ctx, &net.Dialer{}, sc.addr)
	if err != nil {
		return nil, fmt.Errorf("read s_server's statistics: %w", err)
	}
	defer raw.Close()
	deadline, _ := ctx.Deadline()
	raw.SetDeadline(deadline)
	c := tls.Client(raw, sc.cfg)
	if err := c.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("read s_server's statistics: %w", err)
	}
	if _, err := io.WriteString(c, "GET / HTTP/1.0\r\n\r\n"); err != nil {
		return nil, fmt.Errorf("read s_server's statistics: %w", err)
	}
	page, err := io.ReadAll(c)
	if err != nil && len(page) == 0 {
		return nil, fmt.Errorf("read s_server's statistics: %w", err)
	}
	return page, nil
}

// parseStats reads the "   N description" lines of s_server's status
// page; a statistic that is missing reads as -1.
func parseStats(page []byte) map[string]int64 {
	st := map[string]int64{
		"server accepts (SSL_accept())": -1,
		"server accepts that finished":  -1,
		"session cache hits":            -1,
	}
	s := bufio.NewScanner(bytes.NewReader(page))
	for s.Scan() {
		num, desc, ok := strings.Cut(strings.TrimSpace(s.Text()), " ")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			continue
		}
		desc = strings.TrimSpace(desc)
		if _, want := st[desc]; want {
			st[desc] = n
		}
	}
	return st
}
