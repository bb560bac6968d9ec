# shellcheck shell=bash
# gateway-scale: gwa is host gw-1 of a two-host gateway (gw-2 is named in the document but not
# booted: its tunnels are not run), on the LAN segment of the site's router rtr (a bridge in rtr,
# 10.1.255.0/24); site A's sender hosta sits behind rtr. The far end gwb answers every
# connection's tunnel 1 on an address of its own (198.18.x.y, on ul0); the receiver hostb sits
# behind it and takes every address of 172.16.0.0/12 as its own (the remote prefixes).
#
#   hosta --lan0-- rtr ==br0== gwa ==ul0== gwb --lan0-- hostb
# shellcheck disable=SC2034 # for run.sh
LAB_NAMESPACES=(gwa rtr hosta gwb hostb)
NET_A=10.1.0.0/16 HOSTA_NET=10.1.0.0/24 RTR_LAN=10.1.0.1 HOSTA=10.1.0.10
RTR_BR=10.1.255.1 GWA_BR=10.1.255.2
NET_B=172.16.0.0/12

topo_ns "${LAB_NAMESPACES[@]}"
topo_link gwa ul0 gwb ul0
topo_addr gwa ul0 $GWA_UL1/32 peer $GWB_UL1/32
topo_addr gwb ul0 $GWB_UL1/32 peer $GWA_UL1/32
ip -n gwa route add default via $GWB_UL1
ip -n gwb route add default via $GWA_UL1

ip -n rtr link add br0 type bridge
ip -n rtr link set br0 up
topo_addr rtr br0 $RTR_BR/24
topo_link rtr pgwa gwa br0
ip -n rtr link set pgwa master br0
topo_addr gwa br0 $GWA_BR/24
topo_link hosta lan0 rtr lan0
topo_addr rtr lan0 $RTR_LAN/24
topo_addr hosta lan0 $HOSTA/24
ip -n hosta route add default via $RTR_LAN
ip -n gwa route add $HOSTA_NET via $RTR_BR

topo_link hostb lan0 gwb lan0
topo_addr hostb lan0 10.2.0.10/24
topo_addr gwb lan0 10.2.0.1/24
ip -n gwb route add $NET_B via 10.2.0.10
ip -n hostb route add default via 10.2.0.1
ip -n hostb route add local $NET_B dev lo
for ns in gwa rtr gwb; do
  on $ns sysctl -qw net.ipv4.ip_forward=1
done
