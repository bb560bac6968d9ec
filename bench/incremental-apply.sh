#!/bin/bash
# Benchmark 2: one connection of N changed, at N=100 and N=1000: apply wall time and the VICI
# and netlink requests xfrmd sent, in the kernel lab.
#   BUILD=build-x BENCH_SIZES="100 1000" BENCH_RUNS=5 bench/incremental-apply.sh
exec "$(dirname "$0")/lab/run-bench.sh" incremental-apply
