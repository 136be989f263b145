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
	"slices"
	"strconv"
	"strings"
	"syscall"
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
	rounds      int
	tools       []string  // the tools to run, in the first round's order
	variants    []variant // other tlsbench builds or settings, for A/B runs
	lab         int       // tls.reuse_key_share of the lab tool (0: no lab tool)
	only        []string  // configurations to run ("1.3-full", ...); empty: all
	keys        []string  // certificate key types
	procs       int       // GOMAXPROCS of tlsbench (0: Go's default, every CPU)
	serve       string    // start nginx for this configuration, print its address, wait (-serve)
}

// variant is another tlsbench to run beside the first (-variant): a build
// or the same binary with other environment settings, measured in the
// same rounds against the same nginx (an A/B run).
type variant struct {
	name, path string
	env        []string
}

// The tools tlsperf knows besides the variants.
const (
	toolTlsbench = "tlsbench"
	toolLab      = "tlsbench-lab" // tlsbench with tls.reuse_key_share (a lab mode, not a real client)
	toolH2load   = "h2load"
	toolSTime    = "s_time"
)

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
	// Round is the round of the configuration (from 0): each round runs
	// every tool once, in an order rotated from the previous round's.
	Round int `json:"round"`
	// Handshakes and Resumed are counted in nginx's access log.
	Handshakes int64 `json:"handshakes"`
	Resumed    int64 `json:"resumed"`
	// WallS is the tool's run time; RatePerS is Handshakes / WallS.
	WallS    float64 `json:"wall_s"`
	RatePerS float64 `json:"rate_per_s"`
	// ClientCPUUSPerHS is the tool process's user+system CPU (rusage,
	// from its start to its exit) per handshake, ClientUserUSPerHS and
	// ClientSystemUSPerHS its parts; ServerCPUUSPerHS and its parts are
	// nginx's (/proc, 10 ms ticks) over the same run.
	ClientCPUUSPerHS    float64 `json:"client_cpu_us_per_hs"`
	ClientUserUSPerHS   float64 `json:"client_user_us_per_hs"`
	ClientSystemUSPerHS float64 `json:"client_system_us_per_hs"`
	ServerCPUUSPerHS    float64 `json:"server_cpu_us_per_hs"`
	ServerUserUSPerHS   float64 `json:"server_user_us_per_hs"`
	ServerSystemUSPerHS float64 `json:"server_system_us_per_hs"`
	// InWindowCPUUSPerHS is, for tlsbench, its result file's own figure
	// (cpu_us_per_handshake.client: the generator's CPU over the measured
	// phase only, without the process's start and end); 0 for the peers.
	InWindowCPUUSPerHS float64 `json:"in_window_cpu_us_per_hs,omitempty"`
	// MaxRSSMB is the tool's peak resident memory.
	MaxRSSMB float64 `json:"max_rss_mb"`
	// Verifies says whether the tool verified the certificate chain.
	Verifies string `json:"verifies"`
	// Concurrency is the connections the tool kept in flight.
	Concurrency int `json:"concurrency"`
	// Env is the environment a tlsbench variant ran with (-variant).
	Env   []string `json:"env,omitempty"`
	Error string   `json:"error,omitempty"`
}

// report is the JSON file tlsperf writes.
type report struct {
	StartedAt    time.Time     `json:"started_at"`
	Machine      string        `json:"machine"`
	Versions     []string      `json:"tool_versions"`
	Method       string        `json:"method"`
	Measurements []measurement `json:"measurements"`
}

// listFlag is a comma-separated list flag.
type listFlag struct{ list *[]string }

func (f listFlag) String() string {
	if f.list == nil {
		return ""
	}
	return strings.Join(*f.list, ",")
}

func (f listFlag) Set(s string) error {
	*f.list = nil
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			*f.list = append(*f.list, e)
		}
	}
	return nil
}

// variantFlag collects -variant NAME=PATH [ENV=VALUE ...].
type variantFlag struct{ list *[]variant }

func (f variantFlag) String() string { return "" }

func (f variantFlag) Set(s string) error {
	fields := strings.Fields(s)
	name, path, ok := strings.Cut(fieldOr(fields, 0), "=")
	if !ok || name == "" || path == "" {
		return fmt.Errorf("want NAME=PATH [ENV=VALUE ...], got %q", s)
	}
	switch name {
	case toolTlsbench, toolLab, toolH2load, toolSTime:
		return fmt.Errorf("variant name %q is a tool's name", name)
	}
	v := variant{name: name, path: path}
	for _, e := range fields[1:] {
		if !strings.Contains(e, "=") {
			return fmt.Errorf("variant %s: %q is not ENV=VALUE", name, e)
		}
		v.env = append(v.env, e)
	}
	*f.list = append(*f.list, v)
	return nil
}

func fieldOr(f []string, i int) string {
	if i < len(f) {
		return f[i]
	}
	return ""
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
	fs.IntVar(&o.rounds, "rounds", 2, "rounds per configuration: each runs every tool once, the order rotated from round to round")
	o.tools = []string{toolTlsbench, toolLab, toolH2load, toolSTime}
	fs.Var(listFlag{&o.tools}, "tools", "the tools to run, comma-separated: tlsbench, tlsbench-lab (tls.reuse_key_share: -lab), h2load, s_time, and the names of -variant")
	fs.Var(variantFlag{&o.variants}, "variant", "another tlsbench to run beside the first, for an A/B run: 'NAME=PATH [ENV=VALUE ...]' (repeatable; added to -tools after tlsbench)")
	fs.IntVar(&o.lab, "lab", 64, "tls.reuse_key_share of the tlsbench-lab tool (a lab mode: a client that reuses its key share; 0 leaves the tool out)")
	fs.Var(listFlag{&o.only}, "only", "configurations to run, comma-separated: 1.2-full, 1.2-resumed, 1.3-full, 1.3-resumed (every key); empty: all")
	o.keys = []string{string(scenarios.ECDSAP256), string(scenarios.RSA2048)}
	fs.Var(listFlag{&o.keys}, "keys", "the certificate key types, comma-separated (-quick: the first only)")
	fs.IntVar(&o.procs, "procs", 1, "GOMAXPROCS of every tlsbench run: the cores its Go code may use at once, as h2load runs one thread (-t 1, its default) and s_time one; 0: Go's default (every CPU)")
	fs.StringVar(&o.serve, "serve", "", "only start nginx for one ECDSA configuration (1.3-full, ...), print its address and CA file, and wait for a signal: for strace, perf and profiles of one tool")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.serve != "" {
		return serve(ctx, o, stdout)
	}
	if o.quick {
		o.full, o.resumed, o.stime = o.full/3, o.resumed/3, o.stime/2
	}
	if o.rounds < 1 {
		return fmt.Errorf("-rounds must be at least 1, got %d", o.rounds)
	}
	tools, err := o.toolList()
	if err != nil {
		return err
	}
	for _, bin := range []string{"nginx", "h2load", "openssl", o.tlsbench} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%s not found: install nginx, nghttp2-client and openssl (make perf does) and build tlsbench (make build)", bin)
		}
	}
	rep := report{StartedAt: time.Now(), Machine: machine(), Versions: toolVersions(ctx, o.tlsbench),
		Method: "handshakes counted in nginx's access log; client CPU = the tool process's rusage (user and system apart, from its start to its exit) / handshakes; " +
			"server CPU = nginx's /proc/PID/stat utime and stime delta over the tool's run / handshakes; rate = handshakes / the tool's wall time; " +
			"nginx: 1 process (package realserver, http module), keepalive_requests 1, tickets and session cache on only for resumed configurations; " +
			fmt.Sprintf("tlsbench with GOMAXPROCS=%d (0: Go's default), h2load with one thread (-t 1), s_time single-threaded; ", o.procs) +
			fmt.Sprintf("%d round(s) per configuration, each running every tool once in an order rotated from the previous round's; tables give medians over rounds and [min–max] of the ratios", o.rounds)}
	var keys []scenarios.KeyType
	for _, k := range o.keys {
		keys = append(keys, scenarios.KeyType(k))
	}
	if o.quick && len(keys) > 1 {
		keys = keys[:1]
	}
	n := 0
	for _, key := range keys {
		certs, err := bench.EnsureCerts(o.certs, key)
		if err != nil {
			return err
		}
		for _, version := range []string{"1.2", "1.3"} {
			for _, resumed := range []bool{false, true} {
				c := config{Version: version, Key: string(key), Resumed: resumed}
				if !o.selected(c) {
					continue
				}
				fmt.Fprintf(stderr, "tlsperf: %s\n", c)
				ms, err := measureConfig(ctx, o, c, certs, tools, n)
				n += o.rounds
				rep.Measurements = append(rep.Measurements, ms...)
				if err != nil {
					return err
				}
			}
		}
	}
	writeRuns(stdout, rep.Measurements)
	fmt.Fprintln(stdout)
	writeSummary(stdout, rep.Measurements, tools, o.lab)
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

// serve starts nginx for the configuration -serve names (ECDSA P-256) and
// keeps it until ctx ends.
func serve(ctx context.Context, o options, stdout io.Writer) error {
	version, kind, _ := strings.Cut(o.serve, "-")
	c := config{Version: version, Key: string(scenarios.ECDSAP256), Resumed: kind == "resumed"}
	if version != "1.2" && version != "1.3" || kind != "full" && kind != "resumed" {
		return fmt.Errorf("-serve: want 1.2-full, 1.2-resumed, 1.3-full or 1.3-resumed, got %q", o.serve)
	}
	certs, err := bench.EnsureCerts(o.certs, scenarios.ECDSAP256)
	if err != nil {
		return err
	}
	ngx, err := startNginx(ctx, c, certs)
	if err != nil {
		return err
	}
	defer ngx.Stop()
	fmt.Fprintf(stdout, "%s %s %d\n", ngx.Addresses[0], certs.CAFile, ngx.PIDs()[0])
	<-ctx.Done()
	return nil
}

// toolList returns the tools to run: -tools, with the variants after
// tlsbench unless -tools names them, and without the lab tool when -lab
// is 0.
func (o options) toolList() ([]string, error) {
	var out []string
	named := map[string]bool{}
	for _, t := range o.tools {
		named[t] = true
	}
	for _, t := range o.tools {
		switch {
		case t == toolLab && o.lab <= 0:
			continue
		case t == toolTlsbench, t == toolLab, t == toolH2load, t == toolSTime, o.variant(t) != nil:
		default:
			return nil, fmt.Errorf("-tools: unknown tool %q", t)
		}
		out = append(out, t)
		if t == toolTlsbench {
			for _, v := range o.variants {
				if !named[v.name] {
					out = append(out, v.name)
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("-tools: no tool to run")
	}
	return out, nil
}

func (o options) variant(name string) *variant {
	for i := range o.variants {
		if o.variants[i].name == name {
			return &o.variants[i]
		}
	}
	return nil
}

// selected says whether -only lets configuration c run.
func (o options) selected(c config) bool {
	if len(o.only) == 0 {
		return true
	}
	kind := "full"
	if c.Resumed {
		kind = "resumed"
	}
	return slices.Contains(o.only, c.Version+"-"+kind)
}

// rotate returns tools starting at index n, so that no tool always runs
// first (on a warmer or colder machine).
func rotate(tools []string, n int) []string {
	n %= len(tools)
	return append(append([]string{}, tools[n:]...), tools[:n]...)
}

// measureConfig starts nginx for c and runs each tool against it, rounds
// times, the order rotated (from n) round by round.
func measureConfig(ctx context.Context, o options, c config, certs bench.CertSet, tools []string, n int) ([]measurement, error) {
	ngx, err := startNginx(ctx, c, certs)
	if err != nil {
		return nil, err
	}
	defer ngx.Stop()
	addr, pid := ngx.Addresses[0], ngx.PIDs()[0]
	var out []measurement
	for round := range o.rounds {
		for _, tool := range rotate(tools, n+round) {
			if tool == toolLab && c.Version != "1.3" {
				continue // a key share is TLS 1.3's
			}
			out = append(out, measureTool(ctx, o, c, certs, ngx, addr, pid, tool, round))
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
		}
	}
	return out, nil
}

// measureTool runs one tool once against nginx and measures it.
func measureTool(ctx context.Context, o options, c config, certs bench.CertSet, ngx *realserver.Fleet, addr string, pid int, tool string, round int) measurement {
	m := measurement{Config: c, Tool: tool, Round: round, Concurrency: o.concurrency}
	before, berr := bench.ProcessCPUTimes(pid)
	countsBefore, cerr := ngx.Counts(ctx)
	var ru *syscall.Rusage
	var wall time.Duration
	var err error
	switch tool {
	case toolH2load:
		m.Verifies = "no (h2load does not verify certificates)"
		ru, wall, err = runCmd(ctx, nil, "h2load", "--h1", "-t", "1", "-c", strconv.Itoa(o.concurrency), "-n", strconv.Itoa(count(o, c)),
			"https://"+addr+"/")
	case toolSTime:
		m.Verifies = "chain checked, failures not fatal"
		m.Concurrency = 1
		mode := "-new"
		if c.Resumed {
			mode = "-reuse"
		}
		ru, wall, err = runCmd(ctx, nil, "openssl", "s_time", "-connect", addr, mode, "-time", strconv.Itoa(int(o.stime.Seconds())),
			"-www", "/", "-CAfile", certs.CAFile, "-tls1_"+strings.TrimPrefix(c.Version, "1."))
	default: // tlsbench, the lab tool, a variant
		m.Verifies = "yes (cached chain verification; handshake signature every time)"
		bin, reuse := o.tlsbench, 0
		if tool == toolLab {
			reuse = o.lab
		}
		if o.procs > 0 {
			m.Env = []string{"GOMAXPROCS=" + strconv.Itoa(o.procs)}
		}
		if v := o.variant(tool); v != nil {
			bin, m.Env = v.path, append(m.Env, v.env...) // the variant's settings win
		}
		ru, wall, m.InWindowCPUUSPerHS, err = runTlsbench(ctx, o, c, certs, addr, bin, m.Env, reuse)
	}
	after, aerr := bench.ProcessCPUTimes(pid)
	countsAfter, cerr2 := ngx.Counts(ctx)
	// The tool's own failure first: nginx's counts may still tell what it
	// managed.
	if err = errors.Join(err, berr, aerr, cerr, cerr2); err != nil {
		m.Error = err.Error()
	}
	if cerr == nil && cerr2 == nil {
		m.Handshakes, m.Resumed = handshakes(countsBefore[0], countsAfter[0], c.Version)
	}
	m.WallS = wall.Seconds()
	if ru != nil && m.Handshakes > 0 {
		hs := float64(m.Handshakes)
		perHS := func(d time.Duration) float64 { return float64(d.Microseconds()) / hs }
		t := bench.RusageTimes(ru)
		m.ClientCPUUSPerHS, m.ClientUserUSPerHS, m.ClientSystemUSPerHS = perHS(t.Total()), perHS(t.User), perHS(t.System)
		if berr == nil && aerr == nil {
			d := after.Sub(before)
			m.ServerCPUUSPerHS, m.ServerUserUSPerHS, m.ServerSystemUSPerHS = perHS(d.Total()), perHS(d.User), perHS(d.System)
		}
		m.RatePerS = hs / m.WallS
		m.MaxRSSMB = float64(ru.Maxrss) / 1024
	}
	return m
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

// runCmd runs a tool, with env added to tlsperf's environment, and
// returns its rusage and wall time.
func runCmd(ctx context.Context, env []string, name string, args ...string) (*syscall.Rusage, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
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

// runTlsbench runs tlsbench (bin, with env) against nginx with the same
// work per connection as the peers: one HTTP/1.1 request, the response
// read to EOF. reuse, when positive, is tls.reuse_key_share (the lab
// tool). It returns the process's rusage, its wall time and its result's
// own CPU per handshake over the measured phase.
func runTlsbench(ctx context.Context, o options, c config, certs bench.CertSet, addr, bin string, env []string, reuse int) (*syscall.Rusage, time.Duration, float64, error) {
	dir, err := os.MkdirTemp("", "tlsperf-*")
	if err != nil {
		return nil, 0, 0, err
	}
	defer os.RemoveAll(dir)
	resumption := "none"
	if c.Resumed {
		resumption = "tickets"
	}
	lab := ""
	if reuse > 0 {
		lab = fmt.Sprintf(", reuse_key_share: %d", reuse)
	}
	sc := fmt.Sprintf(`name: perf-tlsbench
tls: {version: "%s", key: %s, groups: [x25519, p256]%s}
resumption: %s
after_handshake: http
clients: {count: %d, concurrency: %d}
phases: [{name: measure, count: %d}]
target: {address: "%s", server_name: %s, ca_file: "%s"}
`, c.Version, c.Key, lab, resumption, 4*o.concurrency, o.concurrency, count(o, c), addr, bench.ServerName, certs.CAFile)
	file := filepath.Join(dir, "perf.yaml")
	if err := os.WriteFile(file, []byte(sc), 0o644); err != nil {
		return nil, 0, 0, err
	}
	out := filepath.Join(dir, "out")
	ru, wall, err := runCmd(ctx, env, bin, "run", "--progress", "off", "-o", out, file)
	inWindow := 0.0
	if files, _ := filepath.Glob(filepath.Join(out, "*.json")); len(files) == 1 {
		if r, rerr := results.Read(files[0]); rerr == nil && len(r.Phases) > 0 {
			inWindow = r.Phases[len(r.Phases)-1].CPUUSPerHandshake.Client
		}
	}
	return ru, wall, inWindow, err
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
