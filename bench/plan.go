package bench

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// A Job is one run of one scenario in a set of runs: the scenario as it is
// to run (with the set's overrides applied), the warnings about what the
// overrides changed, and its place in the set. Plan makes a set's jobs.
type Job struct {
	// Scenario is what the job runs; Run does not change it.
	Scenario *scenarios.Scenario
	// Warnings go into the run's result before its own (code
	// results.WarnScenarioOverridden: an override changed what the scenario measures).
	Warnings []results.Warning
	// Index is the run's index in the set: the scenario's, counting each
	// value of a network.rtt list as a scenario of its own.
	Index int
	// Repeat is the job's repeat of its scenario, from 1 to Repeats, the
	// number of times the set runs. Zero means 1.
	Repeat, Repeats int
	// Label names the run (results.Run.Label). Empty: the scenario's
	// name. Plan names each run of a scenario whose network.rtt lists
	// several values "name@<rtt>".
	Label string
}

// label returns the name of the job's run.
func (j Job) label() string {
	if j.Label != "" {
		return j.Label
	}
	return j.Scenario.Name
}

// Overrides are changes made to every scenario of a set, from the command
// line. Their zero value changes nothing.
type Overrides struct {
	// Duration, when positive, becomes the duration of every recorded
	// phase (a count-bounded one loses its count), for quick looks and
	// CI. A sweep's steps keep sweep.step_duration.
	Duration time.Duration

	// Target, when set, sends the load to this host:port instead of the
	// servers the scenario starts; ServerName (default: Target's host)
	// and CAFile (default: the system roots) go with it.
	Target, ServerName, CAFile string

	// ECHConfigFile goes with Target: the target's ECH config list, for
	// a scenario with tls.ech (target.ech_config_file).
	ECHConfigFile string
}

// Apply returns a copy of sc with o applied, validated again, with a
// warning (results.WarnScenarioOverridden) for each override that changes what sc means
// rather than only how long it runs:
//
//   - a target replaces the servers the scenario would start, so its
//     topology is not applied (named when it is more than one node with
//     per-node defaults);
//   - a target cannot keep resumption cache, which models the embedded
//     testbed's server-side store: it becomes tickets, the resumption a
//     remote server can be asked for;
//   - a target verifies a client certificate with its own CA, so
//     tls.client_cert.ca_file is dropped;
//   - a duration cuts the scenario's faults that come after the run's new
//     end, and leaves a sweep's steps as they are.
//
// sc is not changed. The error is sc's validation error after the
// overrides, prefixed by its file.
func (o Overrides) Apply(sc *scenarios.Scenario) (*scenarios.Scenario, []results.Warning, error) {
	out := sc.Clone()
	var ws []results.Warning
	warn := func(format string, args ...any) {
		ws = append(ws, results.Warning{Code: results.WarnScenarioOverridden, Message: fmt.Sprintf(format, args...)})
	}
	if o.Duration > 0 {
		for i := range out.Phases {
			if out.Phases[i].Recorded() {
				out.Phases[i].Duration = scenarios.Duration(o.Duration)
				out.Phases[i].Count = 0
			}
		}
		if out.Sweep != nil {
			warn("the recorded phases' duration was overridden to %s, but a sweep measures its own steps: they keep sweep.step_duration %s", o.Duration, out.Sweep.StepDuration)
		}
		if end, ok := plannedLength(out.Phases); ok && out.Sweep == nil {
			for i, f := range out.Faults {
				if time.Duration(f.At) >= end {
					warn("with the recorded phases' duration overridden to %s the run ends after %s: faults[%d] (%s at %s) is never injected", o.Duration, end, i, f.Action, f.At)
				}
			}
		}
	}
	if o.Target != "" && out.Network != nil {
		return nil, nil, fmt.Errorf("%s: network: --target sends the load to a server that already has a real network between it and this machine; the network lab emulates one in front of the servers tlsbench starts: leave out --target, or the scenario's network block", sc.File)
	}
	if o.Target != "" {
		if topo := topologyWords(out); topo != "" {
			warn("the target was overridden to %s: the scenario's topology (%s) describes servers tlsbench starts and is not applied; the load goes to that address (and is balanced over every address its name resolves to, with --resolve all), and resumption is predicted only over several addresses", o.Target, topo)
		}
		out.Target.Address = o.Target
		out.Target.Addresses = nil
		out.Target.ServerName = o.ServerName
		out.Target.CAFile = o.CAFile
		out.Target.ECHConfigFile = o.ECHConfigFile
		if cc := out.TLS.ClientCert; cc != nil && cc.CAFile != "" {
			cc.CAFile = ""
			warn("the target was overridden to %s: tls.client_cert.ca_file verifies the client certificate on the servers tlsbench starts; the remote server verifies it with its own CA", o.Target)
		}
		if out.Resumption == scenarios.ResumeCache {
			out.Resumption = scenarios.ResumeTickets
			warn("the target was overridden to %s: resumption cache models the embedded testbed's server-side session store, so the clients offer session tickets instead (resumption tickets); how the server keeps their state is the server's", o.Target)
		}
		out.Defaults()
	}
	if err := out.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", sc.File, err)
	}
	return out, ws, nil
}

// plannedLength returns how long phases run when every one is bounded by
// a duration.
func plannedLength(phases []scenarios.Phase) (time.Duration, bool) {
	var d time.Duration
	for _, p := range phases {
		if p.Duration <= 0 {
			return 0, false
		}
		d += time.Duration(p.Duration)
	}
	return d, true
}

// topologyWords names the parts of sc's topology that are more than one
// node with the defaults, or "" when there are none.
func topologyWords(sc *scenarios.Scenario) string {
	t := sc.Topology
	var parts []string
	if t.Preset != "" {
		parts = append(parts, "preset "+string(t.Preset))
	}
	if t.Nodes > 1 {
		parts = append(parts, fmt.Sprintf("%d nodes, %s balance", t.Nodes, t.Balance))
	}
	switch t.TicketKeys {
	case tlsfleet.Off:
		parts = append(parts, "tickets off")
	case tlsfleet.Shared:
		parts = append(parts, "shared ticket keys")
	}
	switch t.SessionCache {
	case tlsfleet.Off:
		parts = append(parts, "no session cache")
	case tlsfleet.Shared:
		parts = append(parts, "a shared session cache")
	}
	if t.RotateKeysEvery > 0 {
		parts = append(parts, "keys rotated every "+t.RotateKeysEvery.String())
	}
	if t.SessionLifetime > 0 {
		parts = append(parts, "session lifetime "+t.SessionLifetime.String())
	}
	return strings.Join(parts, ", ")
}

// Plan applies o to each scenario of a set and returns the set's jobs,
// repeats times over and interleaved: every scenario once, then every
// scenario again, so that drift over time (a warming machine, other load)
// hits every scenario alike. Each scenario is copied, not changed, once for
// all its repeats. A scenario whose network.rtt lists several round-trip
// times becomes one job per value, in order (Scenario.PerRTT), each on a
// lab of its own and named "name@<rtt>" (Job.Label). The error joins every
// scenario's problems, each prefixed by its file.
func Plan(scs []*scenarios.Scenario, o Overrides, repeats int) ([]Job, error) {
	if repeats < 1 {
		return nil, fmt.Errorf("bench: repeats must be at least 1, got %d", repeats)
	}
	var errs []error
	set := make([]Job, 0, len(scs))
	for _, sc := range scs {
		out, ws, err := o.Apply(sc)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		per := out.PerRTT()
		for _, one := range per {
			j := Job{Scenario: one, Warnings: ws, Index: len(set), Repeats: repeats}
			if len(per) > 1 {
				j.Label = labelRTT(one.Name, one.Network.RTT[0])
			}
			set = append(set, j)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	jobs := make([]Job, 0, len(set)*repeats)
	for r := 1; r <= repeats; r++ {
		for _, j := range set {
			j.Repeat = r
			jobs = append(jobs, j)
		}
	}
	return jobs, nil
}

// Scenarios returns the scenarios of a set's jobs, each once, in order.
func Scenarios(jobs []Job) []*scenarios.Scenario {
	var out []*scenarios.Scenario
	for _, j := range jobs {
		if j.Repeat <= 1 {
			out = append(out, j.Scenario)
		}
	}
	return out
}
