# -m limit: rate saved in the largest clean unit (default 3/hour); burst only when not 5.
# The legacy kernel refuses a burst of 0 and slow rates whose credits overflow (xt_limit
# limit_mt_check, -ERANGE); iptables-nft accepts all of those (burst 0 too, saved without it); legacy wins.
:INPUT,FORWARD,OUTPUT
-m limit;-m limit --limit 3/hour;OK
-m limit --limit 1/s;-m limit --limit 1/sec;OK
-m limit --limit 60/min;-m limit --limit 1/sec;OK
-m limit --limit 120/m --limit-burst 10;-m limit --limit 2/sec --limit-burst 10;OK
-m limit --limit 5;-m limit --limit 5/sec;OK
-m limit --limit 7/s;-m limit --limit 7/sec;OK
-m limit --limit 3/MINUTE;-m limit --limit 3/min;OK
-m limit --limit 7/hour;=;OK
-m limit --limit 24/day;-m limit --limit 1/hour;OK
-m limit --limit 10000/s;-m limit --limit 10000/sec;OK
-m limit --limit-burst 10000 --limit 100/s;-m limit --limit 100/sec --limit-burst 10000;OK
-m limit --limit 1/h --limit-burst 5;-m limit --limit 1/hour;OK
-m limit --limit 1/h --limit-burst 4;-m limit --limit 1/hour --limit-burst 4;OK
# atoi reads the number: leading blanks and a sign pass, trailing junk is ignored.
-m limit --limit "+3x/s";-m limit --limit 3/sec;OK
-m limit --limit 10001/s;;FAIL
-m limit --limit -1/s;;FAIL
-m limit --limit 3/seconds;;FAIL
-m limit --limit 3/;;FAIL
-m limit --limit 0/s;;FAIL
-m limit --limit x/s;;FAIL
-m limit --limit-burst 10001;;FAIL
-m limit ! --limit 1/s;;FAIL
-m limit --limit 1/s --limit 2/s;;FAIL
# Kernel boundary (HZ·credits per jiffy = 32000): burst 0, and slow rates with large bursts.
-m limit --limit-burst 0;;FAIL
-m limit --limit 1/day --limit-burst 1;=;OK
-m limit --limit 1/day --limit-burst 2;;FAIL
-m limit --limit 2/day --limit-burst 3;=;OK
-m limit --limit 2/day --limit-burst 4;;FAIL
# The product wraps in 32 bits, so the refused bursts are not a contiguous range.
-m limit --limit 2/day --limit-burst 5;-m limit --limit 2/day;OK
-m limit --limit 3/day;;FAIL
-m limit --limit 3/day --limit-burst 4;=;OK
-m limit --limit 1/hour --limit-burst 37;=;OK
-m limit --limit 1/hour --limit-burst 38;;FAIL
-m limit --limit 3/hour --limit-burst 111;=;OK
-m limit --limit 3/hour --limit-burst 112;;FAIL
-m limit --limit 1/min --limit-burst 2236;=;OK
-m limit --limit 1/min --limit-burst 2237;;FAIL
-m limit --limit 1/sec --limit-burst 10000;=;OK
*nat
:PREROUTING,POSTROUTING
-m limit --limit 100/s --limit-burst 200;-m limit --limit 100/sec --limit-burst 200;OK
@ipv6
*filter
:INPUT
-m limit --limit 30/min --limit-burst 1;-m limit --limit 30/min --limit-burst 1;OK
