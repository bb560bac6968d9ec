#!/bin/bash
# The include file xfrmd renders (lib/bird/bird_conf.c, printed by
# bird_render) run by a real BIRD 2 against a hand-written far side, the
# shape a cloud gateway has: two tunnels, BGP on their inside addresses.
#
# Two network namespaces joined by two veth pairs carrying the inside /30s
# as plain addresses (no IPsec: each veth stands in for a tunnel's
# interface and is named like one, xfrmd1 and xfrmd2). Side A runs BIRD on
# a bird.conf of an administrator's (router id, a static and kernel
# protocol of its own on the main table, the include line); side B runs
# BIRD on a hand-written config announcing an accepted prefix, one outside
# accept, one longer than max_length and an IPv6 one (over the IPv4
# sessions: extended next hop), then more than max_prefixes.
#
#   phase 1 active-standby: both sessions Established with BFD; the accepted
#           routes in kernel table 100 with metric 100 and proto bird, next
#           hop the primary's peer; the refused ones nowhere; A's
#           announcements at B, the standby's prepended; A exports nothing
#           it learned; the announce blackholes never in the kernel; a
#           protocol 211 route and the administrator's kernel protocol's
#           route survive.
#   phase 2 max_prefixes: B sends more over tunnel 1: its session is shut
#           (restart action), the route moves to the standby's next hop.
#   phase 3 active-active: a multipath route over both tunnels, no prepend;
#           a session rendered disabled goes down on configure, and one
#           rendered as it runs is not restarted by configure.
#   phase 4 an administrator's kernel protocol on xfrmd's kernel table never
#           starts (BIRD syncs a kernel table through one kernel protocol),
#           and xfrmd's routes stay.
#
#   bird_conf.sh PATH/TO/bird_render
#
# Needs root and bird2. Fails (never skips) when bird cannot be started.
set -euo pipefail

RENDER=${1:?usage: bird_conf.sh PATH/TO/bird_render}
A=xfrmd-bca-$$
B=xfrmd-bcb-$$
TMP=$(mktemp -d /tmp/xfrmd-bird-conf.XXXXXX)
DEADLINE=${BIRD_CONF_DEADLINE:-60} # seconds per wait

fail() {
	echo "FAIL: $*" >&2
	for s in a b; do
		[[ -f $TMP/$s.log ]] && { echo "--- bird $s log (tail)" >&2; tail -n 30 "$TMP/$s.log" >&2; }
	done
	exit 1
}
cleanup() {
	for s in a b; do
		[[ -f $TMP/$s.pid ]] && kill "$(cat "$TMP/$s.pid")" 2>/dev/null || true
	done
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

[[ $(id -u) == 0 ]] || fail "needs root"
command -v bird >/dev/null || fail "bird2 is not installed (test/setup-deps.sh)"
[[ -x $RENDER ]] || fail "no bird_render at $RENDER"

ca() { birdc -s "$TMP/a.ctl" "$@"; }
cb() { birdc -s "$TMP/b.ctl" "$@"; }

# wait_for WHAT CMD...: polls CMD until it succeeds, up to DEADLINE seconds.
wait_for() {
	local what=$1 end=$((SECONDS + DEADLINE))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < end)) || fail "timed out waiting for $what"
		sleep 0.2
	done
}

# has REGEX CMD...: CMD's output has a line matching REGEX (read whole: no
# SIGPIPE under pipefail).
has() {
	local re=$1 out
	shift
	out=$("$@") && grep -Eq -- "$re" <<<"$out"
}

# configure_a WHAT: A reads its config again; fails unless BIRD took it.
configure_a() {
	local out
	out=$(ca configure) || true # birdc fails on an error reply
	grep -Eq "^Reconfigur(ed|ation in progress)" <<<"$out" || fail "configure ($1): $out"
}
established() { has "Established" ca show protocols "$1"; }
not_established() { ! has "Established" ca show protocols "$1"; }
# kernel_route FAMILY PREFIX REGEX: A's kernel table 100 route for PREFIX matches REGEX.
kernel_route() { has "$3" ip -n "$A" "-$1" route show table 100 "$2"; }

# ---- the namespaces and the two "tunnels"

ip netns add "$A"
ip netns add "$B"
ip -n "$A" link set lo up
ip -n "$B" link set lo up
for i in 1 2; do
	ip -n "$A" link add "xfrmd$i" type veth peer name "far$i" netns "$B"
	ip -n "$A" addr add "10.255.$i.2/30" dev "xfrmd$i"
	ip -n "$B" addr add "10.255.$i.1/30" dev "far$i"
	ip -n "$A" link set "xfrmd$i" up
	ip -n "$B" link set "far$i" up
done

# xfrmd's own routes (protocol 211) in the table BGP routes go to: one for a
# prefix BGP will bring at another metric, one at BGP's metric.
ip -n "$A" route add blackhole 10.100.1.0/24 table 100 proto 211 metric 200
ip -n "$A" route add blackhole 10.77.0.0/16 table 100 proto 211 metric 100

# ---- xfrmd's config and its render

# config REDUNDANCY: the gateway's config, a connection whose name has '.'
# and '-' in it.
config() {
	cat >"$TMP/xfrmd.json" <<JSON
{
  "gateway": { "name": "gw-a", "local_addresses": ["192.0.2.1"] },
  "connections": [
    {
      "name": "lab-gw.1",
      "mode": "route",
      "redundancy": "$1",
      "local_prefixes": ["10.1.0.0/16", "2001:db8:1::/48"],
      "remote_prefixes": ["10.100.0.0/16", "2001:db8:100::/48"],
      "routes": { "table": 100, "metric": 100 },
      "tunnels": [
        { "local": "192.0.2.1", "remote": "198.51.100.1", "psk": "lab-key-one-1234",
          "inside": { "local": "10.255.1.2/30", "peer": "10.255.1.1" } },
        { "local": "192.0.2.1", "remote": "198.51.100.2", "psk": "lab-key-two-1234",
          "inside": { "local": "10.255.2.2/30", "peer": "10.255.2.1" } }
      ],
      "bgp": {
        "local_asn": 65010,
        "peer_asn": 64512,
        "accept": [{ "prefix": "10.100.0.0/16", "max_length": 24 }, "2001:db8:100::/48"],
        "max_prefixes": { "limit": 5, "action": "restart" },
        "timers": { "hold": 30, "connect_retry": 1 },
        "bfd": { "interval_ms": 200, "multiplier": 5 }
      }
    }
  ]
}
JSON
	chmod 600 "$TMP/xfrmd.json"
}
render() { "$RENDER" "$TMP/xfrmd.json" "$@" >"$TMP/xfrmd.conf" || fail "render"; }
P1=xfrmd1_lab_gw_1
P2=xfrmd2_lab_gw_1

config active-standby
render
grep -q "^# written by xfrmd; do not edit" "$TMP/xfrmd.conf" || fail "no header"

# ---- A: an administrator's bird.conf with the include line

cat >"$TMP/a.conf" <<CONF
router id 10.255.1.2;
log "$TMP/a.log" all;
protocol device { scan time 1; }
protocol static admin_static { ipv4; route 10.9.0.0/16 blackhole; }
protocol kernel admin_kernel { ipv4 { export all; }; }
include "$TMP/xfrmd.conf";
CONF
bird -p -c "$TMP/a.conf" || fail "bird -p refuses the render"

# ---- B: the far side, hand-written

cat >"$TMP/b.conf" <<CONF
router id 10.255.1.1;
log "$TMP/b.log" all;
protocol device { scan time 1; }
protocol bfd {}
protocol static far_v4 {
	ipv4;
	route 10.100.1.0/24 blackhole;		# accepted
	route 10.150.0.0/16 blackhole;		# outside accept
	route 10.100.7.128/25 blackhole;	# longer than max_length 24
}
protocol static far_v6 { ipv6; route 2001:db8:100:1::/64 blackhole; }
protocol static far_more {
	disabled yes;
	ipv4;
	route 10.100.10.0/24 blackhole; route 10.100.11.0/24 blackhole;
	route 10.100.12.0/24 blackhole; route 10.100.13.0/24 blackhole;
}
filter to_t1 { if proto ~ "far_*" then accept; reject; }
filter to_t2 { if proto = "far_v4" || proto = "far_v6" then accept; reject; }
template bgp far {
	local as 64512;
	connect retry time 1;
	bfd on;
	ipv4 { import all; export filter to_t1; };
	ipv6 { extended next hop on; import all; export filter to_t1; };
}
protocol bgp far1 from far { local 10.255.1.1; neighbor 10.255.1.2 as 65010; }
protocol bgp far2 from far {
	local 10.255.2.1; neighbor 10.255.2.2 as 65010;
	ipv4 { import all; export filter to_t2; };
	ipv6 { extended next hop on; import all; export filter to_t2; };
}
CONF

ip netns exec "$A" bird -c "$TMP/a.conf" -s "$TMP/a.ctl" -P "$TMP/a.pid" || fail "bird A did not start"
ip netns exec "$B" bird -c "$TMP/b.conf" -s "$TMP/b.ctl" -P "$TMP/b.pid" || fail "bird B did not start"

# ---- phase 1: active-standby

wait_for "$P1 Established" established "$P1"
wait_for "$P2 Established" established "$P2"
echo "phase 1: both sessions Established"

# BFD at 200 ms, multiplier 5: a 1 s timeout.
bfd_up() { has "^$1 +xfrmd$2 +Up +[^ ]+ +0\\.200 +1\\.000" ca show bfd sessions; }
wait_for "BFD up to 10.255.1.1 (200 ms x 5)" bfd_up 10.255.1.1 1
wait_for "BFD up to 10.255.2.1 (200 ms x 5)" bfd_up 10.255.2.1 2

# Learned over the primary (local preference 200), into kernel table 100.
wait_for "10.100.1.0/24 via the primary" kernel_route 4 10.100.1.0/24 \
	"^10\\.100\\.1\\.0/24 via 10\\.255\\.1\\.1 dev xfrmd1 proto bird metric 100"
has "BGP.local_pref: 200" ca show route 10.100.1.0/24 all table xfrmd_ipv4_t100_m100 ||
	fail "the primary's route has no local preference 200"
# IPv6 over the IPv4 sessions: through the tunnel's interface, onlink.
wait_for "2001:db8:100:1::/64 through xfrmd1" kernel_route 6 2001:db8:100:1::/64 \
	"^2001:db8:100:1::/64 via fe80::1 dev xfrmd1 proto bird metric 100 onlink"

# Refused: outside accept, longer than max_length; kept as filtered.
for p in 10.150.0.0/16 10.100.7.128/25; do
	[[ -z $(ip -n "$A" route show table all "$p") ]] || fail "$p refused but in A's kernel"
done
filtered() { has "^$1" ca show route filtered table xfrmd_ipv4_t100_m100 protocol "$P1"; }
wait_for "10.150.0.0/16 kept as filtered" filtered 10.150.0.0/16
wait_for "10.100.7.128/25 kept as filtered" filtered 10.100.7.128/25
wait_for "$P1's IPv4 counts" has "Routes: +1 imported, 2 filtered, 1 exported" \
	ca show protocols all "$P1"

# A's announcements at B: the standby's prepended twice with 65010.
path_at_b() { has "BGP.as_path: $3\$" cb show route "$1" all protocol "$2"; }
wait_for "10.1.0.0/16 from far1" path_at_b 10.1.0.0/16 far1 "65010"
wait_for "10.1.0.0/16 from far2, prepended" path_at_b 10.1.0.0/16 far2 "65010 65010 65010"
wait_for "2001:db8:1::/48 from far1" path_at_b 2001:db8:1::/48 far1 "65010"
# Nothing learned goes back out (no transit): only the announce list.
for p in "$P1" "$P2"; do
	out=$(ca show route export "$p")
	grep -q "^10.1.0.0/16" <<<"$out" || fail "$p does not export 10.1.0.0/16"
	! grep -q "10\\.100\\." <<<"$out" || fail "$p exports a learned route: $out"
done
# The announce blackholes never reach a kernel table.
[[ -z $(ip -n "$A" route show table all 10.1.0.0/16) ]] || fail "10.1.0.0/16 in A's kernel"
[[ -z $(ip -n "$A" -6 route show table all 2001:db8:1::/48) ]] || fail "2001:db8:1::/48 in A's kernel"

# xfrmd's protocol 211 routes and the administrator's kernel protocol survive.
kernel_route 4 10.100.1.0/24 "^blackhole 10\\.100\\.1\\.0/24 proto 211 metric 200" ||
	fail "the protocol 211 route beside the BGP one is gone"
kernel_route 4 10.77.0.0/16 "^blackhole 10\\.77\\.0\\.0/16 proto 211 metric 100" ||
	fail "the protocol 211 route at BGP's metric is gone"
has "^blackhole 10\\.9\\.0\\.0/16 proto bird metric 32" ip -n "$A" route show table main 10.9.0.0/16 ||
	fail "the administrator's kernel protocol's route is gone"
[[ -z $(ip -n "$A" route show table main 10.100.1.0/24) ]] || fail "a BGP route in the main table"
has "admin_kernel +Kernel +master4 +up" ca show protocols admin_kernel ||
	fail "the administrator's kernel protocol is not up"
echo "phase 1: filters, preferences, prepend and kernel routes as rendered"

# ---- phase 2: more prefixes than max_prefixes over tunnel 1

cb enable far_more >/dev/null
wait_for "$P1 shut by its receive limit" not_established "$P1"
ca show protocols all "$P1" >"$TMP/p1"
grep -Eq "Last error: +Automatic shutdown: Route limit exceeded" "$TMP/p1" &&
	grep -Eq "Receive limit: +5 \\[HIT\\]" "$TMP/p1" ||
	fail "$P1 went down, but not for its limit: $(cat "$TMP/p1")"
grep -q "$P1: Route limit exceeded" "$TMP/a.log" || fail "no limit message in A's log"
wait_for "10.100.1.0/24 over the standby" kernel_route 4 10.100.1.0/24 \
	"^10\\.100\\.1\\.0/24 via 10\\.255\\.2\\.1 dev xfrmd2 proto bird metric 100"
[[ -z $(ip -n "$A" route show table 100 10.100.10.0/24) ]] || fail "a route past the limit installed"
established "$P2" || fail "$P2 dropped with $P1"
echo "phase 2: $P1 shut at its limit, routes over the standby"

# ---- phase 3: active-active

cb disable far_more >/dev/null
config active-active
render
configure_a "configure for active-active"
# Redundancy changes filters only: the kernel protocols keep their routes.
! grep -q "Restarting protocol xfrmd_kernel" "$TMP/a.log" ||
	fail "the switch to active-active restarted a kernel protocol"
# The limit's restart waits BIRD's error wait time (60 s); xfrmd's
# disable/enable (health) starts the session at once.
ca disable "$P1" >/dev/null
ca enable "$P1" >/dev/null
wait_for "$P1 Established again" established "$P1"
multipath() {
	local r
	r=$(ip -n "$A" route show table 100 10.100.1.0/24 proto bird)
	grep -q "nexthop via 10.255.1.1 dev xfrmd1" <<<"$r" && grep -q "nexthop via 10.255.2.1 dev xfrmd2" <<<"$r"
}
wait_for "10.100.1.0/24 multipath over both tunnels" multipath
multipath6() {
	local r
	r=$(ip -n "$A" -6 route show table 100 2001:db8:100:1::/64 proto bird)
	grep -q "nexthop via fe80::1 dev xfrmd1 weight 1 onlink" <<<"$r" &&
		grep -q "nexthop via fe80::1 dev xfrmd2 weight 1 onlink" <<<"$r"
}
wait_for "2001:db8:100:1::/64 multipath over both tunnels" multipath6
wait_for "10.1.0.0/16 from far2 without prepend" path_at_b 10.1.0.0/16 far2 "65010"
echo "phase 3: multipath over both tunnels, no prepend"

# A session rendered disabled goes down at configure, its routes with it.
render --off 2
configure_a "configure with tunnel 2 off"
wait_for "$P2 down" not_established "$P2"
has "^$P2 +BGP +--- +down" ca show protocols "$P2" || fail "$P2 not down"
wait_for "10.100.1.0/24 over tunnel 1 only" kernel_route 4 10.100.1.0/24 \
	"^10\\.100\\.1\\.0/24 via 10\\.255\\.1\\.1 dev xfrmd1 proto bird metric 100"
# Health back: xfrmd enables it on the socket, then renders it on; that
# configure leaves the running session be.
ca enable "$P2" >/dev/null
wait_for "$P2 Established again" established "$P2"
since=$(ca show protocols "$P2" | awk -v p="$P2" '$1 == p { print $5 }')
render
configure_a "configure with both on"
established "$P2" || fail "$P2 restarted by a configure that renders it as it runs"
[[ $(ca show protocols "$P2" | awk -v p="$P2" '$1 == p { print $5 }') == "$since" ]] ||
	fail "$P2 restarted by a configure that renders it as it runs"
echo "phase 3: disabled rendering, and a configure that leaves sessions be"

# ---- phase 4: an administrator's kernel protocol on xfrmd's kernel table

cat >>"$TMP/a.conf" <<CONF
ipv4 table admin100;
protocol kernel admin_t100 { kernel table 100; ipv4 { table admin100; export all; }; }
CONF
configure_a "configure with admin_t100"
has "admin_t100 +Kernel +admin100 +start" ca show protocols admin_t100 ||
	fail "admin_t100 runs beside xfrmd's kernel protocol: $(ca show protocols)"
grep -q "admin_t100: Kernel table 100 already registered by xfrmd_kernel_ipv4_t100_m100" \
	"$TMP/a.log" || fail "no 'already registered' message"
has " up " ca show protocols xfrmd_kernel_ipv4_t100_m100 || fail "xfrmd's kernel protocol stopped"
kernel_route 4 10.100.1.0/24 "proto bird metric 100" || fail "BGP routes gone with admin_t100"
echo "phase 4: a second kernel protocol on table 100 never starts"
echo "PASS"
