#!/bin/bash
# Benchmark 5 (issue 7): 100 induced tunnel failures in the kernel lab (bench/lab/failover):
# xfrmd's reaction (health event -> kernel ack) and a 10 ms ping flow's interruption, as
# median, p99 and max.
#   bench/failover.sh [--build DIR] [FAILURES [BACKGROUND_CONNS]]
# Environment: BUILD, LAB_MEM (default 3G), BENCH_TIMEOUT (s, default 1800), BENCH_MODES (how
# failures are induced: "path ike", the default, "path" or "ike"), BENCH_RT_PRIORITY (xfrmd's
# --realtime-priority, default 10; 0: ordinary scheduling).
set -euo pipefail
build=()
if [[ ${1:-} == --build ]]; then build=(--build "$2"); shift 2; fi
[[ -z ${1:-} ]] || export BENCH_FAILURES=$1
[[ -z ${2:-} ]] || export BENCH_BG_CONNS=$2
LAB_MEM=${LAB_MEM:-3G} exec "$(dirname "$0")/lab/run-bench.sh" failover "${build[@]}"
