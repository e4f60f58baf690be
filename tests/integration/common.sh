# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# Sourced by the smoke tests: common argument handling and helpers.
# Usage inside a test: . "$(dirname "$0")/common.sh" "$@"
set -euo pipefail

T=$(basename "$0" .sh)
fail() { echo "$T: FAIL: $*" >&2; exit 1; }
check() { echo "$T: checking $*"; }
ok() { echo "$T:   ok: $*"; }

[ $# -ge 1 ] && [ -n "$1" ] || { echo "usage: $0 LAB_DIR" >&2; exit 2; }
[ -r "$1/env" ] || fail "no $1/env: is the lab running? (tests/lab/lab start $1)"
# shellcheck disable=SC1091
. "$1/env"
unset KRB5CCNAME KRB5_KTNAME KRB5_CLIENT_KTNAME

WORK=$(mktemp -d "$LAB_CCACHE_DIR/$T.XXXXXX")
CLEANUP=()
# Registers a command run at exit (in reverse order), e.g. a record removal.
at_exit() { CLEANUP+=("$*"); }
_run_cleanup() {
  local rc=$? i
  set +e
  for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[$i]}"; done
  rm -rf "$WORK"
  if [ $rc -eq 0 ]; then echo "$T: PASS"; else echo "$T: FAIL (exit $rc)" >&2; fi
  exit $rc
}
trap _run_cleanup EXIT

# q PORT NAME TYPE: the answer RRs' data (dig +short), sorted.
q() { dig +norec +short +time=2 +tries=2 -p "$1" @127.0.0.1 "$2" "$3" | sort; }

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
