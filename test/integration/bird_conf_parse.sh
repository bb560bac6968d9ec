#!/bin/bash
# BIRD 2 parses every include file xfrmd renders here (`bird -p`, no
# daemon, no root): the schema examples with a bgp section, and variants
# the examples do not show (IPv6 inside addresses, each max_prefixes
# action, hold 0, two connections in one table, sessions disabled, a
# connection named like a table), and the LAN side (gateway.lan: statics
# per connection and family, eBGP, iBGP and IPv6 neighbors, BFD shared with
# the tunnels', connections not carried, a standby-only host's MED).
#
#   bird_conf_parse.sh PATH/TO/bird_render SOURCE_DIR
#
# Needs bird2. Fails (never skips) without it.
set -euo pipefail

RENDER=${1:?usage: bird_conf_parse.sh PATH/TO/bird_render SOURCE_DIR}
SRC=${2:?usage: bird_conf_parse.sh PATH/TO/bird_render SOURCE_DIR}
TMP=$(mktemp -d /tmp/xfrmd-bird-parse.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
n=0

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
command -v bird >/dev/null || fail "bird2 is not installed (test/setup-deps.sh)"

printf 'router id 192.0.2.1;\nprotocol device {}\ninclude "%s/xfrmd.conf";\n' "$TMP" >"$TMP/bird.conf"
# The X.509 example's files, where its pki/ paths lead (git keeps no mode 0600).
cp -r "$SRC/schemas/examples/valid/pki" "$TMP/pki"
chmod 600 "$TMP"/pki/*.key

# parse NAME CONFIG [bird_render args]: renders CONFIG, BIRD parses it.
parse() {
	local name=$1 cfg=$2
	shift 2
	cp "$cfg" "$TMP/config.json"
	chmod 600 "$TMP/config.json" # inline keys
	"$RENDER" "$TMP/config.json" "$@" >"$TMP/xfrmd.conf" || fail "$name: render"
	grep -q "^protocol bgp " "$TMP/xfrmd.conf" || fail "$name: no BGP protocol rendered"
	bird -p -c "$TMP/bird.conf" || fail "$name: bird -p refuses the render"
	n=$((n + 1))
}

for f in "$SRC"/schemas/examples/valid/*.json; do
	grep -q '"bgp"' "$f" && parse "$(basename "$f")" "$f"
done

# variant NAME INSIDE1 INSIDE2 PREFIXES BGP_KEYS [REDUNDANCY]: one connection.
variant() {
	cat >"$TMP/v.json" <<JSON
{
  "gateway": { "name": "gw", "local_addresses": ["192.0.2.1"] },
  "connections": [
    { "name": "$1", "mode": "route", "redundancy": "${6:-active-standby}", $4,
      "tunnels": [
        { "local": "192.0.2.1", "remote": "198.51.100.1", "psk": "key-one-12345678", "inside": $2 },
        { "local": "192.0.2.1", "remote": "198.51.100.2", "psk": "key-two-12345678", "inside": $3 }
      ],
      "bgp": { "local_asn": 4200000010, "peer_asn": 64512 $5 } }
  ]
}
JSON
}
IN1='{ "local": "169.254.21.2/30", "peer": "169.254.21.1" }'
IN2='{ "local": "169.254.22.2/31", "peer": "169.254.22.3" }'
V6IN1='{ "local": "fd00:21::2/126", "peer": "fd00:21::1" }'
V6IN2='{ "local": "fd00:22::/127", "peer": "fd00:22::1" }'
DUAL='"local_prefixes": ["10.1.0.0/16", "2001:db8:1::/48"], "remote_prefixes": ["10.100.0.0/16", "2001:db8:100::/48"]'

variant v6-inside "$V6IN1" "$V6IN2" "$DUAL" ', "bfd": true' active-active
parse v6-inside "$TMP/v.json"
for action in warn block restart disable; do
	variant "limit-$action" "$IN1" "$IN2" "$DUAL" \
		", \"max_prefixes\": { \"limit\": 10, \"action\": \"$action\" }, \"timers\": { \"hold\": 0 }"
	parse "limit-$action" "$TMP/v.json" --off 2
done
variant t254_m100 "$IN1" "$IN2" "$DUAL" ', "announce": [], "accept": [{ "prefix": "10.100.0.0/16", "max_length": 16 }]'
parse named-like-a-table "$TMP/v.json" --off 1 --off 2

# Two connections in one table, one more in another.
cat >"$TMP/v.json" <<JSON
{
  "gateway": { "name": "gw", "local_addresses": ["192.0.2.1"] },
  "connections": [
    { "name": "a-1", "mode": "route", "local_prefixes": ["10.1.0.0/16"], "remote_prefixes": ["10.100.0.0/16"],
      "tunnels": [{ "local": "192.0.2.1", "remote": "198.51.100.1", "psk": "key-one-12345678",
                    "inside": $IN1 }],
      "bgp": { "local_asn": 65010, "peer_asn": 64512 } },
    { "name": "a.2", "mode": "route", "local_prefixes": ["10.1.0.0/16"], "remote_prefixes": ["10.200.0.0/16"],
      "tunnels": [{ "local": "192.0.2.1", "remote": "198.51.100.2", "psk": "key-two-12345678",
                    "inside": $IN2 }],
      "bgp": { "local_asn": 65010, "peer_asn": 64513 } },
    { "name": "b", "mode": "route", "local_prefixes": ["10.2.0.0/16"], "remote_prefixes": ["10.250.0.0/16"],
      "routes": { "table": 100, "metric": 10 },
      "tunnels": [{ "local": "192.0.2.1", "remote": "198.51.100.3", "psk": "key-three-1234567",
                    "inside": { "local": "169.254.23.2/30", "peer": "169.254.23.1" } }],
      "bgp": { "local_asn": 65010, "peer_asn": 64514 } }
  ]
}
JSON
parse shared-table "$TMP/v.json"

# The LAN side on the documents above and on the examples without bgp.
LAN=(--lan 65001 9 3 1 --lan-neighbor 192.168.1.1 65000 --lan-neighbor 192.168.1.2 65001
	--lan-neighbor fd00:1::1 65000)
parse lan-shared-table "$TMP/v.json" "${LAN[@]}" --lan-bfd 200 5 --lan-off a.2
variant v6-lan "$V6IN1" "$V6IN2" "$DUAL" ', "bfd": true' active-active
parse lan-tunnel-bfd "$TMP/v.json" "${LAN[@]}" --lan-bfd 0 0 --drop v6-lan 1
variant sb-lan "$IN1" "$IN2" "$DUAL" ''
parse lan-standby-only "$TMP/v.json" "${LAN[@]}" --drop sb-lan 1 --lan-off sb-lan
grep -q "bgp_med = 100;" "$TMP/xfrmd.conf" || fail "lan-standby-only: no MED 100"
for f in "$SRC"/schemas/examples/valid/*.json; do
	grep -q '"bgp"' "$f" && continue
	name=lan-$(basename "$f")
	cp "$f" "$TMP/config.json"
	chmod 600 "$TMP/config.json"
	"$RENDER" "$TMP/config.json" --lan 4200000001 0 0 5 --lan-neighbor 10.0.0.1 64512 \
		>"$TMP/xfrmd.conf" || fail "$name: render"
	grep -q "^protocol bgp xfrmd_lanpeer1 " "$TMP/xfrmd.conf" || fail "$name: no LAN peer"
	bird -p -c "$TMP/bird.conf" || fail "$name: bird -p refuses the render"
	n=$((n + 1))
done
echo "PASS: BIRD parses $n renders"
