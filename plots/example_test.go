package plots_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/tlsbench/tlsbench/plots"
	"github.com/tlsbench/tlsbench/results"
)

// Build turns runs into chart specs; Save draws each as PNG and SVG.
func Example() {
	paths, _ := filepath.Glob("testdata/runs/*.json")
	var runs []*results.Run
	for _, p := range paths {
		r, err := results.Read(p)
		if err != nil {
			log.Fatal(err)
		}
		runs = append(runs, r)
	}
	charts, err := plots.Build(runs)
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "charts")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for _, c := range charts {
		files, err := plots.Save(dir, c)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-34s %d files: %s\n", c.Name, len(files), c.Title)
	}
	// Output:
	// rate                               2 files: Handshakes per second, full vs resumed
	// latency                            2 files: Handshake latency by percentile
	// cpu                                2 files: CPU per handshake, client and server, full vs resumed
	// bytes                              2 files: Bytes per handshake, each way, full vs resumed
	// timeline                           2 files: Rate and p99 latency over time, all phases
	// resumption                         2 files: Resumption rate per run
	// matrix-three-nodes-per-node-keys   2 files: Resumption matrix: three-nodes-per-node-keys (2 repeats summed)
}

// A rate chart's rows: a heading per setup, then its runs, the baseline
// first; the text after each bar gives the ratio to the baseline.
func ExampleBuild() {
	paths, _ := filepath.Glob("testdata/runs/*.json")
	var runs []*results.Run
	for _, p := range paths {
		r, err := results.Read(p)
		if err != nil {
			log.Fatal(err)
		}
		runs = append(runs, r)
	}
	charts, err := plots.Build(runs)
	if err != nil {
		log.Fatal(err)
	}
	for _, row := range charts[0].Bars.Rows {
		if row.Heading != "" {
			fmt.Println(row.Heading)
			continue
		}
		fmt.Printf("  %s: %d bars, whisker %v\n", row.Label, len(row.Bars), len(row.Range) == 2)
	}
	// Output:
	// TLS 1.3 · ecdsa-p256 · x25519
	//   tls13-ecdsa-full ×2 *: 2 bars, whisker true
	//   tls13-ecdsa-resumed ×2 *: 2 bars, whisker true
	// TLS 1.3 · ecdsa-p256 · x25519 · 3 nodes, random, ticket keys per-node, cache per-node
	//   three-nodes-per-node-keys ×2 *: 2 bars, whisker true
}
