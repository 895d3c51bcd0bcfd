# -m connmark: (ct mark & mask) == value; hex, mask omitted when 0xffffffff (xt_connmark).
:INPUT,FORWARD,OUTPUT
-m connmark --mark 1;-m connmark --mark 0x1;OK
-m connmark ! --mark 0x10/0xf0;=;OK
-m connmark --mark 0x10/0xffffffff;-m connmark --mark 0x10;OK
-m connmark --mark 010/0;-m connmark --mark 0x8/0x0;OK
-m connmark --mark 0xffffffff/0xffff;=;OK
-m connmark;;FAIL
-m connmark --mark 0x100000000;;FAIL
-m connmark --mark 1/;;FAIL
-m connmark --mark bogus;;FAIL
-m connmark --mark 1 --mark 2;;FAIL
*mangle
:PREROUTING,POSTROUTING
-m connmark --mark 0x4000/0x4000;=;OK
@ipv6
*filter
:INPUT
-m connmark ! --mark 7;-m connmark ! --mark 0x7;OK
