#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Refresh against the lab's named or knotd (not AD DNS): with [dns] refresh =
# auto the server is not recognised as AD DNS (no DC behind
# _ldap._tcp.dc._msdcs.<zone>), so a run with nothing to change sends no
# UPDATE and the zone's serial stays; --refresh sends one UPDATE per zone
# (delete-RR + add-RR of this host's SRV and A) which the server takes as a
# no-op: serial and journal unchanged (docs/AD-DNS.md records these facts),
# the records still served, another host's RR untouched.
# Usage: publish_refresh_lab.sh LAB_DIR named|knot PATH_TO_kmsdns-publish
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" lab "${1:-}"
SERVER=${2:?server kind}
PROG=${3:?path to kmsdns-publish}
case "$SERVER" in
named) PORT=$LAB_NAMED_PORT LOG=$LAB_NAMED_LOG OKPAT="update section prescan OK" JNL=$LAB_NAMED_ZONEDIR/sales.example.test.zone.jnl ;;
knot) PORT=$LAB_KNOT_PORT LOG=$LAB_KNOT_LOG OKPAT="ACL, allowed, action update" JNL=$LAB_KNOT_ZONEDIR/journal/data.mdb ;;
*) fail "server kind is named or knot" ;;
esac
T="publish_refresh_$SERVER"
SALES=_vlmcs._tcp.refresh.sales.example.test # a name no other test uses
serial() { dig +short +norec -p "$PORT" @127.0.0.1 SOA "$1" | awk '{print $3}'; }
jsize() { if [ -e "$JNL" ]; then stat -c %s "$JNL"; else echo 0; fi; }
updates_logged() { count "$LOG" "$OKPAT"; }
cleanup_records() {
  nsu "$PORT" -k "$LAB_TSIG_KEY" <<NSU || true
update delete $SALES SRV
send
update delete kms1.example.test A 192.0.2.21
NSU
}
cleanup_records
at_exit cleanup_records
printf '[host]\nfqdn = kms1.example.test\naddresses = 192.0.2.21\n[dns]\nserver = 127.0.0.1:%s\nauth = tsig\ntsig-key = %s\ntimeout = 2\nretries = 1\n[publish]\ndomain = refresh.sales.example.test,0,100\n' \
  "$PORT" "$LAB_TSIG_KEY" >"$WORK/a.conf"

check "publish, with kms2's RR already in the RRset"
nsu "$PORT" -k "$LAB_TSIG_KEY" <<NSU
update add $SALES 3600 IN SRV 5 5 1688 kms2.example.test.
NSU
expect_ok "kms2's RR added"
run -c "$WORK/a.conf"
expect 0 "2 added" "publish"

check "auto: not AD DNS, nothing to change, no UPDATE sent, serial unchanged"
s1=$(serial sales.example.test) s0=$(serial example.test) before=$(updates_logged)
run -c "$WORK/a.conf" --format json
expect_nothing_sent "auto"
sleep 0.3
expect_eq "serial of sales.example.test" "$(serial sales.example.test)" "$s1"
[ "$(updates_logged)" -eq "$before" ] || fail "an UPDATE reached the server"
ok "no UPDATE logged"

check "--refresh: one UPDATE per zone; the server keeps serial and journal (a no-op)"
j1=$(jsize)
run -c "$WORK/a.conf" --refresh --format json
expect 0 '"updates_sent": 2' "--refresh"
[ "$(pub_count '.action == "refreshed"')" = 2 ] || fail "not both refreshed: $OUT"
sleep 0.5
s2=$(serial sales.example.test) s3=$(serial example.test) j2=$(jsize)
info "$SERVER: serial sales.example.test $s1 -> $s2, example.test $s0 -> $s3, journal $j1 -> $j2 bytes"
expect_eq "serial of sales.example.test after the refresh" "$s2" "$s1"
expect_eq "serial of example.test after the refresh" "$s3" "$s0"
expect_eq "journal size" "$j2" "$j1"
expect_rr "$PORT" "$SALES" SRV "0 100 1688 kms1.example.test."
expect_rr "$PORT" "$SALES" SRV "5 5 1688 kms2.example.test."
expect_rr "$PORT" kms1.example.test A 192.0.2.21
