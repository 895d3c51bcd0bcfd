# -m mac --mac-source: lower-cased, two digits a byte; only PREROUTING, INPUT, FORWARD (xt_mac).
:INPUT,FORWARD
-m mac --mac-source 00:11:22:AA:BB:CC;-m mac --mac-source 00:11:22:aa:bb:cc;OK
-m mac ! --mac-source 0:1:2:a:b:c;-m mac ! --mac-source 00:01:02:0a:0b:0c;OK
# libxtables reads each part with strtoul(…, 16) within two characters: empty parts and signs pass.
-m mac --mac-source :::::;-m mac --mac-source 00:00:00:00:00:00;OK
-m mac --mac-source +1:11:22:aa:bb:-1;-m mac --mac-source 01:11:22:aa:bb:ff;OK
-m mac --mac-source 00:11:22:aa:bb;;FAIL
-m mac --mac-source 00:11:22:aa:bb:cc:dd;;FAIL
-m mac --mac-source 000:11:22:aa:bb:cc;;FAIL
-m mac --mac-source 00-11-22-aa-bb-cc;;FAIL
-m mac --mac-source 0g:11:22:aa:bb:cc;;FAIL
-m mac;;FAIL
:OUTPUT
-m mac --mac-source 00:11:22:aa:bb:cc;;FAIL
*mangle
:PREROUTING
-m mac --mac-source 00:11:22:aa:bb:cc;=;OK
:POSTROUTING
-m mac --mac-source 00:11:22:aa:bb:cc;;FAIL
*raw
:PREROUTING
-m mac --mac-source 02:00:00:00:00:01;=;OK
@ipv6
*filter
:INPUT
-m mac --mac-source 00:11:22:33:44:55;=;OK
:OUTPUT
-m mac --mac-source 00:11:22:33:44:55;;FAIL
