# shellcheck shell=bash
# netlink-links: nl_kernel.h's tunnel links where the kernel has VTI (UML has no XFRM interfaces:
# netlink-xfrmi covers those on qemu). In gwa, through nl_link_probe: a vti and a vti6 link come
# up with keys, endpoints, xfrmd's alias and disable_policy as iproute2 reads them; ensure is
# idempotent and repairs drift (down, policy checks back on); a link xfrmd did not create is
# refused and left alone; xfrmd's link with another id is replaced; delete, and delete again.
# shellcheck source=probe.sh
. "$LAB_SCENARIO_DIR/probe.sh"

# check_vti PREFIX NAME KIND ID LOCAL REMOTE
check_vti() {
  local p=$1 name=$2
  check_eq "$p-kind" "$3" "$(linkq "$name" "l['linkinfo']['info_kind']")"
  check_eq "$p-ikey" "$(dotted "$4")" "$(linkq "$name" "d.get('ikey')")"
  check_eq "$p-okey" "$(dotted "$4")" "$(linkq "$name" "d.get('okey')")"
  check_eq "$p-local" "$5" "$(linkq "$name" "d.get('local')")"
  check_eq "$p-remote" "$6" "$(linkq "$name" "d.get('remote')")"
  check_eq "$p-alias" xfrmd "$(linkq "$name" "l.get('ifalias')")"
  check_eq "$p-up" true "$(linkq "$name" "'UP' in l['flags']")"
  check_eq "$p-disable-policy-ipv4" 1 "$(disable_policy ipv4 "$name")"
  check_eq "$p-disable-policy-ipv6" 1 "$(disable_policy ipv6 "$name")"
}

require probe-built test -x "$PROBE"

require ensure-vti probe ensure vti xfrmd42 42 "$GWA_UL1" "$GWB_UL1"
idx=$(probe ensure vti xfrmd42 42 "$GWA_UL1" "$GWB_UL1")
check_vti vti xfrmd42 vti 42 "$GWA_UL1" "$GWB_UL1"
check_eq ensure-idempotent "$idx" "$(probe ensure vti xfrmd42 42 "$GWA_UL1" "$GWB_UL1")"

# Drift: someone takes the link down and turns policy checks back on.
on gwa ip link set xfrmd42 down
on gwa sysctl -qw net.ipv4.conf.xfrmd42.disable_policy=0
check_eq ensure-repairs-same-link "$idx" "$(probe ensure vti xfrmd42 42 "$GWA_UL1" "$GWB_UL1")"
check_eq ensure-repairs-up true "$(linkq xfrmd42 "'UP' in l['flags']")"
check_eq ensure-repairs-disable-policy 1 "$(disable_policy ipv4 xfrmd42)"

require ensure-vti6 probe ensure vti xfrmd43 43 "$GWA_UL1_6" "$GWB_UL1_6"
check_vti vti6 xfrmd43 vti6 43 "$GWA_UL1_6" "$GWB_UL1_6"
idx6=$(linkq xfrmd43 "l['ifindex']")

check_eq list-owned "xfrmd42 vti 42 $GWA_UL1 $GWB_UL1 up $idx
xfrmd43 vti 43 $GWA_UL1_6 $GWB_UL1_6 up $idx6" "$(probe list | sort)"

# A VTI the admin made, same name scheme, no alias: refused, untouched, not listed.
on gwa ip link add xfrmd44 type vti local "$GWA_UL2" remote "$GWB_UL2" key 44
foreign=$(linkq xfrmd44 "l['ifindex']")
refused foreign-ensure-refused "link xfrmd44 exists and is not xfrmd's" \
  ensure vti xfrmd44 44 "$GWA_UL2" "$GWB_UL2"
refused foreign-delete-refused "link xfrmd44 is not an xfrmd tunnel" delete xfrmd44
check_eq foreign-untouched "$foreign null" "$(linkq xfrmd44 "l['ifindex']") $(linkq xfrmd44 "l.get('ifalias')")"
check_eq foreign-not-listed 2 "$(probe list | wc -l)"

# xfrmd's own link wanted with another id: replaced by a new link.
new=$(probe ensure vti xfrmd42 45 "$GWA_UL1" "$GWB_UL1")
check new-id-new-link test "$new" != "$idx"
check_eq new-id-ikey "$(dotted 45)" "$(linkq xfrmd42 "d.get('ikey')")"

check delete probe delete xfrmd42
check delete-gone link_absent xfrmd42
check delete-again-ok probe delete xfrmd42
check delete-vti6 probe delete xfrmd43
check_eq list-empty "" "$(probe list)"
check foreign-still-there on gwa ip link show xfrmd44
