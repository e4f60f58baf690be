#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Refresh (AD DNS aging) against the real AD DC of tests/lab/ad: with
# [dns] refresh = auto the DC is recognised as AD DNS and a record that is
# already right is re-registered (delete-RR + add-RR in one UPDATE): its
# dwTimeStamp, set back 400 hours with tests/lab/ad-records, moves to about
# now; the SRV record answers throughout (polled while the refresh runs);
# kms2's RR in the same RRset keeps its own old timestamp; --plan shows the
# refresh and sends nothing; refresh = no sends nothing; a refresh the DC
# refuses exits 1 and leaves the record as it was; kmsdns-hostd refreshes
# under auto and STATUS says when (refreshed.<domain>). Judged by what the
# DC holds (sam.ldb) and serves (dig).
# Usage: publish_ad_refresh.sh AD_DIR PATH_TO_kmsdns-publish PATH_TO_kmsdns-hostd PATH_TO_kmsdns-client
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" ad "${1:-}"
[ $# -eq 4 ] || { echo "usage: $0 AD_DIR kmsdns-publish kmsdns-hostd kmsdns-client" >&2; exit 2; }
# shellcheck disable=SC2034 # PROG: what run (harness.sh) runs
PROG=$2 HOSTD=$3 CLIENT=$4
RECS="$(cd "$(dirname "$0")/../lab" && pwd)/ad-records"
OWNER=_vlmcs._tcp.$AD_ZONE
KPORT=$(free_port) # the KMS port in the records, and the one kmsdns-hostd listens on
served() { ad_served; }
stamp() { "$RECS" get "$AD_DIR" _vlmcs._tcp | awk -v t="kms$1.$AD_ZONE" '$1 == "SRV" && $5 == t { print $6 }'; }
conf() { ad_kms_conf "$1" "$KPORT" "${2:-}"; } # N [extra [dns] line]
ad_start_clean
conf 1 >"$WORK/kms1.conf"
conf 2 >"$WORK/kms2.conf"
conf 1 "refresh = no" >"$WORK/kms1-no.conf"
chmod 600 "$WORK"/*.conf

check "kms1 and kms2 publish into one RRset (kms2 granted Full Control on _vlmcs._tcp, as AD-DNS.md says)"
run -c "$WORK/kms1.conf"
expect 0 "1 added" "kms1 publishes"
"$RECS" grant "$AD_DIR" _vlmcs._tcp 'kms2$' >/dev/null || fail "could not grant kms2\$ Full Control"
run -c "$WORK/kms2.conf"
expect 0 "1 added" "kms2 publishes"
[ "$(served | wc -l)" = 2 ] || fail "served: $(served)"
now=$("$RECS" now)
for n in 1 2; do
  t=$(stamp $n)
  [ -n "$t" ] && [ $((now - t)) -le 1 ] || fail "kms$n's timestamp $t is not about now ($now)"
done
ok "both dynamic, timestamps about now ($now)"

check "both timestamps set back 400 hours (past 7 + 7 days: scavengeable)"
[ "$("$RECS" set "$AD_DIR" _vlmcs._tcp 400 "kms1.$AD_ZONE")" = 1 ] || fail "kms1 not set back"
[ "$("$RECS" set "$AD_DIR" _vlmcs._tcp 400 "kms2.$AD_ZONE")" = 1 ] || fail "kms2 not set back"
old1=$(stamp 1) old2=$(stamp 2)
[ $((now - old1)) -ge 399 ] || fail "kms1 timestamp $old1 not set back from $now"
ok "kms1 $old1, kms2 $old2 (now $now)"

check "refresh = no: nothing to change, nothing sent, timestamp kept"
run -c "$WORK/kms1-no.conf" --format json
expect 0 '"updates_sent": 0' "refresh = no"
expect_eq "kms1 timestamp" "$(stamp 1)" "$old1"

check "--plan under auto recognises AD DNS and shows the refresh, sends nothing"
run -c "$WORK/kms1.conf" --plan
expect 0 "refresh +SRV 0 100 $KPORT kms1" "plan"
output | grep -Eq "delete _vlmcs._tcp.$AD_ZONE. IN SRV 0 100 $KPORT kms1.$AD_ZONE.  ; refresh" || fail "plan lacks the delete: $(show)"
output | grep -Eq "add    _vlmcs._tcp.$AD_ZONE. 3600 IN SRV 0 100 $KPORT kms1.$AD_ZONE.  ; refresh" || fail "plan lacks the add: $(show)"
output | grep -q "1 to refresh" || fail "summary: $(show)"
output | grep -E "^    (delete|add) " | grep -q kms2 && fail "the plan touches kms2: $(show)"
expect_eq "kms1 timestamp after --plan" "$(stamp 1)" "$old1"

check "auto: kms1's run refreshes (one UPDATE), the SRV answers throughout"
poll_log=$WORK/poll.log
(
  while [ ! -e "$WORK/stop-poll" ]; do
    dig +norec +time=1 +tries=1 @"$AD_DC_IP" SRV "$OWNER" |
      awk '/status:/ { s = $6; sub(/,/, "", s) } !/^;/ && $4 == "SRV" { n++ } END { print s, n + 0 }' >>"$poll_log"
  done
) &
poller=$!
at_exit_kill "$poller"
sleep 0.3
run -c "$WORK/kms1.conf" --format json
sleep 0.3
touch "$WORK/stop-poll"
wait "$poller" || true
expect 0 '"action": "refreshed"' "refresh"
output | grep -q '"updates_sent": 1' || fail "not one update: $(show)"
output | grep -q '"ad_dns": true' || fail "AD DNS not recognised: $(show)"
output | grep -q '"op": "refresh"' || fail "no refresh change: $(show)"
polls=$(wc -l <"$poll_log")
bad=$(grep -vc '^NOERROR 2$' "$poll_log" || true)
[ "$polls" -ge 5 ] || fail "only $polls polls"
[ "$bad" = 0 ] || fail "$bad of $polls polls did not see both SRV RRs: $(sort "$poll_log" | uniq -c | tr '\n' '|')"
ok "$polls polls during the refresh, every one NOERROR with both RRs"
t1=$(stamp 1)
[ $((now - t1)) -le 1 ] && [ "$t1" -gt "$old1" ] || fail "kms1 timestamp $t1 did not move to about now ($now; was $old1)"
ok "kms1 timestamp $old1 -> $t1 (now $now)"
expect_eq "kms2 keeps its own timestamp" "$(stamp 2)" "$old2"
[ "$(served | wc -l)" = 2 ] || fail "served after the refresh: $(served)"

check "kmsdns-hostd refreshes under auto on its schedule (at start) and STATUS says when"
"$RECS" set "$AD_DIR" _vlmcs._tcp 400 "kms1.$AD_ZONE" >/dev/null
old1=$(stamp 1)
PORT=$KPORT
{
  printf '[host]\nlisten = 127.0.0.1\ndatabase = %s/host.db\npublish = yes\n' "$WORK"
  conf 1 "publish-interval = 1" | sed '1d'
} >"$WORK/hostd.conf"
chmod 600 "$WORK/hostd.conf"
t0=$(date +%s)
"$HOSTD" -c "$WORK/hostd.conf" --foreground >>"$WORK/hostd.log" 2>&1 &
HOSTD_PID=$!
at_exit_kill "$HOSTD_PID"
v=
for _ in $(seq 1 150); do
  v=$("$CLIENT" --kms "127.0.0.1:$PORT" --status 2>/dev/null | awk -v k="refreshed.$AD_ZONE" '$1 == k { print $2 }' || true)
  [ -n "$v" ] && break
  sleep 0.1
done
[ -n "$v" ] || fail "STATUS has no refreshed.$AD_ZONE: $("$CLIENT" --kms "127.0.0.1:$PORT" --status 2>&1 | tr '\n' '|') log: $(tail -n 5 "$WORK/hostd.log" | tr '\n' '|')"
[ "$v" -ge "$t0" ] && [ "$v" -le "$(date +%s)" ] || fail "refreshed.$AD_ZONE=$v is not the time of this run ($t0..)"
d=$("$CLIENT" --kms "127.0.0.1:$PORT" --status | awk -v k="domain.$AD_ZONE" '$1 == k { print $2 }')
grep -Eq '^ok@[0-9]{10}$' <<<"$d" || fail "domain.$AD_ZONE=$d"
ok "STATUS refreshed.$AD_ZONE=$v, domain.$AD_ZONE=$d"
t1=$(stamp 1)
[ "$t1" -gt "$old1" ] && [ $(($("$RECS" now) - t1)) -le 1 ] || fail "hostd did not refresh: timestamp $t1 (was $old1)"
ok "kms1 timestamp $old1 -> $t1"
kill -TERM "$HOSTD_PID"
wait "$HOSTD_PID" || fail "kmsdns-hostd exited $? on SIGTERM"

check "a refresh the DC refuses fails (exit 1) and leaves the record as it was"
# the admin's own static copy of kms1's record: the name is the admin's, and
# kms1 (no rights on it) may not delete-and-add it
ad_admin_clean
samba-tool dns add "$AD_DC_IP" "$AD_ZONE" _vlmcs._tcp SRV "kms1.$AD_ZONE $KPORT 0 100" \
  -U "$AD_ADMIN_USER%$AD_ADMIN_PASS" --use-kerberos=off -s "$AD_SMB_CONF" >/dev/null 2>&1 || fail "samba-tool dns add failed"
run -c "$WORK/kms1.conf" --refresh
expect 1 "answered SERVFAIL" "denied refresh"
output | grep -Eq "failed +SRV 0 100 $KPORT kms1" || fail "not reported failed: $(show)"
output | grep -q "0 refreshed, 1 failed" || fail "summary: $(show)"
expect_eq "still served" "$(served)" "0 100 $KPORT kms1.$AD_ZONE."
expect_eq "still static (timestamp 0)" "$(stamp 1)" 0
