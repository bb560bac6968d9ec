# shellcheck shell=bash
# gateway-hosts-three: site A's gateway is three hosts, gwa (gw-1), gwa2 (gw-2) and gwa3 (gw-3),
# each on its own underlay link to gwb (site B's gateway, xfrmd) and on the LAN segment of the
# site's router rtr (a bridge in rtr: 10.1.255.0/24). Three connections, one per pair of site
# subnets (10.1.N.0/24 <-> 10.2.N.0/24), each with its two tunnels on two of the hosts:
#   c1: gw-1 (192.0.2.1 <-> .101) and gw-2 (.2 <-> .102)
#   c2: gw-2 (.12 <-> .112) and gw-3 (.3 <-> .103)
#   c3: gw-3 (.13 <-> .113) and gw-1 (.11 <-> .111)
#
#   hosta --lan0-- rtr ==br0== gwa  ==ul0== gwb --lan0-- hostb
#                         |=== gwa2 ==ul1==|
#                         \=== gwa3 ==ul2==/
# shellcheck disable=SC2034 # for run.sh
LAB_NAMESPACES=(gwa gwa2 gwa3 rtr hosta gwb hostb)
RTR_BR=10.1.255.1 NET_A=10.1.0.0/16 NET_B=10.2.0.0/16
declare -A TOPO_UL=([gwa]=ul0 [gwa2]=ul1 [gwa3]=ul2) TOPO_BR=([gwa]=10.1.255.2 [gwa2]=10.1.255.3 [gwa3]=10.1.255.4)
# Each host's addresses and gwb's on the same link (the first of each pair is the link's peer).
declare -A TOPO_A=([gwa]="192.0.2.1 192.0.2.11" [gwa2]="192.0.2.2 192.0.2.12" [gwa3]="192.0.2.3 192.0.2.13")
declare -A TOPO_B=([gwa]="192.0.2.101 192.0.2.111" [gwa2]="192.0.2.102 192.0.2.112" [gwa3]="192.0.2.103 192.0.2.113")

topo_ns "${LAB_NAMESPACES[@]}"
ip -n rtr link add br0 type bridge
ip -n rtr link set br0 up
topo_addr rtr br0 $RTR_BR/24
for h in gwa gwa2 gwa3; do
  ul=${TOPO_UL[$h]}
  read -r a1 a2 <<<"${TOPO_A[$h]}"
  read -r b1 b2 <<<"${TOPO_B[$h]}"
  topo_link "$h" "$ul" gwb "$ul"
  topo_addr "$h" "$ul" "$a1/32" peer "$b1/32"
  topo_addr "$h" "$ul" "$a2/32"
  topo_addr gwb "$ul" "$b1/32" peer "$a1/32"
  topo_addr gwb "$ul" "$b2/32"
  ip -n gwb route add "$a2/32" dev "$ul"
  ip -n "$h" route add default via "$b1"
  topo_link rtr "p$h" "$h" br0
  ip -n rtr link set "p$h" master br0
  topo_addr "$h" br0 "${TOPO_BR[$h]}/24"
  ip -n "$h" route add 10.1.0.0/16 via $RTR_BR
done
# Site A's hosts behind rtr, site B's behind gwb: an address in each subnet.
topo_link hosta lan0 rtr lan0
topo_link hostb lan0 gwb lan0
for n in 1 2 3; do
  topo_addr rtr lan0 "10.1.$n.1/24"
  topo_addr hosta lan0 "10.1.$n.10/24"
  topo_addr hosta lan0 "10.1.$n.11/24"
  topo_addr gwb lan0 "10.2.$n.1/24"
  topo_addr hostb lan0 "10.2.$n.10/24"
done
ip -n hosta route add default via 10.1.1.1
ip -n hostb route add default via 10.2.1.1
for ns in gwa gwa2 gwa3 rtr gwb; do
  on $ns sysctl -qw net.ipv4.ip_forward=1
done
