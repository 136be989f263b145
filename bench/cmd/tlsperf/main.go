// Command tlsperf compares tlsbench's cost with peer tools' against the same
// nginx, in one invocation: for each configuration (TLS 1.2 and 1.3,
// ECDSA-P256 and RSA-2048, full and resumed handshakes) it starts nginx
// from Debian's package (one process, loopback, one HTTP/1.1 request per
// connection) and runs, in turn, tlsbench, h2load (--h1) and openssl s_time
// against it, alternating their order from one configuration to the next.
//
// Every tool is measured the same way: its handshakes are counted in
// nginx's own access log, its CPU (user + system) and peak RSS come from the
// kernel's rusage of its process, and nginx's CPU from /proc over the
// tool's run. Rates are wall-clock: handshakes / the tool's run time (s_time
// divides by user CPU; that figure is not used). The server decides the
// version and whether to resume (tickets and session cache off for the full
// configurations), so every tool faces the same server.
//
// make perf runs it. Its output is a table and a JSON file.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/bench/realserver"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlsperf:", err)
		os.Exit(1)
	}
}

// options are tlsperf's flags.
type options struct {
	tlsbench    string
	certs       string
	out         string
	concurrency int
	full        int // connections per tool in a full configuration
	resumed     int // connections per tool in a resumed configuration
	stime       time.Duration
	quick       bool
}

// config is one configuration of the comparison.
type config struct {
	Version string `json:"version"`
	Key     string `json:"key"`
	Resumed bool   `json:"resumed"`
}

func (c config) String() string {
	kind := "full"
	if c.Resumed {
		kind = "resumed"
	}
	return fmt.Sprintf("TLS %s %s %s", c.Version, c.Key, kind)
}

// measurement is one tool's run against one configuration.
type measurement struct {
	Config config `json:"config"`
	Tool   string `json:"tool"`
	// Handshakes and Resumed are counted in nginx's access log.
	Handshakes int64 `json:"handshakes"`
	Resumed    int64 `json:"resumed"`
	// WallS is the tool's run time; RatePerS is Handshakes / WallS.
	WallS    float64 `json:"wall_s"`
	RatePerS float64 `json:"rate_per_s"`
	// ClientCPUUSPerHS is the tool process's user+system CPU (rusage) per
	// handshake; ServerCPUUSPerHS nginx's (/proc) over the same run.
	ClientCPUUSPerHS float64 `json:"client_cpu_us_per_hs"`
	ServerCPUUSPerHS float64 `json:"server_cpu_us_per_hs"`
	// MaxRSSMB is the tool's peak resident memory.
	MaxRSSMB float64 `json:"max_rss_mb"`
	// Verifies says whether the tool verified the certificate chain.
	Verifies string `json:"verifies"`
	// Concurrency is the connections the tool kept in flight.
	Concurrency int    `json:"concurrency"`
	Error       string `json:"error,omitempty"`
}

// report is the JSON file tlsperf writes.
type report struct {
	StartedAt    time.Time     `json:"started_at"`
	Machine      string        `json:"machine"`
	Versions     []string      `json:"tool_versions"`
	Method       string        `json:"method"`
	Measurements []measurement `json:"measurements"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("tlsperf", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.tlsbench, "tlsbench", "bin/tlsbench", "the tlsbench binary")
	fs.StringVar(&o.certs, "certs", "certs", "certificate directory")
	fs.StringVar(&o.out, "o", filepath.Join("results", "perf"), "directory for the JSON report (not a run result: kept apart from results/runs)")
	fs.IntVar(&o.concurrency, "c", 16, "connections in flight for tlsbench and h2load (s_time runs one)")
	fs.IntVar(&o.full, "full", 3000, "connections per tool in a full-handshake configuration")
	fs.IntVar(&o.resumed, "resumed", 8000, "connections per tool in a resumed configuration")
	fs.DurationVar(&o.stime, "stime", 4*time.Second, "openssl s_time's run time")
	fs.BoolVar(&o.quick, "quick", false, "ECDSA only, fewer connections")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.quick {
		o.full, o.resumed, o.stime = o.full/3, o.resumed/3, o.stime/2
	}
	for _, bin := range []string{"nginx", "h2load", "openssl", o.tlsbench} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%s not found: install nginx, nghttp2-client and openssl (make perf does) and build tlsbench (make build)", bin)
		}
	}
	rep := report{StartedAt: time.Now(), Machine: machine(), Versions: toolVersions(ctx, o.tlsbench),
		Method: "handshakes counted in nginx's access log; client CPU = the tool process's rusage (user+system) / handshakes; server CPU = nginx's /proc/PID/stat delta over the tool's run / handshakes; rate = handshakes / the tool's wall time; nginx: 1 process (package realserver, http module), keepalive_requests 1, tickets and session cache on only for resumed configurations"}
	keys := []scenarios.KeyType{scenarios.ECDSAP256, scenarios.RSA2048}
	if o.quick {
		keys = keys[:1]
	}
	tools := []string{"tlsbench", "h2load", "s_time"}
	n := 0
	for _, key := range keys {
		certs, err := bench.EnsureCerts(o.certs, key)
		if err != nil {
			return err
		}
		for _, version := range []string{"1.2", "1.3"} {
			for _, resumed := range []bool{false, true} {
				c := config{Version: version, Key: string(key), Resumed: resumed}
				fmt.Fprintf(stderr, "tlsperf: %s\n", c)
				ms, err := measureConfig(ctx, o, c, certs, rotate(tools, n))
				n++
				rep.Measurements = append(rep.Measurements, ms...)
				if err != nil {
					return err
				}
			}
		}
	}
	writeTable(stdout, rep.Measurements)
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(o.out, "perf-"+rep.StartedAt.UTC().Format("20060102T150405Z")+".json")
	if err := results.WriteFile(path, append(data, '\n')); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nreport: %s\n", path)
	return nil
}

// rotate returns tools starting at index n, so that no tool always runs
// first (on a warmer or colder machine).
func rotate(tools []string, n int) []string {
	n %= len(tools)
	return append(append([]string{}, tools[n:]...), tools[:n]...)
}

// measureConfig starts nginx for c and runs each tool against it.
func measureConfig(ctx context.Context, o options, c config, certs bench.CertSet, tools []string) ([]measurement, error) {
	ngx, err := startNginx(ctx, c, certs)
	if err != nil {
		return nil, err
	}
	defer ngx.Stop()
	addr, pid := ngx.Addresses[0], ngx.PIDs()[0]
	var out []measurement
	for _, tool := range tools {
		m := measurement{Config: c, Tool: tool, Concurrency: o.concurrency}
		before, berr := bench.ProcessCPU(pid)
		countsBefore, cerr := ngx.Counts(ctx)
		var ru *syscall.Rusage
		var wall time.Duration
		switch tool {
		case "tlsbench":
			m.Verifies = "yes (cached chain verification; handshake signature every time)"
			ru, wall, err = runTlsbench(ctx, o, c, certs, addr)
		case "h2load":
			m.Verifies = "no (h2load does not verify certificates)"
			ru, wall, err = runCmd(ctx, "h2load", "--h1", "-c", strconv.Itoa(o.concurrency), "-n", strconv.Itoa(count(o, c)),
				"https://"+addr+"/")
		case "s_time":
			m.Verifies = "chain checked, failures not fatal"
			m.Concurrency = 1
			mode := "-new"
			if c.Resumed {
				mode = "-reuse"
			}
			ru, wall, err = runCmd(ctx, "openssl", "s_time", "-connect", addr, mode, "-time", strconv.Itoa(int(o.stime.Seconds())),
				"-www", "/", "-CAfile", certs.CAFile, "-tls1_"+strings.TrimPrefix(c.Version, "1."))
		}
		after, aerr := bench.ProcessCPU(pid)
		countsAfter, cerr2 := ngx.Counts(ctx)
		// The tool's own failure first: nginx's counts may still tell
		// what it managed.
		if err = errors.Join(err, berr, aerr, cerr, cerr2); err != nil {
			m.Error = err.Error()
		}
		if cerr == nil && cerr2 == nil {
			m.Handshakes, m.Resumed = handshakes(countsBefore[0], countsAfter[0], c.Version)
		}
		m.WallS = wall.Seconds()
		if ru != nil && m.Handshakes > 0 {
			cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			m.ClientCPUUSPerHS = float64(cpu.Microseconds()) / float64(m.Handshakes)
			if berr == nil && aerr == nil {
				m.ServerCPUUSPerHS = float64((after - before).Microseconds()) / float64(m.Handshakes)
			}
			m.RatePerS = float64(m.Handshakes) / m.WallS
			m.MaxRSSMB = float64(ru.Maxrss) / 1024
		}
		out = append(out, m)
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
	}
	return out, nil
}

// handshakes returns the handshakes of version nginx logged between two
// reads of its counts, and the resumed ones.
func handshakes(before, after realserver.Counts, version string) (total, resumed int64) {
	full, res := after.Full13-before.Full13, after.Resumed13-before.Resumed13
	if version == "1.2" {
		full, res = after.Full12-before.Full12, after.Resumed12-before.Resumed12
	}
	return full + res, res
}

func count(o options, c config) int {
	if c.Resumed {
		return o.resumed
	}
	return o.full
}

// runCmd runs a tool and returns its rusage and wall time.
func runCmd(ctx context.Context, name string, args ...string) (*syscall.Rusage, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var ru *syscall.Rusage
	if cmd.ProcessState != nil {
		ru, _ = cmd.ProcessState.SysUsage().(*syscall.Rusage)
	}
	if err != nil {
		return ru, wall, fmt.Errorf("%s: %w: %s", name, err, lastLine(out.String()))
	}
	return ru, wall, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// runTlsbench runs tlsbench against nginx with the same work per connection
// as the peers: one HTTP/1.1 request, the response read to EOF.
func runTlsbench(ctx context.Context, o options, c config, certs bench.CertSet, addr string) (*syscall.Rusage, time.Duration, error) {
	dir, err := os.MkdirTemp("", "tlsperf-*")
	if err != nil {
		return nil, 0, err
	}
	defer os.RemoveAll(dir)
	resumption := "none"
	if c.Resumed {
		resumption = "tickets"
	}
	sc := fmt.Sprintf(`name: perf-tlsbench
tls: {version: "%s", key: %s, groups: [x25519, p256]}
resumption: %s
after_handshake: http
clients: {count: %d, concurrency: %d}
phases: [{name: measure, count: %d}]
target: {address: "%s", server_name: %s, ca_file: "%s"}
`, c.Version, c.Key, resumption, 4*o.concurrency, o.concurrency, count(o, c), addr, bench.ServerName, certs.CAFile)
	file := filepath.Join(dir, "perf.yaml")
	if err := os.WriteFile(file, []byte(sc), 0o644); err != nil {
		return nil, 0, err
	}
	return runCmd(ctx, o.tlsbench, "run", "--progress", "off", "-o", dir, file)
}

// startNginx starts one nginx node on loopback for c (package
// realserver: one process, master_process off, its own access log): the
// http module, one request per connection, only version c.Version, and
// tickets and a session cache only for a resumed configuration, so that
// the server decides the version and whether to resume.
func startNginx(ctx context.Context, c config, certs bench.CertSet) (*realserver.Fleet, error) {
	cfg := realserver.Config{
		Kind:         realserver.Nginx,
		HTTP:         true,
		Hosts:        []string{"127.0.0.1"},
		CertFile:     certs.CertFile,
		KeyFile:      certs.KeyFile,
		MinVersion:   c.Version,
		MaxVersion:   c.Version,
		TicketKeys:   tlsfleet.Off,
		SessionCache: tlsfleet.Off,
	}
	if c.Resumed {
		cfg.TicketKeys, cfg.SessionCache = tlsfleet.PerNode, tlsfleet.PerNode
	}
	return realserver.Start(ctx, cfg)
}

func writeTable(w io.Writer, ms []measurement) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "configuration\ttool\ths/s\tresumed %\tclient µs/hs\tnginx µs/hs\tclient/nginx\tRSS MB\ttlsbench/peer rate\ttlsbench/peer client CPU\t")
	base := map[config]measurement{}
	for _, m := range ms {
		if m.Tool == "tlsbench" {
			base[m.Config] = m
		}
	}
	for _, m := range ms {
		res := 0.0
		if m.Handshakes > 0 {
			res = 100 * float64(m.Resumed) / float64(m.Handshakes)
		}
		ratio := "-"
		if m.ServerCPUUSPerHS > 0 {
			ratio = fmt.Sprintf("%.2f", m.ClientCPUUSPerHS/m.ServerCPUUSPerHS)
		}
		rate, cpu := "", ""
		if b, ok := base[m.Config]; ok && m.Tool != "tlsbench" && m.RatePerS > 0 && m.ClientCPUUSPerHS > 0 {
			rate = fmt.Sprintf("%.2f×", b.RatePerS/m.RatePerS)
			cpu = fmt.Sprintf("%.2f×", b.ClientCPUUSPerHS/m.ClientCPUUSPerHS)
		}
		line := fmt.Sprintf("%s\t%s\t%.0f\t%.1f\t%.0f\t%.0f\t%s\t%.0f\t%s\t%s\t", m.Config, m.Tool, m.RatePerS, res,
			m.ClientCPUUSPerHS, m.ServerCPUUSPerHS, ratio, m.MaxRSSMB, rate, cpu)
		if m.Error != "" {
			line += " error: " + m.Error
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	fmt.Fprintln(w, "client µs/hs: the tool process's user+system CPU per handshake (rusage); nginx µs/hs: nginx's over the same run (/proc); handshakes counted in nginx's log; s_time runs one connection at a time")
}

func machine() string {
	m := bench.Machine()
	return fmt.Sprintf("%s, %d CPUs", m.CPUModel, m.CPUs)
}

func toolVersions(ctx context.Context, tlsbench string) []string {
	var out []string
	for _, c := range [][]string{{"nginx", "-v"}, {"h2load", "--version"}, {"openssl", "version"}, {tlsbench, "--version"}} {
		b, err := exec.CommandContext(ctx, c[0], c[1:]...).CombinedOutput()
		if err != nil {
			out = append(out, c[0]+": "+err.Error())
			continue
		}
		out = append(out, strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	}
	return out
}
