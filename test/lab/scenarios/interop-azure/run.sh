# shellcheck shell=bash
# interop-azure: xfrmd on gwa expresses the link Alibaba-style (one
# connection, two tunnels, tunnel 1 primary, policy-based); gwb is plain
# strongSwan set up Azure-style (two single-tunnel route-based connections,
# each with its own key; see gwb.swanctl.conf). Both
# tunnels come up at both ends and traffic crosses. Then the peer deletes
# tunnel 1's IKE SA (an IKE-visible failure): gwa moves traffic to tunnel 2
# at once, brings tunnel 1 back by itself and, after the hold-down, returns.


# gwb's VTIs, as an Azure-style route-based gateway would have them.
for n in 1 2; do
  local_ul=GWB_UL$n remote_ul=GWA_UL$n
  on gwb ip link add vti$n type vti local ${!local_ul} remote ${!remote_ul} key $n
  on gwb sysctl -qw net.ipv4.conf.vti$n.disable_policy=1
  on gwb ip link set vti$n up
done
start_charon gwa gwb
sed "s|UPDOWN|$LAB_SCENARIO_DIR/updown.sh|" "$LAB_SCENARIO_DIR/gwb.swanctl.conf" \
  >"$LAB_RUN/gwb/swanctl.conf"
require load-peer swanctl_on gwb --load-all --file "$LAB_RUN/gwb/swanctl.conf"
cp "$LAB_SCENARIO_DIR/gwa.json" "$LAB_RUN/gwa/xfrmd.json"
chmod 600 "$LAB_RUN/gwa/xfrmd.json"
require start-xfrmd start_xfrmd gwa
require apply xfrmctl_on gwa apply -f "$LAB_RUN/gwa/xfrmd.json"
check both-tunnels-up-gwa wait_for 15 state_is gwa connected
check peer-t1-up wait_for 5 sa_has gwb "^azure-t1: .*ESTABLISHED"
check peer-t2-up wait_for 5 sa_has gwb "^azure-t2: .*ESTABLISHED"
check peer-t1-child wait_for 5 sa_has gwb "net-t1: .*INSTALLED"
check peer-t2-child wait_for 5 sa_has gwb "net-t2: .*INSTALLED"
check_eq primary-carries "[1]" "$(conn gwa "c['active_tunnels']")"
for gw in gwa gwb; do
  { on $gw ip xfrm policy; on $gw ip -s xfrm state; } >"$LAB_OUT/xfrm-$gw.txt" 2>&1
done
check ping-across on hosta ping -n -q -c 5 -i 0.1 -W 1 $HOSTB
check ping-back on hostb ping -n -q -c 5 -i 0.1 -W 1 $HOSTA

# The peer deletes tunnel 1's IKE SA under a running flow.
flow_start hosta $HOSTB f1 0.02
sleep 1
check peer-deletes-t1 swanctl_on gwb --terminate --ike azure-t1 --timeout 5
check failover wait_for 5 active_is gwa "[2]"
sleep 1
flow_stop f1
gap=$(flow_gap_ms f1)
check_gt flow-survived "$(flow_received f1)" 50
check_lt interruption-under-1s "$gap" 1000
echo "IKE-visible failure (peer deleted tunnel 1's IKE SA): interruption ${gap} ms" \
  >"$LAB_OUT/show-failover.txt"
# xfrmd brings tunnel 1 back (start immediate) and returns after the hold-down.
check t1-back wait_for 15 sa_has gwb "^azure-t1: .*ESTABLISHED"
check failback wait_for 10 active_is gwa "[1]"
check ping-after-failback on hosta ping -n -q -c 5 -i 0.1 -W 1 $HOSTB
