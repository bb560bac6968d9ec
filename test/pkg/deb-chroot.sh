#!/bin/bash
# The Debian package, end to end: build it with dpkg-buildpackage
# (packaging/build-deb.sh), run lintian (any E: fails), install it with apt
# into a Debian 12 chroot that has strongswan-charon, and check what it put
# there: binaries, man pages, schemas, the unit (systemd-analyze verify), the
# default config (xfrmd -n), the group xfrmd, conffile handling, purge. The
# installed xfrmd runs with the unit's -g xfrmd (private mount and network
# namespaces): a member of xfrmd reads status but may not apply. Then the
# chroot boots with systemd (systemd-nspawn): the hardened unit starts,
# reaches charon, and applies a connection on systemctl reload.
#
#   deb-chroot.sh [OUTDIR]     OUTDIR keeps the .deb, .changes, build.log and
#                              lintian.txt (default: a temporary directory)
#
# The bookworm base (debootstrap minbase + strongswan-charon + systemd) is
# cached as $XFRMD_TEST_CACHE/bookworm-ARCH-YYYYMMDD.tar.zst (default cache
# /var/cache/xfrmd-test): the first run of a day builds it, later runs unpack
# it. Every chroot command runs in its own mount namespace, so no mount
# outlives it. Needs root, dpkg-dev, debhelper, lintian, debootstrap, zstd,
# systemd-container and Debian's archive (DEBIAN_MIRROR, default
# http://deb.debian.org/debian).
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${XFRMD_TEST_CACHE:-/var/cache/xfrmd-test}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
T0=$SECONDS

STEP="setup"
fail() {
	echo "FAIL [$STEP]: $*" >&2
	exit 1
}
step() {
	STEP=$1
	echo "--- $STEP ($((SECONDS - T0))s)"
}

[ "$(id -u)" = 0 ] || fail "must run as root (debootstrap, chroot)"
for c in dpkg-buildpackage dh lintian debootstrap zstd unshare chroot systemd-nspawn; do
	command -v "$c" >/dev/null || fail "no $c (bash test/setup-deps.sh installs it)"
done
ARCH=$(dpkg --print-architecture)
VERSION=$(sed -n 's/^project(xfrmd VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")

TMP=$(mktemp -d /var/tmp/xfrmd-pkgtest.XXXXXX)
OUT=${1:-$TMP/out}
ROOT="$TMP/root"
XFRMD_PID=
MACHINE=xfrmd-pkgtest-$$
cleanup() {
	local rc=$?
	trap - EXIT
	# What systemd-nspawn leaves behind on a host without machined.
	rm -rf "/run/systemd/nspawn/propagate/$MACHINE"
	if [ -n "$XFRMD_PID" ]; then
		kill -TERM "$XFRMD_PID" 2>/dev/null || true
		wait "$XFRMD_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT

# in_root DIR CMD...: CMD inside the chroot DIR, with /proc, /sys and /dev
# mounted in a private mount namespace (gone when CMD ends) and a clean
# environment. Extra unshare options may come first: in_root -n DIR CMD...
# With IN_ROOT_EXEC=1 the calling (sub)shell becomes CMD, so $! of
# "IN_ROOT_EXEC=1 in_root ... &" is CMD's pid.
in_root() {
	local opts=()
	while [ "${1#-}" != "$1" ]; do
		opts+=("$1")
		shift
	done
	local dir=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner sh
	${IN_ROOT_EXEC:+exec} unshare --mount --propagation private "${opts[@]}" sh -c '
		dir=$1; shift
		mount -t proc proc "$dir/proc" && mount -t sysfs -o ro sysfs "$dir/sys" &&
		mount --bind /dev "$dir/dev" || exit 99
		exec chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"' \
		in_root "$dir" "$@"
}

# Services never start inside: a policy-rc.d that forbids everything.
deny_services() {
	printf '#!/bin/sh\nexit 101\n' >"$1/usr/sbin/policy-rc.d"
	chmod 755 "$1/usr/sbin/policy-rc.d"
}

write_sources() {
	cat >"$1/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian}/debian-security $SUITE-security main
EOF
	cp /etc/resolv.conf "$1/etc/resolv.conf"
}

# ---------------------------------------------------------------------------
step "build the package"
mkdir -p "$OUT"
T=$SECONDS
bash "$SRC/packaging/build-deb.sh" "$OUT" >/dev/null || fail "packaging/build-deb.sh failed"
DEB="$OUT/xfrmd_${VERSION}_$ARCH.deb"
[ -f "$DEB" ] || fail "no $DEB"
grep -q "100% tests passed" "$OUT/build.log" || fail "the unit tests did not run in the build"
echo "built $(basename "$DEB") in $((SECONDS - T))s"

step "lintian"
# --pedantic: report everything; only errors fail the test.
lintian -I --pedantic --fail-on none "$OUT/xfrmd_${VERSION}_$ARCH.changes" 2>&1 |
	grep -v '^running with root privileges' >"$OUT/lintian.txt" || true
cat "$OUT/lintian.txt"
for t in E W I P; do
	printf '%s: %s  ' "$t" "$(grep -c "^$t: " "$OUT/lintian.txt" || true)"
done
echo
if grep -q '^E: ' "$OUT/lintian.txt"; then
	fail "lintian reports errors"
fi

step "Debian $SUITE chroot"
mkdir -p "$CACHE"
BASE="$CACHE/$SUITE-$ARCH-$(date -u +%Y%m%d).tar.zst"
if [ ! -s "$BASE" ]; then
	T=$SECONDS
	B="$TMP/base"
	debootstrap --variant=minbase --arch="$ARCH" "$SUITE" "$B" "$MIRROR" >"$TMP/debootstrap.log" 2>&1 ||
		fail "debootstrap: $(tail -n 20 "$TMP/debootstrap.log")"
	write_sources "$B"
	deny_services "$B"
	in_root "$B" apt-get update -qq >"$TMP/base-apt.log" 2>&1 ||
		fail "apt-get update in the chroot: $(tail -n 20 "$TMP/base-apt.log")"
	# systemd only for systemd-analyze; nothing runs it as init here.
	in_root "$B" apt-get install -y -qq --no-install-recommends strongswan-charon systemd \
		>>"$TMP/base-apt.log" 2>&1 ||
		fail "installing strongswan-charon: $(tail -n 20 "$TMP/base-apt.log")"
	in_root "$B" apt-get clean
	tar -C "$B" --numeric-owner -cf - . | zstd -q -T0 -o "$BASE.tmp"
	mv "$BASE.tmp" "$BASE"
	rm -rf "$B"
	find "$CACHE" -maxdepth 1 -name "$SUITE-$ARCH-*.tar.zst" ! -name "$(basename "$BASE")" -delete
	echo "created $BASE in $((SECONDS - T))s"
else
	echo "cached $BASE"
fi
mkdir "$ROOT"
zstd -q -dc "$BASE" | tar -C "$ROOT" --numeric-owner -xf -
write_sources "$ROOT"
in_root "$ROOT" dpkg -s strongswan-charon >/dev/null 2>&1 || fail "no strongswan-charon in the chroot"

step "apt-get install ./$(basename "$DEB")"
cp "$DEB" "$ROOT/tmp/"
# The cached package lists may be a day old: refresh them if apt needs to.
if ! in_root "$ROOT" apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$DEB")" \
	>"$TMP/install.log" 2>&1; then
	in_root "$ROOT" apt-get update -qq >>"$TMP/install.log" 2>&1 || true
	in_root "$ROOT" apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$DEB")" \
		>>"$TMP/install.log" 2>&1 || fail "apt-get install: $(tail -n 30 "$TMP/install.log")"
fi
# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
in_root "$ROOT" dpkg-query -W -f='${Status} ${Version}\n' xfrmd >"$TMP/status" 2>&1
[ "$(cat "$TMP/status")" = "install ok installed $VERSION" ] || fail "dpkg says: $(cat "$TMP/status")"

step "files are where the package says"
in_root "$ROOT" dpkg -L xfrmd >"$TMP/files"
for f in /usr/sbin/xfrmd /usr/bin/xfrmctl /lib/systemd/system/xfrmd.service \
	/etc/xfrmd/xfrmd.json /usr/share/man/man8/xfrmd.8.gz /usr/share/man/man8/xfrmctl.8.gz \
	/usr/share/man/man5/xfrmd.json.5.gz /usr/share/xfrmd/schemas/xfrmd.schema.json \
	/usr/share/xfrmd/schemas/status.schema.json /usr/share/doc/xfrmd/copyright \
	/usr/share/doc/xfrmd/README.md; do
	grep -qx -- "$f" "$TMP/files" || fail "$f not in dpkg -L xfrmd"
	[ -e "$ROOT$f" ] || fail "$f listed but missing"
done
while read -r f; do
	[ -e "$ROOT$f" ] || fail "dpkg -L lists $f, which is missing"
done <"$TMP/files"
[ "$(stat -c '%a %u %g' "$ROOT/etc/xfrmd/xfrmd.json")" = "600 0 0" ] ||
	fail "/etc/xfrmd/xfrmd.json is $(stat -c '%a %u %g' "$ROOT/etc/xfrmd/xfrmd.json")"
grep -qx /etc/xfrmd/xfrmd.json "$ROOT/var/lib/dpkg/info/xfrmd.conffiles" ||
	fail "/etc/xfrmd/xfrmd.json is not a conffile"
[ -L "$ROOT/etc/systemd/system/multi-user.target.wants/xfrmd.service" ] ||
	fail "xfrmd.service not enabled"
in_root "$ROOT" getent group xfrmd >"$TMP/group" || fail "no group xfrmd"
XGID=$(cut -d: -f3 "$TMP/group")
[ "$XGID" -lt 1000 ] || fail "group xfrmd is not a system group (gid $XGID)"
zgrep -qF -- '\-\-group' "$ROOT/usr/share/man/man8/xfrmd.8.gz" ||
	fail "xfrmd(8) does not describe -g"
cmp -s "$SRC/README.md" "$ROOT/usr/share/doc/xfrmd/README.md" ||
	fail "/usr/share/doc/xfrmd/README.md is not the source's README.md"
zgrep -qF /usr/share/doc/xfrmd/README.md "$ROOT/usr/share/man/man5/xfrmd.json.5.gz" ||
	fail "xfrmd.json(5) does not point to /usr/share/doc/xfrmd/README.md"

step "xfrmd -n /etc/xfrmd/xfrmd.json; xfrmctl --version"
in_root "$ROOT" xfrmd -n /etc/xfrmd/xfrmd.json >"$TMP/check.out" 2>&1 ||
	fail "xfrmd -n: $(cat "$TMP/check.out")"
[ "$(cat "$TMP/check.out")" = "configuration OK" ] || fail "xfrmd -n: $(cat "$TMP/check.out")"
[ "$(in_root "$ROOT" xfrmctl --version)" = "xfrmctl $VERSION" ] ||
	fail "xfrmctl --version: $(in_root "$ROOT" xfrmctl --version 2>&1)"
[ "$(in_root "$ROOT" xfrmd -V)" = "xfrmd $VERSION" ] || fail "xfrmd -V"
in_root "$ROOT" xfrmctl help validate >"$TMP/help.out" 2>&1 &&
	grep -q "^usage: xfrmctl \[-s SOCKET\] validate -f FILE \[--json\]" "$TMP/help.out" ||
	fail "xfrmctl help validate: $(cat "$TMP/help.out")"
in_root "$ROOT" xfrmctl validate -f /etc/xfrmd/xfrmd.json >"$TMP/validate.out" 2>&1 ||
	fail "xfrmctl validate: $(cat "$TMP/validate.out")"

step "the unit: systemd-analyze verify, security"
in_root "$ROOT" systemd-analyze verify --man=no /lib/systemd/system/xfrmd.service \
	>"$TMP/verify.out" 2>&1 || fail "systemd-analyze verify: $(cat "$TMP/verify.out")"
[ ! -s "$TMP/verify.out" ] || fail "systemd-analyze verify: $(cat "$TMP/verify.out")"
in_root "$ROOT" systemd-analyze security --offline=yes --no-pager \
	/lib/systemd/system/xfrmd.service >"$TMP/security.out" 2>&1 || true
grep -i "overall exposure level" "$TMP/security.out" ||
	fail "systemd-analyze security: $(tail -n 5 "$TMP/security.out")"

step "the installed xfrmd with the unit's -g xfrmd"
# Its own network namespace: the host's XFRM state stays out of reach. No
# charon there; xfrmd keeps retrying and answers meanwhile.
IN_ROOT_EXEC=1 in_root -n "$ROOT" /usr/sbin/xfrmd -g xfrmd >"$TMP/xfrmd.log" 2>&1 &
XFRMD_PID=$!
for _ in $(seq 50); do
	[ -S "$ROOT/run/xfrmd/xfrmd.sock" ] && break
	sleep 0.1
done
[ -S "$ROOT/run/xfrmd/xfrmd.sock" ] || fail "no control socket: $(cat "$TMP/xfrmd.log")"
[ "$(stat -c '%a %u %g' "$ROOT/run/xfrmd/xfrmd.sock")" = "660 0 $XGID" ] ||
	fail "socket is $(stat -c '%a %u %g' "$ROOT/run/xfrmd/xfrmd.sock"), want 660 0 $XGID"
in_root "$ROOT" setpriv --reuid=65534 --regid=65534 --groups="$XGID" xfrmctl status \
	>"$TMP/m-status.out" 2>&1 || fail "status as a member of xfrmd: $(cat "$TMP/m-status.out")"
grep -q " generation 0 " "$TMP/m-status.out" || fail "status: $(cat "$TMP/m-status.out")"
cp "$ROOT/etc/xfrmd/xfrmd.json" "$ROOT/tmp/member.json"
in_root "$ROOT" chown 65534 /tmp/member.json
RC=0
in_root "$ROOT" setpriv --reuid=65534 --regid=65534 --groups="$XGID" \
	xfrmctl apply -f /tmp/member.json >"$TMP/m-apply.out" 2>&1 || RC=$?
if [ "$RC" != 1 ] || ! grep -q "permission denied (root only)" "$TMP/m-apply.out"; then
	fail "apply as a member of xfrmd: exit $RC: $(cat "$TMP/m-apply.out")"
fi
if in_root "$ROOT" setpriv --reuid=65534 --regid=65534 --clear-groups xfrmctl status \
	>"$TMP/o-status.out" 2>&1; then
	fail "status outside the group xfrmd: $(cat "$TMP/o-status.out")"
fi
kill -TERM "$XFRMD_PID"
wait "$XFRMD_PID" 2>/dev/null || true
XFRMD_PID=

step "boot the chroot with systemd: the hardened unit starts, reaches charon, reloads"
# systemd-nspawn boots the chroot as a container (private network: the
# host's XFRM state stays out of reach); a oneshot unit runs the checks
# inside, against xfrmd.service's real sandbox, then powers off.
rm -f "$ROOT/usr/sbin/policy-rc.d"
mkdir -p "$ROOT/usr/local/sbin"
cat >"$ROOT/usr/local/sbin/xfrmd-boot-check" <<'CHECK'
#!/bin/sh
# Runs inside the booted container; says BOOT-CHECK PASS or FAIL.
exec >/xfrmd-boot-check.out 2>&1
fail() {
	echo "--- journal"
	journalctl -u xfrmd -u strongswan-starter --no-pager | tail -n 30
	echo "BOOT-CHECK FAIL: $*"
	systemctl poweroff
	exit 1
}
systemctl is-active --quiet strongswan-starter || fail "strongswan-starter is not running"
systemctl start xfrmd || fail "systemctl start xfrmd"
for _ in $(seq 50); do
	xfrmctl status 2>/dev/null | grep -q "charon connected" && break
	sleep 0.2
done
xfrmctl status | grep -q "charon connected" || fail "not connected to charon: $(xfrmctl status 2>&1)"
[ "$(stat -c '%a %U %G' /run/xfrmd/xfrmd.sock)" = "660 root xfrmd" ] ||
	fail "socket: $(stat -c '%a %U %G' /run/xfrmd/xfrmd.sock)"
pid=$(systemctl show -p MainPID --value xfrmd)
# CAP_NET_ADMIN and CAP_NET_RAW only (bits 12 and 13).
grep -q "^CapBnd:.*0000000000003000$" "/proc/$pid/status" ||
	fail "bounding set: $(grep CapBnd "/proc/$pid/status")"
grep -q "^NoNewPrivs:.*1$" "/proc/$pid/status" || fail "NoNewPrivs not set"
gid=$(getent group xfrmd | cut -d: -f3)
setpriv --reuid=65534 --regid=65534 --groups="$gid" xfrmctl status >/tmp/member.out 2>&1 ||
	fail "status as a member of xfrmd: $(cat /tmp/member.out)"
# A real connection through ExecReload: charon loads it, and xfrmd installs
# its fail-closed policies over netlink from inside the sandbox.
cat >/etc/xfrmd/xfrmd.json <<'JSON'
{
  "gateway": {"name": "gw-pkg", "local_addresses": ["192.0.2.1"]},
  "connections": [
    {"name": "site-b", "local_prefixes": ["10.1.0.0/24"], "remote_prefixes": ["10.2.0.0/24"],
     "tunnels": [{"local": "192.0.2.1", "remote": "198.51.100.2", "psk": "Pkg-Test-Key-4Rf7"}]}
  ]
}
JSON
systemctl reload xfrmd || fail "systemctl reload xfrmd"
xfrmctl status | grep -q "^site-b: " || fail "status after reload: $(xfrmctl status 2>&1)"
swanctl --list-conns 2>/dev/null | grep -q "^xfrmd-site-b-t1:" || fail "charon has no xfrmd-site-b-t1"
ip xfrm policy | grep -q "src 10.1.0.0/24 dst 10.2.0.0/24" || fail "no policy: $(ip xfrm policy)"
systemctl is-active --quiet xfrmd || fail "xfrmd is not active after the reload"
echo "BOOT-CHECK PASS"
systemctl poweroff
CHECK
chmod 755 "$ROOT/usr/local/sbin/xfrmd-boot-check"
cat >"$ROOT/etc/systemd/system/xfrmd-boot-check.service" <<'UNIT'
[Unit]
After=multi-user.target strongswan-starter.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/xfrmd-boot-check
UNIT
ln -s /etc/systemd/system/xfrmd-boot-check.service \
	"$ROOT/etc/systemd/system/multi-user.target.wants/xfrmd-boot-check.service"
cp "$ROOT/etc/xfrmd/xfrmd.json" "$TMP/xfrmd.json.orig"
# --register=no --keep-unit: no machined or system bus needed on the host.
timeout 180 systemd-nspawn -q -D "$ROOT" -M "$MACHINE" --private-network --register=no --keep-unit -b \
	>"$TMP/nspawn.log" 2>&1 || fail "systemd-nspawn: $(tail -n 20 "$TMP/nspawn.log")"
[ -f "$ROOT/xfrmd-boot-check.out" ] || fail "the check never ran: $(tail -n 20 "$TMP/nspawn.log")"
grep -qx "BOOT-CHECK PASS" "$ROOT/xfrmd-boot-check.out" ||
	fail "$(cat "$ROOT/xfrmd-boot-check.out")"
rm -f "$ROOT/etc/systemd/system/multi-user.target.wants/xfrmd-boot-check.service"
cp "$TMP/xfrmd.json.orig" "$ROOT/etc/xfrmd/xfrmd.json"
deny_services "$ROOT"

step "conffile kept across reinstall, removed by purge"
sed -i 's/"name": "gateway"/"name": "edited"/' "$ROOT/etc/xfrmd/xfrmd.json"
in_root "$ROOT" dpkg -i "/tmp/$(basename "$DEB")" >"$TMP/reinstall.log" 2>&1 ||
	fail "dpkg -i again: $(cat "$TMP/reinstall.log")"
grep -q '"name": "edited"' "$ROOT/etc/xfrmd/xfrmd.json" || fail "reinstall replaced the edited config"
in_root "$ROOT" dpkg --purge xfrmd >"$TMP/purge.log" 2>&1 || fail "purge: $(cat "$TMP/purge.log")"
[ ! -e "$ROOT/etc/xfrmd/xfrmd.json" ] || fail "purge left /etc/xfrmd/xfrmd.json"
[ ! -e "$ROOT/etc/systemd/system/multi-user.target.wants/xfrmd.service" ] ||
	fail "purge left the unit enabled"

echo "PASS: xfrmd $VERSION package in a $SUITE chroot in $((SECONDS - T0))s"
