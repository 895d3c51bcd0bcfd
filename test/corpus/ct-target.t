# -j CT (xt_CT revision 2, libxt_CT): raw table only. Saved in the order --notrack, --helper,
# --timeout, --ctevents, --expevents (events in table order), --zone; the zone is printed only
# when it is not 0 or is "mark", as --zone-orig/--zone-reply when exactly one direction was given.
# --helper needs -p with a protocol the helper serves (not inverted) and a helper the kernel has;
# --timeout needs a timeout policy object (nfct), which natsim has none of. --notrack skips both.
*raw
:PREROUTING,OUTPUT
-j CT --notrack;=;OK
-j CT;=;OK
-j CT --zone 1;=;OK
-j CT --zone 0;-j CT;OK
-j CT --zone mark;=;OK
-j CT --zone MARK;-j CT --zone mark;OK
-j CT --zone-orig 5;=;OK
-j CT --zone-reply 5;=;OK
-j CT --zone-orig mark;=;OK
-j CT --zone-orig 0;-j CT;OK
-j CT --zone-orig 1 --zone-reply 2;-j CT --zone 2;OK
-j CT --zone-orig 1 --zone 2;-j CT --zone-orig 2;OK
-j CT --zone 1 --zone-reply 0;-j CT;OK
-j CT --zone mark --zone-orig 3;-j CT --zone-orig mark;OK
-j CT --zone 65535;=;OK
-j CT --zone 0x10;-j CT --zone 16;OK
-j CT --zone 65536;;FAIL
-j CT --zone abc;;FAIL
-j CT --zone 1 --zone 2;;FAIL
-j CT --ctevents new,destroy;=;OK
-j CT --ctevents destroy,new;-j CT --ctevents new,destroy;OK
-j CT --ctevents natseqinfo,secmark,mark,helper,protoinfo,assured,reply,related;-j CT --ctevents related,reply,assured,protoinfo,helper,mark,natseqinfo,secmark;OK
-j CT --ctevents new,new;-j CT --ctevents new;OK
-j CT --ctevents New;;FAIL
-j CT --ctevents new,;;FAIL
-j CT --ctevents "";;FAIL
-j CT --expevents new;=;OK
-j CT --expevents destroy;;FAIL
-p tcp -j CT --helper ftp;=;OK
-p udp -j CT --helper tftp;=;OK
-p tcp -j CT --helper irc;=;OK
-p udp -j CT --helper sip;=;OK
-p tcp -j CT --helper sip;=;OK
-p udp -j CT --helper amanda;=;OK
-p tcp -j CT --helper pptp;=;OK
-p tcp -j CT --helper sane;=;OK
-p udp -j CT --helper netbios-ns;=;OK
-p udp -j CT --helper snmp;=;OK
-p udp -j CT --helper RAS;=;OK
-p tcp -j CT --helper Q.931;=;OK
-p tcp -j CT --helper FTP;;FAIL
-j CT --helper ftp;;FAIL
! -p tcp -j CT --helper ftp;;FAIL
-p udp -j CT --helper ftp;;FAIL
-p tcp -j CT --helper nosuch;;FAIL
-p tcp -j CT --helper H.245;;FAIL
-p sctp -j CT --helper ftp;;FAIL
-p 6 -j CT --helper ftp;-p tcp -j CT --helper ftp;OK
-j CT --helper "";-j CT;OK
-p tcp -j CT --timeout foo;;FAIL
-j CT --timeout foo;;FAIL
-j CT --notrack --helper nosuch;-j CT --notrack --helper nosuch;OK
-j CT --zone 1 --ctevents new --notrack --expevents new;-j CT --notrack --ctevents new --expevents new --zone 1;OK
-j CT ! --notrack;;FAIL
-j CT --notrack --notrack;;FAIL
*mangle
:PREROUTING,OUTPUT
-j CT --notrack;;FAIL
*filter
:INPUT
-j CT;;FAIL
@ipv6
*raw
:PREROUTING,OUTPUT
-j CT --notrack;=;OK
-p tcp -j CT --helper ftp;=;OK
-p tcp -j CT --helper irc;;FAIL
-p udp -j CT --helper sip;=;OK
-p udp -j CT --helper tftp;=;OK
-p udp -j CT --helper amanda;=;OK
-p tcp -j CT --helper sane;=;OK
-p udp -j CT --helper RAS;=;OK
-p tcp -j CT --helper Q.931;=;OK
-p udp -j CT --helper netbios-ns;;FAIL
-p udp -j CT --helper snmp;;FAIL
-p tcp -j CT --helper pptp;;FAIL
-j CT --zone-reply mark;=;OK
*filter
:OUTPUT
-j CT --notrack;;FAIL
