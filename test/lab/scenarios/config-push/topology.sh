# shellcheck shell=bash
# The standard two sites, plus a second pair of LANs for connection site-c
# (10.11.0.0/24 behind gwa, 10.12.0.0/24 behind gwb) and the LAN a live
# prefix addition brings in (10.22.0.0/24 behind gwb). Hosts carry the extra
# addresses themselves; pings choose their source with -I.
topo_default
topo_addr gwa lan0 10.11.0.1/24
topo_addr hosta lan0 10.11.0.10/24
topo_addr gwb lan0 10.12.0.1/24
topo_addr hostb lan0 10.12.0.10/24
topo_addr gwb lan0 10.22.0.1/24
topo_addr hostb lan0 10.22.0.10/24
