# shellcheck shell=bash
# nat-overlap (issue 20, items 2 and 3): both sites use 10.1.0.0/24. gwa runs xfrmd with one
# route-based tunnel (VTI) and Azure-style NAT rules: egress 10.1.0.0/24 (ours) appears to site B
# as 100.64.1.0/24, ingress 10.1.0.0/24 (site B's, as it really is) appears to us as
# 100.64.2.0/24. gwb is a plain strongSwan peer that knows nothing of NAT (it routes
# 100.64.1.0/24 into its VTI); then the same in policy mode. qemu: user-mode Linux has no
# nftables for ip/inet, nor NAT.
#   1. A table "inet other" made before xfrmd starts is left as it was.
#   2. hosta pings hostb at 100.64.2.20 and hostb hosta at 100.64.1.10; a TCP transfer crosses
#      (hostb sees hosta as 100.64.1.10); the underlay carries ESP only.
#   3. `xfrmctl explain` shows the translation and the tunnel; xfrmd's table, rule and NAT
#      table are in the kernel as the config says.
#   4. MSS: gwb's underlay takes at most 1450 bytes (larger packets vanish) and gwa's ICMP
#      "fragmentation needed" is dropped: a path MTU black hole. A 1 MB transfer from hosta
#      stalls; with "mss": 1350 applied it crosses, and hostb sees SYNs with MSS 1350; with
#      "mss": "auto" and "mtu": 1300 it crosses too, SYNs and SYN-ACKs clamped to MSS 1260.
#   5. An empty config removes xfrmd's table and rule, nothing else.
#   6. The same in policy mode (gwb policy-based, selectors 10.1.0.0/24 <-> 100.64.1.0/24):
#      pings both ways, 1 MB of TCP (its SYN clamped to MSS 1350), ESP only, explain.

ONE_MB=1048576
# tcp_run NAME PORT BYTES TIMEOUT: hostb's server on PORT, hosta's client sending BYTES to
# hostb's translated address; the server's "PEER BYTES" in $LAB_RUN/NAME.out (none: not done).
tcp_run() {
  local name=$1 port=$2 bytes=$3 t=$4 pid
  rm -f "$LAB_RUN/$name.out" "$LAB_RUN/$name.out.ready"
  ip netns exec hostb python3 "$LAB_SCENARIO_DIR/tcp.py" server "$port" "$LAB_RUN/$name.out" "$t" \
    >"$LAB_RUN/$name.server.log" 2>&1 &
  pid=$!
  wait_for 5 test -e "$LAB_RUN/$name.out.ready" || true
  on hosta timeout "$t" python3 "$LAB_SCENARIO_DIR/tcp.py" client "$HOSTB_SEEN" "$port" "$bytes" \
    "$t" >"$LAB_RUN/$name.client.log" 2>&1 || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
tcp_result() { cat "$LAB_RUN/$1.out" 2>/dev/null || echo "none"; }

# NAT's kernel side: nftables NAT (autoloaded too, but a missing module should say so here).
check nat-modules modprobe -a nf_nat nft_nat nft_chain_nat nft_ct

mkdir -p "$LAB_RUN/gwa" "$LAB_RUN/gwb"
start_charon gwa gwb
on gwb ip link add vti1 type vti local 192.0.2.101 remote 192.0.2.1 key 1
on gwb sysctl -qw net.ipv4.conf.vti1.disable_policy=1
on gwb ip link set vti1 up
on gwb ip route add 100.64.1.0/24 dev vti1
require load-peer swanctl_on gwb --load-all --file "$LAB_SCENARIO_DIR/gwb.swanctl.conf"

# 1. A table that is not xfrmd's.
on gwa nft add table inet other
on gwa nft add chain inet other fw '{ type filter hook forward priority 10; policy accept; }'
on gwa nft add rule inet other fw ip daddr 198.51.100.0/24 counter drop
other_before=$(on gwa nft list table inet other)

cp "$LAB_SCENARIO_DIR/gwa.json" "$LAB_RUN/gwa/xfrmd.json"
chmod 600 "$LAB_RUN/gwa/xfrmd.json"
require start-xfrmd start_xfrmd gwa
xfrmctl_on gwa validate -f "$LAB_RUN/gwa/xfrmd.json" >"$LAB_OUT/show-validate.txt" 2>&1 || true
check validate-names-nft grep -qF "nftables (table inet xfrmd): connection site-b: NAT egress 10.1.0.0/24 -> 100.64.1.0/24, ingress 10.1.0.0/24 -> 100.64.2.0/24" "$LAB_OUT/show-validate.txt"
require apply xfrmctl_on gwa apply -f "$LAB_RUN/gwa/xfrmd.json"
check connected wait_for 20 state_is gwa connected

# 2. Traffic both ways through NAT, the underlay ESP only.
capture_start gwa ul0 "$LAB_RUN/gwa/ul0.pcap"
check ping-hosta-to-hostb-translated wait_for 10 on hosta ping -n -q -c 1 -W 1 "$HOSTB_SEEN"
check ping-hosta-to-hostb on hosta ping -n -q -c 5 -i 0.2 -W 2 "$HOSTB_SEEN"
check ping-hostb-to-hosta on hostb ping -n -q -c 5 -i 0.2 -W 2 "$HOSTA_SEEN"
tcp_run tcp-small 5001 100000 "$(lab_slow_s 10)"
check_eq tcp-through-nat "$HOSTA_SEEN 100000" "$(tcp_result tcp-small)"
capture_stop "$LAB_RUN/gwa/ul0.pcap"
check_gt underlay-esp "$(capture_count "$LAB_RUN/gwa/ul0.pcap" esp)" 19
check_eq underlay-no-clear 0 \
  "$(capture_count "$LAB_RUN/gwa/ul0.pcap" "not esp and (net 10.1.0.0/24 or net 100.64.0.0/16)")"

# 3. explain, and what xfrmd put in the kernel.
xfrmctl_on gwa explain 10.1.0.10 "$HOSTB_SEEN" >"$LAB_OUT/show-explain.txt" 2>&1 || true
check explain-translation grep -qF "nat     dst 100.64.2.20 -> 10.1.0.20 (ingress), src 10.1.0.10 -> 100.64.1.10 (egress), connection site-b" "$LAB_OUT/show-explain.txt"
check_eq explain-protected protected \
  "$(xfrmctl_on gwa explain --json 10.1.0.10 "$HOSTB_SEEN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["outcome"])' 2>&1)"
on gwa nft -j list table inet xfrmd >"$LAB_RUN/gwa/nft.json"
on gwa nft list table inet xfrmd >"$LAB_OUT/show-nft.txt"
check nft-snat-egress grep -qF 'oifname "xfrmd1" ip saddr 10.1.0.0/24 snat ip prefix to ip saddr map { 10.1.0.0/24 : 100.64.1.0/24 }' "$LAB_OUT/show-nft.txt"
check nft-dnat-ingress grep -qF 'iifname != "xfrmd1" ip daddr 100.64.2.0/24 dnat ip prefix to ip daddr map { 100.64.2.0/24 : 10.1.0.0/24 }' "$LAB_OUT/show-nft.txt"
check_eq nft-json-chains "clamp=0 postnat=1 premark=1 prenat=1" "$(python3 -c '
import json,sys
names = {o["chain"]["name"] for o in json.load(open(sys.argv[1]))["nftables"] if "chain" in o}
print(" ".join("%s=%d" % (n, n in names) for n in ("clamp", "postnat", "premark", "prenat")))' "$LAB_RUN/gwa/nft.json")"
check nat-rule sh -c "ip -n gwa rule list | grep -q '^212:.*fwmark 0x78660001 lookup 2019950593'"
check nat-table-route sh -c "ip -n gwa route show table 2019950593 | grep -q '^10.1.0.0/24 dev xfrmd1'"
check published-translated sh -c "ip -n gwa route show 100.64.2.0/24 | grep -q 'dev xfrmd1'"
check_eq other-table-untouched "$other_before" "$(on gwa nft list table inet other)"

# 4. A path MTU black hole: gwb's underlay drops what exceeds 1450 bytes, gwa's ICMP "fragmentation
# needed" never reaches hosta (a table of the lab's own).
on gwb ip link set ul0 mtu 1450
on gwa nft add table inet lab
on gwa nft add chain inet lab out '{ type filter hook output priority 0; policy accept; }'
on gwa nft add rule inet lab out icmp type destination-unreachable icmp code frag-needed drop
tcp_run tcp-blackhole 5002 $ONE_MB "$(lab_slow_s 8)"
check_eq transfer-without-clamp-stalls none "$(tcp_result tcp-blackhole)"

python3 - "$LAB_RUN/gwa/xfrmd.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["connections"][0]["mss"] = 1350
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
xfrmctl_on gwa plan -f "$LAB_RUN/gwa/xfrmd.json" >"$LAB_OUT/show-plan-mss.txt" 2>&1 || true
check plan-names-nft grep -qF "nftables table inet xfrmd, connection site-b (mss, nat): update" "$LAB_OUT/show-plan-mss.txt"
require apply-mss xfrmctl_on gwa apply -f "$LAB_RUN/gwa/xfrmd.json"
on gwa nft list table inet xfrmd >"$LAB_OUT/show-nft-mss.txt"
check nft-clamp grep -qF 'oifname "xfrmd1" tcp flags syn / syn,rst tcp option maxseg size > 1350 tcp option maxseg size set 1350' "$LAB_OUT/show-nft-mss.txt"
check_eq other-table-untouched-after-mss "$other_before" "$(on gwa nft list table inet other)"
capture_start hostb lan0 "$LAB_RUN/hostb-syn.pcap" in
tcp_run tcp-clamped 5003 $ONE_MB "$(lab_slow_s 30)"
capture_stop "$LAB_RUN/hostb-syn.pcap"
check_eq transfer-with-clamp "$HOSTA_SEEN $ONE_MB" "$(tcp_result tcp-clamped)"
tcpdump -v -n -r "$LAB_RUN/hostb-syn.pcap" 'tcp[tcpflags] & tcp-syn != 0' >"$LAB_OUT/show-syn.txt" 2>&1 || true
check syn-mss-clamped grep -q "mss 1350" "$LAB_OUT/show-syn.txt"
check_eq syn-mss-never-above 0 "$(grep -oE 'mss [0-9]+' "$LAB_OUT/show-syn.txt" | awk '$2 > 1350' | wc -l)"

# 4b. "mss": "auto" clamps to the route's MTU: the VTI's, here "mtu": 1300 (changed in place),
# so SYNs into the tunnel leave with MSS 1260 (1300 less the IPv4 and TCP headers), and hostb's
# SYN-ACK coming out of it is clamped to 1260 too (gwa's ICMP still dropped: the transfer
# would stall without that).
python3 - "$LAB_RUN/gwa/xfrmd.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["connections"][0]["mss"] = "auto"
d["connections"][0]["mtu"] = 1300
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
require apply-mss-auto xfrmctl_on gwa apply -f "$LAB_RUN/gwa/xfrmd.json"
check_eq vti-mtu-1300 1300 "$(on gwa cat /sys/class/net/xfrmd1/mtu)"
on gwa nft list table inet xfrmd >"$LAB_OUT/show-nft-mss-auto.txt"
check nft-clamp-auto grep -qF 'oifname "xfrmd1" tcp flags syn / syn,rst tcp option maxseg size set rt mtu' "$LAB_OUT/show-nft-mss-auto.txt"
check nft-clamp-auto-in grep -qF 'iifname "xfrmd1" meta nfproto ipv4 tcp flags syn / syn,rst tcp option maxseg size > 1260 tcp option maxseg size set 1260' "$LAB_OUT/show-nft-mss-auto.txt"
capture_start hostb lan0 "$LAB_RUN/hostb-syn-auto.pcap" in
tcp_run tcp-clamped-auto 5004 $ONE_MB "$(lab_slow_s 30)"
capture_stop "$LAB_RUN/hostb-syn-auto.pcap"
check_eq transfer-with-clamp-auto "$HOSTA_SEEN $ONE_MB" "$(tcp_result tcp-clamped-auto)"
tcpdump -v -n -r "$LAB_RUN/hostb-syn-auto.pcap" 'tcp[tcpflags] & tcp-syn != 0' \
  >"$LAB_OUT/show-syn-auto.txt" 2>&1 || true
check_eq syn-mss-auto-1260 "mss 1260" "$(grep -oE 'mss [0-9]+' "$LAB_OUT/show-syn-auto.txt" | sort -u | xargs)"

# 5. The last connection gone: xfrmd's table, rule and NAT routes go; the other table stays.
echo '{ "gateway": { "name": "gw-a", "local_addresses": ["192.0.2.1"] }, "connections": [] }' \
  >"$LAB_RUN/gwa/empty.json"
check apply-empty xfrmctl_on gwa apply -f "$LAB_RUN/gwa/empty.json"
check_eq table-removed 0 "$(on gwa nft list tables | grep -c 'inet xfrmd' || true)"
check_eq nat-rule-removed 0 "$(ip -n gwa rule list | grep -c fwmark || true)"
check_eq other-table-untouched-at-end "$other_before" "$(on gwa nft list table inet other)"

# 6. Policy mode: the selectors are 100.64.1.0/24 <-> 10.1.0.0/24 (our egress external, the far
# side's real prefix); gwb turns policy-based (no VTI route), the path MTU back to 1500.
on gwb ip link set ul0 mtu 1500
on gwb ip route del 100.64.1.0/24 dev vti1
require load-peer-policy swanctl_on gwb --load-all --file "$LAB_SCENARIO_DIR/gwb-policy.swanctl.conf"
python3 - "$LAB_SCENARIO_DIR/gwa.json" "$LAB_RUN/gwa/policy.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["connections"][0]
del c["mode"], c["interface"]
c["mss"] = 1350
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
chmod 600 "$LAB_RUN/gwa/policy.json"
require apply-policy xfrmctl_on gwa apply -f "$LAB_RUN/gwa/policy.json"
check policy-connected wait_for 20 state_is gwa connected
check policy-selectors-on-wire sh -c "ip -n gwa xfrm policy list dir out | grep -q 'src 100.64.1.0/24 dst 10.1.0.0/24'"
on gwa nft list table inet xfrmd >"$LAB_OUT/show-nft-policy.txt"
check policy-nft-ipsec-reqid grep -qF 'ipsec in reqid' "$LAB_OUT/show-nft-policy.txt"
capture_start gwa ul0 "$LAB_RUN/gwa/ul0-policy.pcap"
check policy-ping-hosta-to-hostb wait_for 10 on hosta ping -n -q -c 1 -W 1 "$HOSTB_SEEN"
check policy-ping-hostb-to-hosta on hostb ping -n -q -c 5 -i 0.2 -W 2 "$HOSTA_SEEN"
capture_start hostb lan0 "$LAB_RUN/hostb-syn-policy.pcap" in
tcp_run tcp-policy 5004 $ONE_MB "$(lab_slow_s 30)"
capture_stop "$LAB_RUN/hostb-syn-policy.pcap"
check_eq policy-tcp-through-nat "$HOSTA_SEEN $ONE_MB" "$(tcp_result tcp-policy)"
tcpdump -v -n -r "$LAB_RUN/hostb-syn-policy.pcap" 'tcp[tcpflags] & tcp-syn != 0' \
  >"$LAB_OUT/show-syn-policy.txt" 2>&1 || true
check policy-syn-mss-clamped grep -q "mss 1350" "$LAB_OUT/show-syn-policy.txt"
capture_stop "$LAB_RUN/gwa/ul0-policy.pcap"
check_gt policy-underlay-esp "$(capture_count "$LAB_RUN/gwa/ul0-policy.pcap" esp)" 19
check_eq policy-underlay-no-clear 0 \
  "$(capture_count "$LAB_RUN/gwa/ul0-policy.pcap" "not esp and (net 10.1.0.0/24 or net 100.64.0.0/16)")"
xfrmctl_on gwa explain 10.1.0.10 "$HOSTB_SEEN" >"$LAB_OUT/show-explain-policy.txt" 2>&1 || true
check policy-explain-translation grep -qF "nat     dst 100.64.2.20 -> 10.1.0.20 (ingress), src 10.1.0.10 -> 100.64.1.10 (egress)" "$LAB_OUT/show-explain-policy.txt"
check_eq policy-explain-protected protected \
  "$(xfrmctl_on gwa explain --json 10.1.0.10 "$HOSTB_SEEN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["outcome"])' 2>&1)"
check_eq other-table-untouched-policy "$other_before" "$(on gwa nft list table inet other)"
