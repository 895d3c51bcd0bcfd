# -m state: conntrack revision 3 with the state alias; saved as -m state, list in fixed order.
:INPUT,FORWARD,OUTPUT
-m state --state ESTABLISHED,RELATED;-m state --state RELATED,ESTABLISHED;OK
-m state ! --state NEW;=;OK
-m state --state new,inv;-m state --state INVALID,NEW;OK
-m state --state UNTRACKED,NEW,INVALID;-m state --state INVALID,NEW,UNTRACKED;OK
-m state --state E,R,N,I,U;-m state --state INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED;OK
-m state --state SNAT;;FAIL
-m state --state DNAT,NEW;;FAIL
-m state;;FAIL
-m state --state NEW,;;FAIL
-m state --state ,NEW;;FAIL
-m state --state NEWS;;FAIL
-m state --state NEW --state INVALID;;FAIL
-m state --state NEW -m state --state INVALID;=;OK
*nat
:PREROUTING,OUTPUT
-m state --state NEW;=;OK
@ipv6
*filter
:INPUT
-m state --state UNTRACKED;=;OK
-m state ! --state ESTABLISHED,INVALID;-m state ! --state INVALID,ESTABLISHED;OK
