#!/bin/bash
# bench/run-all.sh [NAME...]: installs what is missing, builds an optimized tree and runs the
# benchmarks (default: all of them, in the order below), printing each one's figures and
# keeping a copy in $BUILD/bench-DATE.txt. Benchmarks are not tests: CI does not run them.
#
# Environment: BUILD (build dir, default build-bench); every benchmark's own variables
# (see the head of bench/NAME.sh) pass through.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
all=(bulk-apply incremental-apply routes status status-host failover footprint bgp-apply bgp-reroute gateway-scale gateway-doc)
names=("$@")
((${#names[@]})) || names=("${all[@]}")
for n in "${names[@]}"; do
	[[ -f $repo/bench/$n.sh ]] || {
		echo "run-all: no benchmark $n (have: ${all[*]})" >&2
		exit 2
	}
done

export BUILD=${BUILD:-$repo/build-bench}
bash "$repo/test/setup-deps.sh" || exit 1
bash "$repo/test/build.sh" "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null || exit 1
BUILD=$(cd "$BUILD" && pwd)
log=$BUILD/bench-$(date -u +%Y%m%dT%H%M%SZ).txt

machine() {
	echo "# xfrmd benchmarks, $(date -u '+%F %H:%M UTC'), $(git -C "$repo" describe --always --dirty)"
	echo "# $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo))," \
		"$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
		"kernel $(uname -r), strongSwan $(dpkg-query -W -f '${Version}' strongswan-charon)"
}

failed=()
{
	machine
	for n in "${names[@]}"; do
		echo
		echo "## $n"
		t0=$SECONDS
		bash "$repo/bench/$n.sh" || failed+=("$n")
		echo "# $n: $((SECONDS - t0)) s"
	done
	echo
	if ((${#failed[@]})); then echo "# failed: ${failed[*]}"; else echo "# all ran"; fi
} 2>&1 | tee "$log"
echo "# figures kept in $log"
! grep -q '^# failed:' "$log"
