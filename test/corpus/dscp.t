# -m dscp (xt_dscp dscp_mt; libxt_dscp). --dscp 0..63 (C base 0) or --dscp-class NAME, never
# both; saved as --dscp 0xNN. A class matches when the text starts with its name (EFX is EF).
:INPUT,FORWARD,OUTPUT
-m dscp --dscp 32;-m dscp --dscp 0x20;OK
-m dscp --dscp 0;-m dscp --dscp 0x00;OK
-m dscp --dscp 010;-m dscp --dscp 0x08;OK
-m dscp ! --dscp 0x3f;=;OK
-m dscp --dscp-class EF;-m dscp --dscp 0x2e;OK
-m dscp --dscp-class af11;-m dscp --dscp 0x0a;OK
-m dscp --dscp-class BE;-m dscp --dscp 0x00;OK
-m dscp --dscp-class CS7;-m dscp --dscp 0x38;OK
-m dscp ! --dscp-class AF43;-m dscp ! --dscp 0x26;OK
-m dscp --dscp-class EFX;-m dscp --dscp 0x2e;OK
-m dscp --dscp 64;;FAIL
-m dscp --dscp-class XX;;FAIL
-m dscp --dscp-class AF1;;FAIL
-m dscp --dscp 1 --dscp-class EF;;FAIL
-m dscp --dscp 1 --dscp 2;;FAIL
-m dscp;;FAIL
*mangle
:PREROUTING,POSTROUTING
-m dscp --dscp-class AF21 -j ACCEPT;-m dscp --dscp 0x12 -j ACCEPT;OK
@ipv6
*filter
:INPUT,OUTPUT
-m dscp --dscp-class EF;-m dscp --dscp 0x2e;OK
-m dscp ! --dscp 46;-m dscp ! --dscp 0x2e;OK
