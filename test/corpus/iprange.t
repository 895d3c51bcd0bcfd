# -m iprange: inclusive address ranges; a single address saves as a-a; reversed ranges accepted.
:INPUT,FORWARD,OUTPUT
-m iprange --src-range 10.0.0.1-10.0.0.9;=;OK
-m iprange ! --dst-range 10.0.0.9-10.0.0.1 --src-range 1.2.3.4;-m iprange --src-range 1.2.3.4-1.2.3.4 ! --dst-range 10.0.0.9-10.0.0.1;OK
-m iprange --src-range 10.1-10.2;-m iprange --src-range 10.1.0.0-10.2.0.0;OK
-m iprange ! --src-range 0.0.0.0-255.255.255.255 ! --dst-range 192.168.0.1-192.168.0.254;=;OK
-m iprange --src-range 10.0.0.1-;;FAIL
-m iprange --src-range -10.0.0.1;;FAIL
-m iprange;;FAIL
-m iprange --src-range 10.0.0.1/24-10.0.0.2;;FAIL
-m iprange --src-range 256.0.0.1-10.0.0.2;;FAIL
-m iprange --src-range 10.0.0.1-10.0.0.2 --src-range 10.0.0.3;;FAIL
*nat
:PREROUTING,POSTROUTING
-m iprange --dst-range 10.96.0.0-10.96.0.255;=;OK
@ipv6
*filter
:INPUT
-m iprange --src-range 2001:db8::1-2001:db8::ff;=;OK
-m iprange ! --dst-range 2001:DB8::A;-m iprange ! --dst-range 2001:db8::a-2001:db8::a;OK
-m iprange --src-range 10.0.0.1-10.0.0.2;;FAIL
