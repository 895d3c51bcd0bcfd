# -j TCPMSS (xt_TCPMSS): needs -p tcp and a tcp match whose --tcp-flags comparison has SYN and
# is not inverted (the kernel checks only the comparison bits, not the mask).
# --clamp-mss-to-pmtu only from FORWARD, OUTPUT and POSTROUTING.
# (iptables-nft skips the SYN-match check (nft_compat) and merges or drops empty tcp matches;
# legacy wins.)
*mangle
:FORWARD,OUTPUT,POSTROUTING
-p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu;-p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu;OK
-p tcp --syn -j TCPMSS --set-mss 1400;-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --set-mss 1400;OK
:PREROUTING,INPUT
-p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu;;FAIL
-p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1400;-p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1400;OK
:UNREACHED
-p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu;-p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu;OK
:FORWARD
-j TCPMSS --set-mss 1400;;FAIL
-p udp -j TCPMSS --set-mss 1400;;FAIL
-p tcp -j TCPMSS --set-mss 1400;;FAIL
-p tcp --dport 80 -j TCPMSS --set-mss 1400;;FAIL
-p tcp ! --syn -j TCPMSS --set-mss 1400;;FAIL
-p tcp --tcp-flags SYN NONE -j TCPMSS --set-mss 1400;;FAIL
-p tcp --tcp-flags SYN,ACK ACK -j TCPMSS --set-mss 1400;;FAIL
# A zero mask is not saved at all, but the kernel sees SYN in the comparison and accepts.
-p tcp --tcp-flags NONE SYN -j TCPMSS --set-mss 1000;-p tcp -m tcp -j TCPMSS --set-mss 1000;OK
-p tcp --tcp-flags ALL SYN,ACK -j TCPMSS --set-mss 1000;-p tcp -m tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG SYN,ACK -j TCPMSS --set-mss 1000;OK
-p tcp -m tcp --dport 80 -m tcp --syn -j TCPMSS --set-mss 1000;-p tcp -m tcp --dport 80 -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --set-mss 1000;OK
-p tcp --syn -m comment --comment x -j TCPMSS --clamp-mss-to-pmtu;-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -m comment --comment x -j TCPMSS --clamp-mss-to-pmtu;OK
! -p tcp --syn -j TCPMSS --set-mss 1400;;FAIL
-p tcp --syn -j TCPMSS;;FAIL
-p tcp --syn -j TCPMSS --set-mss 65515;-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --set-mss 65515;OK
-p tcp --syn -j TCPMSS --set-mss 0;-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --set-mss 0;OK
-p tcp --syn -j TCPMSS --set-mss 0x578;-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --set-mss 1400;OK
-p tcp --syn -j TCPMSS --set-mss 65516;;FAIL
-p tcp --syn -j TCPMSS --set-mss abc;;FAIL
-p tcp --syn -j TCPMSS --set-mss 1400 --clamp-mss-to-pmtu;-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --clamp-mss-to-pmtu;OK
-p tcp --syn -j TCPMSS --clamp-mss-to-pmtu --set-mss 1400;-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --set-mss 1400;OK
-p tcp --syn -j TCPMSS ! --set-mss 1400;;FAIL
*filter
:FORWARD,OUTPUT
-p tcp --syn -j TCPMSS --clamp-mss-to-pmtu;-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --clamp-mss-to-pmtu;OK
:INPUT
-p tcp --syn -j TCPMSS --clamp-mss-to-pmtu;;FAIL
@ipv6
*mangle
:FORWARD,POSTROUTING
-p tcp --syn -j TCPMSS --clamp-mss-to-pmtu;-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --clamp-mss-to-pmtu;OK
-p tcp --syn -j TCPMSS --set-mss 65495;-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --set-mss 65495;OK
-p tcp --syn -j TCPMSS --set-mss 65496;;FAIL
-p tcp -j TCPMSS --set-mss 1200;;FAIL
:PREROUTING
-p tcp --syn -j TCPMSS --clamp-mss-to-pmtu;;FAIL
