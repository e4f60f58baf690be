# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# Sourced by smoke_named_tsig.sh and smoke_knot_tsig.sh after harness.sh.

# tsig_check SERVER(named|knotd) PORT DENIED_RCODE_REGEX
tsig_check() {
  local server=$1 P=$2 denied=$3
  local S=sales.example.test C=corp.example.test
  local SRV_S=_vlmcs._tcp.$S SRV_C=_vlmcs._tcp.$C
  local TXT_S=smoke-tsig.$S TXT_C=smoke-limited.$C
  local RR1="0 0 1688 kms1.example.test." RR2="0 0 1688 kms2.example.test."
  local TXT='"kmsdns smoke"'
  local logf ok_pat deny_pat ok0 deny0 ok1 deny1

  case "$server" in
  named)
    logf=$LAB_NAMED_LOG
    ok_pat="update section prescan OK"
    deny_pat="update failed: rejected by secure update"
    ;;
  knotd)
    logf=$LAB_KNOT_LOG
    ok_pat="ACL, allowed, action update"
    deny_pat="ACL, denied, action update"
    ;;
  esac

  at_exit "nsu $P -k \"\$LAB_TSIG_KEY\" <<< 'update delete $SRV_S SRV $RR1
update delete $TXT_S TXT
update delete $TXT_C TXT
update delete $SRV_C TXT'"
  at_exit "nsu $P -k \"\$LAB_TSIG_KEY\" <<< 'update delete $SRV_C SRV $RR2'"
  ok0=$(count "$logf" "$ok_pat")
  deny0=$(count "$logf" "$deny_pat")

  check "kmsdns-tsig adds an SRV and a TXT in $S at $server"
  nsu "$P" -k "$LAB_TSIG_KEY" <<EOF
update add $SRV_S 60 SRV $RR1
update add $TXT_S 60 TXT $TXT
EOF
  expect_ok "add $SRV_S SRV, $TXT_S TXT"
  expect_rr "$P" "$SRV_S" SRV "$RR1"
  expect_rr "$P" "$TXT_S" TXT "$TXT"

  if [ "$server" = knotd ]; then
    check "knotd wrote the change back to its zone file"
    for _ in $(seq 1 60); do
      grep -q "^$TXT_S" "$LAB_KNOT_ZONEDIR/$S.zone" && break
      sleep 0.05
    done
    grep -q "^$TXT_S" "$LAB_KNOT_ZONEDIR/$S.zone" || fail "$TXT_S not in $LAB_KNOT_ZONEDIR/$S.zone"
    ok "$LAB_KNOT_ZONEDIR/$S.zone"
  fi

  check "kmsdns-tsig deletes them"
  nsu "$P" -k "$LAB_TSIG_KEY" <<EOF
update delete $SRV_S SRV $RR1
update delete $TXT_S TXT
EOF
  expect_ok "delete $SRV_S SRV, $TXT_S TXT"
  expect_no_rr "$P" "$SRV_S" SRV "$RR1"
  expect_no_rr "$P" "$TXT_S" TXT "$TXT"

  check "limited-tsig may add and delete an SRV at $SRV_C"
  nsu "$P" -k "$LAB_LIMITED_KEY" <<<"update add $SRV_C 60 SRV $RR2"
  expect_ok "add $SRV_C SRV $RR2"
  expect_rr "$P" "$SRV_C" SRV "$RR2"
  nsu "$P" -k "$LAB_LIMITED_KEY" <<<"update delete $SRV_C SRV $RR2"
  expect_ok "delete $SRV_C SRV $RR2"
  expect_no_rr "$P" "$SRV_C" SRV "$RR2"

  check "limited-tsig may not touch another name, another type or another zone"
  nsu "$P" -k "$LAB_LIMITED_KEY" <<<"update add $TXT_C 60 TXT $TXT"
  expect_refused "limited-tsig: add $TXT_C TXT" "$denied"
  expect_no_rr "$P" "$TXT_C" TXT "$TXT"
  nsu "$P" -k "$LAB_LIMITED_KEY" <<<"update add $SRV_C 60 TXT $TXT"
  expect_refused "limited-tsig: add $SRV_C TXT" "$denied"
  expect_no_rr "$P" "$SRV_C" TXT "$TXT"
  nsu "$P" -k "$LAB_LIMITED_KEY" <<<"update add $SRV_S 60 SRV $RR1"
  expect_refused "limited-tsig: add $SRV_S SRV" "$denied"
  expect_no_rr "$P" "$SRV_S" SRV "$RR1"

  check "$logf logged each UPDATE: 4 allowed ('$ok_pat'), 3 denied ('$deny_pat')"
  for _ in $(seq 1 20); do
    ok1=$(($(count "$logf" "$ok_pat") - ok0))
    deny1=$(($(count "$logf" "$deny_pat") - deny0))
    [ "$ok1/$deny1" != 4/3 ] || break
    sleep 0.05
  done
  [ "$ok1/$deny1" = 4/3 ] || fail "log counted $ok1 allowed / $deny1 denied UPDATEs, expected 4/3"
  ok "$ok1 allowed, $deny1 denied"
}
