# shellcheck shell=bash
# baseline-xfrmi: plain strongSwan, no xfrmd, route-based. Each gateway has an XFRM interface
# xfrmi1 (if_id 7) and a route for the remote LAN through it; the IKEv2 PSK tunnel gwa
# (192.0.2.1) <-> gwb (192.0.2.101) negotiates 0.0.0.0/0 <-> 0.0.0.0/0 with if_id_in/out 7
# (gwa.swanctl.conf, gwb.swanctl.conf), so its policies and SAs apply only to what is routed into
# xfrmi1. Initiated from gwa. Needs XFRM interfaces, so it runs on the qemu backend (./backend).
# LAB_BREAK=psk gives gwb a wrong PSK: the IKE, ESP and capture checks must then fail.

# Packets xfrmi1 in namespace GW sent (tx) or received (rx).
xfrmi_packets() { on "$1" cat "/sys/class/net/xfrmi1/statistics/$2_packets"; }

# Every SA and every policy of GW (in, out, fwd: not charon's per-socket bypass policies) carries
# if_id 7, which ip prints as "if_id 0x7".
all_if_id_7() {
  local dir out n m
  for dir in "" in out fwd; do
    if [[ -z $dir ]]; then out=$(on "$1" ip xfrm state); else out=$(on "$1" ip xfrm policy list dir "$dir"); fi
    n=$(grep -c '^src' <<<"$out") m=$(grep -c 'if_id 0x7' <<<"$out")
    ((n > 0 && n == m)) && continue
    printf '%s\n' "${dir:+policy dir }${dir:-state}: $n entries, $m with if_id 0x7" "$out"
    return 1
  done
}

# The interface needs no underlying device ("dev"): the tunnel's addresses come from the SAs. The
# route for the remote LAN is what puts traffic into the tunnel (charon installs no routes here).
declare -A remote_net=([gwa]=$NET_B [gwb]=$NET_A)
for gw in gwa gwb; do
  require xfrmi-add-$gw on $gw ip link add xfrmi1 type xfrm if_id 7
  on $gw ip link set xfrmi1 up
  on $gw ip route add "${remote_net[$gw]}" dev xfrmi1
done

start_charon gwa gwb
for gw in gwa gwb; do
  cp "$LAB_SCENARIO_DIR/$gw.swanctl.conf" "$LAB_RUN/$gw/swanctl.conf"
done
if lab_broken psk; then
  sed -i 's/^\( *secret = \).*/\1"deliberately-wrong-psk"/' "$LAB_RUN/gwb/swanctl.conf"
fi

require load-conf-gwa swanctl_on gwa --load-all --file "$LAB_RUN/gwa/swanctl.conf"
require load-conf-gwb swanctl_on gwb --load-all --file "$LAB_RUN/gwb/swanctl.conf"
# qemu TCG emulates the CPU: IKE key exchange alone has taken over 10 s here.
check initiate swanctl_on gwa --initiate --child net --timeout 30
# --initiate returns once gwa has the CHILD_SA; the responder installs it before answering.
check ike-established-gwa sa_has gwa "^site: .*ESTABLISHED, IKEv2"
check ike-established-gwb wait_for 2 sa_has gwb "^site: .*ESTABLISHED, IKEv2"
check child-installed-gwa sa_has gwa "^ +net: .*INSTALLED, TUNNEL"
check child-installed-gwb wait_for 2 sa_has gwb "^ +net: .*INSTALLED, TUNNEL"
check if-id-gwa all_if_id_7 gwa
check if-id-gwb all_if_id_7 gwb

out0=$(sa_bytes gwa "$GWA_UL1" "$GWB_UL1") in0=$(sa_bytes gwa "$GWB_UL1" "$GWA_UL1")
tx0=$(xfrmi_packets gwa tx) rx0=$(xfrmi_packets gwa rx)
# What goes on the wire: egress of ul0 on both gateways.
capture_start gwa ul0 "$LAB_RUN/gwa/ul0-out.pcap"
capture_start gwb ul0 "$LAB_RUN/gwb/ul0-out.pcap"

check ping-hosta-to-hostb on hosta ping -n -q -c 3 -i 0.2 -W 2 "$HOSTB"
check ping-hostb-to-hosta on hostb ping -n -q -c 3 -i 0.2 -W 2 "$HOSTA"

capture_stop "$LAB_RUN/gwa/ul0-out.pcap"
capture_stop "$LAB_RUN/gwb/ul0-out.pcap"
check_gt esp-bytes-out-gwa $(($(sa_bytes gwa "$GWA_UL1" "$GWB_UL1") - out0)) 0
check_gt esp-bytes-in-gwa $(($(sa_bytes gwa "$GWB_UL1" "$GWA_UL1") - in0)) 0
# The traffic went through the interface: 6 packets each way (3 requests, 3 replies per ping).
check_gt xfrmi-tx-gwa $(($(xfrmi_packets gwa tx) - tx0)) 5
check_gt xfrmi-rx-gwa $(($(xfrmi_packets gwa rx) - rx0)) 5
# 6 echo requests and 6 replies cross ul0 each way, all inside ESP; none may show up in clear.
lan_icmp="icmp and net $NET_A and net $NET_B"
for gw in gwa gwb; do
  check_gt underlay-esp-from-$gw "$(capture_count "$LAB_RUN/$gw/ul0-out.pcap" esp)" 5
  check_eq underlay-no-clear-icmp-from-$gw 0 "$(capture_count "$LAB_RUN/$gw/ul0-out.pcap" "$lan_icmp")"
done
