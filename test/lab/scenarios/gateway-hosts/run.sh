# shellcheck shell=bash
# gateway-hosts (issue 19): one gateway on two hosts. Site A's gateway is gwa (gw-1) and gwa2
# (gw-2), each with charon, xfrmd and BIRD, given the same config document: each runs the
# tunnel whose local address it has (Azure's active-active layout: tunnel 1 on one host,
# tunnel 2 on the other). Each announces site B's prefix to the LAN router rtr (BIRD, BFD) while
# its tunnel is healthy; rtr spreads flows over both (ECMP). The far side gwb is plain
# strongSwan with a hand-written BIRD (BGP and BFD over each tunnel's inside addresses).
#   1. Bring-up: each host runs only its own tunnel, BGP over both tunnels, rtr's route to
#      site B is multipath over both hosts, gwb's to site A over both tunnels; flows from 8
#      addresses of hosta cross, spread over both hosts.
#   2. GWH_KILLS times (default 10), alternately: one host killed outright under the flows (its
#      links down, charon, xfrmd and BIRD SIGKILLed, its kernel's tunnels gone as in a reboot):
#      the LAN and gwb forget it within BFD time, every flow goes on over the other host
#      (interruption measured: the longest gap over all flows), nothing in clear; the host
#      boots again (xfrmd restores the applied config from its state directory): rtr routes
#      through it again and no flow loses a packet while it comes back.
GWH_KILLS=${GWH_KILLS:-10}
FLOWS=(10 11 12 13 14 15 16 17) # hosta's addresses 10.1.0.N, one flow each

GWH_HOSTS=(gwa gwa2) GWH_UL=([gwa]=ul0 [gwa2]=ul1) GWH_UL_PEER=([gwa]=$GWB_UL1 [gwa2]=$GWB_UL2) GWH_LAN_NET=$HOSTA_NET

mkdir -p "$LAB_RUN/gwa" "$LAB_RUN/gwa2" "$LAB_RUN/gwb" "$LAB_RUN/rtr"
for s in gwa gwa2 gwb; do printf 'filelog {\n  lab {\n    time_add_ms = yes\n  }\n}\n' \
  >"$LAB_RUN/$s/strongswan.extra.conf"; done
echo "retransmit_base = 1" >>"$LAB_RUN/gwb/strongswan.extra.conf"
require start-charon start_charon gwa gwa2 gwb
require load-peer swanctl_on gwb --load-all --file "$LAB_SCENARIO_DIR/../bgp-active-active/gwb.swanctl.conf"
peer_gwb_vtis 169.254.21.1/30 169.254.22.1/30
require start-bird-gwb start_bird gwb "$LAB_SCENARIO_DIR/gwb.bird.conf"
require start-bird-rtr start_bird rtr "$LAB_SCENARIO_DIR/rtr.bird.conf"
gwh_start gwa gwa2
gwh_push gwa gwa2 # one document, pushed to both hosts
capture_start gwa2 ul1 "$LAB_RUN/gwa2/ul1.pcap" >>"$LAB_RUN/captures.log"
capture_start gwa ul0 "$LAB_RUN/gwa/ul0.pcap" >>"$LAB_RUN/captures.log"

via_is() { [[ $(gwh_via "$1" "$2") == "$3" ]]; }
devs_is() { [[ $(gwh_devs "$1" "$2") == "$3" ]]; }
tunnels_of() { # the tunnel numbers of NS's status, and whether each is healthy
  xfrmctl_on "$1" status --json | python3 -c "import json,sys
c=json.load(sys.stdin)['connections'][0]; print(' '.join('%s:%s' % (t.get('number', t.get('index')), t.get('healthy')) for t in c['tunnels']))"
}
host_healthy() { [[ $(tunnels_of "$1") == *True* ]]; }
both_routes() { via_is rtr 10.2.0.0/24 "$GWA_BR $GWA2_BR" && devs_is gwb "$NET_A" "vti1 vti2"; }
ready() { both_routes && bird_established gwa xfrmd1_peer && bird_established gwa2 xfrmd1_peer; }

check gwa-own-tunnel-healthy wait_for 90 host_healthy gwa
check gwa2-own-tunnel-healthy wait_for 90 host_healthy gwa2
check_eq gwa-runs-one-tunnel xfrmd1 "$(gwh_links gwa | xargs)"
check_eq gwa2-runs-one-tunnel xfrmd1 "$(gwh_links gwa2 | xargs)"
check gwa-bgp-over-tunnel1 wait_for 60 bird_established gwa xfrmd1_peer
check gwa2-bgp-over-tunnel2 wait_for 60 bird_established gwa2 xfrmd1_peer
check gwa-lan-session wait_for 60 bird_established gwa xfrmd_lanpeer1
check gwa2-lan-session wait_for 60 bird_established gwa2 xfrmd_lanpeer1
check rtr-ecmp-over-both-hosts wait_for 60 via_is rtr 10.2.0.0/24 "$GWA_BR $GWA2_BR"
check gwb-ecmp-over-both-tunnels wait_for 60 devs_is gwb "$NET_A" "vti1 vti2"
{
  for ns in rtr gwb gwa gwa2; do echo "== $ns"; ip -n $ns route; done
  for ns in gwa gwa2; do echo "== xfrmctl status on $ns"; xfrmctl_on $ns status; done
  echo "== rtr: birdc show route all"; birdc_on rtr show route all
  for ns in rtr gwb gwa gwa2; do echo "== $ns: birdc show bfd sessions"; birdc_on $ns show bfd sessions; done
} >"$LAB_OUT/show-bringup.txt" 2>&1
for f in "${FLOWS[@]}"; do tflow_start hosta "$HOSTB" "f$f" 0.05 "10.1.0.$f" && GWH_FLOWS+=("f$f"); done
check flows-cross wait_for 60 gwh_flows_have 10
out_before_gwa=$(esp_out gwa "$GWA_UL1") out_before_gwa2=$(esp_out gwa2 "$GWA_UL2")
gwh_flows_mark
check flows-go-on wait_for 30 gwh_flows_have 20
check_gt spread-gwa-carries "$(esp_delta "$out_before_gwa" "$(esp_out gwa "$GWA_UL1")")" 20
check_gt spread-gwa2-carries "$(esp_delta "$out_before_gwa2" "$(esp_out gwa2 "$GWA_UL2")")" 20

# 2. Host kills (lib/gwhosts.sh).
declare -A OTHER_BR=([gwa]=$GWA2_BR [gwa2]=$GWA_BR) OTHER_DEV=([gwa]=vti2 [gwa2]=vti1)
gwh_gone() { via_is rtr 10.2.0.0/24 "${OTHER_BR[$1]}" && devs_is gwb "$NET_A" "${OTHER_DEV[$1]}"; }
gwh_ready() { ready; }
gwh_kills "$GWH_KILLS"
for f in "${FLOWS[@]}"; do flow_stop "f$f"; done
capture_stop "$LAB_RUN/gwa2/ul1.pcap"
capture_stop "$LAB_RUN/gwa/ul0.pcap"
check_eq no-clear-text 0 "$(peer_clear_text "$LAB_RUN/gwa2/ul1.pcap" "$LAB_RUN/gwa/ul0.pcap")"
check_lt host-kill-interruption-max-under-1s "$(peer_max "${GWH_GAPS[@]}")" "$(peer_ms 1000)"
echo "host killed under 8 flows of 20 pkt/s, $GWH_KILLS kills: interruption $(peer_stats "${GWH_GAPS[@]}") (LAB_SLOW ${LAB_SLOW:-1}); packets lost while hosts returned: $GWH_BACK_LOST" >>"$LAB_OUT/show-kills.txt"
for ns in gwa gwa2; do xfrmctl_on $ns status >"$LAB_OUT/show-status-$ns.txt" 2>&1 || true; done
