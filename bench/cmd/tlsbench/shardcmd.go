package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/bench/k8s"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/results/report"
	"github.com/tlsbench/tlsbench/scenarios"
)

func mergeCommand(stdout io.Writer) *cobra.Command {
	var out string
	var opts results.MergeOptions
	c := &cobra.Command{
		Use:   "merge -o OUT.json SHARD.json... | -",
		Short: "Merge the results of a run's shards into one result (exact: counts and HDR histograms add up)",
		Long: `Merge the result files of one run's shards (tlsbench run --shard I/N) into
one ordinary result; "-" reads the shards' marked lines from stdin (kubectl logs).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := results.MergeShardFiles(args, cmd.InOrStdin(), opts)
			if err != nil {
				return &badInputError{err: err}
			}
			if err := results.Write(out, m); err != nil {
				return err
			}
			report.WriteRun(stdout, m)
			report.WriteMerged(stdout, m)
			fmt.Fprintf(stdout, "result: %s\n", out)
			return nil
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "merged.json", "the merged result file")
	c.Flags().BoolVar(&opts.AllowMissing, "allow-missing", false, "merge the shards there are; the result is partial and lists the missing ones")
	return c
}

func k8sCommand(stdout, stderr io.Writer) *cobra.Command {
	var cfg k8s.Config
	var startIn time.Duration
	job := &cobra.Command{
		Use:   "job --shards N --image IMAGE SCENARIO.yaml",
		Short: "Print a ConfigMap and an Indexed Job that run the scenario as N shards starting together",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return writeJob(args[0], cfg, startIn, stdout, stderr)
		},
	}
	fl := job.Flags()
	fl.IntVar(&cfg.Shards, "shards", 0, "the number of shards (pods)")
	fl.StringVar(&cfg.Image, "image", "", "the container image holding tlsbench (see bench/cmd/tlsbench/Dockerfile)")
	fl.StringVar(&cfg.Namespace, "namespace", "", "the namespace (default: kubectl's)")
	fl.StringVar(&cfg.Name, "name", "", "the Job's name (default: tlsbench-<scenario>)")
	fl.DurationVar(&startIn, "start-in", time.Minute, "the shards start this long after the manifest is made: apply it before")
	fl.StringVar(&cfg.CPU, "cpu", "1", "CPU request of each pod")
	fl.StringVar(&cfg.Memory, "memory", "512Mi", "memory request and limit of each pod")
	c := &cobra.Command{Use: "k8s", Short: "Kubernetes manifests for runs split over several generators"}
	c.AddCommand(job)
	return c
}

// writeJob prints the manifest of the scenario at path.
func writeJob(path string, cfg k8s.Config, startIn time.Duration, stdout, stderr io.Writer) error {
	sc, err := scenarios.Load(path)
	if err != nil {
		return &badInputError{err: err}
	}
	plan, err := bench.PlanJob(path, sc, cfg.Shards)
	cfg.ScenarioFile, cfg.Scenario, cfg.Files = filepath.Base(path), plan.Scenario, plan.Files
	cfg.Schedule(sc.Name, time.Now(), startIn, plan.Length)
	cfg.FailJobOn = []int32{exitBadInput, exitLateStart}
	cm, j, oerr := k8s.Objects(cfg)
	if err = errors.Join(err, oerr); err != nil {
		return &badInputError{err: err}
	}
	fmt.Fprintln(stderr, "tlsbench: "+cfg.Collect())
	return k8s.Write(stdout, cm, j)
}

func serveCommand(stdout, stderr io.Writer) *cobra.Command {
	var port int
	var certDir string
	c := &cobra.Command{
		Use:   "serve SCENARIO.yaml",
		Short: "Run a scenario's servers (testbed nodes, keys, caches, rotation) as a long-running target; print their counts on Ctrl-C",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := scenarios.Load(args[0])
			if err != nil {
				return &badInputError{err: err}
			}
			srv, err := bench.Serve(cmd.Context(), sc, bench.Options{CertDir: certDir}, port)
			if err != nil {
				return err
			}
			defer srv.Stop()
			enc := json.NewEncoder(stdout)
			enc.Encode(srv.Ready())
			fmt.Fprintf(stderr, "tlsbench: serving %s on %v until Ctrl-C\n", sc.Name, srv.Target.Addresses)
			<-cmd.Context().Done()
			counts, err := srv.Counts(context.Background())
			if err == nil {
				err = enc.Encode(counts)
			}
			return err
		},
	}
	c.Flags().IntVar(&port, "port", 0, "every node's port (default: a free one each)")
	c.Flags().StringVar(&certDir, "cert-dir", "certs", "directory for the testbed's throwaway certificates")
	return c
}
