# -m length (xt_length; libxt_length). C base-0 numbers 0..65535; min > max is accepted as given.
:INPUT,FORWARD,OUTPUT
-m length --length 100;=;OK
-m length --length 100:200;=;OK
-m length ! --length 100:200;=;OK
-m length --length :200;-m length --length 0:200;OK
-m length --length 200:;-m length --length 200:65535;OK
-m length --length 200:100;=;OK
-m length --length 0x20;-m length --length 32;OK
-m length --length 010;-m length --length 8;OK
-m length --length 7:7;-m length --length 7;OK
-m length --length 0:65535;=;OK
-m length --length 65536;;FAIL
-m length --length 1:2:3;;FAIL
-m length --length a;;FAIL
-m length --length 5x;;FAIL
-m length --length 1 --length 2;;FAIL
-m length;;FAIL
*raw
:PREROUTING,OUTPUT
-p udp -m length --length 0:28 -j DROP;=;OK
@ipv6
*filter
:INPUT,OUTPUT
-m length --length 1280:;-m length --length 1280:65535;OK
! -p ipv6-icmp -m length ! --length 40;=;OK
-m length;;FAIL
