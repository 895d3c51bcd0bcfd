# -j SNAT (libxt_NAT; IPv4 revision 0, IPv6 revision 1; xt_nat.c): --to-source [ip[-ip]][:port[-port]],
# --random, --random-fully, --persistent (saved in that order). nat table, POSTROUTING and INPUT only.
# --to is the getopt abbreviation of --to-source. These structures have no base port: a /base is
# accepted and saved as /0 (which iptables-restore would then refuse).
*nat
:POSTROUTING,INPUT
-j SNAT --to-source 192.0.2.1;=;OK
-j SNAT --to 192.0.2.1;-j SNAT --to-source 192.0.2.1;OK
-p tcp -j SNAT --to-source 192.0.2.1-192.0.2.9:1024-65535;=;OK
-p udp -j SNAT --to 192.0.2.1:1024-2048 --persistent --random-fully --random;-p udp -j SNAT --to-source 192.0.2.1:1024-2048 --random --random-fully --persistent;OK
-p tcp -j SNAT --to-source 192.0.2.1:1000-2000/1500;-p tcp -j SNAT --to-source 192.0.2.1:1000-2000/0;OK
-p tcp -j SNAT --to-source :2000;=;OK
-p tcp -j SNAT --to-source "192.0.2.1: 80";-p tcp -j SNAT --to-source 192.0.2.1:80;OK
-j SNAT --to-source 192.0.2.1 --random-fully;=;OK
-j SNAT --to-source :2000;;FAIL
-p tcp -j SNAT --to-source 192.0.2.1:http-https;;FAIL
-p tcp -j SNAT --to-source 192.0.2.1:80x;;FAIL
-p tcp -j SNAT --to-source 192.0.2.1:80-90x;;FAIL
-j SNAT --to-source 192.0.2.256;;FAIL
-j SNAT --random;;FAIL
-j SNAT --to-source 192.0.2.1 --to-source 192.0.2.2;;FAIL
-j SNAT --to-source 192.0.2.1 --random --random;;FAIL
:PREROUTING,OUTPUT
-j SNAT --to-source 192.0.2.1;;FAIL
*filter
:INPUT
-j SNAT --to-source 192.0.2.1;;FAIL
@ipv6
*nat
:POSTROUTING,INPUT
-j SNAT --to-source 2001:db8::1;=;OK
-j SNAT --to 2001:db8::1-2001:db8::5;-j SNAT --to-source 2001:db8::1-2001:db8::5;OK
-p tcp -j SNAT --to-source [2001:db8::1]:1024-2048 --random-fully;=;OK
-p tcp -j SNAT --to-source [2001:db8::1]:80-90/85;-p tcp -j SNAT --to-source [2001:db8::1]:80-90/0;OK
-j SNAT --to-source 192.0.2.1;;FAIL
-j SNAT --to-source [2001:db8::1]:80;;FAIL
:PREROUTING,OUTPUT
-j SNAT --to-source 2001:db8::1;;FAIL
