# -j TOS (xt_DSCP.c tos_tg, libxt_TOS revision 1): mangle table only. Every form is saved as
# --set-tos 0xVV/0xMM: a number alone gets mask 0xff, a symbolic name mask 0x3f, --and-tos V is
# 0x00/~V, --or-tos V is V/V, --xor-tos V is V/0x00.
*mangle
:PREROUTING,INPUT,FORWARD,OUTPUT,POSTROUTING
-j TOS --set-tos 0x10;-j TOS --set-tos 0x10/0xff;OK
-j TOS --set-tos 16;-j TOS --set-tos 0x10/0xff;OK
-j TOS --set-tos 0x10/0x3f;=;OK
-j TOS --set-tos 0/0;-j TOS --set-tos 0x00/0x00;OK
-j TOS --set-tos Minimize-Delay;-j TOS --set-tos 0x10/0x3f;OK
-j TOS --set-tos minimize-cost;-j TOS --set-tos 0x02/0x3f;OK
-j TOS --set-tos Maximize-Throughput;-j TOS --set-tos 0x08/0x3f;OK
-j TOS --set-tos Maximize-Reliability;-j TOS --set-tos 0x04/0x3f;OK
-j TOS --set-tos Normal-Service;-j TOS --set-tos 0x00/0x3f;OK
-j TOS --and-tos 0x0f;-j TOS --set-tos 0x00/0xf0;OK
-j TOS --or-tos 0x08;-j TOS --set-tos 0x08/0x08;OK
-j TOS --xor-tos 0x01;-j TOS --set-tos 0x01/0x00;OK
-j TOS --and-tos 255;-j TOS --set-tos 0x00/0x00;OK
-j TOS --set-tos 0xff/0xff;=;OK
-j TOS --set-tos 0x100;;FAIL
-j TOS --set-tos 0x10/0x100;;FAIL
-j TOS --set-tos 0x10/;;FAIL
-j TOS --set-tos " 0x10";-j TOS --set-tos 0x10/0xff;OK
-j TOS --set-tos "0x10 ";;FAIL
-j TOS --set-tos minimize;;FAIL
-j TOS --set-tos Fast;;FAIL
-j TOS --set-tos 0x10abc;;FAIL
-j TOS --and-tos 256;;FAIL
-j TOS --or-tos 0x1/0x1;;FAIL
-j TOS;;FAIL
-j TOS --set-tos 1 --or-tos 2;;FAIL
-j TOS --set-tos 1 --set-tos 2;;FAIL
-j TOS ! --set-tos 1;;FAIL
*filter
:INPUT,FORWARD,OUTPUT
-j TOS --set-tos 0x10;;FAIL
*raw
:PREROUTING
-j TOS --set-tos 0x10;;FAIL
@ipv6
*mangle
:PREROUTING,POSTROUTING
-j TOS --set-tos 0x10;-j TOS --set-tos 0x10/0xff;OK
-j TOS --set-tos Minimize-Delay;-j TOS --set-tos 0x10/0x3f;OK
-j TOS --xor-tos 3;-j TOS --set-tos 0x03/0x00;OK
*filter
:OUTPUT
-j TOS --set-tos 0x10;;FAIL
