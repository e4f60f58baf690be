#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-publish --wait against a zone served by two AD DCs (tests/lab/ad2):
# the update goes to dc1 and reaches dc2 only by AD replication (not NOTIFY).
# With dc2's inbound replication held back, --wait must not return success
# before dc2 serves the record; once dc2 has pulled the change, --wait ends
# with exit 0. A --wait that runs out while dc2 lags names dc2. The zone's
# servers come from its NS (resolver = dc1), as core/zone.c finds them.
# Usage: ad2_publish_wait.sh AD2_DIR PATH_TO_kmsdns-publish
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" ad "${1:-}" root
[ $# -eq 2 ] || { echo "usage: $0 AD2_DIR PATH_TO_kmsdns-publish" >&2; exit 2; }
PROG=$2 # run ARGS...: kmsdns-publish ARGS (harness.sh)
# shellcheck source=ad2_lib.sh
. "$(dirname "$0")/ad2_lib.sh"
at_exit ad2_restore
at_exit spec_gaps_report

check "the zone has both DCs as name servers and no SRV at $OWNER"
for ip in "$DC1" "$DC2"; do
  ns=$(dig +norec +short @"$ip" "$AD_ZONE" NS | sort | tr '\n' ' ')
  [ "$ns" = "dc1.$AD_ZONE. dc2.$AD_ZONE. " ] || fail "NS at $ip: $ns"
done
ad2_restore
[ -z "$(srv_at "$DC1")$(srv_at "$DC2")" ] || fail "could not clean $OWNER up first"
ok "NS dc1, dc2 at both; no SRV"
conf 1 1688 >"$WORK/kms1.conf"
REC="0 100 1688 kms1.$AD_ZONE."

check "--wait with dc2's inbound replication held back does not succeed before dc2 serves the record"
hold_dc2
t0=$(date +%s)
set +e
"$PROG" -c "$WORK/kms1.conf" --wait=90 --format json >"$WORK/wait.json" 2>"$WORK/wait.err" &
pid=$!
set -e
# dc1 has it at once; dc2 must not, for as long as it is held (AD notifies
# dc2 within ~5 s when it is not held).
for _ in $(seq 1 100); do [ "$(srv_at "$DC1")" = "$REC" ] && break; sleep 0.1; done
[ "$(srv_at "$DC1")" = "$REC" ] || fail "dc1 does not serve the record 10 s after the run began: $(srv_at "$DC1" | tr '\n' '|')"
sleep 10
[ -z "$(srv_at "$DC2")" ] || fail "dc2 serves the record although its inbound replication is held: $(srv_at "$DC2")"
if ! kill -0 "$pid" 2>/dev/null; then
  rc=0
  wait "$pid" || rc=$?
  fail "kmsdns-publish --wait returned (exit $rc) after $(($(date +%s) - t0)) s while dc2 ($DC2) did not serve the record yet: $(cat "$WORK/wait.json" "$WORK/wait.err")"
fi
ok "still waiting after $(($(date +%s) - t0)) s; dc1 serves the record, dc2 does not"

check "dc2 pulls the change (replication forced, hold released): --wait ends with exit 0"
sync_dc2
release_dc2
t1=$(date +%s)
rc=0
wait "$pid" || rc=$?
OUT=$(cat "$WORK/wait.json") ERR=$(cat "$WORK/wait.err") RC=$rc SECS=$(($(date +%s) - t0)) LAST="kmsdns-publish -c kms1.conf --wait=90"
expect 0 '"action": "(added|created|replaced)"' "publish --wait"
output | grep -q "served by every server" || fail "no 'served by every server' note: $(show)"
[ "$(srv_at "$DC2")" = "$REC" ] || fail "dc2 serves: $(srv_at "$DC2" | tr '\n' '|')"
ok "returned $(($(date +%s) - t1)) s after dc2 got the change; dig at dc2: $(srv_at "$DC2")"

check "a --wait that runs out while dc2 lags fails and names dc2"
hold_dc2
conf 1 1690 >"$WORK/kms1-1690.conf"
run -c "$WORK/kms1-1690.conf" --wait=4
expect 1 "$DC2:53 still serves the old data" "--wait=4, dc2 held"
[ "$(srv_at "$DC1")" = "0 100 1690 kms1.$AD_ZONE." ] || fail "dc1 serves: $(srv_at "$DC1" | tr '\n' '|')"
[ "$(srv_at "$DC2")" = "$REC" ] || fail "dc2 serves: $(srv_at "$DC2" | tr '\n' '|')"
sync_dc2

check "with [dns] server = dc1 (SPEC: nothing else is asked for that domain), --wait while dc2 lags"
conf 1 1691 "server = $DC1" >"$WORK/kms1-server.conf"
run -c "$WORK/kms1-server.conf" --wait=4
output | grep -q "served by $DC1:53 after .* (\[dns\] server: the zone's other servers were not asked)" ||
  fail "[dns] server: the note does not say only dc1 was asked: $(show)"
ok "exit $RC after ${SECS}s; dc2 serves '$(srv_at "$DC2")'; the note says only $DC1:53 was asked"
release_dc2
sync_dc2

check "withdraw --wait, dc2 not held: AD replication brings the removal to dc2 by itself"
run -c "$WORK/kms1.conf" --withdraw --wait=60
expect 0 "removed" "withdraw --wait"
[ -z "$(srv_at "$DC2")" ] || fail "dc2 still serves: $(srv_at "$DC2")"
ok "gone at dc2 after ${SECS}s"
