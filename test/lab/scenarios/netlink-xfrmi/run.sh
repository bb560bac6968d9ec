# shellcheck shell=bash
# netlink-xfrmi: nl_kernel.h's XFRM interfaces, on the qemu backend (./backend: UML has none).
# In gwa, through nl_link_probe: an XFRM interface comes up with its if_id, no underlying device,
# xfrmd's alias and no policy switch touched; ensure is idempotent; an XFRM interface xfrmd did
# not create is refused and left alone; xfrmd's link wanted as a VTI instead is replaced (kind
# change); delete, and delete again.
# shellcheck source=../netlink-links/probe.sh
. "$LAB_SCENARIO_DIR/../netlink-links/probe.sh"

require probe-built test -x "$PROBE"

require ensure-xfrm probe ensure xfrm xfrmd7 7
idx=$(probe ensure xfrm xfrmd7 7)
check_eq xfrm-kind xfrm "$(linkq xfrmd7 "l['linkinfo']['info_kind']")"
check_eq xfrm-if-id 7 "$(linkq xfrmd7 "int(d.get('if_id', '0'), 16)")"
check_eq xfrm-no-underlying-dev null "$(linkq xfrmd7 "d.get('link')")"
check_eq xfrm-alias xfrmd "$(linkq xfrmd7 "l.get('ifalias')")"
check_eq xfrm-up true "$(linkq xfrmd7 "'UP' in l['flags']")"
# XFRM interfaces match policies by if_id: policy checks stay on.
check_eq xfrm-policy-checks-on 0 "$(disable_policy ipv4 xfrmd7)"
check_eq ensure-idempotent "$idx" "$(probe ensure xfrm xfrmd7 7)"
check_eq list-owned "xfrmd7 xfrm 7 - - up $idx" "$(probe list)"

on gwa ip link add xfrmd8 type xfrm if_id 8
refused foreign-ensure-refused "link xfrmd8 exists and is not xfrmd's" ensure xfrm xfrmd8 8
refused foreign-delete-refused "link xfrmd8 is not an xfrmd tunnel" delete xfrmd8
check_eq foreign-untouched "8 null" "$(linkq xfrmd8 "int(d.get('if_id', '0'), 16)") $(linkq xfrmd8 "l.get('ifalias')")"

# Same name wanted as a VTI: xfrmd's XFRM interface gives way.
new=$(probe ensure vti xfrmd7 7 "$GWA_UL1" "$GWB_UL1")
check kind-change-new-link test "$new" != "$idx"
check_eq kind-change-kind vti "$(linkq xfrmd7 "l['linkinfo']['info_kind']")"

check delete probe delete xfrmd7
check delete-gone link_absent xfrmd7
check delete-again-ok probe delete xfrmd7
check_eq list-empty "" "$(probe list)"
check foreign-still-there on gwa ip link show xfrmd8
