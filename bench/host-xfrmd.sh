# shellcheck shell=bash
# xfrmd in a benchmark's throwaway namespace on the host, beside the charon of
# test/integration/charon-fixture.sh (source that first). The benchmark sets bench (its name, for
# errors), ns, tmp, xfrmd and xfrmctl, then sources this:
#   start_xfrmd [ARGS...]   xfrmd in ns with a fresh state directory (and ARGS), until it has
#                           connected to charon; its log is $tmp/xfrmd.log
#   stop_xfrmd              stops it
#   ctl ARGS...             xfrmctl on its socket
#   metric NAME             one of its metrics
#   rss_kib, cpu_ticks      its resident memory; its user + system CPU time in clock ticks
#   die MSG                 "BENCH: MSG", exit 1
# An EXIT trap stops xfrmd and charon and removes the namespace and $tmp.
pid=
stop_xfrmd() {
	[[ -z $pid ]] || kill "$pid" 2>/dev/null || true
	[[ -z $pid ]] || wait "$pid" 2>/dev/null || true
	pid=
}
cleanup() {
	stop_xfrmd
	charon_cleanup "$ns"
	rm -rf "$tmp"
}
trap cleanup EXIT
die() {
	echo "$bench: $*" >&2
	exit 1
}

ctl() { "$xfrmctl" -s "$tmp/xfrmd.sock" "$@"; }
metric() { ctl metrics | awk -v m="$1" '$1 == m { print $2 }'; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }

start_xfrmd() {
	rm -rf "$tmp/state"
	mkdir -p "$tmp/state"
	ip netns exec "$ns" "$xfrmd" -c "$tmp/xfrmd.sock" -s "$tmp/state" -v "$CHARON_URI" "$@" \
		2>"$tmp/xfrmd.log" &
	pid=$!
	for _ in $(seq 100); do
		[[ $(metric xfrmd_charon_connected 2>/dev/null) != 1 ]] || return 0
		sleep 0.1
	done
	die "xfrmd did not connect to charon: $(tail -3 "$tmp/xfrmd.log")"
}
