# -m rpfilter: reverse-path check by route lookup; raw and mangle tables, PREROUTING only.
# Options are saved in the order loose, validmark, accept-local, invert.
*raw
:PREROUTING
-m rpfilter;=;OK
-m rpfilter --loose;=;OK
-m rpfilter --validmark --accept-local;=;OK
-m rpfilter --invert --accept-local --validmark --loose;-m rpfilter --loose --validmark --accept-local --invert;OK
-m rpfilter --invert -j DROP;=;OK
-m rpfilter --loose --loose;;FAIL
-m rpfilter ! --loose;;FAIL
-m rpfilter --strict;;FAIL
:OUTPUT
-m rpfilter;;FAIL
*mangle
:PREROUTING
-m rpfilter --loose;=;OK
:INPUT,FORWARD,OUTPUT,POSTROUTING
-m rpfilter --loose;;FAIL
*filter
:INPUT,FORWARD,OUTPUT
-m rpfilter;;FAIL
*nat
:PREROUTING
-m rpfilter;;FAIL
@ipv6
*raw
:PREROUTING
-m rpfilter --validmark --invert;=;OK
:OUTPUT
-m rpfilter;;FAIL
*mangle
:PREROUTING
-m rpfilter --accept-local;=;OK
*filter
:INPUT
-m rpfilter;;FAIL
