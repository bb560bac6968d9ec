# shellcheck shell=bash
# config-push: what a CI push may and may not disturb. Two connections per
# gateway (site-b on path 1, site-c on path 2), traffic on both.
#   1. A file that changes only site-c (its IKE proposal: the tunnel is
#      renegotiated) is planned, then applied on both gateways while a 20 ms
#      ping runs through site-b: site-b's IKE and CHILD SPIs stay the same and
#      the ping loses no packet.
#   2. A prefix is added live to site-c (10.22.0.0/24 behind gwb): plan says
#      "new CHILD_SA", the IKE SA keeps its SPIs, the new LAN is reachable, a
#      ping through site-c loses at most what a rekey loses, site-b is again
#      untouched.
#   3. The same file once more: plan exit 0, apply changes nothing.

# spis GW CONN: "IKE-SPIs CHILD-SPIs" of the connection's tunnel 1.
spis() {
  conn_named "$1" "$2" "' '.join([c['tunnels'][0]['ike']['spi_i'], c['tunnels'][0]['ike']['spi_r'], c['tunnels'][0]['child']['spi_in'], c['tunnels'][0]['child']['spi_out']])"
}
ike_spis() { spis "$1" "$2" | cut -d' ' -f1-2; }
child_spis() { spis "$1" "$2" | cut -d' ' -f3-4; }
conn_state_is() { [[ $(conn_named "$1" "$2" "c['state']") == "$3" ]]; }
both_connected() { conn_state_is "$1" site-c connected && conn_state_is "$1" "$2" connected; }
# plan_conns GW FILE: "name:change:tunnel-changes" per connection, from plan --json.
plan_conns() {
  xfrmctl_on "$1" plan --json -f "$2" | python3 -c 'import json, sys
p = json.load(sys.stdin)
print(" ".join("%s:%s:%s" % (c["name"], c["change"], ",".join(t["charon"] for t in c["tunnels"])) for c in p["connections"]))'
}
# plan_rc GW FILE: plan's exit status.
plan_rc() { xfrmctl_on "$1" plan -f "$2" >/dev/null 2>&1; echo $?; }
# edit GW NAME PYCODE: a copy of GW's config as NAME.json, with PYCODE applied to d (the doc).
edit() {
  python3 - "$LAB_RUN/$1/xfrmd.json" "$LAB_RUN/$1/$2.json" "$3" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = {x["name"]: x for x in d["connections"]}
exec(sys.argv[3])
open(sys.argv[2], "w").write(json.dumps(d, indent=2))
PY
  chmod 600 "$LAB_RUN/$1/$2.json"
}

start_xfrmd_pair
check connected-gwa wait_for 15 both_connected gwa site-b
check connected-gwb wait_for 15 both_connected gwb site-a
check ping-site-b on hosta ping -n -q -c 3 -i 0.1 -W 1 $HOSTB
check ping-site-c on hosta ping -n -q -c 3 -i 0.1 -W 1 -I 10.11.0.10 10.12.0.10

# 1. Change only site-c.
edit gwa esp 'c["site-c"]["ike"] = {"proposals": ["aes128gcm16-prfsha256-ecp256"]}'
edit gwb esp 'c["site-c"]["ike"] = {"proposals": ["aes128gcm16-prfsha256-ecp256"]}'
check_eq plan-only-site-c "site-b:none:none site-c:change:renegotiate-ike" \
  "$(plan_conns gwa "$LAB_RUN/gwa/esp.json")"
check_eq plan-exit-2 2 "$(plan_rc gwa "$LAB_RUN/gwa/esp.json")"
b_gwa=$(spis gwa site-b) b_gwb=$(spis gwb site-a) c_ike=$(ike_spis gwa site-c)
gen=$(xfrmctl_on gwa status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
flow_start hosta $HOSTB fb 0.02
sleep 1
check apply-esp-gwb xfrmctl_on gwb apply -f "$LAB_RUN/gwb/esp.json"
check apply-esp-gwa xfrmctl_on gwa apply --expect-generation "$gen" -f "$LAB_RUN/gwa/esp.json"
check site-c-back-gwa wait_for 15 both_connected gwa site-b
check site-c-back-gwb wait_for 15 both_connected gwb site-a
sleep 1
flow_stop fb
check_gt site-b-flow-ran "$(flow_received fb)" 50
check_eq site-b-flow-lost-nothing 0 "$(flow_lost fb)"
check_eq site-b-spis-unchanged-gwa "$b_gwa" "$(spis gwa site-b)"
check_eq site-b-spis-unchanged-gwb "$b_gwb" "$(spis gwb site-a)"
check site-c-renegotiated test "$c_ike" != "$(ike_spis gwa site-c)"
check_eq site-c-new-proposal AES_GCM_16-128 "$(conn_named gwa site-c "c['tunnels'][0]['ike']['encryption']")"
check ping-site-c-after on hosta ping -n -q -c 3 -i 0.1 -W 1 -I 10.11.0.10 10.12.0.10
echo "site-b during a site-c renegotiation: $(flow_received fb) replies, $(flow_lost fb) lost" \
  >"$LAB_OUT/show-config-push.txt"

# 2. A prefix added to site-c, live.
cp "$LAB_RUN/gwa/esp.json" "$LAB_RUN/gwa/xfrmd.json"
cp "$LAB_RUN/gwb/esp.json" "$LAB_RUN/gwb/xfrmd.json"
edit gwa prefix 'c["site-c"]["remote_prefixes"].append("10.22.0.0/24")'
edit gwb prefix 'c["site-c"]["local_prefixes"].append("10.22.0.0/24")'
check_eq plan-new-child "site-b:none:none site-c:change:new-child-sa" \
  "$(plan_conns gwa "$LAB_RUN/gwa/prefix.json")"
xfrmctl_on gwa plan -f "$LAB_RUN/gwa/prefix.json" >"$LAB_OUT/show-plan-prefix.txt" 2>&1 || true
b_gwa=$(spis gwa site-b) c_ike=$(ike_spis gwa site-c) c_child=$(child_spis gwa site-c)
flow_start hosta 10.12.0.10 fc 0.02 10.11.0.10
flow_start hosta $HOSTB fb2 0.02
sleep 1
check apply-prefix-gwb xfrmctl_on gwb apply -f "$LAB_RUN/gwb/prefix.json"
check apply-prefix-gwa xfrmctl_on gwa apply -f "$LAB_RUN/gwa/prefix.json"
check ping-new-prefix wait_for 10 on hosta ping -n -q -c 1 -W 1 -I 10.11.0.10 10.22.0.10
sleep 1
flow_stop fc
flow_stop fb2
check_eq site-c-ike-kept "$c_ike" "$(ike_spis gwa site-c)"
check site-c-new-child test "$c_child" != "$(child_spis gwa site-c)"
check_eq site-c-one-child 1 "$(swanctl_on gwa --list-sas --ike xfrmd-site-c-t1 | grep -c 'INSTALLED, TUNNEL')"
check_gt site-c-flow-ran "$(flow_received fc)" 50
# A rekey's worth: the old SA deleted while a packet is in flight on it.
check_lt site-c-flow-lost-at-most-a-rekey "$(flow_lost fc)" 5
check_eq site-b-flow-lost-nothing-2 0 "$(flow_lost fb2)"
check_eq site-b-spis-unchanged-2 "$b_gwa" "$(spis gwa site-b)"
check_eq new-prefix-policy-gwa 1 "$(on gwa ip xfrm policy list dir out dst 10.22.0.0/24 | grep -c '^src 10.11.0.0/24 dst 10.22.0.0/24')"
echo "site-c during its prefix addition: $(flow_received fc) replies, $(flow_lost fc) lost; site-b: $(flow_lost fb2) lost" \
  >>"$LAB_OUT/show-config-push.txt"
cp "$LAB_RUN/gwa/prefix.json" "$LAB_RUN/gwa/xfrmd.json"
cp "$LAB_RUN/gwb/prefix.json" "$LAB_RUN/gwb/xfrmd.json"

# 3. The same file again.
check_eq replan-no-change 0 "$(plan_rc gwa "$LAB_RUN/gwa/prefix.json")"
c_child=$(child_spis gwa site-c)
xfrmctl_on gwa apply -f "$LAB_RUN/gwa/prefix.json" >"$LAB_RUN/gwa/reapply.out" 2>&1 || true
check reapply-no-change grep -q '^applied generation [0-9]*: 0 changes' "$LAB_RUN/gwa/reapply.out"
check_eq site-c-child-kept-by-reapply "$c_child" "$(child_spis gwa site-c)"
