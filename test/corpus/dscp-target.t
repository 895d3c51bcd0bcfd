# -j DSCP (xt_DSCP, libxt_DSCP): mangle table only. --set-dscp-class names are stored as numbers;
# both options save as --set-dscp 0xNN.
*mangle
:PREROUTING,INPUT,FORWARD,OUTPUT,POSTROUTING
-j DSCP --set-dscp 10;-j DSCP --set-dscp 0x0a;OK
-j DSCP --set-dscp 0x2e;=;OK
-j DSCP --set-dscp 0;-j DSCP --set-dscp 0x00;OK
-j DSCP --set-dscp 63;-j DSCP --set-dscp 0x3f;OK
-j DSCP --set-dscp 64;;FAIL
-j DSCP --set-dscp abc;;FAIL
-j DSCP --set-dscp-class EF;-j DSCP --set-dscp 0x2e;OK
-j DSCP --set-dscp-class af41;-j DSCP --set-dscp 0x22;OK
-j DSCP --set-dscp-class BE;-j DSCP --set-dscp 0x00;OK
-j DSCP --set-dscp-class CS7;-j DSCP --set-dscp 0x38;OK
-j DSCP --set-dscp-class AF13;-j DSCP --set-dscp 0x0e;OK
-j DSCP --set-dscp-class EFX;-j DSCP --set-dscp 0x2e;OK
-j DSCP --set-dscp-class XX;;FAIL
-j DSCP --set-dscp-class "";;FAIL
-j DSCP --set-dscp 1 --set-dscp-class EF;;FAIL
-j DSCP --set-dscp 1 --set-dscp 2;;FAIL
-j DSCP;;FAIL
-j DSCP ! --set-dscp 1;;FAIL
*filter
:INPUT,FORWARD,OUTPUT
-j DSCP --set-dscp 1;;FAIL
*nat
:POSTROUTING
-j DSCP --set-dscp 1;;FAIL
@ipv6
*mangle
:PREROUTING,OUTPUT
-j DSCP --set-dscp 46;-j DSCP --set-dscp 0x2e;OK
-j DSCP --set-dscp-class cs1;-j DSCP --set-dscp 0x08;OK
-j DSCP --set-dscp 100;;FAIL
*filter
:FORWARD
-j DSCP --set-dscp-class EF;;FAIL
