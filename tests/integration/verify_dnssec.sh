#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-verify on signed zones: the DNSSEC fixture (tests/lab/signed-zones,
# ctest fixture "sig") as named and knotd serve it. First what the servers
# serve, asked with dig +dnssec: every signed zone has its DNSKEY RRset; the
# SRV RRSIG of healthy is valid for 30 days, of expired expired a day before
# the zones were written, of expiring expires 24 h after; nosig serves its
# SRV without RRSIG (but its A with one); altered serves the file's altered
# signature; plain has neither DNSKEY nor RRSIG; and both servers serve the
# very same RRSIGs (neither re-signs). Then kmsdns-verify on each server
# alone, in JSON and text: healthy and plain have no problem, expired and
# altered are dnssec-bogus with the reason, nosig dnssec-unsigned, expiring
# dnssec-expiring (not with --dnssec-warn 12); every zone costs one DNSKEY
# question per server and nothing more; a bad --dnssec-warn exits 3.
# Usage: verify_dnssec.sh SIG_DIR [PATH_TO_kmsdns-verify]
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"
SIG=${1:?usage: verify_dnssec.sh SIG_DIR [PATH_TO_kmsdns-verify]}
[ -r "$SIG/env" ] || fail "no $SIG/env: is the sig fixture running? (tests/lab/signed-zones start $SIG)"
# shellcheck disable=SC1091
. "$SIG/env"
VER=${2:-}

# dq PORT NAME TYPE: the answer section with DNSSEC records, one RR a line,
# fields separated by single spaces, sorted.
dq() {
  dig +dnssec +norec +noall +answer +nottlid +time=2 +tries=2 -p "$1" @"$SIG_ADDR" "$2" "$3" |
    tr -s ' \t' ' ' | sort
}
# rrsig_of PORT NAME TYPE: the RRSIG lines over TYPE at NAME.
rrsig_of() { dq "$1" "$2" "$3" | awk -v t="$3" '$3 == "RRSIG" && $4 == t'; }
# expiry PORT NAME TYPE: the RRSIG's expiration as Unix seconds (first RRSIG).
expiry() {
  local e
  e=$(rrsig_of "$1" "$2" "$3" | awk 'NR == 1 { print $8 }')
  [ -n "$e" ] || return 1
  date -u -d "${e:0:4}-${e:4:2}-${e:6:2} ${e:8:2}:${e:10:2}:${e:12:2}" +%s
}
# sig_text FILE NAME: the base64 signature of the SRV RRSIG at NAME in a zone file.
sig_text() {
  awk -v n="$2." 'tolower($1) == n && $4 == "RRSIG" && $5 == "SRV" {
    s = ""; for (i = 13; i <= NF; i++) s = s $i; print s }' "$1"
}
served_sig() { rrsig_of "$1" "$2" SRV | awk '{ s = ""; for (i = 12; i <= NF; i++) s = s $i; print s }'; }

T0=$SIG_SIGNED_AT
for srv in named knotd; do
  if [ $srv = named ]; then P=$SIG_NAMED_PORT; else P=$SIG_KNOT_PORT; fi
  check "$srv ($SIG_ADDR:$P)"
  for z in healthy expired expiring nosig altered; do
    dq "$P" "$z.sig.test" DNSKEY | grep -q ' DNSKEY ' || fail "$srv: $z.sig.test has no DNSKEY"
    [ -n "$(rrsig_of "$P" "kms1.$z.sig.test" A)" ] || fail "$srv: kms1.$z.sig.test A without RRSIG"
    dq "$P" "_vlmcs._tcp.$z.sig.test" SRV | grep -q " SRV 0 100 1688 kms1.$z.sig.test.$" ||
      fail "$srv: _vlmcs._tcp.$z.sig.test SRV not served"
  done
  ok "the five signed zones serve DNSKEY, the SRV and kms1 A with its RRSIG"

  e=$(expiry "$P" _vlmcs._tcp.healthy.sig.test SRV) || fail "$srv: healthy: no SRV RRSIG"
  [ "$e" -eq $((T0 + 30 * 86400)) ] || fail "$srv: healthy SRV RRSIG expires at $e, not T0 + 30 d"
  ok "healthy: SRV RRSIG valid for 30 days ($(date -u -d "@$e" +%FT%TZ))"
  e=$(expiry "$P" _vlmcs._tcp.expired.sig.test SRV) || fail "$srv: expired: no SRV RRSIG"
  [ "$e" -eq $((T0 - 86400)) ] && [ "$e" -lt "$(date +%s)" ] ||
    fail "$srv: expired SRV RRSIG expires at $e, not T0 - 24 h"
  ok "expired: SRV RRSIG expired at $(date -u -d "@$e" +%FT%TZ)"
  e=$(expiry "$P" _vlmcs._tcp.expiring.sig.test SRV) || fail "$srv: expiring: no SRV RRSIG"
  [ "$e" -eq $((T0 + 86400)) ] && [ "$e" -gt "$(date +%s)" ] ||
    fail "$srv: expiring SRV RRSIG expires at $e, not T0 + 24 h"
  ok "expiring: SRV RRSIG expires at $(date -u -d "@$e" +%FT%TZ), in $(((e - $(date +%s)) / 3600)) h"

  [ -z "$(rrsig_of "$P" _vlmcs._tcp.nosig.sig.test SRV)" ] || fail "$srv: nosig: the SRV has an RRSIG"
  ok "nosig: SRV served without RRSIG"

  s=$(served_sig "$P" _vlmcs._tcp.altered.sig.test)
  [ -n "$s" ] || fail "$srv: altered: no SRV RRSIG"
  [ "$s" = "$(sig_text "$SIG_DIR/src/altered.sig.test.final" _vlmcs._tcp.altered.sig.test)" ] ||
    fail "$srv: altered: the served signature is not the file's"
  [ "$s" != "$(sig_text "$SIG_DIR/src/altered.sig.test.signed" _vlmcs._tcp.altered.sig.test)" ] ||
    fail "$srv: altered: the served signature is the one dnssec-signzone made"
  ok "altered: the altered signature is served as written"

  ! dq "$P" plain.sig.test DNSKEY | grep -Eq ' (DNSKEY|RRSIG) ' || fail "$srv: plain has DNSKEY/RRSIG"
  ! dq "$P" _vlmcs._tcp.plain.sig.test SRV | grep -q ' RRSIG ' || fail "$srv: plain SRV has an RRSIG"
  dq "$P" _vlmcs._tcp.plain.sig.test SRV | grep -q ' SRV 0 100 1688 kms1.plain.sig.test.$' ||
    fail "$srv: plain SRV not served"
  ok "plain: no DNSKEY, no RRSIG"
done

check "named and knotd serve the same DNSSEC records"
for z in healthy expired expiring nosig altered plain; do
  for q in "$z.sig.test DNSKEY" "$z.sig.test SOA" "_vlmcs._tcp.$z.sig.test SRV" "kms1.$z.sig.test A"; do
    # shellcheck disable=SC2086
    a=$(dq "$SIG_NAMED_PORT" $q)
    # shellcheck disable=SC2086
    b=$(dq "$SIG_KNOT_PORT" $q)
    [ "$a" = "$b" ] || fail "$q differs: named: $a; knotd: $b"
  done
done
ok "DNSKEY, SOA, SRV and A with their RRSIGs identical on both, in all six zones"

[ -n "$VER" ] || { info "no kmsdns-verify given: fixture checks only"; exit 0; }
command -v jq >/dev/null || fail "jq is needed (scripts/deps installs it)"

# ---- kmsdns-verify: each code on each server, in JSON and in text ------------
# audit SERVER ZONE [ARGS...]: JSON of the audit of ZONE at SERVER alone (RC, OUT).
audit() {
  local srv=$1 z=$2
  shift 2
  run_cmd "$VER" --domain "$z" --server "$srv" --format json "$@"
  jq -e 'type == "object"' >/dev/null 2>&1 <<<"$OUT" || fail "$z at $srv: not JSON: $(show)"
}
# problems: "code severity message" lines of the last JSON audit.
problems() { jq -r '.domains[].servers[].problems[] | "\(.code) \(.severity) \(.message)"' <<<"$OUT"; }
codes() { jq -r '[.domains[].servers[].problems[].code] | join(" ")' <<<"$OUT"; }
# expect_json RC CODES WHAT: exit RC and exactly these codes, in order.
expect_json() {
  expect_rc "$1" "$3"
  [ "$(codes)" = "$2" ] || fail "$3: codes '$(codes)', expected '$2': $(show)"
}

for srv in named knotd; do
  if [ $srv = named ]; then S=$SIG_NAMED; else S=$SIG_KNOT; fi
  check "kmsdns-verify against $srv ($S)"

  audit "$S" healthy.sig.test
  expect_json 0 "" "healthy"
  # SRV, SOA, A and AAAA of kms1, and the zone's one DNSKEY question
  expect_eq "healthy: queries" "$(jq -r .stats.queries <<<"$OUT")" 5
  [ "$(jq -r '.domains[0].servers[0].records | length' <<<"$OUT")" = 1 ] ||
    fail "healthy: the RRSIG counted as a record: $(show)"
  ok "healthy: the one SRV record, RRSIGs left out"
  audit "$S" plain.sig.test
  expect_json 0 "" "plain (unsigned)"
  expect_eq "plain: queries (the DNSKEY question only more)" "$(jq -r .stats.queries <<<"$OUT")" 5

  audit "$S" expired.sig.test
  expect_json 2 "dnssec-bogus dnssec-bogus" "expired"
  problems | grep -q "^dnssec-bogus critical _vlmcs._tcp.expired.sig.test SRV at $S fails validation, expired: RRSIG (key tag [0-9]*, algorithm 13) expired at 20" ||
    fail "expired: message: $(problems)"
  problems | grep -q "^dnssec-bogus critical kms1.expired.sig.test A at $S fails validation, expired: " ||
    fail "expired: the A: $(problems)"
  ok "expired: $(problems | head -n 1)"

  audit "$S" altered.sig.test
  expect_json 2 "dnssec-bogus" "altered"
  problems | grep -q "^dnssec-bogus critical _vlmcs._tcp.altered.sig.test SRV at $S fails validation, bad signature: RRSIG (key tag [0-9]*, algorithm 13): the signature does not verify$" ||
    fail "altered: message: $(problems)"
  ok "altered: $(problems)"

  audit "$S" nosig.sig.test
  expect_json 2 "dnssec-unsigned" "nosig"
  problems | grep -q "^dnssec-unsigned critical _vlmcs._tcp.nosig.sig.test SRV at $S is served without RRSIG, but the zone nosig.sig.test is signed" ||
    fail "nosig: message: $(problems)"
  ok "nosig: $(problems)"

  audit "$S" expiring.sig.test
  expect_json 1 "dnssec-expiring dnssec-expiring" "expiring"
  e=$(date -u -d "@$((SIG_SIGNED_AT + 86400))" +%FT%TZ)
  problems | grep -Eq "^dnssec-expiring warning _vlmcs._tcp.expiring.sig.test SRV at $S: RRSIG \(key tag [0-9]+, algorithm 13\) expires at $e, in 2[34] h; re-sign the zone$" ||
    fail "expiring: message: $(problems)"
  ok "expiring (default 72 h): $(problems | head -n 1)"
  audit "$S" expiring.sig.test --dnssec-warn 12
  expect_json 0 "" "expiring with --dnssec-warn 12"
  audit "$S" expiring.sig.test --dnssec-warn 48
  expect_json 1 "dnssec-expiring dnssec-expiring" "expiring with --dnssec-warn 48"

  # the text format says the same, with the same exit codes
  run_cmd "$VER" --domain expired.sig.test --server "$S"
  expect 2 "dnssec-bogus: _vlmcs\._tcp\.expired\.sig\.test SRV at $S fails validation, expired" "expired, text"
  run_cmd "$VER" --domain altered.sig.test --server "$S"
  expect 2 "dnssec-bogus: _vlmcs\._tcp\.altered\.sig\.test SRV at $S fails validation, bad signature" "altered, text"
  run_cmd "$VER" --domain nosig.sig.test --server "$S"
  expect 2 "dnssec-unsigned: _vlmcs\._tcp\.nosig\.sig\.test SRV at $S is served without RRSIG" "nosig, text"
  run_cmd "$VER" --domain expiring.sig.test --server "$S"
  expect 1 "dnssec-expiring: _vlmcs\._tcp\.expiring\.sig\.test SRV at $S: RRSIG .* expires at" "expiring, text"
  run_cmd "$VER" --domain expiring.sig.test --server "$S" --dnssec-warn 12
  expect 0 "status ok" "expiring with --dnssec-warn 12, text"
  for z in healthy plain; do
    run_cmd "$VER" --domain "$z.sig.test" --server "$S"
    expect 0 "status ok" "$z, text"
    ! output | grep -q dnssec || fail "$z, text: a dnssec problem: $(show)"
  done
done

check "all six zones on both servers at once: one DNSKEY question per zone and server"
args=()
for z in $SIG_ZONES; do args+=(--domain "$z"); done
run_cmd "$VER" "${args[@]}" --server "$SIG_NAMED" --server "$SIG_KNOT" --format json
expect_rc 2 "six zones"
# nosig's missing RRSIG is the SRV alone; its target kms1 is still signed
expect_eq "six zones: queries" "$(jq -r .stats.queries <<<"$OUT")" $((6 * 2 * 5))
expect_eq "six zones: dnssec problems per code" \
  "$(jq -r '[.domains[].servers[].problems[].code] | group_by(.) | map("\(.[0])=\(length)") | join(" ")' <<<"$OUT")" \
  "dnssec-bogus=6 dnssec-expiring=4 dnssec-unsigned=2"

run_cmd "$VER" --domain expired.sig.test --domain expiring.sig.test --server "$SIG_KNOT" --format nagios
expect 2 "^KMSDNS CRITICAL - expired\.sig\.test: dnssec-bogus _vlmcs\._tcp\.expired\.sig\.test at $SIG_KNOT \(\+3 more\) \| " "nagios status line"
output | grep -q "^WARNING expiring.sig.test $SIG_KNOT dnssec-expiring: _vlmcs._tcp.expiring.sig.test SRV at " ||
  fail "nagios long output: $(show)"
ok "nagios long output: the warning's line"
run_cmd "$VER" --domain nosig.sig.test --domain expiring.sig.test --server "$SIG_KNOT" --format prometheus
expect 2 "^kmsdns_verify_problem\{domain=\"nosig\.sig\.test\",server=\"$SIG_KNOT\",code=\"dnssec-unsigned\",severity=\"critical\"\} 1$" "prometheus problem"
expect 2 '^kmsdns_verify_problems\{code="dnssec-expiring",severity="warning"\} 2$' "prometheus per-code family"

check "--dnssec-warn misuse exits 3 with the one-line usage"
for bad in x -1 8761 "" 1.5; do
  run_cmd "$VER" --domain healthy.sig.test --server "$SIG_NAMED" --dnssec-warn "$bad"
  expect_rc 3 "--dnssec-warn '$bad'"
  [ "$(printf '%s\n' "$ERR" | grep -c '^usage: kmsdns-verify ')" = 1 ] && [ -z "$OUT" ] ||
    fail "--dnssec-warn '$bad': $(show)"
done
ok "--dnssec-warn x, -1, 8761, '', 1.5: exit 3, $(printf '%s\n' "$ERR" | head -n 1)"
