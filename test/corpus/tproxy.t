# -j TPROXY (libxt_TPROXY revision 1, xt_TPROXY.c): --on-port (required), --on-ip, --tproxy-mark value[/mask].
# mangle table, PREROUTING only; the rule must say -p tcp or -p udp, not inverted (kernel check at COMMIT).
# All three options are always saved. The port is read as getaddrinfo reads a service (decimal, low 16 bits).
*mangle
:PREROUTING
-p tcp -j TPROXY --on-port 8080;-p tcp -j TPROXY --on-port 8080 --on-ip 0.0.0.0 --tproxy-mark 0x0/0x0;OK
-p tcp -j TPROXY --on-port 0 --on-ip 10.0.0.1 --tproxy-mark 0x1/0x1;=;OK
-p udp -j TPROXY --on-port domain --on-ip 10.1 --tproxy-mark 5;-p udp -j TPROXY --on-port 53 --on-ip 10.0.0.1 --tproxy-mark 0x5/0xffffffff;OK
-p tcp -j TPROXY --on-port 80 --on-ip ::ffff:10.0.0.1;-p tcp -j TPROXY --on-port 80 --on-ip 10.0.0.1 --tproxy-mark 0x0/0x0;OK
-p tcp -j TPROXY --on-port 80 --on-ip 0x;;FAIL
-p tcp -j TPROXY --tproxy-mark 1/0 --on-port 080;-p tcp -j TPROXY --on-port 80 --on-ip 0.0.0.0 --tproxy-mark 0x1/0x0;OK
-p tcp -j TPROXY --on-port 70000;-p tcp -j TPROXY --on-port 4464 --on-ip 0.0.0.0 --tproxy-mark 0x0/0x0;OK
-p tcp -j TPROXY --on-port 0x50;;FAIL
-p tcp -j TPROXY --on-port -1;;FAIL
-p tcp -j TPROXY --on-ip 10.0.0.1;;FAIL
-p tcp -j TPROXY --on-port 80 --on-port 90;;FAIL
-p tcp -j TPROXY --on-port 80 ! --on-ip 10.0.0.1;;FAIL
-p tcp -j TPROXY --on-port 80 --on-ip 10.0.0.1/24;;FAIL
-p tcp -j TPROXY --on-port 80 --tproxy-mark 0x1/0x1/3;;FAIL
-p tcp -j TPROXY --on-port 80 --tproxy-mark 4294967296;;FAIL
-p tcp -j TPROXY --on-port 80 --tproxy-mark 0x1/;;FAIL
-j TPROXY --on-port 80;;FAIL
! -p tcp -j TPROXY --on-port 80;;FAIL
-p sctp -j TPROXY --on-port 80;;FAIL
:INPUT,FORWARD,OUTPUT,POSTROUTING
-p tcp -j TPROXY --on-port 80;;FAIL
*nat
:PREROUTING
-p tcp -j TPROXY --on-port 80;;FAIL
*raw
:PREROUTING
-p tcp -j TPROXY --on-port 80;;FAIL
@ipv6
*mangle
:PREROUTING
-p tcp -j TPROXY --on-port 80;-p tcp -j TPROXY --on-port 80 --on-ip :: --tproxy-mark 0x0/0x0;OK
-p udp -j TPROXY --on-port 80 --on-ip 2001:db8::1 --tproxy-mark 0x10/0xf0;=;OK
-p tcp -j TPROXY --on-port 80 --on-ip 10.0.0.1;;FAIL
-p tcp -j TPROXY --on-port 80 --on-ip [::1];;FAIL
-p ipv6-icmp -j TPROXY --on-port 80;;FAIL
:OUTPUT
-p tcp -j TPROXY --on-port 80;;FAIL
