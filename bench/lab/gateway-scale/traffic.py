#!/usr/bin/env python3
"""Traffic for bench/lab/gateway-scale: one UDP sender, one receiver.

  traffic.py send N PPS SECONDS OUT   from hosta: PPS datagrams a second in all, cycling over
                                      172.(16 + i/256).(i%256).1 for i = 1..N (one address per
                                      remote prefix), for SECONDS; writes "SENT CPU_MS" to OUT
                                      (the count sent, the sender's own CPU time)
  traffic.py recv PORT OUT            on hostb (owning 172.16.0.0/12): counts datagrams per
                                      destination address; on SIGTERM writes "ADDR COUNT" lines
                                      to OUT and exits
"""
import os
import signal
import socket
import sys
import time

PORT = 5555
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)  # Linux; Python 3.11 lacks the name


def dst(i):
    return "172.%d.%d.1" % (16 + i // 256, i % 256)


def send(n, pps, secs, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    iv, sent, i = 1.0 / pps, 0, 0
    t0 = time.monotonic()
    end = t0 + secs
    while True:
        now = time.monotonic()
        if now >= end:
            break
        due = t0 + sent * iv
        if due > now:
            time.sleep(due - now)
        try:
            s.sendto(b"gateway-scale", (dst(i + 1), PORT))
        except OSError:
            pass  # no route yet: counted as sent, never received
        sent += 1
        i = (i + 1) % n
    with open(out, "w") as f:
        t = os.times()
        f.write("%d %d\n" % (sent, (t.user + t.system) * 1000))


def recv(port, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_IP, IP_PKTINFO, 1)
    s.bind(("0.0.0.0", port))
    counts = {}

    def done(*_):
        with open(out, "w") as f:
            for a, c in sorted(counts.items()):
                f.write("%s %d\n" % (a, c))
        sys.exit(0)

    signal.signal(signal.SIGTERM, done)
    while True:
        _, anc, _, _ = s.recvmsg(64, 64)
        for level, typ, data in anc:
            if level == socket.SOL_IP and typ == IP_PKTINFO:
                a = socket.inet_ntoa(data[8:12])  # ipi_addr: the header's destination
                counts[a] = counts.get(a, 0) + 1


if sys.argv[1] == "send":
    send(int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
else:
    recv(int(sys.argv[2]), sys.argv[3])
