#!/bin/sh
# gwb's updown script: Libreswan's own (it creates vtiN, key N, when tunnel N first comes up),
# then the tunnel's inside address on vtiN (BGP's end: 169.254.2N.1/30) and site A through vtiN
# in table 1N, the table of answers to what came in on vtiN (run.sh marks them).
/usr/libexec/ipsec/_updown "$@"
rc=$?
case $PLUTO_VERB in
route-client | up-client)
	n=${VTI_IFACE#vti}
	ip addr replace "169.254.2$n.1/30" dev "$VTI_IFACE"
	ip link set "$VTI_IFACE" up
	ip route replace 10.1.0.0/24 dev "$VTI_IFACE" table "1$n"
	;;
esac
exit "$rc"
