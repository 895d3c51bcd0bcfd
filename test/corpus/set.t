# -m set (revision 4): ipset membership. The kernel refuses a rule naming a set that does not
# exist, so the `%` lines create the sets in the oracle's namespace; natsim is told the same sets
# (the corpus tests read the `%` lines), and refuses a missing set or one of the other family as
# iptables does. natsim has no model of the sets' members (a rule with -m set has no packet behaviour).
# Saved as --match-set, --return-nomatch, ! --update-counters, ! --update-subcounters,
# packets test, bytes test; counters in decimal.
%ipset create -exist natsim-a hash:ip
%ipset create -exist natsim-n hash:net,port
%ipset create -exist natsim-6 hash:ip family inet6
%ipset create -exist natsim-l list:set
:INPUT
-m set --match-set natsim-a src;=;OK
-m set ! --match-set natsim-a dst;=;OK
-m set --match-set natsim-n src,dst;=;OK
-m set --match-set natsim-a src,dst,src,dst,src,dst;=;OK
# only the first three letters of each direction are read
-m set --match-set natsim-a srcx,dstfoo;-m set --match-set natsim-a src,dst;OK
-m set --match-set=natsim-a src;-m set --match-set natsim-a src;OK
-m set --set natsim-a src;-m set --match-set natsim-a src;OK
-m set --match-set natsim-l src;=;OK
-m set --match-set natsim-a src --return-nomatch;=;OK
-m set --match-set natsim-a src --return-nomatch --return-nomatch;-m set --match-set natsim-a src --return-nomatch;OK
-m set --match-set natsim-a src ! --update-counters;=;OK
-m set --match-set natsim-a src --update-counters;-m set --match-set natsim-a src;OK
-m set --match-set natsim-a src ! --update-subcounters ! --update-counters;-m set --match-set natsim-a src ! --update-counters ! --update-subcounters;OK
-m set --match-set natsim-a src --packets-eq 5 --bytes-gt 100;=;OK
-m set --match-set natsim-a src ! --packets-eq 5 --bytes-lt 0x10;-m set --match-set natsim-a src ! --packets-eq 5 --bytes-lt 16;OK
-m set --match-set natsim-a src --packets-lt 5 ! --bytes-eq 7;=;OK
-m set --match-set natsim-a src --packets-eq 18446744073709551615;=;OK
-m set --bytes-gt 1 --update-counters --match-set natsim-a dst --return-nomatch;-m set --match-set natsim-a dst --return-nomatch --bytes-gt 1;OK
-m set --match-set natsim-a src -m set ! --match-set natsim-n dst,dst;=;OK
-m set --match-set natsim-a src,dst,src,dst,src,dst,src;;FAIL
-m set --match-set natsim-a foo;;FAIL
-m set --match-set natsim-a src,;;FAIL
-m set --match-set natsim-a "";;FAIL
-m set --match-set natsim-a;;FAIL
-m set --match-set natsim-a -j ACCEPT;;FAIL
-m set --match-set natsim-a ! src;;FAIL
-m set --match-set 0123456789012345678901234567890123 src;;FAIL
-m set --match-set natsim-a src ! --return-nomatch;;FAIL
-m set --match-set natsim-a src --packets-gt 5 --packets-lt 7;;FAIL
-m set --match-set natsim-a src --bytes-eq 5 --bytes-eq 7;;FAIL
-m set --match-set natsim-a src ! --packets-gt 5;;FAIL
-m set --match-set natsim-a src ! --bytes-lt 5;;FAIL
-m set --match-set natsim-a src --packets-eq 18446744073709551616;;FAIL
-m set --match-set natsim-a src --packets-eq -1;;FAIL
-m set --match-set natsim-a src --packets-eq x;;FAIL
-m set --set natsim-a src --match-set natsim-a dst;;FAIL
-m set --match-set natsim-a src --match-set natsim-a dst;;FAIL
-m set --match-set natsim-x src;;FAIL
-m set --match-set natsim-a, src;;FAIL
-m set --match-set natsim-6 src;;FAIL
-m set --match-set natsim-x foo;;FAIL
-m set;;FAIL
-m set --return-nomatch;;FAIL
:OUTPUT,FORWARD
-m set --match-set natsim-a src;=;OK
*nat
:PREROUTING,INPUT,OUTPUT,POSTROUTING
-m set --match-set natsim-a dst,src;=;OK
*raw
:PREROUTING,OUTPUT
-m set ! --match-set natsim-n dst,dst --return-nomatch;=;OK
@ipv6
*filter
:INPUT
-m set --match-set natsim-6 src;=;OK
-m set --match-set natsim-l dst ! --update-counters;=;OK
-m set --match-set natsim-6 src,dst,src,dst,src,dst,src;;FAIL
-m set --match-set natsim-a src;;FAIL
-m set --match-set natsim-n dst;;FAIL
-m set --match-set natsim-x dst;;FAIL
