#!/usr/bin/env python3
"""Inputs for bench/routes.sh: an xfrmd config and ip -batch files.

    gen.py OUTDIR PREFIXES PER_CONN TABLE METRIC

N remote /24 prefixes split over policy-mode connections of PER_CONN
prefixes each (xfrmd takes at most 256 per list), routes.publish manual:
applying publishes nothing, `xfrmctl route publish CONN` does. No peer is
reachable, so published routes are fail-closed blackholes; the ip -batch
files write the same routes (destination, table, metric, blackhole).
Writes gw.json, conns.txt (one name a line), add.batch, del.batch.
"""
import json
import os
import sys


def prefix(i):
    # 10.64.0.0/24 upwards: clear of the local prefix 10.1.0.0/16
    return f"10.{64 + i // 256}.{i % 256}.0/24"


def main():
    out, n, per, table, metric = sys.argv[1], *map(int, sys.argv[2:6])
    conns, names = [], []
    for c, start in enumerate(range(0, n, per)):
        name = f"bench{c:03d}"
        names.append(name)
        conns.append({
            "name": name,
            "local_prefixes": ["10.1.0.0/16"],
            "remote_prefixes": [prefix(i) for i in range(start, min(n, start + per))],
            "tunnels": [{"local": "192.0.2.1", "remote": f"198.18.{c // 250}.{c % 250 + 1}",
                         "psk": f"bench-Key-{c}"}],
            "routes": {"publish": "manual", "table": table, "metric": metric},
        })
    doc = {"gateway": {"name": "bench-gw"}, "connections": conns}
    path = os.path.join(out, "gw.json")
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        json.dump(doc, f)
    with open(os.path.join(out, "conns.txt"), "w") as f:
        f.write("".join(x + "\n" for x in names))
    # proto static, not 211: xfrmd's periodic resync removes proto-211 routes
    # it does not want, which would race the baseline. Cost is the same.
    for verb, fname in (("add", "add.batch"), ("del", "del.batch")):
        with open(os.path.join(out, fname), "w") as f:
            for i in range(n):
                f.write(f"route {verb} blackhole {prefix(i)} table {table} "
                        f"metric {metric} proto static\n")


main()
