# shellcheck shell=bash
# gateway-hosts-three (issue 19): one gateway on three hosts, three connections, each
# connection's two tunnels on two of the hosts (topology.sh), and xfrmd at the far end too: gwb
# runs xfrmd and BIRD with the three connections' mirror (BGP with BFD over every tunnel). One
# document is pushed to the three hosts.
#   1. The arithmetic of the README's "How far it goes", at small scale: what each host runs
#      (tunnels = the document's tunnels whose local address it owns, a BGP session over each,
#      one to the LAN router), what the LAN router holds (a route per remote prefix, as wide as
#      the hosts carrying it, a session per host) and what the far end holds, computed from the
#      document and compared with the kernel's and BIRD's; flows from every subnet cross.
#   2. gw-1 killed outright under the flows: rtr and gwb forget it within BFD time (200 ms x 5
#      here: see rtr.bird.conf), c1 and c3 go on over their other host, c2 is untouched (its
#      routes keep both hosts); interruption measured, nothing in clear. gw-1 back: every route
#      as wide as before, no packet lost.
HOSTS=(gwa gwa2 gwa3) GWH_HOSTS=(gwa gwa2)
GWH_UL=([gwa]=ul0 [gwa2]=ul1 [gwa3]=ul2)
GWH_UL_PEER=([gwa]=192.0.2.101 [gwa2]=192.0.2.102 [gwa3]=192.0.2.103)
GWH_LAN_NET=10.1.0.0/16
FLOWS=(1.10 1.11 2.10 2.11 3.10 3.11) # hosta 10.1.N.M -> hostb 10.2.N.10

for ns in "${HOSTS[@]}" gwb; do
  mkdir -p "$LAB_RUN/$ns"
  printf 'filelog {\n  lab {\n    time_add_ms = yes\n  }\n}\n' >"$LAB_RUN/$ns/strongswan.extra.conf"
done
require start-charon start_charon "${HOSTS[@]}" gwb
require start-bird-rtr start_bird rtr "$LAB_SCENARIO_DIR/rtr.bird.conf"
require start-bird-gwb gwh_bird gwb 192.0.2.101
require start-xfrmd-gwb gwh_xfrmd gwb
gwh_start "${HOSTS[@]}"
(umask 077 && cp "$LAB_SCENARIO_DIR/gwb.json" "$LAB_RUN/gwb.json")
require apply-gwb xfrmctl_on gwb apply -f "$LAB_RUN/gwb.json"
gwh_push "${HOSTS[@]}" # one document, pushed to the three hosts
for h in "${HOSTS[@]}"; do
  capture_start "$h" "${GWH_UL[$h]}" "$LAB_RUN/$h/ul.pcap" >>"$LAB_RUN/captures.log"
done

# What the document says each piece should hold (the README's arithmetic), one line per item:
#   host NS TUNNELS     the tunnels whose local address NS's host owns
#   rtr PREFIX HOSTBRS  the hosts (their LAN addresses) carrying the connection of PREFIX
#   gwb PREFIX VIAS     the inside addresses (site A's ends) of the connection of PREFIX
expected() {
  python3 - "$LAB_RUN/gw.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ns = {"gw-1": ("gwa", "10.1.255.2"), "gw-2": ("gwa2", "10.1.255.3"), "gw-3": ("gwa3", "10.1.255.4")}
owner = {a: h["name"] for h in d["gateway"]["hosts"] for a in h["addresses"]}
for h in d["gateway"]["hosts"]:
    n = sum(t["local"] in h["addresses"] for c in d["connections"] for t in c["tunnels"])
    print("host", ns[h["name"]][0], n)
for c in d["connections"]:
    hosts = sorted(ns[owner[t["local"]]][1] for t in c["tunnels"])
    vias = sorted(t["inside"]["local"].split("/")[0] for t in c["tunnels"])
    for p in c["remote_prefixes"]:
        print("rtr", p, " ".join(hosts))
    for p in c["local_prefixes"]:
        print("gwb", p, " ".join(vias))
PY
}
expected >"$LAB_RUN/expected.txt"
tunnel_sessions_up() { birdc_on "$1" show protocols | awk '$1 ~ /^xfrmd[0-9]+_/ && /Established/' | wc -l; }
rtr_sessions_up() { birdc_on rtr show protocols | awk '$1 ~ /^gw[0-9]$/ && /Established/' | wc -l; }
routes_as_expected() { # routes_as_expected [ADDR...]: rtr's and gwb's routes as the document says, less ADDRs
  python3 - "$LAB_RUN/expected.txt" "$(ip -n rtr -j route show proto bird)" "$(ip -n gwb -j route show proto bird)" "$*" <<'PY'
import json, sys
have = {"rtr": json.loads(sys.argv[2] or "[]"), "gwb": json.loads(sys.argv[3] or "[]")}
skip = set(sys.argv[4].split())
def vias(routes, prefix):
    for r in routes:
        if r["dst"] == prefix:
            return sorted(h["gateway"] for h in r.get("nexthops", [r]) if "gateway" in h)
    return []
for w in (l.split() for l in open(sys.argv[1])):
    if w[0] in have and vias(have[w[0]], w[1]) != sorted(a for a in w[2:] if a not in skip):
        sys.exit(1)
PY
}
all_up() {
  local h
  for h in "${HOSTS[@]}"; do
    (($(tunnel_sessions_up "$h") == $(awk -v h="$h" '$1 == "host" && $2 == h {print $3}' "$LAB_RUN/expected.txt"))) || return 1
    bird_established "$h" xfrmd_lanpeer1 || return 1
  done
  (($(rtr_sessions_up) == ${#HOSTS[@]})) && routes_as_expected
}

# 1. Bring-up and the arithmetic.
check everything-up wait_for 180 all_up
for h in "${HOSTS[@]}"; do
  want=$(awk -v h="$h" '$1 == "host" && $2 == h {print $3}' "$LAB_RUN/expected.txt")
  check_eq "$h-runs-its-tunnels" "$want" "$(gwh_links "$h" | wc -l)"
  check_eq "$h-a-bgp-session-per-tunnel" "$want" "$(tunnel_sessions_up "$h")"
  check_eq "$h-one-lan-session" 1 "$(birdc_on "$h" show protocols | awk '$1 ~ /^xfrmd_lanpeer/' | wc -l)"
done
check_eq rtr-a-session-per-host ${#HOSTS[@]} "$(rtr_sessions_up)"
check_eq rtr-a-route-per-remote-prefix 3 "$(ip -n rtr route show proto bird | grep -c '^10\.2\.')"
check_eq gwb-six-tunnels 6 "$(gwh_links gwb | wc -l)"
check rtr-and-gwb-routes-as-the-document-says routes_as_expected
# Every host lists every connection: gw-1 runs none of c2's tunnels and says who does.
check gwa-status-c2-elsewhere python3 -c 'import json, sys
c = {c["name"]: c for c in json.load(sys.stdin)["connections"]}
assert list(c) == ["c1", "c2", "c3"], list(c)
assert c["c2"]["state"] == "elsewhere" and c["c2"]["tunnels"] == [], c["c2"]
assert [(a["tunnel"], a["host"]) for a in c["c2"]["away"]] == [(1, "gw-2"), (2, "gw-3")], c["c2"]["away"]
assert [(a["tunnel"], a["host"]) for a in c["c1"]["away"]] == [(2, "gw-2")], c["c1"]["away"]' \
  < <(xfrmctl_on gwa status --json)
{
  cat "$LAB_RUN/expected.txt"
  for ns in rtr gwb "${HOSTS[@]}"; do echo "== $ns"; ip -n "$ns" route show proto bird; done
  for h in "${HOSTS[@]}"; do echo "== xfrmctl status on $h"; xfrmctl_on "$h" status; done
  for ns in rtr gwb "${HOSTS[@]}"; do echo "== $ns: birdc show protocols"; birdc_on "$ns" show protocols; done
} >"$LAB_OUT/show-bringup.txt" 2>&1
for f in "${FLOWS[@]}"; do tflow_start hosta "10.2.${f%.*}.10" "f$f" 0.05 "10.1.$f" && GWH_FLOWS+=("f$f"); done
check flows-cross wait_for 60 gwh_flows_have 10

# 2. gw-1 killed outright under the flows, then back (gwh_kills, lib/gwhosts.sh): gone means
# rtr's and gwb's routes are the document's less gw-1's LAN address and its tunnels' inside
# addresses (c2's keep both hosts).
declare -A ADDRS=([gwa]="10.1.255.2 169.254.11.2 169.254.32.2")
gwh_gone() { routes_as_expected "${ADDRS[$1]}"; }
gwh_ready() { all_up; }
# Every change of rtr's and gwb's routes meanwhile, timestamped (for a failure's diagnosis).
watch_routes() {
  local last="" now
  while :; do
    now=$({ ip -n rtr route show proto bird; ip -n gwb route show proto bird; } 2>&1 | tr '\n' ';')
    [[ $now == "$last" ]] || echo "$EPOCHREALTIME $now"
    last=$now
    sleep 0.5
  done
}
echo "kill at $EPOCHREALTIME" >"$LAB_OUT/show-kill-watch.txt"
watch_routes >>"$LAB_OUT/show-kill-watch.txt" 2>&1 &
watch_pid=$!
gwh_kills 1
kill "$watch_pid" 2>/dev/null || true
check_lt kill-interruption-under-2s "${GWH_GAPS[0]}" "$(peer_ms 2000)" # BFD 200 ms x 5 here
for f in "${GWH_FLOWS[@]}"; do flow_stop "$f"; done
pcaps=()
for h in "${HOSTS[@]}"; do capture_stop "$LAB_RUN/$h/ul.pcap"; pcaps+=("$LAB_RUN/$h/ul.pcap"); done
check_eq no-clear-text 0 "$(peer_clear_text "${pcaps[@]}")"
for h in "${HOSTS[@]}"; do xfrmctl_on "$h" status >"$LAB_OUT/show-status-$h.txt" 2>&1 || true; done
