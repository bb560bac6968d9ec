# shellcheck shell=bash
# bgp-xfrmd (issue 18): xfrmd and BIRD at both ends; gwb's config is what `xfrmctl export-peer`
# makes of gwa's bgp-swanctl connection (ASNs and inside addresses swapped, roles kept), its
# keys written to the files the export names, its gateway.bird pointed at gwb's BIRD.
#   1. Both ends: both sessions Established, site routes learned over tunnel 1 (the primary at
#      both ends: local preference and the standby's prepend), traffic.
#   2. Path 1 cut under a flow: both ends move to tunnel 2 (interruption measured); restored:
#      both back on tunnel 1.

P1=xfrmd1_peer P2=xfrmd2_peer
for gw in gwa gwb; do
  mkdir -p "$LAB_RUN/$gw"
  sed "s|RUN/gwa|$LAB_RUN/$gw|g; s|192.0.2.1;|$([[ $gw == gwa ]] && echo 192.0.2.1 || echo 192.0.2.101);|" \
    "$LAB_SCENARIO_DIR/bird.conf" >"$LAB_RUN/$gw/bird.conf"
  require "start-bird-$gw" start_bird $gw "$LAB_RUN/$gw/bird.conf"
done
start_charon gwa gwb
(umask 077 && sed "s|RUN|$LAB_RUN|g" "$LAB_SCENARIO_DIR/../bgp-swanctl/gwa.json" >"$LAB_RUN/gwa/xfrmd.json")
require start-xfrmd-gwa start_xfrmd gwa
require apply-gwa xfrmctl_on gwa apply -f "$LAB_RUN/gwa/xfrmd.json"
require export-peer sh -c "ip netns exec gwa $XFRMCTL_BIN -s $LAB_RUN/gwa/xfrmd.sock export-peer peer >$LAB_RUN/gwb/export.json 2>$LAB_RUN/gwb/export.notes"
(
  umask 077
  python3 - "$LAB_RUN/gwb/export.json" "$LAB_RUN/gwa/xfrmd.json" "$LAB_RUN/gwb" <<'PY'
import json, sys
peer, mine, d = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
peer["gateway"]["bird"] = {"socket": d + "/bird.ctl", "include": d + "/xfrmd-bird.conf"}
for t, m in zip(peer["connections"][0]["tunnels"], mine["connections"][0]["tunnels"]):
    open(d + "/" + t["psk_file"], "w").write(m["psk"] + "\n")
json.dump(peer, open(d + "/xfrmd.json", "w"), indent=2)
PY
)
check export-mirrors-bgp python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["connections"][0]
assert p["bgp"]["local_asn"] == 65002 and p["bgp"]["peer_asn"] == 65001, p["bgp"]
assert [t["inside"] for t in p["tunnels"]] == [{"local": "169.254.21.1/30", "peer": "169.254.21.2"},
    {"local": "169.254.22.1/30", "peer": "169.254.22.2"}], p["tunnels"]' "$LAB_RUN/gwb/xfrmd.json"
require start-xfrmd-gwb start_xfrmd gwb
require apply-gwb xfrmctl_on gwb apply -f "$LAB_RUN/gwb/xfrmd.json"

via() { grep -q "^$2 via $3 dev xfrmd$4 proto bird" <<<"$(ip -n "$1" route show exact "$2")"; }
both_on() { # both_on N: each end's route to the other site goes via tunnel N
  via gwa 10.2.0.0/24 "169.254.2$1.1" "$1" && via gwb "$NET_A" "169.254.2$1.2" "$1"
}
for gw in gwa gwb; do
  check "$gw-t1-established" wait_for 90 bird_established $gw $P1
  check "$gw-t2-established" wait_for 90 bird_established $gw $P2
done
check both-ends-on-tunnel1 wait_for 60 both_on 1
{
  for gw in gwa gwb; do
    echo "$gw:"
    ip -n $gw route show proto bird
    birdc_on $gw show protocols 2>&1 | sed 1d
  done
} >"$LAB_OUT/show-both-ends.txt" 2>&1
tflow_start hosta "$HOSTB" x 0.02
check traffic-crosses wait_for 30 tflow_has x 10

# 2. Path 1 cut under the flow, then restored.
t_cut=$EPOCHREALTIME
peer_cut "$GWA_UL1" "$GWB_UL1"
check cut-both-ends-on-tunnel2 wait_for 30 both_on 2
t_moved=$EPOCHREALTIME
tflow_mark x
check cut-traffic-continues wait_for 30 tflow_has x 20
t_res=$EPOCHREALTIME
peer_uncut "$GWA_UL1" "$GWB_UL1"
check restore-both-ends-on-tunnel1 wait_for 90 both_on 1
tflow_mark x
check restore-traffic wait_for 30 tflow_has x 10
flow_stop x
gap=$(tflow_gap_ms x "$t_cut" "$t_res")
check_lt cut-interruption-under-2s "$gap" "$(peer_ms 2000)"
echo "path 1 cut under a 50 pkt/s flow: interruption $gap ms; cut -> both ends' routes on tunnel 2 (polled) $(peer_ms_since "$t_cut" "$t_moved") ms; restored -> both on tunnel 1 (polled) $(peer_ms_since "$t_res") ms" \
  >"$LAB_OUT/show-cut.txt"
