# shellcheck shell=bash
# failover-route-xfrmi: failover-route-vti with XFRM interfaces (Debian's
# generic kernel under qemu; user-mode Linux has none). Same checks.
# Both ends run xfrmd and the paths stay cut for long: probe.restart_after is 0
# here (the stale-tunnel restart is shown against peers that are not xfrmd,
# peer-swanctl-*), so that what this scenario asserts does not race two
# gateways renegotiating at once.
# shellcheck source=../failover-route-vti/run.sh
source "$LAB_DIR/scenarios/failover-route-vti/run.sh"
