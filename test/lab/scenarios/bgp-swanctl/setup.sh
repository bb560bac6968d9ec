# shellcheck shell=bash
# bgp-swanctl's far side and gwa's BIRD, shared with bench/lab/bgp-reroute: gwb's VTIs with
# their inside addresses (peer_gwb_vtis, lib/peer.sh: replies follow the tunnel their flow
# arrived on), gwb's BIRD from DIR/gwb.bird.conf, gwa's from DIR/gwa.bird.conf (RUN replaced by
# $LAB_RUN), hosta's from DIR/hosta.bird.conf when DIR has one.
#   bgp_far_side DIR
bgp_far_side() {
  local dir=$1
  peer_gwb_vtis 169.254.21.1/30 169.254.22.1/30

  mkdir -p "$LAB_RUN/gwa" "$LAB_RUN/gwb"
  require start-bird-gwb start_bird gwb "$dir/gwb.bird.conf"
  sed "s|RUN|$LAB_RUN|g" "$dir/gwa.bird.conf" >"$LAB_RUN/gwa/bird.conf"
  require start-bird-gwa start_bird gwa "$LAB_RUN/gwa/bird.conf"
  [[ ! -f $dir/hosta.bird.conf ]] || require start-bird-hosta start_bird hosta "$dir/hosta.bird.conf"
}
