# -j MARK: every spelling is stored and saved as --set-xmark value/mask.
*mangle
:PREROUTING,INPUT,FORWARD,OUTPUT,POSTROUTING
-j MARK --set-mark 0x10;-j MARK --set-xmark 0x10/0xffffffff;OK
-j MARK --set-mark 0x1/0xff;-j MARK --set-xmark 0x1/0xff;OK
-j MARK --set-xmark 0x4000/0x0;=;OK
-j MARK --or-mark 0x4000;-j MARK --set-xmark 0x4000/0x4000;OK
-j MARK --and-mark 0xff;-j MARK --set-xmark 0x0/0xffffff00;OK
-j MARK --xor-mark 8;-j MARK --set-xmark 0x8/0x0;OK
-j MARK --set-mark 5;-j MARK --set-xmark 0x5/0xffffffff;OK
-j MARK;;FAIL
-j MARK --set-mark 1 --or-mark 2;;FAIL
-j MARK --set-mark abc;;FAIL
-j MARK ! --set-mark 1;;FAIL
*nat
:PREROUTING,POSTROUTING,OUTPUT
-j MARK --or-mark 0x4000;-j MARK --set-xmark 0x4000/0x4000;OK
*filter
:INPUT
-j MARK --set-xmark 0x1/0x1;=;OK
@ipv6
*mangle
:OUTPUT
-j MARK --set-mark 7;-j MARK --set-xmark 0x7/0xffffffff;OK
