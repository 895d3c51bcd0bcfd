# -j TRACE (xt_TRACE): sets nf_trace; raw table only, no options.
*raw
:PREROUTING,OUTPUT
-j TRACE;=;OK
-p tcp --dport 22 -j TRACE;-p tcp -m tcp --dport 22 -j TRACE;OK
-j TRACE --bogus;;FAIL
# (iptables-nft accepts TRACE in every table, as meta nftrace; legacy refuses it outside raw.)
*filter
:INPUT,FORWARD,OUTPUT
-j TRACE;;FAIL
*mangle
:PREROUTING
-j TRACE;;FAIL
*nat
:OUTPUT
-j TRACE;;FAIL
@ipv6
*raw
:PREROUTING,OUTPUT
-j TRACE;=;OK
*filter
:INPUT
-j TRACE;;FAIL
