# The rule header: addresses, interfaces, protocol, fragments (ip_tables' ipt_ip / ip6t_ip6).
:INPUT,FORWARD
-s 1.2.3.4;-s 1.2.3.4/32;OK
-s 1.2.3.4/24;-s 1.2.3.0/24;OK
-s 1.2.3.4/255.255.0.0;-s 1.2.0.0/16;OK
-s 1.2.3.4/255.0.255.0;-s 1.0.3.0/255.0.255.0;OK
-s 10.1;-s 10.1.0.0/32;OK
-s 0x0a.0.0.1;-s 10.0.0.1/32;OK
! -s 10.0.0.0/8;=;OK
-s 0.0.0.0/0;;OK
! -d 0.0.0.0/0;=;OK
--source 1.2.3.4 --destination 5.6.7.8;-s 1.2.3.4/32 -d 5.6.7.8/32;OK
--src 1.2.3.4 --dst=5.6.7.8/0;-s 1.2.3.4/32;OK
-d 5.6.7.8 -s 1.2.3.4;-s 1.2.3.4/32 -d 5.6.7.8/32;OK
-s 1.2.3.4/33;;FAIL
-s 1.2.3.256;;FAIL
-s not-a-host.invalid;;FAIL
-s 16909060;-s 1.2.3.4/32;OK
-s 1.65536;-s 1.1.0.0/32;OK
-s 1.2.65535;-s 1.2.255.255/32;OK
-s 0x01020304;-s 1.2.3.4/32;OK
-s 4294967295;-s 255.255.255.255/32;OK
-s 4294967296;;FAIL
-s 0x;;FAIL
-s 0x.0.0.1;;FAIL
-s 08.1.1.1;;FAIL
-s 1.2.3.4.;;FAIL
-s ::ffff:1.2.3.4;-s 1.2.3.4/32;OK
-s ::FFFF:102:304/24;-s 1.2.3.0/24;OK
-d 0:0:0:0:0:ffff:1.2.3.4;-d 1.2.3.4/32;OK
-s ::ffff:1.2.3.4%1;-s 1.2.3.4/32;OK
-s ::ffff:1.2.3.4%4294967295;-s 1.2.3.4/32;OK
-s ::ffff:1.2.3.4%4294967296;;FAIL
-s ::ffff:1.2.3.4%;;FAIL
-s ::ffff:1.2.3.4%lo;;FAIL
-s ::ffff:254.128.0.1%lo;-s 254.128.0.1/32;OK
-s ::1.2.3.4;;FAIL
-s 2001:db8::1;;FAIL
-s 1.2.3.4 -s 5.6.7.8;;FAIL
-i eth0;=;OK
! -i eth+;=;OK
-i +;;OK
-i abcdefghijklmno;=;OK
-i abcdefghijklmnop;;FAIL
-p tcp;=;OK
-p TCP;-p tcp;OK
-p 6;-p tcp;OK
-p 17;-p udp;OK
-p 47;-p gre;OK
-p gre;=;OK
-p 132;-p sctp;OK
-p icmp;=;OK
-p ipv6-icmp;=;OK
-p icmpv6;-p ipv6-icmp;OK
-p all;;OK
-p 0;;OK
! -p all;;FAIL
! -p udp;=;OK
-p 253;=;OK
-p 256;;FAIL
-p nosuchproto;;FAIL
-f;=;OK
! -f;=;OK
-p tcp -f -i lo -s 1.1.1.1 -d 2.2.2.2;-s 1.1.1.1/32 -d 2.2.2.2/32 -i lo -p tcp -f;OK
-j ACCEPT;=;OK
-j DROP;=;OK
-j RETURN;=;OK
--jump ACCEPT;-j ACCEPT;OK
-j NATSIM-T;=;OK
-g NATSIM-T;=;OK
--goto NATSIM-T;-g NATSIM-T;OK
-j NOSUCHCHAIN;;FAIL
-g ACCEPT;;FAIL
-j ACCEPT -j DROP;;FAIL
-j ACCEPT -g NATSIM-T;;FAIL
! -j ACCEPT;;FAIL
-j;;FAIL
;;OK
-m nosuchmatch;;FAIL
-s 1.2.3.4 !;;FAIL
! ! -s 1.2.3.4;;FAIL
bogus;;FAIL
:INPUT
-o eth0;;FAIL
:OUTPUT
-i eth0;;FAIL
-o eth0;=;OK
@ipv6
:INPUT,FORWARD
-s 2001:db8::1;-s 2001:db8::1/128;OK
-s 2001:db8::1/64;-s 2001:db8::/64;OK
-d 2001:0db8:0000:0000:0000:0000:0000:0001;-d 2001:db8::1/128;OK
-s ::ffff:1.2.3.4;-s ::ffff:1.2.3.4/128;OK
! -s ::/0;=;OK
-s fe80::/10 -d ff02::1;-s fe80::/10 -d ff02::1/128;OK
-s 2001:db8::1/129;;FAIL
-s 1.2.3.4;;FAIL
-s 16909060;;FAIL
-s 2001:db8::1%1;-s 2001:db8::1/128;OK
-s fe80::1%lo/64;-s fe80::/64;OK
-d ff02::1%lo;-d ff02::1/128;OK
-s 2001:db8::1%lo;;FAIL
-s 2001:db8::1%x;;FAIL
-p ipv6-icmp;=;OK
-p icmpv6;-p ipv6-icmp;OK
-p tcp -i eth0;-i eth0 -p tcp;OK
-f;;FAIL
