#!/bin/bash
# The control socket as a security boundary: xfrmd -g GROUP makes the socket
# root:GROUP 0660; members of GROUP may read (status, metrics, routes), only
# root may change anything (apply, route); others cannot connect at all.
# Malformed, oversized and half-sent requests get an error or wait without
# holding up other clients.
#
#   xfrmd_socket.sh PATH/TO/xfrmd PATH/TO/xfrmctl
#
# Needs root, ip (netns), setpriv and python3. No charon: xfrmd keeps
# retrying its VICI socket and answers the control socket meanwhile.
set -euo pipefail

XFRMD=${1:?usage: xfrmd_socket.sh PATH/TO/xfrmd PATH/TO/xfrmctl}
XFRMCTL=${2:?usage: xfrmd_socket.sh PATH/TO/xfrmd PATH/TO/xfrmctl}
# nobody:nogroup is the group member; 65533 (no passwd entry needed) the
# outsider, or a member through a supplementary group.
GID=65534
MEMBER=65534
OTHER=65533

HERE=$(cd "$(dirname "$0")" && pwd)
# fail, step, TMP, NS, cleanup, ctl, xfrmd_start, wait_for...
# shellcheck source=xfrmd-fixture.sh
. "$HERE/xfrmd-fixture.sh"

xfrmd_prereqs setpriv python3 getent
GROUP=$(getent group "$GID" | cut -d: -f1)
[ -n "$GROUP" ] || fail "no group with gid $GID (nogroup)"
fixture_setup socket
CTL_SOCK="$TMP/run/xfrmd.sock"

# Non-root users must reach the socket and the binary: everything under
# $TMP is traversable, nothing but the config files is theirs.
chmod 711 "$TMP"
mkdir -m 755 "$TMP/bin" "$TMP/run"
cp "$XFRMCTL" "$TMP/bin/xfrmctl"
printf '{"gateway": {"name": "gw-socktest"}, "connections": []}\n' >"$TMP/empty.json"
install -m 600 -o "$MEMBER" "$TMP/empty.json" "$TMP/member.json"

# as UID [setpriv group options] -- xfrmctl ARGS...
as() {
	local uid=$1
	shift
	local opts=()
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	setpriv --reuid="$uid" "${opts[@]}" "$TMP/bin/xfrmctl" -s "$CTL_SOCK" "$@"
}
member() { as "$MEMBER" --regid="$GID" --clear-groups -- "$@"; }
supplementary() { as "$OTHER" --regid="$OTHER" --groups="$GID" -- "$@"; }
outsider() { as "$OTHER" --regid="$OTHER" --clear-groups -- "$@"; }

# ---------------------------------------------------------------------------
step "a: -g with an unknown group is a usage error"
RC=0
"$XFRMD" -g no-such-group-xfrmd -c "$TMP/never.sock" >"$TMP/badgroup.out" 2>&1 || RC=$?
[ "$RC" = 2 ] || fail "xfrmd -g no-such-group exited $RC: $(cat "$TMP/badgroup.out")"
grep -q "no such group 'no-such-group-xfrmd'" "$TMP/badgroup.out" ||
	fail "unclear error: $(cat "$TMP/badgroup.out")"
[ ! -e "$TMP/never.sock" ] || fail "a socket was created anyway"
"$XFRMD" --help | grep >/dev/null -- "-g, --group GROUP" || fail "usage does not mention -g"

step "b: xfrmd -g $GROUP: socket root:$GROUP 0660"
netns_add "$NS"
# No charon at this URI: xfrmd retries with backoff and serves the socket.
xfrmd_start -d -g "$GROUP" -v "unix://$TMP/no-charon.vici"
[ "$(stat -c '%a %U %G' "$CTL_SOCK")" = "660 root $GROUP" ] ||
	fail "socket is $(stat -c '%a %U %G' "$CTL_SOCK"), want 660 root $GROUP"

step "c: a group member reads: status, status --json, metrics, routes"
member status >"$TMP/m-status.out" 2>&1 || fail "status as member: $(cat "$TMP/m-status.out")"
grep -q "^gateway .* generation 0 " "$TMP/m-status.out" ||
	fail "status as member: $(cat "$TMP/m-status.out")"
member status --json >"$TMP/m-status.json" 2>&1 ||
	fail "status --json as member: $(cat "$TMP/m-status.json")"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["generation"] == 0' \
	"$TMP/m-status.json" || fail "status --json as member: $(cat "$TMP/m-status.json")"
member metrics >"$TMP/m-metrics.out" 2>&1 || fail "metrics as member: $(cat "$TMP/m-metrics.out")"
grep -qx "xfrmd_config_generation 0" "$TMP/m-metrics.out" ||
	fail "metrics as member: $(cat "$TMP/m-metrics.out")"
member routes >"$TMP/m-routes.out" 2>&1 || fail "routes as member: $(cat "$TMP/m-routes.out")"
supplementary status >"$TMP/s-status.out" 2>&1 ||
	fail "status via a supplementary group: $(cat "$TMP/s-status.out")"

step "d: a group member cannot change anything"
RC=0
member apply -f "$TMP/member.json" >"$TMP/m-apply.out" 2>&1 || RC=$?
[ "$RC" = 1 ] || fail "apply as member exited $RC: $(cat "$TMP/m-apply.out")"
grep -qx "xfrmctl: apply: permission denied (root only)" "$TMP/m-apply.out" ||
	fail "apply as member: $(cat "$TMP/m-apply.out")"
RC=0
member route publish some-conn >"$TMP/m-route.out" 2>&1 || RC=$?
[ "$RC" = 1 ] || fail "route publish as member exited $RC: $(cat "$TMP/m-route.out")"
grep -q "route: permission denied (root only)" "$TMP/m-route.out" ||
	fail "route publish as member: $(cat "$TMP/m-route.out")"
# Every command in the daemon's table either works for a member or is
# refused as root-only; the request shape does not matter for that check.
python3 - "$CTL_SOCK" "$MEMBER" "$GID" >"$TMP/m-raw.out" 2>&1 <<'EOF' ||
import json, os, socket, sys
path, uid, gid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.setgroups([])
os.setgid(gid)
os.setuid(uid)
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(path)
f = s.makefile("rwb")
for cmd in ("apply", "route"):
    f.write(json.dumps({"cmd": cmd, "config": {}, "action": "publish"}).encode() + b"\n")
    f.flush()
    r = json.loads(f.readline())
    assert r == {"ok": False, "error": f"{cmd}: permission denied (root only)"}, r
print("ok")
EOF
	fail "raw root-only commands as member: $(cat "$TMP/m-raw.out")"
ctl status | grep >/dev/null " generation 0 " || fail "a member's apply changed the generation"

step "e: root may apply"
ctl apply -f "$TMP/empty.json" >"$TMP/r-apply.out" 2>&1 || true
# Without charon the apply itself fails, but not for lack of permission.
if grep -q "permission denied" "$TMP/r-apply.out"; then
	fail "root was refused: $(cat "$TMP/r-apply.out")"
fi

step "f: a user outside the group cannot connect"
RC=0
outsider status >"$TMP/o-status.out" 2>&1 || RC=$?
[ "$RC" != 0 ] || fail "uid $OTHER outside $GROUP reached the socket: $(cat "$TMP/o-status.out")"
grep -q "cannot reach xfrmd at .*: Permission denied" "$TMP/o-status.out" ||
	fail "outsider: $(cat "$TMP/o-status.out")"

step "g: malformed, unknown, oversized and half-sent requests"
python3 - "$CTL_SOCK" >"$TMP/proto.out" 2>&1 <<'EOF' || fail "protocol abuse: $(cat "$TMP/proto.out")"
import json, socket, sys, threading, time

PATH = sys.argv[1]
LIMIT = 33 << 20  # CTL_MSG_MAX in lib/control/control.h


class Conn:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(10)
        self.s.connect(PATH)
        self.buf = b""

    def sendall(self, data):
        self.s.sendall(data)

    def settimeout(self, t):
        self.s.settimeout(t)

    def close(self):
        self.s.close()


def conn():
    return Conn()


def read_line(c):
    while b"\n" not in c.buf:
        more = c.s.recv(65536)
        if not more:
            raise AssertionError(f"closed before a full reply: {c.buf!r}")
        c.buf += more
    line, c.buf = c.buf.split(b"\n", 1)
    return json.loads(line)


def closed(c):
    try:
        return c.buf == b"" and c.s.recv(1) == b""
    except ConnectionResetError:
        return True


def status_latency():
    s = conn()
    t = time.monotonic()
    s.sendall(b'{"cmd": "status"}\n')
    r = read_line(s)
    s.close()
    assert r.get("ok") is True, r
    return time.monotonic() - t


# Not JSON: an error, then the connection is closed.
s = conn()
s.sendall(b"this is not json\n")
r = read_line(s)
assert r["ok"] is False and "malformed request" in r["error"], r
assert closed(s), "connection left open after a malformed line"
print("malformed:", r["error"])

for bad in (b"[1, 2]\n", b'{"cmd": 7}\n', b'{"nocmd": "status"}\n', b'{"cmd": "status"\n'):
    s = conn()
    s.sendall(bad)
    r = read_line(s)
    assert r["ok"] is False and "malformed request" in r["error"], (bad, r)
    assert closed(s), bad

# An unknown command is an error reply; the connection stays usable.
s = conn()
s.sendall(b'{"cmd": "format-disk"}\n{"cmd": "version"}\n')
r = read_line(s)
assert r == {"ok": False, "error": "unknown command 'format-disk'"}, r
r = read_line(s)
assert r.get("ok") is True and "version" in r, r
s.close()
print("unknown command: error, connection still usable")

# Half a request: the daemon waits for the rest without stalling others.
slow = conn()
slow.sendall(b'{"cmd": "sta')
lat = max(status_latency() for _ in range(5))
assert lat < 1.0, f"status took {lat:.2f}s while a client held half a line"
slow.sendall(b'tus"}\n')
r = read_line(slow)
assert r.get("ok") is True, r
print(f"half-sent request: others answered in {lat * 1000:.0f} ms; the slow one completed")
# Idle connections with half lines do not pile up into a stall either.
idle = [conn() for _ in range(50)]
for i in idle:
    i.sendall(b'{"cmd": ')
lat = max(status_latency() for _ in range(5))
assert lat < 1.0, f"status took {lat:.2f}s with 50 stuck clients"
for i in idle:
    i.close()

# Oversized: a line longer than the limit gets an error and is cut off,
# while another client keeps being served during the upload.
big = conn()
big.settimeout(30)
result = {}


def upload():
    chunk = b"x" * (1 << 20)
    sent = 0
    t = time.monotonic()
    try:
        while sent < LIMIT + (2 << 20):
            big.sendall(chunk)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    result["sent"] = sent
    result["secs"] = time.monotonic() - t


th = threading.Thread(target=upload)
th.start()
lats = []
while th.is_alive():
    lats.append(status_latency())
th.join()
r = read_line(big)
assert r == {"ok": False, "error": "request larger than the protocol limit"}, r
assert closed(big), "oversized client not disconnected"
assert result["sent"] <= LIMIT + (2 << 20), result
assert lats and max(lats) < 1.0, f"status during the upload took up to {max(lats):.2f}s"
print(f"oversized: cut off after {result['sent'] >> 20} MiB in {result['secs']:.2f}s; "
      f"{len(lats)} status calls meanwhile, slowest {max(lats) * 1000:.0f} ms")
assert status_latency() < 1.0
EOF
cat "$TMP/proto.out"
kill -0 "$XFRMD_PID" 2>/dev/null || fail "xfrmd died"
member status >/dev/null 2>&1 || fail "status as member after the abuse"

echo "PASS: control socket security in ${SECONDS}s"
