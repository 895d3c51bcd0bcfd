# -m hashlimit (revision 3): defaults printed (--hashlimit-burst 5), modes in srcip,srcport,
# dstip,dstport order, masks only when not the full length, the expiry only when it differs from
# the printed unit. Each line uses its own name: the kernel shares a table between rules of one name.
:INPUT,FORWARD,OUTPUT
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h01;-m hashlimit --hashlimit-upto 10/sec --hashlimit-burst 5 --hashlimit-name h01;OK
-m hashlimit --hashlimit 10/s --hashlimit-name h02 --hashlimit-mode srcip;-m hashlimit --hashlimit-upto 10/sec --hashlimit-burst 5 --hashlimit-mode srcip --hashlimit-name h02;OK
-m hashlimit --hashlimit-above 60/min --hashlimit-name h03 --hashlimit-mode dstport,dstip,srcport,srcip;-m hashlimit --hashlimit-above 1/sec --hashlimit-burst 5 --hashlimit-mode srcip,srcport,dstip,dstport --hashlimit-name h03 --hashlimit-htable-expire 60000;OK
-m hashlimit ! --hashlimit-above 60/min --hashlimit-name h04;-m hashlimit --hashlimit-upto 1/sec --hashlimit-burst 5 --hashlimit-name h04 --hashlimit-htable-expire 60000;OK
-m hashlimit ! --hashlimit-upto 60/min --hashlimit-name h05 --hashlimit-htable-expire 1000;-m hashlimit --hashlimit-above 1/sec --hashlimit-burst 5 --hashlimit-name h05;OK
-m hashlimit --hashlimit-upto 1/hour --hashlimit-name h06 --hashlimit-burst 10 --hashlimit-htable-size 100 --hashlimit-htable-max 200 --hashlimit-htable-gcinterval 500 --hashlimit-htable-expire 3600000 --hashlimit-srcmask 24 --hashlimit-dstmask 16;-m hashlimit --hashlimit-upto 1/hour --hashlimit-burst 10 --hashlimit-name h06 --hashlimit-htable-size 100 --hashlimit-htable-max 200 --hashlimit-htable-gcinterval 500 --hashlimit-srcmask 24 --hashlimit-dstmask 16;OK
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h07 --hashlimit-mode srcip|dstip --hashlimit-srcmask 255.255.255.0 --hashlimit-dstmask 32;-m hashlimit --hashlimit-upto 10/sec --hashlimit-burst 5 --hashlimit-mode srcip,dstip --hashlimit-name h07 --hashlimit-srcmask 24;OK
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h08 --hashlimit-mode ,srcip, --hashlimit-srcmask 0;-m hashlimit --hashlimit-upto 10/sec --hashlimit-burst 5 --hashlimit-mode srcip --hashlimit-name h08 --hashlimit-srcmask 0;OK
-m hashlimit --hashlimit-upto 7/hour --hashlimit-name h09 --hashlimit-burst 5k;-m hashlimit --hashlimit-upto 7/hour --hashlimit-burst 5120 --hashlimit-name h09;OK
-m hashlimit --hashlimit-upto 1000000/sec --hashlimit-name h10 --hashlimit-burst 1000000;-m hashlimit --hashlimit-upto 1000000/sec --hashlimit-burst 1000000 --hashlimit-name h10;OK
# The kernel cuts the table size and maximum to 1048576.
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h11 --hashlimit-htable-size 2000000 --hashlimit-htable-max 3000000;-m hashlimit --hashlimit-upto 10/sec --hashlimit-burst 5 --hashlimit-name h11 --hashlimit-htable-size 1048576 --hashlimit-htable-max 1048576;OK
# Byte rates: no packet burst; a byte burst is printed in the largest unit it reaches.
-m hashlimit --hashlimit-upto 100kb/s --hashlimit-name h12;=;OK
-m hashlimit --hashlimit-above 1mb/s --hashlimit-burst 2mb --hashlimit-name h13;=;OK
-m hashlimit --hashlimit-upto 512b/s --hashlimit-name h14;=;OK
-m hashlimit --hashlimit-upto 1mb/s --hashlimit-burst 1k --hashlimit-name h15;;FAIL
# --hashlimit-rate-match divides the period by the unit; the interval defaults to the unit.
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h16 --hashlimit-rate-match;-m hashlimit --hashlimit-upto 10/sec --hashlimit-burst 5 --hashlimit-name h16 --hashlimit-rate-match;OK
-m hashlimit --hashlimit-upto 60/min --hashlimit-name h17 --hashlimit-rate-match --hashlimit-rate-interval 5;-m hashlimit --hashlimit-upto 60/sec --hashlimit-burst 5 --hashlimit-name h17 --hashlimit-htable-expire 60000 --hashlimit-rate-match --hashlimit-rate-interval 5;OK
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h18 --hashlimit-rate-interval 5;-m hashlimit --hashlimit-upto 10/sec --hashlimit-burst 5 --hashlimit-name h18;OK
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h19 --hashlimit-rate-interval 0;;FAIL
# Names are printed as stored (254 bytes at most, no quoting); the kernel refuses a "/".
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name "h20 x";-m hashlimit --hashlimit-upto 10/sec --hashlimit-burst 5 --hashlimit-name h20 x;OK
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb;-m hashlimit --hashlimit-upto 10/sec --hashlimit-burst 5 --hashlimit-name bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb;OK
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h21/x;;FAIL
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name "";;FAIL
-m hashlimit --hashlimit-upto 10/sec;;FAIL
-m hashlimit --hashlimit-name h22;;FAIL
-m hashlimit --hashlimit-upto 10/sec --hashlimit-above 5/sec --hashlimit-name h23;;FAIL
-m hashlimit --hashlimit 10/sec --hashlimit-upto 5/sec --hashlimit-name h24;;FAIL
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h25 --hashlimit-mode bogus;;FAIL
-m hashlimit --hashlimit-upto 1000001/sec --hashlimit-name h26;;FAIL
-m hashlimit --hashlimit-upto 0/sec --hashlimit-name h27;;FAIL
-m hashlimit --hashlimit-upto 10/fortnight --hashlimit-name h28;;FAIL
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h29 --hashlimit-srcmask 33;;FAIL
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h30 --hashlimit-srcmask 255.255.0.255;;FAIL
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h31 --hashlimit-htable-gcinterval 0;;FAIL
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h32 --hashlimit-htable-expire 0;;FAIL
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h33 --hashlimit-burst 0;;FAIL
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h34 --hashlimit-burst 1000001;;FAIL
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h35 --hashlimit-burst 1000k;;FAIL
# Kernel credit overflow (HZ=250): slow rates refuse some large bursts (-ERANGE).
-m hashlimit --hashlimit-upto 1/day --hashlimit-name h36 --hashlimit-burst 1;-m hashlimit --hashlimit-upto 1/day --hashlimit-burst 1 --hashlimit-name h36;OK
-m hashlimit --hashlimit-upto 1/day --hashlimit-name h37 --hashlimit-burst 2;;FAIL
-m hashlimit --hashlimit-upto 1/day --hashlimit-name h38 --hashlimit-burst 1000;-m hashlimit --hashlimit-upto 1/day --hashlimit-burst 1000 --hashlimit-name h38;OK
-m hashlimit --hashlimit-upto 1/hour --hashlimit-name h39 --hashlimit-burst 37;-m hashlimit --hashlimit-upto 1/hour --hashlimit-burst 37 --hashlimit-name h39;OK
-m hashlimit --hashlimit-upto 1/hour --hashlimit-name h40 --hashlimit-burst 38;;FAIL
-m hashlimit --hashlimit-upto 1/min --hashlimit-name h41 --hashlimit-burst 2237;;FAIL
*mangle
:PREROUTING,POSTROUTING
-m hashlimit --hashlimit-above 100/sec --hashlimit-mode srcip,dstport --hashlimit-name h42;-m hashlimit --hashlimit-above 100/sec --hashlimit-burst 5 --hashlimit-mode srcip,dstport --hashlimit-name h42;OK
@ipv6
*filter
:INPUT
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h43 --hashlimit-srcmask 64;-m hashlimit --hashlimit-upto 10/sec --hashlimit-burst 5 --hashlimit-name h43 --hashlimit-srcmask 64;OK
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h44 --hashlimit-srcmask 128 --hashlimit-dstmask ffff:ffff::;-m hashlimit --hashlimit-upto 10/sec --hashlimit-burst 5 --hashlimit-name h44 --hashlimit-dstmask 32;OK
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h45 --hashlimit-srcmask 129;;FAIL
-m hashlimit --hashlimit-upto 10/sec --hashlimit-name h46 --hashlimit-dstmask ffff::ffff;;FAIL
