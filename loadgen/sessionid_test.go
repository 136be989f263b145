package loadgen_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/loadgen"
)

// sServer is an `openssl s_server -www` on loopback.
type sServer struct {
	addr  string
	roots *x509.CertPool
}

// startSServer starts openssl s_server with TLS 1.2 only, no tickets (so
// that resumption can only be by session ID) and extra args; env is added
// to its environment. It skips the test when openssl is not installed.
func startSServer(t *testing.T, env []string, args ...string) *sServer {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed (apt-get install openssl); .ci/run installs it")
	}
	cert, roots := loadgen.ValidTestCert(t)
	dir := t.TempDir()
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	argv := append([]string{"s_server", "-accept", addr, "-cert", certFile, "-key", keyFile,
		"-tls1_2", "-no_ticket", "-www", "-quiet"}, args...)
	cmd := exec.Command(bin, argv...)
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("s_server on %s did not accept: %v (%s)", addr, err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return &sServer{addr: addr, roots: roots}
}

// stats reads the server's session-cache statistics from its status page:
// handshakes finished and session-cache hits (resumptions), less the
// probe's own full handshake.
func (s *sServer) stats(t *testing.T) (finished, hits int) {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", s.addr,
		&tls.Config{ServerName: "tlsbench.test", RootCAs: s.roots, MaxVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
	sc := bufio.NewScanner(c)
	found := 0
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		n, err := strconv.Atoi(f[0])
		if err != nil {
			continue
		}
		switch strings.Join(f[1:], " ") {
		case "server accepts that finished":
			finished, found = n-1, found+1
		case "session cache hits":
			hits, found = n, found+1
		}
	}
	if found != 2 {
		t.Fatalf("no session-cache statistics on s_server's page")
	}
	return finished, hits
}

// TestSessionIDResumption runs the session-ID engine against openssl
// s_server with tickets off: after the warm-up every handshake resumes by
// session ID, and the server's own cache statistics agree. Without the
// extended master secret (RFC 7627) the session must carry that too.
func TestSessionIDResumption(t *testing.T) {
	noEMS := filepath.Join(t.TempDir(), "no-ems.cnf")
	if err := os.WriteFile(noEMS, []byte(`openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Options = -ExtendedMasterSecret
`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  []string
	}{
		{"extended master secret", nil},
		{"no extended master secret", []string{"OPENSSL_CONF=" + noEMS}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startSServer(t, tt.env)
			g, err := loadgen.New(loadgen.Config{
				Targets:        []string{srv.addr},
				ServerName:     "tlsbench.test",
				RootCAs:        srv.roots,
				Version:        tls.VersionTLS12,
				Resume:         true,
				SessionIDs:     true,
				AfterHandshake: loadgen.HTTP,
				HTTPRequest:    []byte("GET / HTTP/1.0\r\n\r\n"),
				Clients:        4,
				Concurrency:    2,
			})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if _, err := g.Run(ctx, loadgen.Phase{Name: "warmup", Count: 4}, nil); err != nil {
				t.Fatal(err)
			}
			f0, h0 := srv.stats(t)
			ph, err := g.Run(ctx, loadgen.Phase{Name: "measure", Measured: true, Count: 40}, nil)
			if err != nil {
				t.Fatal(err)
			}
			f1, h1 := srv.stats(t)
			h := ph.Handshakes
			if h.Failed != 0 || h.Resumed != 40 || h.Offered != 40 {
				t.Errorf("handshakes %+v, errors %v: want 40 offered and resumed", h, ph.Errors)
			}
			// The probe's own handshake is not counted in f1 - f0.
			if got, want := fmt.Sprint(f1-f0-1, h1-h0), fmt.Sprint(h.Completed(), h.Resumed); got != want {
				t.Errorf("s_server counted %s handshakes and cache hits, client %s", got, want)
			}
			for _, n := range ph.Negotiated {
				if n.Version != "TLS 1.2" || n.Group != "x25519" {
					t.Errorf("negotiated %+v, want TLS 1.2 with x25519 (from the full handshake)", n)
				}
			}
		})
	}
}
