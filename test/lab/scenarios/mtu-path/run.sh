# shellcheck shell=bash
# mtu-path (issue 20, item 3): a path between the gateways that carries less than their links
# say, and drops the rest without a word (no ICMP): every packet over 1280 bytes between gwa
# and gwb is dropped, and IKE datagrams over IKE_MAX bytes too (a middlebox that drops large
# UDP). Both ends run xfrmd, one route-based tunnel over VTIs, probes; charon fragments IKE
# messages above FRAG_SIZE bytes (charon.fragment_size). Each step fails without the feature:
#   1. ike.fragmentation "no" on gwa: its IKE_SA_INIT announces no fragmentation, so its
#      IKE_AUTH (eight ESP proposals, over IKE_MAX bytes) goes out whole and is lost: no tunnel.
#      "yes" (the default) applied: plan says the IKE SA is renegotiated, IKE_SA_INIT carries
#      N(FRAG_SUP), IKE_AUTH goes out in fragments, the tunnel comes up.
#   2. No mtu: the VTIs have the kernel's default; a 1428-byte ping with DF gets no answer, and
#      a 1 MiB TCP transfer stalls (the path black-holes its full-sized segments).
#   3. "mtu": 1200 applied on both under a running ping: plan names the interface MTU change
#      and no charon change; gwa's VTI has MTU 1200 with the same ifindex, the IKE_SA and
#      CHILD_SA are the same (SPIs), not a ping lost.
#   4. Large packets cross: 1428 bytes without DF (gwa fragments before encryption), with DF
#      hosta gets "frag needed, mtu 1200" from gwa and 1200 bytes pass; 1 MiB over TCP, every
#      ESP packet gwa sent since within the path's 1280 bytes.
#   5. gwa's xfrmd restarted: a link whose MTU someone changed meanwhile is adopted and its MTU
#      put back in place; a link deleted meanwhile is created with the MTU.
#   6. mtu no longer given: the link keeps its MTU (README), nothing else changes.

IKE_MAX=600 FRAG_SIZE=500 PATH_MTU=1280
TCP_BYTES=1048576

# The path: raw PREROUTING of each gateway drops what the other sends over the limits (before
# any reassembly: what the wire would have lost).
for gw in gwa gwb; do
  [[ $gw == gwa ]] && peer=$GWB_UL1 || peer=$GWA_UL1
  on $gw iptables-legacy -t raw -A PREROUTING -i ul0 -s "$peer" -m length --length "$((PATH_MTU + 1)):65535" -j DROP
  on $gw iptables-legacy -t raw -A PREROUTING -i ul0 -s "$peer" -p udp -m multiport --ports 500,4500 \
    -m length --length "$((IKE_MAX + 1)):65535" -j DROP
  mkdir -p "$LAB_RUN/$gw"
  echo "fragment_size = $FRAG_SIZE" >"$LAB_RUN/$gw/strongswan.extra.conf"
done

# vti_mtu / vti_index: gwa's tunnel link (xfrmd1).
vti_mtu() { json_get "$(on gwa ip -j link show xfrmd1)" "j[0]['mtu']"; }
vti_index() { json_get "$(on gwa ip -j link show xfrmd1)" "j[0]['ifindex']"; }
test_vti_mtu() { [[ $(vti_mtu) == "$1" ]]; }
# sas GW: the IKE_SA (unique id, SPIs) and CHILD_SA (unique id, SPIs) as swanctl lists them.
sas() {
  swanctl_on "$1" --list-sas | sed -nE 's/^([^ ]+: #[0-9]+, ESTABLISHED, IKEv2, [0-9a-f]+_i\*? [0-9a-f]+_r\*?).*/\1/p;
    s/^ +([^ ]+: #[0-9]+, reqid [0-9]+, INSTALLED).*/\1/p; s/^ +(in|out) +([0-9a-f]{8}).*/\1 \2/p'
}
up() { active_is gwa "[1]"; }
# tcp_transfer PORT TIMEOUT: TCP_BYTES from hosta to hostb; prints what hostb received.
tcp_transfer() {
  local port=$1 t=$2 server
  ip netns exec hostb timeout "$t" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1)
c, _ = s.accept(); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    n += len(b)
c.sendall(str(n).encode()); c.close()' "$HOSTB" "$port" >"$LAB_RUN/tcp-$port.server" 2>&1 &
  server=$!
  wait_for 5 sh -c "ip netns exec hostb ss -ltn | grep -q ':$port '"
  ip netns exec hosta timeout "$t" python3 -c '
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])))
c.sendall(b"x" * int(sys.argv[3])); c.shutdown(socket.SHUT_WR)
print(c.recv(64).decode())' "$HOSTB" "$port" "$TCP_BYTES" 2>/dev/null || echo failed
  wait "$server" 2>/dev/null || true
}

capture_start gwa ul0 "$LAB_RUN/gwa/ul0.pcap" >>"$LAB_RUN/gwa/captures.log"

# 1. IKE fragmentation.
start_xfrmd_pair
# init_line N: gwa's Nth IKE_SA_INIT request as charon logged it.
init_line() { grep 'generating IKE_SA_INIT request 0 ' "$LAB_RUN/gwa/charon.log" | sed -n "$1p"; }
check no-frag-ike-sa-init-sent wait_for 10 grep -q 'generating IKE_SA_INIT request 0 ' "$LAB_RUN/gwa/charon.log"
check no-frag-ike-sa-init-without-frag-sup sh -c "! echo '$(init_line 1)' | grep -q FRAG_SUP"
check no-frag-ike-auth-retransmitted wait_for 10 grep -q 'retransmit 1 of request with message ID 1' "$LAB_RUN/gwa/charon.log"
check no-frag-no-tunnel test "$(sas gwa | grep -c ESTABLISHED || true)" = 0
python3 - "$LAB_RUN/gwa/xfrmd.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
del d["connections"][0]["ike"]
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
xfrmctl_on gwa plan -f "$LAB_RUN/gwa/xfrmd.json" >"$LAB_RUN/plan-frag.txt" 2>&1 || true
check plan-frag-renegotiates grep -q 'tunnel 1: IKE SA renegotiated' "$LAB_RUN/plan-frag.txt"
require apply-frag-yes xfrmctl_on gwa apply -f "$LAB_RUN/gwa/xfrmd.json"
check frag-yes-tunnel-up wait_for 20 up
check frag-yes-ike-sa-init-frag-sup sh -c "grep 'generating IKE_SA_INIT request 0 ' '$LAB_RUN/gwa/charon.log' | tail -1 | grep -q 'N(FRAG_SUP)'"
check frag-yes-ike-auth-split grep -qE 'splitting IKE message \([0-9]+ bytes\) into [2-9] fragments' "$LAB_RUN/gwa/charon.log"
check frag-yes-ike-auth-fragments-sent grep -q 'generating IKE_AUTH request 1 \[ EF(1/' "$LAB_RUN/gwa/charon.log"
{
  echo "gwa's plan (fragmentation no -> yes):"
  cat "$LAB_RUN/plan-frag.txt"
  echo "gwa's charon: IKE_SA_INIT and IKE_AUTH"
  grep -E 'generating IKE_(SA_INIT|AUTH)|splitting IKE|retransmit' "$LAB_RUN/gwa/charon.log"
} >"$LAB_OUT/show-ike-fragmentation.txt"

# 2. No mtu: the kernel's default, and the path's black hole.
default_mtu=$(vti_mtu)
check_gt default-mtu-above-path "$default_mtu" "$PATH_MTU"
check small-ping-crosses on hosta ping -n -c 3 -i 0.2 -W 2 -s 1000 "$HOSTB"
check big-df-ping-lost-without-mtu sh -c "! ip netns exec hosta ping -n -c 2 -i 0.5 -W 2 -M do -s 1400 $HOSTB"
check_eq tcp-stalls-without-mtu failed "$(tcp_transfer 5001 "$(lab_slow_s 8)")"

# 3. mtu 1200 on both, under a running ping.
for gw in gwb gwa; do
  python3 - "$LAB_RUN/$gw/xfrmd.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["connections"][0]["mtu"] = 1200
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
done
index0=$(vti_index) sas0=$(sas gwa)
xfrmctl_on gwa plan -f "$LAB_RUN/gwa/xfrmd.json" >"$LAB_RUN/plan-mtu.txt" 2>&1 || true
check plan-mtu-named grep -q "tunnel 1: charon unchanged; interface MTU (not given) -> 1200, changed in place" "$LAB_RUN/plan-mtu.txt"
check plan-mtu-field grep -q "connection site-b: mtu" "$LAB_RUN/plan-mtu.txt"
flow_start hosta "$HOSTB" mtuflow 0.02
sleep 1
require apply-mtu-gwb xfrmctl_on gwb apply -f "$LAB_RUN/gwb/xfrmd.json"
require apply-mtu-gwa xfrmctl_on gwa apply -f "$LAB_RUN/gwa/xfrmd.json"
sleep 1
flow_stop mtuflow
check_eq vti-mtu-1200 1200 "$(vti_mtu)"
check_eq gwb-vti-mtu-1200 1200 "$(json_get "$(on gwb ip -j link show xfrmd1)" "j[0]['mtu']")"
check_eq vti-same-ifindex "$index0" "$(vti_index)"
check_eq sas-unchanged "$sas0" "$(sas gwa)"
check_gt mtu-flow-replies "$(flow_received mtuflow)" 50
check_eq mtu-flow-none-lost 0 "$(flow_lost mtuflow)"
on gwa ip -d link show xfrmd1 >"$LAB_OUT/show-vti.txt"
{
  echo "gwa's plan (mtu not given -> 1200):"
  cat "$LAB_RUN/plan-mtu.txt"
  echo "gwa's VTI: MTU $default_mtu -> $(vti_mtu), ifindex $index0 -> $(vti_index)"
  echo "SAs before and after:"
  echo "$sas0"
  echo "--"
  sas gwa
} >"$LAB_OUT/show-mtu-change.txt"

# 4. Large packets cross.
check big-ping-fragmented-before-encryption on hosta ping -n -c 3 -i 0.2 -W 2 -M dont -s 1400 "$HOSTB"
# hosta forgets what it learnt meanwhile (the stalled transfer's last retransmissions), so
# this ping's answer comes from gwa's VTI.
on hosta ip route flush cache
on hosta ping -n -c 1 -W 2 -M "do" -s 1400 "$HOSTB" >"$LAB_RUN/df-ping.txt" 2>&1 || true
check df-ping-frag-needed-from-gwa grep -q "From $GWA_LAN icmp_seq=1 Frag needed and DF set (mtu = 1200)" "$LAB_RUN/df-ping.txt"
check df-ping-1200-crosses on hosta ping -n -c 3 -i 0.2 -W 2 -M "do" -s 1172 "$HOSTB"
check df-ping-1201-refused sh -c "! ip netns exec hosta ping -n -c 1 -W 2 -M do -s 1173 $HOSTB"
t_mtu=$(date +%s.%N)
check_eq tcp-1mib-crosses "$TCP_BYTES" "$(tcp_transfer 5002 "$(lab_slow_s 30)")"
check_eq esp-within-path-since-mtu 0 "$(tcpdump -tt -n -r "$LAB_RUN/gwa/ul0.pcap" "src $GWA_UL1 and esp and greater $((PATH_MTU + 15))" 2>/dev/null | awk -v t="$t_mtu" '$1 > t' | wc -l)"
{
  cat "$LAB_RUN/df-ping.txt"
  echo "ESP packets gwa sent, by size (tcpdump lengths over 1200):"
  tcpdump -n -r "$LAB_RUN/gwa/ul0.pcap" "src $GWA_UL1 and esp" 2>/dev/null | awk '{print $NF}' | sort -n | uniq -c | tail -5
} >"$LAB_OUT/show-large-packets.txt"

# 5. Restarts: xfrmd killed while someone sets the link's MTU to 1400: the new xfrmd adopts
# the link and puts 1200 back in place (same ifindex); killed again and the link deleted: the
# new link is created with MTU 1200.
kill_daemon gwa xfrmd
on gwa ip link set xfrmd1 mtu 1400
require restart-adopt start_xfrmd gwa
check restart-adopt-mtu-back wait_for 15 test_vti_mtu 1200
check_eq restart-adopt-same-ifindex "$index0" "$(vti_index)"
check restart-adopt-up wait_for 15 up
kill_daemon gwa xfrmd
on gwa ip link del xfrmd1
require restart-create start_xfrmd gwa
check restart-created-mtu wait_for 15 test_vti_mtu 1200
check restart-created-up wait_for 15 up
index0=$(vti_index) sas0=$(sas gwa)

# 6. mtu no longer given: the link keeps what it has.
python3 - "$LAB_RUN/gwa/xfrmd.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
del d["connections"][0]["mtu"]
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
require apply-mtu-removed xfrmctl_on gwa apply -f "$LAB_RUN/gwa/xfrmd.json"
check_eq mtu-removed-link-keeps-it 1200 "$(vti_mtu)"
check_eq mtu-removed-same-ifindex "$index0" "$(vti_index)"
check_eq mtu-removed-sas-unchanged "$sas0" "$(sas gwa)"
capture_stop "$LAB_RUN/gwa/ul0.pcap"
