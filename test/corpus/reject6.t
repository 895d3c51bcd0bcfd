# -j REJECT for IPv6 (libip6t_REJECT, ip6t_REJECT.c): filter table, INPUT/FORWARD/OUTPUT only.
# Types by case-insensitive prefix of a name or alias, first in table order (an empty word is
# icmp6-no-route); canonical names saved, default icmp6-port-unreachable. tcp-reset needs -p tcp.
@ipv6
:INPUT,FORWARD,OUTPUT
-j REJECT;-j REJECT --reject-with icmp6-port-unreachable;OK
-j REJECT --reject-with icmp6-no-route;=;OK
-j REJECT --reject-with no-route;-j REJECT --reject-with icmp6-no-route;OK
-j REJECT --reject-with adm-prohibited;-j REJECT --reject-with icmp6-adm-prohibited;OK
-j REJECT --reject-with addr-unreach;-j REJECT --reject-with icmp6-addr-unreachable;OK
-j REJECT --reject-with port-unreach;-j REJECT --reject-with icmp6-port-unreachable;OK
-j REJECT --reject-with POLICY-FAIL;-j REJECT --reject-with icmp6-policy-fail;OK
-j REJECT --reject-with reject-route;-j REJECT --reject-with icmp6-reject-route;OK
-j REJECT --reject-with icmp6-a;-j REJECT --reject-with icmp6-adm-prohibited;OK
-j REJECT --reject-with "";-j REJECT --reject-with icmp6-no-route;OK
-p tcp -j REJECT --reject-with tcp-reset;=;OK
-j REJECT --reject-with tcp-reset;;FAIL
! -p tcp -j REJECT --reject-with tcp-reset;;FAIL
-j REJECT --reject-with icmp6-not-neighbour;;FAIL
-j REJECT --reject-with admin-prohibited;;FAIL
-j REJECT --reject-with echo-reply;;FAIL
-j REJECT --reject-with icmp-port-unreachable;;FAIL
-j REJECT --reject-with no-route --reject-with no-route;;FAIL
*mangle
:INPUT,FORWARD,OUTPUT
-j REJECT;;FAIL
