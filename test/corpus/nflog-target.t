# -j NFLOG (xt_NFLOG, libxt_NFLOG): any table and hook. Saved in the order prefix, group (when
# not 0), size (whenever given) or range (when not 0), threshold (when not 0).
:INPUT,FORWARD,OUTPUT
-j NFLOG;=;OK
-j NFLOG --nflog-group 0;-j NFLOG;OK
-j NFLOG --nflog-group 5;=;OK
-j NFLOG --nflog-group 65535;=;OK
-j NFLOG --nflog-group 0x10;-j NFLOG --nflog-group 16;OK
-j NFLOG --nflog-group 65536;;FAIL
-j NFLOG --nflog-group -1;;FAIL
-j NFLOG --nflog-prefix "foo bar";=;OK
-j NFLOG --nflog-prefix foo;=;OK
-j NFLOG --nflog-prefix "";;FAIL
-j NFLOG --nflog-prefix 123456789012345678901234567890123456789012345678901234567890123;=;OK
# (iptables-nft keeps all 64 bytes here, and drops --nflog-range 128 below; legacy wins.)
# A longer prefix is cut to 63 bytes, silently.
-j NFLOG --nflog-prefix 1234567890123456789012345678901234567890123456789012345678901234;-j NFLOG --nflog-prefix 123456789012345678901234567890123456789012345678901234567890123;OK
-j NFLOG --nflog-size 128;=;OK
-j NFLOG --nflog-size 0;=;OK
-j NFLOG --nflog-size 4294967295;=;OK
-j NFLOG --nflog-size 4294967296;;FAIL
-j NFLOG --nflog-range 128;=;OK
-j NFLOG --nflog-range 0;-j NFLOG;OK
-j NFLOG --nflog-range 1 --nflog-size 2;;FAIL
-j NFLOG --nflog-threshold 0;-j NFLOG;OK
-j NFLOG --nflog-threshold 1;=;OK
-j NFLOG --nflog-threshold 65536;;FAIL
-j NFLOG --nflog-threshold 10 --nflog-size 64 --nflog-group 2 --nflog-prefix x;-j NFLOG --nflog-prefix x --nflog-group 2 --nflog-size 64 --nflog-threshold 10;OK
-j NFLOG --nflog-group 1 --nflog-group 2;;FAIL
-j NFLOG ! --nflog-group 1;;FAIL
-j NFLOG --nflog-group abc;;FAIL
-j NFLOG --nflog-group 3x;;FAIL
*mangle
:PREROUTING,POSTROUTING
-j NFLOG --nflog-group 3;=;OK
*raw
:PREROUTING,OUTPUT
-j NFLOG --nflog-prefix r;=;OK
@ipv6
*filter
:INPUT,OUTPUT
-j NFLOG --nflog-group 3 --nflog-prefix "v6 ";-j NFLOG --nflog-prefix "v6 " --nflog-group 3;OK
-j NFLOG --nflog-size 1 --nflog-range 1;;FAIL
