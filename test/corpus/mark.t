# -m mark: (skb->mark & mask) == value; saved in hex, the mask only when not 0xffffffff.
*mangle
:PREROUTING,INPUT,FORWARD,OUTPUT,POSTROUTING
-m mark --mark 1;-m mark --mark 0x1;OK
-m mark --mark 0x4000/0x4000;=;OK
-m mark ! --mark 0x4000/0x4000;=;OK
-m mark --mark 0x00004000/0x00004000;-m mark --mark 0x4000/0x4000;OK
-m mark --mark 16/0xffffffff;-m mark --mark 0x10;OK
-m mark --mark 010;-m mark --mark 0x8;OK
-m mark --mark 0xffffffff/0;-m mark --mark 0xffffffff/0x0;OK
-m mark;;FAIL
-m mark --mark x;;FAIL
-m mark --mark 0x100000000;;FAIL
-m mark --mark 1/2/3;;FAIL
*filter
:INPUT
-m mark --mark 0x5 -j ACCEPT;=;OK
@ipv6
*filter
:FORWARD
-m mark ! --mark 0x1/0xff;=;OK
