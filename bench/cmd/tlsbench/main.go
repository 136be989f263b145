// Command tlsbench measures TLS handshakes: full vs resumed, TLS 1.2 vs 1.3,
// RSA vs ECDSA, against an embedded testbed or a server of yours.
//
//	tlsbench run SCENARIO.yaml...   run scenarios, write result files, print a summary
//	tlsbench certs                  make the throwaway testbed certificates
//
// Exit codes: 0 ok; 1 the run failed; 2 bad input (flags, scenario files);
// 3 interrupted (the partial result was written).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailure     = 1
	exitBadInput    = 2
	exitInterrupted = 3
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode prints err (if any) and maps it to an exit code.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var bad *badInputError
	switch {
	case errors.As(err, &bad):
		fmt.Fprintln(stderr, bad.Error())
		return exitBadInput
	case errors.Is(err, errInterrupted):
		fmt.Fprintln(stderr, "tlsbench:", err)
		return exitInterrupted
	default:
		fmt.Fprintln(stderr, "tlsbench:", err)
		return exitFailure
	}
}

// badInputError marks an error in the user's input: flags or files.
type badInputError struct{ err error }

func (e *badInputError) Error() string { return e.err.Error() }
func (e *badInputError) Unwrap() error { return e.err }

var errInterrupted = errors.New("interrupted: the partial result was written")
