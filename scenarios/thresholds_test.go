package scenarios_test

import (
	"encoding/json"
	"testing"

	"github.com/tlsbench/tlsbench/scenarios"
)

func TestThresholdParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		op    string
		value float64
		unit  scenarios.ThresholdUnit
		text  string
	}{
		{">= 95%", ">=", 95, scenarios.UnitPercent, ">= 95%"},
		{"<1%", "<", 1, scenarios.UnitPercent, "< 1%"},
		{" < 20ms ", "<", 20000, scenarios.UnitDuration, "< 20ms"},
		{"< 500us", "<", 500, scenarios.UnitDuration, "< 500us"},
		{"<= 500µs", "<=", 500, scenarios.UnitDuration, "<= 500µs"},
		{"> 1.5s", ">", 1.5e6, scenarios.UnitDuration, "> 1.5s"},
		{">= 1000/s", ">=", 1000, scenarios.UnitRate, ">= 1000/s"},
		{">= 0.5 %", ">=", 0.5, scenarios.UnitPercent, ">= 0.5 %"},
	}
	for _, tt := range tests {
		var th scenarios.Threshold
		if err := th.UnmarshalText([]byte(tt.in)); err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if th.Op != tt.op || th.Value != tt.value || th.Unit != tt.unit || th.Text != tt.text {
			t.Errorf("%q = %+v, want {%s %g %s %q}", tt.in, th, tt.op, tt.value, tt.unit, tt.text)
		}
	}
	for _, bad := range []string{"", "95%", "= 5ms", "!= 1%", "< 1", "< 1e400%", "< NaN%", ">= x/s", "< 5 parsecs", "<"} {
		var th scenarios.Threshold
		if err := th.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q: no error, got %+v", bad, th)
		}
	}
}

func TestThresholdHolds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op    string
		v     float64
		holds bool
	}{
		{"<", 0.99, true}, {"<", 1, false}, {"<=", 1, true}, {"<=", 1.01, false},
		{">", 1.01, true}, {">", 1, false}, {">=", 1, true}, {">=", 0.99, false},
	}
	for _, tt := range tests {
		th := scenarios.Threshold{Op: tt.op, Value: 1}
		if got := th.Holds(tt.v); got != tt.holds {
			t.Errorf("%s 1 holds for %g = %v, want %v", tt.op, tt.v, got, tt.holds)
		}
	}
}

func TestThresholdsList(t *testing.T) {
	t.Parallel()
	sc, err := scenarios.Parse("t.yaml", []byte("thresholds: {rate: \">= 10/s\", resumed_share: \">= 95%\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := sc.Thresholds.List()
	if len(got) != 2 || got[0].Name != "resumed_share" || got[1].Name != "rate" || got[1].Value != 10 {
		t.Errorf("List() = %+v, want resumed_share then rate", got)
	}
	// The scenario's JSON (kept in every result file) holds the expressions.
	b, err := json.Marshal(sc.Thresholds)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil || len(m) != 2 || m["resumed_share"] != ">= 95%" || m["rate"] != ">= 10/s" {
		t.Errorf("JSON = %s (%v), want the two expressions", b, err)
	}
	var back scenarios.Thresholds
	if err := json.Unmarshal(b, &back); err != nil || back.Rate != sc.Thresholds.Rate {
		t.Errorf("JSON round trip: %+v, %v", back, err)
	}
	if (*scenarios.Thresholds)(nil).List() != nil {
		t.Error("nil thresholds list some")
	}
	for _, m := range scenarios.ThresholdMetrics() {
		if m.Name == "" || m.Unit.Symbol() == string(m.Unit) {
			t.Errorf("metric %+v: no name or no known unit", m)
		}
	}
}
