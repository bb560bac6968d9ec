#!/bin/bash
# `xfrmctl export-peer --format swanctl` loads into a real strongSwan peer
# and the two ends agree: two network namespaces joined by a veth pair, a
# charon in each; xfrmd drives the gateway's, the peer's gets the exported
# swanctl.conf with each secret's placeholder replaced by running the
# command its comment gives. Identities with spaces, commas, quotes, '#',
# braces and backslashes, a key file whose key starts with "0x" and holds a
# backslash, a generated key, and a connection name with a dot (an
# underscore at the peer: section names cannot hold dots): swanctl
# must load the connections and secrets, charon must list the same
# identities at both ends, and the IKE SA must authenticate (ESTABLISHED at
# both ends; the CHILD_SA may fail where the host kernel lacks ESP). The
# connection sets every lifetime key: both charons (the gateway's loaded
# by xfrmd over VICI, the peer's by swanctl from the export) must take
# them as given (their cfg log at level 2), and each IKE_SA must expire
# over_time (life_time - rekey_time) after the rekey time it drew.
#
#   export_swanctl.sh PATH/TO/xfrmd PATH/TO/xfrmctl
#
# Needs root, charon, swanctl and python3. Fails (never skips) without them.
set -euo pipefail

XFRMD=${1:?usage: export_swanctl.sh PATH/TO/xfrmd PATH/TO/xfrmctl}
XFRMCTL=${2:?usage: export_swanctl.sh PATH/TO/xfrmd PATH/TO/xfrmctl}
HERE=$(cd "$(dirname "$0")" && pwd)

# shellcheck source=charon-fixture.sh
. "$HERE/charon-fixture.sh"
# fail, step, TMP, NS, cleanup, ctl, xfrmd_start, wait_for...
# shellcheck source=xfrmd-fixture.sh
. "$HERE/xfrmd-fixture.sh"

charon_prereqs
xfrmd_prereqs python3
fixture_setup export
NSA=$NS-a # the gateway's namespace: xfrmd and charon A
NSB=$NS-b # the peer's: charon B
A_PID='' A_SOCK='' A_URI='' A_DIR="$TMP/a"
B_PID='' B_SOCK='' B_URI='' B_DIR="$TMP/b"
CONN=site.b-x
PEER=site_b-x # dots cannot be in swanctl.conf section names

# charon-fixture.sh follows one charon; these switch between the two.
use_a() { CHARON_PID=$A_PID CHARON_SOCK=$A_SOCK CHARON_URI=$A_URI CHARON_DIR=$A_DIR; }
use_b() { CHARON_PID=$B_PID CHARON_SOCK=$B_SOCK CHARON_URI=$B_URI CHARON_DIR=$B_DIR; }

# The fixture stops one charon (and shows its log): the peer's first.
fixture_cleanup_hook() {
	use_b
	charon_stop
	[ "$1" = 0 ] || charon_log_tail 30
	use_a
}

# ---------------------------------------------------------------------------
step "a: two namespaces, a charon in each, xfrmd on the gateway"
mkdir -p "$A_DIR" "$B_DIR"
chmod 700 "$TMP"
netns_add "$NSA"
netns_add "$NSB"
ip link add xexp-a netns "$NSA" type veth peer name xexp-b netns "$NSB" ||
	fail "cannot create a veth pair"
ip -n "$NSA" addr add 192.0.2.1/24 dev xexp-a
ip -n "$NSA" addr add 192.0.2.2/24 dev xexp-a
ip -n "$NSB" addr add 192.0.2.101/24 dev xexp-b
ip -n "$NSB" addr add 192.0.2.102/24 dev xexp-b
ip -n "$NSA" link set xexp-a up
ip -n "$NSB" link set xexp-b up
# What each charon made of a connection's settings: its cfg log at level 2.
for d in "$A_DIR" "$B_DIR"; do
	charon_write_conf "$d"
	cat >>"$d/strongswan.conf" <<'EOF'
charon {
	filelog {
		stderr {
			default = 1
			cfg = 2
		}
	}
}
EOF
done
charon_start "$NSA" "$A_DIR"
A_PID=$CHARON_PID A_SOCK=$CHARON_SOCK A_URI=$CHARON_URI
CHARON_PID=
charon_start "$NSB" "$B_DIR"
B_PID=$CHARON_PID B_SOCK=$CHARON_SOCK B_URI=$CHARON_URI

NS=$NSA # xfrmd's
xfrmd_start -d -v "$A_URI"

# A key that swanctl would misread unless written in hex: it starts with
# 0x, and a backslash inside quotes would be dropped.
printf '%s\n' "0xab\\c#d}{'=;" >"$TMP/t1 key"
chmod 600 "$TMP/t1 key"
python3 - "$TMP/gw.json" <<'EOF'
import json, sys
doc = {
    "gateway": {"name": "gw-a", "local_addresses": ["192.0.2.1", "192.0.2.2"]},
    "connections": [{
        "name": "site.b-x",
        "start": "on-traffic",
        "local_prefixes": ["10.1.0.0/24"],
        "remote_prefixes": ["10.2.0.0/24"],
        "tunnels": [
            {"local": "192.0.2.1", "remote": "192.0.2.101", "psk_file": "t1 key",
             "local_id": 'gw a "x" #1 {y} \\z', "remote_id": "peer,b;c"},
            {"local": "192.0.2.2", "remote": "192.0.2.102",
             "local_id": "CN=gw-a, O=Example, C=DE", "remote_id": "peer b #2",
             "role": "standby"},
        ],
        "ike": {"life_time": 15000, "rand_time": 300, "fragmentation": "accept"},
        "esp": {"life_time": 3900, "rand_time": 120, "rekey_bytes": 1000000000,
                "life_bytes": 1200000000, "rekey_packets": 1000000,
                "life_packets": 1200000, "replay_window": 1024},
    }],
}
with open(sys.argv[1], "w") as f:
    json.dump(doc, f, indent=1)
EOF
chmod 600 "$TMP/gw.json"
wait_for 15 "xfrmd to connect to charon" xfrmd_connected
ctl apply -f "$TMP/gw.json" >"$TMP/apply.out" 2>&1 ||
	fail "apply: $(cat "$TMP/apply.out")"

step "b: export-peer --format swanctl, placeholders filled as the comments say"
ctl export-peer --format swanctl "$CONN" >"$TMP/peer.conf" 2>"$TMP/notes" ||
	fail "export-peer: $(cat "$TMP/notes")"
cat "$TMP/peer.conf"
for t in 1 2; do
	grep -q "secret = \"KEY-OF-TUNNEL-$t\"" "$TMP/peer.conf" ||
		fail "no placeholder for tunnel $t"
done
# The lifetimes, once per tunnel: the IKE ones, then the CHILD_SA's; ike.fragmentation.
for kv in "over_time = 600s" "rand_time = 300s" "life_time = 3900s" "rand_time = 120s" \
	"rekey_bytes = 1000000000" "life_bytes = 1200000000" "rekey_packets = 1000000" \
	"life_packets = 1200000" "replay_window = 1024" "fragmentation = accept"; do
	[ "$(grep -cxE " +$kv" "$TMP/peer.conf")" = 2 ] || fail "'$kv' not in each tunnel's section"
done
# Each secret's comment gives a command line ("#   CMD") printing the key
# in hex; run it where the comment says (the gateway: its socket, its files).
python3 - "$TMP/peer.conf" >"$TMP/commands" <<'EOF'
import re, sys
t = 0
for line in open(sys.argv[1]):
    m = re.match(r"\s*#   (.*)$", line)
    if m:
        t += 1
        print(f"{t}\t{m.group(1)}")
EOF
[ "$(wc -l <"$TMP/commands")" = 2 ] || fail "want one command per secret: $(cat "$TMP/commands")"
cp "$TMP/peer.conf" "$B_DIR/swanctl.conf"
while IFS=$'\t' read -r t cmd; do
	hex=$(cd "$TMP" && XFRMD_SOCKET=$CTL_SOCK PATH="$(dirname "$XFRMCTL"):$PATH" bash -c "$cmd") ||
		fail "tunnel $t: '$cmd' failed"
	[[ $hex =~ ^[0-9a-f]+$ ]] || fail "tunnel $t: '$cmd' printed '$hex', not hex"
	sed -i "s/secret = \"KEY-OF-TUNNEL-$t\"/secret = 0x$hex/" "$B_DIR/swanctl.conf"
done <"$TMP/commands"
[ "$(printf '%s' "0xab\\c#d}{'=;" | od -An -tx1 | tr -d ' \n')" = \
	"$(sed -n 's/.*secret = 0x\([0-9a-f]*\)$/\1/p' "$B_DIR/swanctl.conf" | head -1)" ] ||
	fail "tunnel 1's key in hex is not the key file's: $(grep secret "$B_DIR/swanctl.conf")"

step "c: swanctl loads the connections and the secrets"
use_b
swanctl --load-conns --file "$B_DIR/swanctl.conf" --uri "$B_URI" >"$TMP/load-conns.out" 2>&1 ||
	fail "swanctl --load-conns: $(cat "$TMP/load-conns.out")"
for t in 1 2; do
	grep -q "loaded connection '$PEER-t$t'" "$TMP/load-conns.out" ||
		fail "connection $PEER-t$t not loaded: $(cat "$TMP/load-conns.out")"
done
swanctl --load-creds --file "$B_DIR/swanctl.conf" --uri "$B_URI" >"$TMP/load-creds.out" 2>&1 ||
	fail "swanctl --load-creds: $(cat "$TMP/load-creds.out")"
for t in 1 2; do
	grep -q "loaded ike secret 'ike-$PEER-t$t'" "$TMP/load-creds.out" ||
		fail "secret ike-$PEER-t$t not loaded: $(cat "$TMP/load-creds.out")"
done
# (missing credential directories are reported too, and are no failure)
! grep -Ei "syntax error|invalid|loading .*failed|failed to load" "$TMP/load-conns.out" \
	"$TMP/load-creds.out" || fail "swanctl reported failures"

step "d: both charons list the same identities"
# "local|remote id" of connection $2 in swanctl --list-conns at URI $1.
ids() {
	swanctl --list-conns --uri "$1" | awk -v n="$2" '
		/^[^ ]/ { on = ($1 == n ":") }
		on && /^  local /  { side = "local" }
		on && /^  remote / { side = "remote" }
		on && /^    id: /  { sub(/^    id: /, ""); print side "=" $0 }'
}
for t in 1 2; do
	ids "$A_URI" "xfrmd-$CONN-t$t" >"$TMP/ids-a-$t"
	ids "$B_URI" "$PEER-t$t" >"$TMP/ids-b-$t"
	[ "$(wc -l <"$TMP/ids-a-$t")" = 2 ] || fail "gateway ids of t$t: $(cat "$TMP/ids-a-$t")"
	[ "$(sed -n 's/^local=//p' "$TMP/ids-a-$t")" = "$(sed -n 's/^remote=//p' "$TMP/ids-b-$t")" ] &&
		[ "$(sed -n 's/^remote=//p' "$TMP/ids-a-$t")" = "$(sed -n 's/^local=//p' "$TMP/ids-b-$t")" ] ||
		fail "t$t identities differ: gateway $(cat "$TMP/ids-a-$t"), peer $(cat "$TMP/ids-b-$t")"
	echo "t$t: $(tr '\n' ' ' <"$TMP/ids-a-$t")"
done
grep -qF 'local=gw a "x" #1 {y} \z' "$TMP/ids-a-1" || fail "t1's identity changed: $(cat "$TMP/ids-a-1")"

step "e: the peer initiates; both IKE SAs authenticate"
for t in 1 2; do
	timeout 30 swanctl --initiate --ike "$PEER-t$t" --uri "$B_URI" --timeout 15 \
		>"$TMP/initiate-$t.out" 2>&1 || true
	swanctl --list-sas --ike "$PEER-t$t" --uri "$B_URI" >"$TMP/sas-b-$t" 2>&1 || true
	grep -q "ESTABLISHED" "$TMP/sas-b-$t" ||
		fail "t$t: no IKE SA at the peer: $(cat "$TMP/initiate-$t.out" "$TMP/sas-b-$t")"
	swanctl --list-sas --ike "xfrmd-$CONN-t$t" --uri "$A_URI" >"$TMP/sas-a-$t" 2>&1 || true
	grep -q "ESTABLISHED" "$TMP/sas-a-$t" ||
		fail "t$t: no IKE SA at the gateway: $(cat "$TMP/sas-a-$t")"
done

step "f: both charons took the lifetimes as given"
for log in "$A_DIR/charon.log" "$B_DIR/charon.log"; do
	# vici logs a connection's IKE settings indented by 2, its children's by 3.
	for kv in "  over_time = 600" "  rand_time = 300" "   life_time = 3900" \
		"   rand_time = 120" "   rekey_bytes = 1000000000" "   life_bytes = 1200000000" \
		"   rekey_packets = 1000000" "   life_packets = 1200000" "   replay_window = 1024"; do
		[ "$(grep -c "\[CFG\] $kv\$" "$log")" = 2 ] || fail "$log: want '$kv' for each tunnel"
	done
	# Each IKE_SA: rekeyed at most rand_time (300 s) before rekey_time
	# (14400 s), expiring over_time (600 s) after its rekey.
	awk '/scheduling rekeying in/ { r[$1] = $NF + 0 }
		/maximum IKE_SA lifetime/ { n++; m = $NF + 0
			if (!($1 in r) || r[$1] < 14100 || r[$1] > 14400 || m - r[$1] != 600) bad = bad " " $0 }
		END { if (n != 2 || bad) { print n " IKE_SAs;" bad; exit 1 } }' "$log" ||
		fail "$log: IKE_SA lifetimes: $(grep -E "scheduling rekeying|maximum IKE_SA" "$log")"
done

echo "PASS: export-peer --format swanctl loads and authenticates in ${SECONDS}s"
