#!/usr/bin/env python3
"""layout.py SOURCE_DIR BUILD_DIR: the layout the README promises, checked.

1. No circles of files. From the built objects (nm), file A depends on file
   B when A uses a global symbol B defines: in A's own target first, else in
   one of lib/'s libraries. A strongly connected component of more than one
   file is a circle; each is printed with the symbols that tie it.
   Objects: each target's CMakeFiles/<target>.dir/*.c.o under BUILD_DIR for
   cmd/xfrmd, cmd/xfrmctl and lib/*; the test targets are not looked at.
   It reads the build as it is: ctest runs after the build (test/all.sh
   builds first), and an object older than its source fails the check.
2. No cmd/xfrmd/*.c file over MAX_LINES lines.
3. Every .c and .h file in cmd/xfrmd is named in the daemon's file map
   ("X.c/.h" names both)
   (MAP: the head comment of a header, or the whole of a README.md).
"""
import os
import re
import shlex
import subprocess
import sys
from collections import defaultdict

MAX_LINES = 500
DAEMON_DIR = "cmd/xfrmd"
MAP = "cmd/xfrmd/xfrmd.h"  # or cmd/xfrmd/README.md, once there is one
TARGET_DIRS = ["cmd/xfrmd", "cmd/xfrmctl", "lib/*"]
DEFINED = set("TDBRCGSVW")  # nm types of a global symbol defined here


def target_objects(build, rel_dir):
    """{target name: [(source path, object path)]} of the targets in rel_dir."""
    out = {}
    cmf = os.path.join(build, rel_dir, "CMakeFiles")
    if not os.path.isdir(cmf):
        return out
    for d in sorted(os.listdir(cmf)):
        tdir = os.path.join(cmf, d)
        if not d.endswith(".dir") or not os.path.isdir(tdir):
            continue
        objs = listed_objects(build, rel_dir, tdir)
        if objs:
            out[rel_dir + ":" + d[:-4]] = [(os.path.join(rel_dir, os.path.relpath(o, tdir))[:-2], o)
                                           for o in objs]
    return out


def listed_objects(build, rel_dir, tdir):
    """The target's objects: those its link step names (a file removed from
    the target leaves its object behind), else every *.c.o in tdir."""
    link = os.path.join(tdir, "link.txt")
    if os.path.exists(link):
        with open(link) as f:
            words = shlex.split(f.read())
        return sorted(os.path.join(build, rel_dir, w) for w in words if w.endswith(".c.o"))
    found = []
    for root, _, files in os.walk(tdir):
        found += [os.path.join(root, n) for n in files if n.endswith(".c.o")]
    return sorted(found)


def symbols(objs):
    """{object: (defined globals, undefined)}, from one nm for all of them."""
    out = {o: (set(), set()) for o in objs}
    res = subprocess.run(["nm", "-P", "-A"] + sorted(objs), capture_output=True, text=True,
                         check=True)
    for line in res.stdout.splitlines():
        obj, _, rest = line.rpartition(": ")
        f = rest.split()
        if obj not in out or len(f) < 2:
            continue
        if f[1] == "U":
            out[obj][1].add(f[0])
        elif f[1] in DEFINED:
            out[obj][0].add(f[0])
    return out


def sccs(nodes, edges):
    """Tarjan's strongly connected components, iteratively."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return out


def check_circles(src, build):
    targets = {}
    for pattern in TARGET_DIRS:
        if pattern.endswith("/*"):
            base = pattern[:-2]
            dirs = sorted(os.path.join(base, d) for d in os.listdir(os.path.join(src, base))
                          if os.path.isdir(os.path.join(src, base, d)))
        else:
            dirs = [pattern]
        for d in dirs:
            found = target_objects(build, d)
            if not found:
                return ["%s: no objects under %s (build first)" % (d, os.path.join(build, d))]
            targets.update(found)
    problems = []
    for t, objs in targets.items():
        for source, obj in objs:
            s = os.path.join(src, source)
            if not os.path.exists(obj):
                problems.append("%s is not built (build first)" % source)
            elif os.path.exists(s) and os.path.getmtime(s) > os.path.getmtime(obj):
                problems.append("%s is newer than its object (build first)" % source)
    if problems:
        return problems
    syms = symbols([o for objs in targets.values() for _, o in objs])
    defs, uses, in_lib = {}, {}, defaultdict(set)
    by_target = defaultdict(lambda: defaultdict(set))
    for t, objs in targets.items():
        for source, obj in objs:
            defs.setdefault(source, set()).update(syms[obj][0])
            uses.setdefault(source, set()).update(syms[obj][1])
            for sym in defs[source]:
                by_target[t][sym].add(source)
                if t.startswith("lib/"):
                    in_lib[sym].add(source)
    edges = defaultdict(lambda: defaultdict(set))  # a -> b -> symbols
    for t, objs in targets.items():
        for source, _ in objs:
            for sym in uses[source]:
                for b in by_target[t].get(sym) or in_lib.get(sym, ()):
                    if b != source:
                        edges[source][b].add(sym)
    files = sorted(uses)
    circles = [c for c in sccs(files, edges) if len(c) > 1]
    for n, comp in enumerate(sorted(circles), 1):
        problems.append("circle %d: %s" % (n, " ".join(comp)))
        for a in comp:
            for b in sorted(edges[a]):
                if b in comp:
                    problems.append("  %s -> %s: %s" % (a, b, ", ".join(sorted(edges[a][b]))))
    return problems


def daemon_files(src):
    d = os.path.join(src, DAEMON_DIR)
    return sorted(n for n in os.listdir(d) if n.endswith((".c", ".h")))


def check_lines(src):
    out = []
    for n in daemon_files(src):
        if not n.endswith(".c"):
            continue
        with open(os.path.join(src, DAEMON_DIR, n), "rb") as f:
            lines = f.read().count(b"\n")
        if lines > MAX_LINES:
            out.append("%s/%s: %d lines (at most %d)" % (DAEMON_DIR, n, lines, MAX_LINES))
    return out


def map_text(src):
    with open(os.path.join(src, MAP)) as f:
        text = f.read()
    if MAP.endswith(".md"):
        return text
    m = re.match(r"\s*/\*(.*?)\*/", text, re.S)
    return m.group(1) if m else ""


def check_map(src):
    text = map_text(src)
    out = []
    for n in daemon_files(src):
        if os.path.join(DAEMON_DIR, n) == MAP:
            continue
        stem, ext = os.path.splitext(n)
        named = re.search(r"(?<![\w.])%s(?![\w.])" % re.escape(n), text)
        pair = re.search(r"(?<![\w.])%s\.c/\.h(?![\w.])" % re.escape(stem), text)
        if not named and not (ext in (".c", ".h") and pair):
            out.append("%s/%s is not named in %s's map" % (DAEMON_DIR, n, MAP))
    return out


def main():
    if len(sys.argv) != 3:
        print("usage: layout.py SOURCE_DIR BUILD_DIR", file=sys.stderr)
        return 2
    src, build = (os.path.abspath(a) for a in sys.argv[1:])
    bad = False
    for title, problems in (
        ("files calling each other in a circle", check_circles(src, build)),
        ("%s files over %d lines" % (DAEMON_DIR, MAX_LINES), check_lines(src)),
        ("%s files missing from the file map" % DAEMON_DIR, check_map(src)),
    ):
        if problems:
            bad = True
            print("layout: %s:" % title)
            for p in problems:
                print("  " + p)
    if bad:
        return 1
    print("layout: no circles of files; %s files at most %d lines, all in %s's map"
          % (DAEMON_DIR, MAX_LINES, MAP))
    return 0


if __name__ == "__main__":
    sys.exit(main())
