package main

import (
	"encoding/json"
	"io"
	"time"

	"github.com/spf13/cobra"
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
		Long: `Connect to host:port a few dozen times, one connection at a time, and report the
protocol versions, TLS 1.2 suites and key-exchange groups (under TLS 1.2 and 1.3) it accepts
(and the alert it refuses the others with), whether Go's default offer draws a HelloRetryRequest,
its certificate's key type and chain size, whether it resumes by session ID, TLS 1.2 ticket and
TLS 1.3 PSK (reading the ticket that arrives after the handshake), the ticket lifetime hint,
whether it issues a new ticket on resumption, and whether it accepts early data (via openssl).

With --addresses (several addresses of the same service, host:port or host with the port of
host:port), it also tests whether a session issued at one address resumes at another, and
estimates how many key or cache domains stand behind the service. Certificates are always
verified, with --ca or the system roots.`,
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

func runCheck(cmd *cobra.Command, target string, f checkFlags, stdout, stderr io.Writer) error {
	cfg := check.Config{Address: target, Addresses: f.addresses, ServerName: f.serverName, Timeout: f.timeout, CAFile: f.caFile}
	if err := cfg.Resolve(); err != nil {
		return &badInputError{err: err}
	}
	announce(stderr, "check (a few dozen connections, one at a time) connects to", cfg.Targets(), cfg.ServerName)
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
	} else if werr := r.WriteText(stdout); werr != nil {
		return werr
	}
	return err
}
