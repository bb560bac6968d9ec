#!/bin/sh
# gwb's updown script: Libreswan's own (it creates vtiN, key N, when tunnel N
# first comes up), then site A through vtiN in table 1N, the table of answers
# to what came in on vtiN (run.sh marks them), as a site adds its routing.
/usr/libexec/ipsec/_updown "$@"
rc=$?
case $PLUTO_VERB in
route-client | up-client)
	n=${VTI_IFACE#vti}
	ip route replace 10.1.0.0/24 dev "$VTI_IFACE" table "1$n"
	;;
esac
exit "$rc"
