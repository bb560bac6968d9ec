# shellcheck shell=bash
# failover-route-xfrmi: failover-route-vti with XFRM interfaces (Debian's
# generic kernel under qemu; user-mode Linux has none). Same checks.
# shellcheck source=../failover-route-vti/run.sh
source "$LAB_DIR/scenarios/failover-route-vti/run.sh"
