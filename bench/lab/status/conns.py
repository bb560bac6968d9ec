#!/usr/bin/env python3
"""Writes the xfrmd config of one gateway for the benchmarks: N connections,
two tunnels each, policy mode. Both tunnels of every connection share the
lab's two underlay address pairs; identities tell the tunnels apart (xfrmd's
rule: addresses and identities must not all agree).

usage: conns.py a|b N [key=value ...]
  keys: start_a, start_b (immediate | on-traffic), probe (interval_ms,loss or
  "off": probes on connection 0 only, from one gateway's LAN address to the
  other's), hold_down (s), dpd (s), lan (yes: connection 0 joins the lab's
  LANs 10.1.0.0/24 and 10.2.0.0/24, so hosta's traffic to hostb rides it).
Connection i: prefixes 10.(64+i/256).(i%256).0/24 on gwa, 10.(128+i/256)... on gwb.
"""
import json
import sys


def side_net(side, i, opt):
    if i == 0 and opt["lan"] == "yes":
        return "10.%d.0.0/24" % (1 if side == "a" else 2)
    base = 64 if side == "a" else 128
    return "10.%d.%d.0/24" % (base + i // 256, i % 256)


def gw_lan(side, opt):
    """The gateway's address in connection 0's local prefix."""
    return side_net(side, 0, opt).replace(".0/24", ".1")


def gw_addr(side, n):
    return "192.0.2.%d" % ((100 if side == "b" else 0) + n)


def tunnel(side, peer, i, t, opt):
    name = "c%04d-t%d" % (i, t)
    return {
        "local": gw_addr(side, t),
        "remote": gw_addr(peer, t),
        "local_id": "%s.%s.bench" % (side, name),
        "remote_id": "%s.%s.bench" % (peer, name),
        "psk": "bench-%s-Key" % name,
        "role": "primary" if t == 1 else "standby",
    }


def connection(side, i, opt):
    peer = "b" if side == "a" else "a"
    c = {
        "name": "c%04d" % i,
        "mode": "policy",
        "redundancy": "active-standby",
        "start": opt["start_" + side],
        "local_prefixes": [side_net(side, i, opt)],
        "remote_prefixes": [side_net(peer, i, opt)],
        "tunnels": [tunnel(side, peer, i, t, opt) for t in (1, 2)],
        "dpd": {"interval": int(opt["dpd"])},
        "failback_hold_down": int(opt["hold_down"]),
    }
    if opt["probe"] != "off" and i == 0:
        iv, loss = opt["probe"].split(",")
        c["probe"] = {"interval_ms": int(iv), "loss": int(loss),
                      "source": gw_lan(side, opt), "target": gw_lan(peer, opt)}
    return c


def main():
    side, n = sys.argv[1], int(sys.argv[2])
    opt = {"start_a": "immediate", "start_b": "on-traffic", "probe": "off",
           "hold_down": "30", "dpd": "60", "lan": "no"}
    opt.update(kv.split("=", 1) for kv in sys.argv[3:])
    doc = {
        "gateway": {"name": "gw-" + side,
                    "local_addresses": [gw_addr(side, 1), gw_addr(side, 2)]},
        "connections": [connection(side, i, opt) for i in range(n)],
    }
    json.dump(doc, sys.stdout, indent=1)


main()
