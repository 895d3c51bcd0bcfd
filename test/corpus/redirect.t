# -j REDIRECT (libxt_NAT, xt_REDIRECT.c): --to-ports port[-port], --random.
# nat table, PREROUTING and OUTPUT only. A port needs -p tcp|udp|sctp|dccp; a /base is refused.
*nat
:PREROUTING,OUTPUT
-j REDIRECT;=;OK
-p tcp -j REDIRECT;=;OK
-p tcp -j REDIRECT --to-ports 8080;=;OK
-p udp -j REDIRECT --to-ports 8080-8090 --random;=;OK
-p tcp -j REDIRECT --to 3128;-p tcp -j REDIRECT --to-ports 3128;OK
-p tcp -j REDIRECT --to-ports http-alt;-p tcp -j REDIRECT --to-ports 8080;OK
-p tcp -j REDIRECT --to-ports 010;-p tcp -j REDIRECT --to-ports 8;OK
-j REDIRECT --to-ports 8080;;FAIL
-p tcp -j REDIRECT --to-ports 8080-8090/8085;;FAIL
-p tcp -j REDIRECT --to-ports :8080;;FAIL
-p tcp -j REDIRECT --to-ports 65536;;FAIL
-p tcp -j REDIRECT --to-ports 80 --to-ports 90;;FAIL
-j REDIRECT --random-fully;;FAIL
-j REDIRECT --persistent;;FAIL
:INPUT,POSTROUTING
-j REDIRECT;;FAIL
*filter
:INPUT
-j REDIRECT;;FAIL
@ipv6
*nat
:PREROUTING,OUTPUT
-p tcp -j REDIRECT --to-ports 8080;=;OK
-p tcp -j REDIRECT --to-ports 8080-8090 --random;=;OK
-p tcp -j REDIRECT --to-ports 8080-8090/8085;;FAIL
:INPUT,POSTROUTING
-p tcp -j REDIRECT --to-ports 8080;;FAIL
