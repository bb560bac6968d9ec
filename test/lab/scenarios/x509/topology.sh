# shellcheck shell=bash
# The standard two sites, plus gwc: a plain strongSwan peer (charon and swanctl only) behind
# gwb on a link of its own (gwb ul2 198.51.100.1 -- gwc ul0 198.51.100.3), which presents the
# certificates gwb must refuse (another CA's, an expired one) and, as the control, a good one.
topo_default
LAB_NAMESPACES+=(gwc)
topo_ns gwc
topo_link gwb ul2 gwc ul0
topo_addr gwb ul2 198.51.100.1/24
topo_addr gwc ul0 198.51.100.3/24
