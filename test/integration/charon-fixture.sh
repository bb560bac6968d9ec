# shellcheck shell=bash
# A real charon in a throwaway network namespace, for integration tests
# and benchmarks. Source it (the integration scripts: before
# xfrmd-fixture.sh, whose cleanup stops charon and deletes the namespace),
# then:
#
#   charon_prereqs                 fail unless root, charon, swanctl, plugins
#   charon_netns_add NS            create NS with lo up
#   charon_start NS DIR            start charon in NS: DIR/strongswan.conf,
#                                  DIR/charon.vici, DIR/charon.log (appended);
#                                  sets CHARON_PID, CHARON_SOCK, CHARON_URI and
#                                  exports STRONGSWAN_CONF (for swanctl)
#   charon_stop                    stop it (TERM, then KILL after 5 s)
#   charon_alive                   true while it runs
#   charon_log_tail [N]            last N lines of its log, to stderr
#   charon_cleanup NS              charon_stop + delete NS (for EXIT traps)
#
# Each charon gets a private /run (its pid file path is compiled in), so it
# never meets the host's charon. Failures print "FAIL: ..." and exit 1: a
# missing prerequisite fails the test, it never skips it.

CHARON=${CHARON:-/usr/lib/ipsec/charon}
PLUGINDIR=${PLUGINDIR:-/usr/lib/ipsec/plugins}
CHARON_PID=
CHARON_DIR=
CHARON_SOCK=
CHARON_URI=

charon_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

charon_prereqs() {
	local p
	[ "$(id -u)" = 0 ] || charon_fail "must run as root (network namespaces)"
	[ -x "$CHARON" ] || charon_fail "no charon at $CHARON (install strongswan-charon)"
	command -v swanctl >/dev/null || charon_fail "no swanctl (install strongswan-swanctl)"
	command -v ip >/dev/null || charon_fail "no ip (install iproute2)"
	command -v unshare >/dev/null || charon_fail "no unshare (install util-linux)"
	for p in vici socket-default kernel-netlink nonce random; do
		[ -e "$PLUGINDIR/libstrongswan-$p.so" ] ||
			charon_fail "charon plugin $p missing in $PLUGINDIR"
	done
}

# Only plugins that exist: curve25519 and friends live in the extra
# plugins package, which is not required. kdf is needed since 5.9.6: without
# it IKE key derivation fails ("KDF_PRF ... not supported").
charon_plugins() {
	local p out=
	for p in "$@"; do
		[ -e "$PLUGINDIR/libstrongswan-$p.so" ] && out="$out $p"
	done
	echo "${out# }"
}

charon_netns_add() {
	ip netns add "$1" || charon_fail "cannot create network namespace $1"
	ip netns exec "$1" ip link set lo up || charon_fail "cannot bring up lo in $1"
}

# Writes DIR/strongswan.conf unless it exists (a test may bring its own).
charon_write_conf() {
	local dir=$1 load swanctl_load
	[ -f "$dir/strongswan.conf" ] && return 0
	load=$(charon_plugins random nonce openssl pem pkcs1 x509 revocation constraints \
		pubkey curve25519 aes sha1 sha2 hmac gcm kdf kernel-netlink socket-default vici)
	swanctl_load=$(charon_plugins pem pkcs1 x509 pubkey openssl random)
	cat >"$dir/strongswan.conf" <<EOF
charon {
	load = $load
	install_routes = no
	plugins {
		vici {
			socket = unix://$dir/charon.vici
		}
	}
}
swanctl {
	load = $swanctl_load
}
EOF
}

charon_alive() {
	[ -n "$CHARON_PID" ] && kill -0 "$CHARON_PID" 2>/dev/null
}

charon_start() {
	local ns=$1 dir=$2
	charon_alive && charon_fail "charon_start: charon $CHARON_PID already running"
	CHARON_DIR=$dir
	CHARON_SOCK="$dir/charon.vici"
	# shellcheck disable=SC2034 # for the sourcing script
	CHARON_URI="unix://$CHARON_SOCK"
	charon_write_conf "$dir"
	export STRONGSWAN_CONF="$dir/strongswan.conf"
	rm -f "$CHARON_SOCK"
	# ip netns exec and unshare exec without forking, so $! is charon itself.
	# shellcheck disable=SC2016 # $0 is expanded by the inner shell
	ip netns exec "$ns" unshare -m sh -c 'mount -t tmpfs tmpfs /run && exec "$0"' "$CHARON" \
		>>"$dir/charon.log" 2>&1 &
	CHARON_PID=$!
	for _ in $(seq 100); do
		[ -S "$CHARON_SOCK" ] && return 0
		charon_alive || charon_fail "charon exited during startup"
		sleep 0.1
	done
	charon_fail "charon did not create $CHARON_SOCK within 10s"
}

charon_stop() {
	[ -n "$CHARON_PID" ] || return 0
	if charon_alive; then
		kill -TERM "$CHARON_PID" 2>/dev/null || true
		for _ in $(seq 50); do
			charon_alive || break
			sleep 0.1
		done
		kill -KILL "$CHARON_PID" 2>/dev/null || true
	fi
	wait "$CHARON_PID" 2>/dev/null || true
	CHARON_PID=
	# A killed charon leaves its socket behind; the next start waits for it.
	[ -n "$CHARON_SOCK" ] && rm -f "$CHARON_SOCK"
	return 0
}

charon_log_tail() {
	[ -n "$CHARON_DIR" ] && [ -f "$CHARON_DIR/charon.log" ] || return 0
	echo "--- charon log (tail)" >&2
	tail -n "${1:-40}" "$CHARON_DIR/charon.log" >&2
}

charon_cleanup() {
	charon_stop
	[ -n "${1:-}" ] && ip netns del "$1" 2>/dev/null
	return 0
}
