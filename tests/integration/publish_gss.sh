#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-publish with GSS-TSIG against the lab's named (tkey-gssapi-keytab)
# and MIT KDC: two hosts share RRsets under krb5-subdomain-self-rhs, one TKEY
# negotiation per server per run, keytab and ccache credentials, and every
# Kerberos failure with its message and exit code.
# Usage: publish_gss.sh LAB_DIR PATH_TO_kmsdns-publish PATH_TO_badproxy
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" lab "${1:-}"
PUB=${2:?path to kmsdns-publish}
PROXY=${3:?path to badproxy}
PROG=$PUB # run ARGS...: kmsdns-publish ARGS (harness.sh)
T=publish_gss
PORT=$LAB_NAMED_PORT
export KRB5CCNAME="FILE:$WORK/user.ccache" # must never be written with a keytab

conf() { # HOST(kms1|kms2) [extra [dns] lines...]
  local h=$1 kt
  shift
  kt=$([ "$h" = kms1 ] && echo "$LAB_KMS1_KEYTAB" || echo "$LAB_KMS2_KEYTAB")
  printf '[host]\nfqdn = %s.example.test\n[dns]\nserver = 127.0.0.1:%s\nauth = gss-tsig\n' "$h" "$PORT"
  printf 'timeout = 2\nretries = 1\n'
  if [ $# -eq 0 ]; then printf 'keytab = %s\nprincipal = host/%s.example.test\n' "$kt" "$h"; fi
  for l in "$@"; do printf '%s\n' "$l"; done
  printf '[publish]\ndomain = corp.example.test,0,100\ndomain = hq.corp.example.test,10,50\n'
  printf 'domain = branch.example.test,5,0\n'
}
j() { jq -r "$1" <<<"$OUT"; }
cleanup_records() { clean_publish_srv "$PORT"; }
cleanup_records
[ -z "$(q "$PORT" "$CORP" SRV)$(q "$PORT" "$BRANCH" SRV)" ] || fail "could not clean the records up before the test"
at_exit cleanup_records
conf kms1 >"$WORK/kms1.conf"
conf kms2 >"$WORK/kms2.conf"

check "kms1 publishes with its keytab: one TKEY for the server, one UPDATE per zone"
run -c "$WORK/kms1.conf" --format json
expect 0 '"updates_sent": 2' "first publish"
[ "$(j .tkey_exchanges)" = 1 ] || fail "expected 1 TKEY exchange: $OUT"
[ "$(j '.updates[0].proof')" = tsig-verified ] || fail "answer not verified: $OUT"
[ "$(q "$PORT" "$CORP" SRV)" = "0 100 1688 kms1.example.test." ] || fail "corp: $(q "$PORT" "$CORP" SRV)"
[ "$(q "$PORT" "$HQ" SRV)" = "10 50 1688 kms1.example.test." ] || fail "hq"
[ ! -e "$WORK/user.ccache" ] || fail "the user's ccache was written"
ok "records in place; the user's ccache untouched"

check "a second run negotiates nothing and sends nothing"
s1=$(dig +short +norec -p "$PORT" @127.0.0.1 SOA corp.example.test | awk '{print $3}')
run -c "$WORK/kms1.conf" --format json
expect 0 '"updates_sent": 0' "idempotent"
[ "$(j .tkey_exchanges)" = 0 ] || fail "negotiated for nothing: $OUT"
[ "$(dig +short +norec -p "$PORT" @127.0.0.1 SOA corp.example.test | awk '{print $3}')" = "$s1" ] || fail "serial moved"

check "kms2 joins the same RRsets; both coexist"
run -c "$WORK/kms2.conf" --wait=10
expect 0 "3 added" "kms2 publish --wait"
[ "$(q "$PORT" "$CORP" SRV | tr '\n' '|')" = "0 100 1688 kms1.example.test.|0 100 1688 kms2.example.test.|" ] ||
  fail "corp: $(q "$PORT" "$CORP" SRV | tr '\n' '|')"

check "kms2 may not remove kms1's records: REFUSED, exit 1, the principal named"
run -c "$WORK/kms2.conf" --withdraw --fqdn kms1.example.test
expect 1 "refused the update of _vlmcs._tcp.corp.example.test SRV in zone corp.example.test: its policy does not let principal 'host/kms2.example.test@EXAMPLE.TEST'" "foreign withdraw"
[ "$(q "$PORT" "$CORP" SRV | wc -l)" = 2 ] || fail "a record went"

check "kms1 withdraws; kms2's records stay"
run -c "$WORK/kms1.conf" --withdraw
expect 0 "3 removed" "withdraw"
[ "$(q "$PORT" "$CORP" SRV)" = "0 100 1688 kms2.example.test." ] || fail "corp: $(q "$PORT" "$CORP" SRV)"

check "the caller's ccache instead of a keytab"
conf kms1 "" >"$WORK/cc.conf"
kinit_as "$LAB_KMS1_KEYTAB" host/kms1.example.test "$WORK/user.ccache"
run -c "$WORK/cc.conf"
expect 0 "3 added" "publish from the ccache"
kdestroy -q
run -c "$WORK/cc.conf" --withdraw
expect 3 "no Kerberos credentials.*run kinit" "no ccache"

check "an expired ticket in the ccache"
KRB5CCNAME="FILE:$WORK/user.ccache" kinit -l 2s -k -t "$LAB_KMS1_KEYTAB" host/kms1.example.test >/dev/null 2>&1 ||
  fail "kinit -l 2s failed"
sleep 3
run -c "$WORK/cc.conf" --withdraw
kdestroy -q || true
expect 3 "ha[sd] expired" "expired ticket"

check "a principal in a realm krb5.conf does not know"
conf kms1 "keytab = $LAB_KMS1_KEYTAB" "principal = host/kms1.example.test@NOWHERE.TEST" >"$WORK/realm.conf"
run -c "$WORK/realm.conf" --withdraw
expect 3 "NOWHERE.TEST" "unknown realm"

check "a keytab without the principal's key"
conf kms1 "keytab = $LAB_KMS2_KEYTAB" "principal = host/kms1.example.test" >"$WORK/wrongkt.conf"
run -c "$WORK/wrongkt.conf" --withdraw
expect 3 "the keytab holds no key for this principal" "wrong keytab"

check "an unknown DNS service principal"
conf kms1 "keytab = $LAB_KMS1_KEYTAB" "server-principal = DNS/nohost.example.test@EXAMPLE.TEST" >"$WORK/sp.conf"
run -c "$WORK/sp.conf" --withdraw
expect 3 "set \\[dns\\] server-principal" "unknown service principal"

check "the KDC unreachable"
sed "s/127.0.0.1:$LAB_KDC_PORT/127.0.0.1:$((LAB_KDC_PORT + 300))/g" "$KRB5_CONFIG" >"$WORK/dead-kdc.conf"
KRB5_CONFIG=$WORK/dead-kdc.conf run -c "$WORK/kms1.conf" --withdraw
expect 3 "no KDC answered" "KDC unreachable"

check "a clock 600 s ahead: the KDC or the DNS server notices, and we say clocks differ"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
  run_cmd faketime -f "+600s" "$PUB" -c "$WORK/kms1.conf" --withdraw
[ "$RC" -eq 1 ] || [ "$RC" -eq 3 ] || fail "skew: exit $RC: $(show)"
output | grep -Eqi "clock" || fail "skew: no word of clocks: $(show)"
ok "skew: exit $RC, $(output | grep -Eio '[^.;]*clock[^.;]*' | head -n1)"

check "a server that forgets the context (BADKEY on an update) gets one new negotiation"
pport=$(free_port)
start_bg "$pport" tcp "$PROXY" "$pport" "$PORT" badkey-once
proxy_pid=$BG_PID
sed "s/^server = .*/server = 127.0.0.1:$pport/; s/^\[host\]/[host]\nport = 1777/" "$WORK/kms1.conf" >"$WORK/proxy.conf"
run -c "$WORK/proxy.conf" --format json
expect 0 '"tkey_exchanges": 2' "renegotiated after BADKEY"
[ "$(j .updates_sent)" -ge 3 ] || fail "the refused update was not sent again: $OUT"
[ "$(q "$PORT" "$CORP" SRV | grep -c 1777)" = 1 ] || fail "corp: $(q "$PORT" "$CORP" SRV)"
run -c "$WORK/proxy.conf" --withdraw
expect 0 "3 removed" "withdraw through the proxy"

check "gss-algorithm = gss.microsoft.com"
sed 's/^auth = gss-tsig/auth = gss-tsig\ngss-algorithm = gss.microsoft.com/; s/^\[host\]/[host]\nport = 1778/' "$WORK/kms1.conf" >"$WORK/ms.conf"
run -c "$WORK/ms.conf" --format json
expect 0 '"proof": "tsig-verified"' "gss.microsoft.com"
run -c "$WORK/kms1.conf" --withdraw
expect 0 "3 removed" "withdraw"

check "gss-algorithm = auto falls back to gss.microsoft.com when gss-tsig is refused (FORMERR)"
stop_bg "$proxy_pid"
start_bg "$pport" tcp "$PROXY" "$pport" "$PORT" no-gss-tsig
proxy_pid=$BG_PID
sed 's/^port = 1777/port = 1780/' "$WORK/proxy.conf" >"$WORK/auto.conf"
run -c "$WORK/auto.conf" --format json
expect 0 '"tkey_exchanges": 2' "auto fallback"
[ "$(q "$PORT" "$CORP" SRV | grep -c 1780)" = 1 ] || fail "corp: $(q "$PORT" "$CORP" SRV)"
sed 's/^auth = gss-tsig/auth = gss-tsig\ngss-algorithm = gss-tsig/' "$WORK/auto.conf" >"$WORK/fixed.conf"
run -c "$WORK/fixed.conf" --withdraw
expect 1 "answered FORMERR to the TKEY query" "no fallback when gss-tsig is set"

check "an answer that echoes our own MAC (Windows DNS on SRV updates) is proven by reading back"
stop_bg "$proxy_pid"
start_bg "$pport" tcp "$PROXY" "$pport" "$PORT" echo-mac
proxy_pid=$BG_PID
run -c "$WORK/proxy.conf" --format json
expect 0 '"proof": "read-back"' "echoed MAC"
[ "$(j '.domains[0].warning')" = "applied; server response signature not verifiable (known server behaviour): the records were read back over a fresh connection" ] ||
  fail "warning: $OUT"
[ "$(q "$PORT" "$CORP" SRV | grep -c 1777)" = 1 ] || fail "corp: $(q "$PORT" "$CORP" SRV)"
sed 's/^\[dns\]/[dns]\nstrict-response-signature = yes/; s/^port = 1777/port = 1779/' "$WORK/proxy.conf" >"$WORK/strict.conf"
run -c "$WORK/strict.conf"
expect 1 "its response signature proves nothing.*strict-response-signature = yes" "strict mode"
run -c "$WORK/proxy.conf" --withdraw
expect 0 "3 removed" "withdraw with echoed MACs"
q "$PORT" "$HQ" SRV | grep -q kms1 && fail "kms1 left in hq: $(q "$PORT" "$HQ" SRV)"
ok "only kms2 is left in hq"

check "a server without GSS-TSIG (knotd) says so"
sed "s/^server = .*/server = 127.0.0.1:$LAB_KNOT_PORT/" "$WORK/kms1.conf" >"$WORK/knot.conf"
run -c "$WORK/knot.conf"
expect 1 "it does not negotiate GSS-TSIG" "knotd"
clean_publish_srv "$LAB_KNOT_PORT"
