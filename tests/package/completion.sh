#!/bin/sh
# SPDX-License-Identifier: MIT
# Usage: completion.sh PROGRAM COMPLETION_FILE
# The long options a bash completion file offers for "PROGRAM --<TAB>" are
# exactly those PROGRAM --help documents (its option lines, those starting
# with '-'), so neither can change without the other.
set -eu
prog=$1 file=$2
tmp=${TMPDIR:-/tmp}/kmsdns-completion.$$
trap 'rm -f "$tmp".*' EXIT
"$prog" --help | grep -E '^ +-' | grep -oE -- '--[a-z][a-z-]*' | sort -u >"$tmp.help"
# The word list of the "compgen -W '--..." that completes options.
awk "/compgen -W '--/ {on = 1} on {print} on && /' -- / {exit}" "$file" |
  sed "s/.*compgen -W '//; s/' -- .*//" | tr ' ' '\n' | sed 's/=$//; /^$/d' | sort -u >"$tmp.comp"
[ -s "$tmp.help" ] && [ -s "$tmp.comp" ] || { echo "completion.sh: no options found" >&2; exit 1; }
if ! diff -u "$tmp.help" "$tmp.comp" >"$tmp.diff"; then
  echo "completion.sh: $file and $prog --help differ (-help +completion):" >&2
  cat "$tmp.diff" >&2
  exit 1
fi
echo "completion.sh: $(wc -l <"$tmp.help") options of $(basename "$prog") complete"
