# -j DNAT (libxt_NAT revision 2, xt_nat.c): --to-destination [ip[-ip]][:port[-port[/base]]], --random, --persistent.
# nat table only, PREROUTING and OUTPUT only. A port needs -p tcp|udp|sctp|dccp (libxt_NAT also lets icmp through,
# and looks at the protocol number only, not its !), given before the option.
*nat
:PREROUTING,OUTPUT
-p tcp -j DNAT --to-destination 10.0.0.1;=;OK
-p tcp -j DNAT --to-destination 10.0.0.1:8080;=;OK
-p udp -j DNAT --to-destination 10.0.0.1-10.0.0.9:1000-2000;=;OK
-p tcp -j DNAT --to-destination 10.0.0.1:1000-2000/1500 --random --persistent;=;OK
-p tcp -j DNAT --to 10.0.0.1 --persistent --random;-p tcp -j DNAT --to-destination 10.0.0.1 --random --persistent;OK
-p tcp -j DNAT --to-destination :8080;=;OK
-p sctp -j DNAT --to-destination 10.0.0.1:http;-p sctp -j DNAT --to-destination 10.0.0.1:80;OK
-p dccp -j DNAT --to-destination 10.0.0.1:0x50-0120;-p dccp -j DNAT --to-destination 10.0.0.1:80;OK
-p tcp -j DNAT --to-destination 10.0.0.1:1000-2000/https;-p tcp -j DNAT --to-destination 10.0.0.1:1000-2000/443;OK
-p icmp -j DNAT --to-destination 10.0.0.1:7;=;OK
! -p tcp -j DNAT --to-destination 10.0.0.1:80;=;OK
# a range whose end is below its start is not checked by anyone
-j DNAT --to-destination 10.0.0.9-10.0.0.1;=;OK
# two characters before the colon: iptables takes it as "ports only"
-p tcp -j DNAT --to-destination 10:80;-p tcp -j DNAT --to-destination :80;OK
-j DNAT --to-destination 10.0.0.1:80;;FAIL
-p udplite -j DNAT --to-destination 10.0.0.1:80;;FAIL
-j DNAT --to-destination 10.0.0.1:80 -p tcp;;FAIL
-p tcp -j DNAT --to-destination 10.0.0.1:80/90;;FAIL
-p tcp -j DNAT --to-destination 10.0.0.1:80:90;;FAIL
-p tcp -j DNAT --to-destination 10.0.0.1:90-80;;FAIL
-p tcp -j DNAT --to-destination 10.0.0.1:99999;;FAIL
-p tcp -j DNAT --to-destination 10.0.0.1:1000-2000/0;;FAIL
-p tcp -j DNAT --to-destination 10.0.0.1:80-;;FAIL
-j DNAT --to-destination 10.1;;FAIL
-j DNAT --to-destination 10.0.0.01;;FAIL
-j DNAT --to-destination [10.0.0.1]:80;;FAIL
-j DNAT --to-destination 10.0.0.1-;;FAIL
-j DNAT;;FAIL
-j DNAT --random;;FAIL
-j DNAT --to-destination 10.0.0.1 --to-destination 10.0.0.2;;FAIL
-j DNAT --to-destination 10.0.0.1 --random-fully;;FAIL
-j DNAT ! --to-destination 10.0.0.1;;FAIL
:INPUT,POSTROUTING
-j DNAT --to-destination 10.0.0.1;;FAIL
# a user chain no hook reaches is not checked
:NATSIM-U
-j DNAT --to-destination 10.0.0.1;=;OK
*filter
:INPUT,FORWARD,OUTPUT
-j DNAT --to-destination 10.0.0.1;;FAIL
*mangle
:PREROUTING
-j DNAT --to-destination 10.0.0.1;;FAIL
@ipv6
*nat
:PREROUTING,OUTPUT
-p tcp -j DNAT --to-destination 2001:db8::1;=;OK
-p tcp -j DNAT --to-destination [2001:db8::1]:80;=;OK
-p tcp -j DNAT --to-destination [2001:db8::1];-p tcp -j DNAT --to-destination 2001:db8::1;OK
-p tcp -j DNAT --to-destination [2001:db8::1-2001:db8::9]:80-90/85 --random;=;OK
-p tcp -j DNAT --to-destination 2001:db8::1-2001:db8::9;=;OK
-p tcp -j DNAT --to-destination []:80;-p tcp -j DNAT --to-destination :80;OK
-p tcp -j DNAT --to-destination 2001:DB8:0:0:0:0:0:1;-p tcp -j DNAT --to-destination 2001:db8::1;OK
-p tcp -j DNAT --to-destination ::ffff:10.0.0.1;=;OK
-p icmp -j DNAT --to-destination [2001:db8::1]:80;=;OK
-p ipv6-icmp -j DNAT --to-destination [2001:db8::1]:80;;FAIL
-j DNAT --to-destination [2001:db8::1]:80;;FAIL
-p tcp -j DNAT --to-destination [2001:db8::1;;FAIL
-p tcp -j DNAT --to-destination [2001:db8::1]-[2001:db8::9]:80;;FAIL
-j DNAT --to-destination 10.0.0.1;;FAIL
:INPUT,POSTROUTING
-j DNAT --to-destination 2001:db8::1;;FAIL
