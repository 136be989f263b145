package realserver

import (
	"fmt"
	"strings"
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
	var b strings.Builder
	fmt.Fprintf(&b, `# nginx node %d, written by tlsbench
load_module %s;
daemon off;
master_process off;
pid %s;
error_log %s notice;
events { worker_connections 4096; }
stream {
    log_format tlsbench 'tlsbench $ssl_session_reused $ssl_protocol $ssl_cipher';
    server {
        listen %s ssl backlog=4096;
        ssl_certificate %s;
        ssl_certificate_key %s;
        ssl_protocols %s;
`, i, nginxStreamModule, f.path(fmt.Sprintf("node%d.pid", i)), errorLog, n.addr,
		cfg.CertFile, cfg.KeyFile, strings.Join(protocols, " "))
	if cfg.Ciphers != "" {
		fmt.Fprintf(&b, "        ssl_ciphers %s;\n", cfg.Ciphers)
	}
	switch cfg.SessionCache {
	case Off:
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
	fmt.Fprintf(&b, `        access_log %s tlsbench;
        return "node %d\n";
    }
}
`, accessLog, i)
	conf, err := f.writeFile(fmt.Sprintf("node%d.nginx.conf", i), []byte(b.String()), 0o600)
	if err != nil {
		return err
	}
	n.proc, err = startProc(fmt.Sprintf("nginx node %d", i),
		[]string{"nginx", "-p", f.dir, "-e", errorLog, "-c", conf}, nil, errorLog)
	if err != nil {
		return err
	}
	n.counter = &fileCounter{path: accessLog}
	return nil
}
