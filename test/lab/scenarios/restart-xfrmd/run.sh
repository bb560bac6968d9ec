# shellcheck shell=bash
# restart-xfrmd: xfrmd is SIGKILLed on gwa while traffic flows, in both modes at
# once: connection "pol" (policy-based, 10.1.0.0/24 <-> 10.2.0.0/24, path 1)
# and "vti" (route-based over a VTI, 10.11.0.0/24 <-> 10.12.0.0/24, path 2),
# probes every 100 ms.
#   1. While xfrmd is dead the kernel keeps forwarding: no packet is lost.
#      Objects with xfrmd's marks that the config does not want are planted
#      meanwhile (policy in its priority band, route protocol 211, link alias
#      "xfrmd", an SA with a tunnel's reqid that charon does not know).
#   2. The restarted xfrmd adopts what it owns (same SAs, policies, links with
#      the same index, routes: no duplicates), removes the planted objects,
#      and logs "reconciled in N ms"; still no packet lost.
#   3. charon and xfrmd both SIGKILLed, both restarted: the tunnels come back
#      without operator action and the dead charon's SAs are removed.

GWA_LAN_V=10.11.0.1 HOSTA_V=10.11.0.10 GWB_LAN_V=10.12.0.1 HOSTB_V=10.12.0.10
on hosta ip addr add $HOSTA_V/24 dev lan0
on gwa ip addr add $GWA_LAN_V/24 dev lan0
on hostb ip addr add $HOSTB_V/24 dev lan0
on gwb ip addr add $GWB_LAN_V/24 dev lan0

start_xfrmd_pair
up() { [[ $(conn_named gwa pol "c['state']") == connected && $(conn_named gwa vti "c['state']") == connected ]]; }
require connected-gwa wait_for 20 up
check ping-pol on hosta ping -n -q -c 3 -i 0.1 -W 1 $HOSTB
check ping-vti on hosta ping -n -q -c 3 -i 0.1 -W 1 -I $HOSTA_V $HOSTB_V
sleep 1 # both ends' probes settled

# new_log GW: xfrmd's log lines since the last mark_log GW.
mark_log() { wc -l <"$LAB_RUN/$1/xfrmd.log" >"$LAB_RUN/$1/xfrmd.log.mark"; }
new_log() { tail -n +$(($(cat "$LAB_RUN/$1/xfrmd.log.mark") + 1)) "$LAB_RUN/$1/xfrmd.log"; }
# No 'grep -q' after a pipe: under pipefail its early exit can fail the pipeline (SIGPIPE).
reconciled() { [[ $(new_log "${1:-gwa}") == *"reconciled in"* ]]; }
reconciled_ms() { new_log "${1:-gwa}" | sed -n 's/.*reconciled in \([0-9]*\) ms.*/\1/p' | head -n 1; }
adopted_ms() { new_log "${1:-gwa}" | sed -n "s/.*charon's SAs known \([0-9]*\) ms.*/\1/p" | head -n 1; }
count() { grep -c "^$1 " "$2" || true; }
# Objects but SAs, charon's out policies without the SPI they name (new SAs, new SPIs).
stable() { grep -vE '^(state|larval) ' "$1" | sed 's/ spi 0x[0-9a-f]*//'; }

kernel_objects gwa >"$LAB_RUN/gwa/objects-before.txt"
flow_start hosta $HOSTB fpol 0.01
flow_start hosta $HOSTB_V fvti 0.01 $HOSTA_V
sleep 1

# 1. xfrmd dies; the kernel carries on. Plant what a previous config left.
kill_daemon gwa xfrmd
on gwa ip xfrm policy add src 10.1.0.0/24 dst 10.9.0.0/24 dir out priority 100500 \
  tmpl src $GWA_UL1 dst $GWB_UL1 proto esp mode tunnel reqid 100099
on gwa ip route add blackhole 10.9.0.0/24 proto 211 metric 100
on gwa ip link add xfrmd77 type vti local $GWA_UL1 remote 192.0.2.199 key 100077
on gwa ip link set xfrmd77 alias xfrmd
on gwa ip xfrm state add src $GWA_UL1 dst $GWB_UL1 proto esp spi 0x0badc0de reqid 100099 \
  mode tunnel aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128
# The planted SA must look older than charon's SA list (kernel add time has seconds).
sleep 3.5

# 2. xfrmd back.
mark_log gwa
require restart-xfrmd-gwa start_xfrmd gwa
check reconciled-logged wait_for 15 reconciled
sleep 1.5 # probes run on the adopted tunnels: they must not find them dead
# A stale SA goes once two of charon's SA lists in a row lack it (xfrmd lists again after 1 s).
no_stale_sa() { [[ $(on gwa ip xfrm state | grep -c 0x0badc0de) == 0 ]]; }
check stale-sa-removed wait_for 6 no_stale_sa
flow_stop fpol
flow_stop fvti
ms=$(reconciled_ms) ams=$(adopted_ms gwa)
kernel_objects gwa >"$LAB_RUN/gwa/objects-after.txt"
lost_pol=$(flow_lost fpol) lost_vti=$(flow_lost fvti)
check_eq no-loss-policy-mode 0 "$lost_pol"
check_eq no-loss-route-mode 0 "$lost_vti"
check_gt flow-policy-ran "$(flow_received fpol)" 300
check_gt flow-route-ran "$(flow_received fvti)" 300
check_lt reconciled-under-5s "${ms:-99999}" 5000
check_eq kernel-objects-unchanged "" \
  "$(diff "$LAB_RUN/gwa/objects-before.txt" "$LAB_RUN/gwa/objects-after.txt" | grep '^[<>]' | head -n 5 || true)"
check_eq stale-policy-removed 0 "$(on gwa ip xfrm policy | grep -c 10.9.0.0 || true)"
check_eq stale-route-removed 0 "$(on gwa ip route show table all | grep -c 10.9.0.0 || true)"
check_eq stale-link-removed 0 "$(on gwa ip -o link show | grep -c xfrmd77 || true)"
check_eq no-failover-on-adoption "" "$(new_log gwa | grep -E 'traffic on nothing|probes lost' | head -n 3 || true)"
check still-connected up
b=$LAB_RUN/gwa/objects-before.txt
{
  echo "xfrmd SIGKILLed on gwa under two 100 pkt/s flows, restarted 3.5 s later:"
  echo "  lost: policy mode $lost_pol of $(flow_sent fpol), route mode (VTI) $lost_vti of $(flow_sent fvti)"
  echo "  time to reconciled state: ${ms:-none} ms (process start -> charon's SAs known, every tunnel up, kernel"
  echo "    programmed, planted objects removed; the stale SA needs a second SA list 1 s later);" \
    "charon's SAs known and kernel adopted after ${ams:-none} ms"
  echo "  kernel objects before/after: $(count state "$b") states, $(count policy "$b") policies," \
    "$(count link "$b") xfrmd links, $(($(count route4 "$b") + $(count route6 "$b"))) routes; differences: $(diff "$b" "$LAB_RUN/gwa/objects-after.txt" | grep -c '^[<>]' || true)"
} >"$LAB_OUT/show-restart-xfrmd.txt"

# 2b. The same on gwb, the responder (start on-traffic), with nothing planted.
kernel_objects gwb >"$LAB_RUN/gwb/objects-before.txt"
flow_start hosta $HOSTB fpolb 0.01
flow_start hosta $HOSTB_V fvtib 0.01 $HOSTA_V
sleep 1
kill_daemon gwb xfrmd
sleep 1
mark_log gwb
require restart-xfrmd-gwb start_xfrmd gwb
check reconciled-logged-gwb wait_for 15 reconciled gwb
sleep 1.5
flow_stop fpolb
flow_stop fvtib
kernel_objects gwb >"$LAB_RUN/gwb/objects-after.txt"
check_eq no-loss-policy-mode-gwb 0 "$(flow_lost fpolb)"
check_eq no-loss-route-mode-gwb 0 "$(flow_lost fvtib)"
check_eq kernel-objects-unchanged-gwb "" \
  "$(diff "$LAB_RUN/gwb/objects-before.txt" "$LAB_RUN/gwb/objects-after.txt" | grep '^[<>]' | head -n 5 || true)"
echo "xfrmd SIGKILLed on gwb (responder), restarted 1 s later: lost $(flow_lost fpolb) of $(flow_sent fpolb) (policy)," \
  "$(flow_lost fvtib) of $(flow_sent fvtib) (VTI); reconciled in $(reconciled_ms gwb) ms" >>"$LAB_OUT/show-restart-xfrmd.txt"

# 3. charon and xfrmd die together: a new charon knows none of the old SAs.
old_spis=$(awk '$1 == "state" {print $4}' "$LAB_RUN/gwa/objects-after.txt")
flow_start hosta $HOSTB fpol2 0.02
flow_start hosta $HOSTB_V fvti2 0.02 $HOSTA_V
sleep 0.5
kill_daemon gwa xfrmd
kill_daemon gwa charon
sleep 3
start_charon gwa
mark_log gwa
require restart-both-gwa start_xfrmd gwa
check reconciled-after-charon-died wait_for 30 reconciled
check connected-after-charon-died wait_for 10 up
sleep 1
old_gone() { [[ $(kernel_objects gwa | grep -cE "^state .* ($(echo $old_spis | tr ' ' '|')) ") == 0 ]]; }
check dead-charons-sas-go wait_for 6 old_gone
flow_stop fpol2
flow_stop fvti2
ms2=$(reconciled_ms) ams2=$(adopted_ms gwa)
kernel_objects gwa >"$LAB_RUN/gwa/objects-after2.txt"
left=0
for spi in $old_spis; do grep -q "^state .* $spi " "$LAB_RUN/gwa/objects-after2.txt" && left=$((left + 1)); done
check_eq dead-charons-sas-removed 0 "$left"
check_eq sa-count-after-charon-died "$(count state "$b")" "$(count state "$LAB_RUN/gwa/objects-after2.txt")"
check_eq non-sa-objects-unchanged "" \
  "$(diff <(stable "$b") <(stable "$LAB_RUN/gwa/objects-after2.txt") | grep '^[<>]' | head -n 5 || true)"
check flows-back on hosta ping -n -q -c 3 -i 0.1 -W 1 $HOSTB
check flows-back-vti on hosta ping -n -q -c 3 -i 0.1 -W 1 -I $HOSTA_V $HOSTB_V
{
  echo "charon and xfrmd SIGKILLed on gwa, restarted after 3 s:"
  echo "  outage (longest gap): policy mode $(flow_gap_ms fpol2) ms, route mode $(flow_gap_ms fvti2) ms"
  echo "  time to reconciled state: ${ms2:-none} ms (new IKE SAs, old SAs removed); charon's SAs known after ${ams2:-none} ms; old SAs left: $left"
} >>"$LAB_OUT/show-restart-xfrmd.txt"
cat "$LAB_OUT/show-restart-xfrmd.txt"
