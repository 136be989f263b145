package main

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/bench/check"
)

// checkFlags are the flags of `tlsbench check`.
type checkFlags struct {
	addresses  []string
	asJSON     bool
	serverName string
	caFile     string
	timeout    time.Duration
}

func checkCommand(stdout, stderr io.Writer) *cobra.Command {
	var f checkFlags
	c := &cobra.Command{
		Use:   "check host:port",
		Short: "Find out what a TLS endpoint supports: versions, suites, groups, certificate, resumption, key domains",
		Long: `Connect to host:port a few dozen times, one connection at a time, and report
the protocol versions, TLS 1.2 cipher suites and key-exchange groups it accepts
(and the alert it refuses the others with), its certificate's key type and
chain size, and whether it resumes sessions by session ID, by TLS 1.2 ticket
and by TLS 1.3 PSK (reading the ticket that arrives after the handshake), the
ticket lifetime hint, and whether it issues a new ticket on resumption.

With --addresses (several addresses of the same service, host:port or host
with the port of host:port), it also tests whether a session issued at one
address resumes at another, and estimates how many key or cache domains
stand behind the service.

Certificates are verified, with --ca or the system roots.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCheck(cmd, args[0], f, stdout, stderr)
		},
	}
	fl := c.Flags()
	fl.StringSliceVar(&f.addresses, "addresses", nil, "several addresses of the service (host:port or host), comma-separated")
	fl.BoolVar(&f.asJSON, "json", false, "write the report as JSON")
	fl.StringVar(&f.serverName, "server-name", "", "server name for SNI and certificate verification (default: the host)")
	fl.StringVar(&f.caFile, "ca", "", "PEM file of CA certificates to verify with (default: system roots)")
	fl.DurationVar(&f.timeout, "timeout", 5*time.Second, "bound on each connection")
	return c
}

// checkConfig turns the command line into a check.Config.
func checkConfig(target string, f checkFlags) (check.Config, error) {
	cfg := check.Config{Address: target, ServerName: f.serverName, Timeout: f.timeout}
	var errs []error
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		errs = append(errs, fmt.Errorf("check: want host:port, got %q", target))
	}
	for _, a := range f.addresses {
		if _, _, err := net.SplitHostPort(a); err != nil {
			if strings.Contains(a, ":") && !strings.HasPrefix(a, "[") {
				errs = append(errs, fmt.Errorf("--addresses: want host:port or host, got %q", a))
				continue
			}
			a = net.JoinHostPort(strings.Trim(a, "[]"), port)
		}
		cfg.Addresses = append(cfg.Addresses, a)
	}
	if f.timeout <= 0 {
		errs = append(errs, fmt.Errorf("--timeout: must be positive, got %s", f.timeout))
	}
	if f.caFile != "" {
		data, err := os.ReadFile(f.caFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("--ca: %w", err))
		} else {
			cfg.RootCAs = x509.NewCertPool()
			if !cfg.RootCAs.AppendCertsFromPEM(data) {
				errs = append(errs, fmt.Errorf("--ca: no PEM certificate in %s", f.caFile))
			}
		}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	return cfg, errors.Join(errs...)
}

func runCheck(cmd *cobra.Command, target string, f checkFlags, stdout, stderr io.Writer) error {
	cfg, err := checkConfig(target, f)
	if err != nil {
		return &badInputError{err: err}
	}
	addrs := cfg.Addresses
	if len(addrs) == 0 {
		addrs = []string{cfg.Address}
	}
	for _, a := range addrs {
		if !bench.IsLoopback(a) {
			fmt.Fprintf(stderr, "tlsbench: check connects to %s (server name %q), not to this machine: a few dozen connections, one at a time\n",
				strings.Join(addrs, ", "), cfg.ServerName)
			break
		}
	}
	r, err := check.Run(cmd.Context(), cfg)
	if r == nil {
		return err
	}
	if f.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if werr := enc.Encode(r); werr != nil {
			return werr
		}
	} else {
		writeCheck(stdout, r)
	}
	return err
}

// writeCheck writes a report as a table.
func writeCheck(w io.Writer, r *check.Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	row("target", fmt.Sprintf("%s (server name %s), %d connection(s) made", strings.Join(r.Addresses, ", "), r.ServerName, r.Connections))
	row("versions", "accepted "+list(r.Versions.Accepted)+"; refused "+probes(r.Versions.Results, false))
	if c := r.Certificate; c != nil {
		v := "verified"
		if !c.Verified {
			v = "NOT verified"
		}
		row("certificate", fmt.Sprintf("%s, chain of %d (%d bytes), %s, issued by %s, until %s, %s",
			c.Key, c.ChainLength, c.ChainBytes, c.Subject, c.Issuer, c.NotAfter.Format("2006-01-02"), v))
	}
	if len(r.CipherSuites.TLS12Results) > 0 {
		row("TLS 1.2 suites", "accepted "+list(r.CipherSuites.TLS12Accepted))
		row("", "refused "+probes(r.CipherSuites.TLS12Results, false))
	}
	if r.CipherSuites.TLS13Negotiated != "" {
		row("TLS 1.3 suite", r.CipherSuites.TLS13Negotiated+" (negotiated with Go's offer)")
	}
	row("groups (TLS "+r.Groups.Version+")", "accepted "+list(r.Groups.Accepted)+"; refused "+probes(r.Groups.Results, false))
	res := r.Resumption
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	row("resumption", "session ID: "+yes(res.SessionID)+" — "+res.Details[check.MechID])
	row("", "ticket (TLS 1.2): "+yes(res.TicketTLS12)+" — "+res.Details[check.MechTicket12])
	row("", "PSK (TLS 1.3): "+yes(res.PSKTLS13)+" — "+res.Details[check.MechPSK13])
	var hints []string
	for _, v := range []string{"tls12", "tls13"} {
		if h, ok := res.TicketLifetimeHintS[v]; ok {
			hints = append(hints, fmt.Sprintf("%s %d s", v, h))
		}
		if re, ok := res.TicketReissued[v]; ok {
			hints = append(hints, fmt.Sprintf("%s re-issued on resumption: %s", v, yes(re)))
		}
	}
	if len(hints) > 0 {
		row("tickets", "lifetime hint "+strings.Join(hints, "; "))
	}
	if len(r.Cross) > 0 {
		for _, m := range sortedKeys(r.DomainGroups) {
			var cells []string
			for _, x := range r.Cross {
				if x.Mechanism == m && x.From != x.To {
					mark := "full"
					if x.Resumed {
						mark = "resumed"
					}
					cells = append(cells, fmt.Sprintf("%s→%s %s", x.From, x.To, mark))
				}
			}
			row(fmt.Sprintf("across (%s: %d domain(s))", m, len(r.DomainGroups[m])), strings.Join(cells, ", "))
		}
	}
	if r.Domains != nil {
		var groups []string
		for _, g := range r.DomainGroups[r.DomainsBy] {
			groups = append(groups, "{"+strings.Join(g, " ")+"}")
		}
		row("domains", fmt.Sprintf("%d (by %s): %s", *r.Domains, r.DomainsBy, strings.Join(groups, " ")))
	}
	for _, n := range r.Notes {
		row("note", n)
	}
	tw.Flush()
}

// list writes names, or "none".
func list(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// probes writes the probes accepted (or refused) with the refusal's alert.
func probes(ps []check.Probe, accepted bool) string {
	var out []string
	for _, p := range ps {
		if p.Accepted != accepted {
			continue
		}
		s := p.Name
		switch {
		case p.Alert != "":
			s += " (alert: " + p.Alert + ")"
		case p.Error != "":
			s += " (" + p.Error + ")"
		}
		out = append(out, s)
	}
	return list(out)
}

func sortedKeys(m map[string][][]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
