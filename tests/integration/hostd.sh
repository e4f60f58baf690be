#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-hostd driven by kmsdns-client and raw pokes on loopback: the guide's
# counting example end to end, STATUS, restarts, the store's refusals, every
# bad-request path of the SPEC with its timing, and the DCE/RPC bind.
# usage: hostd.sh HOSTD CLIENT HOSTPOKE
HOSTD=$1 CLIENT=$2 POKE=$3
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

PORT=$(free_port)
CONF=$WORK/h.conf
write_conf "$CONF" "$PORT" "key-group = server-c"

# ask N EDITION EXPECTED_EXIT: one request as client N; prints "count activated".
ask() {
  local out rc=0
  out=$("$CLIENT" --kms "127.0.0.1:$PORT" --cmid "$(cmid "$1")" --name "pc$1" --edition "$2" --format json) || rc=$?
  [ "$rc" -eq "$3" ] || fail "client $1 ($2): exit $rc, expected $3: $out"
  jq -r '"\(.count) \(.activated)"' <<<"$out"
}

check "the guide's example, from an empty database"
start_hostd "$CONF"
expect_eq "capacity before any client" "$(status_field "$PORT" capacity)" 10
expect_eq "1st Windows 7" "$(ask 1 win7-enterprise 1)" "1 false"
expect_eq "capacity grows with the first client edition" "$(status_field "$PORT" capacity)" 50
expect_eq "2nd Windows 7" "$(ask 2 win7-professional 1)" "2 false"
expect_eq "3rd Windows 7" "$(ask 3 win7-enterprise-n 1)" "3 false"
expect_eq "a Server 2008 R2 then" "$(ask 4 ws2008r2-enterprise 1)" "4 false"
expect_eq "5th request, a server edition: activated" "$(ask 5 ws2008r2-datacenter 0)" "5 true"
expect_eq "5th count, a client edition would not be" "$(ask 5 win7-enterprise 1)" "5 false"
for i in $(seq 6 24); do ask "$i" vista-business 1 >/dev/null; done
expect_eq "24th client: not yet" "$(status_field "$PORT" count)" 24
expect_eq "25th request: clients activate" "$(ask 25 win7-enterprise 0)" "25 true"
expect_eq "a renewal does not grow the count" "$(ask 1 win7-enterprise 0)" "25 true"
out=$("$CLIENT" --kms "127.0.0.1:$PORT" --cmid "$(cmid 25)" --name pc25 --edition win7-enterprise --format json)
expect_eq "intervals handed out" "$(jq -c '[.validity,.renewal,.retry,.threshold]' <<<"$out")" "[259200,10080,120,25]"

check "refused editions change nothing and are logged"
rc=0; out=$("$CLIENT" --kms "127.0.0.1:$PORT" --cmid "$(cmid 99)" --edition win8-pro 2>&1) || rc=$?
[ $rc -eq 1 ] && grep -q "refused: unknown-edition" <<<"$out" || fail "unknown edition: exit $rc: $out"
ok "unknown-edition, exit 1"
expect_eq "count after refusals" "$(status_field "$PORT" count)" 25

check "STATUS without --kms: 127.0.0.1 on the config's [host] port"
"$CLIENT" -c "$CONF" --status | grep -q "^  count  *25$" || fail "kmsdns-client -c CONF --status: $("$CLIENT" -c "$CONF" --status 2>&1)"
ok "kmsdns-client -c CONF --status"

check "STATUS over IPv6 loopback and its fields"
st=$("$CLIENT" --kms "[::1]:$PORT" --status --format json)
expect_eq "STATUS key-group/port/publish" "$(jq -c '.status|[."key-group",.port,.publish]' <<<"$st")" "[\"server-c\",$PORT,0]"

check "restart keeps the count and capacity"
stop_hostd
start_hostd "$CONF"
expect_eq "count after restart" "$(status_field "$PORT" count)" 25
expect_eq "capacity after restart" "$(status_field "$PORT" capacity)" 50
expect_eq "known CMID after restart is a renewal" "$(ask 3 win7-enterprise 0)" "25 true"
rows=$(sqlite3 "$WORK/host.db" "SELECT count(*) FROM log WHERE result = 'unknown-edition' AND cmid = '$(cmid 99)'")
expect_eq "the refused request is in the request log" "$rows" 1
rows=$(sqlite3 "$WORK/host.db" "SELECT name || ' ' || count || ' ' || result FROM log WHERE cmid = '$(cmid 25)' ORDER BY rowid LIMIT 1")
expect_eq "log row of client 25" "$rows" "pc25 25 activated"

check "key group: a server-a host refuses Datacenter"
stop_hostd
write_conf "$CONF" "$PORT" "key-group = server-a"
start_hostd "$CONF"
rc=0; out=$("$CLIENT" --kms "127.0.0.1:$PORT" --cmid "$(cmid 50)" --edition ws2008r2-datacenter 2>&1) || rc=$?
[ $rc -eq 1 ] && grep -q "refused: edition-not-covered" <<<"$out" || fail "not covered: exit $rc: $out"
ok "edition-not-covered: $out"
expect_eq "web edition is covered" "$(ask 51 ws2008r2-web 0)" "26 true"

check "bad requests (each answered ERR bad-request)"
bad() { # WHAT, bytes on stdin; optional --shut
  local what=$1 got
  shift
  got=$("$POKE" 127.0.0.1 "$PORT" "$@" 2>/dev/null) || true
  case "$got" in "ERR bad-request "*) ok "$what: ${got%$'\n'}" ;; *) fail "$what: got '$got'" ;; esac
}
printf 'GARBAGE\n' | bad "unknown verb"
printf 'REQUEST v2 cmid=%s edition=win7-enterprise name=a\n' "$(cmid 1)" | bad "unknown version"
printf 'REQUEST v1 cmid=%s edition=win7-enterprise\n' "$(cmid 1)" | bad "missing name"
printf 'REQUEST v1 cmid=%s edition=win7-enterprise name=a name=b\n' "$(cmid 1)" | bad "repeated key"
printf 'REQUEST v1 cmid=%s edition=win7-enterprise name=a extra=1\n' "$(cmid 1)" | bad "unknown key"
printf 'REQUEST v1 cmid=not-a-uuid edition=win7-enterprise name=a\n' | bad "cmid not a UUID"
printf 'REQUEST v1 cmid=%s edition=Win7 name=a\n' "$(cmid 1)" | bad "edition form"
printf 'REQUEST v1 cmid=%s edition=win7-enterprise name=caf\xc3\xa9\n' "$(cmid 1)" | bad "non-ASCII name"
printf 'REQUEST v1 cmid=%s edition=win7-enterprise name=\xff\n' "$(cmid 1)" | bad "non-UTF-8"
printf 'REQUEST v1 cmid=%s edition=win7-enterprise name=a' "$(cmid 1)" | bad "no newline before EOF" --shut
printf 'STATUS v1 now\n' | bad "STATUS with a field"
head -c 513 /dev/zero | tr '\0' 'A' | bad "513 bytes, no newline, connection left open"
count=$(status_field "$PORT" count)
expect_eq "count after the bad requests" "$count" 26

check "silence: EOF before any byte, and the 5 s deadline"
got=$(printf '' | "$POKE" 127.0.0.1 "$PORT" --shut 2>&1 >"$WORK/out")
[ ! -s "$WORK/out" ] && grep -q "closed after" <<<"$got" || fail "empty connection: $got / $(cat "$WORK/out")"
ok "EOF before any byte: closed, no answer"
got=$(printf 'REQUEST v1 cmid=%s' "$(cmid 1)" | "$POKE" 127.0.0.1 "$PORT" --timeout 9000 2>&1 >"$WORK/out")
ms=$(sed -n 's/closed after \([0-9]*\) ms/\1/p' <<<"$got")
[ -n "$ms" ] && [ "$ms" -ge 4800 ] && [ "$ms" -le 6500 ] && [ ! -s "$WORK/out" ] ||
  fail "half a line then silence: '$got', answer '$(cat "$WORK/out")'"
ok "half a line then silence: closed after $ms ms, no answer"

check "DCE/RPC bind"
# bind, call_id 7: KMS interface v1.0 offering NDR (C706 12.6.4.3)
kms_bind='\x05\x00\x0b\x03\x10\x00\x00\x00\x48\x00\x00\x00\x07\x00\x00\x00\xd0\x16\xd0\x16\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x01\x00\x75\x21\xc8\x51\x4e\x84\x50\x47\xb0\xd8\xec\x25\x55\x55\xbc\x06\x01\x00\x00\x00\x04\x5d\x88\x8a\xeb\x1c\xc9\x11\x9f\xe8\x08\x00\x2b\x10\x48\x60\x02\x00\x00\x00'
ptype_call() { echo "$(od -An -tu1 -j2 -N1 "$1" | tr -d ' \n') $(od -An -tu4 -j12 -N4 "$1" | tr -d ' \n')"; }
printf "$kms_bind" | "$POKE" 127.0.0.1 "$PORT" 2>/dev/null >"$WORK/ack" || true
expect_eq "KMS v1.0 bind -> bind_ack, call_id echoed" "$(ptype_call "$WORK/ack")" "12 7"
printf "${kms_bind/\\x01\\x00\\x00\\x00\\x04/\\x02\\x00\\x00\\x00\\x04}" | "$POKE" 127.0.0.1 "$PORT" 2>/dev/null >"$WORK/nak" || true
expect_eq "KMS v2.0 bind -> bind_nak" "$(ptype_call "$WORK/nak")" "13 7"
printf "${kms_bind/\\x75\\x21/\\x76\\x21}" | "$POKE" 127.0.0.1 "$PORT" 2>/dev/null >"$WORK/nak" || true
expect_eq "other interface -> bind_nak" "$(ptype_call "$WORK/nak")" "13 7"
printf "${kms_bind/\\x0b\\x03/\\x00\\x03}" | "$POKE" 127.0.0.1 "$PORT" 2>/dev/null >"$WORK/none" || true
[ ! -s "$WORK/none" ] || fail "a DCE/RPC request PDU was answered"
ok "DCE/RPC request PDU (not a bind): closed without an answer"
stop_hostd

check "start-up refusals"
start_hostd "$CONF"
rc=0; timeout 10 "$HOSTD" -c "$CONF" --foreground >"$WORK/again.log" 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -q "could not listen on any \[host\] listen address" "$WORK/again.log" ||
  fail "second hostd on a busy port: exit $rc: $(cat "$WORK/again.log")"
ok "every listen address busy: exit 1"
stop_hostd
sqlite3 "$WORK/foreign.db" "CREATE TABLE t(x); INSERT INTO t VALUES(1);"
sum=$(md5sum <"$WORK/foreign.db")
write_conf "$WORK/foreign.conf" "$PORT"
sed -i "s|^database = .*|database = $WORK/foreign.db|" "$WORK/foreign.conf"
rc=0; out=$("$HOSTD" -c "$WORK/foreign.conf" --foreground 2>&1) || rc=$?
[ $rc -eq 1 ] && grep -q "foreign.db: not a kmsdns host database" <<<"$out" || fail "foreign db: exit $rc: $out"
[ "$(md5sum <"$WORK/foreign.db")" = "$sum" ] || fail "the foreign database was changed"
ok "foreign database: exit 1, untouched: $out"
printf 'this is not a database, just text that is long enough\n%.0s' $(seq 1 100) >"$WORK/garbage.db"
sed -i "s|^database = .*|database = $WORK/garbage.db|" "$WORK/foreign.conf"
rc=0; out=$("$HOSTD" -c "$WORK/foreign.conf" --foreground 2>&1) || rc=$?
[ $rc -eq 1 ] && grep -q "garbage.db" <<<"$out" || fail "garbage db: exit $rc: $out"
ok "damaged database: exit 1: $out"
printf '[host]\nport = 1688\n' >"$WORK/nofqdn.conf"
rc=0; out=$("$HOSTD" -c "$WORK/nofqdn.conf" --foreground 2>&1) || rc=$?
[ $rc -eq 2 ] && grep -q "fqdn is required" <<<"$out" || fail "no fqdn: exit $rc: $out"
ok "no fqdn: exit 2"
printf '[host]\nfqdn = kms1.example.test\nmax-connections = 5\n' >"$WORK/bad.conf"
rc=0; out=$("$HOSTD" -c "$WORK/bad.conf" 2>&1) || rc=$?
[ $rc -eq 2 ] && grep -q "bad.conf:3: " <<<"$out" || fail "bad max-connections: exit $rc: $out"
ok "bad config: exit 2: $out"

check "detached start: the starting command exits 0 once the daemon listens"
"$HOSTD" -c "$CONF" || fail "detached start failed"
"$CLIENT" --kms "127.0.0.1:$PORT" --status >/dev/null || fail "detached daemon does not answer"
pid=$(pgrep -f "kmsdns-hostd -c $CONF\$") || fail "no detached daemon process"
kill -TERM "$pid"
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$pid" 2>/dev/null || fail "detached daemon did not stop on SIGTERM"
ok "detached daemon answered and stopped"
rc=0; out=$("$HOSTD" -c "$WORK/foreign.conf" 2>&1) || rc=$?
[ $rc -eq 1 ] && grep -q "garbage.db" <<<"$out" || fail "detached start with a bad database: exit $rc: $out"
ok "detached start with a bad database: the starting command says why, exit 1"

check "client errors"
rc=0; "$CLIENT" --kms "127.0.0.1:$PORT" --status 2>/dev/null || rc=$?
expect_eq "nobody listening: exit" "$rc" 3
rc=0; "$CLIENT" --kms "127.0.0.1:$PORT" --cmid nope 2>/dev/null || rc=$?
expect_eq "bad --cmid: exit" "$rc" 2
# refused before anything is sent (no resolver is asked)
for args in "--fleet 10 --mix win7-enterprise=50" "--fleet 10 --mix win9=100" "--fleet 10 --kms 127.0.0.1" \
  "--mix win7-enterprise=100" "--fleet 0" "--domain bad..name --fleet 3"; do
  rc=0; out=$("$CLIENT" --resolver 127.0.0.1:1 $args 2>&1) || rc=$?
  [ $rc -eq 2 ] || fail "kmsdns-client $args: exit $rc, expected 2: $out"
done
ok "fleet and option misuse: exit 2, with the reason"

check "STATUS from a non-loopback address: ERR forbidden (in a network namespace of our own)"
if ! is_root; then
  echo "$T: NOTE: not root, cannot create a network namespace: this part is not run"
else
  write_conf "$WORK/ns.conf" "$PORT"
  sed -i 's/^listen = .*/listen = 0.0.0.0/' "$WORK/ns.conf"
  out=$(unshare --net -- bash -ec '
    ip link set lo up
    ip addr add 192.0.2.1/32 dev lo
    "$1" -c "$2" --foreground 2>/dev/null & pid=$!
    for _ in $(seq 1 100); do "$3" --kms 127.0.0.1:"$4" --status >/dev/null 2>&1 && break; sleep 0.05; done
    rc=0; "$3" --kms 192.0.2.1:"$4" --status 2>&1 || rc=$?; echo "status-exit=$rc"
    rc=0; "$3" --kms 192.0.2.1:"$4" --cmid 00000000-0000-4000-8000-0000000000aa --edition ws2008r2-web --format json || rc=$?
    kill -TERM $pid; wait $pid' _ "$HOSTD" "$WORK/ns.conf" "$CLIENT" "$PORT" 2>&1) || fail "namespace run: $out"
  grep -q "refused: forbidden: STATUS is answered on loopback only" <<<"$out" && grep -q "status-exit=1" <<<"$out" ||
    fail "STATUS from 192.0.2.1 was not refused: $out"
  ok "STATUS from 192.0.2.1: ERR forbidden, exit 1"
  jq -e '.result == "activated" and .count == 27' <<<"$(sed -n '/^{/,/^}/p' <<<"$out")" >/dev/null ||
    fail "REQUEST from 192.0.2.1 not served: $out"
  ok "REQUEST from 192.0.2.1 is served (count 27)"
fi
