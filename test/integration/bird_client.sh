#!/bin/bash
# Drives a real BIRD 2 through lib/bird's client (bird_probe): a private
# bird in a throwaway network namespace with its own config, include file
# and control socket; BGP peers that do not exist (nothing leaves the
# namespace). configure, a syntax error in the include file, show protocols
# all, disable/enable.
#
#   bird_client.sh PATH/TO/bird_probe
#
# Needs root and bird2. Fails (never skips) when bird cannot be started.
set -euo pipefail

PROBE=${1:?usage: bird_client.sh PATH/TO/bird_probe}
NS=xfrmd-bird-$$
TMP=$(mktemp -d /tmp/xfrmd-bird-itest.XXXXXX)

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
cleanup() {
	[[ -f $TMP/pid ]] && kill "$(cat "$TMP/pid")" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

[[ $(id -u) == 0 ]] || fail "needs root"
command -v bird >/dev/null || fail "bird2 is not installed (test/setup-deps.sh)"
[[ -x $PROBE ]] || fail "no probe at $PROBE"

ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add v0 type veth peer name v1
ip -n "$NS" addr add 10.77.0.1/24 dev v0
ip -n "$NS" link set v0 up
ip -n "$NS" link set v1 up

cat >"$TMP/bird.conf" <<CONF
router id 10.77.0.1;
protocol device {}
include "$TMP/xfrmd.conf";
CONF
: >"$TMP/xfrmd.conf"
ip netns exec "$NS" bird -c "$TMP/bird.conf" -s "$TMP/bird.ctl" -P "$TMP/pid" ||
	fail "bird did not start"
for _ in $(seq 50); do
	[[ -S $TMP/bird.ctl ]] && break
	sleep 0.1
done
probe() { "$PROBE" "$TMP/bird.ctl" "$@"; }

# xfrmd writes its include file, then asks bird to read it.
cat >"$TMP/xfrmd.conf" <<CONF
protocol bgp conn_a { local 10.77.0.1 as 65001; neighbor 10.77.0.2 as 65002;
  ipv4 { import all; export none; }; }
CONF
out=$(probe "configure check" "configure" "show protocols all conn_a")
echo "$out"
grep -qx "configure ok 0020" <<<"$out" || fail "configure check"
grep -qx "configure ok 0003" <<<"$out" || fail "configure"
grep -Eq "^proto conn_a start (Idle|Connect|Active) 0$" <<<"$out" || fail "conn_a not starting"

out=$(probe "disable conn_a" "show protocols all conn_a" "enable conn_a" "show protocols conn_a")
echo "$out"
grep -qx "reply 0000 " <<<"$out" || fail "disable/enable reply"
grep -Eqx "proto conn_a (flush|down) Down 0" <<<"$out" || fail "conn_a not down after disable"
grep -Eq "^proto conn_a start (Idle|Connect|Active) 0$" <<<"$out" || fail "conn_a not back"

# A syntax error in the include file: refused with its position, the
# running config stays.
echo 'protocol bgp conn_b { local 10.77.0.1 as 65001; neighbor 10.77.0.3 as ; }' >>"$TMP/xfrmd.conf"
out=$(probe "configure" "show protocols")
echo "$out"
grep -Eq "^configure error $TMP/xfrmd.conf:3:[0-9]+ syntax error" <<<"$out" ||
	fail "configure error not parsed"
grep -q "^proto conn_a " <<<"$out" || fail "conn_a gone after a failed configure"
! grep -q "^proto conn_b " <<<"$out" || fail "conn_b loaded from a bad file"

# Unknown protocol: a parse error reply, not a client error.
out=$(probe "show protocols all nosuch")
echo "$out"
[[ $out == "reply 9001 "* ]] || fail "unknown protocol"
echo "PASS"
