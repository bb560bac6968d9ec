#!/bin/bash
# shellcheck source-path=SCRIPTDIR/..
# Benchmark 2 on the host kernel: one connection of N changes (connection 1 gets one more
# remote prefix, then loses it again), at each N of BENCH_SIZES. Per apply: `xfrmctl apply`
# wall time (xfrmctl's start included), xfrmd's CPU time, and the VICI requests and netlink
# messages xfrmd sent (its counters before and after). The target is under 50 ms, and counts
# that do not grow with N.
#
# Runs in a throwaway network namespace with a real charon (test/integration/charon-fixture.sh):
# policy-based connections started on traffic, so nothing is negotiated and nothing leaves the
# namespace. Route-based tunnels need VTI, which this kernel lacks: bench/incremental-apply.sh
# measures the mixed config in the kernel lab (UML, far slower system calls).
#
# Environment: BUILD (default build), BENCH_SIZES (default "100 1000"), BENCH_RUNS (changes
# each way per size, default 50).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${BUILD:-$repo/build}" && pwd)
sizes=${BENCH_SIZES:-100 1000} runs=${BENCH_RUNS:-50}
xfrmd=$build/cmd/xfrmd/xfrmd xfrmctl=$build/cmd/xfrmctl/xfrmctl
# shellcheck source=test/integration/charon-fixture.sh
. "$repo/test/integration/charon-fixture.sh"

bench=incremental-apply-host ns=xfrmd-bench-inc-$$ tmp=$(mktemp -d /tmp/xfrmd-bench-inc.XXXXXX)
# shellcheck source=bench/host-xfrmd.sh
. "$repo/bench/host-xfrmd.sh"

# counted_apply FILE: prints "VICI NETLINK", the requests xfrmd sent for one apply.
counted_apply() {
	local v0 n0
	v0=$(metric xfrmd_vici_requests_total) n0=$(metric xfrmd_netlink_requests_total)
	ctl apply -f "$1" >/dev/null || die "apply of $1 failed"
	echo "$(($(metric xfrmd_vici_requests_total) - v0)) $(($(metric xfrmd_netlink_requests_total) - n0))"
}

# timed_apply FILE: prints the wall time of one apply in ms.
timed_apply() {
	local t0=$EPOCHREALTIME
	ctl apply -f "$1" >/dev/null || die "apply of $1 failed"
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f\n", (b - a) * 1000 }'
}

# figures FILE: "median M ms, p99 P ms" of its numbers.
figures() {
	sort -n "$1" | awk '{ v[NR] = $1 }
		END { p = int(NR * 0.99); if (p < 1) p = 1
		      printf "median %.1f ms, p99 %.1f ms", v[int((NR + 1) / 2)], v[p] }'
}

for f in "$xfrmd" "$xfrmctl"; do [[ -x $f ]] || die "$f missing: build first (BUILD=dir)"; done
charon_prereqs
charon_netns_add "$ns"
for a in 192.0.2.1 192.0.2.2; do ip -n "$ns" addr add "$a/32" dev lo; done

echo "incremental apply on the host ($(date -u +%F), $(nproc) CPUs, $(uname -r)): one connection" \
	"of N changed, $runs changes each way; the counts are the smallest seen (xfrmd's periodic" \
	"resync adds its own when it runs during an apply)"
for n in $sizes; do
	python3 "$repo/bench/gen-config.py" --n "$n" --mode policy --out "$tmp/c$n"
	python3 "$repo/bench/gen-config.py" --n "$n" --mode policy --extra-prefix 1 --out "$tmp/e$n"
	# The edited document sits beside the first, as an operator's edit would: same key files.
	cp "$tmp/e$n/xfrmd.json" "$tmp/c$n/edited.json"
	# Each size from nothing: a fresh charon, an empty kernel.
	ip -n "$ns" xfrm policy flush
	charon_start "$ns" "$tmp"
	start_xfrmd
	ctl apply -f "$tmp/c$n/xfrmd.json" >/dev/null || die "apply of $n connections failed"
	: >"$tmp/counts"
	for ((r = 1; r <= 3; r++)); do
		counted_apply "$tmp/c$n/edited.json" >>"$tmp/counts"
		counted_apply "$tmp/c$n/xfrmd.json" >>"$tmp/counts"
	done
	: >"$tmp/runs"
	c0=$(cpu_ticks)
	for ((r = 1; r <= runs; r++)); do
		timed_apply "$tmp/c$n/edited.json" >>"$tmp/runs"
		timed_apply "$tmp/c$n/xfrmd.json" >>"$tmp/runs"
	done
	cpu=$(awk -v a="$c0" -v b="$(cpu_ticks)" -v hz="$(getconf CLK_TCK)" -v k="$((2 * runs))" \
		'BEGIN { printf "%.1f", (b - a) * 1000 / hz / k }')
	printf '  N=%-5s %s; xfrmd CPU %s ms per apply; VICI requests %s, netlink messages %s\n' \
		"$n" "$(figures "$tmp/runs")" "$cpu" "$(awk '{ print $1 }' "$tmp/counts" | sort -n | head -1)" \
		"$(awk '{ print $2 }' "$tmp/counts" | sort -n | head -1)"
	echo "    xfrmd log (last apply): $(grep -o 'applied generation.*' "$tmp/xfrmd.log" | tail -1)"
	stop_xfrmd
	charon_stop
done
