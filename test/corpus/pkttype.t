# -m pkttype (xt_pkttype; libxt_pkttype). Names in any case; host, bcast and mcast are aliases.
:INPUT,FORWARD,OUTPUT
-m pkttype --pkt-type unicast;=;OK
-m pkttype --pkt-type BROADCAST;-m pkttype --pkt-type broadcast;OK
-m pkttype ! --pkt-type multicast;=;OK
-m pkttype --pkt-type otherhost;=;OK
-m pkttype --pkt-type host;-m pkttype --pkt-type unicast;OK
-m pkttype --pkt-type bcast;-m pkttype --pkt-type broadcast;OK
-m pkttype ! --pkt-type Mcast;-m pkttype ! --pkt-type multicast;OK
-m pkttype --pkt-type outgoing;;FAIL
-m pkttype --pkt-type multi;;FAIL
-m pkttype --pkt-type unicast --pkt-type broadcast;;FAIL
-m pkttype;;FAIL
*nat
:PREROUTING
-m pkttype --pkt-type broadcast -j RETURN;=;OK
@ipv6
*filter
:INPUT,FORWARD
-m pkttype --pkt-type multicast -j DROP;=;OK
-m pkttype --pkt-type broadcast;=;OK
