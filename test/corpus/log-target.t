# -j LOG (xt_LOG, libxt_LOG): any table and hook; non-terminating.
# --log-level takes 0..7 or a syslog name (exact case; "err" and "warn" are not names) and is
# saved numerically, the default 4 omitted. --log-prefix is saved with xtables_save_string.
:INPUT,FORWARD,OUTPUT
-j LOG;=;OK
-j LOG --log-level 4;-j LOG;OK
-j LOG --log-level warning;-j LOG;OK
-j LOG --log-level debug;-j LOG --log-level 7;OK
-j LOG --log-level emerg;-j LOG --log-level 0;OK
-j LOG --log-level panic;-j LOG --log-level 0;OK
-j LOG --log-level alert;-j LOG --log-level 1;OK
-j LOG --log-level crit;-j LOG --log-level 2;OK
-j LOG --log-level error;-j LOG --log-level 3;OK
-j LOG --log-level notice;-j LOG --log-level 5;OK
-j LOG --log-level info;-j LOG --log-level 6;OK
-j LOG --log-level 0x7;-j LOG --log-level 7;OK
-j LOG --log-level " +03";-j LOG --log-level 3;OK
-j LOG --log-level 8;;FAIL
-j LOG --log-level err;;FAIL
-j LOG --log-level DEBUG;;FAIL
-j LOG --log-level -1;;FAIL
-j LOG --log-level 7x;;FAIL
-j LOG --log-prefix "IN: ";=;OK
-j LOG --log-prefix abc;=;OK
-j LOG --log-prefix "abc";-j LOG --log-prefix abc;OK
-j LOG --log-prefix "it's";-j LOG --log-prefix "it\'s";OK
-j LOG --log-prefix "";;FAIL
-j LOG --log-prefix 12345678901234567890123456789;=;OK
# A longer prefix is cut to 29 bytes (the kernel field is 30 bytes with its NUL), silently.
-j LOG --log-prefix 123456789012345678901234567890;-j LOG --log-prefix 12345678901234567890123456789;OK
-j LOG --log-prefix "ü234567890123456789012345678xyz";-j LOG --log-prefix "ü234567890123456789012345678";OK
-j LOG --log-uid --log-ip-options --log-tcp-options --log-tcp-sequence --log-level 6 --log-prefix x;-j LOG --log-prefix x --log-level 6 --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid;OK
-j LOG --log-macdecode --log-uid;-j LOG --log-uid --log-macdecode;OK
-j LOG --log-pre x --log-l 1;-j LOG --log-prefix x --log-level 1;OK
-j LOG --log-uid --log-uid;;FAIL
-j LOG --log-prefix a --log-prefix b;;FAIL
-j LOG ! --log-uid;;FAIL
-j LOG --log-level;;FAIL
-j LOG --bogus;;FAIL
*nat
:PREROUTING,INPUT,OUTPUT,POSTROUTING
-j LOG --log-prefix "NAT ";=;OK
*raw
:PREROUTING,OUTPUT
-j LOG --log-level 1;=;OK
*mangle
:PREROUTING,POSTROUTING
-j LOG --log-tcp-options;=;OK
@ipv6
*filter
:INPUT,FORWARD,OUTPUT
-j LOG;=;OK
-j LOG --log-level debug --log-prefix "v6 in: ";-j LOG --log-prefix "v6 in: " --log-level 7;OK
-j LOG --log-level 9;;FAIL
