# shellcheck shell=bash
# bgp-swanctl's far side and gwa's BIRD, shared with bench/lab/bgp-reroute: gwb's VTIs with
# their inside addresses (replies follow the tunnel their flow arrived on), gwb's BIRD from
# DIR/gwb.bird.conf, gwa's from DIR/gwa.bird.conf (RUN replaced by $LAB_RUN), hosta's from
# DIR/hosta.bird.conf when DIR has one.
#   bgp_far_side DIR
bgp_far_side() {
  local dir=$1 n l r
  for n in 1 2; do
    l=GWB_UL$n r=GWA_UL$n
    on gwb ip link add vti$n type vti local "${!l}" remote "${!r}" key $n
    on gwb sysctl -qw net.ipv4.conf.vti$n.disable_policy=1
    on gwb ip addr add 169.254.2$n.1/30 dev vti$n
    on gwb ip link set vti$n up
    # Replies follow the tunnel their flow's requests (from site A) arrived on.
    on gwb ip rule add fwmark 0x${n}0 table 10$n
    on gwb ip route add "$NET_A" dev vti$n table 10$n
    on gwb iptables-legacy -t mangle -A PREROUTING -i vti$n -m conntrack --ctdir ORIGINAL \
      -j CONNMARK --set-mark 0x${n}0
  done
  on gwb iptables-legacy -t mangle -A PREROUTING -i lan0 -j CONNMARK --restore-mark
  on gwb iptables-legacy -t mangle -A OUTPUT -p icmp -d "$NET_A" -j CONNMARK --restore-mark

  mkdir -p "$LAB_RUN/gwa" "$LAB_RUN/gwb"
  require start-bird-gwb start_bird gwb "$dir/gwb.bird.conf"
  sed "s|RUN|$LAB_RUN|g" "$dir/gwa.bird.conf" >"$LAB_RUN/gwa/bird.conf"
  require start-bird-gwa start_bird gwa "$LAB_RUN/gwa/bird.conf"
  [[ ! -f $dir/hosta.bird.conf ]] || require start-bird-hosta start_bird hosta "$dir/hosta.bird.conf"
}
