#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Smoke test of GSS-TSIG updates at named with the multi-KMS-host policy
# (grant EXAMPLE.TEST krb5-subdomain-self-rhs <zone>. SRV): nsupdate -g as
# host/kms1 adds and deletes its own _vlmcs._tcp SRV; SRVs naming another
# host are refused, and so is deleting another host's SRV.
# Usage: smoke_named_gss.sh LAB_DIR
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" lab "${1:-}"

P=$LAB_NAMED_PORT
NAME=_vlmcs._tcp.corp.example.test
HQ=_vlmcs._tcp.hq.corp.example.test
RR1="0 0 1688 kms1.example.test."
RR2="0 0 1688 kms2.example.test."

# Whatever happens, leave none of our records behind (TSIG key may delete all).
for n in $NAME $HQ; do
  for rr in "$RR1" "$RR2"; do
    at_exit "nsu $P -k \"\$LAB_TSIG_KEY\" <<< 'update delete $n SRV $rr'"
  done
done

cc1=$WORK/kms1.ccache
cc2=$WORK/kms2.ccache
check "kinit as $LAB_KMS1_PRINCIPAL and $LAB_KMS2_PRINCIPAL (private ccaches)"
kinit_as "$LAB_KMS1_KEYTAB" "$LAB_KMS1_PRINCIPAL" "$cc1"
kinit_as "$LAB_KMS2_KEYTAB" "$LAB_KMS2_PRINCIPAL" "$cc2"
ok "tickets in $WORK"
as1() { KRB5CCNAME="FILE:$cc1" nsu "$P" -g; }
as2() { KRB5CCNAME="FILE:$cc2" nsu "$P" -g; }

check "precondition: no $NAME SRV"
expect_no_rr "$P" "$NAME" SRV "$RR1"

check "kms1 adds its own SRV via nsupdate -g"
as1 <<<"update add $NAME 3600 SRV $RR1"
expect_ok "add $NAME SRV $RR1"
expect_rr "$P" "$NAME" SRV "$RR1"

check "kms1 adding an SRV whose target is kms2 is refused"
as1 <<<"update add $NAME 3600 SRV $RR2"
expect_refused "kms1: add $NAME SRV $RR2"
expect_no_rr "$P" "$NAME" SRV "$RR2"

check "kms2 deleting kms1's SRV is refused"
as2 <<<"update delete $NAME SRV $RR1"
expect_refused "kms2: delete $NAME SRV $RR1"
expect_rr "$P" "$NAME" SRV "$RR1"

check "kms2 deleting the whole SRV RRset (still holding kms1's SRV) is refused"
as2 <<<"update delete $NAME SRV"
expect_refused "kms2: delete $NAME SRV (RRset)"
expect_rr "$P" "$NAME" SRV "$RR1"

check "kms1 may publish below another name of the zone ($HQ)"
as1 <<<"update add $HQ 3600 SRV $RR1"
expect_ok "add $HQ SRV $RR1"
expect_rr "$P" "$HQ" SRV "$RR1"
as1 <<<"update delete $HQ SRV $RR1"
expect_ok "delete $HQ SRV $RR1"
expect_no_rr "$P" "$HQ" SRV "$RR1"

check "kms1 deletes its own SRV via nsupdate -g"
as1 <<<"update delete $NAME 3600 SRV $RR1"
expect_ok "delete $NAME SRV $RR1"
expect_no_rr "$P" "$NAME" SRV "$RR1"
