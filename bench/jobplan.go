package bench

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/tlsbench/tlsbench/scenarios"
)

// JobPlan is what a manifest for a run split into shards on other machines
// (tlsbench k8s job) needs from its scenario: the file as written, the
// files it names that must travel with it, and how long it runs.
type JobPlan struct {
	// Scenario is the scenario file's content.
	Scenario []byte
	// Files are the files the scenario names, by the path it names them
	// with: a remote target's CA file.
	Files map[string][]byte
	// Length is how long the phases run; Known is false when a phase is
	// bounded by a count, and Length is then an hour, a bound only.
	Length time.Duration
	Known  bool
}

// PlanJob checks that the scenario loaded from path can run as shards
// shards elsewhere and returns what travels with it. It refuses more shards
// than connections in flight (each shard runs its share) and a private key
// file (which does not go into a ConfigMap: the shards make throwaway
// certificates for an embedded testbed).
func PlanJob(path string, sc *scenarios.Scenario, shards int) (JobPlan, error) {
	p := JobPlan{Files: map[string][]byte{}}
	var errs []error
	var err error
	if p.Scenario, err = os.ReadFile(path); err != nil {
		errs = append(errs, err)
	}
	if shards < 1 || shards > sc.Clients.Concurrency {
		errs = append(errs, fmt.Errorf("--shards: want 1..%d (clients.concurrency: each shard runs its share), got %d", sc.Clients.Concurrency, shards))
	}
	if sc.TLS.KeyFile != "" {
		errs = append(errs, errors.New("tls.key_file: a private key does not go into a ConfigMap; leave tls.cert_file and key_file out for throwaway certificates"))
	}
	if f := sc.Target.CAFile; f != "" {
		data, err := os.ReadFile(f)
		errs = append(errs, err)
		p.Files[strings.TrimPrefix(f, "./")] = data
	}
	if p.Length, p.Known = Length(sc); !p.Known {
		p.Length = time.Hour
	}
	return p, errors.Join(errs...)
}
