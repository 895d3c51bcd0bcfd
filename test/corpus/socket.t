# -m socket: iptables 1.8.9 picks revision 3 (--transparent, --nowildcard, --restore-skmark),
# saved in that order. The kernel allows every revision from PREROUTING and INPUT only.
:INPUT
-m socket;=;OK
-m socket --transparent;=;OK
-m socket --nowildcard;=;OK
-m socket --restore-skmark;=;OK
-m socket --restore-skmark --nowildcard --transparent;-m socket --transparent --nowildcard --restore-skmark;OK
-m socket ! --transparent;;FAIL
-m socket --transparent --transparent;;FAIL
-m socket --transparent=1;;FAIL
:OUTPUT,FORWARD
-m socket;;FAIL
*mangle
:PREROUTING,INPUT
-m socket --transparent --restore-skmark;=;OK
:FORWARD,OUTPUT,POSTROUTING
-m socket --nowildcard;;FAIL
*nat
:PREROUTING,INPUT
-m socket --nowildcard;=;OK
:OUTPUT,POSTROUTING
-m socket --nowildcard;;FAIL
*raw
:PREROUTING
-m socket;=;OK
:OUTPUT
-m socket;;FAIL
@ipv6
*mangle
:PREROUTING
-m socket --transparent --nowildcard;=;OK
:OUTPUT
-m socket --transparent;;FAIL
