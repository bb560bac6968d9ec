# shellcheck shell=bash
# x509: tunnels authenticated with X.509 certificates from a CA made here with openssl.
# gwa and gwb run xfrmd; each tunnel names its cert_file, key_file (EC P-256 on gwa, RSA on
# gwb) and ca_file; the policy tunnel comes up, traffic crosses it, status and metrics show
# the local certificate's subject and expiry. gwc, a plain strongSwan peer (topology.sh),
# presents to gwb's connection site-c: a certificate of another CA (refused: IKE_AUTH fails,
# site-c not up), an expired certificate of the lab CA (refused) and, as the control that the
# two refusals are the certificates' doing, a good one (accepted). On gwa, an apply naming an
# expired cert_file is refused by xfrmd itself and leaves the running tunnel alone. Then
# rotation: gwa's key and certificate are replaced by new ones of the same CA and applied:
# the plan reloads the credentials, the IKE and CHILD SAs stay (same unique ids), a ping flow
# loses nothing, status shows the new expiry, and a reauthentication with the new
# credentials succeeds.
# Private keys in charon (get-keys, through lib/vici_query.py: swanctl cannot list them): one
# per key, its id recorded in xfrmd's state file per tunnel; gwb's two connections share one key
# file, so one key. Rotation unloads gwa's old key after the new one is in; removing site-c
# from gwb leaves the key site-a still uses; charon's credentials cleared by hand on gwa
# (swanctl --load-creds --clear) come back at the next resync with the SAs kept, and a new IKE
# SA then authenticates; removing gwa's tunnel from its config unloads its key.
#
# LAB_BREAK selects a deliberate fault to prove the checks catch it:
#   ca     gwb trusts the rogue CA instead of the lab's (the tunnel must not come up)

DN="/C=CH/O=xfrmd lab"
ID="C=CH, O=xfrmd lab"
PKI=$LAB_RUN/pki

# openssl ca, for certificates with chosen dates (openssl 3.0's x509 has no -not_after).
ca_conf() {
  cat <<'EOF'
[ ca ]
default_ca = lab
[ lab ]
dir = $ENV::CADIR
database = $dir/index.txt
new_certs_dir = $dir
serial = $dir/serial
default_md = sha256
policy = any
preserve = yes
unique_subject = no
[ any ]
countryName = optional
organizationName = optional
commonName = supplied
EOF
}
when() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
# new_ca DIR CN: a self-signed CA (EC P-256), ten years
new_ca() {
  mkdir -p "$1" && : >"$1/index.txt" && echo 1000 >"$1/serial" && ca_conf >"$1/ca.cnf"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -keyout "$1/ca.key" -out "$1/ca.pem" -subj "$DN/CN=$2" 2>/dev/null
}
# new_key FILE rsa|ec
new_key() {
  if [[ $2 == rsa ]]; then openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null
  else openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; fi
  chmod 600 "$1"
}
# issue CADIR KEY CN OUT START END: a certificate for KEY's public key, valid START..END
issue() {
  openssl req -new -key "$2" -subj "$DN/CN=$3" -out "$4.csr" 2>/dev/null &&
    CADIR=$1 openssl ca -batch -notext -config "$1/ca.cnf" -cert "$1/ca.pem" -keyfile "$1/ca.key" \
      -in "$4.csr" -out "$4" -startdate "$5" -enddate "$6" 2>/dev/null
}
not_after() { openssl x509 -in "$1" -noout -enddate | cut -d= -f2; }
# charon_keys GW: the ids of the private keys GW's charon has loaded over VICI, sorted
charon_keys() {
  python3 "$LAB_DIR/lib/vici_query.py" "$LAB_RUN/$1/charon.vici" get-keys | sed -n 's/^keys: //p' | sort | xargs
}
# recorded_key GW NAME: the id xfrmd's state file records for tunnel NAME ("" if none)
recorded_key() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("key_ids", {}).get(sys.argv[2], ""))' \
    "$LAB_RUN/$1/state/state.json" "$2"
}
# apply_on GW FILE OUT: xfrmctl apply, its output in OUT
apply_on() { ip netns exec "$1" "$XFRMCTL_BIN" -s "$LAB_RUN/$1/xfrmd.sock" apply -f "$2" >"$3" 2>&1; }

make_pki() {
  new_ca "$PKI/ca" "xfrmd lab CA" && new_ca "$PKI/rogue" "rogue CA" || return
  new_key "$PKI/gwa.key" ec && new_key "$PKI/gwb.key" rsa && new_key "$PKI/gwc.key" ec || return
  issue "$PKI/ca" "$PKI/gwa.key" gwa "$PKI/gwa.pem" "$(when '-1 day')" "$(when '+365 days')" &&
    issue "$PKI/ca" "$PKI/gwb.key" gwb "$PKI/gwb.pem" "$(when '-1 day')" "$(when '+365 days')" &&
    issue "$PKI/ca" "$PKI/gwc.key" gwc "$PKI/gwc.pem" "$(when '-1 day')" "$(when '+365 days')" &&
    issue "$PKI/rogue" "$PKI/gwc.key" gwc "$PKI/gwc-rogue.pem" "$(when '-1 day')" "$(when '+365 days')" &&
    issue "$PKI/ca" "$PKI/gwc.key" gwc "$PKI/gwc-expired.pem" "$(when '-400 days')" "$(when '-35 days')" &&
    issue "$PKI/ca" "$PKI/gwa.key" gwa "$PKI/gwa-expired.pem" "$(when '-400 days')" "$(when '-35 days')"
}
require make-pki make_pki

# Each gateway's files next to its config (the paths in gwX.json are relative to it).
for gw in gwa gwb; do
  mkdir -p "$LAB_RUN/$gw/pki"
  cp "$PKI/$gw.pem" "$PKI/ca/ca.pem" "$LAB_RUN/$gw/pki/"
  cp -p "$PKI/$gw.key" "$LAB_RUN/$gw/pki/"
done
lab_broken ca && cp "$PKI/rogue/ca.pem" "$LAB_RUN/gwb/pki/ca.pem"
cp "$PKI/gwa-expired.pem" "$LAB_RUN/gwa/pki/"

start_xfrmd_pair
check connected-gwa wait_for 15 state_is gwa connected
check ping-hosta-to-hostb on hosta ping -n -q -c 3 -i 0.2 -W 2 $HOSTB
check_eq auth-pubkey pubkey "$(conn gwa "c['tunnels'][0].get('auth')" 2>&1)"
check_eq cert-subject "$ID, CN=gwa" "$(conn gwa "c['tunnels'][0]['cert']['subject']" 2>&1)"
check_eq remote-id-seen "$ID, CN=gwb" "$(conn gwa "c['tunnels'][0]['ike']['remote_id']" 2>&1)"
exp_unix=$(date -u -d "$(not_after "$PKI/gwa.pem")" +%s)
check_eq cert-not-after "$exp_unix" "$(conn gwa "c['tunnels'][0]['cert']['not_after_unix']" 2>&1)"
left=$(conn gwa "c['tunnels'][0]['cert']['expires_in_s']" 2>&1)
check_gt cert-expires-in-gt-364d "$left" $((364 * 86400))
check_lt cert-expires-in-lt-366d "$left" $((366 * 86400))
xfrmctl_on gwa status >"$LAB_OUT/show-gwa-status.txt" 2>&1 || true
check status-text-cert grep -q "cert $ID, CN=gwa  expires .* (in 36[45] days)" "$LAB_OUT/show-gwa-status.txt"
xfrmctl_on gwa metrics >"$LAB_RUN/gwa/metrics.txt" 2>&1 || true
check metrics-cert-expiry grep -qE '^xfrmd_cert_expiry_seconds\{connection="site-b",tunnel="1"\} [0-9]+$' \
  "$LAB_RUN/gwa/metrics.txt"
xfrmctl_on gwa status --json >"$LAB_RUN/gwa/status.json" 2>&1 || true
check status-schema python3 "$LAB_DIR/../schema/check_status.py" "$LAB_RUN/gwa/status.json"
keys0=$(charon_keys gwa)
check_eq key-loaded-once 1 "$(wc -w <<<"$keys0")"
check_eq key-id-recorded "$keys0" "$(recorded_key gwa xfrmd-site-b-t1)"
keysb=$(charon_keys gwb)
check_eq gwb-shared-key-once 1 "$(wc -w <<<"$keysb")"
check_eq gwb-key-site-a "$keysb" "$(recorded_key gwb xfrmd-site-a-t1)"
check_eq gwb-key-site-c "$keysb" "$(recorded_key gwb xfrmd-site-c-t1)"

# export-peer: pubkey auth referencing the peer's own files; no key, no secrets section entry.
xfrmctl_on gwa export-peer --format swanctl site-b >"$LAB_RUN/gwa/export-swanctl.txt" 2>&1 || true
check export-swanctl-pubkey grep -q "^            auth = pubkey$" "$LAB_RUN/gwa/export-swanctl.txt"
check export-swanctl-certs grep -q "^            certs = site-b-t1.pem$" "$LAB_RUN/gwa/export-swanctl.txt"
check_eq export-swanctl-no-secret 0 "$(grep -c 'secret =' "$LAB_RUN/gwa/export-swanctl.txt")"
xfrmctl_on gwa export-peer site-b >"$LAB_RUN/gwa/export-xfrmd.txt" 2>&1 || true
check export-xfrmd-peer-files grep -q '"key_file": *"site-b-t1.key"' "$LAB_RUN/gwa/export-xfrmd.txt"
check export-xfrmd-our-subject grep -q "\"remote_id\": *\"$ID, CN=gwa\"" "$LAB_RUN/gwa/export-xfrmd.txt"

# gwc against gwb's site-c: another CA's certificate, an expired one, then a good one.
start_charon gwc
mkdir -p "$LAB_RUN/gwc/x509ca" "$LAB_RUN/gwc/private"
cp "$PKI/ca/ca.pem" "$LAB_RUN/gwc/x509ca/"
cp -p "$PKI/gwc.key" "$LAB_RUN/gwc/private/"
gwc_conn() { # NAME CERT
  cat <<EOF
  $1 {
    local_addrs = 198.51.100.3
    remote_addrs = 198.51.100.1
    local {
      auth = pubkey
      certs = $2
      id = "$ID, CN=gwc"
    }
    remote {
      auth = pubkey
      id = "$ID, CN=gwb"
    }
    children {
      $1 {
        local_ts = 10.31.0.0/24
        remote_ts = 10.32.0.0/24
      }
    }
  }
EOF
}
{
  echo "connections {"
  gwc_conn rogue "$PKI/gwc-rogue.pem"
  gwc_conn expired "$PKI/gwc-expired.pem"
  gwc_conn good "$PKI/gwc.pem"
  echo "}"
} >"$LAB_RUN/gwc/swanctl.conf"
require load-gwc swanctl_on gwc --load-all --file "$LAB_RUN/gwc/swanctl.conf"
charon_lines() { wc -l <"$LAB_RUN/gwb/charon.log"; }
gwb_log_since() { tail -n +"$(($1 + 1))" "$LAB_RUN/gwb/charon.log"; }
refused() { ! swanctl_on gwc --initiate --child "$1" --timeout 10 >"$LAB_RUN/gwc/initiate-$1.txt" 2>&1; }
site_c_not_up() { [[ $(conn_named gwb site-c "c['state']") != connected ]]; }

mark=$(charon_lines)
check wrong-ca-refused refused rogue
check wrong-ca-gwb-says-untrusted sh -c "tail -n +$((mark + 1)) '$LAB_RUN/gwb/charon.log' | grep -E 'no issuer certificate found|no trusted .* public key found' >/dev/null"
check wrong-ca-site-c-not-up site_c_not_up
mark=$(charon_lines)
check expired-refused refused expired
gwb_log_since "$mark" >"$LAB_RUN/gwb/charon-expired.txt"
check expired-gwb-says-invalid grep -qE 'subject certificate invalid \(valid from .* to ' "$LAB_RUN/gwb/charon-expired.txt"
check expired-site-c-not-up site_c_not_up
check good-cert-accepted swanctl_on gwc --initiate --child good --timeout 10
named_state_is() { [[ $(conn_named "$1" "$2" "c['state']") == "$3" ]]; }
check good-site-c-connected wait_for 10 named_state_is gwb site-c connected

# xfrmd refuses an expired local certificate at apply; the running tunnel is untouched.
gen0=$(xfrmctl_on gwa status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
sed 's|pki/gwa.pem|pki/gwa-expired.pem|' "$LAB_RUN/gwa/xfrmd.json" >"$LAB_RUN/gwa/expired.json"
chmod 600 "$LAB_RUN/gwa/expired.json"
apply_refused() { ! xfrmctl_on gwa apply -f "$LAB_RUN/gwa/expired.json" >"$LAB_RUN/gwa/apply-expired.txt" 2>&1; }
check apply-expired-refused apply_refused
check apply-expired-names-field grep -q 'tunnels\[0\].cert_file: .*gwa-expired.pem: the certificate .* expired on' \
  "$LAB_RUN/gwa/apply-expired.txt"
gen1=$(xfrmctl_on gwa status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
check_eq apply-expired-generation-kept "$gen0" "$gen1"
check still-connected state_is gwa connected

# Rotation: a new key and certificate for gwa from the same CA, valid 500 days.
sa_ids() { # "IKE#N CHILD#M" of gwa's tunnel, from charon
  swanctl_on gwa --list-sas --ike xfrmd-site-b-t1 | awk '
    /^xfrmd-site-b-t1: #/ { sub(/#/, "", $2); sub(/,/, "", $2); ike = $2 }
    /^  xfrmd-site-b-t1: #/ { sub(/#/, "", $2); sub(/,/, "", $2); child = $2 }
    END { print "IKE#" ike " CHILD#" child }'
}
ids0=$(sa_ids)
check_eq sa-ids-read 1 "$(grep -cE '^IKE#[0-9]+ CHILD#[0-9]+$' <<<"$ids0")"
new_key "$PKI/gwa2.key" ec
issue "$PKI/ca" "$PKI/gwa2.key" gwa "$PKI/gwa2.pem" "$(when '-1 day')" "$(when '+500 days')"
flow_start hosta $HOSTB rot 0.02
sleep 1
cp -p "$PKI/gwa2.key" "$LAB_RUN/gwa/pki/gwa.key.new" && mv "$LAB_RUN/gwa/pki/gwa.key.new" "$LAB_RUN/gwa/pki/gwa.key"
cp "$PKI/gwa2.pem" "$LAB_RUN/gwa/pki/gwa.pem.new" && mv "$LAB_RUN/gwa/pki/gwa.pem.new" "$LAB_RUN/gwa/pki/gwa.pem"
check rotate-apply sh -c "ip netns exec gwa '$XFRMCTL_BIN' -s '$LAB_RUN/gwa/xfrmd.sock' apply -f '$LAB_RUN/gwa/xfrmd.json' >'$LAB_RUN/gwa/apply-rotate.txt' 2>&1"
# What the apply did: the key and the connection loaded again, nothing stopped or started.
rotate_actions() { grep -E '^  [a-z-]+ +xfrmd-' "$LAB_RUN/gwa/apply-rotate.txt" | awk '{print $1}' | xargs; }
check_eq rotate-actions-reload-only "load-key load-conn unload-key" "$(rotate_actions)"
keys1=$(charon_keys gwa)
check_eq rotate-one-key-left 1 "$(wc -w <<<"$keys1")"
check rotate-old-key-gone test "$keys1" != "$keys0"
check_eq rotate-new-key-recorded "$keys1" "$(recorded_key gwa xfrmd-site-b-t1)"
check rotate-unload-names-old-id grep -qE "^  unload-key +xfrmd-site-b-t1 \(key $keys0\)$" \
  "$LAB_RUN/gwa/apply-rotate.txt"
sleep 2
flow_stop rot
check_eq rotate-same-sas "$ids0" "$(sa_ids)"
check_eq rotate-flow-lost 0 "$(flow_lost rot)"
check_gt rotate-flow-replies "$(flow_received rot)" 50
exp2=$(date -u -d "$(not_after "$PKI/gwa2.pem")" +%s)
check_eq rotate-status-new-expiry "$exp2" "$(conn gwa "c['tunnels'][0]['cert']['not_after_unix']" 2>&1)"
# The new key and certificate authenticate: a reauthentication makes a new IKE SA with them.
mark=$(charon_lines)
check reauth swanctl_on gwa --rekey --ike xfrmd-site-b-t1 --reauth
new_ike() { [[ $(sa_ids) != "${ids0%% *} "* ]] && state_is gwa connected; }
check reauth-new-ike-sa wait_for 15 new_ike
check reauth-gwb-verified-gwa sh -c "tail -n +$((mark + 1)) '$LAB_RUN/gwb/charon.log' | grep -E \"authentication of '$ID, CN=gwa' with .* successful\" >/dev/null"
check ping-after-reauth on hosta ping -n -q -c 3 -i 0.2 -W 2 $HOSTB

# gwb without site-c: site-a still has the key both used, so it stays.
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
d["connections"] = [c for c in d["connections"] if c["name"] != "site-c"]
json.dump(d, open(sys.argv[2], "w"), indent=1)' "$LAB_RUN/gwb/xfrmd.json" "$LAB_RUN/gwb/no-site-c.json"
chmod 600 "$LAB_RUN/gwb/no-site-c.json"
check gwb-remove-site-c apply_on gwb "$LAB_RUN/gwb/no-site-c.json" "$LAB_RUN/gwb/apply-no-site-c.txt"
check gwb-remove-site-c-planned grep -qE '^  unload-conn +xfrmd-site-c-t1$' "$LAB_RUN/gwb/apply-no-site-c.txt"
check_eq gwb-remove-keeps-shared-key 0 "$(grep -c unload-key "$LAB_RUN/gwb/apply-no-site-c.txt")"
check_eq gwb-shared-key-still-loaded "$keysb" "$(charon_keys gwb)"
check_eq gwb-site-c-record-dropped "" "$(recorded_key gwb xfrmd-site-c-t1)"

# Someone clears gwa's charon credentials: the next resync (every 10 s) loads the key and the
# certificates again, the SAs kept; a new IKE SA then authenticates with them (and gwb with
# the key site-c's removal left it).
mkdir -p "$LAB_RUN/gwa/swanctl-empty" && : >"$LAB_RUN/gwa/swanctl-empty/swanctl.conf"
clear_creds() {
  SWANCTL_DIR=$LAB_RUN/gwa/swanctl-empty swanctl_on gwa --load-creds --clear \
    --file "$LAB_RUN/gwa/swanctl-empty/swanctl.conf" >"$LAB_RUN/gwa/clear-creds.txt" 2>&1
}
ids2=$(sa_ids)
xlog=$(wc -l <"$LAB_RUN/gwa/xfrmd.log")
check clear-creds clear_creds
check_eq cleared-no-key "" "$(charon_keys gwa)"
key_back() { [[ $(charon_keys gwa) == "$keys1" ]]; }
check cleared-key-back-at-resync wait_for 25 key_back
check_eq cleared-sas-kept "$ids2" "$(sa_ids)"
check cleared-resync-logged sh -c "tail -n +$((xlog + 1)) '$LAB_RUN/gwa/xfrmd.log' | grep -E 'resynchronised generation [0-9]+: 2 actions' >/dev/null"
mark=$(charon_lines)
check cleared-reauth swanctl_on gwa --rekey --ike xfrmd-site-b-t1 --reauth
new_ike2() { [[ $(sa_ids) != "${ids2%% *} "* ]] && state_is gwa connected; }
check cleared-reauth-new-ike-sa wait_for 15 new_ike2
check cleared-reauth-gwb-verified-gwa sh -c "tail -n +$((mark + 1)) '$LAB_RUN/gwb/charon.log' | grep -E \"authentication of '$ID, CN=gwa' with .* successful\" >/dev/null"
check ping-after-cleared on hosta ping -n -q -c 3 -i 0.2 -W 2 $HOSTB

# gwa's tunnel removed from its config: its key goes from charon and from the state file.
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
d["connections"] = []
json.dump(d, open(sys.argv[2], "w"), indent=1)' "$LAB_RUN/gwa/xfrmd.json" "$LAB_RUN/gwa/removed.json"
chmod 600 "$LAB_RUN/gwa/removed.json"
check remove-apply apply_on gwa "$LAB_RUN/gwa/removed.json" "$LAB_RUN/gwa/apply-removed.txt"
check remove-unloads-key grep -qE "^  unload-key +xfrmd-site-b-t1 \(key $keys1\)$" "$LAB_RUN/gwa/apply-removed.txt"
check_eq remove-no-key-left "" "$(charon_keys gwa)"
check_eq remove-record-dropped "" "$(recorded_key gwa xfrmd-site-b-t1)"

# The private keys never show: not in logs, status, metrics or anything saved under the run.
key_lines() { grep -vh -- '-----' "$PKI/gwa.key" "$PKI/gwa2.key" "$PKI/gwb.key" | head -n 40; }
no_key_bytes() {
  local l hits=0
  while read -r l; do
    [[ ${#l} -ge 32 ]] || continue
    if grep -rlF -- "$l" "$LAB_RUN"/gwa/*.log "$LAB_RUN"/gwb/*.log "$LAB_RUN"/gwa/*.txt "$LAB_RUN"/gwa/*.json \
      "$LAB_RUN"/gwa/state "$LAB_RUN"/gwb/state "$LAB_OUT" 2>/dev/null; then hits=1; fi
  done < <(key_lines)
  return $hits
}
xfrmctl_on gwa metrics >"$LAB_RUN/gwa/metrics2.txt" 2>&1 || true
check no-key-bytes-anywhere no_key_bytes
