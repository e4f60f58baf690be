#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-hostd under hostile load: 10,000 malformed requests of four kinds,
# then a flood of idle connections far above [host] max-connections, and it
# must still answer real requests (and STATUS) during and after, with the
# count exactly what the real requests made it. Last, eviction is fair
# across addresses: a slow client on 127.0.0.3 is served while 127.0.0.2
# floods the cap with idle connections.
# usage: hostd_flood.sh HOSTD CLIENT HOSTPOKE HOSTFLOOD
HOSTD=$1 CLIENT=$2 POKE=$3 FLOOD=$4
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

PORT=$(free_port)
CONF=$WORK/h.conf
write_conf "$CONF" "$PORT" "max-connections = 64"
start_hostd "$CONF"

# malformed NAME EXPECTED_FIRST_LINE [--shut]: 2,500 connections sending stdin.
malformed() {
  local what=$1 want=$2 got
  shift 2
  got=$("$POKE" 127.0.0.1 "$PORT" --repeat 2500 --timeout 3000 "$@" | sort | uniq -c | sed 's/^ *//')
  [ "$got" = "2500 $want" ] || fail "$what: expected 2500 x '$want', got: $got"
  ok "2,500 x $what -> $want"
}

check "10,000 malformed requests"
printf 'GARBAGE\n' | malformed "unknown verb" "ERR bad-request unknown verb"
head -c 600 /dev/zero | tr '\0' 'x' | malformed "600-byte line" "ERR bad-request request line longer than 512 bytes"
printf 'REQUEST v1 cmid=00000000-0000-4000-8000-000000000001 edition=win7-enterprise' |
  malformed "no newline before EOF" "ERR bad-request the connection ended before the line's newline" --shut
printf '\x05\x00\x00\x03\x10\x00\x00\x00\x10\x00\x00\x00\x01\x00\x00\x00' |
  malformed "DCE/RPC PDU that is not a bind" "<none>"
[ "$(status_field "$PORT" count)" = 0 ] || fail "malformed requests changed the count"
ok "count still 0"

check "2,000 idle connections (max-connections 64) while real clients ask"
"$POKE" 127.0.0.1 "$PORT" --idle 2000 --hold 4000 >"$WORK/idle.out" 2>"$WORK/idle.err" &
idle_pid=$!
at_exit_kill "$idle_pid"
sleep 1
for i in $(seq 1 20); do
  out=$("$CLIENT" --kms "127.0.0.1:$PORT" --cmid "$(cmid "$i")" --edition win7-enterprise --format json --timeout 3) ||
    [ $? -le 1 ] || fail "real request $i during the idle flood: no answer"
  [ "$(jq -r .count <<<"$out")" = "$i" ] || fail "real request $i during the flood: $out"
done
ok "20 real requests answered during the flood, counts 1..20"
conns=$(status_field "$PORT" connections)
[ "$conns" -le 64 ] || fail "STATUS says $conns connections open, above max-connections 64"
ok "STATUS during the flood: $conns connections open (cap 64)"
wait "$idle_pid" || fail "idle flood could not open its connections: $(cat "$WORK/idle.err")"
closed=$(sed -n 's/^closed=\([0-9]*\) of 2000$/\1/p' "$WORK/idle.out")
[ -n "$closed" ] && [ "$closed" -ge $((2000 - 64)) ] || fail "idle flood: $(cat "$WORK/idle.out")"
ok "the host closed $closed of the 2,000 idle connections to make room"

check "after the flood"
kill -0 "$HOSTD_PID" || fail "kmsdns-hostd died"
out=$("$CLIENT" --kms "127.0.0.1:$PORT" --cmid "$(cmid 21)" --edition win7-enterprise --format json) ||
  [ $? -eq 1 ] || fail "no answer after the flood"
[ "$(jq -r '"\(.count) \(.activated)"' <<<"$out")" = "21 false" ] || fail "after the flood: $out"
ok "answers after the flood, count 21"
rss=$(awk '/^VmHWM/ {print $2}' "/proc/$HOSTD_PID/status")
ok "peak RSS during all this: ${rss} kB"

# Each slow request waits 50 ms between connect and send, while the flood
# opens 3,000 connections a second: 150 in that window, over twice the cap.
# Evicting by deadline alone, the slow connection is always the oldest.
check "a slow client (127.0.0.3, 50 ms to send) while 127.0.0.2 floods 3,000 idle connections/s"
"$FLOOD" 127.0.0.1 "$PORT" --from 127.0.0.2 --flood 3000 --for 120000 >"$WORK/flood.out" 2>"$WORK/flood.err" &
flood_pid=$!
at_exit_kill "$flood_pid"
sleep 0.5
slow=$("$FLOOD" 127.0.0.1 "$PORT" --from 127.0.0.3 --slow 100 --wait 50 2>"$WORK/slow.err") ||
  fail "slow client: $(cat "$WORK/slow.err")"
conns=$(status_field "$PORT" connections)
kill -TERM "$flood_pid"
wait "$flood_pid" || fail "flood: $(cat "$WORK/flood.err")"
closed=$(sed -n 's/^opened=[0-9]* closed=\([0-9]*\)$/\1/p' "$WORK/flood.out")
[ -n "$closed" ] && [ "$closed" -ge 1000 ] || fail "the flood did not fill the cap: $(cat "$WORK/flood.out")"
ok "flood: $(cat "$WORK/flood.out") (the host closed them to make room), STATUS: $conns open"
[ "$conns" -le 64 ] || fail "STATUS says $conns connections open, above max-connections 64"
answered=$(sed -n 's/^ok=\([0-9]*\) .*/\1/p' <<<"$slow")
[ "${answered:-0}" -ge 95 ] || fail "slow client: $slow ($(head -n 3 "$WORK/slow.err" | tr '\n' '|'))"
ok "slow client: $slow"
stop_hostd
