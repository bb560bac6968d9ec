# shellcheck shell=bash
# failover-policy: Alibaba-style primary/standby, policy-based, two tunnels on
# two underlay paths, data-path probes every 100 ms.
# All traffic rides tunnel 1; path 1 is cut: tunnel 2 takes the traffic in
# well under a second; path 1 returns: traffic goes back to tunnel 1 after
# the 3 s hold-down. Then ESP is dropped on both paths: nothing between the
# LANs leaves in clear text (fail-closed), and traffic resumes afterwards.
# Both ends run xfrmd and the paths stay cut for long: probe.restart_after is 0
# here (the stale-tunnel restart is shown against peers that are not xfrmd,
# peer-swanctl-*), so that what this scenario asserts does not race two
# gateways renegotiating at once.

hold=3 # failback_hold_down in gwa.json and gwb.json
# mon_has PYEXPR: some event e in gwa's monitor log satisfies PYEXPR.
mon_has() {
  python3 -c 'import json, sys
sys.exit(not any(eval(sys.argv[2], {"e": json.loads(l)}) for l in open(sys.argv[1]) if l[:1] == "{"))' \
    "$LAB_RUN/gwa/monitor.log" "$1"
}
start_xfrmd_pair
check connected-gwa wait_for 15 state_is gwa connected
check connected-gwb wait_for 15 state_is gwb connected
check primary-carries-gwa wait_for 5 active_is gwa "[1]"
check primary-carries-gwb wait_for 5 active_is gwb "[1]"

# 1. All traffic on the primary.
t1_0=$(esp_out gwa $GWA_UL1) t2_0=$(esp_out gwa $GWA_UL2)
check ping-on-primary on hosta ping -n -q -c 10 -i 0.05 -W 1 $HOSTB
check_gt t1-carries "$(esp_delta "$t1_0" "$(esp_out gwa $GWA_UL1)")" 9

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
# Measured well under 1 ms on a quiet machine (the 10 ms target); user-mode
# Linux on a loaded host stalls for tens of ms. The check proves the switch
# follows the health event at once, with no DPD or timer wait (seconds).
check_lt reaction-under-250ms "$react" 250000
echo "reaction (health event -> policy change): ${react} us" >>"$LAB_OUT/show-failover.txt"
t2_1=$(esp_out gwa $GWA_UL2)
check ping-on-standby on hosta ping -n -q -c 10 -i 0.05 -W 1 $HOSTB
check_gt t2-carries "$(esp_delta "$t2_1" "$(esp_out gwa $GWA_UL2)")" 9

# 3. Path 1 back: traffic returns to tunnel 1 only after the 3 s hold-down, measured
# by xfrmd's own events (a status poll takes seconds in a slow guest).
# The event monitor and ev_hold_ms are lib/peer.sh's.
check hold-monitor-subscribed ev_start
ev_mark
path_restore gwa $GWA_UL1 $GWB_UL1
check primary-healthy-again wait_for 15 \
  test "$(conn gwa "c['tunnels'][0]['healthy']")" = True
check failback-gwa wait_for $((hold + 3)) active_is gwa "[1]"
ev_stop
hd=$(ev_hold_ms)
echo "failback: tunnel 1 healthy -> traffic back on it ${hd} ms (failback_hold_down ${hold} s)" >>"$LAB_OUT/show-failover.txt"
check_gt hold-down-keeps-standby "${hd:--1}" $((hold * 1000 - 20))
check_eq failbacks-counted 1 "$(conn gwa "c['failbacks']")"
check failback-gwb wait_for 6 active_is gwb "[1]"
t1_1=$(esp_out gwa $GWA_UL1)
check ping-on-primary-again on hosta ping -n -q -c 10 -i 0.05 -W 1 $HOSTB
check_gt t1-carries-again "$(esp_delta "$t1_1" "$(esp_out gwa $GWA_UL1)")" 9

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

# 5. `xfrmctl monitor` reports the failover and the failback as they happen.
check monitor-primary-first wait_for 15 active_is gwa "[1]"
# ip netns exec execs: $! is xfrmctl itself.
xfrmctl_on gwa monitor --json >"$LAB_RUN/gwa/monitor.log" 2>&1 &
monitor_pid=$!
check monitor-subscribed wait_for 5 mon_has 'e["type"] == "subscribed"'
path_cut gwa $GWA_UL1 $GWB_UL1
check monitor-failover-gwa wait_for 5 active_is gwa "[2]"
path_restore gwa $GWA_UL1 $GWB_UL1
check monitor-event-failover wait_for 5 \
  mon_has 'e["type"] == "failover" and e["from"] == [1] and e["to"] == [2]'
check monitor-event-tunnel-down wait_for 5 mon_has 'e["type"] == "tunnel-down" and e["tunnel"] == 1'
check monitor-failback-gwa wait_for 15 active_is gwa "[1]"
check monitor-event-failback wait_for 5 \
  mon_has 'e["type"] == "failback" and e["from"] == [2] and e["to"] == [1]'
kill "$monitor_pid" 2>/dev/null || true
wait "$monitor_pid" 2>/dev/null || true

# explain: `xfrmctl explain` reads the route, XFRM policy and SA the kernel uses
# for a packet and names the tunnel: t1's SA (its out SPI in status), clear text
# for destinations no policy covers, the block policy while no tunnel is healthy.
explain() { # explain GW SRC DST PYEXPR: PYEXPR on j, the parsed `explain --json` reply
  xfrmctl_on "$1" explain --json "$2" "$3" >"$LAB_RUN/$1/explain.json"
  json_get "$LAB_RUN/$1/explain.json" "$4"
}
check explain-primary-carries wait_for 15 active_is gwa "[1]"
xfrmctl_on gwa explain $HOSTA $HOSTB >"$LAB_OUT/show-explain-gwa.txt" 2>&1 || true
check_eq explain-protected-t1 "protected: tunnel xfrmd-site-b-t1" \
  "$(explain gwa $HOSTA $HOSTB "j['verdict'].split(' (')[0]")"
check_eq explain-spi-is-t1-out-spi "$(conn gwa "c['tunnels'][0]['child']['spi_out']")" \
  "$(explain gwa $HOSTA $HOSTB "j['sa']['spi']")"
check_eq explain-policy-is-xfrmd-out "out 10.1.0.0/24 10.2.0.0/24 True" \
  "$(explain gwa $HOSTA $HOSTB "' '.join(str(j['policy'][k]) for k in ('dir', 'src', 'dst', 'xfrmd'))")"
check_eq explain-iif-lan0 lan0 "$(explain gwa $HOSTA $HOSTB "j['iif']")"
check_eq explain-underlay-in-clear clear "$(explain gwa $HOSTA $GWB_UL1 "j['outcome']")"
check_eq explain-other-lan-in-clear clear "$(explain gwa $HOSTA 10.3.0.10 "j['outcome']")"
esp_cut gwa
esp_cut gwb
check explain-down wait_for 5 state_is gwa down
# The first fail-closed layer the kernel meets decides: xfrmd's blackhole route
# if it publishes one for the prefix, else its block policy.
check_eq explain-fail-closed "dropped, fail-closed" \
  "$(explain gwa $HOSTA $HOSTB "j['outcome'] + ', ' + ('fail-closed' if 'fail-closed' in j['verdict'] else j['verdict'])")"
xfrmctl_on gwa explain $HOSTA $HOSTB >>"$LAB_OUT/show-explain-gwa.txt" 2>&1 || true
esp_restore gwa
esp_restore gwb
check explain-recovers wait_for 10 state_is gwa connected
