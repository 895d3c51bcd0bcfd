# -m policy: IPsec policy of the packet. --dir is required; --pol defaults to ipsec and is always
# saved. Element options save as reqid, spi (hex), proto (name), mode, tunnel-dst, tunnel-src.
# Without --mode the element is in transport mode, so --tunnel-src/dst need --mode tunnel.
:INPUT
-m policy --dir in;-m policy --dir in --pol ipsec;OK
-m policy --dir in --pol none;=;OK
-m policy --dir=in --pol ipsec;-m policy --dir in --pol ipsec;OK
-m policy --dir in --pol ipsec --reqid 5 --spi 0x100 --proto esp --mode tunnel --tunnel-src 10.0.0.1/8 --tunnel-dst 10.1.1.1;-m policy --dir in --pol ipsec --reqid 5 --spi 0x100 --proto esp --mode tunnel --tunnel-dst 10.1.1.1 --tunnel-src 10.0.0.1/8;OK
-m policy --dir in --pol ipsec ! --reqid 5 ! --spi 256 ! --proto 51 ! --mode transport;-m policy --dir in --pol ipsec ! --reqid 5 ! --spi 0x100 ! --proto ah ! --mode transport;OK
-m policy --dir in --pol ipsec --proto ipcomp;=;OK
-m policy --dir in --pol ipsec --proto IPSEC-ESP;-m policy --dir in --pol ipsec --proto esp;OK
-m policy --dir in --reqid 4294967295 --spi 0;-m policy --dir in --pol ipsec --reqid 4294967295 --spi 0x0;OK
-m policy --dir in --pol ipsec ! --mode transport --tunnel-src 1.2.3.4;=;OK
-m policy --dir in --pol ipsec --mode tunnel --tunnel-src 1.2.3.4/255.255.0.0;-m policy --dir in --pol ipsec --mode tunnel --tunnel-src 1.2.3.4/16;OK
-m policy --dir in --pol ipsec --mode tunnel ! --tunnel-dst 10.1/0;-m policy --dir in --pol ipsec --mode tunnel ! --tunnel-dst 10.0.0.1/0;OK
-m policy --dir in --pol ipsec --strict --reqid 1 --next --reqid 2;=;OK
-m policy --dir in --pol ipsec --strict --mode tunnel --tunnel-src 1.1.1.1 --next --proto esp --reqid 3 --next --spi 1 --next --mode transport;-m policy --dir in --pol ipsec --strict --mode tunnel --tunnel-src 1.1.1.1 --next --reqid 3 --proto esp --next --spi 0x1 --next --mode transport;OK
# with --pol none the element options are read but not kept
-m policy --dir in --pol none --reqid 1;-m policy --dir in --pol none;OK
-m policy --pol ipsec;;FAIL
-m policy ! --dir in;;FAIL
-m policy --dir up;;FAIL
-m policy --dir in --dir out;;FAIL
-m policy --dir in --pol foo;;FAIL
-m policy --dir in --pol none --pol ipsec;;FAIL
-m policy --dir in --proto tcp;;FAIL
-m policy --dir in --proto ESP;;FAIL
-m policy --dir in --mode foo;;FAIL
-m policy --dir in --reqid -1;;FAIL
-m policy --dir in --spi 4294967296;;FAIL
-m policy --dir in --reqid 1 --reqid 2;;FAIL
-m policy --dir in --reqid 1 --next --reqid 2;;FAIL
-m policy --dir in --strict;;FAIL
-m policy --dir in --strict --reqid 1 --next;;FAIL
-m policy --dir in --strict --reqid 1 --strict;;FAIL
-m policy --dir in --strict --reqid 1 --next --reqid 2 --next --reqid 3 --next --reqid 4 --next --reqid 5;;FAIL
-m policy --dir in --pol none --strict;;FAIL
-m policy --dir in --tunnel-src 1.2.3.4;;FAIL
-m policy --dir in --mode transport --tunnel-dst 1.2.3.4;;FAIL
-m policy --dir in ! --mode tunnel --tunnel-src 1.2.3.4;;FAIL
-m policy --dir in --mode tunnel --tunnel-src ::1;;FAIL
# --po is ambiguous (--pol, and iptables' own --policy)
-m policy --dir in --po none;;FAIL
# the kernel: --dir out not from PREROUTING/INPUT, --dir in not from OUTPUT/POSTROUTING
-m policy --dir out;;FAIL
:FORWARD
-m policy --dir in --pol ipsec;=;OK
-m policy --dir out --pol none;=;OK
:OUTPUT
-m policy --dir out --pol ipsec;=;OK
-m policy --dir in;;FAIL
*mangle
:PREROUTING
-m policy --dir in --pol ipsec;=;OK
-m policy --dir out --pol ipsec;;FAIL
:POSTROUTING
-m policy --dir out --pol ipsec --strict --proto esp;=;OK
-m policy --dir in --pol ipsec;;FAIL
@ipv6
*filter
:INPUT
-m policy --dir in --pol ipsec --mode tunnel --tunnel-src 2001:db8::1/64 --tunnel-dst ::1 --proto esp;-m policy --dir in --pol ipsec --proto esp --mode tunnel --tunnel-dst ::1 --tunnel-src 2001:db8::1/64;OK
-m policy --dir in --pol ipsec --mode tunnel --tunnel-src 2001:db8::1/ffff::;-m policy --dir in --pol ipsec --mode tunnel --tunnel-src 2001:db8::1/16;OK
-m policy --dir in --pol ipsec --mode tunnel --tunnel-src 1.2.3.4;;FAIL
:OUTPUT
-m policy --dir in;;FAIL
