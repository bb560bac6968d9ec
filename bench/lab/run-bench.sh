#!/bin/bash
# bench/lab/run-bench.sh NAME [--build DIR]: runs the kernel-lab benchmark bench/lab/NAME with
# the lab runner and prints its figures (used by bench/bulk-apply.sh, incremental-apply.sh,
# status.sh and failover.sh). The lab passes no environment into the guest, so every BENCH_*
# variable set here reaches the scenario through $BUILD/bench-settings.sh, removed afterwards.
# Environment: BUILD (default build), LAB_MEM (default 2G), BENCH_TIMEOUT (s, default 1800).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
name=$1
shift
build=${BUILD:-$repo/build}
if [[ ${1:-} == --build ]]; then build=$2; fi
build=$(cd "$build" && pwd)
settings=$build/bench-settings.sh
trap 'rm -f "$settings"' EXIT
: >"$settings"
while IFS= read -r v; do
  printf '%s=%q\n' "$v" "${!v}" >>"$settings"
done < <(compgen -v BENCH_ || true)
LAB_MEM=${LAB_MEM:-2G} "$repo/test/lab/lab" --build "$build" --show \
  --timeout "${BENCH_TIMEOUT:-1800}" "$repo/bench/lab/$name"
