#!/bin/bash
# What xfrmd says about itself and the gateway when something is missing:
# - charon's VICI socket unreachable at start: one clear warning naming the
#   socket, not one line per retry, and it keeps retrying (it connects as
#   soon as a socket appears there);
# - a plan that fails is logged as a failed plan, never as "apply failed";
# - explain says that IP forwarding is off (IPv4 and IPv6), not
#   "unreachable route (table 0)", and stops saying so once it is on;
# - a config with a bgp section passes validate, but this xfrmd's apply and
#   plan refuse it, naming the connection (it does not drive BIRD yet).
#
#   xfrmd_cli.sh PATH/TO/xfrmd PATH/TO/xfrmctl
#
# Needs root (network namespace, veth) and python3. No charon.
set -euo pipefail

XFRMD=${1:?usage: xfrmd_cli.sh PATH/TO/xfrmd PATH/TO/xfrmctl}
XFRMCTL=${2:?usage: xfrmd_cli.sh PATH/TO/xfrmd PATH/TO/xfrmctl}
HERE=$(cd "$(dirname "$0")" && pwd)
# fail, step, TMP, NS, cleanup, ctl, xfrmd_start, wait_for...
# shellcheck source=xfrmd-fixture.sh
. "$HERE/xfrmd-fixture.sh"

xfrmd_prereqs python3
fixture_setup cli
VICI_PATH="$TMP/charon.vici"
FAKE_PID=
fixture_cleanup_hook() {
	[ -z "$FAKE_PID" ] || kill "$FAKE_PID" 2>/dev/null
}

netns_add "$NS"
# A LAN and an uplink: veth pairs whose other ends stay in the namespace.
ip -n "$NS" link add lan type veth peer name lan-p
ip -n "$NS" link add wan type veth peer name wan-p
for l in lan lan-p wan wan-p; do ip -n "$NS" link set "$l" up; done
ip -n "$NS" addr add 10.1.0.1/24 dev lan
ip -n "$NS" addr add 198.51.100.1/24 dev wan
ip -n "$NS" route add default via 198.51.100.254
ip -n "$NS" addr add 2001:db8:1::1/64 dev lan nodad
ip -n "$NS" addr add 2001:db8:ff::1/64 dev wan nodad
ip -n "$NS" route add default via 2001:db8:ff::fe

step "a: charon unreachable at start: one warning naming the socket, retries go on"
xfrmd_start -v "unix://$VICI_PATH"
sleep 3 # with retries every 0.1 s growing to 1 s: six or more attempts
n=$(grep -c "cannot reach charon's VICI socket at unix://$VICI_PATH" "$XFRMD_LOG" || true)
[ "$n" = 1 ] || fail "want one warning about the VICI socket, got $n: $(cat "$XFRMD_LOG")"
grep -q "^warning: .*retrying.*Is charon running" "$XFRMD_LOG" ||
	fail "the warning does not say what to check: $(grep VICI "$XFRMD_LOG")"
# Something starts listening there: xfrmd connects without being told.
python3 - "$VICI_PATH" >"$TMP/fake.out" 2>&1 <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(4)
c, _ = s.accept()
print("accepted", flush=True)
time.sleep(60)
EOF
FAKE_PID=$!
wait_for 5 "xfrmd to retry and connect" grep -q accepted "$TMP/fake.out"
kill "$FAKE_PID" 2>/dev/null || true
wait "$FAKE_PID" 2>/dev/null || true
FAKE_PID=

step "b: a failed plan is not logged as a failed apply"
printf '{"gateway": {"name": "gw-cli"}, "connections": []}\n' >"$TMP/empty.json"
rc=0
ctl plan -f "$TMP/empty.json" >"$TMP/plan.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "plan without charon exited $rc: $(cat "$TMP/plan.out")"
wait_for 5 "the daemon's log line" grep -q "plan failed: " "$XFRMD_LOG"
! grep -q "apply failed" "$XFRMD_LOG" || fail "a plan was logged as an apply: $(grep failed "$XFRMD_LOG")"
rc=0
ctl apply -f "$TMP/empty.json" >"$TMP/apply.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "apply without charon exited $rc: $(cat "$TMP/apply.out")"
wait_for 5 "the apply's log line" grep -q "apply failed: " "$XFRMD_LOG"

step "c: explain with forwarding off names the setting"
ip netns exec "$NS" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
ctl explain 10.1.0.5 10.2.0.5 >"$TMP/ex4.out" 2>&1 || fail "explain: $(cat "$TMP/ex4.out")"
grep -qx "dropped: IP forwarding is off (net.ipv4.ip_forward = 0)" "$TMP/ex4.out" ||
	fail "IPv4: $(cat "$TMP/ex4.out")"
! grep -q "table 0" "$TMP/ex4.out" || fail "IPv4 still shows table 0: $(cat "$TMP/ex4.out")"
ctl explain 2001:db8:1::5 2001:db8:2::5 >"$TMP/ex6.out" 2>&1 || fail "explain: $(cat "$TMP/ex6.out")"
grep -qx "dropped: IPv6 forwarding is off (net.ipv6.conf.all.forwarding = 0)" "$TMP/ex6.out" ||
	fail "IPv6: $(cat "$TMP/ex6.out")"
ctl explain --json 10.1.0.5 10.2.0.5 >"$TMP/ex4.json" || fail "explain --json"
python3 - "$TMP/ex4.json" <<'EOF' || fail "explain --json: $(cat "$TMP/ex4.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["forwarding"] == {"setting": "net.ipv4.ip_forward", "enabled": False}, r
assert r["outcome"] == "dropped", r
EOF
# Traffic to the gateway itself is delivered whatever forwarding says.
ctl explain 10.1.0.5 10.1.0.1 >"$TMP/local.out" 2>&1 || fail "explain: $(cat "$TMP/local.out")"
grep -q "^delivered locally" "$TMP/local.out" || fail "local: $(cat "$TMP/local.out")"

step "d: one interface off, then all on"
ip netns exec "$NS" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.lan.forwarding=0
ctl explain 10.1.0.5 10.2.0.5 >"$TMP/ex4.out" 2>&1 || fail "explain: $(cat "$TMP/ex4.out")"
grep -qx "dropped: IP forwarding is off on lan (net.ipv4.conf.lan.forwarding = 0)" \
	"$TMP/ex4.out" || fail "IPv4, lan off: $(cat "$TMP/ex4.out")"
ip netns exec "$NS" sysctl -qw net.ipv4.conf.lan.forwarding=1 net.ipv6.conf.all.forwarding=1
for pair in "10.1.0.5 10.2.0.5" "2001:db8:1::5 2001:db8:2::5"; do
	# shellcheck disable=SC2086 # two words on purpose
	ctl explain $pair >"$TMP/on.out" 2>&1 || fail "explain $pair: $(cat "$TMP/on.out")"
	grep -q "^in clear: no XFRM policy matches and the route leads to wan" "$TMP/on.out" ||
		fail "forwarding on, $pair: $(cat "$TMP/on.out")"
done

step "e: a bgp config is validated"
cp "$HERE/../../schemas/examples/valid/aws-dual-tunnel-bgp.json" "$TMP/bgp.json"
chmod 600 "$TMP/bgp.json"
"$XFRMCTL" validate -f "$TMP/bgp.json" >"$TMP/bgp.out" 2>&1 ||
	fail "validate refused the bgp example: $(cat "$TMP/bgp.out")"

echo "PASS: xfrmd's messages in ${SECONDS}s"
