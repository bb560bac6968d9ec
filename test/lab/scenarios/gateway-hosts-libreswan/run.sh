# shellcheck shell=bash
# gateway-hosts-libreswan (issue 19): gateway-hosts' gateway of two hosts (gwa: gw-1, gwa2:
# gw-2, each with charon, xfrmd and BIRD, one document) against a far end that sends nothing
# of its own: Libreswan 4.10 on gwb, route-based, a VTI per tunnel, answering through the VTI a
# request came in on; no BGP over the tunnels and no probes, so what each host announces to
# the LAN router rtr follows xfrmd's own view of its tunnel (IKE and CHILD_SA up).
#   1. Bring-up: each host runs its own tunnel, announces site B to rtr, rtr spreads 8 flows
#      over both hosts (ECMP).
#   2. GWH_KILLS times (default 2), alternately: one host killed outright under the flows (its
#      links down, charon, xfrmd and BIRD SIGKILLed, its tunnels gone as in a reboot): rtr
#      forgets it within BFD time, every flow goes on over the other host (interruption
#      measured), nothing in clear; the host boots again: its new tunnel replaces the one
#      Libreswan kept, rtr routes through it again, and no flow loses a packet meanwhile.
GWH_KILLS=${GWH_KILLS:-2}
FLOWS=(10 11 12 13 14 15 16 17) # hosta's addresses 10.1.0.N, one flow each
GWH_HOSTS=(gwa gwa2) GWH_UL=([gwa]=ul0 [gwa2]=ul1) GWH_UL_PEER=([gwa]=$GWB_UL1 [gwa2]=$GWB_UL2) GWH_LAN_NET=$HOSTA_NET
declare -A OTHER_BR=([gwa]=$GWA2_BR [gwa2]=$GWA_BR)

mkdir -p "$LAB_RUN/gwa" "$LAB_RUN/gwa2" "$LAB_RUN/gwb" "$LAB_RUN/rtr"
require start-charon start_charon gwa gwa2
sed "s|UPDOWN|$LAB_SCENARIO_DIR/../interop-libreswan-route/updown.sh|" "$LAB_SCENARIO_DIR/gwb.ipsec.conf" >"$LAB_RUN/gwb/ipsec.conf"
require start-pluto start_pluto gwb "$LAB_RUN/gwb/ipsec.conf" "$LAB_SCENARIO_DIR/gwb.secrets"
# gwb's answers through the VTI a request came in on, nothing for site A in clear.
pluto_vti_answers gwb
require start-bird-rtr start_bird rtr "$LAB_SCENARIO_DIR/../gateway-hosts/rtr.bird.conf"
gwh_start gwa gwa2
gwh_push gwa gwa2
capture_start gwa2 ul1 "$LAB_RUN/gwa2/ul1.pcap" >>"$LAB_RUN/captures.log"
capture_start gwa ul0 "$LAB_RUN/gwa/ul0.pcap" >>"$LAB_RUN/captures.log"

host_healthy() {
  xfrmctl_on "$1" status --json | python3 -c "import json,sys
c=json.load(sys.stdin)['connections'][0]; sys.exit(0 if any(t.get('healthy') for t in c['tunnels']) else 1)"
}
via_is() { [[ $(gwh_via "$1" "$2") == "$3" ]]; }
gwh_gone() { via_is rtr 10.2.0.0/24 "${OTHER_BR[$1]}"; }
gwh_ready() {
  host_healthy gwa && host_healthy gwa2 && via_is rtr 10.2.0.0/24 "$GWA_BR $GWA2_BR" &&
    bird_established gwa xfrmd_lanpeer1 && bird_established gwa2 xfrmd_lanpeer1
}

# 1. Bring-up.
check peer-t1-up wait_for 120 pluto_up gwb t1
check peer-t2-up wait_for 120 pluto_up gwb t2
check gwa-own-tunnel-healthy wait_for 60 host_healthy gwa
check gwa2-own-tunnel-healthy wait_for 60 host_healthy gwa2
check_eq gwa-runs-one-tunnel 1 "$(gwh_links gwa | wc -l)"
check_eq gwa2-runs-one-tunnel 1 "$(gwh_links gwa2 | wc -l)"
check rtr-ecmp-over-both-hosts wait_for 60 via_is rtr 10.2.0.0/24 "$GWA_BR $GWA2_BR"
for f in "${FLOWS[@]}"; do tflow_start hosta "$HOSTB" "f$f" 0.05 "10.1.0.$f" && GWH_FLOWS+=("f$f"); done
check flows-cross wait_for 60 gwh_flows_have 10
out_before_gwa=$(esp_out gwa "$GWA_UL1") out_before_gwa2=$(esp_out gwa2 "$GWA_UL2")
gwh_flows_mark
check flows-go-on wait_for 30 gwh_flows_have 20
check_gt spread-gwa-carries "$(esp_delta "$out_before_gwa" "$(esp_out gwa "$GWA_UL1")")" 20
check_gt spread-gwa2-carries "$(esp_delta "$out_before_gwa2" "$(esp_out gwa2 "$GWA_UL2")")" 20
{
  for ns in rtr gwb gwa gwa2; do echo "== $ns"; ip -n $ns route; done
  for ns in gwa gwa2; do echo "== xfrmctl status on $ns"; xfrmctl_on $ns status; done
  echo "== gwb: whack --trafficstatus"; pluto_on gwb whack --trafficstatus
} >"$LAB_OUT/show-bringup.txt" 2>&1

# 2. Host kills (lib/gwhosts.sh).
gwh_kills "$GWH_KILLS"
for f in "${GWH_FLOWS[@]}"; do flow_stop "$f"; done
capture_stop "$LAB_RUN/gwa2/ul1.pcap"
capture_stop "$LAB_RUN/gwa/ul0.pcap"
check_eq no-clear-text 0 "$(peer_clear_text "$LAB_RUN/gwa2/ul1.pcap" "$LAB_RUN/gwa/ul0.pcap")"
check_lt host-kill-interruption-max-under-1s "$(peer_max "${GWH_GAPS[@]}")" "$(peer_ms 1000)"
check_eq peer-never-initiated 0 "$(grep -c 'initiating' "$LAB_RUN/gwb/pluto.log" || true)"
echo "host killed under 8 flows of 20 pkt/s, $GWH_KILLS kills, Libreswan at the far end: interruption $(peer_stats "${GWH_GAPS[@]}") (LAB_SLOW ${LAB_SLOW:-1}); packets lost while hosts returned: $GWH_BACK_LOST" >>"$LAB_OUT/show-kills.txt"
for ns in gwa gwa2; do xfrmctl_on $ns status >"$LAB_OUT/show-status-$ns.txt" 2>&1 || true; done
