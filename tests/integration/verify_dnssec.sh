#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-verify on signed zones: the DNSSEC fixture (tests/lab/signed-zones,
# ctest fixture "sig") as named and knotd serve it. First what the servers
# serve, asked with dig +dnssec: every signed zone has its DNSKEY RRset; the
# SRV RRSIG of healthy is valid for 30 days, of expired expired a day before
# the zones were written, of expiring expires 24 h after; nosig serves its
# SRV without RRSIG (but its A with one); altered serves the file's altered
# signature; plain has neither DNSKEY nor RRSIG; and both servers serve the
# very same RRSIGs (neither re-signs).
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

  [ -z "$(dq "$P" plain.sig.test DNSKEY | grep -E ' (DNSKEY|RRSIG) ')" ] || fail "$srv: plain has DNSKEY/RRSIG"
  [ -z "$(dq "$P" _vlmcs._tcp.plain.sig.test SRV | grep ' RRSIG ')" ] || fail "$srv: plain SRV has an RRSIG"
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

# Phase 2 (the audit's dnssec-* problems) runs kmsdns-verify here when given.
[ -n "$VER" ] || info "no kmsdns-verify given: fixture checks only"
