package realserver

import (
	"fmt"
	"strings"

	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// startNginx writes node n's configuration and starts its nginx.
func (f *Fleet) startNginx(n *node, keys *ticketKeys) error {
	cfg := &f.cfg
	i := n.index
	accessLog := f.path(fmt.Sprintf("node%d.access.log", i))
	errorLog := f.path(fmt.Sprintf("node%d.error.log", i))
	var protocols []string
	for _, v := range cfg.versions() {
		protocols = append(protocols, versionNames[v])
	}
	module := "stream"
	if cfg.HTTP {
		module = "http"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# nginx node %d, written by tlsbench\n", i)
	if !cfg.HTTP {
		fmt.Fprintf(&b, "load_module %s;\n", nginxStreamModule)
	}
	fmt.Fprintf(&b, `daemon off;
master_process off;
pid %s;
error_log %s notice;
events { worker_connections 4096; }
%s {
    log_format tlsbench 'tlsbench $ssl_session_reused $ssl_protocol $ssl_cipher $ssl_client_verify';
`, f.path(fmt.Sprintf("node%d.pid", i)), errorLog, module)
	if cfg.HTTP {
		// The http module's temporary files, in the node's directory
		// rather than the system's (which may not be writable).
		for _, t := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
			fmt.Fprintf(&b, "    %s_temp_path %s;\n", t, f.path(fmt.Sprintf("node%d.%s", i, t)))
		}
		b.WriteString("    keepalive_requests 1;\n    keepalive_timeout 5s;\n")
	}
	fmt.Fprintf(&b, `    server {
        listen %s ssl backlog=4096;
        ssl_certificate %s;
        ssl_certificate_key %s;
        ssl_protocols %s;
`, n.addr, cfg.CertFile, cfg.KeyFile, strings.Join(protocols, " "))
	if cfg.Ciphers != "" {
		fmt.Fprintf(&b, "        ssl_ciphers %s;\n", cfg.Ciphers)
	}
	if cfg.ClientCAFile != "" {
		fmt.Fprintf(&b, "        ssl_client_certificate %s;\n        ssl_verify_client on;\n", cfg.ClientCAFile)
	}
	if cfg.EarlyData {
		b.WriteString("        ssl_early_data on;\n")
	}
	if cfg.Groups != "" {
		fmt.Fprintf(&b, "        ssl_ecdh_curve %s;\n", cfg.Groups)
	}
	switch cfg.SessionCache {
	case tlsfleet.Off:
		b.WriteString("        ssl_session_cache off;\n")
	default:
		fmt.Fprintf(&b, "        ssl_session_cache shared:node%d:10m;\n", i)
	}
	if cfg.SessionTimeout > 0 {
		fmt.Fprintf(&b, "        ssl_session_timeout %ds;\n", int(cfg.SessionTimeout.Seconds()))
	}
	if keys == nil {
		b.WriteString("        ssl_session_tickets off;\n")
	} else {
		fmt.Fprintf(&b, "        ssl_session_tickets on;\n        ssl_session_ticket_key %s;\n", keys.files[i])
	}
	fmt.Fprintf(&b, "        access_log %s tlsbench;\n", accessLog)
	if cfg.HTTP {
		fmt.Fprintf(&b, "        location / { return 200 \"node %d\\n\"; }\n", i)
	} else {
		fmt.Fprintf(&b, "        return \"node %d\\n\";\n", i)
	}
	b.WriteString("    }\n}\n")
	conf, err := f.writeFile(fmt.Sprintf("node%d.nginx.conf", i), []byte(b.String()), 0o600)
	if err != nil {
		return err
	}
	n.proc, err = f.startProc(fmt.Sprintf("nginx node %d", i),
		[]string{"nginx", "-p", f.dir, "-e", errorLog, "-c", conf}, nil, errorLog)
	if err != nil {
		return err
	}
	n.counter = &fileCounter{path: accessLog}
	return nil
}
