# -m physdev: bridge ports of bridged packets (xt_physdev). Saved in the order is-in, in,
# is-out, out, is-bridged, whatever the input order.
:FORWARD
-m physdev --physdev-in eth0;=;OK
-m physdev ! --physdev-in veth+;=;OK
-m physdev --physdev-out veth+ ! --physdev-is-out --physdev-is-in ! --physdev-in br0 --physdev-is-bridged;-m physdev --physdev-is-in ! --physdev-in br0 ! --physdev-is-out --physdev-out veth+ --physdev-is-bridged;OK
-m physdev ! --physdev-is-bridged;=;OK
-m physdev --physdev-in=eth0;-m physdev --physdev-in eth0;OK
-m physdev --physdev-in 0123456789abcde;=;OK
# a '/' in a name only draws a warning
-m physdev --physdev-in a/b;=;OK
-m physdev;;FAIL
-m physdev --physdev-in 0123456789abcdef;;FAIL
-m physdev --physdev-in eth0 --physdev-in eth1;;FAIL
-m physdev --physdev-is-in --physdev-is-in;;FAIL
-m physdev --physdev-in;;FAIL
-m physdev --physdev-is-in=x;;FAIL
# From OUTPUT the kernel takes --physdev-out/--physdev-is-out only with --physdev-is-bridged.
:OUTPUT
-m physdev --physdev-in eth0;=;OK
-m physdev --physdev-is-bridged;=;OK
-m physdev --physdev-out eth0 --physdev-is-bridged;=;OK
-m physdev --physdev-out eth0;;FAIL
-m physdev --physdev-is-out;;FAIL
-m physdev --physdev-out eth0 ! --physdev-is-bridged;;FAIL
:NATSIM-U
-m physdev --physdev-is-out -j RETURN;=;OK
:INPUT
-m physdev --physdev-out eth0;=;OK
*mangle
:PREROUTING,FORWARD,POSTROUTING
-m physdev ! --physdev-is-out --physdev-out eth1;=;OK
:OUTPUT
-m physdev ! --physdev-is-out;;FAIL
*nat
:POSTROUTING
-m physdev --physdev-is-bridged --physdev-out eth1;-m physdev --physdev-out eth1 --physdev-is-bridged;OK
@ipv6
*filter
:FORWARD
-m physdev --physdev-in eth0 ! --physdev-is-out;=;OK
:OUTPUT
-m physdev --physdev-is-out;;FAIL
-m physdev --physdev-is-in;=;OK
