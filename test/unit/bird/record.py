#!/usr/bin/env python3
"""record.py SOCKET OUTDIR NAME COMMAND [COMMAND...]: talks to a BIRD control
socket the way birdc does and saves the raw bytes BIRD sent, verbatim.

The greeting goes to OUTDIR/greeting.txt; the reply to the i-th COMMAND to
OUTDIR/NAME.txt (NAME-i.txt when there are several). A reply ends at the
first line whose code is followed by a space, as in BIRD's client.c.
Used by record.sh; not run by the build."""
import re
import socket
import sys

END = re.compile(rb"^[0-9]{4} ", re.M)


def read_reply(s):
    buf = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit("bird closed the socket")
        buf += chunk
        # A reply ends with a complete "DDDD " line.
        for m in END.finditer(buf):
            nl = buf.find(b"\n", m.start())
            if nl >= 0:
                return buf[: nl + 1]


def main():
    path, outdir, name, cmds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    greeting = read_reply(s)
    with open(f"{outdir}/greeting.txt", "wb") as f:
        f.write(greeting)
    for i, cmd in enumerate(cmds):
        s.sendall(cmd.encode() + b"\n")
        out = name if len(cmds) == 1 else f"{name}-{i + 1}"
        with open(f"{outdir}/{out}.txt", "wb") as f:
            f.write(read_reply(s))
    s.close()


main()
