# -m multiport (xt_multiport revision 1; libxt_multiport). Needs -p tcp, udp, udplite, sctp or dccp
# (not inverted) before the option; at most 15 slots, a range a:b (a < b) takes two.
# Saved with numbers, commas, in input order.
:INPUT,FORWARD,OUTPUT
-p tcp -m multiport --dports 80,443,8000:8080;=;OK
-p tcp -m multiport ! --sports 80;=;OK
-p tcp -m multiport --source-ports ssh,0x10,010;-p tcp -m multiport --sports 22,16,8;OK
-p tcp -m multiport --destination-ports 3,1,2,1;-p tcp -m multiport --dports 3,1,2,1;OK
-p udp -m multiport --ports domain,ntp;-p udp -m multiport --ports 53,123;OK
-p udplite -m multiport --dports 1,2;=;OK
-p dccp -m multiport --dports 1:2;=;OK
-p sctp -m multiport --dports 1,2;=;OK
-p tcp -m multiport --dports 1:65535;=;OK
-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15;=;OK
-p tcp -m multiport --dports 1:2,3,4,5,6,7,8,9,10,11,12,13,14,15;=;OK
-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16;;FAIL
-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14:15;=;OK
-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15:16;;FAIL
-p udp -m multiport --dports ssh;;FAIL
-p udplite -m multiport --dports domain;;FAIL
-p tcp -m multiport --dports 5:1;;FAIL
-p tcp -m multiport --dports 5:5;;FAIL
-p tcp -m multiport --dports :5;;FAIL
-p tcp -m multiport --dports 1,,2;;FAIL
-p tcp -m multiport --dports 1:2:3;;FAIL
-p tcp -m multiport --dports 1 --sports 2;;FAIL
-p tcp -m multiport --dports 1 --destination-ports 2;;FAIL
-p tcp -m multiport;;FAIL
-p icmp -m multiport --dports 1,2;;FAIL
-m multiport --dports 1,2;;FAIL
! -p tcp -m multiport --dports 1,2;;FAIL
-m multiport --dports 1 -p tcp;;FAIL
-p tcp -m multiport --dports 80 -m multiport --sports 1024:65535 -j ACCEPT;=;OK
@ipv6
:INPUT,OUTPUT
-p tcp -m multiport --dports 22,80:81;=;OK
-p ipv6-icmp -m multiport --dports 1;;FAIL
