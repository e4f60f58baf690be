# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# Sourced by the kmsdns-hostd tests: a private work directory, a free
# loopback port, and starting/stopping the daemon. No lab needed: the host
# core talks to nobody but its clients on loopback.
# Usage inside a test: . "$(dirname "$0")/hostd_common.sh"; the caller sets
# HOSTD, CLIENT (and whatever else it needs) first. Sourced after common.sh
# (a test that needs the lab), it uses that file's WORK and cleanup.
set -euo pipefail

HOSTD_PID=
_kill_hostd() {
  [ -z "$HOSTD_PID" ] || { kill -9 "$HOSTD_PID" 2>/dev/null; wait "$HOSTD_PID" 2>/dev/null || true; }
  pkill -9 -f "kmsdns-hostd -c $WORK/" 2>/dev/null || true
  return 0
}
if [ -n "${WORK:-}" ]; then
  # after common.sh (a lab test): its trap cleans up, we only add the daemon
  at_exit _kill_hostd
else
  T=$(basename "$0" .sh)
  fail() { echo "$T: FAIL: $*" >&2; exit 1; }
  check() { echo "$T: checking $*"; }
  ok() { echo "$T:   ok: $*"; }
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/$T.XXXXXX")
  export HOME=$WORK # a client run without --state keeps its state here, not in the caller's home
  _cleanup() {
    local rc=$?
    set +e
    _kill_hostd
    if [ $rc -eq 0 ]; then rm -rf "$WORK"; echo "$T: PASS"; else
      echo "$T: FAIL (exit $rc); work directory kept: $WORK" >&2
      for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done
    fi
    exit $rc
  }
  trap _cleanup EXIT
fi

port_busy() { # PORT: true if something listens on (or is bound to) it
  ss -Hltn | awk -v p="$1" '{ n = split($4, a, ":"); if (a[n] == p) found = 1 } END { exit !found }'
}
free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 12700))
    port_busy "$p" || { echo "$p"; return; }
  done
  fail "no free port in 20000-32699"
}

# write_conf FILE PORT [KEY=VALUE-lines for [host]...]: a hostd config in WORK.
write_conf() {
  local file=$1 port=$2
  shift 2
  {
    printf '[host]\nfqdn = kms1.example.test\nport = %s\nlisten = 127.0.0.1, ::1\n' "$port"
    printf 'database = %s/host.db\npublish = no\n' "$WORK"
    for kv in "$@"; do printf '%s\n' "$kv"; done
  } >"$file"
}

# start_hostd CONF [LOG]: runs kmsdns-hostd in the foreground (background job),
# waits until it answers STATUS. Sets HOSTD_PID.
start_hostd() {
  local conf=$1 log=${2:-$WORK/hostd.log} port
  port=$(sed -n 's/^port = //p' "$conf")
  "$HOSTD" -c "$conf" --foreground >>"$log" 2>&1 &
  HOSTD_PID=$!
  for _ in $(seq 1 100); do
    if "$CLIENT" --kms "127.0.0.1:$port" --status --timeout 1 >/dev/null 2>&1; then return 0; fi
    kill -0 "$HOSTD_PID" 2>/dev/null || { wait "$HOSTD_PID" || true; HOSTD_PID=; fail "kmsdns-hostd exited at start: $(tail -n 5 "$log")"; }
    sleep 0.05
  done
  fail "kmsdns-hostd did not answer STATUS within 5 s"
}

# stop_hostd: SIGTERM, expecting exit 0.
stop_hostd() {
  kill -TERM "$HOSTD_PID"
  local rc=0
  wait "$HOSTD_PID" || rc=$?
  HOSTD_PID=
  [ "$rc" -eq 0 ] || fail "kmsdns-hostd exited $rc on SIGTERM"
}

# status_field PORT KEY: one value of STATUS (text form).
status_field() {
  "$CLIENT" --kms "127.0.0.1:$1" --status --format json | jq -r ".status[\"$2\"]"
}

# cmid N: a distinct, valid CMID per number.
cmid() { printf '00000000-0000-4000-8000-%012x' "$1"; }
