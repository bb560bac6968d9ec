# shellcheck shell=bash
# Both sites use 10.1.0.0/24: site B is readdressed into site A's prefix (hostb 10.1.0.20, gwb
# 10.1.0.1 on its LAN), so neither can reach the other without NAT.
topo_default single
ip -n gwb addr flush dev lan0
ip -n hostb addr flush dev lan0
topo_addr gwb lan0 10.1.0.1/24
topo_addr hostb lan0 10.1.0.20/24
ip -n hostb route add default via 10.1.0.1
# shellcheck disable=SC2034 # for run.sh
NET_B=10.1.0.0/24 HOSTB=10.1.0.20
# How each site sees the other (gwa's nat rules): site A appears to B as 100.64.1.0/24, site B
# to A as 100.64.2.0/24.
# shellcheck disable=SC2034
HOSTA_SEEN=100.64.1.10 HOSTB_SEEN=100.64.2.20
