# -m recent: exactly one action; defaults spelled out (--name DEFAULT --mask <full> --rsource);
# --reap needs --seconds; --set/--remove take no --seconds/--hitcount/--rttl (recent_mt_check).
:INPUT,FORWARD,OUTPUT
-m recent --remove;-m recent --remove --name DEFAULT --mask 255.255.255.255 --rsource;OK
-m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-X --mask 255.255.255.255 --rsource;=;OK
-m recent --set --name KUBE-SEP-X --mask 255.255.255.255 --rsource;=;OK
-m recent --set --name x --mask ::ffff:255.255.255.0;-m recent --set --name x --mask 255.255.255.0 --rsource;OK
-m recent ! --update --hitcount 3 --rttl --rdest --name foo --seconds 5;-m recent ! --update --seconds 5 --hitcount 3 --rttl --name foo --mask 255.255.255.255 --rdest;OK
-m recent --rcheck --hitcount 65535;-m recent --rcheck --hitcount 65535 --name DEFAULT --mask 255.255.255.255 --rsource;OK
-m recent --rcheck --hitcount 0;-m recent --rcheck --name DEFAULT --mask 255.255.255.255 --rsource;OK
-m recent --rcheck --hitcount 65536;;FAIL
-m recent --set --rcheck;;FAIL
-m recent;;FAIL
-m recent --rcheck --reap;;FAIL
-m recent --reap --update;;FAIL
-m recent --set --seconds 5;;FAIL
-m recent --remove --hitcount 2;;FAIL
-m recent --rttl --set;;FAIL
-m recent --remove --rttl;;FAIL
-m recent --rcheck --seconds 0;;FAIL
-m recent --rcheck --seconds 5 --reap --reap;;FAIL
-m recent ! --rcheck --rsource --rdest;-m recent ! --rcheck --name DEFAULT --mask 255.255.255.255 --rdest;OK
-m recent --rcheck --rdest --rsource;-m recent --rcheck --name DEFAULT --mask 255.255.255.255 --rsource;OK
# --mask is read by getaddrinfo (inet_aton forms) and is not checked to be contiguous.
-m recent --set --mask 255.255;-m recent --set --name DEFAULT --mask 255.0.0.255 --rsource;OK
-m recent --set --mask 0xff000000;-m recent --set --name DEFAULT --mask 255.0.0.0 --rsource;OK
-m recent --set --mask 255.255.0.0/16;;FAIL
# The name is printed as stored, without quoting; the kernel refuses an empty name or a "/".
-m recent --set --name "a b";-m recent --set --name a b --mask 255.255.255.255 --rsource;OK
-m recent --set --name "";;FAIL
-m recent --set --name a/b;;FAIL
-m recent --set --name aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;-m recent --set --name aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa --mask 255.255.255.255 --rsource;OK
*nat
:PREROUTING,OUTPUT
-m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-Y --mask 255.255.255.255 --rsource;=;OK
@ipv6
*filter
:INPUT
-m recent --set;-m recent --set --name DEFAULT --mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff --rsource;OK
-m recent --update --seconds 60 --mask ffff:ffff::;-m recent --update --seconds 60 --name DEFAULT --mask ffff:ffff:: --rsource;OK
-m recent --set --mask 255.255.255.0;;FAIL
