#!/bin/bash
# The LAN side of the include file xfrmd renders (gateway.lan, issue 19:
# one gateway on several hosts), run by real BIRD 2s: two gateway hosts,
# each with the include rendered for its own view of the same config (its
# tunnels only), and a site's LAN router with a hand-written config, all
# three on one bridge in network namespaces (no IPsec, no xfrmd).
#
#   connection  redundancy      host 1 runs  host 2 runs
#   vpc-a       active-standby  primary      standby
#   vpc-b       active-standby  standby      primary
#   vpc-c       active-active   tunnel 1     tunnel 2
#   vpc-d       active-active   tunnel 1     tunnel 2, host 1 cannot carry it
#
#   phase 1 eBGP (hosts AS 65001, router AS 65000), BFD: the router learns
#           each remote prefix with a host's LAN address as next hop; the
#           standby-only host's with MED 100, the other's 0, so the route
#           goes to the primary's host; vpc-c a multipath route over both hosts
#           (merge paths); vpc-d only from host 2; nothing in the hosts'
#           kernels.
#   phase 2 host 1 carries vpc-d again and no longer vpc-a: the router's
#           vpc-d route goes multipath, vpc-a to host 2 (MED 100).
#   phase 3 iBGP (everyone AS 65001): the same next hops and preference
#           (an AS path prepend would not do: the router drops routes with
#           its own AS in the path).
#
#   bird_lan.sh PATH/TO/bird_render
#
# Needs root and bird2. Fails (never skips) when bird cannot be started.
set -euo pipefail

RENDER=${1:?usage: bird_lan.sh PATH/TO/bird_render}
R=xfrmd-lr-$$
G1=xfrmd-lg1-$$
G2=xfrmd-lg2-$$
TMP=$(mktemp -d /tmp/xfrmd-bird-lan.XXXXXX)
DEADLINE=${BIRD_CONF_DEADLINE:-60} # seconds per wait

fail() {
	echo "FAIL: $*" >&2
	if [[ -S $TMP/r.ctl ]]; then
		echo "--- the router's sessions and routes" >&2
		birdc -s "$TMP/r.ctl" show protocols >&2 || true
		birdc -s "$TMP/r.ctl" show bfd sessions >&2 || true
		birdc -s "$TMP/r.ctl" show route all >&2 || true
	fi
	for s in r g1 g2; do
		[[ -f $TMP/$s.log ]] && { echo "--- bird $s log (tail)" >&2; tail -n 30 "$TMP/$s.log" >&2; }
	done
	exit 1
}
cleanup() {
	for s in r g1 g2; do
		[[ -f $TMP/$s.pid ]] && kill "$(cat "$TMP/$s.pid")" 2>/dev/null || true
	done
	for n in "$R" "$G1" "$G2"; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT

[[ $(id -u) == 0 ]] || fail "needs root"
command -v bird >/dev/null || fail "bird2 is not installed (test/setup-deps.sh)"
[[ -x $RENDER ]] || fail "no bird_render at $RENDER"

cr() { birdc -s "$TMP/r.ctl" "$@"; }
cg() { local s=$1; shift; birdc -s "$TMP/$s.ctl" "$@"; }

# wait_for WHAT CMD...: polls CMD until it succeeds, up to DEADLINE seconds.
wait_for() {
	local what=$1 end=$((SECONDS + DEADLINE))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < end)) || fail "timed out waiting for $what"
		sleep 0.2
	done
}
# has REGEX CMD...: CMD's output has a line matching REGEX.
has() {
	local re=$1 out
	shift
	out=$("$@") && grep -Eq -- "$re" <<<"$out"
}
configure() {
	local out
	out=$(birdc -s "$TMP/$1.ctl" configure) || true
	grep -Eq "^Reconfigur(ed|ation in progress)" <<<"$out" || fail "configure $1 ($2): $out"
}

# ---- the LAN: a bridge in the router's namespace, a host on each port

for n in "$R" "$G1" "$G2"; do
	ip netns add "$n"
	ip -n "$n" link set lo up
done
ip -n "$R" link add lan0 type bridge
ip -n "$R" addr add 10.0.0.1/24 dev lan0
ip -n "$R" link set lan0 up
i=0
for g in "$G1" "$G2"; do
	i=$((i + 1))
	ip -n "$g" link add lan type veth peer name "port$i" netns "$R"
	ip -n "$R" link set "port$i" master lan0
	ip -n "$R" link set "port$i" up
	ip -n "$g" addr add "10.0.0.$((i + 1))/24" dev lan
	ip -n "$g" link set lan up
done

# ---- the gateway's config, one document for both hosts

tunnels() { # tunnels N: two tunnels of connection N
	printf '{ "local": "192.0.2.1", "remote": "198.51.100.%s1", "psk": "lan-key-%s-one-1234" },' "$1" "$1"
	printf '{ "local": "192.0.2.1", "remote": "198.51.100.%s2", "psk": "lan-key-%s-two-1234" }' "$1" "$1"
}
cat >"$TMP/xfrmd.json" <<JSON
{
  "gateway": { "name": "gw", "local_addresses": ["192.0.2.1"] },
  "connections": [
    { "name": "vpc-a", "mode": "route", "redundancy": "active-standby", "local_prefixes": ["10.1.0.0/16"],
      "remote_prefixes": ["10.100.0.0/16", "10.101.0.0/16"], "tunnels": [$(tunnels 1)] },
    { "name": "vpc-b", "mode": "route", "redundancy": "active-standby", "local_prefixes": ["10.1.0.0/16"],
      "remote_prefixes": ["10.200.0.0/16"], "tunnels": [$(tunnels 2)] },
    { "name": "vpc-c", "mode": "route", "redundancy": "active-active", "local_prefixes": ["10.1.0.0/16"],
      "remote_prefixes": ["10.150.0.0/16"], "tunnels": [$(tunnels 3)] },
    { "name": "vpc-d", "mode": "route", "redundancy": "active-active", "local_prefixes": ["10.1.0.0/16"],
      "remote_prefixes": ["10.250.0.0/16"], "tunnels": [$(tunnels 4)] }
  ]
}
JSON
chmod 600 "$TMP/xfrmd.json"

# The hosts' views: vpc-b's primary (tunnel 1) is host 2's.
VIEW_G1=(--drop vpc-a 2 --drop vpc-b 1 --drop vpc-c 2 --drop vpc-d 2)
VIEW_G2=(--drop vpc-a 1 --drop vpc-b 2 --drop vpc-c 1 --drop vpc-d 1)
# render HOST ROUTER_ASN [options]: HOST's include.
render() {
	local s=$1 asn=$2 view
	shift 2
	if [[ $s == g1 ]]; then view=("${VIEW_G1[@]}"); else view=("${VIEW_G2[@]}"); fi
	"$RENDER" "$TMP/xfrmd.json" "${view[@]}" --lan 65001 9 3 1 \
		--lan-neighbor 10.0.0.1 "$asn" --lan-bfd 200 5 "$@" >"$TMP/$s.inc" ||
		fail "render $s"
}
render g1 65000 --lan-off vpc-d
render g2 65000
grep -q "^protocol static xfrmd_lan4_vpc_b {" "$TMP/g1.inc" || fail "no LAN static for vpc-b"
grep -q "bgp_med = 100;" "$TMP/g1.inc" || fail "no MED 100 on host 1"

for s in g1 g2; do
	id=10.0.0.$((${s#g} + 1))
	cat >"$TMP/$s.conf" <<CONF
router id $id;
log "$TMP/$s.log" all;
protocol device { scan time 1; }
protocol kernel admin_kernel { ipv4 { export all; }; }
include "$TMP/$s.inc";
CONF
	bird -p -c "$TMP/$s.conf" || fail "bird -p refuses $s's render"
done

# router ASN: the site's LAN router, hand-written.
router() {
	cat >"$TMP/r.conf" <<CONF
router id 10.0.0.1;
log "$TMP/r.log" all;
protocol device { scan time 1; }
protocol bfd {}
protocol kernel { merge paths on; ipv4 { import none; export all; }; }
template bgp gwhost {
	local as $1;
	direct;
	connect retry time 1;
	# as the README advises a LAN router: a session closed by an error (BFD, a
	# peer still in the other AS while the configs change) is tried again in a
	# second, not after BIRD's 60 s
	error wait time 1, 5;
	bfd on;
	ipv4 { import all; export none; };
}
protocol bgp h1 from gwhost { neighbor 10.0.0.2 as 65001; }
protocol bgp h2 from gwhost { neighbor 10.0.0.3 as 65001; }
CONF
}
router 65000

ip netns exec "$R" bird -c "$TMP/r.conf" -s "$TMP/r.ctl" -P "$TMP/r.pid" || fail "bird R did not start"
ip netns exec "$G1" bird -c "$TMP/g1.conf" -s "$TMP/g1.ctl" -P "$TMP/g1.pid" || fail "bird G1 did not start"
ip netns exec "$G2" bird -c "$TMP/g2.conf" -s "$TMP/g2.ctl" -P "$TMP/g2.pid" || fail "bird G2 did not start"

established() { has "Established" cr show protocols "$1"; }
# at_r PREFIX PROTO REGEX: the router's route for PREFIX from PROTO shows REGEX.
at_r() { has "$3" cr show route "$1" all protocol "$2"; }
# path PREFIX PROTO AS_PATH MED: ... with exactly that AS path and MED.
path() {
	local out
	out=$(cr show route "$1" all protocol "$2") &&
		grep -Eq "BGP.as_path: *$3\$" <<<"$out" && grep -Eq "BGP.med: $4\$" <<<"$out"
}
kroute() { has "$2" ip -n "$R" route show "$1"; }
multipath() {
	local r
	r=$(ip -n "$R" route show "$1" proto bird)
	grep -q "nexthop via 10.0.0.2 dev lan0" <<<"$r" && grep -q "nexthop via 10.0.0.3 dev lan0" <<<"$r"
}
none_from() { [[ -z $(cr show route "$1" protocol "$2" | grep -E "^$1|^ ") ]] 2>/dev/null; }

# ---- phase 1: eBGP

wait_for "h1 Established" established h1
wait_for "h2 Established" established h2
bfd_up() { has "^$1 +lan0 +Up +[^ ]+ +0\\.200 +1\\.000" cr show bfd sessions; }
wait_for "BFD up with host 1 (200 ms x 5)" bfd_up 10.0.0.2
wait_for "BFD up with host 2 (200 ms x 5)" bfd_up 10.0.0.3
echo "phase 1: sessions Established, BFD up"

# vpc-a: host 1 holds the primary; host 2's routes have the higher MED.
wait_for "vpc-a from host 1" path 10.100.0.0/16 h1 "65001" 0
wait_for "vpc-a from host 2, MED 100" path 10.100.0.0/16 h2 "65001" 100
wait_for "vpc-a's second prefix" path 10.101.0.0/16 h1 "65001" 0
at_r 10.100.0.0/16 h1 "BGP.next_hop: 10.0.0.2$" || fail "vpc-a from host 1: next hop not 10.0.0.2"
at_r 10.100.0.0/16 h2 "BGP.next_hop: 10.0.0.3$" || fail "vpc-a from host 2: next hop not 10.0.0.3"
wait_for "vpc-a to host 1 in the router's kernel" kroute 10.100.0.0/16 \
	"^10\\.100\\.0\\.0/16 via 10\\.0\\.0\\.2 dev lan0 proto bird"
# vpc-b: the other way round.
wait_for "vpc-b from host 1, MED 100" path 10.200.0.0/16 h1 "65001" 100
wait_for "vpc-b from host 2" path 10.200.0.0/16 h2 "65001" 0
wait_for "vpc-b to host 2 in the router's kernel" kroute 10.200.0.0/16 \
	"^10\\.200\\.0\\.0/16 via 10\\.0\\.0\\.3 dev lan0 proto bird"
# vpc-c: equal from both, one multipath route.
wait_for "vpc-c from host 1" path 10.150.0.0/16 h1 "65001" 0
wait_for "vpc-c from host 2" path 10.150.0.0/16 h2 "65001" 0
wait_for "vpc-c multipath over both hosts" multipath 10.150.0.0/16
# vpc-d: host 1 cannot carry it.
wait_for "vpc-d from host 2" path 10.250.0.0/16 h2 "65001" 0
none_from 10.250.0.0/16 h1 || fail "the router learned vpc-d from host 1, which cannot carry it"
kroute 10.250.0.0/16 "^10\\.250\\.0\\.0/16 via 10\\.0\\.0\\.3 dev lan0 proto bird" ||
	fail "vpc-d not to host 2 alone"
has "^xfrmd_lan4_vpc_d +Static +xfrmd_lan4 +down" cg g1 show protocols xfrmd_lan4_vpc_d ||
	fail "vpc-d's static on host 1 not down"
# Exactly the LAN prefixes, nothing else.
n=$(cr show route count protocol h2 | grep -Eo "^[0-9]+ of [0-9]+ routes" | cut -d' ' -f1)
[[ $n == 5 ]] || fail "the router has $n routes from host 2, not 5: $(cr show route protocol h2)"
# The blackholes never reach the hosts' kernels.
for g in "$G1" "$G2"; do
	[[ -z $(ip -n "$g" route show table all 10.100.0.0/16) ]] || fail "a LAN route in $g's kernel"
done
echo "phase 1: next hops, MEDs, multipath, disabled connection as rendered"

# ---- phase 2: host 1 carries vpc-d again, vpc-a no longer

render g1 65000 --lan-off vpc-a
configure g1 "vpc-d on, vpc-a off"
wait_for "vpc-d from host 1" path 10.250.0.0/16 h1 "65001" 0
wait_for "vpc-d multipath over both hosts" multipath 10.250.0.0/16
wait_for "vpc-a withdrawn by host 1" none_from 10.100.0.0/16 h1
wait_for "vpc-a to host 2 in the router's kernel" kroute 10.100.0.0/16 \
	"^10\\.100\\.0\\.0/16 via 10\\.0\\.0\\.3 dev lan0 proto bird"
echo "phase 2: a connection on and one off at host 1 move the router's routes"

# ---- phase 3: iBGP

render g1 65001
render g2 65001
router 65001
configure r "iBGP"
configure g1 "iBGP"
configure g2 "iBGP"
wait_for "h1 Established (iBGP)" has "Neighbor AS: +65001" cr show protocols all h1
wait_for "h1 Established (iBGP)" established h1
wait_for "h2 Established (iBGP)" established h2
has "Local AS: +65001" cr show protocols all h1 || fail "h1 not iBGP"
wait_for "vpc-a from host 1 over iBGP" path 10.100.0.0/16 h1 "" 0
wait_for "vpc-a from host 2 over iBGP, MED 100" path 10.100.0.0/16 h2 "" 100
wait_for "vpc-b from host 1 over iBGP, MED 100" path 10.200.0.0/16 h1 "" 100
wait_for "iBGP: host 1's address as vpc-a's next hop" at_r 10.100.0.0/16 h1 "BGP.next_hop: 10.0.0.2$"
wait_for "iBGP: host 2's address as vpc-a's next hop" at_r 10.100.0.0/16 h2 "BGP.next_hop: 10.0.0.3$"
wait_for "vpc-a to host 1 in the router's kernel (iBGP)" kroute 10.100.0.0/16 \
	"^10\\.100\\.0\\.0/16 via 10\\.0\\.0\\.2 dev lan0 proto bird"
wait_for "vpc-b to host 2 in the router's kernel (iBGP)" kroute 10.200.0.0/16 \
	"^10\\.200\\.0\\.0/16 via 10\\.0\\.0\\.3 dev lan0 proto bird"
wait_for "vpc-c multipath over both hosts (iBGP)" multipath 10.150.0.0/16
echo "phase 3: iBGP with the hosts' addresses as next hops and the MEDs"
echo "PASS"
