#!/bin/bash
# Benchmark (issue 7, no. 3): publish and withdraw 10,000 route prefixes with
# xfrmd against `ip -batch` of the same routes, in one fresh network
# namespace on the host, with a real charon (as test/integration does).
#
# The operator's path: policy-mode connections holding the prefixes (250
# each: xfrmd takes 256 per list) applied with routes.publish manual, then
# `xfrmctl route publish CONN` / `route unpublish CONN` for each connection.
# No peer is reachable, so published routes are fail-closed blackholes;
# ip -batch adds and deletes the same blackholes (destination, table,
# metric). Every timing is checked by counting the routes in the table.
#
#   bench/routes.sh [-n PREFIXES] [-r RUNS] [-b BUILD_DIR]
# Prints per-run figures, then medians and the ratio xfrmd / ip -batch.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=10000 RUNS=5 BUILD=${BUILD:-$ROOT/build} PER_CONN=250 TABLE=100 METRIC=100
while getopts n:r:b: o; do
	case $o in
	n) N=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	b) BUILD=$OPTARG ;;
	*)
		echo "usage: $0 [-n PREFIXES] [-r RUNS] [-b BUILD_DIR]" >&2
		exit 2
		;;
	esac
done
XFRMD=$BUILD/cmd/xfrmd/xfrmd
XFRMCTL=$BUILD/cmd/xfrmctl/xfrmctl
if [ ! -x "$XFRMD" ] || [ ! -x "$XFRMCTL" ]; then
	echo "no xfrmd/xfrmctl in $BUILD (build first, or pass -b)" >&2
	exit 2
fi
# shellcheck source=test/integration/charon-fixture.sh
. "$ROOT/test/integration/charon-fixture.sh"
# shellcheck source=test/integration/xfrmd-fixture.sh
. "$ROOT/test/integration/xfrmd-fixture.sh"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
charon_prereqs
TMP=$(mktemp -d /tmp/xfrmd-bench-routes.XXXXXX)
NS=xfrmd-bench-routes-$$
XFRMD_PID=
cleanup() {
	local rc=$?
	xfrmd_stop
	charon_cleanup "$NS"
	((rc)) && tail -n 20 "$TMP/xfrmd.log" >&2
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
# The control socket is a file: xfrmctl needs no `ip netns exec`.
ctl() { "$XFRMCTL" -s "$TMP/xfrmd.sock" "$@"; }
# A table that never held a route does not exist yet: 0 routes.
count() { { ip -n "$NS" route show table "$TABLE" 2>/dev/null || true; } | wc -l; }
now_ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
expect() { # expect N WHAT
	local have
	have=$(count)
	[ "$have" -eq "$1" ] || fail "$2: $have routes in table $TABLE, not $1"
}

# all_conns publish|unpublish: one xfrmctl call per connection.
all_conns() {
	local c
	while read -r c; do
		ctl route "$1" "$c" >/dev/null || fail "xfrmctl route $1 $c"
	done <"$TMP/conns.txt"
}

timed() { # timed CMD...: prints the wall seconds of CMD (its output goes nowhere)
	local t0 t1
	t0=$(now_ns)
	"$@" >/dev/null
	t1=$(now_ns)
	secs "$t0" "$t1"
}

python3 "$ROOT/bench/routes/gen.py" "$TMP" "$N" "$PER_CONN" "$TABLE" "$METRIC"
charon_netns_add "$NS"
charon_start "$NS" "$TMP"
ip netns exec "$NS" "$XFRMD" -c "$TMP/xfrmd.sock" -s "$TMP/state" -v "$CHARON_URI" \
	>>"$TMP/xfrmd.log" 2>&1 &
XFRMD_PID=$! # stopped by xfrmd_stop (xfrmd-fixture.sh)
wait_for 10 "xfrmd to connect to charon" \
	sh -c "'$XFRMCTL' -s '$TMP/xfrmd.sock' status --json 2>/dev/null | grep -q '\"connected\":true'"
echo "applying $(wc -l <"$TMP/conns.txt") connections, $N prefixes (unpublished)..."
t_apply=$(timed ctl apply -f "$TMP/gw.json")
# xfrmd may still be writing the connections' XFRM policies after apply
# answers: start timing once their count holds still for a second.
settle() {
	local last="" now i
	for ((i = 0; i < 300; i++)); do
		now=$(ip -n "$NS" xfrm policy count)
		[ "$now" = "$last" ] && return 0
		last=$now
		sleep 1
	done
	fail "xfrmd kept changing XFRM policies for 300 s"
}
settle
expect 0 "after apply (publish manual)"
echo "apply: ${t_apply}s"

printf '%-4s %10s %10s %10s %10s\n' run xfrmd-pub ip-add xfrmd-wdr ip-del
for ((r = 1; r <= RUNS; r++)); do
	xp=$(timed all_conns publish)
	expect "$N" "after xfrmctl route publish"
	xw=$(timed all_conns unpublish)
	expect 0 "after xfrmctl route unpublish"
	ia=$(timed ip -n "$NS" -batch "$TMP/add.batch")
	expect "$N" "after ip -batch add"
	id=$(timed ip -n "$NS" -batch "$TMP/del.batch")
	expect 0 "after ip -batch del"
	printf '%-4s %10s %10s %10s %10s\n' "$r" "$xp" "$ia" "$xw" "$id"
	echo "$xp $ia $xw $id" >>"$TMP/runs.txt"
done
python3 - "$TMP/runs.txt" "$N" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
med = [statistics.median(c) for c in zip(*rows)]
print(f"medians over {len(rows)} runs, {sys.argv[2]} prefixes:")
print(f"  publish:  xfrmd {med[0]:.3f}s  ip -batch {med[1]:.3f}s  ratio {med[0] / med[1]:.2f}")
print(f"  withdraw: xfrmd {med[2]:.3f}s  ip -batch {med[3]:.3f}s  ratio {med[2] / med[3]:.2f}")
PY
