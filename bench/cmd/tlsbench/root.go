package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/bench/netlab"
	"github.com/tlsbench/tlsbench/bench/testbed"
)

// run executes the command line args and returns the error that decides the
// exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// started is set once cobra has parsed the flags and arguments and
	// runs a command: an error before that is a usage error.
	started := false
	root := &cobra.Command{
		Use:           "tlsbench",
		Short:         "Measure TLS handshakes: full vs resumed, TLS 1.2 vs 1.3, RSA vs ECDSA, across topologies",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(*cobra.Command, []string) {
			started = true
		},
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(runCommand(stdout, stderr), plotCommand(stdout), compareCommand(stdout), reportCommand(stdout), checkCommand(stdout, stderr), certsCommand(), testbedCommand(), linkCommand(),
		mergeCommand(stdout), k8sCommand(stdout, stderr), serveCommand(stdout, stderr))
	err := root.ExecuteContext(ctx)
	if err != nil && !started {
		return &badInputError{err: fmt.Errorf("tlsbench: %w (see tlsbench --help)", err)}
	}
	return err
}

// hiddenCommand is a command tlsbench run starts as a child process of
// its own, reading its config on stdin.
func hiddenCommand(use, short string, serve func(context.Context, io.Reader, io.Writer) error) *cobra.Command {
	return &cobra.Command{Use: use, Short: short, Hidden: true, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return serve(cmd.Context(), os.Stdin, os.Stdout) }}
}

func testbedCommand() *cobra.Command {
	return hiddenCommand("testbed", "Run the embedded testbed (started by tlsbench run; config on stdin)", testbed.Serve)
}

func linkCommand() *cobra.Command {
	var check bool
	c := &cobra.Command{
		Use:    "link",
		Short:  "Run the network lab's link (started by tlsbench run; TUN devices on fds 3 and 4, config on stdin)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if check {
				if err := bench.LabPreflight(); err != nil {
					return &badInputError{err: err}
				}
				return nil
			}
			return netlab.ServeLink(cmd.Context(), os.Stdin, os.Stdout)
		},
	}
	c.Flags().BoolVar(&check, "check", false, "only check that the network lab can run here: exit 0, or 2 saying what is missing (make bench uses it)")
	return c
}

func certsCommand() *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "certs",
		Short: "Make the throwaway CA and leaf certificates of the embedded testbed (keys 0600)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, k := range bench.KeyTypes() {
				set, err := bench.EnsureCerts(dir, k)
				if err != nil {
					return err
				}
				cmd.Printf("%-10s  CA %s  chain %s  key %s\n", k, set.CAFile, set.CertFile, set.KeyFile)
			}
			return nil
		},
	}
	c.Flags().StringVar(&dir, "dir", "certs", "directory for the certificates")
	return c
}
