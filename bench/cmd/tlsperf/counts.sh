#!/bin/sh
# counts.sh: what the generator does per connection, in the four ECDSA
# P-256 configurations of make perf (make perf-counts runs it):
#   - syscalls per connection: strace -f -c over a count-bounded tlsbench run
#     (N connections, the same scenario tlsperf runs: HTTP/1.1, concurrency 16,
#     64 clients) against tlsperf -serve's nginx; every thread of the process,
#     its start and end included (so a few hundred calls are not per connection);
#   - allocations per handshake (crypto/tls's included) and goroutine wake-ups
#     per handshake: BenchmarkHandshake (against a Go server in another
#     process), wake-ups counted as the Waiting->Runnable transitions of the
#     execution trace (go test -trace; go tool trace -d=parsed) over all the
#     handshakes the benchmark process made (warm-ups included).
# Usage: counts.sh [N]   (environment: TLSBENCH, TLSPERF binaries; GOMAXPROCS passes through;
# COUNTS_BENCH=0 skips the benchmarks; REUSE=n runs tlsbench with tls.reuse_key_share: n)
set -eu
N=${1:-2000}
TLSBENCH=${TLSBENCH:-bin/tlsbench}
TLSPERF=${TLSPERF:-bin/tlsperf}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-12s %8s %8s  %s\n' config conns "sys/conn" "per connection, by syscall (those above 0.05)"
for cfg in 1.3-full 1.3-resumed 1.2-full 1.2-resumed; do
	rm -f "$tmp/serve"
	"$TLSPERF" -serve "$cfg" >"$tmp/serve" 2>"$tmp/serve.err" &
	pid=$!
	while [ ! -s "$tmp/serve" ]; do
		kill -0 $pid 2>/dev/null || { cat "$tmp/serve.err"; exit 1; }
		sleep 0.1
	done
	read -r addr ca _ <"$tmp/serve"
	version=${cfg%-*}
	resumption=none
	[ "${cfg#*-}" = resumed ] && resumption=tickets
	cat >"$tmp/sc.yaml" <<YAML
name: counts
tls: {version: "$version", key: ecdsa-p256, groups: [x25519, p256]${REUSE:+, reuse_key_share: $REUSE}}
resumption: $resumption
after_handshake: http
clients: {count: 64, concurrency: 16}
phases: [{name: measure, count: $N}]
target: {address: "$addr", server_name: tlsbench.test, ca_file: "$ca"}
YAML
	strace -f -c -o "$tmp/strace" "$TLSBENCH" run --progress off -o "$tmp/out" "$tmp/sc.yaml" >"$tmp/run" 2>&1 || { kill $pid; tail -5 "$tmp/run"; exit 1; }
	kill $pid
	wait $pid 2>/dev/null || true
	awk -v n="$N" -v cfg="$cfg" '
		$NF == "total" { total = $4 }
		$1 ~ /^[0-9.]+$/ && $NF != "total" { c[$NF] = $4 }
		END {
			line = ""
			for (k in c) if (c[k] / n >= 0.05) line = line sprintf(" %s %.2f", k, c[k] / n)
			printf "%-12s %8d %8.1f %s\n", cfg, n, total / n, line
		}' "$tmp/strace"
done
[ "${COUNTS_BENCH:-1}" = 0 ] && exit 0
echo
printf '%-28s %12s %12s %14s\n' benchmark allocs/hs B/hs wake-ups/hs
for b in tls13-full/verify=cached tls13-resumed tls12-full/verify=cached tls12-resumed tls12-resumed-netpath; do
	go test -run '^$' -bench "Handshake/$b\$" -benchtime "${N}x" -benchmem -count 1 -trace "$tmp/trace" -o "$tmp/loadgen.test" ./loadgen/ >"$tmp/bench" 2>&1 || { cat "$tmp/bench"; exit 1; }
	wakeups=$(go tool trace -d=parsed "$tmp/trace" 2>/dev/null | grep -c 'Waiting->Runnable' || true)
	# The benchmark process made N + 1 measured handshakes (b.N = 1, then N)
	# and two warm-ups of 64.
	awk -v b="$b" -v w="$wakeups" -v n="$N" '/^BenchmarkHandshake/ { for (i = 1; i <= NF; i++) { if ($(i+1) == "allocs/op") a = $i; if ($(i+1) == "B/op") by = $i } }
		END { printf "%-28s %12s %12s %14.2f\n", b, a, by, w / (n + 1 + 128) }' "$tmp/bench"
done
