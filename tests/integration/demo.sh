#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# README command (1), scripts/demo, as a test (with the build tree given, so
# nothing is installed or rebuilt): it must finish in under 60 s with exit 0,
# and its results must hold up: kmsdns-verify (with --probe rpc against both
# hosts) exit 0; each host's count equals the distinct CMIDs it served
# (capped at 50); every client is activated exactly when its count reached
# its threshold (25 for Windows 7, 5 for Server 2008 R2); the split between
# the hosts is within bounds of the SRV weights (60/40) for 60 clients.
# Usage: demo.sh SOURCE_DIR BUILD_DIR
SRC=${1:?source directory} BUILD=${2:?build directory}
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"
RES=$WORK # the demo's results (kept with the work directory when the test fails)

start=$(date +%s)
rc=0
bash "$SRC/scripts/demo" --build "$BUILD" --out "$RES" >"$RES/demo.txt" 2>&1 || rc=$?
took=$(($(date +%s) - start))
[ $rc -eq 0 ] || fail "scripts/demo exited $rc: $(tail -n 20 "$RES/demo.txt")"
[ "$took" -lt 60 ] || fail "the demo took $took s (limit 60)"
ok "scripts/demo: exit 0 in $took s"

[ "$(cat "$RES/verify.rc")" = 0 ] || fail "kmsdns-verify --probe rpc exited $(cat "$RES/verify.rc")"
[ "$(jq -r .status "$RES/verify.json")" = ok ] || fail "verify: $(jq -c . "$RES/verify.json")"
[ "$(jq '[.domains[].servers[].problems[]] | length' "$RES/verify.json")" = 0 ] || fail "verify problems"
ok "kmsdns-verify with both hosts probed: exit 0, no problem"

port=$(cat "$RES/port")
for h in 1 2; do
  served=$(jq --arg h "kms$h.example.test:$port" '.hosts[] | select(.host == $h) | .served' "$RES/fleet.json")
  count=$(jq .status.count "$RES/status-kms$h.json")
  distinct=$(jq --argjson i "$(jq --arg h "kms$h.example.test:$port" '.hosts | map(.host) | index($h)' "$RES/fleet.json")" \
    '[.clients[] | select(.host == $i) | .cmid] | unique | length' "$RES/fleet.json")
  [ "$distinct" = "$served" ] || fail "kms$h: served $served, distinct CMIDs $distinct"
  want=$((served < 50 ? served : 50))
  [ "$count" = "$want" ] || fail "kms$h: STATUS count $count, but it served $served distinct CMIDs"
  ok "kms$h served $served distinct CMIDs; its count is $count"
done
wrong=$(jq '[.clients[] | select(.count != null) | select(.activated != (.count >= .threshold))] | length' "$RES/fleet.json")
[ "$wrong" = 0 ] || fail "$wrong clients activated (or not) against their count"
first25=$(jq '[.clients[] | select(.threshold == 25 and .activated) | .count] | min' "$RES/fleet.json")
[ "$first25" = null ] || [ "$first25" -ge 25 ] || fail "a client edition activated at count $first25"
ok "activation follows the counts exactly (client editions from 25, server from 5)"
n1=$(jq --arg h "kms1.example.test:$port" '.hosts[] | select(.host == $h) | .served' "$RES/fleet.json")
# 60 clients, weight 60 of 100: 36 expected, sd 3.8; 4 sd either way
[ "$n1" -ge 21 ] && [ "$n1" -le 51 ] || fail "kms1 served $n1 of 60 (weights 60/40: 21..51 expected)"
ok "split $n1/$((60 - n1)) is within bounds of the weights 60/40"
