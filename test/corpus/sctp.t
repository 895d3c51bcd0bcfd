# -m sctp (xt_sctp; libxt_sctp). The kernel needs -p sctp. Ports are printed whenever given,
# even 0:65535; chunk lists are printed in chunk-type order with flags (upper case = set).
:INPUT,FORWARD,OUTPUT
-p sctp --dport 80;-p sctp -m sctp --dport 80;OK
-p sctp --sport :80 ! --dport 1:;-p sctp -m sctp --sport 0:80 ! --dport 1:65535;OK
-p sctp --dport 0:65535;-p sctp -m sctp --dport 0:65535;OK
-p sctp ! --source-port 0x10;-p sctp -m sctp ! --sport 16;OK
-p sctp --dport amqp;-p sctp -m sctp --dport 5672;OK
-p sctp --dport http;;FAIL
-p sctp --dport 100:50;;FAIL
-p sctp --dport 5 --destination-port 6;;FAIL
-p sctp --chunk-types any INIT,DATA;-p sctp -m sctp --chunk-types any DATA,INIT;OK
-p sctp --chunk-types ALL all;-p sctp -m sctp --chunk-types all ALL;OK
-p sctp --chunk-types only none;-p sctp -m sctp --chunk-types only NONE;OK
-p sctp ! --chunk-types any data:Be,abort:t;-p sctp -m sctp ! --chunk-types any DATA:Be,ABORT:t;OK
-p sctp --chunk-types any DATA:I,ABORT:T,SHUTDOWN_COMPLETE:t,DATA:b;-p sctp -m sctp --chunk-types any DATA:Ib,ABORT:T,SHUTDOWN_COMPLETE:t;OK
-p sctp --chunk-types any ASCONF,ASCONF_ACK,FORWARD_TSN,HEARTBEAT_ACK;-p sctp -m sctp --chunk-types any HEARTBEAT_ACK,ASCONF_ACK,FORWARD_TSN,ASCONF;OK
-p sctp --dport 5 --chunk-types any COOKIE_ECHO,,COOKIE_ACK;-p sctp -m sctp --dport 5 --chunk-types any COOKIE_ECHO,COOKIE_ACK;OK
-p sctp --chunk-types some DATA;;FAIL
-p sctp --chunk-types any FOO;;FAIL
-p sctp --chunk-types any INIT:x;;FAIL
-p sctp --chunk-types any DATA,ALL;;FAIL
-p sctp --chunk-types any;;FAIL
-p sctp --chunk-types any DATA --chunk-types any INIT;;FAIL
-p sctp -m sctp;=;OK
-m sctp --dport 80;;FAIL
-p tcp -m sctp --dport 80;;FAIL
@ipv6
:INPUT,OUTPUT
-p sctp --dport 80 --chunk-types any INIT;-p sctp -m sctp --dport 80 --chunk-types any INIT;OK
-m sctp --dport 80;;FAIL
