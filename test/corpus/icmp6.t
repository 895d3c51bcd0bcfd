# -m icmp6 (IPv6 only; ip6_tables icmp6_match; libip6t_icmp6). The kernel needs -p ipv6-icmp
# (icmpv6 and 58 are accepted). Names are stored as numbers; 1.8.9 has no "any" and no MLD names.
@ipv6
:INPUT,FORWARD,OUTPUT
-p ipv6-icmp --icmpv6-type echo-request;-p ipv6-icmp -m icmp6 --icmpv6-type 128;OK
-p icmpv6 --icmpv6-type Neighbor-Solicitation;-p ipv6-icmp -m icmp6 --icmpv6-type 135;OK
-p 58 --icmpv6-type port-unreachable;-p ipv6-icmp -m icmp6 --icmpv6-type 1/4;OK
-p ipv6-icmp --icmpv6-type redirect;-p ipv6-icmp -m icmp6 --icmpv6-type 137;OK
-p ipv6-icmp --icmpv6-type packet-too;-p ipv6-icmp -m icmp6 --icmpv6-type 2;OK
-p ipv6-icmp -m icmp6 --icmpv6-type 1/4;=;OK
-p ipv6-icmp --icmpv6-type 1/2:3;-p ipv6-icmp -m icmp6 --icmpv6-type 1/2;OK
-p ipv6-icmp --icmpv6-type 1/0:255;-p ipv6-icmp -m icmp6 --icmpv6-type 1;OK
-p ipv6-icmp -m icmp6 --icmpv6-type 255;=;OK
-p ipv6-icmp -m icmp6 --icmpv6-type 0;=;OK
-p ipv6-icmp ! --icmpv6-type 128;-p ipv6-icmp -m icmp6 ! --icmpv6-type 128;OK
-p ipv6-icmp --icmpv6-type any;;FAIL
-p ipv6-icmp --icmpv6-type mld-listener-query;;FAIL
-p ipv6-icmp --icmpv6-type neighbo;;FAIL
-p ipv6-icmp --icmpv6-type 1:2;;FAIL
-p ipv6-icmp --icmpv6-type 256;;FAIL
-p ipv6-icmp --icmpv6-type 1/x;;FAIL
-p ipv6-icmp --icmpv6-type 1 --icmpv6-type 2;;FAIL
-p ipv6-icmp -m icmp6;;FAIL
-p ipv6-icmp -m icmp6 --icmp-type 1;;FAIL
-m icmp6 --icmpv6-type 1;;FAIL
-p icmp -m icmp6 --icmpv6-type 1;;FAIL
-p ipv6-icmp --icmpv6-type 135 -j ACCEPT;-p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT;OK
@ipv4
:INPUT
-p icmp -m icmp6 --icmpv6-type 1;;FAIL
