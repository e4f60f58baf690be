# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# Sourced by smoke_named.sh and smoke_knot.sh after harness.sh.

# soa_check SERVER PORT TOOL(dig|kdig)
soa_check() {
  local server=$1 port=$2 tool=$3 z out
  local -a opts=(+norec +time=2 +tries=2)
  [ "$tool" = kdig ] && opts=(+norec +timeout=2 +retry=1)

  check "$server listens on 127.0.0.1:$port only"
  out=$(ss -Hltnu | awk -v p="$port" '{ n = split($5, a, ":"); if (a[n] == p) print $1, $5 }')
  [ -n "$out" ] || fail "nothing listens on port $port"
  if printf '%s\n' "$out" | awk '{ print $2 }' | grep -qv '^127\.0\.0\.1:'; then
    fail "$server listens beyond 127.0.0.1: $(printf '%s' "$out" | tr '\n' ' ')"
  fi
  ok "$(printf '%s' "$out" | tr '\n' ' ')"

  for z in $LAB_ZONES; do
    check "$z SOA at $server (127.0.0.1:$port, $tool)"
    out=$("$tool" "${opts[@]}" -p "$port" @127.0.0.1 "$z" SOA 2>&1) ||
      fail "$tool failed: $out"
    printf '%s\n' "$out" | grep -Eq 'status: NOERROR' || fail "$z: not NOERROR: $out"
    printf '%s\n' "$out" | grep -Eiq 'flags:[^;]* aa[ ;]' || fail "$z: no aa flag: $out"
    printf '%s\n' "$out" | grep -Eq "^$z\.[[:space:]]+[0-9]+[[:space:]]+(IN[[:space:]]+)?SOA[[:space:]]+$LAB_NS\." ||
      fail "$z: no SOA with MNAME $LAB_NS in the answer: $out"
    ok "NOERROR, aa, MNAME $LAB_NS"
  done

  check "hq.corp.example.test exists inside corp.example.test (www.hq A)"
  out=$("$tool" "${opts[@]}" -p "$port" @127.0.0.1 www.hq.corp.example.test A 2>&1) || fail "$tool failed: $out"
  printf '%s\n' "$out" | grep -Eq 'status: NOERROR' || fail "www.hq.corp.example.test: $out"
  printf '%s\n' "$out" | grep -Eq '127\.0\.0\.21' || fail "www.hq.corp.example.test: no A 127.0.0.21: $out"
  ok "www.hq.corp.example.test A 127.0.0.21"
}
