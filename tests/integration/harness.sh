# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# The one harness every integration script sources: messages (fail, check,
# ok), a private work directory, one cleanup list run by one EXIT trap that
# also stops the background processes the script started, free loopback
# ports, running a program and judging its exit and output, and the helpers
# of the lab (DNS queries, nsupdate) and of kmsdns-hostd (config, start,
# stop, STATUS).
#
# Usage, first thing in a test (after reading its own arguments):
#   . "$(dirname "$0")/harness.sh" [lab LAB_DIR | ad AD_DIR] [root]
#   lab DIR  the test needs the lab fixture (tests/lab/lab): DIR/env is
#            sourced, the work directory goes under LAB_CCACHE_DIR
#   ad DIR   the same for the AD fixture (tests/lab/ad), under AD_CCACHE_DIR
#   root     the test cannot run without root: exit 77 (ctest: skipped, with
#            SKIP_RETURN_CODE 77 on the test) before anything is set up
# The script's own "# Usage:" comment line is printed when DIR is missing.
# Sourced without words, the file sees the script's own arguments (bash hands
# them over): reading stops at the first that is none of these words.
set -euo pipefail

T=$(basename "$0" .sh)
fail() { echo "$T: FAIL: $*" >&2; exit 1; }
check() { echo "$T: checking $*"; }
ok() { echo "$T:   ok: $*"; }
info() { echo "$T:   info: $*"; }
is_root() { [ "$(id -u)" -eq 0 ]; }
_usage() {
  echo "usage: $(sed -n 's/^# [Uu]sage: *//p' "$0" | head -n 1)" >&2
  exit 2
}

_fixture=
while [ $# -gt 0 ]; do
  case "$1" in
  lab | ad)
    [ $# -ge 2 ] && [ -n "$2" ] || _usage
    _fixture=$1
    [ -r "$2/env" ] || fail "no $2/env: is the $1 fixture running? (tests/lab/$1 start $2)"
    # shellcheck disable=SC1090,SC1091
    . "$2/env"
    unset KRB5CCNAME KRB5_KTNAME KRB5_CLIENT_KTNAME
    shift 2
    ;;
  root)
    is_root || { echo "$T: SKIP: needs root"; exit 77; }
    shift
    ;;
  *) break ;; # sourced without words, bash hands over the script's own arguments
  esac
done

case "$_fixture" in
lab) WORK=$(mktemp -d "$LAB_CCACHE_DIR/$T.XXXXXX") ;;
ad) WORK=$(mktemp -d "$AD_CCACHE_DIR/$T.XXXXXX") ;;
*) WORK=$(mktemp -d "${TMPDIR:-/tmp}/$T.XXXXXX") ;;
esac
# tests/data: from ctest, KMSDNS_TEST_DATA (the build's KMSDNS_TEST_DATA_DIR)
# shellcheck disable=SC2034 # for the tests that source this
TEST_DATA=${KMSDNS_TEST_DATA:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../data" && pwd)}
export HOME=$WORK # a program run without an explicit state file keeps it here, not in the caller's home

# ---- cleanup ------------------------------------------------------------------
_CLEANUP=()
_PIDS=()
# at_exit COMMAND: run at exit (the list in reverse order), e.g. a record removal.
at_exit() { _CLEANUP+=("$*"); }
# at_exit_kill PID...: background processes stopped at exit (before the cleanup
# list runs), so that a failing test leaves nothing holding ctest's pipe. Every
# job the script still has is stopped too.
at_exit_kill() { _PIDS+=("$@"); }

# _our_child PID: PID is a child of this shell (alive or not yet reaped), so
# never a later process that reuses the number.
_our_child() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "$(cut -d' ' -f2 <<<"$stat")" = "$$" ]
}
_stop_pids() {
  local p left=() alive _
  for p in "${_PIDS[@]}" ${HOSTD_PID:-} $(jobs -p); do
    _our_child "$p" && kill -TERM "$p" 2>/dev/null && left+=("$p")
  done
  for _ in $(seq 1 40); do
    alive=()
    for p in "${left[@]}"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
    left=("${alive[@]}")
    [ ${#left[@]} -gt 0 ] || break
    sleep 0.05
  done
  for p in "${left[@]}"; do kill -KILL "$p" 2>/dev/null; done
  for p in "${left[@]}"; do wait "$p" 2>/dev/null; done
  return 0
}

_harness_exit() {
  local rc=$? i f
  set +e
  _stop_pids
  # a daemon that detached from the test (kmsdns-hostd without --foreground)
  pkill -9 -f "kmsdns-hostd -c $WORK/" 2>/dev/null
  for ((i = ${#_CLEANUP[@]} - 1; i >= 0; i--)); do eval "${_CLEANUP[$i]}"; done
  if [ $rc -eq 0 ]; then
    rm -rf "$WORK"
    echo "$T: PASS"
  else
    echo "$T: FAIL (exit $rc); work directory kept: $WORK" >&2
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done
  fi
  exit $rc
}
trap _harness_exit EXIT

# ---- ports --------------------------------------------------------------------
# port_busy PORT [tcp|udp]: true if something listens on (or is bound to) PORT
# on any address, over TCP or UDP (or only the one given).
port_busy() {
  ss -Hltnu | awk -v p="$1" -v proto="${2:-}" '
    (proto == "" || $1 == proto) { n = split($5, a, ":"); if (a[n] == p) found = 1 }
    END { exit !found }'
}
# free_port: a port in 20000-32699 (below the kernel's ephemeral ports) that
# nothing uses over TCP or UDP, and not one handed out before in this test.
free_port() {
  local p _
  for _ in $(seq 1 100); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 12700))
    grep -qx "$p" "$WORK/.ports" 2>/dev/null && continue
    port_busy "$p" && continue
    echo "$p" >>"$WORK/.ports"
    echo "$p"
    return 0
  done
  fail "no free port in 20000-32699"
}
# wait_port PORT [tcp|udp]: until something listens there (5 s); fails otherwise.
wait_port() {
  local _
  for _ in $(seq 1 100); do port_busy "$@" && return 0; sleep 0.05; done
  return 1
}

# ---- running a program ------------------------------------------------------------
# run_cmd COMMAND ARGS...: runs it; sets RC, OUT (stdout), ERR (stderr), SECS
# (whole seconds it took) and LAST (the command line, for messages). Never fails
# by itself. run ARGS... is run_cmd "$PROG" ARGS... (PROG: the program under test).
run_cmd() {
  local t0
  t0=$(date +%s)
  set +e
  OUT=$("$@" 2>"$WORK/.stderr")
  RC=$?
  set -e
  ERR=$(cat "$WORK/.stderr")
  SECS=$(($(date +%s) - t0))
  LAST="$(basename "$1") ${*:2}"
}
run() { run_cmd "${PROG:?PROG: the program under test}" "$@"; }
# show: the last run, for a failure message.
show() { printf '%s\n  exit %s after %ss\n  stdout: %s\n  stderr: %s' "$LAST" "$RC" "$SECS" "$OUT" "$ERR"; }
# output: what the last run printed, stdout then stderr.
output() { printf '%s\n%s\n' "$OUT" "$ERR"; }
# expect_rc RC WHAT: the last run exited RC.
expect_rc() { [ "$RC" -eq "$1" ] || fail "$2: exit $RC, expected $1: $(show)"; }
# expect RC PATTERN WHAT: the last run exited RC and printed (stdout or stderr) a
# line matching the extended regex PATTERN.
expect() {
  expect_rc "$1" "$3"
  output | grep -Eq -- "$2" || fail "$3: output lacks /$2/: $(show)"
  ok "$3: exit $1, $(output | grep -Eo -- "$2" | head -n1)"
}
# expect_eq WHAT GOT WANT
expect_eq() {
  [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
  ok "$1: $2"
}

# ---- kmsdns-publish's JSON report (OUT of the last run) ----------------------------
# pub_count FILTER: how many of its domains and addresses match the jq condition FILTER.
pub_count() { jq "[.domains[], .addresses[]] | map(select($1)) | length" <<<"$OUT"; }
# expect_nothing_sent WHAT: the last run exited 0 without sending an UPDATE, took no
# server for AD DNS and refreshed nothing (refresh = auto, nothing to change).
expect_nothing_sent() {
  expect 0 '"updates_sent": 0' "$1"
  [ "$(pub_count '.ad_dns or .refreshed')" = 0 ] || fail "$1: recognised as AD DNS or refreshed: $OUT"
}

# ---- the lab: DNS on loopback ------------------------------------------------------
# q PORT NAME TYPE: the answer RRs' data (dig +short), sorted.
q() { dig +norec +short +time=2 +tries=2 -p "$1" @127.0.0.1 "$2" "$3" | sort; }

# The SRV owners of the three domains the lab's publish tests use (zones/lab): corp
# and hq.corp in the zone corp.example.test, branch in example.test.
CORP=_vlmcs._tcp.corp.example.test
HQ=_vlmcs._tcp.hq.corp.example.test
BRANCH=_vlmcs._tcp.branch.example.test
# clean_publish_srv PORT: deletes their SRV RRsets on 127.0.0.1:PORT with the lab's
# TSIG key (one UPDATE per zone); never fails, for cleanups.
clean_publish_srv() {
  nsu "$1" -k "$LAB_TSIG_KEY" <<NSU || true
update delete $CORP SRV
update delete $HQ SRV
send
update delete $BRANCH SRV
NSU
}

# nsu PORT AUTH... <<< COMMANDS: runs nsupdate against 127.0.0.1:PORT with
# the given auth options (-k KEYFILE | -g), the commands from stdin, one
# "send" appended. Sets NSU_RC and NSU_OUT; never fails by itself.
nsu() {
  local port=$1
  shift
  local cmds
  cmds=$(cat)
  set +e
  NSU_OUT=$(printf 'server 127.0.0.1 %s\n%s\nsend\n' "$port" "$cmds" | nsupdate -t 5 -u 2 "$@" 2>&1)
  NSU_RC=$?
  set -e
}

# expect_ok WHAT / expect_refused WHAT PATTERN: judge the last nsu.
expect_ok() {
  [ "$NSU_RC" -eq 0 ] || fail "$1: nsupdate exit $NSU_RC: $NSU_OUT"
  ok "$1"
}
expect_refused() {
  local pat=${2:-REFUSED}
  [ "$NSU_RC" -ne 0 ] || fail "$1: accepted, expected $pat"
  printf '%s\n' "$NSU_OUT" | grep -Eq "update failed: ($pat)" ||
    fail "$1: expected 'update failed: $pat', got: $NSU_OUT"
  ok "$1 -> $(printf '%s\n' "$NSU_OUT" | grep -Eo "update failed: .*" | head -n1)"
}

# expect_rr PORT NAME TYPE DATA / expect_no_rr PORT NAME TYPE DATA
expect_rr() {
  q "$1" "$2" "$3" | grep -Fxq -- "$4" || fail "$2 $3 '$4' not served on port $1 (got: $(q "$1" "$2" "$3" | tr '\n' '|'))"
  ok "served: $2 $3 $4"
}
expect_no_rr() {
  if q "$1" "$2" "$3" | grep -Fxq -- "$4"; then fail "$2 $3 '$4' still served on port $1"; fi
  ok "not served: $2 $3 $4"
}

# count FILE PATTERN: lines matching the extended regex PATTERN (0 if none).
count() { grep -Ec -- "$2" "$1" 2>/dev/null || true; }

# kinit_as KEYTAB PRINCIPAL CCACHE
kinit_as() {
  KRB5CCNAME="FILE:$3" kinit -k -t "$1" "$2" 2>&1 || fail "kinit -k -t $1 $2 failed"
}

# ---- kmsdns-hostd on loopback (HOSTD and CLIENT set by the test) ----------------------
HOSTD_PID=

# write_conf FILE PORT [KEY=VALUE-lines for [host]...]: a hostd config in WORK.
write_conf() {
  local file=$1 port=$2 kv
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
  local conf=$1 log=${2:-$WORK/hostd.log} port _
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

# ---- helpers in the background ------------------------------------------------
# start_bg PORT PROTO COMMAND ARGS...: starts COMMAND in the background (killed
# at exit; its pid in BG_PID) and waits until something listens on PORT over
# PROTO (tcp or udp, as wait_port); fails naming COMMAND if nothing does.
start_bg() {
  local port=$1 proto=$2
  shift 2
  "$@" &
  BG_PID=$!
  at_exit_kill "$BG_PID"
  wait_port "$port" "$proto" || fail "$(basename "$1") did not start on port $port"
}
# stop_bg PID: stops a helper start_bg started and reaps it; nothing if PID is empty.
stop_bg() {
  [ -n "${1:-}" ] || return 0
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# ---- the AD fixture (ad mode) ------------------------------------------------------
# ad_served: the SRV RRs the DC serves at _vlmcs._tcp of its zone, sorted.
ad_served() { dig +norec +short +time=2 +tries=2 @"$AD_DC_IP" SRV "_vlmcs._tcp.$AD_ZONE" | sort; }
# ad_admin_clean: removes, as the domain admin, every SRV RR at _vlmcs._tcp of
# the zone (samba-tool without the caller's Kerberos ticket, as LAB-FACTS says).
ad_admin_clean() {
  local r
  while read -r r; do
    [ -n "$r" ] || continue
    samba-tool dns delete "$AD_DC_IP" "$AD_ZONE" _vlmcs._tcp SRV "${r%.}" \
      -U "$AD_ADMIN_USER%$AD_ADMIN_PASS" --use-kerberos=off -s "$AD_SMB_CONF" >/dev/null 2>&1 || true
  done < <(dig +norec +short @"$AD_DC_IP" SRV "_vlmcs._tcp.$AD_ZONE" | awk '{print $4" "$3" "$1" "$2}')
}
# ad_start_clean: no SRV RR at _vlmcs._tcp of the zone, now (fails if one is left)
# and again at exit.
ad_start_clean() {
  at_exit ad_admin_clean
  ad_admin_clean
  [ -z "$(ad_served)" ] || fail "could not clean _vlmcs._tcp.$AD_ZONE up first"
}
# ad_kms_conf N PORT [EXTRA-DNS-LINE]: the config of KMS host kmsN (1 or 2) publishing
# into the zone with GSS-TSIG from its keytab, straight to the DC.
ad_kms_conf() {
  printf '[host]\nfqdn = kms%s.%s\nport = %s\n[dns]\nserver = %s\nauth = gss-tsig\n' "$1" "$AD_ZONE" "$2" "$AD_DC_IP"
  printf 'keytab = %s\nprincipal = host/kms%s.%s\n%s\n' "$([ "$1" = 1 ] && echo "$AD_KMS1_KEYTAB" || echo "$AD_KMS2_KEYTAB")" "$1" "$AD_ZONE" "${3:-}"
  printf '[publish]\ndomain = %s,0,100\n' "$AD_ZONE"
}
