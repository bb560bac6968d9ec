# shellcheck shell=bash
# nat-bgp (issue 20, item 2 with BGP): NAT and BGP on one route-mode connection. Both sites use
# 10.1.0.0/24. gwa runs xfrmd and BIRD 2: one tunnel (VTI), NAT rules (egress 10.1.0.0/24 as
# 100.64.1.0/24, ingress site B's 10.1.0.0/24 as 100.64.2.0/24) and a bgp section with the
# defaults (announce: the egress external; accept: site B's real 10.1.0.0/24). gwb is plain
# strongSwan and a hand-written BIRD knowing nothing of NAT: it announces its real 10.1.0.0/24
# and installs what it learns. qemu: user-mode Linux has no nftables NAT.
#   1. The session is Established over the tunnel; gwb learns 100.64.1.0/24 (never 10.1.0.0/24)
#      through its VTI; gwa's learned 10.1.0.0/24 is in the connection's NAT table (BIRD, over
#      xfrmd's fail-closed hold at metric + 1) and NOT in the main table, where 10.1.0.0/24 stays
#      gwa's LAN; the main table holds the ingress external 100.64.2.0/24 (blackhole, 211).
#   2. Pings and TCP both ways through the translation; the underlay carries ESP only; `explain`
#      names the learned route in the NAT table (after withdrawal: the hold).
#   3. gwb's session disabled: the learned route leaves the NAT table, the hold stays, hosta's
#      traffic to site B is dropped: no clear text on the underlay, nothing to gwa's own LAN
#      (where hosta then answers for 10.1.0.20 too, so a fall-through would be seen).
#   4. Enabled again: the route is back and traffic crosses.

NAT_T=2019950593 # gateway.nat.table's default + tunnel id 1
P1=xfrmd1_site_b

# tcp_run NAME PORT FROM TO DST TIMEOUT: a server in TO on PORT, a client in FROM sending 100 kB
# to DST; the server's "PEER BYTES" in $LAB_RUN/NAME.out (none: not done).
tcp_run() {
  local name=$1 port=$2 from=$3 to=$4 dst=$5 t=$6 pid
  rm -f "$LAB_RUN/$name.out" "$LAB_RUN/$name.out.ready"
  ip netns exec "$to" python3 "$LAB_SCENARIO_DIR/../nat-overlap/tcp.py" server "$port" \
    "$LAB_RUN/$name.out" "$t" >"$LAB_RUN/$name.server.log" 2>&1 &
  pid=$!
  wait_for 5 test -e "$LAB_RUN/$name.out.ready" || true
  on "$from" timeout "$t" python3 "$LAB_SCENARIO_DIR/../nat-overlap/tcp.py" client "$dst" "$port" \
    100000 "$t" >"$LAB_RUN/$name.client.log" 2>&1 || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
tcp_result() { cat "$LAB_RUN/$1.out" 2>/dev/null || echo "none"; }
# Routes in gwa's NAT table / main table for 10.1.0.0/24.
nat_routes() { ip -n gwa route show table $NAT_T exact 10.1.0.0/24; }
nat_learned() { grep -q "^10.1.0.0/24 via 169.254.21.1 dev xfrmd1 proto bird metric 100" <<<"$(nat_routes)"; }
nat_not_learned() { ! grep -q 'proto bird' <<<"$(nat_routes)"; }
show_routes() {
  echo "gwa: ip route show table $NAT_T"
  ip -n gwa route show table $NAT_T
  echo "gwa: ip route show (main)"
  ip -n gwa route show
  echo "gwa: ip rule"
  ip -n gwa rule list
  echo "gwa: birdc show route table xfrmd_ipv4_t${NAT_T}_m100 all"
  birdc_on gwa show route table "xfrmd_ipv4_t${NAT_T}_m100" all 2>&1 | sed 1d
  echo "gwb: ip route show"
  ip -n gwb route show
}

check nat-modules modprobe -a nf_nat nft_nat nft_chain_nat nft_ct

mkdir -p "$LAB_RUN/gwa" "$LAB_RUN/gwb"
start_charon gwa gwb
on gwb ip link add vti1 type vti local 192.0.2.101 remote 192.0.2.1 key 1
on gwb sysctl -qw net.ipv4.conf.vti1.disable_policy=1
on gwb ip addr add 169.254.21.1/30 dev vti1
on gwb ip link set vti1 up
require load-peer swanctl_on gwb --load-all --file "$LAB_SCENARIO_DIR/gwb.swanctl.conf"
require start-bird-gwb start_bird gwb "$LAB_SCENARIO_DIR/gwb.bird.conf"
sed "s|RUN|$LAB_RUN|g" "$LAB_SCENARIO_DIR/gwa.bird.conf" >"$LAB_RUN/gwa/bird.conf"
require start-bird-gwa start_bird gwa "$LAB_RUN/gwa/bird.conf"

(umask 077 && sed "s|RUN|$LAB_RUN|g" "$LAB_SCENARIO_DIR/gwa.json" >"$LAB_RUN/gwa/xfrmd.json")
require start-xfrmd start_xfrmd gwa
require apply xfrmctl_on gwa apply -f "$LAB_RUN/gwa/xfrmd.json"
check connected wait_for 20 state_is gwa connected

# 1. The session, what each side learned, and where.
check bgp-established wait_for 60 bird_established gwa $P1
check gwb-learns-egress-external wait_for 30 sh -c "ip -n gwb route show exact 100.64.1.0/24 | grep -q 'dev vti1 proto bird'"
check_eq gwb-never-learns-our-real-prefix 0 "$(ip -n gwb route show proto bird | grep -c '^10\.1\.0\.0/24' || true)"
check gwa-learned-in-nat-table wait_for 30 nat_learned
check gwa-hold-under-it-in-nat-table sh -c "ip -n gwa route show table $NAT_T exact 10.1.0.0/24 | grep -q '^blackhole 10.1.0.0/24 proto 211 .*metric 101'"
check_eq gwa-learned-not-in-main 0 "$(ip -n gwa route show table main proto bird | wc -l)"
check gwa-main-keeps-lan sh -c "ip -n gwa route show exact 10.1.0.0/24 | grep -q '^10.1.0.0/24 dev lan0'"
check gwa-main-hold-ingress-external sh -c "ip -n gwa route show exact 100.64.2.0/24 | grep -q '^blackhole 100.64.2.0/24 proto 211 .*metric 101'"
check nat-rule sh -c "ip -n gwa rule list | grep -q '^212:.*fwmark 0x78660001 lookup $NAT_T'"
check include-own-kernel-protocol grep -q "kernel table $NAT_T;" "$LAB_RUN/gwa/xfrmd-bird.conf"
xfrmctl_on gwa routes >"$LAB_OUT/show-routes.txt" 2>&1 || true
check_eq routes-lists-holds-and-learned \
  "10.1.0.0/24 $NAT_T 100 learned,10.1.0.0/24 $NAT_T 101 fail-closed-hold,100.64.2.0/24 254 101 fail-closed-hold" \
  "$(xfrmctl_on gwa routes --json site-b | python3 -c "import json,sys
print(','.join(sorted('%s %s %s %s' % (r['prefix'], r['table'], r['metric'], r['state']) for r in json.load(sys.stdin))))")"
show_routes >"$LAB_OUT/show-bgp-bringup.txt" 2>&1
xfrmctl_on gwa explain 10.1.0.10 "$HOSTB_SEEN" >"$LAB_OUT/show-explain.txt" 2>&1 || true
xfrmctl_on gwa explain --json 10.1.0.10 "$HOSTB_SEEN" >"$LAB_OUT/show-explain.json" 2>&1 || true
# the gateway's own traffic to an ingress external is not translated: the hold in main drops it
check explain-own-traffic-held grep -q "^locally generated .*: dropped: blackhole route (fail-closed hold: no route learned over BGP)" "$LAB_OUT/show-explain.txt"
check_eq explain-learned-route-in-nat-table "protected True $NAT_T xfrmd1" \
  "$(json_get "$LAB_OUT/show-explain.json" "' '.join(str(x) for x in (j['outcome'], j['route']['bgp'], j['route']['table'], j['route']['dev']))")"

# 2. Traffic both ways through NAT, ESP only on the underlay.
capture_start gwa ul0 "$LAB_RUN/gwa/ul0.pcap"
check ping-hosta-to-hostb-translated wait_for 10 on hosta ping -n -q -c 1 -W 1 "$HOSTB_SEEN"
check ping-hosta-to-hostb on hosta ping -n -q -c 5 -i 0.2 -W 2 "$HOSTB_SEEN"
check ping-hostb-to-hosta on hostb ping -n -q -c 5 -i 0.2 -W 2 "$HOSTA_SEEN"
tcp_run tcp-a-to-b 5001 hosta hostb "$HOSTB_SEEN" "$(lab_slow_s 10)"
check_eq tcp-a-to-b "$HOSTA_SEEN 100000" "$(tcp_result tcp-a-to-b)"
tcp_run tcp-b-to-a 5002 hostb hosta "$HOSTA_SEEN" "$(lab_slow_s 10)"
check_eq tcp-b-to-a "$HOSTB_SEEN 100000" "$(tcp_result tcp-b-to-a)"
capture_stop "$LAB_RUN/gwa/ul0.pcap"
check_gt underlay-esp "$(capture_count "$LAB_RUN/gwa/ul0.pcap" esp)" 19
check_eq underlay-no-clear 0 \
  "$(capture_count "$LAB_RUN/gwa/ul0.pcap" "not esp and (net 10.1.0.0/24 or net 100.64.0.0/16)")"

# 3. Withdrawn: the learned route goes, the hold catches the traffic. hosta answers for site B's
# real 10.1.0.20 too: traffic falling through the NAT table to the main table (gwa's LAN) would
# reach it and the ping would succeed.
on hosta ip addr add 10.1.0.20/32 dev lan0
check gwb-disables-session birdc_on gwb disable t1
check withdrawn-from-nat-table wait_for 30 nat_not_learned
check withdrawn-hold-stays sh -c "ip -n gwa route show table $NAT_T exact 10.1.0.0/24 | grep -q '^blackhole 10.1.0.0/24 proto 211 .*metric 101'"
show_routes >"$LAB_OUT/show-bgp-withdrawn.txt" 2>&1
xfrmctl_on gwa explain 10.1.0.10 "$HOSTB_SEEN" >"$LAB_OUT/show-explain-withdrawn.txt" 2>&1 || true
xfrmctl_on gwa explain --json 10.1.0.10 "$HOSTB_SEEN" >"$LAB_OUT/show-explain-withdrawn.json" 2>&1 || true
check_eq explain-withdrawn-hold "dropped 211 $NAT_T" \
  "$(json_get "$LAB_OUT/show-explain-withdrawn.json" "' '.join(str(x) for x in (j['outcome'], j['route']['protocol'], j['route']['table']))")"
capture_start gwa ul0 "$LAB_RUN/gwa/ul0-withdrawn.pcap"
capture_start gwa lan0 "$LAB_RUN/gwa/lan0-withdrawn.pcap"
check withdrawn-ping-fails sh -c "! ip netns exec hosta ping -n -q -c 5 -i 0.2 -W 1 $HOSTB_SEEN"
capture_stop "$LAB_RUN/gwa/ul0-withdrawn.pcap"
capture_stop "$LAB_RUN/gwa/lan0-withdrawn.pcap"
check_eq withdrawn-underlay-no-clear 0 \
  "$(capture_count "$LAB_RUN/gwa/ul0-withdrawn.pcap" "not esp and (net 10.1.0.0/24 or net 100.64.0.0/16)")"
check_eq withdrawn-nothing-to-own-lan 0 \
  "$(capture_count "$LAB_RUN/gwa/lan0-withdrawn.pcap" "icmp and dst host 10.1.0.20")"

on hosta ip addr del 10.1.0.20/32 dev lan0

# 4. Back.
check gwb-enables-session birdc_on gwb enable t1
check relearned-in-nat-table wait_for 60 nat_learned
check relearned-ping wait_for 10 on hosta ping -n -q -c 1 -W 1 "$HOSTB_SEEN"
check_eq relearned-not-in-main 0 "$(ip -n gwa route show table main proto bird | wc -l)"
