# -j TTL (xt_HL.c ttl_tg, IPv4 only): mangle table only; exactly one of --ttl-set (0-255),
# --ttl-dec and --ttl-inc (1-255).
*mangle
:PREROUTING,INPUT,FORWARD,OUTPUT,POSTROUTING
-j TTL --ttl-set 64;=;OK
-j TTL --ttl-set 0;=;OK
-j TTL --ttl-set 0x40;-j TTL --ttl-set 64;OK
-j TTL --ttl-dec 1;=;OK
-j TTL --ttl-inc 255;=;OK
-j TTL --ttl-dec 0;;FAIL
-j TTL --ttl-inc 0;;FAIL
-j TTL --ttl-set 256;;FAIL
-j TTL --ttl-set -1;;FAIL
-j TTL;;FAIL
-j TTL --ttl-set 1 --ttl-dec 1;;FAIL
-j TTL --ttl-inc 1 --ttl-inc 2;;FAIL
-j TTL ! --ttl-set 1;;FAIL
*filter
:INPUT,FORWARD,OUTPUT
-j TTL --ttl-set 64;;FAIL
*raw
:OUTPUT
-j TTL --ttl-set 64;;FAIL
@ipv6
*mangle
:PREROUTING
-j TTL --ttl-set 64;;FAIL
