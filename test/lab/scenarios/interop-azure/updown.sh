#!/bin/sh
# charon's updown hook on gwb: tunnel N's route to gwa's LAN through vtiN,
# tunnel 1 preferred (metric 100 vs 200).
n=${PLUTO_CONNECTION#net-t}
case $PLUTO_VERB in
up-client) ip route replace 10.1.0.0/24 dev "vti$n" metric "${n}00" ;;
down-client) ip route del 10.1.0.0/24 dev "vti$n" metric "${n}00" 2>/dev/null ;;
esac
exit 0
