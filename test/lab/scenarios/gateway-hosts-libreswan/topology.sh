# shellcheck shell=bash
# gateway-hosts-libreswan: gateway-hosts' network (see there), gwb running Libreswan.
# shellcheck source=../gateway-hosts/topology.sh
. "$LAB_SCENARIO_DIR/../gateway-hosts/topology.sh"
