#!/usr/bin/env python3
"""Failover benchmark figures from a run directory (bench/lab/failover/run.sh):
failures (k mode unix-time per line), flow.ping (ping -D), GW/monitor.log.
Prints a readable block, then shell assignments for the checks."""
import json
import os
import re
import sys

run = sys.argv[1]


def pct(v, p):
    """Nearest-rank percentile of a sorted list."""
    if not v:
        return 0
    return v[min(len(v) - 1, max(0, -(-len(v) * p // 100) - 1))]


def dist(v):
    v = sorted(v)
    return len(v), pct(v, 50), pct(v, 99), (v[-1] if v else 0)


def reactions(gw, kind):
    out = []
    path = os.path.join(run, gw, "monitor.log")
    for line in open(path) if os.path.exists(path) else []:
        if line.startswith("{"):
            e = json.loads(line)
            if e.get("type") == kind and "reaction_us" in e:
                out.append(e["reaction_us"])
    return out


def replies():
    pat = re.compile(r"^\[(\d+\.\d+)\] .*icmp_seq=\d+ ")
    return sorted(float(m.group(1)) for m in map(pat.match, open(os.path.join(run, "flow.ping")))
                  if m)


def gaps(cuts, times):
    """Per failure: the longest time between two replies in the 3 s from the cut."""
    out = []
    for t in cuts:
        worst = 0.0
        for a, b in zip(times, times[1:]):
            if b > t and a < t + 3.0:
                worst = max(worst, b - a)
        out.append(round(worst * 1000))
    return out


failures = [l.split() for l in open(os.path.join(run, "failures"))]
times = replies()
lines, sh = [], {}
for mode in sorted({f[1] for f in failures}) + ["all"]:
    cuts = [float(f[2]) for f in failures if mode in ("all", f[1])]
    n, med, p99, mx = dist(gaps(cuts, times))
    lines.append("interruption (%s, %d failures): median %d ms, p99 %d ms, max %d ms"
                 % (mode, n, med, p99, mx))
    if mode == "all":
        sh.update(gap_p99_ms=p99, gap_max_ms=mx)
worst99 = 0
for gw in ("gwa", "gwb"):
    for kind in ("failover", "failback"):
        n, med, p99, mx = dist(reactions(gw, kind))
        slow = sum(1 for r in reactions(gw, kind) if r > 10000)
        lines.append("reaction %s %s (%d): median %d us, p99 %d us, max %d us, %d over 10 ms"
                     % (gw, kind, n, med, p99, mx, slow))
        if kind == "failover":
            worst99 = max(worst99, p99)
sh["react_p99_us"] = worst99
print("\n".join(lines))
for k, v in sh.items():
    print("%s=%d" % (k, v))
