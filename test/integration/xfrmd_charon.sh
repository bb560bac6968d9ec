#!/bin/bash
# xfrmd + xfrmctl against a real charon in a throwaway network namespace.
# IKE cannot come up here (no peer, and the host kernel may lack ESP), so
# this checks what xfrmd does to charon's configuration: loading,
# re-planning, refusing, rolling back, unloading, surviving restarts of
# itself and of charon, never touching an administrator's connections, and
# never leaking pre-shared keys.
#
#   xfrmd_charon.sh PATH/TO/xfrmd PATH/TO/xfrmctl
#
# Needs root and python3. Fails (never skips) when a prerequisite is missing.
set -euo pipefail

XFRMD=${1:?usage: xfrmd_charon.sh PATH/TO/xfrmd PATH/TO/xfrmctl}
XFRMCTL=${2:?usage: xfrmd_charon.sh PATH/TO/xfrmd PATH/TO/xfrmctl}
HERE=$(cd "$(dirname "$0")" && pwd)
NOBODY=65534

# shellcheck source=charon-fixture.sh
. "$HERE/charon-fixture.sh"
# fail, step, TMP, NS, cleanup, xfrmd_start, xfrmd_stop, wait_for...
# shellcheck source=xfrmd-fixture.sh
. "$HERE/xfrmd-fixture.sh"

charon_prereqs
xfrmd_prereqs python3 setpriv # python3 parses status --json
python3 -c "import jsonschema" 2>/dev/null || fail "no python3-jsonschema (checks status --json)"
fixture_setup charon
CTL_LOG="$TMP/xfrmctl.all" # every xfrmctl output, for the secrets check

# ctl_out OUT ARGS...: run xfrmctl as root, stdout+stderr to $TMP/OUT (and
# the secrets log); its exit status goes to CTL_RC, never trips set -e.
CTL_RC=0
ctl_out() {
	local out="$TMP/$1"
	shift
	CTL_RC=0
	ctl "$@" >"$out" 2>&1 || CTL_RC=$?
	{
		echo "### xfrmctl $*"
		cat "$out"
	} >>"$CTL_LOG"
}

ctl_ok() {
	ctl_out "$@"
	[ "$CTL_RC" = 0 ] || fail "xfrmctl ${*:2} exited $CTL_RC: $(cat "$TMP/$1")"
}

# Fields of status --json, via python (also proves the output parses).
status_field() {
	ctl_out status.json status --json
	[ "$CTL_RC" = 0 ] || return 1
	python3 -c '
import json, sys
st = json.load(open(sys.argv[1]))
expr = sys.argv[2]
if expr == "generation":
    print(st["generation"])
elif expr == "connected":
    print("true" if st["charon"]["connected"] else "false")
elif expr == "conns":
    print(" ".join(c["name"] for c in st["connections"]))
' "$TMP/status.json" "$1"
}

generation() {
	status_field generation || fail "status --json failed: $(cat "$TMP/status.json")"
}

charon_connected() {
	[ "$(status_field connected 2>/dev/null)" = true ]
}

charon_disconnected() {
	[ "$(status_field connected 2>/dev/null)" = false ]
}

start_xfrmd() {
	xfrmd_start -d -v "$CHARON_URI"
	wait_for 10 "xfrmd to connect to charon" charon_connected
}

# Sorted top-level connection names charon has loaded.
conn_names() {
	swanctl --list-conns --uri "$CHARON_URI" >"$TMP/list.out" 2>&1 ||
		fail "swanctl --list-conns: $(cat "$TMP/list.out")"
	sed -n 's/^\([^ ][^:]*\):.*/\1/p' "$TMP/list.out" | sort
}

has_conn() {
	# No grep -q in pipes: an early exit is a SIGPIPE failure under pipefail.
	conn_names | grep -x -- "$1" >/dev/null
}

# Shared key ids charon holds (VICI get-shared; swanctl cannot list them).
shared_ids() {
	python3 - "$CHARON_SOCK" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
cmd = b"get-shared"
pkt = bytes([0, len(cmd)]) + cmd  # CMD_REQUEST
s.sendall(struct.pack(">I", len(pkt)) + pkt)
def read(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            sys.exit("vici: connection closed")
        b += c
    return b
body = read(struct.unpack(">I", read(4))[0])
assert body[0] == 1, "not a CMD_RESPONSE"
i = 1
while i < len(body):
    t = body[i]; i += 1
    if t in (1, 3, 4):  # section start, key/value, list start: name first
        i += 1 + body[i]
    if t in (3, 5):  # key/value, list item: 16-bit length + value
        n = struct.unpack(">H", body[i:i + 2])[0]
        if t == 5:
            print(body[i + 2:i + 2 + n].decode())
        i += 2 + n
EOF
}

has_shared() {
	shared_ids | grep -x -- "$1" >/dev/null
}

# "key=value" lines of one connection in swanctl --list-conns: addresses,
# identities, traffic selectors, in order, joined with spaces.
conn_summary() {
	swanctl --list-conns --uri "$CHARON_URI" | awk -v n="$1" '
		/^[^ ]/ { inside = ($0 ~ "^" n ":") ; next }
		inside && /^ +(local|remote|id):/ {
			k = $1; sub(/:$/, "", k); $1 = ""; sub(/^ +/, ""); out = out k "=" $0 " "
		}
		END { sub(/ $/, "", out); print out }'
}

expect_conn() {
	local name=$1 want=$2 got
	got=$(conn_summary "$name")
	[ "$got" = "$want" ] || fail "$name in charon: got '$got', want '$want'"
}

# Config files: PSKs inline, mode 0600 (xfrmctl refuses others).
write_cfg() {
	local f="$TMP/$1"
	cat >"$f"
	chmod 600 "$f"
}

PSK_A1=Itest-PSK-a1-7Gq2xN
PSK_A2=Itest-PSK-a2-9Zx4rT
PSK_A2_NEW=Itest-PSK-a2-new-5Lm8
PSK_B1=Itest-PSK-b1-3Kw8pD
PSK_X1=Itest-PSK-x1-5Rt6vB
PSK_AD=Itest-PSK-ad-1Qw3hJ
ADMIN_SECRET=Admin-Secret-Zz9kW

site_a() { # $1: tunnel 2's PSK
	cat <<EOF
    {
      "name": "site-a",
      "mode": "policy",
      "local_prefixes": ["10.1.0.0/24"],
      "remote_prefixes": ["10.2.0.0/24", "10.3.0.0/24"],
      "tunnels": [
        {"local": "192.0.2.1", "remote": "203.0.113.10", "local_id": "gw-a.example",
         "remote_id": "peer-a1.example", "psk": "$PSK_A1"},
        {"local": "192.0.2.2", "remote": "203.0.113.11", "psk": "$1"}
      ]
    }
EOF
}

site_b() {
	cat <<EOF
    {
      "name": "site-b",
      "mode": "policy",
      "start": "on-traffic",
      "local_prefixes": ["10.1.0.0/24"],
      "remote_prefixes": ["10.4.0.0/24"],
      "tunnels": [{"local": "192.0.2.1", "remote": "198.51.100.20", "psk": "$PSK_B1"}]
    }
EOF
}

# A connection the loader accepts but charon refuses: the loader knows
# strongSwan 6's keywords, Debian 12's charon 5.9 has no ML-KEM.
site_x() {
	cat <<EOF
    {
      "name": "site-x",
      "local_prefixes": ["10.1.0.0/24"],
      "remote_prefixes": ["10.5.0.0/24"],
      "esp": {"proposals": ["aes256gcm16-mlkem768"]},
      "tunnels": [{"local": "192.0.2.2", "remote": "198.51.100.30", "psk": "$PSK_X1"}]
    }
EOF
}

# Its charon name, xfrmd-admin-t1, is the administrator's look-alike.
conn_admin() {
	cat <<EOF
    {
      "name": "admin",
      "local_prefixes": ["10.1.0.0/24"],
      "remote_prefixes": ["10.6.0.0/24"],
      "tunnels": [{"local": "192.0.2.2", "remote": "198.51.100.40", "psk": "$PSK_AD"}]
    }
EOF
}

config() { # connection snippets, already joined with commas
	cat <<EOF
{
  "gateway": {"name": "gw-itest", "local_addresses": ["192.0.2.1", "192.0.2.2"]},
  "connections": [
$1
  ]
}
EOF
}

# Route-based over BGP: planned only here (the host has no VTI or XFRM interfaces; the lab
# applies it, test/lab/scenarios/bgp-swanctl).
site_bgp() {
	cat <<EOF
    {
      "name": "cloud.bgp",
      "mode": "route",
      "local_prefixes": ["10.1.0.0/24"],
      "remote_prefixes": ["10.7.0.0/24"],
      "tunnels": [
        {"local": "192.0.2.1", "remote": "198.51.100.50", "psk": "$PSK_X1",
         "inside": {"local": "169.254.21.2/30", "peer": "169.254.21.1"}},
        {"local": "192.0.2.2", "remote": "198.51.100.51", "psk": "$PSK_AD",
         "inside": {"local": "169.254.22.2/30", "peer": "169.254.22.1"}}
      ],
      "bgp": {"local_asn": 65001, "peer_asn": 64512}
    }
EOF
}

write_cfg two.json < <(config "$(site_a "$PSK_A2"),$(site_b)")
write_cfg two-bgp.json < <(config "$(site_a "$PSK_A2"),$(site_b),$(site_bgp)")
write_cfg two-newpsk.json < <(config "$(site_a "$PSK_A2_NEW"),$(site_b)")
write_cfg admin-clash.json < <(config "$(site_a "$PSK_A2_NEW"),$(site_b),$(conn_admin)")
write_cfg bad-add.json < <(config "$(site_a "$PSK_A2_NEW"),$(site_x)")
write_cfg empty.json < <(config "")
# site-b with one more remote prefix: a CHILD_SA change, and a new route.
write_cfg two-prefix.json < <(config "$(site_a "$PSK_A2_NEW"),$(site_b | sed 's#"10.4.0.0/24"#"10.4.0.0/24", "10.14.0.0/24"#')")
# Tunnels without a key: xfrmd generates them.
site_g() {
	cat <<EOF
    {
      "name": "site-g",
      "local_prefixes": ["10.1.0.0/24"],
      "remote_prefixes": ["10.7.0.0/24"],
      "probe": {"interval_ms": 500, "source": "10.1.0.1", "target": "10.7.0.1"},
      "tunnels": [
        {"local": "192.0.2.1", "remote": "198.51.100.50", "remote_id": "peer-g1.example"},
        {"local": "192.0.2.2", "remote": "198.51.100.51"}
      ]
    }
EOF
}
write_cfg generated.json < <(config "$(site_g)")
ALL_PSKS="$PSK_A1 $PSK_A2 $PSK_A2_NEW $PSK_B1 $PSK_X1 $PSK_AD"

# The administrator's own configuration, loaded with swanctl.
cat >"$TMP/admin.conf" <<EOF
connections {
	site-c {
		version = 2
		local_addrs = 192.0.2.1
		remote_addrs = 198.51.100.7
		local {
			auth = psk
			id = admin-a.example
		}
		remote {
			auth = psk
			id = admin-c.example
		}
		children {
			site-c-net {
				local_ts = 10.9.0.0/16
				remote_ts = 10.8.0.0/16
			}
		}
	}
	xfrmd-admin-t1 {
		version = 2
		local_addrs = 192.0.2.1
		remote_addrs = 198.51.100.99
		local {
			auth = psk
			id = admin-a.example
		}
		remote {
			auth = psk
			id = admin-d.example
		}
		children {
			xfrmd-admin-t1 {
				local_ts = 10.7.0.0/16
				remote_ts = 10.6.0.0/16
			}
		}
	}
}
secrets {
	ike-admin {
		id-c = admin-c.example
		id-d = admin-d.example
		secret = $ADMIN_SECRET
	}
}
EOF
chmod 600 "$TMP/admin.conf"
ADMIN_CONNS="site-c xfrmd-admin-t1"

admin_load() {
	# swanctl --load-conns/--load-creds unload whatever charon holds that
	# is not in the file, xfrmd's connections and keys included.
	swanctl --load-conns --file "$TMP/admin.conf" --uri "$CHARON_URI" >"$TMP/swanctl.out" 2>&1 ||
		fail "swanctl --load-conns: $(cat "$TMP/swanctl.out")"
	swanctl --load-creds --file "$TMP/admin.conf" --uri "$CHARON_URI" >"$TMP/swanctl.out" 2>&1 ||
		fail "swanctl --load-creds: $(cat "$TMP/swanctl.out")"
	grep -q "loaded ike secret 'ike-admin'" "$TMP/swanctl.out" ||
		fail "swanctl did not load the admin secret: $(cat "$TMP/swanctl.out")"
}

check_admin() { # $1: when
	local c
	for c in $ADMIN_CONNS; do
		has_conn "$c" || fail "administrator's connection $c is gone ($1): $(conn_names | xargs)"
	done
	has_shared ike-admin || fail "administrator's secret ike-admin is gone ($1)"
}

XFRMD_T1=(xfrmd-site-a-t1 xfrmd-site-a-t2 xfrmd-site-b-t1)

check_xfrmd_conns() { # $1: when
	local c
	for c in "${XFRMD_T1[@]}"; do
		has_conn "$c" || fail "$c not loaded in charon ($1): $(conn_names | xargs)"
		has_shared "$c" || fail "shared key $c not loaded in charon ($1)"
	done
}

# The "  action name" lines of an apply, as "action:name" words.
apply_actions() {
	sed -n 's/^  \([a-z-]*\) \+\(xfrmd-[^ ]*\)$/\1:\2/p' "$TMP/$1" | xargs
}

expect_changes() { # OUT N
	grep -q "^applied generation [0-9]*: $2 changes\?," "$TMP/$1" ||
		fail "expected $2 changes: $(cat "$TMP/$1")"
}

# ---------------------------------------------------------------------------
step "a: charon with the administrator's connections"
netns_add "$NS"
charon_start "$NS" "$TMP"
admin_load
check_admin "before xfrmd"
start_xfrmd
[ "$(generation)" = 0 ] || fail "fresh xfrmd at generation $(generation)"

step "b: apply two connections, three tunnels"
ctl_ok apply1.out apply -f "$TMP/two.json"
expect_changes apply1.out 9
GEN=$(generation)
[ "$GEN" = 1 ] || fail "generation after first apply: $GEN"
expect_conn xfrmd-site-a-t1 "local=192.0.2.1 remote=203.0.113.10 id=gw-a.example \
id=peer-a1.example local=10.1.0.0/24 remote=10.2.0.0/24 10.3.0.0/24"
expect_conn xfrmd-site-a-t2 "local=192.0.2.2 remote=203.0.113.11 id=192.0.2.2 \
id=203.0.113.11 local=10.1.0.0/24 remote=10.2.0.0/24 10.3.0.0/24"
expect_conn xfrmd-site-b-t1 "local=192.0.2.1 remote=198.51.100.20 id=192.0.2.1 \
id=198.51.100.20 local=10.1.0.0/24 remote=10.4.0.0/24"
check_xfrmd_conns "after apply"
check_admin "after apply"

step "c: the same file again changes nothing"
ctl_ok apply2.out apply -f "$TMP/two.json"
expect_changes apply2.out 0
[ "$(generation)" = "$GEN" ] || fail "re-apply moved generation $GEN -> $(generation)"

step "c1: the periodic resync (every 10 s) rewrites none of xfrmd's policies"
# Replacing a policy can drop a packet in flight: unchanged ones stay untouched.
ip -n "$NS" xfrm monitor policy >"$TMP/policy-events.log" 2>&1 &
MON_POL=$!
sleep 11
kill "$MON_POL"
wait "$MON_POL" 2>/dev/null || true
[ "$(grep -cE 'priority 100[0-9]{3} ' "$TMP/policy-events.log")" = 0 ] ||
	fail "xfrmd rewrote its policies: $(head -n 20 "$TMP/policy-events.log")"

# A field of a JSON reply, by a python expression on the parsed reply `p`.
plan_field() {
	python3 -c 'import json, sys; p = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$TMP/$1" "$2"
}

step "c2: plan: exit 0 without changes, 2 with, and what each tunnel goes through"
ctl_out plan-same.out plan -f "$TMP/two.json"
[ "$CTL_RC" = 0 ] || fail "plan of the running file: exit $CTL_RC: $(cat "$TMP/plan-same.out")"
grep -q "^plan against generation $GEN " "$TMP/plan-same.out" ||
	fail "plan-same: $(cat "$TMP/plan-same.out")"
if grep -q "charon requests" "$TMP/plan-same.out"; then
	fail "plan of the running file would send requests: $(cat "$TMP/plan-same.out")"
fi
ctl_out plan-psk.json plan --json -f "$TMP/two-newpsk.json"
[ "$CTL_RC" = 2 ] || fail "plan of a key change: exit $CTL_RC: $(cat "$TMP/plan-psk.json")"
[ "$(plan_field plan-psk.json '[(c["name"], c["change"], c["fields"], [t["charon"] for t in c["tunnels"]]) for c in p["connections"]]')" = \
	"[('site-a', 'change', ['tunnels'], ['none', 'renegotiate-ike']), ('site-b', 'none', [], ['none'])]" ] ||
	fail "plan of a key change: $(cat "$TMP/plan-psk.json")"
[ "$(plan_field plan-psk.json 'p["routes"]')" = "[]" ] || fail "key change moves routes"
[ "$(plan_field plan-psk.json 'p["config_hash"] != p["new_hash"] and len(p["new_hash"]) == 64')" = True ] ||
	fail "plan hashes: $(cat "$TMP/plan-psk.json")"
NEW_HASH=$(plan_field plan-psk.json 'p["new_hash"]')
# The hash is the file's own, whitespace and all: what sha256sum says.
[ "$NEW_HASH" = "$(sha256sum <"$TMP/two-newpsk.json" | cut -c1-64)" ] ||
	fail "new_hash $NEW_HASH is not the sha256 of the file"
ctl_out plan-human.out plan -f "$TMP/two-newpsk.json"
grep -q "tunnel 2: IKE SA renegotiated" "$TMP/plan-human.out" ||
	fail "plan: $(cat "$TMP/plan-human.out")"
[ "$(generation)" = "$GEN" ] || fail "plan moved generation"
ctl_out plan-bad.out plan -f "$TMP/missing.json"
[ "$CTL_RC" = 1 ] || fail "plan of a missing file: exit $CTL_RC"

step "c2b: plan of a bgp connection lists the BGP sessions BIRD gets"
ctl_out plan-bgp.json plan --json -f "$TMP/two-bgp.json"
[ "$CTL_RC" = 2 ] || fail "plan of a bgp connection: exit $CTL_RC"
[ "$(plan_field plan-bgp.json '[(b["connection"], b["tunnel"], b["protocol"].split("_", 1)[1], b["change"]) for b in p["bgp_sessions"]]')" = \
	"[('cloud.bgp', 1, 'cloud_bgp', 'add'), ('cloud.bgp', 2, 'cloud_bgp', 'add')]" ] ||
	fail "plan --json of a bgp connection: $(cat "$TMP/plan-bgp.json")"
ctl_out plan-bgp.out plan -f "$TMP/two-bgp.json"
grep -Eq "^  bgp session xfrmd[0-9]+_cloud_bgp \(cloud.bgp tunnel 2\): add$" "$TMP/plan-bgp.out" ||
	fail "plan of a bgp connection: $(cat "$TMP/plan-bgp.out")"
[ "$(plan_field plan-psk.json 'p["bgp_sessions"]')" = "[]" ] || fail "a key change plans BGP sessions"

step "c3: --expect-generation refuses a stale plan"
ctl_out apply-stale.out apply --expect-generation $((GEN - 1)) -f "$TMP/two-newpsk.json"
[ "$CTL_RC" = 1 ] || fail "stale generation: exit $CTL_RC: $(cat "$TMP/apply-stale.out")"
grep -q "generation $GEN, not $((GEN - 1)): it changed since the plan; nothing was changed" \
	"$TMP/apply-stale.out" || fail "stale generation: $(cat "$TMP/apply-stale.out")"
[ "$(generation)" = "$GEN" ] || fail "refused apply moved generation"
ctl_out apply-badgen.out apply --expect-generation x -f "$TMP/two-newpsk.json"
[ "$CTL_RC" = 2 ] || fail "--expect-generation x: exit $CTL_RC"

step "d: a new PSK for one tunnel re-plans that tunnel only"
ctl_ok apply3.out apply --expect-generation "$GEN" -f "$TMP/two-newpsk.json"
[ "$(apply_actions apply3.out)" = "stop:xfrmd-site-a-t2 load-shared:xfrmd-site-a-t2 \
load-conn:xfrmd-site-a-t2 start:xfrmd-site-a-t2" ] ||
	fail "PSK change planned: $(cat "$TMP/apply3.out")"
expect_changes apply3.out 4
GEN=$(generation)
[ "$GEN" = 2 ] || fail "generation after PSK change: $GEN"
grep -qx "config sha256 $NEW_HASH" "$TMP/apply3.out" ||
	fail "applied hash is not the planned one ($NEW_HASH): $(cat "$TMP/apply3.out")"
ctl_ok status-hash.json status --json
[ "$(plan_field status-hash.json 'p["config_hash"]')" = "$NEW_HASH" ] ||
	fail "status config_hash is not the applied one"

step "d2: a prefix added: a new CHILD_SA only, and its route"
ctl_out plan-prefix.json plan --json -f "$TMP/two-prefix.json"
[ "$CTL_RC" = 2 ] || fail "plan of a prefix change: exit $CTL_RC"
[ "$(plan_field plan-prefix.json '[(c["name"], c["fields"], [t["charon"] for t in c["tunnels"]]) for c in p["connections"] if c["change"] != "none"]')" = \
	"[('site-b', ['remote_prefixes'], ['new-child-sa'])]" ] ||
	fail "plan of a prefix change: $(cat "$TMP/plan-prefix.json")"
[ "$(plan_field plan-prefix.json '[(r["connection"], r["prefix"], r["change"]) for r in p["routes"]]')" = \
	"[('site-b', '10.14.0.0/24', 'publish')]" ] ||
	fail "plan of a prefix change, routes: $(cat "$TMP/plan-prefix.json")"
[ "$(plan_field plan-prefix.json '[a["action"] + ":" + a["name"] for a in p["actions"]]')" = \
	"['load-conn:xfrmd-site-b-t1', 'rekey-child:xfrmd-site-b-t1']" ] ||
	fail "a prefix change does more than a new CHILD_SA: $(cat "$TMP/plan-prefix.json")"
ctl_out plan-human2.out plan -f "$TMP/two-prefix.json"
grep -q "tunnel 1: new CHILD_SA, IKE SA kept" "$TMP/plan-human2.out" ||
	fail "plan: $(cat "$TMP/plan-human2.out")"
grep -q "route 10.14.0.0/24 via site-b (table 254, metric 100): publish" "$TMP/plan-human2.out" ||
	fail "plan: $(cat "$TMP/plan-human2.out")"
ctl_ok apply-prefix.out apply -f "$TMP/two-prefix.json"
expect_conn xfrmd-site-b-t1 "local=192.0.2.1 remote=198.51.100.20 id=192.0.2.1 \
id=198.51.100.20 local=10.1.0.0/24 remote=10.4.0.0/24 10.14.0.0/24"
# ... and back, so the steps below start from two-newpsk.json.
ctl_ok apply-unprefix.out apply -f "$TMP/two-newpsk.json"
[ "$(apply_actions apply-unprefix.out)" = "load-conn:xfrmd-site-b-t1 rekey-child:xfrmd-site-b-t1" ] ||
	fail "prefix removal: $(cat "$TMP/apply-unprefix.out")"
GEN=$(generation)
[ "$GEN" = 4 ] || fail "generation after the prefix round trip: $GEN"
check_xfrmd_conns "after PSK change"

step "e: a connection whose charon name is the administrator's is refused"
BEFORE=$(conn_names | xargs)
ctl_out apply-admin.out apply -f "$TMP/admin-clash.json"
[ "$CTL_RC" = 1 ] || fail "clash with xfrmd-admin-t1: exit $CTL_RC: $(cat "$TMP/apply-admin.out")"
grep -q "xfrmd-admin-t1" "$TMP/apply-admin.out" ||
	fail "refusal does not name xfrmd-admin-t1: $(cat "$TMP/apply-admin.out")"
[ "$(generation)" = "$GEN" ] || fail "refused apply moved generation $GEN -> $(generation)"
[ "$(conn_names | xargs)" = "$BEFORE" ] ||
	fail "refused apply changed charon: '$BEFORE' -> '$(conn_names | xargs)'"
expect_conn xfrmd-admin-t1 "local=192.0.2.1 remote=198.51.100.99 id=admin-a.example \
id=admin-d.example local=10.7.0.0/16 remote=10.6.0.0/16"
check_admin "after the refused apply"

step "f: a load-conn charon rejects rolls the whole apply back"
BEFORE=$(conn_names | xargs)
ctl_out apply-bad.out apply -f "$TMP/bad-add.json"
[ "$CTL_RC" = 1 ] || fail "bad proposal: exit $CTL_RC: $(cat "$TMP/apply-bad.out")"
grep -q "load-conn xfrmd-site-x-t1" "$TMP/apply-bad.out" ||
	fail "error does not name the failing step: $(cat "$TMP/apply-bad.out")"
grep -q "rolled back" "$TMP/apply-bad.out" || fail "not rolled back: $(cat "$TMP/apply-bad.out")"
if grep -q "rollback failed" "$TMP/apply-bad.out"; then
	fail "rollback failed: $(cat "$TMP/apply-bad.out")"
fi
[ "$(conn_names | xargs)" = "$BEFORE" ] ||
	fail "after rollback charon has '$(conn_names | xargs)', before '$BEFORE'"
if has_shared xfrmd-site-x-t1; then
	fail "rolled-back shared key xfrmd-site-x-t1 still loaded"
fi
check_xfrmd_conns "after rollback"
[ "$(generation)" = "$GEN" ] || fail "failed apply moved generation $GEN -> $(generation)"
ctl_ok apply-after-bad.out apply -f "$TMP/two-newpsk.json"
expect_changes apply-after-bad.out 0

step "g: status --json"
ctl_ok status-g.json status --json
python3 -m json.tool "$TMP/status-g.json" >/dev/null || fail "status --json does not parse"
[ "$(status_field conns)" = "site-a site-b" ] || fail "status lists '$(status_field conns)'"
[ "$(status_field connected)" = true ] || fail "status: charon not connected"
ctl_ok status-human.out status
grep -q "^site-a: " "$TMP/status-human.out" || fail "status: $(cat "$TMP/status-human.out")"

step "g2: status matches its schema; metrics; monitor"
python3 "$HERE/../schema/check_status.py" "$TMP/status-g.json" >"$TMP/schema.out" 2>&1 ||
	fail "status --json does not match schemas/status.schema.json: $(cat "$TMP/schema.out")"
ctl_ok metrics.prom metrics
# The text format: HELP and TYPE before each family's samples, families
# contiguous, label values quoted, integer values (histograms: _bucket, _sum
# and _count samples, a decimal sum).
python3 - "$TMP/metrics.prom" >"$TMP/metrics.out" 2>&1 <<'EOF' ||
import re, sys
name = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(rf"^({name})(?:\{{{label}(?:,{label})*\}})? (-?[0-9]+(\.[0-9]+)?)$")
typed, done, cur, n = {}, set(), None, 0
for line in open(sys.argv[1]).read().splitlines():
    m = re.match(rf"^# (HELP|TYPE) ({name}) (.+)$", line)
    if m:
        if m.group(2) != cur:
            assert m.group(2) not in done, f"family {m.group(2)} split: {line}"
            done.add(cur)
            cur = m.group(2)
        if m.group(1) == "TYPE":
            assert m.group(3) in ("gauge", "counter", "histogram"), line
            typed[cur] = m.group(3)
        continue
    m = sample.match(line)
    assert m, f"not a sample: {line!r}"
    hist = typed.get(cur) == "histogram"
    parts = [cur + s for s in ("_bucket", "_sum", "_count")] if hist else [cur]
    assert m.group(1) in parts and cur in typed, f"sample outside its family: {line}"
    assert m.group(3) is None or m.group(1) == cur + "_sum", f"not an integer: {line}"
    n += 1
for f in ("xfrmd_config_generation", "xfrmd_charon_connected", "xfrmd_connection_state",
          "xfrmd_connection_failovers_total", "xfrmd_connection_failbacks_total",
          "xfrmd_tunnel_up", "xfrmd_tunnel_carries_traffic", "xfrmd_tunnel_bytes_total",
          "xfrmd_tunnel_packets_total", "xfrmd_tunnel_rekeys_total", "xfrmd_probe_sent_total",
          "xfrmd_probe_received_total", "xfrmd_failover_reaction_seconds"):
    assert f in typed, f"no HELP/TYPE for {f}"
assert n, "no samples"
EOF
	fail "metrics: $(cat "$TMP/metrics.out")"
[ "$(sed -n 's/^xfrmd_config_generation //p' "$TMP/metrics.prom")" = "$GEN" ] ||
	fail "metrics generation: $(grep generation "$TMP/metrics.prom")"
grep -qx "xfrmd_charon_connected 1" "$TMP/metrics.prom" || fail "metrics: charon not connected"
[ "$(grep -c '^xfrmd_connection_state{connection="site-a",state="[a-z]*"} 1$' "$TMP/metrics.prom")" = 1 ] ||
	fail "metrics: site-a not in exactly one state: $(grep state "$TMP/metrics.prom")"
grep -q '^xfrmd_tunnel_up{connection="site-a",tunnel="2"} [01]$' "$TMP/metrics.prom" ||
	fail "metrics: no xfrmd_tunnel_up for site-a t2"
# The same file again: a config-applied event (0 actions), seen by a monitor.
"$XFRMCTL" -s "$CTL_SOCK" monitor --json >"$TMP/monitor.log" 2>&1 &
MON_PID=$!
wait_for 5 "monitor to subscribe" grep -q '"type":"subscribed"' "$TMP/monitor.log"
ctl_ok apply-monitored.out apply -f "$TMP/two-newpsk.json"
wait_for 5 "a config-applied event" grep -q '"type":"config-applied","generation":'"$GEN"',' \
	"$TMP/monitor.log"
kill "$MON_PID"
wait "$MON_PID" 2>/dev/null || true
grep -q '^{"time":"[0-9-]*T[0-9:]*\.[0-9]\{3\}Z","type":"subscribed"' "$TMP/monitor.log" ||
	fail "monitor: $(cat "$TMP/monitor.log")"

step "h: restart xfrmd"
OLD_PID=$XFRMD_PID
xfrmd_stop
BEFORE_RESTART=$(conn_names | xargs)
check_xfrmd_conns "xfrmd stopped (it must not unload on exit)"
[ "$(stat -c %a "$TMP/state/state.json")" = 600 ] || fail "state.json is not mode 0600"
start_xfrmd
[ "$XFRMD_PID" != "$OLD_PID" ] || fail "xfrmd did not restart"
[ "$(generation)" = "$GEN" ] || fail "restarted at generation $(generation), want $GEN"
[ "$(status_field conns)" = "site-a site-b" ] || fail "restarted with '$(status_field conns)'"
ctl_ok status-restart.json status --json
[ "$(plan_field status-restart.json 'p["config_hash"]')" = "$NEW_HASH" ] ||
	fail "config_hash changed across the restart: $(plan_field status-restart.json 'p["config_hash"]')"
ctl_ok apply-restart.out apply -f "$TMP/two-newpsk.json"
expect_changes apply-restart.out 0
[ "$(generation)" = "$GEN" ] || fail "re-apply after restart moved generation"
[ "$(conn_names | xargs)" = "$BEFORE_RESTART" ] || fail "restart changed charon's connections"
check_admin "after xfrmd restart"

step "i: restart charon"
charon_stop
wait_for 2 "status to show charon disconnected" charon_disconnected

step "j: apply while charon is down"
ctl_out apply-down.out apply -f "$TMP/two.json"
[ "$CTL_RC" = 1 ] || fail "apply with charon down: exit $CTL_RC: $(cat "$TMP/apply-down.out")"
grep -qi "charon" "$TMP/apply-down.out" ||
	fail "apply with charon down does not mention charon: $(cat "$TMP/apply-down.out")"
[ "$(generation)" = "$GEN" ] || fail "failed apply moved generation $GEN -> $(generation)"

step "i: charon back: xfrmd reconnects and re-applies"
charon_start "$NS" "$TMP"
wait_for 10 "xfrmd to reconnect" charon_connected
wait_for 10 "xfrmd to re-load its connections" has_conn xfrmd-site-b-t1
check_xfrmd_conns "after charon restart"
[ "$(generation)" = "$GEN" ] || fail "resync moved generation $GEN -> $(generation)"
# charon lost the administrator's connections too; swanctl re-loads them
# and, being swanctl, unloads xfrmd's connections and keys. xfrmd notices
# on its own (periodic resync) and loads them again, keys included.
admin_load
has_conn xfrmd-site-b-t1 && fail "swanctl --load-conns left xfrmd's connections (test premise)"
wait_for 15 "xfrmd to restore what swanctl unloaded" has_conn xfrmd-site-b-t1
wait_for 5 "xfrmd to restore its keys" has_shared xfrmd-site-b-t1
check_xfrmd_conns "after charon restart, swanctl and xfrmd's resync"
check_admin "after charon restart, swanctl and xfrmd's resync"
[ "$(generation)" = "$GEN" ] || fail "resync moved generation $GEN -> $(generation)"

step "m: non-root clients"
chmod 711 "$TMP"
mkdir -m 755 "$TMP/bin"
cp "$XFRMCTL" "$TMP/bin/xfrmctl"
install -m 600 -o "$NOBODY" "$TMP/two.json" "$TMP/nobody.json"
as_nobody() {
	setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups \
		"$TMP/bin/xfrmctl" -s "$CTL_SOCK" "$@"
}
[ "$(stat -c %a "$CTL_SOCK")" = 660 ] || fail "control socket is mode $(stat -c %a "$CTL_SOCK")"
if as_nobody status >"$TMP/nobody-denied.out" 2>&1; then
	fail "uid $NOBODY reached the 0660 control socket"
fi
chmod 666 "$CTL_SOCK"
as_nobody status >"$TMP/nobody-status.out" 2>&1 ||
	fail "status as uid $NOBODY: $(cat "$TMP/nobody-status.out")"
grep -q "generation $GEN" "$TMP/nobody-status.out" ||
	fail "status as uid $NOBODY: $(cat "$TMP/nobody-status.out")"
as_nobody metrics >"$TMP/nobody-metrics.out" 2>&1 ||
	fail "metrics as uid $NOBODY: $(cat "$TMP/nobody-metrics.out")"
grep -qx "xfrmd_config_generation $GEN" "$TMP/nobody-metrics.out" ||
	fail "metrics as uid $NOBODY: $(cat "$TMP/nobody-metrics.out")"
if as_nobody apply -f "$TMP/nobody.json" >"$TMP/nobody-apply.out" 2>&1; then
	fail "apply as uid $NOBODY was accepted"
fi
grep -q "permission denied" "$TMP/nobody-apply.out" ||
	fail "apply as uid $NOBODY: $(cat "$TMP/nobody-apply.out")"
cat "$TMP"/nobody-*.out >>"$CTL_LOG"
[ "$(generation)" = "$GEN" ] || fail "non-root apply moved generation"
chmod 660 "$CTL_SOCK"
chmod 700 "$TMP"

step "k: an empty config removes xfrmd's connections only"
ctl_ok apply-empty.out apply -f "$TMP/empty.json"
for c in "${XFRMD_T1[@]}"; do
	if has_conn "$c"; then
		fail "$c still loaded after removal"
	fi
	if has_shared "$c"; then
		fail "shared key $c still loaded after removal"
	fi
done
check_admin "after removing xfrmd's connections"
[ "$(generation)" = $((GEN + 1)) ] || fail "removal at generation $(generation)"
[ -z "$(status_field conns)" ] || fail "status still lists '$(status_field conns)'"

step "k2: a config without BGP leaves a file at gateway.bird.include alone, and BIRD too"
printf '# the administrator'"'"'s own file\nprotocol device {}\n' >"$TMP/admin-bird.conf"
cp "$TMP/admin-bird.conf" "$TMP/admin-bird.conf.orig"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
d["gateway"]["bird"] = {"socket": sys.argv[2] + "/no-bird.ctl", "include": sys.argv[2] + "/admin-bird.conf"}
json.dump(d, open(sys.argv[3], "w"))' "$TMP/two.json" "$TMP" "$TMP/two-birdpath.json"
chmod 600 "$TMP/two-birdpath.json"
ctl_ok apply-birdpath.out apply -f "$TMP/two-birdpath.json"
cmp -s "$TMP/admin-bird.conf" "$TMP/admin-bird.conf.orig" || fail "the administrator's file changed"
! grep -qi "bird" "$XFRMD_LOG" || fail "a config without BGP talked of BIRD: $(grep -i bird "$XFRMD_LOG")"
ctl_ok apply-empty2.out apply -f "$TMP/empty.json"

step "n: generated keys: stored 0600, shown to root only, kept across restarts"
ctl_ok apply-gen.out apply -f "$TMP/generated.json"
ctl_ok psk1.out psk show site-g 1
ctl_ok psk2.out psk show site-g 2
GEN_PSK1=$(cat "$TMP/psk1.out")
GEN_PSK2=$(cat "$TMP/psk2.out")
ALL_PSKS="$ALL_PSKS $GEN_PSK1 $GEN_PSK2"
for k in "$GEN_PSK1" "$GEN_PSK2"; do
	[ "${#k}" = 16 ] || fail "generated key is ${#k} characters long"
done
[ "$GEN_PSK1" != "$GEN_PSK2" ] || fail "both tunnels got the same generated key"
has_shared xfrmd-site-g-t1 && has_shared xfrmd-site-g-t2 || fail "generated keys not loaded"
[ "$(plan_field state/state.json 'p["generated_psks"]["xfrmd-site-g-t1"]')" = "$GEN_PSK1" ] ||
	fail "generated key not in the state file"
[ "$(stat -c %a "$TMP/state/state.json")" = 600 ] || fail "state.json is not mode 0600"
ctl_out psk-bad.out psk show site-g 3
[ "$CTL_RC" = 1 ] && grep -q "tunnels 1 to 2" "$TMP/psk-bad.out" ||
	fail "psk show site-g 3: $(cat "$TMP/psk-bad.out")"
ctl_out psk-nouser.out psk show nosuch 1
[ "$CTL_RC" = 1 ] || fail "psk show of an unknown connection: exit $CTL_RC"
chmod 711 "$TMP"
chmod 666 "$CTL_SOCK"
if as_nobody psk show site-g 1 >"$TMP/nobody-psk.out" 2>&1; then
	fail "psk show as uid $NOBODY was answered"
fi
grep -q "permission denied" "$TMP/nobody-psk.out" ||
	fail "psk show as $NOBODY: $(cat "$TMP/nobody-psk.out")"
cat "$TMP/nobody-psk.out" >>"$CTL_LOG"
chmod 660 "$CTL_SOCK"
chmod 700 "$TMP"
xfrmd_stop
start_xfrmd
ctl_ok psk1-again.out psk show site-g 1
[ "$(cat "$TMP/psk1-again.out")" = "$GEN_PSK1" ] || fail "generated key changed across a restart"
ctl_out plan-gen.out plan -f "$TMP/generated.json"
[ "$CTL_RC" = 0 ] || fail "re-plan of generated keys: exit $CTL_RC: $(cat "$TMP/plan-gen.out")"
# psk show prints keys by design; the leak check below covers the rest.
sed -i '/^### xfrmctl psk show site-g [12]$/,+1d' "$CTL_LOG"

step "o: export-peer: the mirror config, keys by reference"
ctl_ok peer.json export-peer site-g
mkdir -m 700 "$TMP/peer"
sed -n '/^{/,/^}/p' "$TMP/peer.json" >"$TMP/peer/peer.json"
[ "$(plan_field peer/peer.json '(p["gateway"]["local_addresses"], p["connections"][0]["local_prefixes"], p["connections"][0]["remote_prefixes"], [(t["local"], t["remote"], t.get("local_id"), t.get("remote_id"), t["psk_file"]) for t in p["connections"][0]["tunnels"]], p["connections"][0]["probe"])')" = \
	"(['198.51.100.50', '198.51.100.51'], ['10.7.0.0/24'], ['10.1.0.0/24'], [('198.51.100.50', '192.0.2.1', 'peer-g1.example', None, 'site-g-t1.psk'), ('198.51.100.51', '192.0.2.2', None, None, 'site-g-t2.psk')], {'interval_ms': 500, 'source': '10.7.0.1', 'target': '10.1.0.1'})" ] ||
	fail "export-peer: $(cat "$TMP/peer.json")"
grep -q "note: tunnel 1: put the key in site-g-t1.psk" "$TMP/peer.json" ||
	fail "export-peer notes: $(cat "$TMP/peer.json")"
chmod 600 "$TMP/peer/peer.json"
install -m 600 "$TMP/psk1.out" "$TMP/peer/site-g-t1.psk"
install -m 600 "$TMP/psk2.out" "$TMP/peer/site-g-t2.psk"
ctl_ok peer-validate.out validate -f "$TMP/peer/peer.json"
ctl_ok peer.conf export-peer --format swanctl site-g
grep -q "local_addrs = 198.51.100.50" "$TMP/peer.conf" &&
	grep -q "remote_ts = 10.1.0.0/24" "$TMP/peer.conf" ||
	fail "export-peer --format swanctl: $(cat "$TMP/peer.conf")"
ctl_out peer-none.out export-peer nosuch
[ "$CTL_RC" = 1 ] || fail "export-peer of an unknown connection: exit $CTL_RC"

step "l: no pre-shared key leaks"
kill -0 "$XFRMD_PID" 2>/dev/null || fail "xfrmd died"
tr '\0' ' ' <"/proc/$XFRMD_PID/cmdline" >"$TMP/cmdline"
grep -q "xfrmd" "$TMP/cmdline" || fail "cannot read xfrmd's command line"
[ -s "$XFRMD_LOG" ] || fail "xfrmd log is empty"
for psk in $ALL_PSKS $ADMIN_SECRET; do
	for f in "$XFRMD_LOG" "$CTL_LOG" "$TMP/cmdline"; do
		if grep -qF -- "$psk" "$f"; then
			fail "a pre-shared key appears in $(basename "$f")"
		fi
	done
done

charon_alive || fail "charon died"
VERSION=$(sed -n 's/.*Starting IKE charon daemon (\([^,]*\),.*/\1/p' "$TMP/charon.log" | head -n1)
echo "PASS: xfrmd with $VERSION in ${SECONDS}s"
