# shellcheck shell=bash
# baseline-swanctl: plain strongSwan, no xfrmd. Policy-based IKEv2 PSK tunnel gwa (192.0.2.1) <->
# gwb (192.0.2.101) for 10.1.0.0/24 <-> 10.2.0.0/24, configured from gwa.swanctl.conf and
# gwb.swanctl.conf, initiated from gwa. Proves the lab plumbing; the template for xfrmd scenarios.
# LAB_BREAK=psk gives gwb a wrong PSK: the IKE, ESP and capture checks must then fail.

start_charon gwa gwb
for gw in gwa gwb; do
  cp "$LAB_SCENARIO_DIR/$gw.swanctl.conf" "$LAB_RUN/$gw/swanctl.conf"
done
if lab_broken psk; then
  sed -i 's/^\( *secret = \).*/\1"deliberately-wrong-psk"/' "$LAB_RUN/gwb/swanctl.conf"
fi

require load-conf-gwa swanctl_on gwa --load-all --file "$LAB_RUN/gwa/swanctl.conf"
require load-conf-gwb swanctl_on gwb --load-all --file "$LAB_RUN/gwb/swanctl.conf"
check initiate swanctl_on gwa --initiate --child net --timeout 10
# --initiate returns once gwa has the CHILD_SA; the responder installs it before answering.
check ike-established-gwa sa_has gwa "^site: .*ESTABLISHED, IKEv2"
check ike-established-gwb wait_for 2 sa_has gwb "^site: .*ESTABLISHED, IKEv2"
check child-installed-gwa sa_has gwa "^ +net: .*INSTALLED, TUNNEL"
check child-installed-gwb wait_for 2 sa_has gwb "^ +net: .*INSTALLED, TUNNEL"

out0=$(sa_bytes gwa "$GWA_UL1" "$GWB_UL1") in0=$(sa_bytes gwa "$GWB_UL1" "$GWA_UL1")
# What goes on the wire: egress of ul0 on both gateways.
capture_start gwa ul0 "$LAB_RUN/gwa/ul0-out.pcap"
capture_start gwb ul0 "$LAB_RUN/gwb/ul0-out.pcap"

check ping-hosta-to-hostb on hosta ping -n -q -c 3 -i 0.2 -W 2 "$HOSTB"
check ping-hostb-to-hosta on hostb ping -n -q -c 3 -i 0.2 -W 2 "$HOSTA"

capture_stop "$LAB_RUN/gwa/ul0-out.pcap"
capture_stop "$LAB_RUN/gwb/ul0-out.pcap"
check_gt esp-bytes-out-gwa $(($(sa_bytes gwa "$GWA_UL1" "$GWB_UL1") - out0)) 0
check_gt esp-bytes-in-gwa $(($(sa_bytes gwa "$GWB_UL1" "$GWA_UL1") - in0)) 0
# 6 echo requests and 6 replies cross ul0 each way, all inside ESP; none may show up in clear.
lan_icmp="icmp and net $NET_A and net $NET_B"
for gw in gwa gwb; do
  check_gt underlay-esp-from-$gw "$(capture_count "$LAB_RUN/$gw/ul0-out.pcap" esp)" 5
  check_eq underlay-no-clear-icmp-from-$gw 0 "$(capture_count "$LAB_RUN/$gw/ul0-out.pcap" "$lan_icmp")"
done
