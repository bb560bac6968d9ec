#!/bin/bash
# One xfrmd per gateway: a second daemon on the same control socket, or on
# the same state directory, refuses to start, names the running one's pid
# and leaves its socket alone; once the first is killed (SIGKILL: no
# cleanup, its socket file stays), a new one starts and answers.
#
#   xfrmd_instance.sh PATH/TO/xfrmd PATH/TO/xfrmctl
#
# Needs root (network namespace). No charon: xfrmd keeps retrying its VICI
# socket and answers the control socket meanwhile.
set -euo pipefail

XFRMD=${1:?usage: xfrmd_instance.sh PATH/TO/xfrmd PATH/TO/xfrmctl}
XFRMCTL=${2:?usage: xfrmd_instance.sh PATH/TO/xfrmd PATH/TO/xfrmctl}
HERE=$(cd "$(dirname "$0")" && pwd)
# fail, step, TMP, NS, cleanup, ctl, xfrmd_start, xfrmd_stop, wait_for...
# shellcheck source=xfrmd-fixture.sh
. "$HERE/xfrmd-fixture.sh"

xfrmd_prereqs timeout
fixture_setup instance
CTL_SOCK="$TMP/run/xfrmd.sock"
VICI="unix://$TMP/no-charon.vici"

netns_add "$NS"

# second NAME ARGS...: a second xfrmd that must refuse within 5 s, exit
# non-zero and name the first's pid; its output in $TMP/NAME.log.
second() {
	local name=$1 rc=0 t0=$SECONDS
	shift
	timeout 5 ip netns exec "$NS" "$XFRMD" -v "$VICI" "$@" >"$TMP/$name.log" 2>&1 || rc=$?
	[ "$rc" != 124 ] || fail "$name: still running after 5 s (it did not refuse)"
	[ "$rc" != 0 ] || fail "$name: exited 0: $(cat "$TMP/$name.log")"
	((SECONDS - t0 <= 2)) || fail "$name: took $((SECONDS - t0)) s to refuse"
	grep -q "another xfrmd (pid $XFRMD_PID) is running" "$TMP/$name.log" ||
		fail "$name: the message does not name pid $XFRMD_PID: $(cat "$TMP/$name.log")"
	echo "$name: exit $rc: $(head -n 1 "$TMP/$name.log")"
}

first_answers() {
	[ -S "$CTL_SOCK" ] || fail "the first daemon's socket file is gone"
	ctl status >"$TMP/status.out" 2>&1 ||
		fail "the first daemon does not answer: $(cat "$TMP/status.out")"
	grep -q "^gateway .* generation 0 " "$TMP/status.out" ||
		fail "status: $(cat "$TMP/status.out")"
	kill -0 "$XFRMD_PID" 2>/dev/null || fail "the first daemon died"
}

step "a: the first xfrmd"
XFRMD_LOG="$TMP/first.log"
xfrmd_start -d -v "$VICI"
[ "$(cat "$TMP/state/xfrmd.lock")" = "$XFRMD_PID" ] ||
	fail "state lock holds '$(cat "$TMP/state/xfrmd.lock")', want $XFRMD_PID"
[ "$(cat "$CTL_SOCK.lock")" = "$XFRMD_PID" ] || fail "socket lock holds '$(cat "$CTL_SOCK.lock")'"
INODE=$(stat -c %i "$CTL_SOCK")

step "b: a second on the same socket (another state directory) refuses"
second same-socket -c "$CTL_SOCK" -s "$TMP/state2"
grep -q "control socket $CTL_SOCK" "$TMP/same-socket.log" ||
	fail "the message does not name the socket: $(cat "$TMP/same-socket.log")"
first_answers
[ "$(stat -c %i "$CTL_SOCK")" = "$INODE" ] || fail "the socket file was replaced"

step "c: a second on the same state directory (another socket) refuses"
second same-state -c "$TMP/run/other.sock" -s "$TMP/state"
grep -q "state directory $TMP/state" "$TMP/same-state.log" ||
	fail "the message does not name the state directory: $(cat "$TMP/same-state.log")"
[ ! -e "$TMP/run/other.sock" ] || fail "the refused daemon bound its socket anyway"
first_answers

step "d: both the same: refused, nothing touched"
second same-both -c "$CTL_SOCK" -s "$TMP/state"
first_answers
[ "$(stat -c %i "$CTL_SOCK")" = "$INODE" ] || fail "the socket file was replaced"
[ "$(cat "$CTL_SOCK.lock")" = "$XFRMD_PID" ] || fail "a refused daemon rewrote the socket lock"

step "e: after SIGKILL of the first, a new one starts on its stale socket"
kill -KILL "$XFRMD_PID"
wait "$XFRMD_PID" 2>/dev/null || true
[ -S "$CTL_SOCK" ] || fail "SIGKILL removed the socket file (the test needs a stale one)"
XFRMD_LOG="$TMP/third.log"
xfrmd_start -d -v "$VICI"
# (it answers: the stale file was replaced; its inode number may be reused)
first_answers
[ "$(cat "$CTL_SOCK.lock")" = "$XFRMD_PID" ] || fail "socket lock holds '$(cat "$CTL_SOCK.lock")'"

step "f: a clean exit removes the socket; the next starts as well"
xfrmd_stop
[ ! -e "$CTL_SOCK" ] || fail "SIGTERM left the socket file behind"
XFRMD_LOG="$TMP/fourth.log"
xfrmd_start -d -v "$VICI"

echo "PASS: one xfrmd per socket and state directory in ${SECONDS}s"
