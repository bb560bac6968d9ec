# shellcheck shell=bash
# gateway-hosts: site A's gateway is two hosts, gwa (gw-1, 192.0.2.1) and gwa2 (gw-2,
# 192.0.2.2), each on its own underlay link to gwb (the far site's gateway) and both on the
# LAN segment of the site's router rtr (a bridge in rtr: 10.1.255.0/24). Site A's hosts sit
# behind rtr (10.1.0.0/24); site B's behind gwb.
#
#   hosta --lan0-- rtr ==br0== gwa  ==ul0== gwb --lan0-- hostb
#                         \=== gwa2 ==ul1==/
# shellcheck disable=SC2034 # for run.sh
LAB_NAMESPACES=(gwa gwa2 rtr hosta gwb hostb)
NET_A=10.1.0.0/16 HOSTA_NET=10.1.0.0/24 RTR_LAN=10.1.0.1
RTR_BR=10.1.255.1 GWA_BR=10.1.255.2 GWA2_BR=10.1.255.3

topo_ns "${LAB_NAMESPACES[@]}"
# Underlay: one link per host, point to point.
topo_link gwa ul0 gwb ul0
topo_link gwa2 ul1 gwb ul1
topo_addr gwa ul0 $GWA_UL1/32 peer $GWB_UL1/32; topo_addr gwb ul0 $GWB_UL1/32 peer $GWA_UL1/32
topo_addr gwa2 ul1 $GWA_UL2/32 peer $GWB_UL2/32; topo_addr gwb ul1 $GWB_UL2/32 peer $GWA_UL2/32
ip -n gwa route add default via $GWB_UL1
ip -n gwa2 route add default via $GWB_UL2
ip -n gwb route add default via $GWA_UL1

# The LAN segment: rtr's bridge, one port per gateway host.
ip -n rtr link add br0 type bridge
ip -n rtr link set br0 up
topo_addr rtr br0 $RTR_BR/24
for h in gwa gwa2; do
  topo_link rtr "p$h" "$h" br0
  ip -n rtr link set "p$h" master br0
done
topo_addr gwa br0 $GWA_BR/24
topo_addr gwa2 br0 $GWA2_BR/24
# Site A's hosts behind rtr; the gateway hosts reach them through rtr.
topo_link hosta lan0 rtr lan0
topo_addr rtr lan0 $RTR_LAN/24
for i in $(seq 10 17); do topo_addr hosta lan0 10.1.0.$i/24; done
ip -n hosta route add default via $RTR_LAN
ip -n gwa route add $HOSTA_NET via $RTR_BR
ip -n gwa2 route add $HOSTA_NET via $RTR_BR
# Site B.
topo_link hostb lan0 gwb lan0
topo_addr hostb lan0 $HOSTB/24; topo_addr gwb lan0 $GWB_LAN/24
ip -n hostb route add default via $GWB_LAN
for ns in gwa gwa2 rtr gwb; do
  on $ns sysctl -qw net.ipv4.ip_forward=1
done
