#!/bin/bash
# Issue 19: one host's ceiling as a host of a multi-host gateway, in the kernel lab
# (bench/lab/gateway-scale): steps of connections applied on gw-1 (charon, xfrmd --host gw-1,
# BIRD with a gateway.lan session to the LAN router rtr), each until every tunnel is up and rtr
# routes every remote prefix, with traffic through every connection; apply, re-apply, status,
# memory, the LAN router's routes and sessions, each daemon's CPU. Prints the figures.
#   bench/gateway-scale.sh [--build DIR] [STEPS]
# Environment: BUILD, LAB_MEM (default 3G), BENCH_TIMEOUT (s, default 2400), BENCH_STEPS
# (default "100 250 500 1000"), BENCH_WAIT (s per step, default 900), BENCH_RUNS (default 3),
# BENCH_PPS (default 200), BENCH_TRAFFIC_S (default 20), BENCH_IDLE_S (default 10).
set -euo pipefail
build=()
if [[ ${1:-} == --build ]]; then build=(--build "$2"); shift 2; fi
[[ -z ${1:-} ]] || export BENCH_STEPS=$1
LAB_MEM=${LAB_MEM:-3G} BENCH_TIMEOUT=${BENCH_TIMEOUT:-2400} \
  exec "$(dirname "$0")/lab/run-bench.sh" gateway-scale "${build[@]}"
