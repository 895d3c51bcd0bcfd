# -m comment: saved bare when only [A-Za-z0-9_-], otherwise quoted with \ before " \ and '.
:INPUT,FORWARD,OUTPUT
-m comment --comment nospace;=;OK
-m comment --comment "kube svc";=;OK
-m comment --comment "kube-system/kube-dns:dns";=;OK
-m comment --comment kube-system/kube-dns:dns;-m comment --comment "kube-system/kube-dns:dns";OK
-m comment --comment "";=;OK
-m comment --comment "it's";-m comment --comment "it\'s";OK
-m comment --comment "with \"quote\" and \\back";=;OK
-m comment --comment "-test";-m comment --comment -test;OK
-m comment --comment a -m comment --comment b -j ACCEPT;=;OK
-m comment --comment x --comment y;;FAIL
-m comment;;FAIL
-m comment --comment 'a b';;FAIL
-m comment ! --comment x;;FAIL
# Longer than 255 bytes: cut silently to 255.
-m comment --comment aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;-m comment --comment aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;OK
@ipv6
-m comment --comment "v6 too";=;OK
