#!/bin/sh
# charon's updown hook on gwb: while tunnel N's CHILD_SA is installed, gwa's LAN
# is routed through vtiN, tunnel 1 preferred (metric 100 vs 200). A CHILD_SA
# that goes down leaves the route to a newer one of the same tunnel (an IKE SA
# replaced by the peer's restart: the old one is destroyed a second after the
# new one may be up); its own SAs are still in the kernel while this runs.
n=${PLUTO_CONNECTION#net-t}
case $PLUTO_VERB in
up-client) ip route replace 10.1.0.0/24 dev "vti$n" metric "${n}00" ;;
down-client)
	sas=$(ip xfrm state list src "$PLUTO_ME" dst "$PLUTO_PEER" | grep -c '^src')
	[ "$sas" -gt 1 ] || ip route del 10.1.0.0/24 dev "vti$n" metric "${n}00" 2>/dev/null
	;;
esac
exit 0
