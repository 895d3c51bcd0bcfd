# -m addrtype: type lists in RTN_* bit order; each item a case-insensitive prefix (the first
# name it begins wins: U is UNSPEC); --limit-iface-in/out restricted by hook (kernel checkentry).
:INPUT,FORWARD,OUTPUT
-m addrtype --dst-type LOCAL,UNICAST;-m addrtype --dst-type UNICAST,LOCAL;OK
-m addrtype ! --src-type u,l --dst-type multi;-m addrtype ! --src-type UNSPEC,LOCAL --dst-type MULTICAST;OK
-m addrtype --src-type LOCAL ! --dst-type LOCAL;=;OK
-m addrtype --src-type XRESOLVE,NAT,THROW,PROHIBIT,UNREACHABLE,BLACKHOLE,ANYCAST,BROADCAST,UNSPEC;-m addrtype --src-type UNSPEC,BROADCAST,ANYCAST,BLACKHOLE,UNREACHABLE,PROHIBIT,THROW,NAT,XRESOLVE;OK
-m addrtype --src-type LOCAL --limit-iface-in --limit-iface-out;;FAIL
-m addrtype --limit-iface-in;;FAIL
-m addrtype;;FAIL
-m addrtype --src-type BOGUS;;FAIL
-m addrtype --src-type LOCAL,;;FAIL
-m addrtype --src-type LOCAL --src-type UNICAST;;FAIL
:INPUT,FORWARD
-m addrtype --src-type LOCAL --limit-iface-in;=;OK
:FORWARD,OUTPUT
-m addrtype --dst-type LOCAL --limit-iface-out;=;OK
:OUTPUT
-m addrtype --src-type LOCAL --limit-iface-in;;FAIL
:INPUT
-m addrtype --src-type LOCAL --limit-iface-out;;FAIL
*nat
:PREROUTING,OUTPUT
-m addrtype --dst-type LOCAL;=;OK
:PREROUTING
-m addrtype --dst-type LOCAL --limit-iface-in;=;OK
-m addrtype --dst-type LOCAL --limit-iface-out;;FAIL
:POSTROUTING
-m addrtype --src-type LOCAL --limit-iface-out;=;OK
-m addrtype --src-type LOCAL --limit-iface-in;;FAIL
# A user chain that no built-in chain reaches is checked with no hook at all.
:KUBE-T
-m addrtype --src-type LOCAL --limit-iface-in;=;OK
@ipv6
*filter
:INPUT
-m addrtype --src-type UNREACHABLE,LOCAL,ANYCAST,MULTICAST,UNSPEC;-m addrtype --src-type UNSPEC,LOCAL,ANYCAST,MULTICAST,UNREACHABLE;OK
-m addrtype --src-type BLACKHOLE;;FAIL
-m addrtype --src-type BROADCAST;;FAIL
-m addrtype --dst-type PROHIBIT;;FAIL
-m addrtype --src-type LOCAL --dst-type XRESOLVE;;FAIL
