# -j REJECT for IPv4 (libipt_REJECT, ipt_REJECT.c): filter table, INPUT/FORWARD/OUTPUT only.
# --reject-with takes any case-insensitive prefix of a name or alias (first in table order wins);
# the canonical name is saved, the default icmp-port-unreachable included. tcp-reset needs -p tcp,
# not inverted (kernel check at COMMIT). echo-reply is no longer accepted.
:INPUT,FORWARD,OUTPUT
-j REJECT;-j REJECT --reject-with icmp-port-unreachable;OK
-j REJECT --reject-with icmp-net-unreachable;=;OK
-j REJECT --reject-with host-unreach;-j REJECT --reject-with icmp-host-unreachable;OK
-j REJECT --reject-with proto-unreach;-j REJECT --reject-with icmp-proto-unreachable;OK
-j REJECT --reject-with port-unreach;-j REJECT --reject-with icmp-port-unreachable;OK
-j REJECT --reject-with net-prohib;-j REJECT --reject-with icmp-net-prohibited;OK
-j REJECT --reject-with ICMP-HOST-PROHIBITED;-j REJECT --reject-with icmp-host-prohibited;OK
-j REJECT --reject-with admin-prohib;-j REJECT --reject-with icmp-admin-prohibited;OK
-j REJECT --reject-with icmp-p;-j REJECT --reject-with icmp-proto-unreachable;OK
-j REJECT --reject-with "";-j REJECT --reject-with icmp-net-unreachable;OK
-p tcp -j REJECT --reject-with tcp-rst;-p tcp -j REJECT --reject-with tcp-reset;OK
-p tcp -j REJECT --reject-with tcp-reset;=;OK
-j REJECT --reject-with tcp-reset;;FAIL
! -p tcp -j REJECT --reject-with tcp-reset;;FAIL
-p udp -j REJECT --reject-with tcp-reset;;FAIL
-j REJECT --reject-with echo-reply;;FAIL
-j REJECT --reject-with icmp-foo;;FAIL
-j REJECT --reject-with icmp-port-unreachablex;;FAIL
-j REJECT --reject-with icmp6-port-unreachable;;FAIL
-j REJECT --reject-with net-unreach --reject-with host-unreach;;FAIL
-j REJECT ! --reject-with net-unreach;;FAIL
:NATSIM-U
-j REJECT;-j REJECT --reject-with icmp-port-unreachable;OK
*mangle
:PREROUTING,INPUT,FORWARD,OUTPUT,POSTROUTING
-j REJECT;;FAIL
*raw
:OUTPUT
-j REJECT;;FAIL
*nat
:OUTPUT
-j REJECT;;FAIL
*security
:INPUT
-j REJECT;;FAIL
