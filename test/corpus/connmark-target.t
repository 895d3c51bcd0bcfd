# -j CONNMARK (xt_connmark revision 2): any table and hook. --set-mark/--and/--or/--xor-mark are
# saved as --set-xmark value/ctmask; --save-mark and --restore-mark always print both masks.
*mangle
:PREROUTING,INPUT,FORWARD,OUTPUT,POSTROUTING
-j CONNMARK --set-mark 1;-j CONNMARK --set-xmark 0x1/0xffffffff;OK
-j CONNMARK --set-mark 0x1/0xff;-j CONNMARK --set-xmark 0x1/0xff;OK
-j CONNMARK --set-mark 0x100/0xff;-j CONNMARK --set-xmark 0x100/0x1ff;OK
-j CONNMARK --set-xmark 0x10/0x30;=;OK
-j CONNMARK --set-xmark 5;-j CONNMARK --set-xmark 0x5/0xffffffff;OK
-j CONNMARK --and-mark 0xff;-j CONNMARK --set-xmark 0x0/0xffffff00;OK
-j CONNMARK --or-mark 0x4;-j CONNMARK --set-xmark 0x4/0x4;OK
-j CONNMARK --xor-mark 0x4;-j CONNMARK --set-xmark 0x4/0x0;OK
-j CONNMARK --save-mark;-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff;OK
-j CONNMARK --restore-mark;-j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff;OK
-j CONNMARK --save-mark --mask 0xff;-j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff;OK
-j CONNMARK --restore-mark --nfmask 0xf0 --ctmask 0x0f;-j CONNMARK --restore-mark --nfmask 0xf0 --ctmask 0xf;OK
-j CONNMARK --save-mark --ctmask 0xff;-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xff;OK
-j CONNMARK --set-mark 1 --mask 0xff;-j CONNMARK --set-xmark 0x1/0xff;OK
-j CONNMARK --mask 0xff --set-mark 1;-j CONNMARK --set-xmark 0x1/0xffffffff;OK
-j CONNMARK --set-xmark 1/3 --nfmask 7;-j CONNMARK --set-xmark 0x1/0x3;OK
-j CONNMARK --save-mark --left-shift-mark 4;-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff --left-shift-mark 4;OK
-j CONNMARK --restore-mark --right-shift-mark 8;-j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff --right-shift-mark 8;OK
-j CONNMARK --set-xmark 1/1 --right-shift-mark 0;-j CONNMARK --set-xmark 0x1/0x1;OK
-j CONNMARK --save-mark --left-shift-mark 2 --right-shift-mark 3;-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff --right-shift-mark 3;OK
-j CONNMARK --save-mark --left-shift-mark 31;-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff --left-shift-mark 31;OK
-j CONNMARK --save-mark --left-shift-mark 32;;FAIL
-j CONNMARK --save-mark --left-shift-mark 33;;FAIL
-j CONNMARK --save-mark --mask 1 --ctmask 2;;FAIL
-j CONNMARK --save-mark --restore-mark;;FAIL
-j CONNMARK --set-mark 1 --save-mark;;FAIL
-j CONNMARK --set-mark 1 --set-xmark 2;;FAIL
-j CONNMARK;;FAIL
-j CONNMARK --mask 0xff;;FAIL
-j CONNMARK --set-mark 0x100000000;;FAIL
-j CONNMARK --set-mark 1/2/3;;FAIL
-j CONNMARK --set-mark 1/;;FAIL
-j CONNMARK ! --save-mark;;FAIL
*filter
:INPUT,FORWARD,OUTPUT
-j CONNMARK --restore-mark --mask 0x1;-j CONNMARK --restore-mark --nfmask 0x1 --ctmask 0x1;OK
*nat
:PREROUTING,POSTROUTING
-j CONNMARK --or-mark 0x2;-j CONNMARK --set-xmark 0x2/0x2;OK
*raw
:PREROUTING,OUTPUT
-j CONNMARK --set-mark 2;-j CONNMARK --set-xmark 0x2/0xffffffff;OK
@ipv6
*mangle
:PREROUTING,OUTPUT
-j CONNMARK --save-mark;-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff;OK
-j CONNMARK --set-mark 3/0xf;-j CONNMARK --set-xmark 0x3/0xf;OK
-j CONNMARK --restore-mark --right-shift-mark 32;;FAIL
