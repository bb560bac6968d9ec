#!/bin/bash
# Benchmark (issue 18): failure -> reroute of the routes BGP learned over a tunnel, BGP alone
# (hold timer 9 s) against BGP driven by xfrmd's health (probes), alternated in one kernel-lab
# run (bench/lab/bgp-reroute).
#   bench/bgp-reroute.sh [--build DIR]
# Environment: BUILD, BENCH_RUNS (default 3), LAB_MEM, BENCH_TIMEOUT.
set -euo pipefail
build=()
if [[ ${1:-} == --build ]]; then build=(--build "$2"); shift 2; fi
export BENCH_RUNS=${BENCH_RUNS:-3}
exec "$(dirname "$0")/lab/run-bench.sh" bgp-reroute "${build[@]}"
