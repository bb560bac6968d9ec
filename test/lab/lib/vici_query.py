#!/usr/bin/env python3
"""vici_query.py SOCKET COMMAND [KEY=VALUE...]: one VICI request to charon, its reply printed.

For what swanctl has no command for (get-keys, unload-key). Each key=value of the reply's top
level is printed as "key=value", each item of a top-level list as "list: item"; sections are
skipped. Exit status 0 if charon answered (a "success = no" reply too), 1 if it did not know the
command, 2 on a socket error. The wire format is strongSwan's src/libcharon/plugins/vici/README.md.
"""
import socket
import struct
import sys

CMD_REQUEST, CMD_RESPONSE, CMD_UNKNOWN = 0, 1, 2
SECTION_START, SECTION_END, KEY_VALUE, LIST_START, LIST_ITEM, LIST_END = 1, 2, 3, 4, 5, 6


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise OSError("charon closed the connection")
        buf += chunk
    return buf


def encode(pairs):
    out = b""
    for k, v in pairs:
        k, v = k.encode(), v.encode()
        out += bytes([KEY_VALUE, len(k)]) + k + struct.pack(">H", len(v)) + v
    return out


def decode(msg):
    """Top-level key/values and list items, in order, as printable lines."""
    lines, i, depth, lst = [], 0, 0, None
    while i < len(msg):
        t = msg[i]
        i += 1
        if t in (SECTION_START, KEY_VALUE, LIST_START):
            n = msg[i]
            name = msg[i + 1:i + 1 + n].decode(errors="replace")
            i += 1 + n
        if t in (KEY_VALUE, LIST_ITEM):
            (n,) = struct.unpack(">H", msg[i:i + 2])
            value = msg[i + 2:i + 2 + n].decode(errors="replace")
            i += 2 + n
        if t == SECTION_START:
            depth += 1
        elif t == SECTION_END:
            depth -= 1
        elif t == LIST_START:
            lst = name
        elif t == LIST_END:
            lst = None
        elif t == KEY_VALUE and depth == 0:
            lines.append(f"{name}={value}")
        elif t == LIST_ITEM and depth == 0:
            lines.append(f"{lst}: {value}")
    return lines


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = sys.argv[1].removeprefix("unix://")
    cmd = sys.argv[2].encode()
    pairs = [a.split("=", 1) for a in sys.argv[3:]]
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        pkt = bytes([CMD_REQUEST, len(cmd)]) + cmd + encode(pairs)
        s.sendall(struct.pack(">I", len(pkt)) + pkt)
        (n,) = struct.unpack(">I", recv_exact(s, 4))
        reply = recv_exact(s, n)
    except OSError as e:
        print(f"vici_query: {path}: {e}", file=sys.stderr)
        return 2
    if reply[0] == CMD_UNKNOWN:
        print(f"vici_query: charon does not know {cmd.decode()}", file=sys.stderr)
        return 1
    for line in decode(reply[1:]):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
