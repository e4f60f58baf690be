#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-hostd killed with SIGKILL in the middle of a parallel load never
# loses an acknowledged client. Each round starts on a fresh database, fires
# 50 kmsdns-client requests with distinct CMIDs at once (50: the table's
# capacity, so nothing is evicted and the check is exact), kills the daemon
# after a few milliseconds, restarts it, and checks that:
#  - the acknowledged counts were all distinct;
#  - every acknowledged CMID is still in the table, and re-sending it does
#    not grow the count;
#  - the count equals the CMIDs that made it into the table (acknowledged
#    ones plus those committed whose answer the kill cut off), and the
#    table's rows are exactly that many.
# usage: hostd_crash.sh HOSTD CLIENT [ROUNDS]
HOSTD=$1 CLIENT=$2 ROUNDS=${3:-6}
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

PORT=$(free_port)
CONF=$WORK/h.conf
write_conf "$CONF" "$PORT"
total_acked=0 partial_rounds=0

round() {
  local r=$1 killat=$2 i
  rm -f "$WORK"/host.db* "$WORK"/ans.*
  start_hostd "$CONF"
  # the first client edition takes capacity to 50 before the load
  "$CLIENT" --kms "127.0.0.1:$PORT" --cmid "$(cmid 999)" --edition win7-enterprise --format json >"$WORK/ans.0" || [ $? -eq 1 ] ||
    fail "round $r: warm-up request not answered"
  # the kill lands while clients are still being started: those started just
  # before it are in flight, those after it find no host
  for i in $(seq 1 49); do
    "$CLIENT" --kms "127.0.0.1:$PORT" --cmid "$(cmid $((r * 1000 + i)))" --edition win7-enterprise \
      --name "r${r}c$i" --format json --timeout 5 >"$WORK/ans.$i" 2>/dev/null &
    [ "$i" -ne "$killat" ] || kill -9 "$HOSTD_PID"
  done
  wait "$HOSTD_PID" 2>/dev/null || true
  HOSTD_PID=
  wait || true # the clients: answered, or cut off
  local acked counts dup
  acked=$(cat "$WORK"/ans.* | jq -r 'select(.count != null) | .cmid' | sort)
  counts=$(cat "$WORK"/ans.* | jq -r 'select(.count != null) | .count' | sort -n)
  dup=$(uniq -d <<<"$counts")
  [ -z "$dup" ] || fail "round $r: counts acknowledged twice: $dup"
  local na
  na=$(grep -c . <<<"$acked" || true)
  start_hostd "$CONF"
  local count rows
  count=$(status_field "$PORT" count)
  rows=$(sqlite3 "$WORK/host.db" "SELECT cmid FROM entries" | sort)
  [ "$(grep -c . <<<"$rows")" = "$count" ] || fail "round $r: STATUS count $count but $(grep -c . <<<"$rows") table rows"
  local missing
  missing=$(comm -23 <(printf '%s\n' "$acked") <(printf '%s\n' "$rows") | grep . || true)
  [ -z "$missing" ] || fail "round $r: acknowledged but lost after kill -9: $missing"
  [ "$na" -le "$count" ] && [ "$count" -le 50 ] || fail "round $r: $na acknowledged, count $count"
  for c in $acked; do
    local again
    again=$("$CLIENT" --kms "127.0.0.1:$PORT" --cmid "$c" --edition win7-enterprise --format json | jq -r .count) || true
    [ "$again" = "$count" ] || fail "round $r: re-sending $c moved the count from $count to $again"
  done
  ok "round $r (kill -9 after starting $killat clients): $na acknowledged, count $count after restart, all still known, re-sends are renewals"
  total_acked=$((total_acked + na))
  [ "$na" -ge 50 ] || partial_rounds=$((partial_rounds + 1))
  stop_hostd
}

check "kill -9 during a parallel load of 50 distinct CMIDs, $ROUNDS rounds"
for r in $(seq 1 "$ROUNDS"); do round "$r" $((8 + (r * 7) % 36)); done
[ "$partial_rounds" -gt 0 ] || fail "the kill never landed mid-load (every round completed): the test proved nothing"
ok "$partial_rounds of $ROUNDS rounds were cut mid-load; $total_acked acknowledged CMIDs checked"
