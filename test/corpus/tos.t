# -m tos (xt_dscp tos_mt, revision 1; libxt_tos). (tos & mask) == value. A number alone has mask
# 0xff, a symbolic name mask 0x3f; always saved as 0xVV/0xMM. Value and mask are 0..255.
:INPUT,FORWARD,OUTPUT
-m tos --tos Minimize-Delay;-m tos --tos 0x10/0x3f;OK
-m tos --tos maximize-throughput;-m tos --tos 0x08/0x3f;OK
-m tos --tos Maximize-Reliability;-m tos --tos 0x04/0x3f;OK
-m tos --tos Minimize-Cost;-m tos --tos 0x02/0x3f;OK
-m tos ! --tos Normal-Service;-m tos ! --tos 0x00/0x3f;OK
-m tos --tos 0x10;-m tos --tos 0x10/0xff;OK
-m tos --tos 16;-m tos --tos 0x10/0xff;OK
-m tos --tos 0x11/0x0f;=;OK
-m tos --tos 8/0;-m tos --tos 0x08/0x00;OK
-m tos ! --tos 0xff/0xff;=;OK
-m tos --tos 0x100;;FAIL
-m tos --tos 0x10/0x100;;FAIL
-m tos --tos 0x10/;;FAIL
-m tos --tos 16abc;;FAIL
-m tos --tos Low-Delay;;FAIL
-m tos --tos 1 --tos 2;;FAIL
-m tos;;FAIL
@ipv6
:INPUT,OUTPUT
-m tos --tos Minimize-Delay;-m tos --tos 0x10/0x3f;OK
-m tos ! --tos 0x20/0xfc;=;OK
