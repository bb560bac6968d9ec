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
CHARON=${CHARON:-/usr/lib/ipsec/charon}
PLUGINDIR=${PLUGINDIR:-/usr/lib/ipsec/plugins}
OWN=xfrmd-itest
ADMIN=admin-conn

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || fail "must run as root (network namespaces)"
[ -x "$CHARON" ] || fail "no charon at $CHARON (install strongswan-charon)"
command -v swanctl >/dev/null || fail "no swanctl (install strongswan-swanctl)"
[ -x "$PROBE" ] || fail "no probe at $PROBE"

TMP=$(mktemp -d /tmp/xfrmd-itest.XXXXXX)
NS=xfrmd-itest-$$
SOCK="$TMP/charon.vici"
URI="unix://$SOCK"
CHARON_PID=

cleanup() {
	local rc=$?
	trap - EXIT
	if [ -n "$CHARON_PID" ] && kill -0 "$CHARON_PID" 2>/dev/null; then
		kill -TERM "$CHARON_PID" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$CHARON_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$CHARON_PID" 2>/dev/null || true
		wait "$CHARON_PID" 2>/dev/null || true
	fi
	ip netns del "$NS" 2>/dev/null || true
	if [ "$rc" -ne 0 ] && [ -f "$TMP/charon.log" ]; then
		echo "--- charon log (tail)" >&2
		tail -n 40 "$TMP/charon.log" >&2
	fi
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT

# Only plugins that exist: curve25519 and friends live in the extra
# plugins package, which is not required. kdf is needed since 5.9.6: without
# it IKE key derivation fails ("KDF_PRF ... not supported").
plugins() {
	local p out=
	for p in "$@"; do
		[ -e "$PLUGINDIR/libstrongswan-$p.so" ] && out="$out $p"
	done
	echo "${out# }"
}
for p in vici socket-default kernel-netlink nonce random; do
	[ -e "$PLUGINDIR/libstrongswan-$p.so" ] || fail "charon plugin $p missing in $PLUGINDIR"
done
CHARON_LOAD=$(plugins random nonce openssl pem pkcs1 x509 revocation constraints pubkey \
	curve25519 aes sha1 sha2 hmac gcm kdf kernel-netlink socket-default vici)
SWANCTL_LOAD=$(plugins pem pkcs1 x509 pubkey openssl random)

cat >"$TMP/strongswan.conf" <<EOF
charon {
	load = $CHARON_LOAD
	install_routes = no
	plugins {
		vici {
			socket = $URI
		}
	}
}
swanctl {
	load = $SWANCTL_LOAD
}
EOF
export STRONGSWAN_CONF="$TMP/strongswan.conf"

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

ip netns add "$NS" || fail "cannot create network namespace $NS"
ip netns exec "$NS" ip link set lo up
# ip netns exec and unshare exec without forking, so $! is charon itself.
# shellcheck disable=SC2016 # $0 is expanded by the inner shell
ip netns exec "$NS" unshare -m sh -c 'mount -t tmpfs tmpfs /run && exec "$0"' "$CHARON" \
	>"$TMP/charon.log" 2>&1 &
CHARON_PID=$!

for _ in $(seq 100); do
	[ -S "$SOCK" ] && break
	kill -0 "$CHARON_PID" 2>/dev/null || fail "charon exited during startup"
	sleep 0.1
done
[ -S "$SOCK" ] || fail "charon did not create $SOCK within 10s"

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
