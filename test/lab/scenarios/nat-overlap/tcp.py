#!/usr/bin/env python3
"""One-shot TCP transfer for nat-overlap.
server PORT OUT TIMEOUT: accept one connection, count bytes to EOF, write "PEER BYTES" to OUT,
send the count back. client HOST PORT BYTES TIMEOUT: send BYTES, read the count, print it."""
import socket
import sys

if sys.argv[1] == "server":
    port, out, t = int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(1)
    open(out + ".ready", "w").close()
    s.settimeout(t)
    c, peer = s.accept()
    c.settimeout(t)
    n = 0
    while True:
        d = c.recv(65536)
        if not d:
            break
        n += len(d)
    with open(out, "w") as f:
        f.write("%s %d\n" % (peer[0], n))
    c.sendall(b"%d\n" % n)
    c.close()
else:
    host, port, size, t = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    c = socket.create_connection((host, port), timeout=t)
    c.sendall(b"x" * size)
    c.shutdown(socket.SHUT_WR)
    print(c.recv(100).decode().strip())
