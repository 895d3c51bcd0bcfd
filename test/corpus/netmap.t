# -j NETMAP --to address[/mask] (libipt_NETMAP/libip6t_NETMAP, xt_NETMAP.c): nat table, all four of its hooks.
# The address is read as getaddrinfo reads it (inet_aton forms: 10.1 is 10.0.0.1), the mask as a prefix
# length or a mask address (not contiguous: all ones, iptables 1.8.9), and the base is saved masked.
*nat
:PREROUTING,INPUT,OUTPUT,POSTROUTING
-j NETMAP --to 10.0.0.0/24;=;OK
-j NETMAP --to 10.0.0.5/24;-j NETMAP --to 10.0.0.0/24;OK
-j NETMAP --to 10.0.0.5;-j NETMAP --to 10.0.0.5/32;OK
-j NETMAP --to 10.0.0.5/255.255.0.0;-j NETMAP --to 10.0.0.0/16;OK
-j NETMAP --to ::ffff:10.0.0.5/24;-j NETMAP --to 10.0.0.0/24;OK
-j NETMAP --to 167772165/::ffff:255.255.255.0;-j NETMAP --to 10.0.0.0/24;OK
-j NETMAP --to 10.0.0.5/0x18;-j NETMAP --to 10.0.0.0/24;OK
-j NETMAP --to 10.0.0.5/0;-j NETMAP --to 0.0.0.0/0;OK
-j NETMAP --to 10.1/16;-j NETMAP --to 10.0.0.0/16;OK
-j NETMAP --to 012.0.0.1;-j NETMAP --to 10.0.0.1/32;OK
-j NETMAP --to 167772161;-j NETMAP --to 10.0.0.1/32;OK
-j NETMAP --to 10.0.0.5/255.0.255.0;-j NETMAP --to 10.0.0.5/32;OK
-j NETMAP --to 10.0.0.5/33;-j NETMAP --to 10.0.0.5/32;OK
-j NETMAP --to 10.0.0.5/255.255.0;-j NETMAP --to 10.0.0.0/16;OK
-j NETMAP;;FAIL
-j NETMAP --to 10.0.0.0/8 --to 11.0.0.0/8;;FAIL
-j NETMAP --to 10.0.0.5/-1;;FAIL
-j NETMAP --to 10.0.0.5/abc;;FAIL
-j NETMAP --to 10.0.0.5/;;FAIL
-j NETMAP --to 10.0.0.5/24/3;;FAIL
-j NETMAP --to 256.1.1.1;;FAIL
-j NETMAP --to 1.2.3.4.5;;FAIL
-j NETMAP --to ::1;;FAIL
-j NETMAP ! --to 10.0.0.0/8;;FAIL
*mangle
:PREROUTING
-j NETMAP --to 10.0.0.0/8;;FAIL
@ipv6
*nat
:PREROUTING,INPUT,OUTPUT,POSTROUTING
-j NETMAP --to 2001:db8::/64;=;OK
-j NETMAP --to 2001:db8::5/64;-j NETMAP --to 2001:db8::/64;OK
-j NETMAP --to 2001:db8::5;-j NETMAP --to 2001:db8::5/128;OK
-j NETMAP --to 2001:db8::5/ffff:ffff::;-j NETMAP --to 2001:db8::/32;OK
-j NETMAP --to 2001:db8::5/ffff::ffff;-j NETMAP --to 2001:db8::5/128;OK
-j NETMAP --to 2001:db8::5/0;-j NETMAP --to ::/0;OK
-j NETMAP --to 2001:db8::5/129;;FAIL
-j NETMAP --to 10.0.0.1;;FAIL
