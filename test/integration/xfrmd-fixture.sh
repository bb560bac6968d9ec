# shellcheck shell=bash
# Helpers shared by the xfrmd integration scripts. The sourcing script
# defines fail() and keeps the daemon's PID in XFRMD_PID.

# wait_for SECONDS WHAT CMD...: poll CMD every 0.1 s; fail after SECONDS.
wait_for() {
	local secs=$1 what=$2 i
	shift 2
	for ((i = 0; i < secs * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	fail "timed out after ${secs}s waiting for $what"
}

# xfrmd_stop: SIGTERM, up to 5 s to exit, then SIGKILL.
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
