# -j NOTRACK: iptables 1.8.9 loads it as CT revision 2 with the NOTRACK alias flag and saves it as
# -j NOTRACK again; raw table only, no options.
*raw
:PREROUTING,OUTPUT
-j NOTRACK;=;OK
-p udp --dport 53 -j NOTRACK;-p udp -m udp --dport 53 -j NOTRACK;OK
-j NOTRACK --notrack;;FAIL
-j NOTRACK --zone 1;;FAIL
*filter
:INPUT,OUTPUT
-j NOTRACK;;FAIL
*mangle
:PREROUTING
-j NOTRACK;;FAIL
@ipv6
*raw
:PREROUTING,OUTPUT
-j NOTRACK;=;OK
*filter
:INPUT
-j NOTRACK;;FAIL
