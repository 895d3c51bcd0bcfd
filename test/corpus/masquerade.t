# -j MASQUERADE (libxt_NAT, xt_MASQUERADE.c): --to-ports port[-port], --random, --random-fully.
# nat table, POSTROUTING only. A port needs -p tcp|udp|sctp|dccp. /base is accepted and saved as /0.
*nat
:POSTROUTING
-j MASQUERADE;=;OK
-j MASQUERADE --random-fully --random;-j MASQUERADE --random --random-fully;OK
-p tcp -j MASQUERADE --to-ports 1024-65535;=;OK
-p udp -j MASQUERADE --to 5000;-p udp -j MASQUERADE --to-ports 5000;OK
-p sctp -j MASQUERADE --to-ports domain;-p sctp -j MASQUERADE --to-ports 53;OK
-p tcp -j MASQUERADE --to-ports 1024-2048/1500;-p tcp -j MASQUERADE --to-ports 1024-2048/0;OK
-j MASQUERADE --to-ports 5000;;FAIL
-p tcp -j MASQUERADE --to-ports 1024:2048;;FAIL
-p tcp -j MASQUERADE --to-ports 192.0.2.1:80;;FAIL
-p tcp -j MASQUERADE --to-ports 2048-1024;;FAIL
-p tcp -j MASQUERADE --to-ports nosuchservice;;FAIL
-j MASQUERADE --persistent;;FAIL
-j MASQUERADE --random --random;;FAIL
:PREROUTING,INPUT,OUTPUT
-j MASQUERADE;;FAIL
:NATSIM-U
-j MASQUERADE;=;OK
*mangle
:POSTROUTING
-j MASQUERADE;;FAIL
@ipv6
*nat
:POSTROUTING
-j MASQUERADE;=;OK
-p tcp -j MASQUERADE --to-ports 1024-2048 --random;=;OK
-p udp -j MASQUERADE --to-ports 1024-65535/2000;-p udp -j MASQUERADE --to-ports 1024-65535/0;OK
-p ipv6-icmp -j MASQUERADE --to-ports 5000;;FAIL
:PREROUTING,INPUT,OUTPUT
-j MASQUERADE;;FAIL
