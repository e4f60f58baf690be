#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-hostd retries a failed publication with a growing backoff (30 s,
# then 60 s, ...) and keeps serving meanwhile: a domain the lab's named does
# not serve fails at start, is tried again about 30 s later, and the next
# retry is announced 60 s out. Slow by nature (about 32 s).
# usage: hostd_retry.sh LAB_DIR HOSTD CLIENT
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" lab "${1:-}"
HOSTD=$2 CLIENT=$3

PORT=$(free_port)
{
  printf '[host]\nfqdn = kms1.example.test\nport = %s\nlisten = 127.0.0.1\n' "$PORT"
  printf 'database = %s/host.db\npublish = yes\n[dns]\nserver = 127.0.0.1:%s\n' "$WORK" "$LAB_NAMED_PORT"
  printf 'auth = tsig\ntsig-key = %s\ntimeout = 1\nretries = 0\n' "$LAB_TSIG_KEY"
  printf '[publish]\ndomain = nosuch.test\n'
} >"$WORK/h.conf"
start_hostd "$WORK/h.conf"
at=$(date +%s)

check "the first failure schedules a retry in 30 s"
for _ in $(seq 1 50); do grep -q "next publication in 30 s" "$WORK/hostd.log" && break; sleep 0.1; done
grep -q "next publication in 30 s" "$WORK/hostd.log" || fail "no retry scheduled: $(cat "$WORK/hostd.log")"
ok "$(grep -c 'publication failed (event 12293)' "$WORK/hostd.log") failure, retry in 30 s"
first=$("$CLIENT" --kms "127.0.0.1:$PORT" --status | awk '$1 == "domain.nosuch.test" {print $2}')

check "the retry comes about 30 s later and doubles the backoff"
for _ in $(seq 1 400); do grep -q "next publication in 60 s" "$WORK/hostd.log" && break; sleep 0.1; done
took=$(($(date +%s) - at))
grep -q "next publication in 60 s" "$WORK/hostd.log" || fail "no second attempt within 40 s: $(cat "$WORK/hostd.log")"
[ "$took" -ge 29 ] && [ "$took" -le 40 ] || fail "the retry came after $took s"
[ "$(grep -c 'publication failed (event 12293): SRV record in nosuch.test' "$WORK/hostd.log")" = 2 ] || fail "not two failures"
ok "second attempt after ${took} s, next in 60 s"
second=$("$CLIENT" --kms "127.0.0.1:$PORT" --status | awk '$1 == "domain.nosuch.test" {print $2}')
[ "${first%@*}" = refused ] && [ "${second%@*}" = refused ] && [ "${second#*@}" -gt "${first#*@}" ] ||
  fail "STATUS did not move: $first then $second"
ok "STATUS: $first, then $second"
out=$("$CLIENT" --kms "127.0.0.1:$PORT" --cmid "$(cmid 1)" --edition ws2008r2-web --format json) || [ $? -eq 1 ] || fail "not serving"
ok "still serving (count $(jq .count <<<"$out"))"
stop_hostd
