#!/bin/bash
# Runs vici_probe against a real charon started in a throwaway network
# namespace, with its own strongswan.conf, vici socket and a private /run
# (charon's pid file path is compiled in). An "administrator" connection
# loaded with swanctl must survive the probe unloading its own.
#
#   vici_charon.sh PATH/TO/vici_probe
#
# Needs root. Fails (never skips) when charon cannot be started.
set -euo pipefail

PROBE=${1:?usage: vici_charon.sh PATH/TO/vici_probe}
OWN=xfrmd-itest
ADMIN=admin-conn

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=charon-fixture.sh
. "$HERE/charon-fixture.sh"
# fail, TMP, NS and the cleanup (no xfrmd here).
# shellcheck source=xfrmd-fixture.sh
. "$HERE/xfrmd-fixture.sh"

charon_prereqs
[ -x "$PROBE" ] || fail "no probe at $PROBE"
fixture_setup vici

# One setting per line: swanctl.conf has no ';' separator.
cat >"$TMP/swanctl.conf" <<EOF
connections {
	$ADMIN {
		version = 2
		local_addrs = 192.0.2.1
		remote_addrs = 198.51.100.7
		proposals = aes256gcm16-prfsha384-ecp384
		local {
			auth = psk
			id = admin-a.example
		}
		remote {
			auth = psk
			id = admin-b.example
		}
		children {
			admin-net {
				local_ts = 10.9.0.0/16
				remote_ts = 10.8.0.0/16
				start_action = none
			}
		}
	}
}
EOF

netns_add "$NS"
charon_start "$NS" "$TMP"
URI=$CHARON_URI

swanctl --load-conns --file "$TMP/swanctl.conf" --uri "$URI" >"$TMP/swanctl.out" 2>&1 ||
	fail "swanctl --load-conns: $(cat "$TMP/swanctl.out")"
grep -q "loaded connection '$ADMIN'" "$TMP/swanctl.out" ||
	fail "swanctl did not load $ADMIN: $(cat "$TMP/swanctl.out")"

echo "--- vici_probe"
"$PROBE" -v "$URI" "$OWN" "$ADMIN" | tee "$TMP/probe.out" ||
	fail "vici_probe reported failures"
grep -q '^probe OK$' "$TMP/probe.out" || fail "vici_probe did not finish"
grep -q "^get-conns (loaded): status=ok conns=\[.*\b$OWN\b" "$TMP/probe.out" ||
	fail "$OWN was not listed after load-conn"

# The administrator's view, through swanctl rather than our client.
swanctl --list-conns --uri "$URI" >"$TMP/list.out" 2>&1 || fail "swanctl --list-conns failed"
grep -q "^$ADMIN:" "$TMP/list.out" || fail "$ADMIN vanished: $(cat "$TMP/list.out")"
if grep -q "^$OWN:" "$TMP/list.out"; then
	fail "$OWN still loaded after unload-conn"
fi
kill -0 "$CHARON_PID" 2>/dev/null || fail "charon died during the test"
echo "PASS: charon $(sed -n 's/^version: .* version=\([^ ]*\).*/\1/p' "$TMP/probe.out"):" \
	"$OWN loaded and unloaded, $ADMIN kept"
