#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Smoke test of the AD fixture (tests/lab/ad): the DC's zone answers with aa,
# both KMS host keytabs get tickets, and nsupdate -g (GSS-TSIG) as kms1 adds
# the _vlmcs SRV record; kms2 may neither add to that name nor delete kms1's
# record (AD: the creator of a name owns it). nsupdate's exit codes and
# messages are printed, not judged: the DC signs its responses in a way BIND's
# nsupdate rejects (exit 2 even on success), so the records served decide.
# Usage: ad_smoke.sh AD_DIR
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" ad "${1:-}"

SRV_NAME=_vlmcs._tcp.$AD_ZONE
REC1="0 0 1688 kms1.$AD_ZONE."
REC2="0 0 1688 kms2.$AD_ZONE."

# The SRV records, as Administrator (whatever the test left behind).
admin_clean() {
  local d
  for d in "$REC1" "$REC2"; do
    dc_q "$SRV_NAME" SRV | grep -Fxq -- "$d" || continue
    admin_dns delete "$d" || echo "$T: warning: could not delete $SRV_NAME SRV $d" >&2
  done
}
at_exit admin_clean

# dc_q NAME TYPE: the answer RRs' data from the DC (dig +short), sorted.
dc_q() { dig +norec +short +time=2 +tries=2 @"$AD_DC_IP" "$1" "$2" | sort; }

# admin_dns add|delete "PRIO WEIGHT PORT TARGET.": the SRV record at
# _vlmcs._tcp, as Administrator over the DC's RPC interface.
admin_dns() {
  local prio weight port target
  read -r prio weight port target <<<"$2"
  PASSWD="$AD_ADMIN_PASS" samba-tool dns "$1" "$AD_DC_IP" "$AD_ZONE" "_vlmcs._tcp" SRV \
    "${target%.} $port $prio $weight" -s "$AD_SMB_CONF" -U "$AD_ADMIN_USER" --use-kerberos=off \
    >"$WORK/samba-tool.out" 2>&1 || { cat "$WORK/samba-tool.out" >&2; return 1; }
}

# dc_nsu CCACHE <<< COMMANDS: nsupdate -g against the DC for the zone, one
# "send" appended. Sets NSU_RC and NSU_OUT; never fails by itself.
dc_nsu() {
  local cmds
  cmds=$(cat)
  set +e
  NSU_OUT=$(printf 'server %s\nzone %s\n%s\nsend\n' "$AD_DC_IP" "$AD_ZONE" "$cmds" |
    KRB5CCNAME="FILE:$1" nsupdate -g -t 10 2>&1)
  NSU_RC=$?
  set -e
}
nsu_report() { # WHAT
  info "$1: nsupdate exit $NSU_RC: $(printf '%s\n' "$NSU_OUT" | grep -v '^[[:space:]]*$' | tr '\n' '|' | sed 's/|$//')"
}

dc_expect_rr() {
  dc_q "$1" "$2" | grep -Fxq -- "$3" || fail "$1 $2 '$3' not served (got: $(dc_q "$1" "$2" | tr '\n' '|'))"
  ok "served: $1 $2 $3"
}

check "SOA of $AD_ZONE from $AD_DC_IP (authoritative)"
out=$(dig +norec +time=2 +tries=2 @"$AD_DC_IP" "$AD_ZONE" SOA) || fail "dig @$AD_DC_IP $AD_ZONE SOA failed: $out"
printf '%s\n' "$out" | grep -q 'status: NOERROR' || fail "SOA query: $(printf '%s\n' "$out" | grep -m1 'status:')"
printf '%s\n' "$out" | grep -Eiq 'flags:[^;]* aa[ ;]' || fail "SOA answer without aa: $(printf '%s\n' "$out" | grep -m1 'flags:')"
printf '%s\n' "$out" | grep -q "^;; SERVER: $AD_DC_IP#53" || fail "answer not from $AD_DC_IP"
mname=$(dc_q "$AD_ZONE" SOA | awk '{ sub(/\.$/, "", $1); print $1 }')
[ "$mname" = "$AD_NS" ] || fail "SOA MNAME '$mname', env says AD_NS='$AD_NS'"
ok "NOERROR aa, MNAME $mname"

check "A records of the KMS hosts"
dc_expect_rr "kms1.$AD_ZONE" A "$AD_KMS1_IP"
dc_expect_rr "kms2.$AD_ZONE" A "$AD_KMS2_IP"

check "kinit -k -t for both KMS hosts"
for h in 1 2; do
  kt_var=AD_KMS${h}_KEYTAB pr_var=AD_KMS${h}_PRINCIPAL
  cc=$WORK/kms$h.cc
  KRB5CCNAME="FILE:$cc" kinit -k -t "${!kt_var}" "${!pr_var}" 2>&1 || fail "kinit -k -t ${!kt_var} ${!pr_var} failed"
  KRB5CCNAME="FILE:$cc" klist 2>/dev/null | grep -q "^Default principal: ${!pr_var}\$" || fail "no ticket for ${!pr_var} in $cc"
  ok "${!pr_var}"
done

check "the SRV name is unused"
[ -z "$(dc_q "$SRV_NAME" SRV)" ] || fail "$SRV_NAME already has SRV records: $(dc_q "$SRV_NAME" SRV | tr '\n' '|')"
ok "no SRV at $SRV_NAME"

check "kms1 adds its SRV record with nsupdate -g"
dc_nsu "$WORK/kms1.cc" <<<"update add $SRV_NAME 3600 SRV $REC1"
nsu_report "kms1 add"
dc_expect_rr "$SRV_NAME" SRV "$REC1"

check "kms2 adds its own SRV record at the same name (kms1 owns it)"
dc_nsu "$WORK/kms2.cc" <<<"update add $SRV_NAME 3600 SRV $REC2"
nsu_report "kms2 add"
if dc_q "$SRV_NAME" SRV | grep -Fxq -- "$REC2"; then
  info "kms2's record IS served"
else
  info "kms2's record is not served"
fi

check "kms2 deletes kms1's SRV record"
dc_nsu "$WORK/kms2.cc" <<<"update delete $SRV_NAME SRV $REC1"
nsu_report "kms2 delete kms1's record"
dc_expect_rr "$SRV_NAME" SRV "$REC1"

check "cleanup as $AD_ADMIN_USER"
for d in "$REC1" "$REC2"; do
  dc_q "$SRV_NAME" SRV | grep -Fxq -- "$d" || continue
  admin_dns delete "$d" || fail "samba-tool dns delete $SRV_NAME SRV $d failed"
done
[ -z "$(dc_q "$SRV_NAME" SRV)" ] || fail "$SRV_NAME still has SRV records: $(dc_q "$SRV_NAME" SRV | tr '\n' '|')"
ok "no SRV at $SRV_NAME"
