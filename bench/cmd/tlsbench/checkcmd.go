package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
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

// checkConfig turns the command line into a check.Config.
func checkConfig(target string, f checkFlags) (check.Config, error) {
	cfg := check.Config{Address: target, ServerName: f.serverName, Timeout: f.timeout, CAFile: f.caFile}
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
		if cfg.RootCAs, err = bench.LoadPool(f.caFile); err != nil {
			errs = append(errs, fmt.Errorf("--ca: %w", err))
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
	} else if werr := r.WriteText(stdout); werr != nil {
		return werr
	}
	return err
}
