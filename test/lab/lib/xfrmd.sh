# shellcheck shell=bash
# What xfrmd, charon and the kernel report, for scenario checks.
#   conn GW EXPR          EXPR (python) on c, the first connection of `xfrmctl status --json` on GW
#   state_is GW STATE     that connection's state is STATE (connected, degraded, connecting, down)
#   active_is GW SET      its tunnels carrying traffic are SET, e.g. "[1]" or "[1, 2]"
#   esp_out GW SRC        outbound packets per SA of GW's SAs from public address SRC, as
#                         "spi=packets ..." (kernel counters)
#   sa_has GW REGEX       charon's `swanctl --list-sas` on GW has a line matching REGEX
#   sa_bytes GW SRC DST   bytes through GW's SAs SRC -> DST (kernel counters, summed)
#   esp_delta BEFORE AFTER  packets sent between two esp_out snapshots; an SA replaced in
#                         between (rekey, re-established tunnel) counts from zero, never negative

conn() {
  xfrmctl_on "$1" status --json |
    python3 -c "import json,sys; c=json.load(sys.stdin)['connections'][0]; print($2)"
}
state_is() { [[ $(conn "$1" "c['state']") == "$2" ]]; }
active_is() { [[ $(conn "$1" "c['active_tunnels']") == "$2" ]]; }
esp_out() {
  on "$1" ip -s xfrm state | awk -v s="$2" '
    /^src/ { hit = ($2 == s); spi = "" }
    hit && /proto esp spi/ { spi = $4 }
    hit && spi != "" && /\(packets\)/ {
      sub(/.*\(bytes\), */, ""); sub(/\(packets\).*/, ""); printf "%s=%s ", spi, $1 }'
}
esp_delta() {
  python3 -c '
import sys
snap = lambda t: dict(kv.split("=") for kv in t.split())
before, after = snap(sys.argv[1]), snap(sys.argv[2])
print(sum(max(0, int(n) - int(before.get(spi, 0))) for spi, n in after.items()))' "$1" "$2"
}

sa_has() { swanctl_on "$1" --list-sas | grep -cE "$2" >/dev/null; } # no -q: pipefail, SIGPIPE

# `ip -s xfrm state` prints "84(bytes), 1(packets)" per SA.
sa_bytes() {
  on "$1" ip -s xfrm state | awk -v s="$2" -v d="$3" '
    /^src/ { hit = ($2 == s && $4 == d) }
    hit && /\(bytes\)/ { sub(/\(bytes\).*/, ""); n += $1 }
    END { print n + 0 }'
}

# start_xfrmd_pair: charon and xfrmd on gwa and gwb, each applying the scenario's GW.json
# (records start-xfrmd-GW, apply-gwb, apply-gwa; gwb first, so gwa's tunnels find a peer).
# XFRMD_JSON_EDIT (a sed script, optional) edits both configs first, e.g. to scale a
# timer with the guest's speed.
start_xfrmd_pair() {
  local gw
  for gw in gwa gwb; do
    start_charon $gw
    sed -e "${XFRMD_JSON_EDIT:-}" "$LAB_SCENARIO_DIR/$gw.json" >"$LAB_RUN/$gw/xfrmd.json"
    chmod 600 "$LAB_RUN/$gw/xfrmd.json"
    require start-xfrmd-$gw start_xfrmd $gw
  done
  require apply-gwb xfrmctl_on gwb apply -f "$LAB_RUN/gwb/xfrmd.json"
  require apply-gwa xfrmctl_on gwa apply -f "$LAB_RUN/gwa/xfrmd.json"
}

# conn_named GW NAME EXPR: like conn, for the connection called NAME.
conn_named() {
  xfrmctl_on "$1" status --json | python3 -c "import json,sys
c = [c for c in json.load(sys.stdin)['connections'] if c['name'] == sys.argv[1]][0]
print($3)" "$2"
}

# kernel_objects GW: GW's XFRM states ("state SRC DST SPI REQID"; "larval ..." for the
# kernel's keyless placeholders of an acquire, which expire by themselves), policies (one line
# each; per-socket policies left out), xfrmd's links ("link INDEX: NAME") and every route of
# every table, sorted, one per line. Two snapshots compared show duplicates, leftovers and
# objects that were recreated (a link with a new index).
kernel_objects() {
  {
    on "$1" ip xfrm state | awk '
      function flush() { if (spi != "") print (keyed ? "state" : "larval"), s, spi, reqid; spi = "" }
      /^src / { flush(); s = $2 " " $4; keyed = 0 }
      /proto esp spi/ { spi = $4; reqid = $6 }
      /^\t(aead|enc|auth|auth-trunc) / { keyed = 1 }
      END { flush() }'
    on "$1" ip xfrm policy | awk '/^src /{if (l != "") print l; l = "policy " $0; next}
      {l = l " " $0} END {if (l != "") print l}' | tr -s ' \t' '  ' | grep -E ' dir (in|out|fwd) ' || true
    on "$1" ip -o link show | awk '$2 ~ /^xfrmd/ {sub(/@.*/, "", $2); print "link", $1, $2}'
    on "$1" ip -4 route show table all | sed 's/^/route4 /'
    on "$1" ip -6 route show table all | sed 's/^/route6 /'
  } | sort
}

# check_no_secrets: no pre-shared key in use appears in anything the daemons or xfrmctl showed
# during the run. Keys: "psk" of every config (the scenario's *.json, configs under $LAB_RUN,
# xfrmd's state dirs), the content of every psk_file, every base64 line of every key_file (X.509), the keys xfrmd generated (its state file's
# "generated_psks"). Searched: every file under $LAB_RUN and
# $LAB_OUT (daemon logs, saved outputs, captures) except the key sources themselves (configs that
# `xfrmctl validate` accepts, key files, state dirs, swanctl.conf files); fresh output of status, status --json,
# routes, routes --json, metrics, plan (when xfrmctl has it) and a second of monitor --json on
# every gateway running xfrmd; /proc/PID/cmdline of xfrmd, charon and that xfrmctl monitor.
check_no_secrets() {
  local gw d name mon cfg f
  for d in "$LAB_RUN"/*/; do
    d=${d%/} gw=$(basename "$d")
    for name in xfrmd charon; do
      [[ -f $d/$name.pid && -r /proc/$(cat "$d/$name.pid")/cmdline ]] &&
        tr '\0' '\n' <"/proc/$(cat "$d/$name.pid")/cmdline" >"$d/hygiene-cmdline-$name.txt"
    done
    [[ -S $d/xfrmd.sock ]] || continue
    xfrmctl_on "$gw" status >"$d/hygiene-status.txt" 2>&1 || true
    xfrmctl_on "$gw" status --json >"$d/hygiene-status-json.txt" 2>&1 || true
    xfrmctl_on "$gw" routes >"$d/hygiene-routes.txt" 2>&1 || true
    xfrmctl_on "$gw" routes --json >"$d/hygiene-routes-json.txt" 2>&1 || true
    xfrmctl_on "$gw" metrics >"$d/hygiene-metrics.txt" 2>&1 || true
    if "$XFRMCTL_BIN" --help 2>&1 | grep -cE '^ +plan ' >/dev/null; then
      # The gateway's configs as they are and with every inline key changed: a plan that
      # shows a changed key must not show it.
      for cfg in "$d"/*.json; do
        [[ -f $cfg && $cfg != */hygiene-* ]] && "$XFRMCTL_BIN" validate -f "$cfg" >/dev/null 2>&1 || continue
        python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for c in d.get("connections", []):
    for t in c.get("tunnels", []):
        if "psk" in t:
            t["psk"] = t["psk"][:90] + "Zq9"
json.dump(d, open(sys.argv[2], "w"))' "$cfg" "$d/hygiene-keys-${cfg##*/}" && chmod 600 "$d/hygiene-keys-${cfg##*/}"
        for f in "$cfg" "$d/hygiene-keys-${cfg##*/}"; do
          xfrmctl_on "$gw" plan -f "$f" >>"$d/hygiene-plan.txt" 2>&1 || true
          xfrmctl_on "$gw" plan -f "$f" --json >>"$d/hygiene-plan.txt" 2>&1 || true
        done
      done
    fi
    # ip netns exec execs xfrmctl: $! is xfrmctl itself (a function would be a subshell).
    ip netns exec "$gw" "$XFRMCTL_BIN" -s "$d/xfrmd.sock" monitor --json >"$d/hygiene-monitor.txt" 2>&1 &
    mon=$!
    sleep 1
    tr '\0' '\n' <"/proc/$mon/cmdline" >"$d/hygiene-cmdline-xfrmctl.txt" 2>/dev/null || true
    kill "$mon" 2>/dev/null || true
    wait "$mon" 2>/dev/null || true
  done
  local res rc=0
  res=$(python3 - "$XFRMCTL_BIN" "$LAB_SCENARIO_DIR" "$LAB_RUN" "$LAB_OUT" 2>&1 <<'PY'
import glob, json, os, subprocess, sys
xfrmctl, sdir, run, out = sys.argv[1:5]
keys, sources = set(), set()
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k == "psk" and isinstance(x, str) and x:
                yield x
            if k == "generated_psks" and isinstance(x, dict):  # xfrmd's state file
                yield from (y for y in x.values() if isinstance(y, str) and y)
            yield from walk(x)
    elif isinstance(v, list):
        for x in v:
            yield from walk(x)
def psk_files(v, base):
    if isinstance(v, dict):
        for k, x in v.items():
            if k in ("psk_file", "key_file") and isinstance(x, str):
                yield os.path.normpath(os.path.join(base, x))
            else:
                yield from psk_files(x, base)
    elif isinstance(v, list):
        for x in v:
            yield from psk_files(x, base)
states = [p for p in glob.glob(run + "/*/state")]
cands = glob.glob(sdir + "/*.json") + glob.glob(run + "/*/*.json") + glob.glob(run + "/*.json")
cands += [f for s in states for f in glob.glob(s + "/**", recursive=True) if os.path.isfile(f)]
for f in cands:
    try:
        doc = json.load(open(f))
    except Exception:
        continue
    in_state = any(f.startswith(s + "/") for s in states)
    if not in_state and not f.startswith(sdir + "/") and subprocess.run(
            [xfrmctl, "validate", "-f", f], capture_output=True).returncode != 0:
        continue  # not a config: an output, searched below
    sources.add(os.path.realpath(f))
    keys.update(walk(doc))
    for kf in psk_files(doc, os.path.dirname(f)):
        try:
            text = open(kf, errors="replace").read()
            sources.add(os.path.realpath(kf))
        except OSError:
            continue
        if "-----BEGIN" in text:  # a key_file: every base64 line of the private key
            keys.update(l for l in text.split() if len(l) >= 32 and not l.startswith("-"))
        else:
            keys.add(text.strip())
keys.discard("")
assert keys, "no pre-shared or private keys found in the configs"
hits, n = [], 0
for root in (run, out):
    for dp, dn, fn in os.walk(root):
        if os.path.basename(dp) == "state" or "/state/" in dp + "/":
            dn[:] = []
            continue
        for name in fn:
            p = os.path.join(dp, name)
            # swanctl.conf: an administrator's charon config, where keys belong
            if (os.path.realpath(p) in sources or name.endswith((".key", "swanctl.conf"))
                    or not os.path.isfile(p)):
                continue
            try:
                data = open(p, "rb").read()
            except OSError:
                continue
            n += 1
            for i, k in enumerate(sorted(keys)):
                if k.encode() in data:
                    hits.append("%s (key %d)" % (os.path.relpath(p, root), i + 1))
if hits:
    sys.exit("pre-shared keys shown in: " + ", ".join(hits))
print("%d keys, %d files searched" % (len(keys), n))
PY
) || rc=$?
  if ((rc == 0)); then pass secrets-not-shown "$res"; else
    printf '%s\n' "--- secrets-not-shown:" "$res" "---"
    fail secrets-not-shown "$(tail -n 1 <<<"$res")"
  fi
}
