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
# shellcheck source=xfrmd-fixture.sh
. "$HERE/xfrmd-fixture.sh"

STEP="setup"
fail() {
	echo "FAIL [$STEP]: $*" >&2
	exit 1
}
step() {
	STEP=$1
	echo "--- $STEP"
}

[ "$(id -u)" = 0 ] || fail "must run as root (network namespace)"
for f in "$XFRMD" "$XFRMCTL"; do
	[ -x "$f" ] || fail "not executable: $f"
done

TMP=$(mktemp -d /tmp/xfrmd-instance.XXXXXX)
NS=xfrmd-instance-$$
SOCK="$TMP/run/xfrmd.sock"
VICI="unix://$TMP/no-charon.vici"
XFRMD_PID=
T0=$SECONDS

cleanup() {
	local rc=$?
	trap - EXIT
	xfrmd_stop
	ip netns del "$NS" 2>/dev/null || true
	if [ "$rc" -ne 0 ]; then
		for f in "$TMP"/*.log; do
			[ -f "$f" ] && echo "--- $f" >&2 && tail -n 20 "$f" >&2
		done
	fi
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT

ip netns add "$NS" || fail "cannot create network namespace $NS"

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
	[ -S "$SOCK" ] || fail "the first daemon's socket file is gone"
	"$XFRMCTL" -s "$SOCK" status >"$TMP/status.out" 2>&1 ||
		fail "the first daemon does not answer: $(cat "$TMP/status.out")"
	grep -q "^gateway .* generation 0 " "$TMP/status.out" ||
		fail "status: $(cat "$TMP/status.out")"
	kill -0 "$XFRMD_PID" 2>/dev/null || fail "the first daemon died"
}

step "a: the first xfrmd"
ip netns exec "$NS" "$XFRMD" -d -c "$SOCK" -s "$TMP/state" -v "$VICI" >>"$TMP/first.log" 2>&1 &
XFRMD_PID=$!
wait_for 10 "the control socket" test -S "$SOCK"
wait_for 10 "xfrmd to answer" "$XFRMCTL" -s "$SOCK" status >/dev/null 2>&1
[ "$(cat "$TMP/state/xfrmd.lock")" = "$XFRMD_PID" ] ||
	fail "state lock holds '$(cat "$TMP/state/xfrmd.lock")', want $XFRMD_PID"
[ "$(cat "$SOCK.lock")" = "$XFRMD_PID" ] || fail "socket lock holds '$(cat "$SOCK.lock")'"
INODE=$(stat -c %i "$SOCK")

step "b: a second on the same socket (another state directory) refuses"
second same-socket -c "$SOCK" -s "$TMP/state2"
grep -q "control socket $SOCK" "$TMP/same-socket.log" ||
	fail "the message does not name the socket: $(cat "$TMP/same-socket.log")"
first_answers
[ "$(stat -c %i "$SOCK")" = "$INODE" ] || fail "the socket file was replaced"

step "c: a second on the same state directory (another socket) refuses"
second same-state -c "$TMP/run/other.sock" -s "$TMP/state"
grep -q "state directory $TMP/state" "$TMP/same-state.log" ||
	fail "the message does not name the state directory: $(cat "$TMP/same-state.log")"
[ ! -e "$TMP/run/other.sock" ] || fail "the refused daemon bound its socket anyway"
first_answers

step "d: both the same: refused, nothing touched"
second same-both -c "$SOCK" -s "$TMP/state"
first_answers
[ "$(stat -c %i "$SOCK")" = "$INODE" ] || fail "the socket file was replaced"
[ "$(cat "$SOCK.lock")" = "$XFRMD_PID" ] || fail "a refused daemon rewrote the socket lock"

step "e: after SIGKILL of the first, a new one starts on its stale socket"
kill -KILL "$XFRMD_PID"
wait "$XFRMD_PID" 2>/dev/null || true
[ -S "$SOCK" ] || fail "SIGKILL removed the socket file (the test needs a stale one)"
ip netns exec "$NS" "$XFRMD" -d -c "$SOCK" -s "$TMP/state" -v "$VICI" >>"$TMP/third.log" 2>&1 &
XFRMD_PID=$!
wait_for 10 "the new daemon to answer" "$XFRMCTL" -s "$SOCK" status >/dev/null 2>&1
# (it answers: the stale file was replaced; its inode number may be reused)
first_answers
[ "$(cat "$SOCK.lock")" = "$XFRMD_PID" ] || fail "socket lock holds '$(cat "$SOCK.lock")'"

step "f: a clean exit removes the socket; the next starts as well"
xfrmd_stop
[ ! -e "$SOCK" ] || fail "SIGTERM left the socket file behind"
ip netns exec "$NS" "$XFRMD" -d -c "$SOCK" -s "$TMP/state" -v "$VICI" >>"$TMP/fourth.log" 2>&1 &
XFRMD_PID=$!
wait_for 10 "the next daemon to answer" "$XFRMCTL" -s "$SOCK" status >/dev/null 2>&1

echo "PASS: one xfrmd per socket and state directory in $((SECONDS - T0))s"
