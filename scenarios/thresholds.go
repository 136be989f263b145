package scenarios

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Thresholds are pass/fail limits on what a run measures, for pipelines
// that run tlsbench after a deploy ("fail if fewer than 95 % resume").
// Package bench checks every threshold that is set on each measured phase
// and records each check in the result (.thresholds[]); tlsbench run exits
// with status 4 when one is crossed. The zero value sets none.
//
// Each key is a metric, each value an expression: an operator (<, <=, >
// or >=) and a value in the metric's unit, written with the unit. The unit
// of each metric is in its field's unit tag: a percentage ("95%"), a rate
// per second ("1000/s") or a duration ("20ms", "500us", "500µs").
type Thresholds struct {
	// ResumedShare is the share of completed handshakes that resumed
	// (client-side DidResume), in percent.
	ResumedShare Threshold `yaml:"resumed_share" json:"resumed_share,omitzero" unit:"percent"`
	// ErrorRate is the share of the phase's connections that failed at
	// any stage (dial, handshake, or after it: the phase's errors over the
	// connections it started), in percent.
	ErrorRate Threshold `yaml:"error_rate" json:"error_rate,omitzero" unit:"percent"`
	// Rate is completed handshakes per second of the phase's window.
	Rate Threshold `yaml:"rate" json:"rate,omitzero" unit:"rate"`
	// HandshakeP50, HandshakeP99 and HandshakeP999 are percentiles of the
	// handshake latency (TCP established to HandshakeContext returning).
	HandshakeP50  Threshold `yaml:"handshake_p50" json:"handshake_p50,omitzero" unit:"duration"`
	HandshakeP99  Threshold `yaml:"handshake_p99" json:"handshake_p99,omitzero" unit:"duration"`
	HandshakeP999 Threshold `yaml:"handshake_p999" json:"handshake_p999,omitzero" unit:"duration"`
	// ConnectP99 is the 99th percentile of the connect latency (dial start
	// to TCP established; in an open loop from the intended start).
	ConnectP99 Threshold `yaml:"connect_p99" json:"connect_p99,omitzero" unit:"duration"`
	// TotalP99 is the 99th percentile of the total latency (the
	// connection's start, intended in an open loop, to the handshake's
	// end): what a user waits for a secure connection.
	TotalP99 Threshold `yaml:"total_p99" json:"total_p99,omitzero" unit:"duration"`
	// ServerCPUPerHandshake is the servers' user+system CPU over the
	// phase per completed handshake. It needs servers that tlsbench
	// starts: a remote server's CPU is not observable.
	ServerCPUPerHandshake Threshold `yaml:"server_cpu_per_handshake" json:"server_cpu_per_handshake,omitzero" unit:"duration"`
	// ClientCPUPerHandshake is the generator's user+system CPU over the
	// phase per completed handshake.
	ClientCPUPerHandshake Threshold `yaml:"client_cpu_per_handshake" json:"client_cpu_per_handshake,omitzero" unit:"duration"`
}

// ThresholdUnit is the unit of a threshold's value.
type ThresholdUnit string

// The units of thresholds. A threshold's Value is in percent for
// UnitPercent, per second for UnitRate, and microseconds for UnitDuration.
const (
	UnitPercent  ThresholdUnit = "percent"
	UnitRate     ThresholdUnit = "rate"
	UnitDuration ThresholdUnit = "duration"
)

// Symbol is how the unit is written after a value in results and tables:
// "%", "/s", "µs".
func (u ThresholdUnit) Symbol() string {
	switch u {
	case UnitPercent:
		return "%"
	case UnitRate:
		return "/s"
	case UnitDuration:
		return "µs"
	}
	return string(u)
}

// example is a threshold in the unit, for messages.
func (u ThresholdUnit) example() string {
	switch u {
	case UnitPercent:
		return `a percentage, e.g. ">= 95%"`
	case UnitRate:
		return `a rate, e.g. ">= 1000/s"`
	}
	return `a duration, e.g. "< 20ms" or "< 500us"`
}

// Threshold is one limit: an operator and a value, "< 20ms". The zero
// value is no threshold.
type Threshold struct {
	// Op is "<", "<=", ">" or ">=".
	Op string
	// Value is the limit, in the unit's base: percent, per second, or
	// microseconds (see ThresholdUnit).
	Value float64
	// Unit is the unit the value was written in.
	Unit ThresholdUnit
	// Text is the expression as written, spaces trimmed (">= 95%").
	Text string
}

// IsZero reports whether no threshold is set.
func (t Threshold) IsZero() bool { return t.Op == "" }

// String returns the expression, ">= 95%".
func (t Threshold) String() string { return t.Text }

// MarshalText writes the expression.
func (t Threshold) MarshalText() ([]byte, error) { return []byte(t.Text), nil }

// UnmarshalText parses an expression: an operator, a number and its unit.
func (t *Threshold) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	var op string
	for _, o := range []string{"<=", ">=", "<", ">"} {
		if rest, ok := strings.CutPrefix(s, o); ok {
			op, s = o, strings.TrimSpace(rest)
			break
		}
	}
	if op == "" {
		if strings.HasPrefix(s, "=") || strings.HasPrefix(s, "!") {
			return fmt.Errorf("want one of the operators <, <=, > or >= (a measured value is never exactly equal), got %q", string(b))
		}
		return fmt.Errorf("want an operator <, <=, > or >= and a value, e.g. \">= 95%%\" or \"< 20ms\", got %q", string(b))
	}
	out := Threshold{Op: op, Text: op + " " + s}
	switch {
	case strings.HasSuffix(s, "%"):
		v, err := parseNumber(strings.TrimSuffix(s, "%"))
		if err != nil {
			return fmt.Errorf("not a percentage in %q: %w", string(b), err)
		}
		out.Value, out.Unit = v, UnitPercent
	case strings.HasSuffix(s, "/s"):
		v, err := parseNumber(strings.TrimSuffix(s, "/s"))
		if err != nil {
			return fmt.Errorf("not a rate in %q: %w", string(b), err)
		}
		out.Value, out.Unit = v, UnitRate
	default:
		if _, err := parseNumber(s); err == nil {
			return fmt.Errorf("%q has no unit: write it with one (%%, /s, or a duration such as 20ms)", string(b))
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("want a value with a unit after %s: a percentage (95%%), a rate (1000/s) or a duration (20ms, 500us), got %q", op, s)
		}
		out.Value, out.Unit = float64(d)/float64(time.Microsecond), UnitDuration
	}
	*t = out
	return nil
}

func parseNumber(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("want a finite number, got %q", strings.TrimSpace(s))
	}
	return v, nil
}

// Holds reports whether the measured value v (in the threshold's base
// unit) is within the threshold.
func (t Threshold) Holds(v float64) bool {
	switch t.Op {
	case "<":
		return v < t.Value
	case "<=":
		return v <= t.Value
	case ">":
		return v > t.Value
	case ">=":
		return v >= t.Value
	}
	return false
}

// ThresholdMetric is one metric a threshold may be set on.
type ThresholdMetric struct {
	// Name is its key under thresholds: ("resumed_share").
	Name string
	// Unit is the unit its value must be written in.
	Unit ThresholdUnit
}

// ThresholdMetrics lists every metric a threshold may be set on, in the
// order of Thresholds' fields.
func ThresholdMetrics() []ThresholdMetric {
	var out []ThresholdMetric
	t := reflect.TypeFor[Thresholds]()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		out = append(out, ThresholdMetric{Name: name, Unit: ThresholdUnit(f.Tag.Get("unit"))})
	}
	return out
}

// SetThreshold is a threshold that a scenario sets, with its metric.
type SetThreshold struct {
	ThresholdMetric
	Threshold
}

// List returns the thresholds that are set, in the order of
// ThresholdMetrics.
func (t *Thresholds) List() []SetThreshold {
	if t == nil {
		return nil
	}
	var out []SetThreshold
	v := reflect.ValueOf(*t)
	for i, m := range ThresholdMetrics() {
		if th := v.Field(i).Interface().(Threshold); !th.IsZero() {
			out = append(out, SetThreshold{ThresholdMetric: m, Threshold: th})
		}
	}
	return out
}

// thresholds checks that each threshold is written in its metric's unit,
// within the unit's range, and observable in the run.
func (v *validator) thresholds(s *Scenario) {
	for _, t := range s.Thresholds.List() {
		path := "thresholds." + t.Name
		if t.Threshold.Unit != t.ThresholdMetric.Unit {
			v.add(path, "want %s, got %q", t.ThresholdMetric.Unit.example(), t.Text)
			continue
		}
		switch {
		case t.Value < 0:
			v.add(path, "must not be negative, got %q", t.Text)
		case t.Threshold.Unit == UnitPercent && t.Value > 100:
			v.add(path, "a share is at most 100%%, got %q", t.Text)
		}
		if t.Name == "server_cpu_per_handshake" && !s.Target.Embedded() {
			v.add(path, "a remote server's CPU is not observable: this threshold needs servers that tlsbench starts (leave out target.address)")
		}
	}
}
