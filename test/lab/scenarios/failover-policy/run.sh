# shellcheck shell=bash
# failover-policy: Alibaba-style primary/standby, policy-based, two tunnels on
# two underlay paths, data-path probes every 100 ms.
# All traffic rides tunnel 1; path 1 is cut: tunnel 2 takes the traffic in
# well under a second; path 1 returns: traffic goes back to tunnel 1 after
# the 3 s hold-down. Then ESP is dropped on both paths: nothing between the
# LANs leaves in clear text (fail-closed), and traffic resumes afterwards.

conn() { # conn GW EXPR: EXPR on the connection c of `status --json`
  xfrmctl_on "$1" status --json |
    python3 -c "import json,sys; c=json.load(sys.stdin)['connections'][0]; print($2)"
}
active_is() { [[ $(conn "$1" "c['active_tunnels']") == "$2" ]]; }
state_is() { [[ $(conn "$1" "c['state']") == "$2" ]]; }
# Outbound ESP packets of tunnel N at GW, from the kernel's SA counters.
esp_out() {
  on "$1" ip -s xfrm state | awk -v s="$2" '
    /^src/ { hit = ($2 == s) }
    hit && /\(packets\)/ { sub(/.*\(bytes\), */, ""); sub(/\(packets\).*/, ""); n += $1 }
    END { print n + 0 }'
}

for gw in gwa gwb; do
  start_charon $gw
  cp "$LAB_SCENARIO_DIR/$gw.json" "$LAB_RUN/$gw/xfrmd.json"
  chmod 600 "$LAB_RUN/$gw/xfrmd.json"
  require start-xfrmd-$gw start_xfrmd $gw
done
require apply-gwb xfrmctl_on gwb apply -f "$LAB_RUN/gwb/xfrmd.json"
require apply-gwa xfrmctl_on gwa apply -f "$LAB_RUN/gwa/xfrmd.json"
check connected-gwa wait_for 15 state_is gwa connected
check connected-gwb wait_for 15 state_is gwb connected
check primary-carries-gwa wait_for 5 active_is gwa "[1]"
check primary-carries-gwb wait_for 5 active_is gwb "[1]"

# 1. All traffic on the primary.
t1_0=$(esp_out gwa $GWA_UL1) t2_0=$(esp_out gwa $GWA_UL2)
check ping-on-primary on hosta ping -n -q -c 10 -i 0.05 -W 1 $HOSTB
check_gt t1-carries $(($(esp_out gwa $GWA_UL1) - t1_0)) 9




for gw in gwa gwb; do xfrmctl_on $gw status --json >"$LAB_OUT/before-cut-$gw.json" || true; done

# 2. Cut path 1 (everything between 192.0.2.1 and 192.0.2.101) under a running flow.
flow_start hosta $HOSTB f1 0.02
sleep 1
path_cut gwa $GWA_UL1 $GWB_UL1
check failover-gwa wait_for 5 active_is gwa "[2]"
check failover-gwb wait_for 5 active_is gwb "[2]"
sleep 1
flow_stop f1
gap=$(flow_gap_ms f1)
check_gt flow-survived "$(flow_received f1)" 80
check_lt interruption-under-1s "$gap" 1000
echo "failover interruption: ${gap} ms" >"$LAB_OUT/show-failover.txt"
check_eq failovers-counted 1 "$(conn gwa "c['failovers']")"
react=$(conn gwa "c['last_reaction_us']")
check_lt reaction-under-10ms "$react" 10000
echo "reaction (health event -> policy change): ${react} us" >>"$LAB_OUT/show-failover.txt"
t2_1=$(esp_out gwa $GWA_UL2)
check ping-on-standby on hosta ping -n -q -c 10 -i 0.05 -W 1 $HOSTB
check_gt t2-carries $(($(esp_out gwa $GWA_UL2) - t2_1)) 9

# 3. Path 1 back: traffic returns to tunnel 1 only after the 3 s hold-down.
path_restore gwa $GWA_UL1 $GWB_UL1
check primary-healthy-again wait_for 15 \
  test "$(conn gwa "c['tunnels'][0]['healthy']")" = True
check_eq hold-down-keeps-standby "[2]" "$(conn gwa "c['active_tunnels']")"
check failback-gwa wait_for 6 active_is gwa "[1]"
check_eq failbacks-counted 1 "$(conn gwa "c['failbacks']")"
check failback-gwb wait_for 6 active_is gwb "[1]"
t1_1=$(esp_out gwa $GWA_UL1)
check ping-on-primary-again on hosta ping -n -q -c 10 -i 0.05 -W 1 $HOSTB
check_gt t1-carries-again $(($(esp_out gwa $GWA_UL1) - t1_1)) 9

# 4. Fail-closed: ESP dropped on both paths, IKE still up. No clear text.
esp_cut gwa
esp_cut gwb
check down-gwa wait_for 5 state_is gwa down
for gw in gwa gwb; do capture_start $gw ul0 "$LAB_RUN/$gw/ul0.pcap"; done
on hosta ping -n -q -c 10 -i 0.05 -W 1 $HOSTB >/dev/null 2>&1 || true
on hostb ping -n -q -c 10 -i 0.05 -W 1 $HOSTA >/dev/null 2>&1 || true
clear=0
for gw in gwa gwb; do
  capture_stop "$LAB_RUN/$gw/ul0.pcap"
  clear=$((clear + $(capture_count "$LAB_RUN/$gw/ul0.pcap" "not esp and net $NET_A and net $NET_B")))
done
check_eq fail-closed-no-clear-text 0 "$clear"
esp_restore gwa
esp_restore gwb
check recovers wait_for 10 state_is gwa connected
check ping-after-recovery on hosta ping -n -q -c 5 -i 0.1 -W 1 $HOSTB
