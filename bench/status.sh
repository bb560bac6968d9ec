#!/bin/bash
# Benchmark 4 (issue 7): `xfrmctl status --json` against `swanctl --list-sas --raw` with
# 2 x CONNS tunnels established in the kernel lab (bench/lab/status), and print the figures.
#   bench/status.sh [--build DIR] [CONNS [RUNS]]
# Environment: BUILD, LAB_MEM (default 3G), BENCH_TIMEOUT (s, default 1800), BENCH_WAIT (s to
# wait for the tunnels, default 1200), BENCH_BATCH (connections per apply, default 100).
set -euo pipefail
build=()
if [[ ${1:-} == --build ]]; then build=(--build "$2"); shift 2; fi
[[ -z ${1:-} ]] || export BENCH_CONNS=$1
[[ -z ${2:-} ]] || export BENCH_RUNS=$2
LAB_MEM=${LAB_MEM:-3G} exec "$(dirname "$0")/lab/run-bench.sh" status "${build[@]}"
