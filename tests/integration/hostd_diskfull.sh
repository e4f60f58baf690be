#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-hostd when the disk under its database is full: every commit fails
# and every request is answered ERR internal, but the log must not get a
# line per failed commit. At most one line per kind of error per 10 s, the
# lines held back counted in the next one, and one line when requests are
# saved again. The database lives on a 1 MiB tmpfs this test mounts and
# fills, so it needs root (exit 77, skipped, otherwise).
# usage: hostd_diskfull.sh HOSTD CLIENT HOSTLOAD
HOSTD=$1 CLIENT=$2 LOAD=$3
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" root # to mount a tmpfs

MNT=$WORK/db
# at exit the daemon goes first (it holds the database open), then the mount, then WORK
at_exit 'umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true'
mkdir "$MNT"
mount -t tmpfs -o size=1m,mode=0700 kmsdns-test "$MNT" || fail "cannot mount a tmpfs on $MNT"

PORT=$(free_port)
CONF=$WORK/h.conf
LOG=$WORK/hostd.log
write_conf "$CONF" "$PORT"
sed -i "s|^database = .*|database = $MNT/host.db|" "$CONF"
start_hostd "$CONF" "$LOG"

ask() { # N: one request for CMID N, prints its count (or the ERR line)
  local out
  out=$("$CLIENT" --kms "127.0.0.1:$PORT" --cmid "$(cmid "$1")" --edition win7-enterprise \
    --format json --timeout 3) || [ $? -le 1 ] || { echo "no-answer"; return; }
  jq -r '.count // .error // .' <<<"$out"
}
refusals() { grep -c 'refused as internal' "$LOG" || true; }

check "the store works before the disk fills"
for i in 1 2 3; do [ "$(ask "$i")" = "$i" ] || fail "request $i before the disk filled"; done
ok "counts 1..3"

check "a full disk under load"
dd if=/dev/zero of="$MNT/fill" bs=4096 2>/dev/null || true
avail=$(df --output=avail -B1 "$MNT" | tail -n 1 | tr -d ' ')
[ "$avail" = 0 ] || fail "the tmpfs still has $avail bytes free"
t0=$(date +%s%N)
load=$("$LOAD" -a "127.0.0.1:$PORT" -n 20000 -c 32 -t 5000 -p 00000001 2>"$WORK/load.err") ||
  [ $? -eq 1 ] || fail "hostload: $(tail -n 3 "$WORK/load.err")" # 1: not every request was OK
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
refused=$(sed -n 's/.* err=\([0-9]*\).*/\1/p' <<<"$load")
okd=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$load")
[ "$okd" = 0 ] && [ "$refused" = 20000 ] || fail "on a full disk: $load"
grep -q "ERR internal" "$WORK/load.err" || fail "the refusals were not ERR internal: $(head -n 3 "$WORK/load.err")"
ok "20,000 requests in $elapsed_ms ms, all ERR internal"
lines=$(refusals)
allowed=$((elapsed_ms / 10000 + 1))
[ "$lines" -ge 1 ] || fail "the failure was not logged at all"
[ "$lines" -le "$allowed" ] ||
  fail "$lines 'refused as internal' lines in $elapsed_ms ms (at most $allowed: one per 10 s)"
ok "$lines line(s) about it: $(grep -m 1 -o 'cannot save.*' "$LOG")"
[ "$(status_field "$PORT" count)" = 3 ] || fail "STATUS on a full disk: the count moved"
ok "STATUS still answers, count 3"

check "the lines held back are counted within 10 s"
for _ in $(seq 1 120); do grep -q 'more suppressed' "$LOG" && break; sleep 0.1; done
grep -q 'more suppressed' "$LOG" || fail "no 'more suppressed' line 12 s after the failures"
ok "$(grep -m 1 -o 'cannot save.*more suppressed.*' "$LOG")"
[ "$(refusals)" -le $((allowed + 1)) ] || fail "more 'refused as internal' lines than one per 10 s"

check "space again"
rm -f "$MNT/fill"
[ "$(ask 4)" = 4 ] || fail "request 4 after the disk was freed"
ok "count 4"
for _ in $(seq 1 20); do grep -q 'saved again' "$LOG" && break; sleep 0.1; done
line=$(grep -m 1 'saved again' "$LOG") || fail "no line saying requests are saved again"
grep -q "[^0-9]$refused request(s) refused" <<<"$line" ||
  fail "the recovery line does not count the $refused refusals: $line"
ok "${line#*: }"
stop_hostd
