#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-hostd as the system runs it: -n on good and bad configs, SIGTERM in
# the middle of a load loses no acknowledged request, the privilege drop to
# [host] user (a user this test creates; observed in /proc/PID/status) and
# low-priority (nice 10), and the systemd units pass systemd-analyze verify.
# usage: hostd_system.sh HOSTD CLIENT HOSTLOAD UNIT_DIR_BUILD SOURCE_DIR
HOSTD=$1 CLIENT=$2 LOAD=$3 BUILD=$4 SRC=$5
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

PORT=$(free_port)
CONF=$WORK/h.conf
write_conf "$CONF" "$PORT"

check "-n"
out=$("$HOSTD" -c "$CONF" -n) || fail "-n on a good config: $out"
grep -q "configuration OK" <<<"$out" || fail "-n said: $out"
ok "good config: exit 0: $out"
printf '[host]\nfqdn = kms1.example.test\nkey-group = server-z\n' >"$WORK/bad.conf"
rc=0; out=$("$HOSTD" -c "$WORK/bad.conf" -n 2>&1) || rc=$?
[ $rc -eq 2 ] && grep -q "bad.conf:3: 'server-z' is not one of" <<<"$out" || fail "-n on a bad config: exit $rc: $out"
ok "bad config: exit 2: $out"
[ ! -e "$WORK/host.db" ] || fail "-n created the database"
ok "-n touched nothing"

check "SIGTERM in the middle of a load loses nothing acknowledged"
start_hostd "$CONF"
"$LOAD" -a "127.0.0.1:$PORT" -n 200000 -c 32 -o "$WORK/acked" -t 3000 >"$WORK/load.out" 2>"$WORK/load.err" &
load_pid=$!
at_exit_kill "$load_pid"
for _ in $(seq 1 100); do [ "$(wc -l <"$WORK/acked" 2>/dev/null || echo 0)" -ge 2000 ] && break; sleep 0.02; done
kill -TERM "$HOSTD_PID"
rc=0; wait "$HOSTD_PID" || rc=$?
HOSTD_PID=
[ $rc -eq 0 ] || fail "kmsdns-hostd exited $rc on SIGTERM under load"
wait "$load_pid" || true
acked=$(wc -l <"$WORK/acked")
[ "$acked" -gt 0 ] && [ "$acked" -lt 200000 ] || fail "the load was not cut: $acked acknowledged ($(cat "$WORK/load.out"))"
lost=$(comm -23 <(cut -d' ' -f1 "$WORK/acked" | sort) <(sqlite3 "$WORK/host.db" "SELECT cmid FROM log" | sort) | head -n 3)
[ -z "$lost" ] || fail "acknowledged but not in the request log after SIGTERM: $lost"
ok "exit 0; $acked acknowledged requests, every one in the database ($(cat "$WORK/load.out"))"

if ! is_root; then
  echo "$T: NOTE: not root: the privilege-drop part is not run"
else
  check "privilege drop to [host] user, and low-priority"
  U=kmsdnst$$
  useradd --system --no-create-home --shell /usr/sbin/nologin "$U" || fail "useradd $U"
  at_exit "userdel $U 2>/dev/null" # after the daemon is stopped
  uid=$(id -u "$U") gid=$(id -g "$U")
  mkdir -p "$WORK/state" && chown "$U:$U" "$WORK/state" && chmod o+x "$WORK"
  write_conf "$CONF" "$PORT" "user = $U" "low-priority = yes"
  sed -i "s|^database = .*|database = $WORK/state/host.db|" "$CONF"
  start_hostd "$CONF"
  ids=$(awk '/^Uid:/ {print $2,$3,$4,$5} /^Gid:/ {print $2,$3,$4,$5}' "/proc/$HOSTD_PID/status" | tr '\n' ' ')
  [ "$ids" = "$uid $uid $uid $uid $gid $gid $gid $gid " ] || fail "uids/gids after the drop: $ids (want $uid, $gid)"
  ok "/proc/$HOSTD_PID/status: uid $uid gid $gid (real, effective, saved, fs)"
  [ "$(ps -o ni= -p "$HOSTD_PID" | tr -d ' ')" = 10 ] || fail "nice: $(ps -o ni= -p "$HOSTD_PID")"
  ok "low-priority: nice 10"
  out=$("$CLIENT" --kms "127.0.0.1:$PORT" --cmid "$(cmid 7)" --edition ws2008r2-web --format json) || [ $? -eq 1 ] || fail "no answer after the drop"
  [ "$(jq -r .count <<<"$out")" = 1 ] || fail "request after the drop: $out"
  [ "$(stat -c %U "$WORK/state/host.db")" = "$U" ] || fail "database owner: $(stat -c %U "$WORK/state/host.db")"
  ok "requests are recorded after the drop; the database belongs to $U"
  stop_hostd
  write_conf "$CONF" "$PORT" "user = nosuch$$"
  rc=0; out=$("$HOSTD" -c "$CONF" --foreground 2>&1) || rc=$?
  [ $rc -eq 2 ] && grep -q "\[host\] user 'nosuch$$': no such account" <<<"$out" || fail "missing user: exit $rc: $out"
  ok "a missing account as root: exit 2: $out"
  rc=0; out=$("$HOSTD" -c "$CONF" -n 2>&1) || rc=$?
  [ $rc -eq 2 ] || fail "-n with a missing account: exit $rc: $out"
  ok "-n says so too"
fi

check "systemd units: systemd-analyze verify"
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (scripts/deps installs systemd)"
mkdir "$WORK/units"
cp "$BUILD/host/kmsdns-hostd.service" "$BUILD/verifier/kmsdns-verify.service" \
  "$SRC/verifier/systemd/kmsdns-verify.timer" "$WORK/units/"
# the units name the installed programs; point them at the built ones
sed -i -E "s#[^ =]*/kmsdns-hostd #$HOSTD #g; s#[^ =]*/kmsdns-verify #$(dirname "$HOSTD")/../verifier/kmsdns-verify #g" "$WORK/units"/*.service
out=$(cd "$WORK/units" && systemd-analyze verify --man=no ./kmsdns-hostd.service ./kmsdns-verify.service ./kmsdns-verify.timer 2>&1) ||
  fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify warns: $out"
ok "kmsdns-hostd.service, kmsdns-verify.service and .timer verify cleanly"
grep -q '^Type=notify$' "$WORK/units/kmsdns-hostd.service" && grep -q '^User=kmsdns$' "$WORK/units/kmsdns-hostd.service" ||
  fail "unit lost Type=notify or User="
