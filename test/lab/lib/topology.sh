# shellcheck shell=bash
# Two-site topology in network namespaces (see README.md for the picture):
#
#   hosta --lan0-- gwa ==ul0 (underlay)== gwb --lan0-- hostb
#
# Primitives, for a scenario's own topology.sh:
#   on NS CMD...                       run CMD in namespace NS
#   topo_ns NS...                      create namespaces (lo up, no IPv6 DAD)
#   topo_link NS1 IF1 NS2 IF2          veth pair NS1:IF1 <-> NS2:IF2, both up
#   topo_addr NS IF ADDR [ARGS...]     ip addr add ADDR dev IF ARGS (e.g. peer X/32)
#   topo_link_down NS IF / topo_link_up NS IF
#   topo_default [single|split]        the standard topology below
# Captures:
#   capture_start NS IF PCAP [DIR]     tcpdump on NS:IF into PCAP, in the background; DIR is
#                                      out (default), in or inout. Egress is what went on the
#                                      wire: a tunnel-mode packet received on IF is seen there
#                                      twice, as ESP and again decrypted, so "in" shows clear
#                                      text that never crossed the wire.
#   capture_stop PCAP                  stop it (packets seen so far are in PCAP)
#   capture_count PCAP FILTER          number of packets in PCAP matching the tcpdump FILTER
# shellcheck disable=SC2034 # the address variables are for scenarios

# Public (underlay) addresses: two per gateway, one per tunnel path.
GWA_UL1=192.0.2.1 GWA_UL2=192.0.2.2 GWB_UL1=192.0.2.101 GWB_UL2=192.0.2.102
GWA_UL1_6=2001:db8:f::1 GWA_UL2_6=2001:db8:f::2 GWB_UL1_6=2001:db8:f::101 GWB_UL2_6=2001:db8:f::102
# LANs behind the gateways.
NET_A=10.1.0.0/24 GWA_LAN=10.1.0.1 HOSTA=10.1.0.10
NET_B=10.2.0.0/24 GWB_LAN=10.2.0.1 HOSTB=10.2.0.10
NET_A6=2001:db8:a::/64 GWA_LAN6=2001:db8:a::1 HOSTA6=2001:db8:a::10
NET_B6=2001:db8:b::/64 GWB_LAN6=2001:db8:b::1 HOSTB6=2001:db8:b::10
LAB_NAMESPACES=(gwa hosta gwb hostb)

on() { ip netns exec "$@"; }

topo_ns() {
  local ns
  for ns; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    on "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  done
}

topo_link() {
  ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
  ip -n "$1" link set "$2" up
  ip -n "$3" link set "$4" up
}

topo_addr() {
  local ns=$1 dev=$2 addr=$3
  shift 3
  if [[ $addr == *:* ]]; then set -- "$@" nodad; fi
  ip -n "$ns" addr add "$addr" dev "$dev" "$@"
}

capture_start() {
  ip netns exec "$1" tcpdump -i "$2" -Q "${4:-out}" -n --immediate-mode -U -Z root -w "$3" \
    2>"$3.log" &
  echo $! >"$3.pid"
  wait_for 5 grep -q "listening on" "$3.log" || { echo "tcpdump on $1:$2 did not start:"; cat "$3.log"; return 1; }
}

capture_stop() {
  local pid
  pid=$(cat "$1.pid")
  sleep 0.3 # let the last packets reach the file (--immediate-mode -U writes each one at once)
  kill -TERM "$pid"
  wait "$pid" || true
  rm -f "$1.pid"
}

capture_count() { tcpdump -r "$1" -n "$2" 2>/dev/null | wc -l; }

topo_link_down() { ip -n "$1" link set "$2" down; }
topo_link_up() { ip -n "$1" link set "$2" up; }

# single (default): one underlay veth ul0 carrying all four public addresses in 192.0.2.0/24 and
#   2001:db8:f::/64.
# split: one veth per tunnel path, so a path can be cut with topo_link_down: ul0 joins GWA_UL1 and
#   GWB_UL1, ul1 joins GWA_UL2 and GWB_UL2, addressed point-to-point (/32 and /128 with peer) so
#   each path's traffic can only use its own link.
# Gateways forward and have a default route to the peer gateway (their "internet"), so
# policy-based tunnels need no extra routes and, with no tunnel, traffic would leak in clear:
# scenarios catch that with an underlay capture. Hosts default-route via their gateway.
topo_default() {
  local mode=${1:-single}
  topo_ns "${LAB_NAMESPACES[@]}"
  if [[ $mode == single ]]; then
    topo_link gwa ul0 gwb ul0
    topo_addr gwa ul0 $GWA_UL1/24; topo_addr gwa ul0 $GWA_UL2/24
    topo_addr gwb ul0 $GWB_UL1/24; topo_addr gwb ul0 $GWB_UL2/24
    topo_addr gwa ul0 $GWA_UL1_6/64; topo_addr gwa ul0 $GWA_UL2_6/64
    topo_addr gwb ul0 $GWB_UL1_6/64; topo_addr gwb ul0 $GWB_UL2_6/64
  else
    topo_link gwa ul0 gwb ul0
    topo_link gwa ul1 gwb ul1
    topo_addr gwa ul0 $GWA_UL1/32 peer $GWB_UL1/32; topo_addr gwb ul0 $GWB_UL1/32 peer $GWA_UL1/32
    topo_addr gwa ul1 $GWA_UL2/32 peer $GWB_UL2/32; topo_addr gwb ul1 $GWB_UL2/32 peer $GWA_UL2/32
    topo_addr gwa ul0 $GWA_UL1_6/128 peer $GWB_UL1_6/128; topo_addr gwb ul0 $GWB_UL1_6/128 peer $GWA_UL1_6/128
    topo_addr gwa ul1 $GWA_UL2_6/128 peer $GWB_UL2_6/128; topo_addr gwb ul1 $GWB_UL2_6/128 peer $GWA_UL2_6/128
  fi
  ip -n gwa route add default via $GWB_UL1
  ip -n gwb route add default via $GWA_UL1
  ip -n gwa -6 route add default via $GWB_UL1_6
  ip -n gwb -6 route add default via $GWA_UL1_6

  topo_link hosta lan0 gwa lan0
  topo_addr hosta lan0 $HOSTA/24; topo_addr gwa lan0 $GWA_LAN/24
  topo_addr hosta lan0 $HOSTA6/64; topo_addr gwa lan0 $GWA_LAN6/64
  topo_link hostb lan0 gwb lan0
  topo_addr hostb lan0 $HOSTB/24; topo_addr gwb lan0 $GWB_LAN/24
  topo_addr hostb lan0 $HOSTB6/64; topo_addr gwb lan0 $GWB_LAN6/64
  ip -n hosta route add default via $GWA_LAN
  ip -n hostb route add default via $GWB_LAN
  ip -n hosta -6 route add default via $GWA_LAN6
  ip -n hostb -6 route add default via $GWB_LAN6

  local gw
  for gw in gwa gwb; do
    on $gw sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  done
}
