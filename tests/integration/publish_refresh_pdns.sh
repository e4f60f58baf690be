#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Refresh against PowerDNS Authoritative (no lab: the script starts its own
# pdns_server, gsqlite3 backend, on 127.0.0.1 and a free port, config and
# database in the work directory, dnsupdate=yes, a TSIG key allowed to update
# the zone by TSIG-ALLOW-DNSUPDATE). kmsdns-publish with TSIG publishes kms1's
# SRV and A; with [dns] refresh = auto a second run sends no UPDATE (pdns
# answers NXDOMAIN for _ldap._tcp.dc._msdcs.<zone>: not AD DNS); --refresh
# sends one UPDATE (delete-RR + add-RR of this host's SRV and A) that pdns
# answers NOERROR. The SOA serial is recorded before and after each step and
# what pdns logs (docs/AD-DNS.md records these facts); the records stay served.
# Skipped (77) without pdns_server (scripts/deps installs pdns-server and
# pdns-backend-sqlite3).
# Usage: publish_refresh_pdns.sh PATH_TO_kmsdns-publish
PROG=${1:-}
shift || true
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"
[ -n "$PROG" ] || _usage
if ! command -v pdns_server >/dev/null || ! command -v pdnsutil >/dev/null; then
  echo "$T: SKIP: no pdns_server/pdnsutil (scripts/deps installs pdns-server)"
  exit 77
fi
SCHEMA=/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
[ -r "$SCHEMA" ] || { echo "$T: SKIP: no $SCHEMA (pdns-backend-sqlite3)"; exit 77; }
command -v sqlite3 >/dev/null || fail "sqlite3 is needed (scripts/deps installs it)"
command -v jq >/dev/null || fail "jq is needed (scripts/deps installs it)"

ZONE=example.test
SRV=_vlmcs._tcp.$ZONE
PORT=$(free_port)
PD=$WORK/pdns
LOG=$WORK/pdns.log
mkdir -p "$PD"
sqlite3 "$PD/pdns.sqlite3" <"$SCHEMA"
cat >"$PD/pdns.conf" <<CONF
launch=gsqlite3
gsqlite3-database=$PD/pdns.sqlite3
local-address=127.0.0.1
local-port=$PORT
socket-dir=$PD
daemon=no
guardian=no
write-pid=no
disable-syslog=yes
log-timestamp=no
loglevel=6
api=no
webserver=no
dnsupdate=yes
allow-dnsupdate-from=127.0.0.0/8
primary=no
secondary=no
CONF
pdu() { pdnsutil --config-dir="$PD" "$@" >>"$WORK/pdnsutil.log" 2>&1 || fail "pdnsutil $*: $(tail -n 3 "$WORK/pdnsutil.log")"; }
pdu create-zone "$ZONE" ns1.$ZONE
pdu replace-rrset "$ZONE" @ SOA 3600 "ns1.$ZONE. hostmaster.$ZONE. 1 10800 3600 604800 3600"
pdu add-record "$ZONE" ns1 A 3600 127.0.0.1
pdu add-record "$ZONE" _vlmcs._tcp SRV 3600 "5 5 1688 kms2.$ZONE."
SECRET=$(head -c 32 /dev/urandom | base64)
pdu import-tsig-key kmsdns-tsig hmac-sha256 "$SECRET"
pdu set-meta "$ZONE" TSIG-ALLOW-DNSUPDATE kmsdns-tsig
(umask 077 && printf 'key "kmsdns-tsig" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$SECRET" >"$WORK/tsig.key")
info "$(pdnsutil --config-dir="$PD" get-meta "$ZONE" 2>&1 | tr '\n' ' ')"
start_bg "$PORT" udp pdns_server --config-dir="$PD" >>"$LOG" 2>&1
wait_port "$PORT" tcp || fail "pdns_server does not listen on tcp $PORT"
info "$(grep -m1 -o "PowerDNS Authoritative Server [0-9.]*" "$LOG"), gsqlite3 backend, 127.0.0.1:$PORT"

serial() { dig +short +norec -p "$PORT" @127.0.0.1 SOA "$ZONE" | awk '{print $3}'; }
logged() { count "$LOG" "$1"; }
printf '[host]\nfqdn = kms1.%s\naddresses = 192.0.2.21\n[dns]\nserver = 127.0.0.1:%s\nauth = tsig\ntsig-key = %s\ntimeout = 2\nretries = 1\nrefresh = auto\n[publish]\ndomain = %s,0,100\n' \
  "$ZONE" "$PORT" "$WORK/tsig.key" "$ZONE" >"$WORK/a.conf"

check "pdns serves the zone, and NXDOMAIN for the AD probe name"
expect_rr "$PORT" "$SRV" SRV "5 5 1688 kms2.$ZONE."
st=$(dig +norec +time=2 -p "$PORT" @127.0.0.1 SRV "_ldap._tcp.dc._msdcs.$ZONE" | sed -n 's/.*status: \([A-Z]*\).*/\1/p')
expect_eq "_ldap._tcp.dc._msdcs.$ZONE SRV" "$st" NXDOMAIN

check "publish kms1's SRV and A with TSIG"
s0=$(serial)
run -c "$WORK/a.conf"
expect 0 "2 added" "publish"
sleep 0.3
s1=$(serial)
info "serial after the publish: $s0 -> $s1"
[ "$s1" != "$s0" ] || fail "the publish did not move the serial ($s0)"
ok "the publish moved the serial: $s0 -> $s1"
expect_rr "$PORT" "$SRV" SRV "0 100 1688 kms1.$ZONE."
expect_rr "$PORT" "$SRV" SRV "5 5 1688 kms2.$ZONE."
expect_rr "$PORT" "kms1.$ZONE" A 192.0.2.21
info "pdns logged for the publish: $(grep -F 'UPDATE (' "$LOG" | sed 's/^UPDATE ([0-9]*) from [^ ]* for [^ ]*: //' | paste -sd'|')"

check "auto: not AD DNS, nothing to change, no UPDATE sent, serial unchanged"
u_before=$(logged 'Processing started')
run -c "$WORK/a.conf" --format json
expect_nothing_sent "auto"
sleep 0.3
expect_eq "serial after the auto run" "$(serial)" "$s1"
[ "$(logged 'Processing started')" -eq "$u_before" ] || fail "an UPDATE reached pdns: $(tail -n 5 "$LOG")"
ok "no UPDATE logged"

# refresh_once WHAT: kmsdns-publish --refresh, one UPDATE answered NOERROR and
# verified; sets S_BEFORE, S_AFTER and REFRESH_LOG (what pdns logged for it).
refresh_once() {
  local l0
  S_BEFORE=$(serial) l0=$(wc -l <"$LOG")
  run -c "$WORK/a.conf" --refresh --format json
  expect 0 '"updates_sent": 1' "$1"
  expect_eq "$1: answer" "$(jq -r '[.updates[] | select(.sent)] | map("\(.rcode) \(.proof)") | join(",")' <<<"$OUT")" \
    "NOERROR tsig-verified"
  [ "$(pub_count '.action == "refreshed"')" = 2 ] || fail "$1: not both refreshed: $OUT"
  sleep 0.5
  S_AFTER=$(serial)
  REFRESH_LOG=$(tail -n +"$((l0 + 1))" "$LOG" | grep -F 'UPDATE (' | sed 's/^UPDATE ([0-9]*) from [^ ]* for [^ ]*: //')
  info "$1: serial $S_BEFORE -> $S_AFTER; pdns logged: $(printf '%s\n' "$REFRESH_LOG" | paste -sd'|')"
  grep -Fxq "Deleting record $SRV|SRV" <<<"$REFRESH_LOG" || fail "$1: pdns did not log the delete of the SRV"
  grep -Fxq "Adding record $SRV|SRV" <<<"$REFRESH_LOG" || fail "$1: pdns did not log the add of the SRV"
  grep -Eq '^Update completed, [0-9]+ changed records committed\.$' <<<"$REFRESH_LOG" ||
    fail "$1: pdns did not log a committed update"
  ok "$1: pdns logged $(grep -E '^Update completed' <<<"$REFRESH_LOG")"
  expect_rr "$PORT" "$SRV" SRV "0 100 1688 kms1.$ZONE."
  expect_rr "$PORT" "$SRV" SRV "5 5 1688 kms2.$ZONE."
  expect_rr "$PORT" "kms1.$ZONE" A 192.0.2.21
}

check "--refresh (SOA-EDIT-DNSUPDATE unset): one UPDATE, NOERROR; pdns deletes, re-adds and bumps the serial"
refresh_once "--refresh"
[ "$S_AFTER" -gt "$S_BEFORE" ] || fail "--refresh: serial did not move ($S_BEFORE -> $S_AFTER)"
ok "--refresh: pdns bumps the serial: $S_BEFORE -> $S_AFTER"
grep -Eq '^Update completed, 5 changed records committed\.$' <<<"$REFRESH_LOG" ||
  fail "--refresh: expected 5 changed records (2 deleted, 2 added, the SOA)"
ok "--refresh: 5 changed records (SRV and A deleted and added, the SOA)"

check "--refresh with SOA-EDIT-DNSUPDATE=INCREASE: the serial moves by one"
pdu set-meta "$ZONE" SOA-EDIT-DNSUPDATE INCREASE
refresh_once "--refresh (INCREASE)"
expect_eq "--refresh (INCREASE): serial" "$S_AFTER" "$((S_BEFORE + 1))"

check "auto after the refreshes: still no UPDATE"
u_before=$(logged 'Processing started') s_now=$(serial)
run -c "$WORK/a.conf" --format json
expect 0 '"updates_sent": 0' "auto"
[ "$(logged 'Processing started')" -eq "$u_before" ] || fail "an UPDATE reached pdns"
expect_eq "serial after the auto run" "$(serial)" "$s_now"
