"""The status request on xfrmd's control socket, timed inside one process: the daemon's side
of `xfrmctl status --json` without an exec or pretty-printing.
   status-rt.py SOCKET RUNS  ->  daemon_rt_ms=MEDIAN (min MIN) reply_bytes=N"""
import socket
import statistics
import sys
import time

ts, size = [], 0
for _ in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX)
    t = time.monotonic()
    s.connect(sys.argv[1])
    s.sendall(b'{"cmd": "status"}\n')
    buf = bytearray()
    while not buf.endswith(b"\n"):
        d = s.recv(1 << 20)
        if not d:
            break
        buf += d
    ts.append((time.monotonic() - t) * 1000)
    size = len(buf)
    s.close()
print("daemon_rt_ms=%.1f (min %.1f) reply_bytes=%d" % (statistics.median(ts), min(ts), size))
