#!/bin/bash
# The underlay invariant, as a property: after any accepted apply, no route
# or XFRM policy of xfrmd captures a tunnel's IKE (UDP 500/4500) or ESP
# between its local and remote address. underlay_property.py generates
# seeded configs (IPv4/IPv6, policy/route mode, fail-closed on and off,
# prefixes near, over and equal to endpoints and gateway addresses); each
# is validated, and each accepted one applied to one running xfrmd with a
# real charon, in a throwaway network namespace whose underlay is a veth
# pair carrying every gateway address and a default route per family.
# No tunnel can come up here, so published routes are fail-closed
# blackholes (or underlay routes for on-traffic start) and block policies
# exist: exactly what must keep away from IKE and ESP.
#
#   xfrmd_underlay.sh XFRMD XFRMCTL [COUNT [SEED]]
set -euo pipefail
XFRMD=${1:?usage: xfrmd_underlay.sh XFRMD XFRMCTL [COUNT [SEED]]}
XFRMCTL=${2:?usage: xfrmd_underlay.sh XFRMD XFRMCTL [COUNT [SEED]]}
COUNT=${3:-1000}
SEED=${4:-16}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=charon-fixture.sh
. "$HERE/charon-fixture.sh"
# fail, step, TMP, NS, cleanup, ns, xfrmd_start, wait_for...
# shellcheck source=xfrmd-fixture.sh
. "$HERE/xfrmd-fixture.sh"

charon_prereqs
xfrmd_prereqs python3 # the generator and the checks
fixture_setup underlay

netns_add "$NS"
# The underlay: every address the generator may use as a tunnel's local
# address or gateway address, and a default route per family. Tables 100
# and 200 (routes.table, gateway.route_table) are looked up before main,
# as an operator using them would arrange.
ns ip link add ul0 type veth peer name ul1 || fail "cannot create a veth pair"
ns ip link set ul0 up
ns ip link set ul1 up
for i in 1 2 3 4 5 6; do
	ns ip addr add "192.0.2.$i/32" dev ul0
	ns ip -6 addr add "2001:db8:0:1::$i/128" dev ul0 nodad
done
ns ip route add default dev ul0
ns ip -6 route add default dev ul0
for fam in -4 -6; do
	ns ip "$fam" rule add pref 1000 lookup 100
	ns ip "$fam" rule add pref 1001 lookup 200
done
# Route mode needs XFRM interfaces; a kernel without them (the host's often)
# gets route-mode connections applied as policy mode, which publishes the
# same routes to the same prefixes (and adds policies).
LINKS=no
if ns ip link add xfrmd-probe type xfrm dev lo if_id 77 2>/dev/null; then
	ns ip link del xfrmd-probe
	LINKS=yes
fi

charon_start "$NS" "$TMP"
xfrmd_start -v "$CHARON_URI"
wait_for 10 "xfrmd to connect to charon" xfrmd_connected

ns python3 "$HERE/underlay_property.py" --xfrmctl "$XFRMCTL" --socket "$CTL_SOCK" \
	--dir "$TMP/configs" --count "$COUNT" --seed "$SEED" --xfrm-links "$LINKS" ||
	fail "underlay property (seed $SEED)"
kill -0 "$XFRMD_PID" 2>/dev/null || fail "xfrmd died"
echo "PASS: underlay invariant over $COUNT generated configs (seed $SEED)"
