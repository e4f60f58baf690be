# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# Sourced by the kmsdns-publish tests (after fail/ok are defined, with PUB set):
# run the program and judge its exit code and output.

# run ARGS...: runs $PUB; sets RC and OUT (stdout and stderr together).
run() {
  set +e
  OUT=$("$PUB" "$@" 2>&1)
  RC=$?
  set -e
}

# expect RC PATTERN WHAT: the last run exited RC and printed a line matching PATTERN.
expect() {
  [ "$RC" -eq "$1" ] || fail "$3: exit $RC, expected $1: $OUT"
  grep -Eq -- "$2" <<<"$OUT" || fail "$3: output lacks /$2/: $OUT"
  ok "$3: exit $1, $(grep -Eo -- "$2" <<<"$OUT" | head -n1)"
}
