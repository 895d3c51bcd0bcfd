# -m hl (IPv6 only; xt_hl hl_mt6; libip6t_hl). Exactly one of --hl-eq (invertible: not equal),
# --hl-lt, --hl-gt, each 0..255 (C base 0). --hl is a hidden alias of --hl-eq.
@ipv6
:INPUT,FORWARD,OUTPUT
-m hl --hl-eq 64;=;OK
-m hl ! --hl-eq 64;=;OK
-m hl --hl-lt 0x10;-m hl --hl-lt 16;OK
-m hl --hl-gt 254;=;OK
-m hl --hl 5;-m hl --hl-eq 5;OK
-m hl ! --hl 255;-m hl ! --hl-eq 255;OK
-m hl ! --hl-lt 64;;FAIL
-m hl --hl-eq 256;;FAIL
-m hl --hl-eq 1 --hl-gt 2;;FAIL
-m hl --hl-eq 5 --hl-eq 6;;FAIL
-m hl;;FAIL
*mangle
:PREROUTING,POSTROUTING
-p ipv6-icmp -m hl --hl-eq 255 -j ACCEPT;=;OK
@ipv4
*filter
:INPUT
-m hl --hl-eq 64;;FAIL
