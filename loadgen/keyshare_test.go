package loadgen_test

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/loadgen"
)

// helloKeyShares records the key_share entries of the ClientHellos a
// listener receives, one string per connection.
type helloKeyShares struct {
	mu     sync.Mutex
	shares []string
}

// keyShareOf returns the key_share extension's body of the ClientHello
// in rec (its first record), or "" when there is none.
func keyShareOf(rec []byte) string {
	// record(5) handshake type(1) length(3) version(2) random(32)
	p := 5 + 4 + 2 + 32
	if len(rec) < p+1 {
		return ""
	}
	p += 1 + int(rec[p]) // session id
	if len(rec) < p+2 {
		return ""
	}
	p += 2 + int(binary.BigEndian.Uint16(rec[p:])) // cipher suites
	if len(rec) < p+1 {
		return ""
	}
	p += 1 + int(rec[p]) // compression methods
	if len(rec) < p+2 {
		return ""
	}
	end := p + 2 + int(binary.BigEndian.Uint16(rec[p:]))
	for p += 2; p+4 <= end && end <= len(rec); {
		typ, n := binary.BigEndian.Uint16(rec[p:]), int(binary.BigEndian.Uint16(rec[p+2:]))
		if typ == 51 && p+4+n <= len(rec) { // key_share
			return string(rec[p+4 : p+4+n])
		}
		p += 4 + n
	}
	return ""
}

// sniffConn hands its first read's bytes to note.
type sniffConn struct {
	net.Conn
	note func([]byte)
}

func (c *sniffConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if c.note != nil && n > 0 {
		c.note(b[:n])
		c.note = nil
	}
	return n, err
}

// TestReuseKeyShare: the lab mode offers one key share in as many
// handshakes as it is told, full and resumed ones alike, and they
// complete and resume; the default offers a fresh one every time.
func TestReuseKeyShare(t *testing.T) {
	t.Parallel()
	cert, pool := loadgen.ValidTestCert(t)
	srv := &tls.Config{Certificates: []tls.Certificate{cert}} // one config: one ticket key
	for _, tt := range []struct {
		name          string
		reuse         int
		resume        bool
		wantDistinct  int
		wantResumed   int64
		connsPerPhase int64
	}{
		{"default: a fresh key share every time", 0, true, 8, 6, 8},
		{"lab mode, full handshakes", 4, false, 2, 0, 8},
		{"lab mode, resumed handshakes", 4, true, 2, 6, 8},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ks := &helloKeyShares{}
			addr := listen(t, func(c net.Conn) {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				sc := &sniffConn{Conn: c, note: func(b []byte) {
					ks.mu.Lock()
					ks.shares = append(ks.shares, keyShareOf(b))
					ks.mu.Unlock()
				}}
				tc := tls.Server(sc, srv)
				if tc.Handshake() == nil {
					tc.Write([]byte("node\n"))
					tc.Close()
				}
			})
			cfg := config(addr, pool, tls.VersionTLS13, tt.resume)
			cfg.Clients, cfg.Concurrency = 2, 1
			cfg.CacheVerifiedChains = true
			cfg.CloseNotify = true
			cfg.CurvePreferences = []tls.CurveID{tls.X25519}
			cfg.ReuseKeyShare = tt.reuse
			g, err := loadgen.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			p, err := g.Run(context.Background(), loadgen.Phase{Name: "m", Measured: true, Count: tt.connsPerPhase}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if h := p.Handshakes; h.Failed != 0 || h.Resumed != tt.wantResumed || len(p.Errors) != 0 {
				t.Fatalf("%+v, errors %v %+v; want %d resumed, none failed", h, p.Errors, p.ErrorDetails, tt.wantResumed)
			}
			ks.mu.Lock()
			defer ks.mu.Unlock()
			distinct := map[string]bool{}
			for _, s := range ks.shares {
				if s == "" {
					t.Fatal("a ClientHello without a key share")
				}
				distinct[s] = true
			}
			if len(ks.shares) != int(tt.connsPerPhase) || len(distinct) != tt.wantDistinct {
				t.Errorf("%d ClientHellos with %d distinct key shares, want %d with %d", len(ks.shares), len(distinct), tt.connsPerPhase, tt.wantDistinct)
			}
		})
	}
}

// TestReuseKeyShareRejectsBadConfig: the lab mode is TLS 1.3's, for a
// first group of X25519 or P-256.
func TestReuseKeyShareRejectsBadConfig(t *testing.T) {
	t.Parallel()
	base := config("127.0.0.1:1", nil, tls.VersionTLS13, true)
	for _, tt := range []struct {
		name string
		edit func(*loadgen.Config)
	}{
		{"TLS 1.2", func(c *loadgen.Config) { c.Version = tls.VersionTLS12 }},
		{"a hybrid first", func(c *loadgen.Config) { c.CurvePreferences = []tls.CurveID{tls.X25519MLKEM768} }},
		{"negative", func(c *loadgen.Config) { c.ReuseKeyShare = -1 }},
	} {
		cfg := base
		cfg.ReuseKeyShare = 64
		tt.edit(&cfg)
		if _, err := loadgen.New(cfg); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}
