# -m tcp (xt_tcpudp tcp_mt; libxt_tcp). Implicit after -p tcp; the kernel needs -p tcp (not inverted).
# Save order: --sport --dport --tcp-option --tcp-flags. Ports are C base-0 numbers or tcp services.
:INPUT,FORWARD,OUTPUT
-p tcp --dport 22;-p tcp -m tcp --dport 22;OK
-p tcp -m tcp ! --sport 1024:65535;=;OK
-p tcp --sport :1024;-p tcp -m tcp --sport 0:1024;OK
-p tcp --dport 8000:;-p tcp -m tcp --dport 8000:65535;OK
-p tcp --dport 0:65535;-p tcp -m tcp;OK
# an inverted full range is not printed at all
# nft differs: it saves an inverted full port range as a bare "-p tcp" (no -m tcp).
-p tcp ! --dport 0:65535;-p tcp -m tcp;OK
-p tcp --source-port 0x50 --destination-port 010;-p tcp -m tcp --sport 80 --dport 8;OK
-p tcp --dport www;-p tcp -m tcp --dport 80;OK
-p tcp --dport ntp;;FAIL
-p tcp --dport HTTP;;FAIL
-p tcp --dport 70000;;FAIL
-p tcp --dport -0;;FAIL
-p tcp --dport 100:50;;FAIL
-p tcp --dport 1:2:3;;FAIL
-p tcp --sport 1 --source-port 2;;FAIL
-p tcp --syn;-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN;OK
-p tcp ! --syn --dport 22 --sport 1:2 --tcp-option 3;-p tcp -m tcp --sport 1:2 --dport 22 --tcp-option 3 ! --tcp-flags FIN,SYN,RST,ACK SYN;OK
-p tcp --tcp-flags ALL NONE;-p tcp -m tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG NONE;OK
-p tcp --tcp-flags syn,,ack,fin ALL;-p tcp -m tcp --tcp-flags FIN,SYN,ACK FIN,SYN,RST,PSH,ACK,URG;OK
-p tcp --tcp-flags NONE NONE;-p tcp -m tcp;OK
# nft differs: it drops "! --tcp-flags NONE NONE" (saves a bare "-p tcp").
-p tcp ! --tcp-flags NONE NONE;-p tcp -m tcp ! --tcp-flags NONE NONE;OK
-p tcp --tcp-flags SYN,ECE SYN;;FAIL
-p tcp --tcp-flags SYN;;FAIL
-p tcp --syn --tcp-flags SYN SYN;;FAIL
-p tcp ! --tcp-option 2;-p tcp -m tcp ! --tcp-option 2;OK
-p tcp --tcp-option 0;;FAIL
-p tcp --tcp-option 256;;FAIL
-p tcp -m tcp;=;OK
-p 6 --dport 22 -j ACCEPT;-p tcp -m tcp --dport 22 -j ACCEPT;OK
-m tcp --dport 22;;FAIL
# nft differs: it accepts -m tcp after "! -p tcp"; legacy (the kernel .proto check) refuses.
! -p tcp -m tcp --dport 22;;FAIL
-p udp -m tcp --dport 22;;FAIL
*nat
:PREROUTING,POSTROUTING
-p tcp --dport 80 -j ACCEPT;-p tcp -m tcp --dport 80 -j ACCEPT;OK
@ipv6
*filter
:INPUT,OUTPUT
-p tcp --dport 22 --syn;-p tcp -m tcp --dport 22 --tcp-flags FIN,SYN,RST,ACK SYN;OK
# nft differs: it saves "! --sport 0:1023" as "--sport 1024:65535".
-p tcp ! --sport :1023;-p tcp -m tcp ! --sport 0:1023;OK
-m tcp --dport 22;;FAIL
