# shellcheck shell=bash
# policy-psk: the whole path once. Each gateway runs charon and xfrmd; the
# operator applies a JSON config with xfrmctl on both; xfrmd loads it into
# charon over VICI; gwa initiates (start immediate), gwb waits for it
# (start on-traffic installs a trap). IKEv2 with a PSK, one policy-based
# tunnel for 10.1.0.0/24 <-> 10.2.0.0/24. LAN hosts ping across; the
# ESP counters in `xfrmctl status --json` rise; the underlay carries only ESP.
# gwa's esp lifetimes and replay window reach its kernel SAs through charon.
#
# LAB_BREAK selects a deliberate fault to prove the checks catch it:
#   psk    gwb gets a different pre-shared key (IKE must fail)
#   esp    esp4 is removed and module loading disabled (no CHILD_SA in the kernel)
#   daemon xfrmd is not started on gwb (apply there fails, nothing comes up)

status_json() { xfrmctl_on "$1" status --json; }
child_counter() { conn "$1" "(c['tunnels'][0]['child'] or {}).get('$2', 0)"; }

for gw in gwa gwb; do
  start_charon $gw
  cp "$LAB_SCENARIO_DIR/$gw.json" "$LAB_RUN/$gw/xfrmd.json"
  chmod 600 "$LAB_RUN/$gw/xfrmd.json"
done
lab_broken psk && sed -i 's/lab-Key_a1b2c3d4/Wrong-Key_0000/' "$LAB_RUN/gwb/xfrmd.json"
if lab_broken esp; then
  # The kernel would load esp4 again on the first ESP SA; stop it from doing so.
  rmmod esp4
  echo /bin/false >/proc/sys/kernel/modprobe
fi
require start-xfrmd-gwa start_xfrmd gwa
lab_broken daemon || require start-xfrmd-gwb start_xfrmd gwb

check validate-gwa xfrmctl_on gwa validate -f "$LAB_RUN/gwa/xfrmd.json"
check apply-gwb xfrmctl_on gwb apply -f "$LAB_RUN/gwb/xfrmd.json"
check apply-gwa xfrmctl_on gwa apply -f "$LAB_RUN/gwa/xfrmd.json"
check connected-gwa wait_for 10 state_is gwa connected
check connected-gwb wait_for 10 state_is gwb connected
check_eq ike-state-gwa ESTABLISHED "$(conn gwa "c['tunnels'][0]['ike']['state']" 2>&1)"
check_eq child-state-gwb INSTALLED "$(conn gwb "c['tunnels'][0]['child']['state']" 2>&1)"
check_eq counters-from-kernel kernel "$(conn gwa "c['tunnels'][0]['child']['counters']" 2>&1)"

pkts_out0=$(child_counter gwa packets_out) pkts_in0=$(child_counter gwa packets_in)
bytes_out0=$(child_counter gwa bytes_out)
for gw in gwa gwb; do capture_start $gw ul0 "$LAB_RUN/$gw/ul0.pcap"; done

check ping-hosta-to-hostb on hosta ping -n -q -c 5 -i 0.2 -W 2 $HOSTB
check ping-hostb-to-hosta on hostb ping -n -q -c 5 -i 0.2 -W 2 $HOSTA

for gw in gwa gwb; do capture_stop "$LAB_RUN/$gw/ul0.pcap"; done
# 10 echo requests and 10 replies each way through gwa's SAs. The kernel
# counts inner bytes: 84 per ping.
check_gt status-packets-out-rise $(($(child_counter gwa packets_out) - pkts_out0)) 9
check_gt status-packets-in-rise $(($(child_counter gwa packets_in) - pkts_in0)) 9
check_gt status-bytes-out-rise $(($(child_counter gwa bytes_out) - bytes_out0)) 839
# What left each gateway on the underlay: ESP only, nothing between the LANs in clear.
for gw in gwa gwb; do
  check_gt underlay-esp-$gw "$(capture_count "$LAB_RUN/$gw/ul0.pcap" esp)" 9
  check_eq underlay-no-clear-$gw 0 \
    "$(capture_count "$LAB_RUN/$gw/ul0.pcap" "not esp and net $NET_A and net $NET_B")"
done
# The operator's view; `lab --show` prints it (the demo).
xfrmctl_on gwa status >"$LAB_OUT/show-gwa-status.txt" 2>&1 || true
xfrmctl_on gwb status >"$LAB_OUT/show-gwb-status.txt" 2>&1 || true
check status-human grep -q "site-b: connected" "$LAB_OUT/show-gwa-status.txt"
check_eq status-within-100-columns 0 "$(awk 'length > 100' "$LAB_OUT/show-gwa-status.txt" | wc -l)"
# With the tunnel up (ike and child objects present) the report matches its schema.
status_json gwa >"$LAB_RUN/gwa/status.json" 2>&1 || true
check status-schema python3 "$LAB_DIR/../schema/check_status.py" "$LAB_RUN/gwa/status.json"
# status --json against the kernel: its SPIs are the kernel's SAs, and its
# counters are those SAs' counters (no probes here, so nothing moves between
# the two reads).
kernel_vs_status() {
  python3 - "$LAB_RUN/gwa/status.json" "$LAB_RUN/gwa/xfrm-state.txt" <<'PY'
import json, re, sys
ch = json.load(open(sys.argv[1]))["connections"][0]["tunnels"][0]["child"]
sas = {}
for blk in re.split(r"\n(?=src )", open(sys.argv[2]).read()):
    spi = re.search(r"spi 0x([0-9a-f]+)", blk)
    cnt = re.search(r"(\d+)\(bytes\), (\d+)\(packets\)", blk)
    if spi and cnt:
        sas[spi.group(1).zfill(8)] = (int(cnt.group(1)), int(cnt.group(2)))
out, inn = sas.get(ch["spi_out"]), sas.get(ch["spi_in"])
assert out and inn, (ch["spi_out"], ch["spi_in"], sorted(sas))
assert out == (ch["bytes_out"], ch["packets_out"]), (out, ch)
assert inn == (ch["bytes_in"], ch["packets_in"]), (inn, ch)
PY
}
status_json gwa >"$LAB_RUN/gwa/status.json" 2>&1 || true
on gwa ip -s xfrm state >"$LAB_RUN/gwa/xfrm-state.txt" 2>&1 || true
check status-matches-kernel kernel_vs_status
# gwa's esp section (gwa.json) in its kernel: every SA of the tunnel expires at life_time (2100 s)
# and is rekeyed (soft) between rekey_time - rand_time and rekey_time (1680-1800 s); the
# inbound SA checks replays over a window of 128 packets.
kernel_lifetimes() {
  python3 - "$LAB_RUN/gwa/xfrm-state.txt" <<'PY'
import re, sys
blocks = [b for b in re.split(r"\n(?=src )", open(sys.argv[1]).read()) if "proto esp" in b]
assert len(blocks) == 2, blocks
for b in blocks:
    m = re.search(r"expire add: soft (\d+)\(sec\), hard (\d+)\(sec\)", b)
    assert m, b
    soft, hard = int(m.group(1)), int(m.group(2))
    assert hard == 2100, (hard, b)
    assert 1680 <= soft <= 1800, (soft, b)
inbound = [b for b in blocks if b.startswith("src 192.0.2.101 dst 192.0.2.1")]
assert len(inbound) == 1, blocks
assert re.search(r"replay_window 128\b", inbound[0]), inbound[0]
PY
}
check esp-lifetimes-in-kernel kernel_lifetimes
