#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Refresh against a real scavenging pass of the AD DC (fixture "ad_scav":
# tests/lab/ad on a subnet of its own, KMSDNS_AD_SCAV_DIR): kms1 and kms2
# publish into one RRset, both timestamps are set back 400 hours (past the
# zone's 7 + 7 days), kms1's run refreshes (refresh = auto: delete-RR +
# add-RR), then `tests/lab/ad scavenge` restarts the DC with scavenging on and
# its first KCC pass (about 15 s later) tombstones what is stale. Asserted:
# the pass happens within KMSDNS_AD_SCAV_WAIT seconds (default 90; the log
# says so), kms1's SRV is still served, kms2's is gone from the RRset, and
# the timestamps read back show why (kms1 about now, kms2 400 hours old and
# no longer in the dnsRecord). Measures the time from the restart to the pass.
# Usage: publish_ad_scavenge.sh AD_DIR PATH_TO_kmsdns-publish
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" ad "${1:-}"
[ $# -eq 2 ] || { echo "usage: $0 AD_DIR kmsdns-publish" >&2; exit 2; }
# shellcheck disable=SC2034 # PROG: what run (harness.sh) runs
PROG=$2
LAB="$(cd "$(dirname "$0")/../lab" && pwd)"
RECS=$LAB/ad-records
OWNER=_vlmcs._tcp.$AD_ZONE
WAIT=${KMSDNS_AD_SCAV_WAIT:-90}
KPORT=$(free_port)
served() { ad_served; }
stamp() { "$RECS" get "$AD_DIR" _vlmcs._tcp | awk -v t="kms$1.$AD_ZONE" '$1 == "SRV" && $5 == t { print $6 }'; }
ad_start_clean
ad_kms_conf 1 "$KPORT" >"$WORK/kms1.conf"
ad_kms_conf 2 "$KPORT" >"$WORK/kms2.conf"
chmod 600 "$WORK"/*.conf
srv1="0 100 $KPORT kms1.$AD_ZONE."
srv2="0 100 $KPORT kms2.$AD_ZONE."

check "kms1 and kms2 publish into one RRset (kms2 granted Full Control on _vlmcs._tcp)"
run -c "$WORK/kms1.conf"
expect 0 "1 added" "kms1 publishes"
"$RECS" grant "$AD_DIR" _vlmcs._tcp 'kms2$' >/dev/null || fail "could not grant kms2\$ Full Control"
run -c "$WORK/kms2.conf"
expect 0 "1 added" "kms2 publishes"
expect_eq "served" "$(served)" "$(printf '%s\n%s\n' "$srv1" "$srv2" | sort)"

check "both timestamps set back 400 hours (past the zone's no-refresh + refresh, 168 + 168 h)"
now=$("$RECS" now)
[ "$("$RECS" set "$AD_DIR" _vlmcs._tcp 400 "kms1.$AD_ZONE")" = 1 ] || fail "kms1 not set back"
[ "$("$RECS" set "$AD_DIR" _vlmcs._tcp 400 "kms2.$AD_ZONE")" = 1 ] || fail "kms2 not set back"
old1=$(stamp 1) old2=$(stamp 2)
[ $((now - old1)) -ge 399 ] && [ $((now - old2)) -ge 399 ] || fail "not set back: kms1 $old1, kms2 $old2, now $now"
ok "kms1 $old1, kms2 $old2 (now $now: both $((now - old2)) h old, stale)"

check "kms1's run refreshes (refresh = auto on AD DNS), kms2's record is left alone"
run -c "$WORK/kms1.conf" --format json
expect 0 '"action": "refreshed"' "refresh"
output | grep -q '"ad_dns": true' || fail "AD DNS not recognised: $(show)"
t1=$(stamp 1)
[ $((now - t1)) -le 1 ] && [ "$t1" -gt "$old1" ] || fail "kms1 timestamp $t1 did not move to about now ($now; was $old1)"
expect_eq "kms2 keeps its old timestamp" "$(stamp 2)" "$old2"
expect_eq "both still served before any pass" "$(served)" "$(printf '%s\n%s\n' "$srv1" "$srv2" | sort)"
ok "kms1 $old1 -> $t1, kms2 $old2"

check "the DC restarted with scavenging on scavenges within ${WAIT}s"
log=$AD_SAMBA_LOG
lines0=$(wc -l <"$log" 2>/dev/null || echo 0)
t0=$("$LAB/ad" scavenge "$AD_DIR" 2>"$WORK/scavenge.err") ||
  fail "tests/lab/ad scavenge failed: $(tr '\n' '|' <"$WORK/scavenge.err")"
[[ $t0 =~ ^[0-9]+$ ]] || fail "tests/lab/ad scavenge printed '$t0', not a time"
# The KCC job logs this line on each of its runs once scavenging is on; the
# first run after a start always scavenges (no last pass yet), so the first
# line after the restart marks a real pass.
pass=
while :; do
  if tail -n +"$((lines0 + 1))" "$log" | grep -q "Successfully tombstoned stale DNS records"; then
    pass=$(($(date +%s%N) / 1000000))
    break
  fi
  tail -n +"$((lines0 + 1))" "$log" | grep -E "DNS record scavenging process failed|kccsrv_dns_zone_aging failed" >"$WORK/scav-fail" &&
    fail "the DC's scavenging pass failed: $(tr '\n' '|' <"$WORK/scav-fail")"
  [ $(($(date +%s%N) / 1000000 - t0)) -lt $((WAIT * 1000)) ] ||
    fail "no scavenging pass within ${WAIT}s of the restart (no 'Successfully tombstoned stale DNS records' in $log; served: $(served | tr '\n' '|'))"
  sleep 0.2
done
ms=$((pass - t0))
ok "scavenging pass $ms ms after the restart (seen in the log)"

check "after the pass: kms1's refreshed SRV is served, kms2's unrefreshed one is gone"
expect_eq "served" "$(served)" "$srv1"
dig +norec +time=2 +tries=2 @"$AD_DC_IP" SRV "$OWNER" | grep -q 'status: NOERROR' ||
  fail "$OWNER does not answer NOERROR after the pass"
recs=$("$RECS" get "$AD_DIR" _vlmcs._tcp)
t1b=$(stamp 1) t2b=$(stamp 2)
expect_eq "kms1's timestamp, as refreshed" "$t1b" "$t1"
[ -z "$t2b" ] || fail "kms2's record is still in the dnsRecord (timestamp $t2b): $recs"
ok "dnsRecord of _vlmcs._tcp now: $(tr '\n' '|' <<<"$recs") — kms1 $(($("$RECS" now) - t1b)) h old (fresh), kms2 was $((now - old2)) h old (stale: > 168 + 168)"
info "scavenging pass ${ms} ms after the DC's restart with dns zone scavenging = yes"
