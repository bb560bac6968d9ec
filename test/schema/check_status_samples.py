#!/usr/bin/env python3
"""Validate the status JSON of the report fixtures against schemas/status.schema.json.

    check_status_samples.py REPORT_SAMPLE

REPORT_SAMPLE (test/unit/report/report_sample.c) prints one line per fixture,
"NAME JSON", the JSON as the daemon replies (with "ok", which xfrmctl drops).
Each must pass the schema; the BGP ones must carry "bird" and a "bgp" per
tunnel (so a report that lost them cannot pass unchecked), and the schema
must reject each BGP sample with an unknown key added to its "bgp" and to
its "bird" (it is strict there too). The plain samples have "host": null
and no "away" or "lan"; the "hosts" ones have "host" and each connection
"away", and the schema must reject an unknown key in "host", in an "away"
tunnel and in "lan" (and its neighbors). "hosts-none" is a connection only
other hosts run: state "elsewhere", no tunnels, both away, withdrawn.
"""
import copy
import json
import pathlib
import subprocess
import sys

import jsonschema


def rejects_unknown(validator, name, doc, where, target_of):
    changed = copy.deepcopy(doc)
    target = target_of(changed)
    if target is None:
        return [f"{name}: no {where} to check"]
    target["unexpected"] = 1
    if validator.is_valid(changed):
        return [f"{name}: an unknown key in \"{where}\" is accepted"]
    return []


def check_hosts(validator, name, doc):
    failures = []
    conns = doc["connections"]
    if not isinstance(doc.get("host"), dict) or not all("away" in c for c in conns):
        return [f"{name}: \"host\" or a connection's \"away\" missing"]
    failures += rejects_unknown(validator, name, doc, "host", lambda d: d["host"])
    if name == "hosts-all":
        if conns[0]["away"] or "lan" in doc or "lan" in conns[0]:
            failures.append(f"{name}: a tunnel away, or \"lan\" without gateway.lan")
        return failures
    if name == "hosts-none":
        c = conns[0]
        if c["state"] != "elsewhere" or c["tunnels"] or len(c["away"]) != 2 or \
                c.get("lan") != "withdrawn" or "active_tunnels" in c:
            failures.append(f"{name}: not a connection only other hosts run")
        changed = copy.deepcopy(doc)
        changed["connections"][0]["state"] = "somewhere"
        if validator.is_valid(changed):
            failures.append(f"{name}: an unknown state is accepted")
    if "lan" not in doc or "lan" not in conns[0]:
        return failures + [f"{name}: \"lan\" missing"]
    failures += rejects_unknown(validator, name, doc, "away", lambda d: d["connections"][0]["away"][0])
    failures += rejects_unknown(validator, name, doc, "lan", lambda d: d["lan"])
    failures += rejects_unknown(validator, name, doc, "lan neighbor",
                                lambda d: d["lan"]["neighbors"][0])
    return failures


def main():
    root = pathlib.Path(__file__).resolve().parents[2]
    schema = json.loads((root / "schemas" / "status.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    out = subprocess.run([sys.argv[1]], capture_output=True, text=True, check=True).stdout
    failures, names = [], []
    for line in out.splitlines():
        name, _, text = line.partition(" ")
        names.append(name)
        doc = json.loads(text)
        if doc.pop("ok", None) is not True:
            failures.append(f"{name}: no \"ok\": true")
        for e in validator.iter_errors(doc):
            failures.append(f"{name}: {'/'.join(map(str, e.absolute_path)) or '(root)'}: "
                            f"{e.message}")
        if name.startswith("hosts"):
            failures += check_hosts(validator, name, doc)
            continue
        if doc.get("host", 0) is not None or "lan" in doc or \
                any("away" in c or "lan" in c for c in doc["connections"]):
            failures.append(f"{name}: no hosts, yet \"host\" is not null, or \"away\" or "
                            "\"lan\" is there")
        if not name.startswith("bgp"):
            continue
        tunnels = doc["connections"][0]["tunnels"]
        if "bird" not in doc or not all("bgp" in t for t in tunnels):
            failures.append(f"{name}: \"bird\" or a tunnel's \"bgp\" missing")
            continue
        for where in ("bgp", "bird"):
            changed = copy.deepcopy(doc)
            target = changed["connections"][0]["tunnels"][0]["bgp"] if where == "bgp" \
                else changed["bird"]
            target["unexpected"] = 1
            if validator.is_valid(changed):
                failures.append(f"{name}: an unknown key in \"{where}\" is accepted")
    if sorted(names) != ["bgp", "bgp-unknown", "bgp-v6", "hosts", "hosts-all", "hosts-none",
                         "plain"]:
        failures.append(f"samples: {names}")
    for f in failures:
        print(f"FAIL {f}")
    print(f"{len(names)} status samples; {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
