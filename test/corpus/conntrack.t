# -m conntrack (revision 3): state lists in fixed order, --ctproto numeric, host addresses without
# a full mask (and not masked), every option in libxt_conntrack's save order.
:INPUT,FORWARD,OUTPUT
-m conntrack --ctstate ESTABLISHED,RELATED;-m conntrack --ctstate RELATED,ESTABLISHED;OK
-m conntrack --ctstate e,r,n,i,u,s,d;-m conntrack --ctstate INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED,SNAT,DNAT;OK
-m conntrack ! --ctstate NEW --ctproto tcp;-m conntrack ! --ctstate NEW --ctproto 6;OK
-m conntrack --ctstate NEW,;;FAIL
-m conntrack --ctstate ,NEW;;FAIL
-m conntrack --ctstate NEWX;;FAIL
-m conntrack --ctproto all;-m conntrack --ctproto 0;OK
-m conntrack ! --ctproto udp;-m conntrack ! --ctproto 17;OK
# libxt_conntrack checks the inverted-protocol bit, which is an inverted --ctstatus given before.
-m conntrack ! --ctstatus NONE --ctproto 0;;FAIL
-m conntrack --ctorigsrc 10.1.2.3/8;=;OK
-m conntrack --ctorigsrc 10.0.0.0/255.0.0.0;-m conntrack --ctorigsrc 10.0.0.0/8;OK
# iptables 1.8.9 turns a non-contiguous mask into the full mask.
-m conntrack --ctorigsrc 10.1.2.3/255.0.255.0;-m conntrack --ctorigsrc 10.1.2.3;OK
-m conntrack --ctorigdst 10.1;-m conntrack --ctorigdst 10.0.0.1;OK
-m conntrack --ctorigdst 010.1.2;-m conntrack --ctorigdst 8.1.0.2;OK
-m conntrack --ctorigdst 10.0.0.1/32 --ctrepldst 1.2.3.4/0 ! --ctreplsrc 5.6.7.8/24;-m conntrack --ctorigdst 10.0.0.1 ! --ctreplsrc 5.6.7.8/24 --ctrepldst 1.2.3.4/0;OK
-m conntrack --ctorigsrc 10.1.2.3/;;FAIL
-m conntrack --ctorigsrc /8;;FAIL
-m conntrack --ctorigsrc ::ffff:1.2.3.4;-m conntrack --ctorigsrc 1.2.3.4;OK
-m conntrack --ctrepldst 16909060/16;-m conntrack --ctrepldst 1.2.3.4/16;OK
-m conntrack --ctorigdst ::ffff:10.1.2.3%7/255.255.0.0;-m conntrack --ctorigdst 10.1.2.3/16;OK
-m conntrack --ctorigsrc 0x;;FAIL
-m conntrack --ctorigsrc 2001:db8::1;;FAIL
-m conntrack --ctorigsrc 10.1.2.3.4;;FAIL
-m conntrack --ctorigdstport 80 --ctorigsrcport 1:2 --ctreplsrcport http --ctrepldstport 0:80;-m conntrack --ctorigsrcport 1:2 --ctorigdstport 80 --ctreplsrcport 80 --ctrepldstport 0:80;OK
-m conntrack --ctorigdstport 80:;-m conntrack --ctorigdstport 80:65535;OK
-m conntrack ! --ctorigdstport :80;-m conntrack ! --ctorigdstport 0:80;OK
-m conntrack --ctorigdstport 80:0;-m conntrack --ctorigdstport 80;OK
-m conntrack --ctorigdstport 1:2:3;;FAIL
# Ports are getaddrinfo services: decimal only, cut to 16 bits; an empty side keeps 0 or 65535.
-m conntrack --ctorigdstport 70000;-m conntrack --ctorigdstport 4464;OK
-m conntrack --ctorigdstport 010;-m conntrack --ctorigdstport 10;OK
-m conntrack --ctorigdstport :;-m conntrack --ctorigdstport 0:65535;OK
-m conntrack --ctorigdstport 0x50;;FAIL
-m conntrack --ctorigdstport nosuchservice;;FAIL
-m conntrack --ctstatus ASSURED,SEEN_REPLY,expected,c;-m conntrack --ctstatus EXPECTED,SEEN_REPLY,ASSURED,CONFIRMED;OK
-m conntrack ! --ctstatus NONE,ASSURED;-m conntrack ! --ctstatus ASSURED;OK
-m conntrack --ctstatus NONE;=;OK
-m conntrack --ctstatus BOGUS;;FAIL
-m conntrack --ctexpire 5:3;=;OK
-m conntrack --ctexpire 5:5;-m conntrack --ctexpire 5;OK
-m conntrack --ctexpire :5;-m conntrack --ctexpire 0:5;OK
-m conntrack ! --ctexpire 0x10:;-m conntrack ! --ctexpire 16:4294967295;OK
-m conntrack --ctexpire 4294967296;;FAIL
-m conntrack --ctexpire 1:2:3;;FAIL
-m conntrack --ctdir reply;-m conntrack --ctdir REPLY;OK
-m conntrack --ctdir Original;-m conntrack --ctdir ORIGINAL;OK
-m conntrack ! --ctdir REPLY;;FAIL
-m conntrack --ctdir BOTH;;FAIL
-m conntrack;;FAIL
-m conntrack --ctstate NEW --ctstate NEW;;FAIL
-m conntrack --ctdir REPLY --ctexpire 1 --ctstatus NONE --ctrepldstport 1 --ctreplsrcport 2 --ctorigdstport 3 --ctorigsrcport 4 --ctrepldst 1.1.1.1 --ctreplsrc 2.2.2.2 --ctorigdst 3.3.3.3 --ctorigsrc 4.4.4.4 --ctproto 17 --ctstate NEW;-m conntrack --ctstate NEW --ctproto 17 --ctorigsrc 4.4.4.4 --ctorigdst 3.3.3.3 --ctreplsrc 2.2.2.2 --ctrepldst 1.1.1.1 --ctorigsrcport 4 --ctorigdstport 3 --ctreplsrcport 2 --ctrepldstport 1 --ctstatus NONE --ctexpire 1 --ctdir REPLY;OK
*nat
:PREROUTING,POSTROUTING
-m conntrack --ctstate DNAT;=;OK
@ipv6
*filter
:INPUT
-m conntrack --ctorigsrc 2001:db8::1 --ctorigdst 2001:db8::/32 --ctrepldst ::1/128 --ctreplsrc fe80::/ffff::;-m conntrack --ctorigsrc 2001:db8::1 --ctorigdst 2001:db8::/32 --ctreplsrc fe80::/16 --ctrepldst ::1;OK
-m conntrack --ctorigsrc 2001:db8::1/ffff::ffff;-m conntrack --ctorigsrc 2001:db8::1;OK
-m conntrack --ctorigsrc 2001:db8::1/129;;FAIL
-m conntrack --ctorigsrc 10.0.0.1;;FAIL
-m conntrack --ctstate RELATED,ESTABLISHED --ctproto ipv6-icmp;-m conntrack --ctstate RELATED,ESTABLISHED --ctproto 58;OK
