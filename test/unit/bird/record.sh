#!/usr/bin/env bash
# record.sh: re-records fixtures/ from a real BIRD 2 (root; needs bird2 and
# python3). Two throwaway network namespaces joined by a veth pair: "rec"
# (10.99.0.1, the BIRD whose replies are kept) and "peer" (10.99.0.2, a BGP
# peer so one session reaches Established). The other sessions point at
# addresses nobody answers inside the namespaces. Nothing leaves them; both
# namespaces and both birds are removed on exit. Not run by the build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$here/fixtures
work=$(mktemp -d /tmp/bird-record.XXXXXX)
rec=birdrec.$$
peer=birdpeer.$$

cleanup() {
	for f in "$work"/*.pid; do
		[[ -f $f ]] && kill "$(cat "$f")" 2>/dev/null || true
	done
	sleep 0.5
	ip netns del "$rec" 2>/dev/null || true
	ip netns del "$peer" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$rec"
ip netns add "$peer"
ip -n "$rec" link add veth0 type veth peer name veth1 netns "$peer"
ip -n "$rec" addr add 10.99.0.1/24 dev veth0
ip -n "$peer" addr add 10.99.0.2/24 dev veth1
ip -n "$peer" addr add 10.99.0.6/24 dev veth1
ip -n "$peer" addr add 10.99.0.7/24 dev veth1
for ns in "$rec" "$peer"; do
	ip -n "$ns" link set lo up
done
ip -n "$rec" link set veth0 up
ip -n "$peer" link set veth1 up

cat >"$work/peer.conf" <<CONF
router id 10.99.0.2;
protocol device {}
protocol static st { ipv4; route 192.0.2.0/24 blackhole; route 198.51.100.0/24 blackhole;
  route 203.0.113.0/24 blackhole; }
protocol bgp rec { local 10.99.0.2 as 65002; neighbor 10.99.0.1 as 65001;
  hold time 240; ipv4 { import all; export all; }; }
protocol bgp rec2 { local 10.99.0.6 as 65006; neighbor 10.99.0.1 as 65001;
  ipv4 { import all; export all; }; }
CONF

cat >"$work/xfrmd.conf" <<CONF
# the include file xfrmd owns
protocol bgp conn_a { description "xfrmd conn_a"; local 10.99.0.1 as 65001;
  neighbor 10.99.0.2 as 65002; hold time 240;
  ipv4 { import keep filtered; import filter { if net = 203.0.113.0/24 then reject; accept; };
         export none; import limit 1 action warn; }; }
CONF

cat >"$work/rec.conf" <<CONF
router id 10.99.0.1;
protocol device {}
protocol static st1 { ipv4; route 172.16.0.0/24 blackhole; }
# nobody at 10.99.0.3: the connect times out (Connect, Active)
protocol bgp conn_b { local 10.99.0.1 as 65001; neighbor 10.99.0.3 as 65003;
  connect retry time 5; ipv4 { import all; export all; }; }
# 10.99.0.7 answers port 1790 with a reset (Active)
protocol bgp conn_c { local 10.99.0.1 as 65001; neighbor 10.99.0.7 port 1790 as 65007;
  connect retry time 5;
  ipv4 { import all; export none; }; ipv6 { import all; export none; }; }
# 10.99.0.6 is AS 65006, not 65009: Bad peer AS, then Idle in its error wait
protocol bgp conn_f { local 10.99.0.1 as 65001; neighbor 10.99.0.6 as 65009;
  error wait time 60, 120; ipv4 { import all; export none; }; }
protocol bgp conn_d { disabled; local 10.99.0.1 as 65001; neighbor 10.99.0.4 as 65004;
  ipv4 { import all; export none; }; }
protocol bgp conn_e { passive; local 10.99.0.1 as 65001; neighbor 10.99.0.5 as 65005;
  ipv4 { import all; export none; }; }
include "$work/xfrmd.conf";
CONF

ip netns exec "$peer" bird -c "$work/peer.conf" -s "$work/peer.ctl" -P "$work/peer.pid"
ip netns exec "$rec" bird -c "$work/rec.conf" -s "$work/rec.ctl" -P "$work/rec.pid"
sock=$work/rec.ctl
rec_cmd() { python3 "$here/record.py" "$sock" "$out" "$@"; }

sleep 8 # conn_a comes up, conn_b is still connecting, conn_c was refused
rec_cmd show-status "show status"
rec_cmd show-protocols "show protocols"
for p in conn_a conn_b conn_c conn_d conn_e conn_f st1 device1; do
	rec_cmd "show-protocols-all-$p" "show protocols all $p"
done
rec_cmd show-protocols-all "show protocols all"
rec_cmd show-protocols-all-unknown "show protocols all nosuch"
rec_cmd show-route-count "show route protocol conn_a count"
rec_cmd show-route-count-unknown "show route protocol nosuch count"
rec_cmd configure-check "configure check"
rec_cmd configure "configure"
rec_cmd disable "disable conn_a"
rec_cmd disable-again "disable conn_a"
rec_cmd show-protocols-all-conn_a-disabled "show protocols all conn_a"
rec_cmd enable "enable conn_a"
rec_cmd enable-again "enable conn_a"
rec_cmd restart "restart conn_b"
rec_cmd disable-unknown "disable nosuch"
rec_cmd parse-error "show frobnicate"
rec_cmd several "show protocols" "show status"

# A syntax error in the included file.
echo 'protocol bgp conn_x { local 10.99.0.1 as 65001; neighbor 10.99.0.9 as ; }' >>"$work/xfrmd.conf"
rec_cmd configure-check-error "configure check"
rec_cmd configure-error "configure"
# An included file that is gone.
rm "$work/xfrmd.conf"
rec_cmd configure-missing-include "configure"

sleep 3 # conn_f got its Bad peer AS: Idle; conn_b is connecting again
rec_cmd show-protocols-later "show protocols"
rec_cmd show-protocols-all-conn_f-idle "show protocols all conn_f"
rec_cmd show-protocols-all-conn_b-connect "show protocols all conn_b"

# Paths are per run: name them the same way every time.
sed -i "s|$work|/run/xfrmd/bird|g" "$out"/*.txt
