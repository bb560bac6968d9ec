# shellcheck shell=bash
# One underlay link per tunnel path, so each path can be cut alone.
topo_default split
