package scenarios_test

import (
	"reflect"
	"testing"

	"github.com/tlsbench/tlsbench/scenarios"
)

// TestCloneSharesNothing walks every field of a scenario with every slice
// and pointer set, and fails when the clone shares one with the original:
// a field added to Scenario later without a line in Clone is caught here.
func TestCloneSharesNothing(t *testing.T) {
	sc, err := scenarios.Parse("full.yaml", []byte(`tls: {version: "1.3", groups: [x25519, p256], server_groups: [p256], chain: {intermediates: 2}, client_cert: {key: ecdsa-p256}}
clients: {count: 8, concurrency: 2, source_addresses: [127.0.0.5]}
phases: [{name: warmup, count: 10, record: false}, {name: measure, count: 10, record: true}]
sweep: {from: 100, to: 200, step: 100}
faults: [{at: 1s, action: kill, node: 0}]
close: {notify: false}
thresholds: {resumed_share: ">= 95%"}
`))
	if err != nil {
		t.Fatal(err)
	}
	// A network block cannot be parsed beside source addresses; set it by
	// hand so that the walk covers it.
	sc.Network = &scenarios.Network{RTT: scenarios.RTTs{scenarios.Duration(40e6), scenarios.Duration(10e6)}}
	// Nor a fleet's addresses beside faults.
	sc.Target.Addresses = []string{"127.0.0.2:443", "127.0.0.3:443"}
	c := sc.Clone()
	if !reflect.DeepEqual(sc, c) {
		t.Fatalf("clone differs from the original:\n%+v\n%+v", sc, c)
	}
	var walk func(path string, a, b reflect.Value)
	walk = func(path string, a, b reflect.Value) {
		switch a.Kind() {
		case reflect.Pointer:
			if a.IsNil() {
				t.Errorf("%s: nil in the test scenario; set it so that the test covers it", path)
				return
			}
			if a.Pointer() == b.Pointer() {
				t.Errorf("%s: the clone shares the pointer", path)
			}
			walk(path, a.Elem(), b.Elem())
		case reflect.Slice:
			if a.Len() == 0 {
				t.Errorf("%s: empty in the test scenario; set it so that the test covers it", path)
				return
			}
			if a.Pointer() == b.Pointer() {
				t.Errorf("%s: the clone shares the slice", path)
			}
			for i := range a.Len() {
				walk(path+"[]", a.Index(i), b.Index(i))
			}
		case reflect.Map:
			t.Errorf("%s: a map; give Clone a line for it and this test a case", path)
		case reflect.Struct:
			for i := range a.NumField() {
				walk(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i))
			}
		}
	}
	walk("Scenario", reflect.ValueOf(sc).Elem(), reflect.ValueOf(c).Elem())
}
