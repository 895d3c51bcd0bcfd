# -m string (revision 1): --algo bm|kmp is required, and one of --string/--hex-string. Saved as
# --string "…" (with \" and \\ escaped) when every byte is printable ASCII and the last is not
# a backslash, else as --hex-string "|…|"; then --algo, --from/--to unless 0/65535, --icase.
# (Inside quotes the restore tokeniser drops a backslash: "a\tb" reaches iptables as atb.)
:INPUT
-m string --string abc --algo bm;-m string --string "abc" --algo bm;OK
-m string --algo kmp ! --string abc;-m string ! --string "abc" --algo kmp;OK
-m string --algo bm --string "a b";-m string --string "a b" --algo bm;OK
-m string --algo bm --string "~ {}'";-m string --string "~ {}'" --algo bm;OK
-m string --algo bm --string "a\"b";-m string --string "a\"b" --algo bm;OK
-m string --algo bm --string "a\\b";-m string --string "a\\b" --algo bm;OK
-m string --algo bm --string "ab\\";-m string --hex-string "|61625c|" --algo bm;OK
-m string --algo bm --string "a\tb";-m string --string "atb" --algo bm;OK
-m string --algo bm --string "é";-m string --hex-string "|c3a9|" --algo bm;OK
-m string --algo bm --string aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;-m string --string "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" --algo bm;OK
-m string --algo bm --hex-string "|41 42|C";-m string --string "ABC" --algo bm;OK
-m string --algo bm --hex-string "| 41 42 |";-m string --string "AB" --algo bm;OK
-m string --algo bm --hex-string "|0a0d|";-m string --hex-string "|0a0d|" --algo bm;OK
-m string --algo bm --hex-string "a|0A|b";-m string --hex-string "|610a62|" --algo bm;OK
-m string --algo bm --hex-string "a\\|b";-m string --string "a|b" --algo bm;OK
-m string --algo bm --hex-string "|41||42|";-m string --string "A|42" --algo bm;OK
-m string --algo bm ! --hex-string "|00|";-m string ! --hex-string "|00|" --algo bm;OK
-m string --algo bm --hex-string "|00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000|";-m string --hex-string "|00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000|" --algo bm;OK
-m string --algo bm --string x --from 10 --to 20;-m string --string "x" --algo bm --from 10 --to 20;OK
-m string --algo bm --string x --from 0 --to 65535;-m string --string "x" --algo bm;OK
-m string --algo bm --string x --from 0x10 --to 16;-m string --string "x" --algo bm --from 16 --to 16;OK
-m string --algo kmp --string x --icase;-m string --string "x" --algo kmp --icase;OK
-m string --string abc;;FAIL
-m string --algo bm;;FAIL
-m string --algo fsm --string abcd;;FAIL
-m string --algo BM --string x;;FAIL
-m string --algo bm --algo kmp --string x;;FAIL
-m string --algo bm --string x --hex-string "|00|";;FAIL
-m string --algo bm --string x --string y;;FAIL
-m string --algo bm ! --icase --string x;;FAIL
-m string --algo bm --string x --icase --icase;;FAIL
-m string --algo bm --string x --from 20 --to 10;;FAIL
-m string --algo bm --string x --to 65536;;FAIL
-m string --algo bm --string x --from -1;;FAIL
-m string --algo bm --string "";;FAIL
-m string --algo bm --string aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;;FAIL
-m string --algo bm --hex-string "";;FAIL
-m string --algo bm --hex-string "|";;FAIL
-m string --algo bm --hex-string "||";;FAIL
-m string --algo bm --hex-string "|0A0|";;FAIL
-m string --algo bm --hex-string "|0g|";;FAIL
-m string --algo bm --hex-string "|41";;FAIL
-m string --algo bm --hex-string "|41  42|";;FAIL
-m string --algo bm --hex-string "a\\";;FAIL
-m string --algo bm --hex-string "|41\\|";;FAIL
-m string --algo bm --hex-string "|0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000|";;FAIL
:OUTPUT,FORWARD
-m string --algo bm --string GET;-m string --string "GET" --algo bm;OK
*mangle
:PREROUTING,POSTROUTING
-m string --algo kmp --hex-string "|ff|";-m string --hex-string "|ff|" --algo kmp;OK
@ipv6
*filter
:INPUT
-m string --algo kmp --string x --icase --to 100;-m string --string "x" --algo kmp --to 100 --icase;OK
-m string --algo bm --string x --from 100 --to 99;;FAIL
