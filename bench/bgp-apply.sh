#!/bin/bash
# Benchmark (issue 18): `xfrmctl apply` of BENCH_N route-based connections with BGP (2 x BENCH_N
# BIRD sessions) against `birdc configure` of the same include by hand, and BIRD's and xfrmd's
# memory with those sessions, alternated in one kernel-lab run (bench/lab/bgp-apply; gwa only,
# no peer, BIRD 2 installed).
#   bench/bgp-apply.sh [--build DIR]
# Environment: BUILD, BENCH_N (default 500), BENCH_RUNS (default 3), BENCH_UEVENT_HELPER=keep
# (see bench/lab/bulk-apply/run.sh), LAB_MEM, BENCH_TIMEOUT.
set -euo pipefail
build=()
if [[ ${1:-} == --build ]]; then build=(--build "$2"); shift 2; fi
export BENCH_RUNS=${BENCH_RUNS:-3}
exec "$(dirname "$0")/lab/run-bench.sh" bgp-apply "${build[@]}"
