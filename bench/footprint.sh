#!/bin/bash
# shellcheck source-path=SCRIPTDIR/..
# bench/footprint.sh: xfrmd's resident memory idle, with N connections of two tunnels, and over
# many applies that each change one connection (growth would be a leak).
#
# Runs on the host, in a throwaway network namespace with a real charon
# (test/integration/charon-fixture.sh): policy-based connections, started on traffic, so
# nothing is negotiated and nothing leaves the namespace. Target (issue 7): under
# 10 MiB + 4 KiB per tunnel, and no growth over the applies.
#
# Environment: BUILD (build dir, default build), BENCH_N (connections, default 1000),
# BENCH_APPLIES (default 10000), BENCH_SAMPLE (RSS sample every K applies, default 1000).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${BUILD:-$repo/build}" && pwd)
n=${BENCH_N:-1000} applies=${BENCH_APPLIES:-10000} sample=${BENCH_SAMPLE:-1000}
xfrmd=$build/cmd/xfrmd/xfrmd xfrmctl=$build/cmd/xfrmctl/xfrmctl
# shellcheck source=test/integration/charon-fixture.sh
. "$repo/test/integration/charon-fixture.sh"

ns=xfrmd-bench-fp-$$ tmp=$(mktemp -d /tmp/xfrmd-bench-fp.XXXXXX) pid=
cleanup() {
	[[ -z $pid ]] || kill "$pid" 2>/dev/null || true
	[[ -z $pid ]] || wait "$pid" 2>/dev/null || true
	charon_cleanup "$ns"
	rm -rf "$tmp"
}
trap cleanup EXIT
die() {
	echo "footprint: $*" >&2
	exit 1
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
# xfrmd's user + system CPU time in clock ticks: what an apply costs the daemon, whatever
# else the machine is doing (wall times on a shared machine are not).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
ctl() { "$xfrmctl" -s "$tmp/xfrmd.sock" "$@"; }

for f in "$xfrmd" "$xfrmctl"; do [[ -x $f ]] || die "$f missing: build first (BUILD=dir)"; done
charon_prereqs
charon_netns_add "$ns"
for a in 192.0.2.1 192.0.2.2; do ip -n "$ns" addr add "$a/32" dev lo; done
charon_start "$ns" "$tmp"
python3 "$repo/bench/gen-config.py" --n "$n" --mode policy --out "$tmp/a"
python3 "$repo/bench/gen-config.py" --n "$n" --mode policy --extra-prefix 1 --out "$tmp/b"
# The edited document sits beside the first, as an operator's edit would: same key files.
cp "$tmp/b/xfrmd.json" "$tmp/a/edited.json"

mkdir -p "$tmp/state"
ip netns exec "$ns" "$xfrmd" -c "$tmp/xfrmd.sock" -s "$tmp/state" -v "$CHARON_URI" \
	2>"$tmp/xfrmd.log" &
pid=$!
for _ in $(seq 100); do
	ctl status >/dev/null 2>&1 && break
	sleep 0.1
done
ctl status >/dev/null || die "xfrmd did not answer: $(tail -3 "$tmp/xfrmd.log")"
sleep 1
idle=$(rss_kib)

ctl apply -f "$tmp/a/xfrmd.json" >/dev/null || die "apply of $n connections failed"
loaded=$(rss_kib)
tunnels=$((2 * n))
budget=$((10 * 1024 + 4 * tunnels))

echo "xfrmd footprint ($(date -u +%F), $(nproc) CPUs, $(uname -r)); $n connections, $tunnels tunnels"
printf '  idle (no config):        %6d KiB\n' "$idle"
printf '  with %4d connections:   %6d KiB   budget 10 MiB + 4 KiB x %d tunnels = %d KiB: %s\n' \
	"$n" "$loaded" "$tunnels" "$budget" "$( ((loaded < budget)) && echo within || echo OVER)"
awk -v l="$loaded" -v i="$idle" -v t="$tunnels" \
	'BEGIN { printf "  per tunnel:              %6.2f KiB\n", (l - i) / t }'

# Applies alternate between the two files: each adds or removes one prefix of connection 1.
# Each apply's wall time (xfrmctl included) is kept: the incremental apply's figure on the
# host (bench/incremental-apply.sh measures it in the kernel lab, with request counts).
declare -a samples=()
t0=$EPOCHREALTIME c0=$(cpu_ticks)
for ((i = 1; i <= applies; i++)); do
	f=$tmp/a/xfrmd.json
	((i % 2)) && f=$tmp/a/edited.json
	a0=$EPOCHREALTIME
	ctl apply -f "$f" >/dev/null || die "apply $i failed"
	echo "$a0 $EPOCHREALTIME" >>"$tmp/apply-times"
	if ((i % sample == 0)); then
		just_after=$(rss_kib)
		sleep 2.5 # and once xfrmd had time to free the old config and trim its heap
		samples+=("$i:$(rss_kib):$just_after")
	fi
done
elapsed=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
cpu_ms=$(awk -v a="$c0" -v b="$(cpu_ticks)" -v hz="$(getconf CLK_TCK)" -v n="$applies" \
	'BEGIN { printf "%.1f", (b - a) * 1000 / hz / n }')
echo "  $applies applies, one connection changed each time, $elapsed s;" \
	"$(awk '{ print ($2 - $1) * 1000 }' "$tmp/apply-times" | sort -n | awk '{ v[NR] = $1 }
	END { p = int(NR * 0.99); if (p < 1) p = 1
	      printf "per apply: median %.1f ms, p99 %.1f ms", v[int((NR + 1) / 2)], v[p] }')"
echo "  xfrmd's CPU time per apply (user + system, sleeps excluded): $cpu_ms ms"
first=
for s in "${samples[@]}"; do
	IFS=: read -r n_applied settled just_after <<<"$s"
	printf '    after %6d applies:   %6d KiB   (%d KiB just after the apply)\n' \
		"$n_applied" "$settled" "$just_after"
	[[ -n $first ]] || first=$settled
done
IFS=: read -r _ last _ <<<"${samples[-1]}"
printf '  growth from the first sample to the last: %d KiB\n' "$((last - first))"
ip netns exec "$ns" ip xfrm policy | grep -c '^src' | xargs printf '  kernel: %s XFRM policies\n'
kill -0 "$pid" || die "xfrmd died"
