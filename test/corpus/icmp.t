# -m icmp (IPv4 only; ip_tables icmp_match; libipt_icmp). The kernel needs -p icmp.
# Names (any unique prefix, any case) are stored as numbers; type 255 is saved as any;
# only the first code of a code range is saved.
:INPUT,FORWARD,OUTPUT
-p icmp --icmp-type echo-request;-p icmp -m icmp --icmp-type 8;OK
-p icmp --icmp-type ECHO-REQ;-p icmp -m icmp --icmp-type 8;OK
-p icmp --icmp-type ping;-p icmp -m icmp --icmp-type 8;OK
-p icmp --icmp-type port-unreachable;-p icmp -m icmp --icmp-type 3/3;OK
-p icmp --icmp-type tos-network-redirect;-p icmp -m icmp --icmp-type 5/2;OK
-p icmp --icmp-type destination-unreachable;-p icmp -m icmp --icmp-type 3;OK
-p icmp -m icmp --icmp-type 3/4;=;OK
-p icmp --icmp-type 3/1:4;-p icmp -m icmp --icmp-type 3/1;OK
-p icmp --icmp-type 3/0:255;-p icmp -m icmp --icmp-type 3;OK
-p icmp --icmp-type 0x8;-p icmp -m icmp --icmp-type 8;OK
-p icmp -m icmp --icmp-type any;=;OK
-p icmp --icmp-type 255/3;-p icmp -m icmp --icmp-type any;OK
-p icmp ! --icmp-type 8;-p icmp -m icmp ! --icmp-type 8;OK
-p icmp --icmp-type echo;;FAIL
-p icmp --icmp-type 256;;FAIL
-p icmp --icmp-type 3:4;;FAIL
-p icmp --icmp-type 3/4x;;FAIL
-p icmp --icmp-type 3/;;FAIL
-p icmp --icmp-type mld-listener-query;;FAIL
-p icmp --icmp-type 8 --icmp-type 0;;FAIL
-p icmp -m icmp;;FAIL
-m icmp --icmp-type 8;;FAIL
-p udp -m icmp --icmp-type 8;;FAIL
-p icmp --icmp-type 0 -j ACCEPT;-p icmp -m icmp --icmp-type 0 -j ACCEPT;OK
@ipv6
:INPUT
-p icmp --icmp-type 8;;FAIL
-m icmp --icmp-type 8;;FAIL
