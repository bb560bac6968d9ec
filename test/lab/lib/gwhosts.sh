# shellcheck shell=bash
# A gateway of several hosts (issue 19, the gateway-hosts scenarios): each host NS runs charon,
# its own BIRD and xfrmd (--host found from the document's addresses), has its own underlay
# link GWH_UL[NS] (default route via GWH_UL_PEER[NS]) and a port br0 on the LAN router rtr's
# bridge (RTR_BR), through which it reaches the site's hosts (GWH_LAN_NET).
#   gwh_bird NS [ROUTERID] NS's BIRD from gateway-hosts/gw.bird.conf: the device protocol and the
#                          one include line (xfrmd's file: tunnels' BGP, BFD, the LAN side); the
#                          router id is NS's address on br0 unless given
#   gwh_xfrmd NS           xfrmd with NS's own BIRD socket and include
#   gwh_start NS...        each host's BIRD and xfrmd (checks start-bird-NS, start-xfrmd-NS)
#   gwh_push NS...         the scenario's gw.json, one document: validated (on the first), then
#                          on each host its plan saved (show-plan-NS.txt) and applied (apply-NS)
#   gwh_kill NS            the host dies: links down at once, BIRD, xfrmd and charon SIGKILLed,
#                          what its kernel held for the tunnels gone as in a reboot
#   gwh_boot NS            the host back: links up with their routes, charon, BIRD and xfrmd
#                          started again (xfrmd restores the applied config by itself)
#   gwh_links NS           xfrmd's tunnel interfaces on NS
#   gwh_via NS PREFIX      the next hops (sorted) of NS's route to PREFIX from BIRD
#   gwh_devs NS PREFIX     its devices (sorted)
# Flows (tflow_*, lib/peer.sh) named in GWH_FLOWS:
#   gwh_flows_have N / gwh_flows_mark   every flow has N replies since the mark / the mark
#   gwh_flows_gap T0 T1    GWH_GAP: the longest gap over the flows between the epoch times T0
#                          and T1, GWH_FLOW_GAPS: each flow's
#   gwh_flows_lost T0 T1   requests without a reply over the flows, replies straddling T0..T1
#   gwh_kills K            K kills under the flows, alternately of GWH_HOSTS[0] and [1] (each
#                          then booted again), with the scenario's gwh_gone NS (the LAN and the
#                          far end no longer route through NS) and gwh_ready (everything back):
#                          checks killK-NS-{gone,every-flow-goes-on,boots,back,return-loses-nothing},
#                          a line per kill in show-kills.txt, the gaps in GWH_GAPS and the
#                          packets lost while hosts returned in GWH_BACK_LOST
declare -A GWH_UL=() GWH_UL_PEER=()
GWH_FLOWS=() GWH_HOSTS=() GWH_GAPS=() GWH_BACK_LOST=0

gwh_bird() {
  local rid=${2:-$(ip -n "$1" -4 -o addr show dev br0 | awk '{split($4, a, "/"); print a[1]; exit}')}
  mkdir -p "$LAB_RUN/$1"
  sed -e "s|ROUTERID|$rid|" -e "s|DIR|$LAB_RUN/$1|" "$LAB_DIR/scenarios/gateway-hosts/gw.bird.conf" \
    >"$LAB_RUN/$1/bird.conf"
  start_bird "$1" "$LAB_RUN/$1/bird.conf"
}
gwh_xfrmd() {
  start_xfrmd "$1" --bird-socket "$LAB_RUN/$1/bird.ctl" --bird-include "$LAB_RUN/$1/xfrmd-bird.conf"
}
gwh_start() {
  local ns
  for ns; do
    require "start-bird-$ns" gwh_bird "$ns"
    require "start-xfrmd-$ns" gwh_xfrmd "$ns"
  done
}
gwh_push() {
  local ns
  (umask 077 && cp "$LAB_SCENARIO_DIR/gw.json" "$LAB_RUN/gw.json")
  require validate-whole-gateway xfrmctl_on "$1" validate -f "$LAB_RUN/gw.json"
  for ns; do
    xfrmctl_on "$ns" plan -f "$LAB_RUN/gw.json" >"$LAB_OUT/show-plan-$ns.txt" 2>&1 || true
    require "apply-$ns" xfrmctl_on "$ns" apply -f "$LAB_RUN/gw.json"
  done
}
gwh_links() { ip -n "$1" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^xfrmd' || true; }
gwh_via() { ip -n "$1" route show exact "$2" proto bird | grep -Eo 'via [0-9.]+' | awk '{print $2}' | sort | xargs; }
gwh_devs() { ip -n "$1" route show exact "$2" proto bird | grep -Eo 'dev [a-z0-9]+' | awk '{print $2}' | sort | xargs; }

gwh_kill() {
  local ns=$1 pid l
  ip -n "$ns" link set "${GWH_UL[$ns]}" down
  ip -n "$ns" link set br0 down
  pid=$(cat "$LAB_RUN/$ns/bird.pid")
  kill -KILL "$pid" 2>/dev/null || true
  kill_daemon "$ns" xfrmd
  kill_daemon "$ns" charon
  wait "$pid" 2>/dev/null || true
  rm -f "$LAB_RUN/$ns/bird.pid"
  on "$ns" ip xfrm state flush
  on "$ns" ip xfrm policy flush
  for l in $(gwh_links "$ns"); do
    ip -n "$ns" link del "$l"
  done
}
gwh_boot() {
  local ns=$1
  ip -n "$ns" link set "${GWH_UL[$ns]}" up
  ip -n "$ns" link set br0 up
  ip -n "$ns" route replace default via "${GWH_UL_PEER[$ns]}"
  ip -n "$ns" route replace "$GWH_LAN_NET" via "$RTR_BR"
  start_charon "$ns" && start_bird "$ns" "$LAB_RUN/$ns/bird.conf" && gwh_xfrmd "$ns"
}

gwh_flows_have() { local f; for f in "${GWH_FLOWS[@]}"; do tflow_has "$f" "$1" || return 1; done; }
gwh_flows_mark() { local f; for f in "${GWH_FLOWS[@]}"; do tflow_mark "$f"; done; }
gwh_flows_gap() {
  local f g
  GWH_GAP=0 GWH_FLOW_GAPS=""
  for f in "${GWH_FLOWS[@]}"; do
    g=$(tflow_gap_ms "$f" "$1" "$2")
    GWH_FLOW_GAPS+="${GWH_FLOW_GAPS:+, }$f $g"
    if ((g > GWH_GAP)); then GWH_GAP=$g; fi
  done
}
gwh_flows_lost() {
  local f n=0
  for f in "${GWH_FLOWS[@]}"; do n=$((n + $(tflow_lost_in "$f" "$1" "$2"))); done
  echo "$n"
}

gwh_kills() {
  local k ns t_kill t_killed t_gone t_boot t_back lost
  for ((k = 1; k <= $1; k++)); do
    ns=${GWH_HOSTS[$(((k + 1) % 2))]}
    gwh_flows_mark
    t_kill=$EPOCHREALTIME
    gwh_kill "$ns"
    t_killed=$EPOCHREALTIME # killing and wiping takes a while in the guest: the host was gone at t_kill
    check "kill$k-$ns-gone" wait_for 30 gwh_gone "$ns"
    t_gone=$EPOCHREALTIME
    gwh_flows_mark
    check "kill$k-$ns-every-flow-goes-on" wait_for 30 gwh_flows_have 10
    t_boot=$EPOCHREALTIME
    gwh_flows_gap "$t_kill" "$t_boot"
    GWH_GAPS+=("$GWH_GAP")
    echo "kill $k ($ns): longest gap over the flows $GWH_GAP ms ($GWH_FLOW_GAPS); the LAN router and the far end polled from $(peer_ms_since "$t_kill" "$t_killed") ms (the kill and wipe), without it at $(peer_ms_since "$t_kill" "$t_gone") ms" >>"$LAB_OUT/show-kills.txt"
    require "kill$k-$ns-boots" gwh_boot "$ns"
    check "kill$k-$ns-back" wait_for 120 gwh_ready
    t_back=$EPOCHREALTIME
    gwh_flows_mark
    check "kill$k-$ns-flows-after-return" wait_for 30 gwh_flows_have 10
    lost=$(gwh_flows_lost "$t_boot" "$EPOCHREALTIME")
    check_eq "kill$k-$ns-return-loses-nothing" 0 "$lost"
    GWH_BACK_LOST=$((GWH_BACK_LOST + lost))
    echo "  back: in the LAN and at the far end after $(peer_ms_since "$t_boot" "$t_back") ms (polled), packets lost while it returned: $lost" >>"$LAB_OUT/show-kills.txt"
  done
}
