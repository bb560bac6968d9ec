# shellcheck shell=bash
# One underlay link per tunnel path (ul0: 192.0.2.1 <-> .101, ul1: .2 <-> .102).
topo_default split
