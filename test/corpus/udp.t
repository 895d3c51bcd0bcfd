# -m udp (xt_tcpudp udp_mt; libxt_udp, x6 port-range parser). The kernel needs -p udp.
# Ports: decimal numbers (glibc getaddrinfo: cut to 16 bits, no hex), or any service name;
# a range is not checked for min <= max.
:INPUT,FORWARD,OUTPUT
-p udp --dport 53;-p udp -m udp --dport 53;OK
-p udp -m udp ! --sport 1024:65535;=;OK
-p udp --sport :1024;-p udp -m udp --sport 0:1024;OK
-p udp --dport 8000:;-p udp -m udp --dport 8000:65535;OK
-p udp --dport 0:65535;-p udp -m udp;OK
# nft differs: it saves an inverted full port range as a bare "-p udp" (no -m udp).
-p udp ! --dport :;-p udp -m udp;OK
-p udp --dport 100:50;-p udp -m udp --dport 100:50;OK
-p udp --source-port domain --destination-port ntp;-p udp -m udp --sport 53 --dport 123;OK
-p udp --dport ssh;-p udp -m udp --dport 22;OK
-p udp --dport 010;-p udp -m udp --dport 10;OK
-p udp --dport 70000;-p udp -m udp --dport 4464;OK
-p udp --dport 0x50;;FAIL
-p udp --dport -1;;FAIL
-p udp --dport nosuchservice;;FAIL
-p udp --dport 1:2:3;;FAIL
-p udp --sport 1 --source-port 2;;FAIL
-p udp --dport 1 --dport 2;;FAIL
-p udp ! --dport 53 -j DROP;-p udp -m udp ! --dport 53 -j DROP;OK
-p udp -m udp;=;OK
-m udp --dport 53;;FAIL
# nft differs: it accepts -m udp after "! -p udp"; legacy (the kernel .proto check) refuses.
! -p udp -m udp --dport 53;;FAIL
-p tcp -m udp --dport 53;;FAIL
@ipv6
:INPUT,OUTPUT
-p udp --dport 546:547;-p udp -m udp --dport 546:547;OK
-m udp --dport 53;;FAIL
