# -m ttl (IPv4 only; xt_hl ttl_mt; libipt_ttl). Exactly one of --ttl-eq (invertible: not equal),
# --ttl-lt, --ttl-gt, each 0..255 (C base 0). --ttl is a hidden alias of --ttl-eq.
:INPUT,FORWARD,OUTPUT
-m ttl --ttl-eq 64;=;OK
-m ttl ! --ttl-eq 64;=;OK
-m ttl --ttl-lt 0;=;OK
-m ttl --ttl-gt 255;=;OK
-m ttl --ttl-gt 0x10;-m ttl --ttl-gt 16;OK
-m ttl --ttl 5;-m ttl --ttl-eq 5;OK
-m ttl ! --ttl 5;-m ttl ! --ttl-eq 5;OK
-m ttl ! --ttl-lt 64;;FAIL
-m ttl ! --ttl-gt 64;;FAIL
-m ttl --ttl-eq 256;;FAIL
-m ttl --ttl-eq -1;;FAIL
-m ttl --ttl-eq 64 --ttl-lt 3;;FAIL
-m ttl --ttl-eq 5 --ttl 6;;FAIL
-m ttl --ttl-lt 5 --ttl-lt 6;;FAIL
-m ttl;;FAIL
*mangle
:PREROUTING,POSTROUTING
-m ttl --ttl-lt 2 -j DROP;=;OK
@ipv6
*filter
:INPUT
-m ttl --ttl-eq 64;;FAIL
