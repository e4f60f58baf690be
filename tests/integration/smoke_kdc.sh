#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Smoke test of the lab KDC: a KMS host gets a TGT from its keytab.
# Usage: smoke_kdc.sh LAB_DIR
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" lab "${1:-}"

for kt in "$LAB_KMS1_KEYTAB" "$LAB_KMS2_KEYTAB" "$LAB_DNS_KEYTAB"; do
  check "keytab $kt is mode 0600"
  [ "$(stat -c %a "$kt")" = 600 ] || fail "$kt has mode $(stat -c %a "$kt")"
  ok "$kt"
done

check "klist -k of the named keytab holds $LAB_DNS_PRINCIPAL"
klist -k "$LAB_DNS_KEYTAB" | grep -Fq "$LAB_DNS_PRINCIPAL" || fail "$LAB_DNS_PRINCIPAL not in $LAB_DNS_KEYTAB"
ok "$LAB_DNS_PRINCIPAL"

cc=$WORK/kms1.ccache
check "kinit -k -t kms1.keytab $LAB_KMS1_PRINCIPAL (KDC 127.0.0.1:$LAB_KDC_PORT)"
kinit_as "$LAB_KMS1_KEYTAB" "$LAB_KMS1_PRINCIPAL" "$cc"
ok "kinit"

check "klist shows the TGT of $LAB_KMS1_PRINCIPAL"
out=$(KRB5CCNAME="FILE:$cc" klist 2>&1) || fail "klist failed: $out"
printf '%s\n' "$out" | grep -Fq "Default principal: $LAB_KMS1_PRINCIPAL" || fail "klist: wrong principal: $out"
printf '%s\n' "$out" | grep -Fq "krbtgt/$LAB_REALM@$LAB_REALM" || fail "klist: no TGT: $out"
ok "$(printf '%s\n' "$out" | grep -F "krbtgt/")"

check "kms2 keytab works too"
kinit_as "$LAB_KMS2_KEYTAB" "$LAB_KMS2_PRINCIPAL" "$WORK/kms2.ccache"
ok "kinit $LAB_KMS2_PRINCIPAL"
