#!/usr/bin/env python3
"""Benchmark configs: N connections of two tunnels each, as an xfrmd JSON
config and the equivalent swanctl.conf, plus the PSK files.

Both describe the same connections: same proposals, keys, traffic
selectors, reqids, VTI marks and start action, so loading one or the other
into a fresh charon is a fair comparison. The swanctl side uses what an
administrator without xfrmd would write: charon installs the policies
itself (policies = yes); xfrmd installs its own (policies = no in what it
sends), and in route mode creates a VTI per tunnel.

Side a is the lab's gwa (test/lab/lib/topology.sh): tunnel 1 leaves from
192.0.2.1, tunnel 2 from 192.0.2.2. Every tunnel has a peer address of its
own, tunnel t of connection i 198.<17+t>.<i/256>.<i%256> (benchmark range):
the kernel allows one VTI per address pair. Side b is that peer (its
addresses must exist there). Every tunnel has its own IKE identities.
Connection i (1-based) protects 10.<64+i/256>.<i%256>.0/24 on side a and
172.<16+i/256>.<i%256>.0/24 on side b.

  gen-config.py --n 1000 --out DIR [--mode mixed|policy|route]
                [--start on-traffic|immediate] [--side a|b]
                [--interface vti|xfrm] [--extra-prefix K]
                [--bgp [--bird-socket PATH] [--bird-include PATH]]
                [--hosts [K] [--lan-neighbor ADDR:ASN]...] [--local-prefix P]
                [--swanctl-tunnel T]

Writes DIR/xfrmd.json, DIR/swanctl.conf and DIR/keys/<conn>-t<N>.key
(mode 0600). --extra-prefix K adds one remote prefix to connection K (for
the incremental benchmark: a change confined to one connection).

--bgp (route mode and --start immediate only) gives every connection a bgp section, AS 65001 on
side a and AS 64512 on side b (the peer's, as AWS's), defaults otherwise
(announce the local prefix, accept the remote one), and every tunnel an
inside /30 of its own from 169.254.0.0/16: tunnel t of connection i has
169.254.0.0 + 4 * (2 * (i - 1) + t - 1), side a the subnet's first host,
side b its second (1,024 connections use 169.254.0.0/19). gateway.bird gets
--bird-socket and --bird-include (each left to xfrmd's default when not
given). The swanctl.conf written beside it has no BGP: charon's part only.

--hosts [K] (side a) makes the gateway K hosts (issue 19; K even, 2 when not given), route-based
connections active-active (policy-based ones active-standby): host gw-h has 192.0.2.h; the hosts pair up (gw-1 and gw-2, gw-3 and gw-4, ...)
and connection i goes to pair (i - 1) mod K/2, tunnel 1 on its first host, tunnel 2 on its
second. With K = 2, gw-1 runs every connection's tunnel 1 and gw-2 every tunnel 2. --lan-neighbor ADDR:ASN (repeatable, with --hosts) adds gateway.lan: local AS
65001 (side a's), a session to each LAN router, defaults otherwise. --local-prefix P gives
every connection the one local prefix P on side a (the site's LAN), and so the remote one P on
side b. --swanctl-tunnel T writes only tunnel T of each connection into swanctl.conf (a far
end facing one host of such a gateway).
"""
import argparse
import json
import os
import sys

IKE = ["aes256gcm16-prfsha384-ecp384"]
ESP = ["aes256gcm16-ecp384"]
IKE_REKEY, ESP_REKEY, DPD = 14400, 3600, 10
ID_BASE = 100000  # lib/charon/charon.h CHARON_ID_BASE: reqid and VTI key
GW_A = ["192.0.2.1", "192.0.2.2"]
HOSTS = 0  # --hosts K: side a's tunnels spread over K hosts, 192.0.2.1 .. 192.0.2.K
ASN = {"a": 65001, "b": 64512}


def host_of(i, t):
    """The host (1-based) running tunnel t of connection i with --hosts K."""
    return 2 * ((i - 1) % (HOSTS // 2)) + t


def addrs(side, i, t):
    """(local, remote) of tunnel t (1, 2) of connection i on this side."""
    a = "192.0.2.%d" % host_of(i, t) if HOSTS > 2 else GW_A[t - 1]
    b = "198.%d.%d.%d" % (17 + t, i // 256, i % 256)
    return (a, b) if side == "a" else (b, a)


def conn_name(i):
    return "c%04d" % i


LOCAL_PREFIX = None  # --local-prefix: side a's one prefix for every connection


def lan(side, i):
    if side == "a" and LOCAL_PREFIX:
        return LOCAL_PREFIX
    base = (10, 64 + i // 256) if side == "a" else (172, 16 + i // 256)
    return "%d.%d.%d.0/24" % (base[0], base[1], i % 256)


def inside(side, i, t):
    """(local "A.B.C.D/30", peer "A.B.C.D") of tunnel t of connection i."""
    base = 4 * tunnel_id(i, t) - 4  # a /30 per tunnel, in tunnel order
    hosts = ["169.254.%d.%d" % (x // 256, x % 256) for x in (base + 1, base + 2)]
    if side == "b":
        hosts.reverse()
    return hosts[0] + "/30", hosts[1]


def mode_of(args, i):
    if args.mode == "mixed":  # even connections route-based: half and half
        return "route" if i % 2 == 0 else "policy"
    return args.mode


def psk_of(i, t):
    # Deterministic, distinct per tunnel, from the allowed character set.
    return "bench-%04d-t%d-Key_%08x" % (i, t, (i * 2654435761 + t) & 0xFFFFFFFF)


def tunnel_id(i, t):
    # xfrmd gives the lowest free ids in config order: 1, 2, 3, ...
    return 2 * (i - 1) + t


def ids(args, i, t):
    me = "gw-%s-%s-t%d" % (args.side, conn_name(i), t)
    peer = "gw-%s-%s-t%d" % ("b" if args.side == "a" else "a", conn_name(i), t)
    return me, peer


def xfrmd_conn(args, i, keydir):
    other = "b" if args.side == "a" else "a"
    c = {
        "name": conn_name(i),
        "mode": mode_of(args, i),
        "start": args.start,
        "local_prefixes": [lan(args.side, i)],
        "remote_prefixes": [lan(other, i)],
        "ike": {"version": 2, "proposals": IKE, "rekey_time": IKE_REKEY},
        "esp": {"proposals": ESP, "rekey_time": ESP_REKEY},
        "dpd": {"interval": DPD, "action": "restart"},
        "tunnels": [],
    }
    if c["mode"] == "route":
        c["interface"] = args.interface
    if args.hosts and c["mode"] == "route":  # policy mode: active-standby over the pair
        c["redundancy"] = "active-active"
    if args.extra_prefix == i:
        c["remote_prefixes"].append("192.168.%d.0/24" % (i % 256))
    for t in (1, 2):
        me, peer = ids(args, i, t)
        local, remote = addrs(args.side, i, t)
        c["tunnels"].append({
            "local": local, "remote": remote,
            "local_id": me, "remote_id": peer,
            "psk_file": "%s/%s-t%d.key" % (keydir, conn_name(i), t),
        })
        if args.bgp:
            ilocal, ipeer = inside(args.side, i, t)
            c["tunnels"][-1]["inside"] = {"local": ilocal, "peer": ipeer}
    if args.bgp:
        c["bgp"] = {"local_asn": ASN[args.side], "peer_asn": ASN[other]}
    return c


def swanctl_conn(args, i, out):
    """swanctl.conf for connection i, one setting per line."""
    other = "b" if args.side == "a" else "a"
    route = mode_of(args, i) == "route"
    start = "trap" if args.start == "on-traffic" else "start"
    for t in (args.swanctl_tunnel,) if args.swanctl_tunnel else (1, 2):
        me, peer = ids(args, i, t)
        name = "bench-%s-t%d" % (conn_name(i), t)
        uid = ID_BASE + tunnel_id(i, t)
        lts = "0.0.0.0/0,::/0" if route else lan(args.side, i)
        rts = "0.0.0.0/0,::/0" if route else lan(other, i)
        if args.extra_prefix == i and not route:
            rts += ",192.168.%d.0/24" % (i % 256)
        local, remote = addrs(args.side, i, t)
        out.append("  %s {" % name)
        for k, v in (("version", 2), ("local_addrs", local),
                     ("remote_addrs", remote), ("proposals", ",".join(IKE)),
                     ("rekey_time", "%ds" % IKE_REKEY), ("dpd_delay", "%ds" % DPD),
                     ("encap", "no"), ("mobike", "no"), ("keyingtries", 0)):
            out.append("    %s = %s" % (k, v))
        out += ["    local {", "      auth = psk", "      id = %s" % me, "    }",
                "    remote {", "      auth = psk", "      id = %s" % peer, "    }",
                "    children {", "      %s {" % name]
        child = [("local_ts", lts), ("remote_ts", rts), ("reqid", uid),
                 ("esp_proposals", ",".join(ESP)), ("rekey_time", "%ds" % ESP_REKEY),
                 ("mode", "tunnel"), ("dpd_action", "restart"), ("start_action", start)]
        if route:
            child += [("mark_in", uid), ("mark_out", uid)]
        out += ["        %s = %s" % kv for kv in child]
        out += ["      }", "    }", "  }"]


def swanctl_secrets(args, i, out):
    for t in (args.swanctl_tunnel,) if args.swanctl_tunnel else (1, 2):
        me, peer = ids(args, i, t)
        out += ["  ike-bench-%s-t%d {" % (conn_name(i), t), "    id-1 = %s" % me,
                "    id-2 = %s" % peer, "    secret = \"%s\"" % psk_of(i, t), "  }"]


def write_private(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1000, help="connections (1-16384)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--mode", choices=["mixed", "policy", "route"], default="mixed")
    p.add_argument("--start", choices=["on-traffic", "immediate"], default="on-traffic")
    p.add_argument("--side", choices=["a", "b"], default="a")
    p.add_argument("--interface", choices=["vti", "xfrm"], default="vti")
    p.add_argument("--extra-prefix", type=int, default=0, metavar="K")
    p.add_argument("--bgp", action="store_true",
                   help="a bgp section per connection, inside addresses per tunnel")
    p.add_argument("--bird-socket", metavar="PATH", help="gateway.bird.socket (with --bgp)")
    p.add_argument("--bird-include", metavar="PATH", help="gateway.bird.include (with --bgp)")
    p.add_argument("--hosts", type=int, nargs="?", const=2, default=0, metavar="K",
                   help="side a: K hosts in pairs (default 2: gw-1 tunnel 1, gw-2 tunnel 2)")
    p.add_argument("--lan-neighbor", action="append", default=[], metavar="ADDR:ASN",
                   help="gateway.lan neighbor (with --hosts; repeatable)")
    p.add_argument("--local-prefix", metavar="P", help="side a's local prefix, every connection")
    p.add_argument("--swanctl-tunnel", type=int, choices=[1, 2],
                   help="only this tunnel of each connection in swanctl.conf")
    args = p.parse_args()
    global LOCAL_PREFIX, HOSTS
    LOCAL_PREFIX = args.local_prefix
    HOSTS = args.hosts
    if args.hosts and not (2 <= args.hosts <= 16 and args.hosts % 2 == 0):
        sys.exit("--hosts K: K must be even, 2-16 (gateway.hosts holds 16)")
    if (args.hosts or args.lan_neighbor) and args.side != "a":
        sys.exit("--hosts and --lan-neighbor describe side a")
    if args.lan_neighbor and not args.hosts:
        sys.exit("--lan-neighbor goes with --hosts")
    if not 1 <= args.n <= 16384:
        sys.exit("--n must be 1-16384 (xfrmd's limit)")
    if args.bgp and args.n > 8192:
        sys.exit("--bgp: 169.254.0.0/16 holds the inside /30s of 8,192 connections")
    if args.bgp and args.mode != "route":
        sys.exit("--bgp needs --mode route (a bgp section is route mode's)")
    if args.bgp and args.start == "on-traffic":
        sys.exit("--bgp needs --start immediate (a session runs only over a tunnel that is up)")
    if (args.bird_socket or args.bird_include) and not args.bgp:
        sys.exit("--bird-socket and --bird-include go with --bgp")
    keydir = os.path.join(args.out, "keys")
    os.makedirs(keydir, exist_ok=True)
    conns, swan, secrets = [], ["connections {"], ["secrets {"]
    for i in range(1, args.n + 1):
        conns.append(xfrmd_conn(args, i, "keys"))
        for t in (1, 2):
            write_private(os.path.join(keydir, "%s-t%d.key" % (conn_name(i), t)),
                          psk_of(i, t) + "\n")
        swanctl_conn(args, i, swan)
        swanctl_secrets(args, i, secrets)
    gw = {"name": "gw-" + args.side}
    if args.side == "a":
        gw["local_addresses"] = ["192.0.2.%d" % h for h in range(1, HOSTS + 1)] \
            if HOSTS > 2 else GW_A
    bird = {k: v for k, v in (("socket", args.bird_socket), ("include", args.bird_include)) if v}
    if bird:
        gw["bird"] = bird
    if args.hosts:
        gw["hosts"] = [{"name": "gw-%d" % h, "addresses": ["192.0.2.%d" % h]}
                       for h in range(1, max(HOSTS, 2) + 1)]
    if args.lan_neighbor:
        nb = []
        for x in args.lan_neighbor:
            addr, asn = x.rsplit(":", 1)
            nb.append({"address": addr, "asn": int(asn)})
        gw["lan"] = {"local_asn": ASN["a"], "neighbors": nb}
    doc = {"gateway": gw, "connections": conns}
    write_private(os.path.join(args.out, "xfrmd.json"), json.dumps(doc, indent=1) + "\n")
    write_private(os.path.join(args.out, "swanctl.conf"),
                  "\n".join(swan + ["}"] + secrets + ["}"]) + "\n")


if __name__ == "__main__":
    main()
