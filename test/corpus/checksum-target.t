# -j CHECKSUM --checksum-fill (xt_CHECKSUM): mangle table only; the option is mandatory.
*mangle
:PREROUTING,INPUT,FORWARD,OUTPUT,POSTROUTING
-j CHECKSUM --checksum-fill;=;OK
-p udp --dport 68 -j CHECKSUM --checksum-fill;-p udp -m udp --dport 68 -j CHECKSUM --checksum-fill;OK
-j CHECKSUM --checksum;-j CHECKSUM --checksum-fill;OK
-j CHECKSUM;;FAIL
-j CHECKSUM --checksum-fill --checksum-fill;;FAIL
-j CHECKSUM ! --checksum-fill;;FAIL
*filter
:INPUT,FORWARD,OUTPUT
-j CHECKSUM --checksum-fill;;FAIL
*raw
:PREROUTING
-j CHECKSUM --checksum-fill;;FAIL
@ipv6
*mangle
:PREROUTING,POSTROUTING
-j CHECKSUM --checksum-fill;=;OK
*filter
:OUTPUT
-j CHECKSUM --checksum-fill;;FAIL
