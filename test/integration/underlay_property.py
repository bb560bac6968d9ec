#!/usr/bin/env python3
"""The underlay invariant as a property (run by xfrmd_underlay.sh, inside
its network namespace, with xfrmd running).

A seeded generator writes configs of one to four connections: IPv4, IPv6
and dual stack; policy and route mode; fail_closed on and off; start
immediate and on-traffic; routes in other tables, overrides, probes; and,
often, a prefix near, over or equal to a tunnel endpoint or gateway address
(as remote prefix, local prefix or override), a default route, a remote
prefix of a family without local prefixes, an IPv4-mapped one, or another
connection's local network as a remote prefix.

For each: `xfrmctl validate`.
  refused   the message must name a real defect of the config (the pair it
            names is checked here); a config whose remote prefix covers an
            endpoint must be refused; every fifth refused one is also sent
            to the daemon with `xfrmctl apply`, which must refuse it alike.
  accepted  no remote prefix may cover an endpoint; `xfrmctl apply`, then
            for every tunnel (L, R): `ip route get fibmatch R from L` for
            UDP 500, UDP 4500 and no protocol (ESP: the kernel's route
            lookup takes no ESP selector) resolves to an underlay route,
            not one of xfrmd's (protocol 211) nor a blackhole; no route of
            protocol 211 in any table covers L or R; and no XFRM policy
            that blocks or names a template matches IKE or ESP from L to R
            in direction out, or from R to L in direction in.
Counts are printed; too few refusals for capturing an endpoint, or too few
accepted configs, fail the run.
"""
import argparse
import ipaddress as ipa
import json
import os
import random
import re
import subprocess
import sys

GW4 = ["192.0.2.%d" % i for i in range(1, 7)]
GW6 = ["2001:db8:0:1::%d" % i for i in range(1, 7)]
PEER4 = ["198.51.100.%d" % i for i in range(1, 41)] + ["203.0.113.%d" % i for i in range(1, 11)]
PEER6 = ["2001:db8:ff::%d" % i for i in range(1, 41)]
IKE_PORTS = (500, 4500)
IPPROTO_UDP, IPPROTO_ESP = 17, 50


def net(s):
    return ipa.ip_network(s, strict=True)


def addr(s):
    return ipa.ip_address(s)


def endpoints(doc):
    """Every tunnel's two addresses and every gateway address."""
    eps = list(doc["gateway"].get("local_addresses", []))
    for c in doc["connections"]:
        for t in c["tunnels"]:
            eps += [t["local"], t["remote"]]
    return eps


# ---- the generator ---------------------------------------------------------


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def chance(self, p):
        return self.r.random() < p

    def lan(self, fam, side, i):
        if fam == 4:
            return "10.%d.%d.0/24" % (1 if side == "local" else 2, i)
        return "fd0%d:0:0:%x::/64" % (1 if side == "local" else 2, i)

    def near(self, ep):
        """A prefix near an endpoint: equal to it, over it, or just beside."""
        a = addr(ep)
        bits = a.max_prefixlen
        kind = self.r.choice(["host", "over", "over", "wide", "default", "beside", "beside"])
        if kind == "host":
            return str(ipa.ip_network((a, bits)))
        if kind == "over":
            n = self.r.choice([bits - 1, bits - 2, bits - 8, bits - 16])
            return str(ipa.ip_network((a, n), strict=False))
        if kind == "wide":
            n = self.r.choice([8, 16] if bits == 32 else [16, 32, 48])
            return str(ipa.ip_network((a, n), strict=False))
        if kind == "default":
            return "0.0.0.0/0" if bits == 32 else "::/0"
        # beside: the neighbouring host or the other half of a small block
        if self.chance(0.5):
            return str(ipa.ip_network((int(a) ^ 1, bits)))
        n = bits - self.r.choice([2, 4])
        block = ipa.ip_network((a, n), strict=False)
        half = list(block.subnets(prefixlen_diff=1))
        return str(half[0] if a in half[1] else half[1])

    def config(self):
        r = self.r
        n_conns = r.choice([1, 1, 2, 2, 3, 4])
        peers4, peers6 = r.sample(PEER4, 8), r.sample(PEER6, 8)
        lan_ix = {(f, s): r.sample(range(1, 200), 12) for f in (4, 6) for s in ("local", "remote")}
        conns, used_local = [], set()
        for ci in range(n_conns):
            tfam = 6 if r.random() < 0.3 else 4
            pfam = r.choice(["4", "6", "dual", "4", "dual"])
            fams = [4, 6] if pfam == "dual" else [int(pfam)]
            mode = "route" if r.random() < 0.4 else "policy"
            n_t = r.choice([1, 1, 2])
            tunnels = []
            for t in range(n_t):
                local = r.choice(GW4 if tfam == 4 else GW6)
                remote = (peers4 if tfam == 4 else peers6).pop()
                used_local.add(local)
                tunnels.append({"local": local, "remote": remote,
                                "psk": "Prop-Key-%d-%d" % (ci, t)})
            c = {"name": "c%d" % ci, "mode": mode,
                 "local_prefixes": [self.lan(f, "local", lan_ix[(f, "local")][ci]) for f in fams],
                 "remote_prefixes": [self.lan(f, "remote", lan_ix[(f, "remote")][2 * ci])
                                     for f in fams],
                 "tunnels": tunnels}
            if self.chance(0.3):
                f = r.choice(fams)
                more = self.lan(f, "remote", lan_ix[(f, "remote")][2 * ci + 1])
                c["remote_prefixes"].append(more)
            if self.chance(0.3):
                c["fail_closed"] = False
            if self.chance(0.3):
                c["start"] = "on-traffic"
            if mode == "route" and n_t == 2 and self.chance(0.5):
                c["redundancy"] = "active-active"
            if self.chance(0.3):
                c["routes"] = {"table": r.choice([100, 200]), "metric": r.randrange(1, 1000)}
            if self.chance(0.1):
                c.setdefault("routes", {})["publish"] = "manual"
            conns.append(c)
        doc = {"gateway": {"name": "gw-prop"}, "connections": conns}
        if self.chance(0.4):
            extra = r.sample(GW4 + GW6, 2)
            doc["gateway"]["local_addresses"] = sorted(used_local | set(extra))
        if self.chance(0.2):
            doc["gateway"]["route_table"] = 100
        self.hazards(doc)
        self.decorate(doc)
        return doc

    def hazards(self, doc):
        """What makes a config interesting: prefixes at the endpoints."""
        r, conns = self.r, doc["connections"]
        eps = endpoints(doc)
        for _ in range(r.choice([0, 0, 1, 1, 2])):
            p = self.near(r.choice(eps))
            # Mostly where the family fits, or the family check refuses it first.
            fit = [c for c in conns if any(net(q).version == net(p).version
                                           for q in c["local_prefixes"])]
            c = r.choice(fit if fit and self.chance(0.9) else conns)
            where = r.choice(["remote", "remote", "remote", "local", "override"])
            if where == "override":
                c["remote_prefixes"].append(p)
                sub = net(p)
                if sub.prefixlen < sub.max_prefixlen and self.chance(0.7):
                    sub = next(sub.subnets(prefixlen_diff=1))
                c.setdefault("routes", {})["overrides"] = [{"prefix": str(sub)}]
            else:
                c[where + "_prefixes"].append(p)
        if self.chance(0.1):  # selectors holding both ends: the gateways' own networks
            c = r.choice(conns)
            t = r.choice(c["tunnels"])
            c["local_prefixes"].append(self.near(t["local"]))
            c["remote_prefixes"].append(self.near(t["remote"]))
        if self.chance(0.05):  # a remote family no local prefix has
            c = r.choice(conns)
            fams = {net(p).version for p in c["local_prefixes"]}
            c["remote_prefixes"].append("10.250.0.0/24" if 4 not in fams else "fd0f::/64")
        if self.chance(0.04):  # IPv4-mapped
            c = r.choice(conns)
            c[r.choice(["local", "remote"]) + "_prefixes"].append("::ffff:10.251.0.0/120")
        if len(conns) > 1 and self.chance(0.08):  # another connection's LAN as remote
            a, b = r.sample(conns, 2)
            b["remote_prefixes"].append(a["local_prefixes"][0])
        for c in conns:  # keep lists free of repeats (a different defect)
            for k in ("local_prefixes", "remote_prefixes"):
                c[k] = list(dict.fromkeys(c[k]))

    def decorate(self, doc):
        """Probes on some connections whose prefixes allow them."""
        for c in doc["connections"]:
            if not self.chance(0.1):
                continue
            l4 = [p for p in c["local_prefixes"] if net(p).version == 4 and net(p).prefixlen < 31]
            r4 = [p for p in c["remote_prefixes"] if net(p).version == 4 and net(p).prefixlen < 31]
            if l4 and r4:
                c["probe"] = {"interval_ms": 1000, "source": str(net(l4[0])[1]),
                              "target": str(net(r4[0])[1])}


# ---- what the config says ----------------------------------------------------


def path_value(doc, path):
    """The value at a JSON path as the loader writes it: a.b[1].c"""
    v = doc
    for key, idx in re.findall(r"([a-z_]+)|\[(\d+)\]", path):
        v = v[key] if key else v[int(idx)]
    return v


def remote_nets(doc):
    for ci, c in enumerate(doc["connections"]):
        for p in c["remote_prefixes"]:
            yield ci, net(p)
        for o in c.get("routes", {}).get("overrides", []):
            yield ci, net(o["prefix"])


def captures(doc):
    eps = [addr(e) for e in endpoints(doc)]
    return any(e in n for _, n in remote_nets(doc) for e in eps if e.version == n.version)


def overlap(a, b):
    return a.version == b.version and (a.subnet_of(b) or b.subnet_of(a))


def same(doc, path, value):
    """The config holds value (an address or prefix, as the loader prints
    it) at path."""
    return net(path_value(doc, path)) == net(value)


def families(prefixes):
    return {net(p).version for p in prefixes}


# Each refusal message the generated configs may earn, with a check that the
# defect it names is really there.
VERIFY = [
    ("capture",
     r"^(\S+): (\S+) covers (\S+) (\S+) \(a (?:tunnel endpoint|gateway address)'s "
     r"IKE/ESP would be captured\)$",
     lambda d, m: same(d, m[1], m[2]) and same(d, m[3], m[4]) and addr(m[4]) in net(m[2])),
    ("own-local",
     r"^(connections\[\d+\])\.remote_prefixes\[\d+\]: (\S+) overlaps local prefix (\S+)$",
     lambda d, m: net(m[3]) in map(net, path_value(d, m[1] + ".local_prefixes"))
     and overlap(net(m[2]), net(m[3]))),
    ("other-local",
     r"^(\S+): (\S+) overlaps (\S+) (\S+) of connection \"[^\"]+\" \(a local network would "
     r"be routed to a remote site\)$",
     lambda d, m: same(d, m[1], m[2]) and same(d, m[3], m[4])
     and overlap(net(m[2]), net(m[4]))),
    ("remote-remote",
     r"^(\S+): (\S+) of connection \"[^\"]+\" overlaps remote prefix (\S+) of connection",
     lambda d, m: same(d, m[1], m[2]) and overlap(net(m[2]), net(m[3]))),
    ("family",
     r"^(connections\[\d+\])\.remote_prefixes\[\d+\]: (\S+) is IPv(\d) but no local prefix "
     r"is$",
     lambda d, m: int(m[3]) not in families(path_value(d, m[1] + ".local_prefixes"))),
    ("family",
     r"^(connections\[\d+\])\.remote_prefixes: no address family in common",
     lambda d, m: not families(path_value(d, m[1] + ".local_prefixes"))
     & families(path_value(d, m[1] + ".remote_prefixes"))),
    ("mapped",
     r"^(\S+): (\S+) is IPv4-mapped IPv6",
     lambda d, m: same(d, m[1], m[2]) and net(m[2]).subnet_of(net("::ffff:0:0/96"))),
    ("own-peer",
     r"^(connections\[\d+\]\.tunnels\[\d+\]\.remote): (\S+) is the gateway's own address "
     r"\((\S+)\)$",
     lambda d, m: same(d, m[1], m[2]) and same(d, m[3], m[2])),
]


def refusal_reason(doc, msg):
    """The class of a refusal whose message names a real defect, else None."""
    msg = msg.split(": ", 1)[1] if msg.startswith("/") else msg  # "FILE: path: why"
    for name, rx, ok in VERIFY:
        m = re.match(rx, msg)
        if m:
            return name if ok(doc, m) else None
    return None


# ---- the kernel --------------------------------------------------------------


def run(*argv, check=True, inp=None):
    p = subprocess.run(argv, capture_output=True, text=True, input=inp)
    if check and p.returncode:
        raise SystemExit("FAIL: %s: exit %d: %s" % (" ".join(argv), p.returncode, p.stderr))
    return p


MARK = "link show lo"  # one known line (and its detail) between outputs


def parse_routes(text, any_net):
    """Routes of protocol 211 (the dump is filtered by it) of one family:
    (type, dst, line)."""
    out = []
    for line in text.splitlines():
        words = line.split()
        kind = "unicast"
        if words[0] in ("blackhole", "unreachable", "prohibit", "throw", "local", "broadcast",
                        "multicast", "anycast", "unicast"):
            kind = words.pop(0)
        dst = any_net if words[0] == "default" else words[0]
        out.append((kind, ipa.ip_network(dst, strict=False), line))
    return out


def parse_policies(text):
    """Policies from `ip xfrm policy` (socket policies left out)."""
    pols, cur = [], None
    for line in text.splitlines():
        if not line.startswith((" ", "\t")):
            cur = {"sel": line.split(), "text": [line]}
            pols.append(cur)
        else:
            cur["text"].append(line.strip())
    out = []
    for p in pols:
        body = " ".join(p["text"])
        d = re.search(r"\bdir (in|out|fwd)\b", body)
        if not d:
            continue  # "socket in/out"
        sel, f = p["sel"], {}
        for i in range(0, len(sel) - 1, 2):
            f[sel[i]] = sel[i + 1]
        mark = re.search(r"\bmark (0x[0-9a-f]+)/(0x[0-9a-f]+)", body)
        if_id = re.search(r"\bif_id (0x[0-9a-f]+|\d+)", body)
        out.append({
            "dir": d[1], "src": ipa.ip_network(f["src"], strict=False),
            "dst": ipa.ip_network(f["dst"], strict=False),
            "proto": f.get("proto"), "sport": f.get("sport"), "dport": f.get("dport"),
            "dev": f.get("dev"),
            "block": "action block" in body, "tmpl": any(t.startswith("tmpl") for t in p["text"]),
            "mark": (int(mark[1], 16), int(mark[2], 16)) if mark else (0, 0),
            "if_id": int(if_id[1], 0) if if_id else 0, "text": " / ".join(p["text"]),
        })
    return out


def snapshot(pairs):
    """xfrmd's routes, route lookups for each pair (UDP 500, UDP 4500, no
    protocol), and the XFRM policies: one `ip -batch`, outputs told apart
    by a marker command between them (a lookup that fails prints nothing;
    `xfrm policy` ends the batch, so it comes last)."""
    looks = []
    for local, remote in pairs:
        for port in IKE_PORTS:
            looks.append("route get fibmatch %s from %s ipproto udp dport %d" %
                         (remote, local, port))
        looks.append("route get fibmatch %s from %s" % (remote, local))
    # "root" picks the family: one dump each.
    cmds = ["route show table all proto 211 root 0.0.0.0/0",
            "route show table all proto 211 root ::/0"] + looks + ["xfrm policy"]
    p = run("ip", "-force", "-batch", "-", check=False,
            inp="".join(c + "\n" + MARK + "\n" for c in cmds[:-1]) + cmds[-1] + "\n")
    parts, cur, skip = [], [], False
    for line in p.stdout.splitlines():
        if re.match(r"^\d+: lo: ", line):
            parts.append(cur)
            cur, skip = [], True
        elif skip and line.startswith("    link/loopback"):
            skip = False
        else:
            cur.append(line)
    parts.append(cur)
    if len(parts) != len(cmds):
        raise SystemExit("FAIL: ip -batch gave %d outputs for %d commands: %s" %
                         (len(parts), len(cmds), p.stderr))
    errs = {int(n): e for e, n in re.findall(r"(.*)\nCommand failed -:(\d+)", p.stderr)}
    lookups = []
    for i, cmd in enumerate(looks):
        out = [ln for ln in parts[2 + i] if ln.strip() and not ln.startswith(" ")]
        # batch line numbers: command k (0-based) is line 2k + 1
        lookups.append((cmd, out[0] if out else None, errs.get(2 * (2 + i) + 1, "no output")))
    routes = parse_routes("\n".join(parts[0]), "0.0.0.0/0") + \
        parse_routes("\n".join(parts[1]), "::/0")
    return routes, lookups, parse_policies("\n".join(parts[-1]))


def policy_matches(p, direction, src, dst, proto, port):
    """Would the kernel apply p to this packet (mark 0, no if_id)?"""
    if p["dir"] != direction or p["dev"] or p["if_id"]:
        return False
    value, mask = p["mark"]
    if value & mask:  # the packet's mark is 0
        return False
    if src not in p["src"] or dst not in p["dst"]:
        return False
    if p["proto"] not in (None, "0"):
        names = {"udp": IPPROTO_UDP, "esp": IPPROTO_ESP, "17": IPPROTO_UDP, "50": IPPROTO_ESP}
        if names.get(p["proto"]) != proto:
            return False
        for key in ("sport", "dport"):
            if p[key] not in (None, "0") and int(p[key]) != port:
                return False
    return True


def check_kernel(doc, snap):
    """The invariant after an apply: a list of violations."""
    routes, lookups, policies = snap
    bad, pairs = [], tunnel_pairs(doc)
    for cmd, line, err in lookups:
        if line is None:
            bad.append("%s: failed: %s" % (cmd, err))
        elif " proto 211" in line or line.split()[0] in ("blackhole", "unreachable", "prohibit"):
            bad.append("%s: %s" % (cmd, line))
    for kind, dst, line in routes:
        for local, remote in pairs:
            for a in (local, remote):
                if a.version == dst.version and a in dst:
                    bad.append("route %r covers %s" % (line, a))
    for p in policies:
        if not (p["block"] or p["tmpl"]):
            continue
        for local, remote in pairs:
            for proto, port in ((IPPROTO_UDP, 500), (IPPROTO_UDP, 4500), (IPPROTO_ESP, 0)):
                if policy_matches(p, "out", local, remote, proto, port) or \
                        policy_matches(p, "in", remote, local, proto, port):
                    bad.append("policy %s matches %s <-> %s proto %d" %
                               (p["text"], local, remote, proto))
    return bad


def tunnel_pairs(doc):
    return [(addr(t["local"]), addr(t["remote"])) for c in doc["connections"]
            for t in c["tunnels"]]


def as_policy_mode(doc):
    """Route mode applied as policy mode: the same routes, more policies."""
    doc = json.loads(json.dumps(doc))
    for c in doc["connections"]:
        if c.get("mode") == "route":
            c["mode"] = "policy"
            c.pop("redundancy", None)
            c.pop("interface", None)
    return doc


# ---- the run -------------------------------------------------------------------


def write(path, doc):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xfrmctl", required=True)
    ap.add_argument("--socket", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--xfrm-links", choices=["yes", "no"], default="no")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    ctl = [a.xfrmctl, "-s", a.socket]
    gen = Gen(a.seed)
    counts = {"accepted": 0, "refused": 0, "daemon_refused": 0, "route_as_policy": 0,
              "blackholes": 0, "block_policies": 0, "tmpl_out_policies": 0,
              "local_prefix_over_endpoint": 0}
    reasons = {}
    failures = []
    path = os.path.join(a.dir, "c.json")
    for i in range(a.count):
        doc = gen.config()
        write(path, doc)
        v = run(*ctl, "validate", "-f", path, check=False)
        if v.returncode not in (0, 1):
            failures.append("config %d: validate exit %d: %s" % (i, v.returncode, v.stderr))
            continue
        if v.returncode == 1:
            counts["refused"] += 1
            msg = v.stderr.strip().splitlines()[-1] if v.stderr.strip() else ""
            why = refusal_reason(doc, msg)
            reasons[why] = reasons.get(why, 0) + 1
            if why is None:
                failures.append("config %d refused for no defect it has: %s\n%s" %
                                (i, msg, json.dumps(doc)))
            if counts["refused"] % 5 == 0:
                d = run(*ctl, "apply", "-f", path, check=False)
                if d.returncode == 0 or msg.split(": ", 1)[1] not in d.stderr:
                    failures.append("config %d: the daemon's answer differs: %s" % (i, d.stderr))
                counts["daemon_refused"] += 1
            continue
        counts["accepted"] += 1
        if captures(doc):
            failures.append("config %d accepted, yet a remote prefix covers an endpoint:\n%s" %
                            (i, json.dumps(doc)))
        eps = [addr(e) for e in endpoints(doc)]
        if any(e in net(p) for c in doc["connections"] for p in c["local_prefixes"] for e in eps
               if e.version == net(p).version):
            counts["local_prefix_over_endpoint"] += 1
        applied = doc
        if a.xfrm_links == "no" and any(c.get("mode") == "route" for c in doc["connections"]):
            applied = as_policy_mode(doc)
            counts["route_as_policy"] += 1
            write(path, applied)
        done = run(*ctl, "apply", "-f", path, check=False)
        if done.returncode:
            failures.append("config %d: apply failed: %s\n%s" %
                            (i, done.stderr, json.dumps(applied)))
            continue
        snap = snapshot(tunnel_pairs(applied))
        bad = check_kernel(applied, snap)
        if bad:
            failures.append("config %d: %s\n%s" % (i, "\n  ".join(bad), json.dumps(applied)))
        counts["blackholes"] += any(k == "blackhole" for k, _, _ in snap[0])
        pols = snap[2]
        counts["block_policies"] += any(p["block"] for p in pols)
        counts["tmpl_out_policies"] += any(p["tmpl"] and p["dir"] == "out" for p in pols)
        if len(failures) > 5:
            break
    write(path, {"gateway": {"name": "gw-prop"}, "connections": []})
    run(*ctl, "apply", "-f", path)
    left = [ln for _, _, ln in snapshot([])[0]]
    if left:
        failures.append("routes left after an empty config: %s" % left)
    print("configs %d: %s" % (a.count, ", ".join("%s %d" % kv for kv in counts.items())))
    print("refusals by reason: %s" % ", ".join("%s %d" % (k, v) for k, v in
                                               sorted(reasons.items(), key=lambda kv: str(kv[0]))))
    # Enough of every kind for the property to mean something.
    want = {"accepted": a.count // 3, "blackholes": a.count // 10,
            "block_policies": a.count // 10, "local_prefix_over_endpoint": a.count // 50}
    for k, n in want.items():
        if counts[k] < n:
            failures.append("only %d configs with %s (want %d)" % (counts[k], k, n))
    if reasons.get("capture", 0) < a.count // 10:
        failures.append("only %d refused for capturing an endpoint (want %d)" %
                        (reasons.get("capture", 0), a.count // 10))
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
