#!/bin/bash
# Benchmark 2: one connection of N changed, at N=100 and N=1000: apply wall time and the VICI
# and netlink requests xfrmd sent, first on the host kernel (policy-based connections,
# bench/incremental-apply-host.sh), then in the kernel lab (half of them route-based over VTI).
#   BUILD=build-x BENCH_SIZES="100 1000" BENCH_RUNS=5 bench/incremental-apply.sh
# BENCH_HOST_RUNS (default 50) is the host part's changes each way.
set -euo pipefail
BENCH_RUNS=${BENCH_HOST_RUNS:-50} bash "$(dirname "$0")/incremental-apply-host.sh"
echo
exec "$(dirname "$0")/lab/run-bench.sh" incremental-apply
