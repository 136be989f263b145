package realserver

import (
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// haproxyMaxConn is HAProxy's connection limit: as many as the file
// descriptor limit allows (HAProxy needs two per proxied connection), at
// most 10000. HAProxy refuses to start when maxconn needs more descriptors
// than the hard limit.
func haproxyMaxConn() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Max < 1000 {
		return 256
	}
	return int(min(max((rl.Max-200)/2, 256), 10000))
}

// haproxyGlobal is the part of every HAProxy configuration that logs to
// standard output and runs one thread.
func haproxyGlobal(extra string) string {
	return `global
    log stdout format raw local0
    nbthread 1
    maxconn ` + fmt.Sprint(haproxyMaxConn()) + `
` + extra + `
defaults
    log global
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
`
}

// startHAProxy writes node n's configuration and starts an HAProxy that
// terminates TLS and answers one HTTP request.
func (f *Fleet) startHAProxy(n *node, keys *ticketKeys) error {
	cfg := &f.cfg
	i := n.index
	// HAProxy takes the chain and the key in one PEM file.
	chain, err := os.ReadFile(cfg.CertFile)
	if err != nil {
		return fmt.Errorf("realserver: %w", err)
	}
	key, err := os.ReadFile(cfg.KeyFile)
	if err != nil {
		return fmt.Errorf("realserver: %w", err)
	}
	pem, err := f.writeFile(fmt.Sprintf("node%d.haproxy.pem", i), append(append(chain, '\n'), key...), 0o600)
	if err != nil {
		return err
	}
	var global strings.Builder
	if cfg.SessionCache == tlsfleet.Off {
		global.WriteString("    tune.ssl.cachesize 0\n")
	}
	if cfg.SessionTimeout > 0 {
		fmt.Fprintf(&global, "    tune.ssl.lifetime %ds\n", int(cfg.SessionTimeout.Seconds()))
	}
	vs := cfg.versions()
	bind := fmt.Sprintf("bind %s ssl crt %s ssl-min-ver %s ssl-max-ver %s", n.addr, pem, versionNames[vs[0]], versionNames[vs[len(vs)-1]])
	if keys == nil {
		bind += " no-tls-tickets"
	} else {
		bind += " tls-ticket-keys " + keys.files[i]
	}
	if cfg.Ciphers != "" {
		bind += " ciphers " + cfg.Ciphers
	}
	if cfg.Groups != "" {
		bind += " curves " + cfg.Groups
	}
	if cfg.ClientCAFile != "" {
		bind += " ca-file " + cfg.ClientCAFile + " verify required"
	}
	conf := fmt.Sprintf(`# HAProxy node %d, written by tlsbench
%s
frontend node%d
    mode http
    %s
    log-format "tlsbench %%[ssl_fc_is_resumed] %%sslv %%sslc"
    http-request return status 200 content-type text/plain string "node %d\n"
`, i, haproxyGlobal(global.String()), i, bind, i)
	path, err := f.writeFile(fmt.Sprintf("node%d.haproxy.cfg", i), []byte(conf), 0o600)
	if err != nil {
		return err
	}
	sc := newStreamCounter()
	n.counter = sc
	n.proc, err = f.startProc(fmt.Sprintf("haproxy node %d", i), []string{"haproxy", "-db", "-f", path}, sc.writer(), "")
	return err
}

// startFront starts the balancer: an HAProxy in TCP mode in front of the
// nodes. It does not log.
func (f *Fleet) startFront() error {
	port, err := f.cfg.port(f.cfg.FrontHost)
	if err != nil {
		return err
	}
	f.Front = net.JoinHostPort(f.cfg.FrontHost, port)
	var servers strings.Builder
	for _, n := range f.nodes {
		fmt.Fprintf(&servers, "    server node%d %s\n", n.index, n.addr)
	}
	conf := fmt.Sprintf(`# HAProxy balancer in TCP mode, written by tlsbench
global
    nbthread 1
    maxconn %d

defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend front
    bind %s
    default_backend nodes

backend nodes
    balance %s
%s`, haproxyMaxConn(), f.Front, f.cfg.Balance, servers.String())
	path, err := f.writeFile("front.haproxy.cfg", []byte(conf), 0o600)
	if err != nil {
		return err
	}
	f.front, err = f.startProc("haproxy balancer", []string{"haproxy", "-db", "-f", path}, nil, "")
	return err
}
