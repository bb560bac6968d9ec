# shellcheck shell=bash
# Links only: one namespace, no traffic.
topo_ns gwa
