#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-client's discovery against real records: two kmsdns-hostd (kms1 on
# 127.0.0.11, kms2 on 127.0.0.12) publish themselves with GSS-TSIG into the
# lab's named; the client finds them through named as resolver. Checked: the
# cached host is asked first and kept, --no-cache, failover when the cached
# host stops (and the cache then follows), the priority fall-through, the
# fleet's split over 400 clients against the weights, the fleet's failover
# report with a host down, verify --probe rpc noticing the stopped host, and
# the exits when nothing can be found.
# usage: client_discover.sh LAB_DIR HOSTD CLIENT VERIFY
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" lab "${1:-}"
HOSTD=$2 CLIENT=$3 VERIFY=$4

PORT=$(free_port)
R=127.0.0.1:$LAB_NAMED_PORT
cleanup_records() {
  nsu "$LAB_NAMED_PORT" -k "$LAB_TSIG_KEY" <<NSU || true
update delete _vlmcs._tcp.corp.example.test SRV
send
update delete _vlmcs._tcp.branch.example.test SRV
NSU
}
cleanup_records
at_exit cleanup_records

conf() { # NAME ADDRESS CORP-WEIGHT BRANCH-PRIORITY
  local kt
  kt=$([ "$1" = kms1 ] && echo "$LAB_KMS1_KEYTAB" || echo "$LAB_KMS2_KEYTAB")
  printf '[host]\nfqdn = %s.example.test\nport = %s\nlisten = %s\ndatabase = %s/%s.db\n' "$1" "$PORT" "$2" "$WORK" "$1"
  printf '[dns]\nserver = %s\nauth = gss-tsig\nkeytab = %s\nprincipal = host/%s.example.test\n' "$R" "$kt" "$1"
  printf 'timeout = 2\nretries = 1\n[publish]\ndomain = corp.example.test,0,%s\n' "$3"
  printf 'domain = branch.example.test,%s,100\n' "$4"
}
conf kms1 127.0.0.11 60 0 >"$WORK/kms1.conf"
conf kms2 127.0.0.12 40 10 >"$WORK/kms2.conf"
start() { # NAME: starts it in the background, waits for its two domains to be ok
  "$HOSTD" -c "$WORK/$1.conf" --foreground 2>>"$WORK/$1.log" &
  eval "PID${1#kms}=$!"
  at_exit_kill $!
  local a=127.0.0.$((10 + ${1#kms}))
  for _ in $(seq 1 100); do
    [ "$("$CLIENT" --kms "$a:$PORT" --status 2>/dev/null | grep -c ' ok@')" = 2 ] && return 0
    sleep 0.1
  done
  fail "$1 did not publish: $(tail -n 3 "$WORK/$1.log")"
}
stop() { eval "kill -TERM \$PID${1#kms}; wait \$PID${1#kms} || true"; }
ask() { "$CLIENT" --domain corp.example.test --resolver "$R" --edition ws2008r2-web --format json "$@"; }
host_of() { jq -r .host <<<"$1"; }

start kms1
start kms2

check "one request: discovered, then the cached host is asked first"
out=$(ask --state "$WORK/st") || [ $? -le 1 ] || fail "no answer: $out"
H=$(host_of "$out")
grep -q "^host=${H}\$" "$WORK/st" && grep -Eq '^cmid=[0-9a-f-]{36}$' "$WORK/st" || fail "state: $(cat "$WORK/st")"
ok "first answer from $H; state keeps it and the CMID"
for i in $(seq 1 12); do
  out=$(ask --state "$WORK/st") || [ $? -le 1 ] || fail "request $i"
  [ "$(host_of "$out")" = "$H" ] || fail "request $i went to $(host_of "$out"), not the cached $H"
  [ "$(jq .count <<<"$out")" = 1 ] || fail "the same CMID grew the count: $out"
done
ok "12 more requests all to $H, same CMID, count stays 1"

check "--no-cache neither uses nor keeps the cached host"
cp "$WORK/st" "$WORK/st.before"
ask --state "$WORK/st" --no-cache >/dev/null || [ $? -le 1 ] || fail "--no-cache: no answer"
cmp -s "$WORK/st" "$WORK/st.before" || fail "--no-cache changed the state: $(cat "$WORK/st")"
ok "state unchanged"

check "the cached host stops: failover, and the cache follows"
case "$H" in kms1*) down=kms1 G=kms2.example.test:$PORT ;; *) down=kms2 G=kms1.example.test:$PORT ;; esac
stop "$down"
out=$(ask --state "$WORK/st" 2>"$WORK/err") || [ $? -le 1 ] || fail "no failover: $(cat "$WORK/err")"
[ "$(host_of "$out")" = "$G" ] || fail "after $down stopped: $out"
grep -q "the cached host ${H} did not answer: discovering again" "$WORK/err" || fail "stderr: $(cat "$WORK/err")"
grep -q "^host=${G}\$" "$WORK/st" || fail "the cache did not follow: $(cat "$WORK/st")"
ok "answered by $G; the cache now says $G"

check "fleet with $down down: every client fails over where its first choice was $down"
out=$("$CLIENT" --domain corp.example.test --resolver "$R" --fleet 100 --seed 7 --format json --timeout 2)
[ "$(jq '.unanswered' <<<"$out")" = 0 ] || fail "unanswered clients: $out"
moved=$(jq '.failed_over' <<<"$out")
[ "$moved" -gt 10 ] || fail "only $moved clients failed over"
[ "$(jq --arg g "$G" '.hosts[] | select(.host == $g) | .served' <<<"$out")" = 100 ] || fail "not all served by $G"
ok "100 served by $G, $moved failed over from $down"
"$CLIENT" --domain corp.example.test --resolver "$R" --fleet 20 --seed 7 --timeout 2 | grep -q "DOWN" || fail "text report does not mark $down DOWN"
ok "the text report marks $down DOWN"
rc=0; "$VERIFY" -c "$WORK/kms1.conf" -c "$WORK/kms2.conf" --server "$R" --probe rpc --format json >"$WORK/v.json" || rc=$?
[ $rc -eq 2 ] && jq -e '[.domains[].problems[]? | select(.code == "probe-failed")] | length > 0' "$WORK/v.json" >/dev/null ||
  fail "verify --probe rpc with $down stopped: exit $rc: $(jq -c . "$WORK/v.json")"
ok "kmsdns-verify --probe rpc: probe-failed for $down, exit 2"
start "$down"

check "priority: branch has kms1 at 0 and kms2 at 10 (backup)"
out=$("$CLIENT" --domain branch.example.test --resolver "$R" --fleet 40 --seed 3 --format json)
[ "$(jq --arg h "kms1.example.test:$PORT" '.hosts[] | select(.host == $h) | .served' <<<"$out")" = 40 ] || fail "branch: $out"
ok "all 40 to kms1 while it answers"
stop kms1
out=$("$CLIENT" --domain branch.example.test --resolver "$R" --fleet 40 --seed 3 --format json --timeout 2)
[ "$(jq --arg h "kms2.example.test:$PORT" '.hosts[] | select(.host == $h) | .served' <<<"$out")" = 40 ] || fail "branch, kms1 down: $out"
ok "all 40 fall through to kms2 with kms1 down"
start kms1

check "the split of 400 clients follows the weights 60/40"
out=$("$CLIENT" --domain corp.example.test --resolver "$R" --fleet 400 --seed 11 --concurrency 16 --format json)
n1=$(jq --arg h "kms1.example.test:$PORT" '.hosts[] | select(.host == $h) | .served' <<<"$out")
# first choice: (60 + 1/2) / 101 of draws; sd sqrt(400 p q) = 9.8; 4 sd either way
[ "$n1" -ge 200 ] && [ "$n1" -le 280 ] || fail "kms1 served $n1 of 400"
ok "kms1 $n1, kms2 $((400 - n1)) of 400"

check "nothing to find"
rc=0; "$CLIENT" --domain nosuch.example.test --resolver "$R" --state "$WORK/st2" 2>"$WORK/err" || rc=$?
[ $rc -eq 3 ] && grep -q "no _vlmcs._tcp SRV record" "$WORK/err" || fail "no records: exit $rc: $(cat "$WORK/err")"
ok "no SRV record: exit 3"
rc=0; "$CLIENT" --domain corp.example.test --resolver 127.0.0.1:1 --timeout 1 --state "$WORK/st2" 2>"$WORK/err" || rc=$?
[ $rc -eq 3 ] || fail "dead resolver: exit $rc: $(cat "$WORK/err")"
ok "dead resolver: exit 3 ($(head -n 1 "$WORK/err"))"
stop kms1
stop kms2
