# shellcheck shell=bash
# The frame every integration script stands in: source it after setting
# XFRMD and XFRMCTL (where xfrmd is used) and after charon-fixture.sh
# (where a charon is).
#
#   fail MSG                 "FAIL [STEP]: MSG" on stderr, exit 1
#   step NAME                "--- NAME"; later failures name the step
#   wait_for SECS WHAT CMD...  poll CMD every 0.1 s; fail after SECS
#   xfrmd_prereqs [CMD...]   fail unless root, $XFRMD and $XFRMCTL are
#                            executable and ip and each CMD are on PATH
#   fixture_setup NAME       TMP=/tmp/xfrmd-NAME.XXXXXX, NS=xfrmd-NAME-$$
#                            (not yet created), CTL_SOCK=$TMP/xfrmd.sock,
#                            XFRMD_LOG=$TMP/xfrmd.log, and the cleanup (below)
#   netns_add NAME           create NAME with lo up: $NS or $NS-SOMETHING,
#                            the names the cleanup deletes
#   ns CMD...                run CMD in $NS (xfrmd's namespace)
#   xfrmd_start ARGS...      xfrmd in $NS with -c $CTL_SOCK -s $TMP/state
#                            ARGS, output appended to $XFRMD_LOG; sets
#                            XFRMD_PID and waits until it answers status
#   xfrmd_stop               SIGTERM, up to 5 s to exit, then SIGKILL
#   ctl ARGS...              xfrmctl -s $CTL_SOCK ARGS (a script may
#                            redefine it, e.g. under timeout)
#   status_line              generation, config_hash and charon's connected
#                            flag from status --json, one per line
#   xfrmd_connected          true once xfrmd is connected to charon
#   snapshot FILE            (with charon) status, charon's connections,
#                            $NS's XFRM policies and routes, into FILE
#
# The cleanup runs on exit and on SIGINT, SIGTERM and SIGHUP: it calls
# fixture_cleanup_hook RC if the script defines one, stops xfrmd and (with
# charon-fixture.sh) charon, shows the tails of their logs if the script
# failed, kills what still runs in xfrmd-NAME-$$ and xfrmd-NAME-$$-*,
# deletes those namespaces and removes $TMP. A guard outside the script's
# process tree does the last part if the script is killed outright
# (ctest's timeout sends SIGKILL to the whole tree).

XFRMD_PID=
STEP="setup"

fail() {
	echo "FAIL [$STEP]: $*" >&2
	exit 1
}

step() {
	STEP=$1
	echo "--- $STEP"
}

wait_for() {
	local secs=$1 what=$2 i
	shift 2
	for ((i = 0; i < secs * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	fail "timed out after ${secs}s waiting for $what"
}

xfrmd_prereqs() {
	local c
	[ "$(id -u)" = 0 ] || fail "must run as root (network namespaces)"
	for c in "$XFRMD" "$XFRMCTL"; do
		[ -x "$c" ] || fail "not executable: $c"
	done
	for c in ip "$@"; do
		command -v "$c" >/dev/null || fail "no $c on PATH"
	done
}

# fixture_purge NS DIR: kill what runs in NS and NS-*, delete them, remove
# DIR. Self-contained: the guard runs it in a shell of its own.
fixture_purge() {
	local n
	for n in $(ip netns list 2>/dev/null | cut -d' ' -f1); do
		case $n in
		"$1" | "$1"-*)
			ip netns pids "$n" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
			ip netns del "$n" 2>/dev/null || true
			;;
		esac
	done
	rm -rf "$2" || true
}

fixture_cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if declare -F fixture_cleanup_hook >/dev/null; then
		fixture_cleanup_hook "$rc" || true
	fi
	xfrmd_stop
	if declare -F charon_stop >/dev/null; then
		charon_stop || true
	fi
	if [ "$rc" -ne 0 ]; then
		if [ -s "$XFRMD_LOG" ]; then
			echo "--- xfrmd log (tail)" >&2
			tail -n 40 "$XFRMD_LOG" >&2 || true
		fi
		if declare -F charon_log_tail >/dev/null; then
			charon_log_tail 40 || true
		fi
	fi
	fixture_purge "$FIXTURE_NETNS" "$TMP"
	exit "$rc"
}

fixture_setup() {
	TMP=$(mktemp -d "/tmp/xfrmd-$1.XXXXXX") || fail "mktemp failed"
	FIXTURE_NETNS=xfrmd-$1-$$
	NS=$FIXTURE_NETNS
	CTL_SOCK="$TMP/xfrmd.sock"
	XFRMD_LOG="$TMP/xfrmd.log"
	trap fixture_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	# The guard: a session of its own, so that killing this script's process
	# tree leaves it; it waits for this shell to end, then purges.
	# shellcheck disable=SC2016 # $1..$3 are the guard's arguments
	setsid -f bash -c "$(declare -f fixture_purge)"'
		tail --pid="$1" -f /dev/null
		fixture_purge "$2" "$3"' fixture-guard "$$" "$FIXTURE_NETNS" "$TMP" </dev/null >/dev/null 2>&1 ||
		fail "cannot start the cleanup guard (setsid)"
}

netns_add() {
	ip netns add "$1" || fail "cannot create network namespace $1"
	ip netns exec "$1" ip link set lo up || fail "cannot bring up lo in $1"
}

ns() {
	ip netns exec "$NS" "$@"
}

ctl() {
	"$XFRMCTL" -s "$CTL_SOCK" "$@"
}

xfrmd_answers() {
	kill -0 "$XFRMD_PID" 2>/dev/null || fail "xfrmd exited during startup"
	"$XFRMCTL" -s "$CTL_SOCK" status >/dev/null 2>&1
}

xfrmd_start() {
	# ip netns exec execs, so $! is xfrmd itself.
	ip netns exec "$NS" "$XFRMD" -c "$CTL_SOCK" -s "$TMP/state" "$@" >>"$XFRMD_LOG" 2>&1 &
	XFRMD_PID=$!
	wait_for 10 "xfrmd to answer on $CTL_SOCK" xfrmd_answers
}

xfrmd_stop() {
	[ -n "${XFRMD_PID:-}" ] || return 0
	kill -TERM "$XFRMD_PID" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$XFRMD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$XFRMD_PID" 2>/dev/null || true
	wait "$XFRMD_PID" 2>/dev/null || true
	XFRMD_PID=
}

status_line() {
	ctl status --json >"$TMP/status.json" 2>&1 || return 1
	python3 -c '
import json, sys
st = json.load(open(sys.argv[1]))
print("generation", st["generation"])
print("config_hash", st.get("config_hash", "-"))
print("connected", st["charon"]["connected"])
' "$TMP/status.json"
}

xfrmd_connected() {
	status_line 2>/dev/null | grep -x "connected True" >/dev/null
}

snapshot() {
	{
		echo "### status"
		status_line | grep -v '^connected' || fail "status --json: $(cat "$TMP/status.json")"
		echo "### swanctl --list-conns"
		swanctl --list-conns --uri "$CHARON_URI" 2>&1
		echo "### ip xfrm policy"
		ns ip xfrm policy 2>&1
		echo "### ip route show table all"
		ns ip route show table all 2>&1
	} >"$1"
}
