# shellcheck shell=bash
# restart-charon: charon is SIGKILLed on gwa while traffic flows, in both modes
# ("pol": policy-based, 10.1.0.0/24 <-> 10.2.0.0/24 on path 1; "vti":
# route-based over a VTI, 10.11.0.0/24 <-> 10.12.0.0/24 on path 2).
# xfrmd notices the VICI socket closing and fails closed (block policy,
# blackhole route): nothing between the LANs leaves gwa in clear text. charon
# is started again 3 s later; xfrmd reconnects by itself (backoff), reloads
# its connections and keys, the tunnels and routes come back and the dead
# charon's SAs are removed, with no operator action. The outage is reported.
# Both ends run xfrmd here: gwb's stale-tunnel restart (probe.restart_after) is
# set above the outage, or gwb would initiate while gwa's xfrmd does too, and
# the two IKE SAs per tunnel would make the SA count below meaningless.

GWA_LAN_V=10.11.0.1 HOSTA_V=10.11.0.10 GWB_LAN_V=10.12.0.1 HOSTB_V=10.12.0.10
on hosta ip addr add $HOSTA_V/24 dev lan0
on gwa ip addr add $GWA_LAN_V/24 dev lan0
on hostb ip addr add $HOSTB_V/24 dev lan0
on gwb ip addr add $GWB_LAN_V/24 dev lan0

start_xfrmd_pair
states_are() { [[ $(conn_named gwa pol "c['state']") == "$1" && $(conn_named gwa vti "c['state']") == "$1" ]]; }
require connected-gwa wait_for 20 states_are connected
check ping-pol on hosta ping -n -q -c 3 -i 0.1 -W 1 $HOSTB
check ping-vti on hosta ping -n -q -c 3 -i 0.1 -W 1 -I $HOSTA_V $HOSTB_V
sleep 1

log_has() { grep -q "$1" "$LAB_RUN/gwa/xfrmd.log"; }
count() { grep -c "^$1 " "$2" || true; }
# Objects but SAs, charon's out policies without the SPI they name (new SAs, new SPIs).
stable() { grep -vE '^(state|larval) ' "$1" | sed 's/ spi 0x[0-9a-f]*//'; }
kernel_objects gwa >"$LAB_RUN/gwa/objects-before.txt"
old_spis=$(awk '$1 == "state" {print $4}' "$LAB_RUN/gwa/objects-before.txt")
capture_start gwa ul0 "$LAB_RUN/gwa/ul0.pcap"
flow_start hosta $HOSTB fpol 0.02
flow_start hosta $HOSTB_V fvti 0.02 $HOSTA_V
sleep 1

# 1. charon dies: xfrmd notices at once and fails closed.
kill_daemon gwa charon
check notices-vici-closed wait_for 2 log_has "charon connection lost"
check fail-closed-states wait_for 3 states_are down
check block-policy wait_for 3 sh -c "ip netns exec gwa ip xfrm policy | grep -A1 'dst 10.2.0.0/24' | grep -q 'action block'"
check blackhole-route wait_for 3 sh -c "ip netns exec gwa ip route show 10.12.0.0/24 proto 211 | grep -q blackhole"
sleep 3

# 2. charon back: nobody touches xfrmd.
start_charon gwa
t_start=$EPOCHREALTIME
# 2 lines "connected to charon": at the start and now.
reconnected() { (($(grep -c 'connected to charon at' "$LAB_RUN/gwa/xfrmd.log") >= 2)); }
check reconnected wait_for 10 reconnected
t_conn=$EPOCHREALTIME
check tunnels-back wait_for 30 states_are connected
check reloaded-conns-and-keys log_has "resynchronised generation 1: [1-9][0-9]* action"
t_back=$EPOCHREALTIME
ms() { python3 -c "import sys; print(round((float(sys.argv[2]) - float(sys.argv[1])) * 1000))" "$1" "$2"; }
check route-back wait_for 5 sh -c "ip netns exec gwa ip route show 10.12.0.0/24 proto 211 | grep -q 'dev xfrmd'"
check out-policy-back wait_for 5 sh -c "ip netns exec gwa ip xfrm policy | grep -A1 'dst 10.2.0.0/24' | grep 'dir out' | grep -qv 'action block'"
flow_mark fpol
flow_mark fvti
sleep 2
check_gt traffic-again-pol "$(flow_since_mark fpol)" 50
check_gt traffic-again-vti "$(flow_since_mark fvti)" 50
old_gone() { [[ $(kernel_objects gwa | grep -cE "^state .* ($(echo $old_spis | tr ' ' '|')) ") == 0 ]]; }
check dead-charons-sas-go wait_for 6 old_gone
flow_stop fpol
flow_stop fvti
capture_stop "$LAB_RUN/gwa/ul0.pcap"
check_eq no-clear-text-pol 0 "$(capture_count "$LAB_RUN/gwa/ul0.pcap" "not esp and net $NET_A and net $NET_B")"
check_eq no-clear-text-vti 0 "$(capture_count "$LAB_RUN/gwa/ul0.pcap" "not esp and net 10.11.0.0/24 and net 10.12.0.0/24")"

# 3. The kernel as before, but with the new charon's SAs only.
kernel_objects gwa >"$LAB_RUN/gwa/objects-after.txt"
b=$LAB_RUN/gwa/objects-before.txt a=$LAB_RUN/gwa/objects-after.txt
left=0
for spi in $old_spis; do grep -q "^state .* $spi " "$a" && left=$((left + 1)); done
check_eq dead-charons-sas-removed 0 "$left"
check_eq sa-count "$(count state "$b")" "$(count state "$a")"
check_eq other-objects-unchanged "" \
  "$(diff <(stable "$b") <(stable "$a") | grep '^[<>]' | head -n 5 || true)"
gap_pol=$(flow_gap_ms fpol) gap_vti=$(flow_gap_ms fvti)
check_gt outage-measured "$gap_pol" 2999 # charon was away 3 s: the flow must have noticed
{
  echo "charon SIGKILLed on gwa under two 50 pkt/s flows, started again 3 s later:"
  echo "  outage (first lost to first good reply): policy mode ${gap_pol} ms, route mode (VTI) ${gap_vti} ms"
  echo "  charon's socket up -> xfrmd reconnected (backoff): $(ms "$t_start" "$t_conn") ms;" \
    "-> both connections connected: $(ms "$t_start" "$t_back") ms (polled every 0.2 s)"
  echo "  dead charon's SAs left in the kernel: $left; kernel states $(count state "$b") before, $(count state "$a") after"
} >"$LAB_OUT/show-restart-charon.txt"
cat "$LAB_OUT/show-restart-charon.txt"
