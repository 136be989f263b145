# tlsbench — see README.md. Every target works from a fresh clone.
GO      ?= go
BIN     := bin/tlsbench
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

# The default scenario set of `make bench`, and extra flags for `tlsbench run`
# (for example BENCH_FLAGS="--duration 2s" for a quick look).
BENCH_SCENARIOS ?= $(sort $(wildcard scenarios/core-*.yaml)) $(sort $(wildcard scenarios/topology-*.yaml)) scenarios/aws-clb.yaml scenarios/aws-alb.yaml scenarios/aws-nlb.yaml
BENCH_FLAGS     ?=
# The network set of `make bench` (at most 50 s of phases): TLS 1.2 vs 1.3, full vs resumed at
# 40 ms RTT, a HelloRetryRequest, a chain within and past the initial window, 5 % loss, an RTT
# sweep. It needs the network lab (root and /dev/net/tun); without it, it is skipped with one line
# saying why. BENCH_NET_SCENARIOS= leaves it out.
BENCH_NET_SCENARIOS ?= $(addprefix scenarios/net-,tls12-full.yaml tls12-resumed.yaml tls13-full.yaml tls13-resumed.yaml \
	hrr.yaml chain-rsa4096-2i.yaml chain-rsa4096-2i-initcwnd4.yaml loss-5pct.yaml rtt-sweep-full.yaml)
RESULTS         ?= results/runs
PLOTS           ?= plots/out
# The review page make bench ends with (and its .html beside it), findings first.
REPORT          ?= $(PLOTS)/report.md

.PHONY: all build certs bench bench-real test vet perf perf-counts image clean

all: build

## build: the tlsbench binary in bin/
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./bench/cmd/tlsbench

## certs: throwaway CA and leaf certificates for the embedded testbed (certs/, keys 0600, git-ignored)
certs: build
	$(BIN) certs --dir certs

## bench: run the default scenario set against the embedded testbed (and its network set behind the lab, when it can run), print the comparison table,
## draw the charts into plots/out/, and write the review page, findings first (plots/out/report.md and the self-contained report.html)
bench: build certs
	@net="$(BENCH_NET_SCENARIOS)"; \
	if [ -n "$$net" ] && ! why=$$($(BIN) link --check 2>&1); then \
		echo "make bench: the network scenarios are skipped: $$why; to run them, run make bench as root (sudo make bench) where /dev/net/tun exists"; \
		net=""; \
	fi; \
	echo "$(BIN) run $(BENCH_FLAGS) -o $(RESULTS) --cert-dir certs --plots $(PLOTS) --report $(REPORT) $(BENCH_SCENARIOS) $$net"; \
	$(BIN) run $(BENCH_FLAGS) -o $(RESULTS) --cert-dir certs --plots $(PLOTS) --report $(REPORT) $(BENCH_SCENARIOS) $$net

## bench-real: the scenarios on real servers (nginx, HAProxy; apt-get install nginx libnginx-mod-stream haproxy): session IDs, tickets, the AWS presets on 3 nginx nodes, HAProxy in front
REAL_SCENARIOS ?= $(sort $(wildcard scenarios/nginx-*.yaml)) $(sort $(wildcard scenarios/haproxy-*.yaml))
bench-real: build certs
	$(BIN) run $(BENCH_FLAGS) -o $(RESULTS) --cert-dir certs $(REAL_SCENARIOS)

## test: vet and the whole test suite (what .ci/run calls)
test: vet
	$(GO) test -count=1 ./...

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

## perf: the speed benchmarks, the memory of 100,000 idle clients, a saturation sweep, and the
## side-by-side comparison with h2load and openssl s_time against the same nginx (installed if missing)
perf: build
	@command -v nginx >/dev/null && command -v h2load >/dev/null && command -v openssl >/dev/null || \
		{ apt-get update -q && apt-get install -y -q nginx nghttp2-client openssl; }
	$(GO) test -run='^$$' -bench='Record|ChainCache|Handshake' -benchtime=2000x -benchmem -count=1 ./loadgen/
	$(GO) test -run='^$$' -bench='IdleClients' -benchtime=1x -count=1 -timeout 20m ./loadgen/
	$(BIN) run --progress off -o $(RESULTS) scenarios/sweep-tls13-ecdsa.yaml
	$(GO) build -o bin/tlsperf ./bench/cmd/tlsperf
	bin/tlsperf -tlsbench $(BIN) -o results/perf $(PERF_FLAGS)

## perf-counts: per connection in the four ECDSA configurations: syscalls (strace -c -f), allocations and goroutine wake-ups per handshake
perf-counts: build
	$(GO) build -o bin/tlsperf ./bench/cmd/tlsperf
	sh bench/cmd/tlsperf/counts.sh $(COUNTS_N)

## image: the static container image of `tlsbench k8s job` (bench/cmd/tlsbench/Dockerfile) with podman, buildah or docker; IMAGE=name:tag
IMAGE   ?= tlsbench:$(VERSION)
BUILDER ?= $(shell command -v podman || command -v buildah || command -v docker)
image:
	rm -rf bin/image && mkdir -p bin/image
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o bin/image/tlsbench ./bench/cmd/tlsbench
	cp /etc/ssl/certs/ca-certificates.crt bin/image/
	$(BUILDER) build -t $(IMAGE) -f bench/cmd/tlsbench/Dockerfile bin/image

clean:
	rm -rf bin
