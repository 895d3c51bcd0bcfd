# -m u32: location=value tests joined by &&. iptables-save does not echo the text: it prints
# every number in lower-case hex, without white space, inside double quotes.
:INPUT
-m u32 --u32 "0>>22&0x3C@12>>26&0x3C@0=0x50000000";-m u32 --u32 "0x0>>0x16&0x3c@0xc>>0x1a&0x3c@0x0=0x50000000";OK
-m u32 --u32 "6&0xFF=1,17";-m u32 --u32 "0x6&0xff=0x1,0x11";OK
-m u32 ! --u32 "0&0xFFFF=0x100:0xFFFF";-m u32 ! --u32 "0x0&0xffff=0x100:0xffff";OK
-m u32 --u32 " 0 & 0xFFFF = 0x100 : 0xFFFF ";-m u32 --u32 "0x0&0xffff=0x100:0xffff";OK
-m u32 --u32 0=1;-m u32 --u32 "0x0=0x1";OK
-m u32 --u32 "0=1 && 4=2";-m u32 --u32 "0x0=0x1&&0x4=0x2";OK
-m u32 --u32 "0<<1=1";-m u32 --u32 "0x0<<0x1=0x1";OK
-m u32 --u32 "010=+5";-m u32 --u32 "0x8=0x5";OK
-m u32 --u32 "0=4294967295";-m u32 --u32 "0x0=0xffffffff";OK
# a range with min > max is kept as given (it never matches)
-m u32 --u32 "0=5:1";-m u32 --u32 "0x0=0x5:0x1";OK
-m u32 --u32 "1&2&3&4&5&6&7&8&9&10=1";-m u32 --u32 "0x1&0x2&0x3&0x4&0x5&0x6&0x7&0x8&0x9&0xa=0x1";OK
-m u32 --u32 "0=1,2,3,4,5,6,7,8,9,10";-m u32 --u32 "0x0=0x1,0x2,0x3,0x4,0x5,0x6,0x7,0x8,0x9,0xa";OK
-m u32 --u32 "0=1&&0=2&&0=3&&0=4&&0=5&&0=6&&0=7&&0=8&&0=9&&0=10";-m u32 --u32 "0x0=0x1&&0x0=0x2&&0x0=0x3&&0x0=0x4&&0x0=0x5&&0x0=0x6&&0x0=0x7&&0x0=0x8&&0x0=0x9&&0x0=0xa";OK
-m u32 --u32 "1&2&3&4&5&6&7&8&9&10&11=1";;FAIL
-m u32 --u32 "0=1,2,3,4,5,6,7,8,9,10,11";;FAIL
-m u32 --u32 "0=1&&0=2&&0=3&&0=4&&0=5&&0=6&&0=7&&0=8&&0=9&&0=10&&0=11";;FAIL
-m u32 --u32 "0=1&4=2";;FAIL
-m u32 --u32 "=1";;FAIL
-m u32 --u32 "0";;FAIL
-m u32 --u32 "0=";;FAIL
-m u32 --u32 "0<1=1";;FAIL
-m u32 --u32 "0x=1";;FAIL
-m u32 --u32 "0=1,";;FAIL
-m u32 --u32 "0=1:2:3";;FAIL
-m u32 --u32 "0=4294967296";;FAIL
-m u32 --u32 "0=-1";;FAIL
-m u32 --u32 "0=1&&";;FAIL
-m u32 --u32 "0=1 x";;FAIL
-m u32 --u32 "";;FAIL
-m u32;;FAIL
-m u32 --u32 "0=1" --u32 "0=2";;FAIL
:OUTPUT,FORWARD
-m u32 --u32 "0>>22&0x3C@0=0x1";-m u32 --u32 "0x0>>0x16&0x3c@0x0=0x1";OK
*raw
:PREROUTING,OUTPUT
-m u32 --u32 "0&0xff=6";-m u32 --u32 "0x0&0xff=0x6";OK
@ipv6
*filter
:INPUT
-m u32 ! --u32 "6>>24=0x11";-m u32 ! --u32 "0x6>>0x18=0x11";OK
-m u32 --u32 "0=";;FAIL
# shifts by 32 or more: refused by the kernel at load (Linux 6.18: EINVAL); 31 is the largest
-m u32 --u32 "0>>31=0";-m u32 --u32 "0x0>>0x1f=0x0";OK
-m u32 --u32 "0<<31=0";-m u32 --u32 "0x0<<0x1f=0x0";OK
-m u32 --u32 "0>>32=0";;FAIL
-m u32 --u32 "0<<32=0";;FAIL
-m u32 --u32 "0&0xff>>40=0";;FAIL
-m u32 --u32 "0=1&&0<<0x100=0";;FAIL
-m u32 --u32 "0&0xff@32>>3=0";-m u32 --u32 "0x0&0xff@0x20>>0x3=0x0";OK
