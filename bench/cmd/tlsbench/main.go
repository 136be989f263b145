// Command tlsbench measures TLS handshakes: full vs resumed, TLS 1.2 vs 1.3,
// RSA vs ECDSA, against an embedded testbed or a server of yours.
//
//	tlsbench run SCENARIO.yaml...      run scenarios, write result files, print a summary
//	tlsbench plot RESULT.json...       draw charts (PNG, SVG) and .hgrm exports
//	tlsbench compare A.json B.json     compare runs, saying which differences are noise
//	tlsbench report RESULT.json...     a Markdown (or HTML) page for a design review
//	tlsbench check host:port           what an endpoint supports and how it resumes
//	tlsbench merge -o OUT.json SHARD...  merge a sharded run's results, exactly
//	tlsbench k8s job --shards N ...    an Indexed Job that runs a scenario as N shards
//	tlsbench serve SCENARIO.yaml       a scenario's servers as a long-running target
//	tlsbench certs                     make the throwaway testbed certificates
//
// Exit codes: 0 ok; 1 the run failed or measured nothing; 2 bad input
// (flags, scenario files); 3 interrupted (the partial result was written);
// 4 a threshold was crossed, or compare --fail-on found B worse; 5 a shard
// was ready only after --start-at plus its tolerance (its result says so).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/tlsbench/tlsbench/bench"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailure     = 1
	exitBadInput    = 2
	exitInterrupted = 3
	exitGate        = 4
	exitLateStart   = 5 // a shard ready after --start-at plus its tolerance
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, abort, stop := handleSignals(os.Stderr)
	err := run(withAbort(ctx, abort), os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// handleSignals returns a context canceled by the first SIGINT or SIGTERM
// (stop starting connections, let those in flight finish, write what was
// measured) and a channel closed by the second (cut the connections in
// flight at once; what was measured is still written).
func handleSignals(stderr io.Writer) (context.Context, <-chan struct{}, func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, abort, stop := bench.Interrupts(sigs, func(n int, sig os.Signal) {
		switch n {
		case 1:
			fmt.Fprintf(stderr, "\ntlsbench: %v: stopping; connections in flight may finish (again to stop at once)\n", sig)
		case 2:
			fmt.Fprintf(stderr, "tlsbench: %v again: cutting connections in flight\n", sig)
		}
	})
	return ctx, abort, func() {
		signal.Stop(sigs)
		stop()
	}
}

// abortKey carries the abort channel from main to the run command.
type abortKey struct{}

func withAbort(ctx context.Context, abort <-chan struct{}) context.Context {
	return context.WithValue(ctx, abortKey{}, abort)
}

func abortFrom(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(abortKey{}).(<-chan struct{})
	return ch
}

// exitCode prints err (if any) and maps it to an exit code.
func exitCode(err error, stderr io.Writer) int {
	var bad *badInputError
	var gate *gateError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &bad):
		fmt.Fprintln(stderr, bad.Error())
		return exitBadInput
	}
	fmt.Fprintln(stderr, "tlsbench:", err)
	switch {
	case errors.As(err, &gate):
		return exitGate
	case errors.Is(err, errInterrupted):
		return exitInterrupted
	case errors.Is(err, bench.ErrLateStart):
		return exitLateStart
	}
	return exitFailure
}

// badInputError marks an error in the user's input: flags or files.
type badInputError struct{ err error }

func (e *badInputError) Error() string { return e.err.Error() }
func (e *badInputError) Unwrap() error { return e.err }

// gateError is what a pipeline gates on, found by a command that itself
// worked: a threshold crossed, or B worse than A beyond noise.
type gateError struct{ err error }

func (e *gateError) Error() string { return e.err.Error() }

var errInterrupted = errors.New("interrupted: the partial result was written")
