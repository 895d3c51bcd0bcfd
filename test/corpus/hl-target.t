# -j HL (xt_HL.c hl_tg6, IPv6 only): mangle table only; exactly one of --hl-set (0-255),
# --hl-dec and --hl-inc (1-255).
@ipv6
*mangle
:PREROUTING,INPUT,FORWARD,OUTPUT,POSTROUTING
-j HL --hl-set 64;=;OK
-j HL --hl-set 0;=;OK
-j HL --hl-set 0x40;-j HL --hl-set 64;OK
-j HL --hl-dec 1;=;OK
-j HL --hl-inc 255;=;OK
-j HL --hl-dec 0;;FAIL
-j HL --hl-inc 0;;FAIL
-j HL --hl-set 256;;FAIL
-j HL;;FAIL
-j HL --hl-set 1 --hl-inc 1;;FAIL
-j HL --hl-dec 1 --hl-dec 2;;FAIL
-j HL ! --hl-set 1;;FAIL
*filter
:INPUT,FORWARD,OUTPUT
-j HL --hl-set 64;;FAIL
*raw
:PREROUTING
-j HL --hl-dec 1;;FAIL
@ipv4
*mangle
:PREROUTING
-j HL --hl-set 64;;FAIL
