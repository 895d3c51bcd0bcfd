# -m tcpmss (xt_tcpmss; libxt_tcpmss). The kernel needs -p tcp. C base-0 numbers 0..65535.
:INPUT,FORWARD,OUTPUT
-p tcp -m tcpmss --mss 1460;=;OK
-p tcp -m tcpmss --mss 1000:1500;=;OK
-p tcp -m tcpmss ! --mss 1000:1500;=;OK
-p tcp -m tcpmss --mss :1000;-p tcp -m tcpmss --mss 0:1000;OK
-p tcp -m tcpmss --mss 1000:;-p tcp -m tcpmss --mss 1000:65535;OK
-p tcp -m tcpmss --mss 0x10;-p tcp -m tcpmss --mss 16;OK
-p tcp -m tcpmss --mss 5:5;-p tcp -m tcpmss --mss 5;OK
-p tcp -m tcpmss --mss 0:65535;=;OK
-p tcp -m tcpmss --mss 1500:1000;;FAIL
-p tcp -m tcpmss --mss 65536;;FAIL
-p tcp -m tcpmss --mss 1-2;;FAIL
-p tcp -m tcpmss --mss 1:2:3;;FAIL
-p tcp -m tcpmss --mss 1 --mss 2;;FAIL
-p tcp -m tcpmss;;FAIL
-p udp -m tcpmss --mss 1;;FAIL
-m tcpmss --mss 1;;FAIL
*mangle
:PREROUTING,POSTROUTING
-p tcp --tcp-flags SYN,RST SYN -m tcpmss --mss 1400:65535 -j ACCEPT;-p tcp -m tcp --tcp-flags SYN,RST SYN -m tcpmss --mss 1400:65535 -j ACCEPT;OK
@ipv6
*filter
:INPUT,OUTPUT
-p tcp -m tcpmss --mss 1220;=;OK
-m tcpmss --mss 1220;;FAIL
