# -m owner (revision 1): uid/gid of the local socket's owner, OUTPUT and POSTROUTING only.
# Saved as numbers in the order socket-exists, uid, gid, suppl-groups. Names resolve through
# Debian's fixed base-passwd accounts only (root 0, nobody 65534, nogroup 65534).
:OUTPUT
-m owner --uid-owner 0;=;OK
-m owner ! --uid-owner 1000;=;OK
-m owner --uid-owner root;-m owner --uid-owner 0;OK
-m owner --uid-owner nobody;-m owner --uid-owner 65534;OK
-m owner --gid-owner nogroup;-m owner --gid-owner 65534;OK
-m owner --uid-owner 5-10;=;OK
-m owner --uid-owner 5:10;-m owner --uid-owner 5-10;OK
-m owner --uid-owner 5-5;-m owner --uid-owner 5;OK
-m owner --uid-owner 0x10;-m owner --uid-owner 16;OK
-m owner --gid-owner 010-0x20;-m owner --gid-owner 8-32;OK
-m owner --uid-owner 4294967294;=;OK
-m owner --gid-owner 100 --suppl-groups;=;OK
-m owner ! --gid-owner 100 --suppl-groups;=;OK
-m owner --socket-exists;=;OK
-m owner ! --socket-exists;=;OK
-m owner --gid-owner 3 --uid-owner 2 --socket-exists;-m owner --socket-exists --uid-owner 2 --gid-owner 3;OK
# the kernel refuses an empty range
-m owner --uid-owner 10-5;;FAIL
-m owner --uid-owner 4294967295;;FAIL
-m owner --uid-owner -1;;FAIL
-m owner --uid-owner 5-;;FAIL
-m owner --uid-owner 5x;;FAIL
-m owner --uid-owner nosuchuser;;FAIL
-m owner --suppl-groups --gid-owner 100;;FAIL
-m owner --gid-owner 100 ! --suppl-groups;;FAIL
-m owner --gid-owner 1 --suppl-groups --suppl-groups;;FAIL
-m owner;;FAIL
-m owner --uid-owner 1 --uid-owner 2;;FAIL
-m owner --pid-owner 1;;FAIL
-m owner --cmd-owner x;;FAIL
*mangle
:POSTROUTING,OUTPUT
-m owner --uid-owner 0 ! --gid-owner 0;=;OK
:PREROUTING,INPUT,FORWARD
-m owner --uid-owner 0;;FAIL
*nat
:OUTPUT,POSTROUTING
-m owner --socket-exists;=;OK
:PREROUTING,INPUT
-m owner --socket-exists;;FAIL
*filter
:INPUT,FORWARD
-m owner --uid-owner 0;;FAIL
@ipv6
:OUTPUT
-m owner --uid-owner 0-100 ! --gid-owner 4;=;OK
:INPUT
-m owner --uid-owner 0;;FAIL
