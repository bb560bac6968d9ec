#!/bin/bash
# Route publishing on the host, in a throwaway network namespace with a real
# charon: routes are objects with a table, metric and published state; the
# operator publishes and unpublishes them; the choice survives a restart;
# routes xfrmd did not create are never changed. The tunnels cannot come up
# here (no peer, no ESP in the host kernel), so published routes are
# fail-closed blackholes, or withdrawn where fail_closed is off.
#
#   xfrmd_routes.sh XFRMD XFRMCTL
set -euo pipefail # so: no "| grep -q" (its early exit fails the pipe with SIGPIPE)
XFRMD=${1:?usage: xfrmd_routes.sh XFRMD XFRMCTL}
XFRMCTL=${2:?usage: xfrmd_routes.sh XFRMD XFRMCTL}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=charon-fixture.sh
. "$HERE/charon-fixture.sh"
# fail, step, TMP, NS, cleanup, ns, ctl, xfrmd_start, xfrmd_stop, wait_for...
# shellcheck source=xfrmd-fixture.sh
. "$HERE/xfrmd-fixture.sh"

charon_prereqs
xfrmd_prereqs python3
fixture_setup routes
routes() { ns ip route show table "$1" proto 211; }

start_xfrmd() {
	xfrmd_start -v "$CHARON_URI"
	wait_for 10 "xfrmd to connect to charon" xfrmd_connected
}

netns_add "$NS"
charon_start "$NS" "$TMP"
cat >"$TMP/gw.json" <<'JSON'
{
  "gateway": { "name": "gw-a" },
  "connections": [
    { "name": "vpc", "local_prefixes": ["10.1.0.0/16"], "remote_prefixes": ["10.2.0.0/16"],
      "tunnels": [ { "local": "192.0.2.1", "remote": "192.0.2.101", "psk": "routes-Key-1" } ],
      "routes": { "metric": 300,
                  "overrides": [ { "prefix": "10.2.7.0/24", "publish": "manual", "metric": 50 } ] } },
    { "name": "lab", "local_prefixes": ["10.1.0.0/16"], "remote_prefixes": ["10.3.0.0/24"],
      "tunnels": [ { "local": "192.0.2.1", "remote": "192.0.2.103", "psk": "routes-Key-2" } ],
      "routes": { "publish": "manual", "table": 100 } },
    { "name": "open", "local_prefixes": ["10.1.0.0/16"], "remote_prefixes": ["10.4.0.0/24"],
      "fail_closed": false,
      "tunnels": [ { "local": "192.0.2.1", "remote": "192.0.2.104", "psk": "routes-Key-3" } ] }
  ]
}
JSON
chmod 600 "$TMP/gw.json"
# An administrator's routes, one of them under a key xfrmd would also use.
ns ip link set lo up
ns ip route add 10.9.0.0/24 dev lo proto static metric 300
ns ip route add blackhole 10.5.0.0/24 proto static metric 100
start_xfrmd

step "apply: published routes per config, fail-closed while no tunnel is up"
ctl apply -f "$TMP/gw.json" >/dev/null || fail "apply failed"
routes main | grep >/dev/null "^blackhole 10.2.0.0/16 metric 300" ||
	fail "vpc's route is not a blackhole with metric 300: $(routes main)"
routes main | grep >/dev/null "10.2.7.0/24" && fail "the manual override 10.2.7.0/24 was published"
[[ -z $(routes 100) ]] || fail "lab's manual route was published: $(routes 100)"
routes main | grep >/dev/null "10.4.0.0/24" && fail "open (fail_closed off) should be withdrawn"

step "routes lists every route with its state"
ctl routes --json >"$TMP/routes.json"
python3 - "$TMP/routes.json" <<'PY' || fail "routes --json: $(cat "$TMP/routes.json")"
import json, sys
r = {(x["connection"], x["prefix"]): x for x in json.load(open(sys.argv[1]))}
assert len(r) == 4, r
v = r[("vpc", "10.2.0.0/16")]
assert v["published"] and v["state"] == "blackhole" and v["metric"] == 300 and v["in_kernel"], v
o = r[("vpc", "10.2.7.0/24")]
assert not o["published"] and o["state"] == "unpublished" and o["metric"] == 50, o
assert r[("lab", "10.3.0.0/24")]["table"] == 100
assert r[("open", "10.4.0.0/24")]["state"] == "withdrawn"
PY
ctl routes | grep >/dev/null "^vpc .*10.2.0.0/16 .*blackhole" || fail "routes table output: $(ctl routes)"

step "metrics carry each route's published state"
ctl metrics >"$TMP/metrics.txt" || fail "metrics failed"
grep -qx 'xfrmd_route_published{connection="vpc",prefix="10.2.0.0/16"} 1' "$TMP/metrics.txt" ||
	fail "metrics: $(grep route "$TMP/metrics.txt")"
grep -qx 'xfrmd_route_state{connection="vpc",prefix="10.2.0.0/16",state="blackhole"} 1' \
	"$TMP/metrics.txt" || fail "metrics route state: $(grep route_state "$TMP/metrics.txt")"

step "publish and unpublish"
ctl route publish lab >/dev/null || fail "route publish lab"
routes 100 | grep >/dev/null "^blackhole 10.3.0.0/24 metric 100" || fail "lab not published: $(routes 100)"
ctl route publish vpc 10.2.7.0/24 >/dev/null || fail "route publish vpc 10.2.7.0/24"
routes main | grep >/dev/null "^blackhole 10.2.7.0/24 metric 50" || fail "override not published"
ctl route unpublish vpc 10.2.0.0/16 >/dev/null || fail "route unpublish vpc 10.2.0.0/16"
routes main | grep >/dev/null "10.2.0.0/16" && fail "10.2.0.0/16 still in the kernel"
ctl metrics | grep >/dev/null -x 'xfrmd_route_published{connection="vpc",prefix="10.2.0.0/16"} 0' ||
	fail "metrics still show 10.2.0.0/16 published"
if ctl route publish vpc 10.8.0.0/24 2>"$TMP/err"; then fail "a prefix vpc lacks was accepted"; fi
grep -q "has no route to 10.8.0.0/24" "$TMP/err" || fail "error: $(cat "$TMP/err")"
if ctl route publish nosuch 2>"$TMP/err"; then fail "an unknown connection was accepted"; fi

step "the operator's choices survive a restart and a re-apply"
xfrmd_stop
routes main | grep >/dev/null "^blackhole 10.2.7.0/24" || fail "routes vanished when xfrmd stopped"
start_xfrmd
ctl apply -f "$TMP/gw.json" >/dev/null || fail "re-apply failed"
routes 100 | grep >/dev/null "10.3.0.0/24" || fail "lab's publish was forgotten"
routes main | grep >/dev/null "10.2.0.0/16" && fail "vpc 10.2.0.0/16 unpublish was forgotten"
routes main | grep >/dev/null "^blackhole 10.2.7.0/24 metric 50" || fail "override publish forgotten"

step "a route under the same key as an administrator's is refused, the admin's kept"
sed 's|"10.4.0.0/24"|"10.5.0.0/24"|; s|"fail_closed": false,|"fail_closed": true, "routes": { "metric": 100 },|' \
	"$TMP/gw.json" >"$TMP/clash.json"
chmod 600 "$TMP/clash.json"
if ctl apply -f "$TMP/clash.json" 2>"$TMP/err"; then fail "apply over an admin's route succeeded"; fi
grep -q "10.5.0.0/24" "$TMP/err" || fail "the error does not name the route: $(cat "$TMP/err")"
ns ip route show 10.5.0.0/24 | grep >/dev/null "proto static" || fail "the admin's route was changed"
ns ip route show 10.9.0.0/24 | grep >/dev/null "proto static" || fail "an unrelated admin route changed"

step "status colours the state on a terminal only"
ctl status | grep >/dev/null $'\e' && fail "escape codes in piped status output"
TERM=xterm script -qec "ip netns exec $NS $XFRMCTL -s $TMP/xfrmd.sock status" /dev/null |
	grep >/dev/null -E $'\e\\[3[123]m(down|connecting)' || fail "no colour on a terminal"
NO_COLOR=1 TERM=xterm script -qec "ip netns exec $NS $XFRMCTL -s $TMP/xfrmd.sock status" \
	/dev/null | grep >/dev/null $'\e' && fail "colour despite NO_COLOR"

step "an empty config withdraws every route xfrmd published"
echo '{"gateway":{"name":"gw-a"},"connections":[]}' >"$TMP/empty.json"
chmod 600 "$TMP/empty.json"
ctl apply -f "$TMP/empty.json" >/dev/null || fail "empty apply failed"
[[ -z $(routes main)$(routes 100) ]] || fail "routes left: $(routes main) $(routes 100)"
ns ip route show 10.5.0.0/24 | grep >/dev/null "proto static" || fail "the admin's route was removed"
echo "PASS: route publishing"
