#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-publish against a real server of the lab (named or knotd), TSIG:
# publish into three domains (two in one zone, one UPDATE for them), a second
# run sends nothing, --plan sends nothing, a port change replaces, another
# host's RR survives publish and withdraw, --withdraw --fqdn, addresses,
# wrong secret, a key that may not touch a name, an unreachable server, a zone
# the server does not serve, a bad config, --tcp, --wait, --format json.
# Every assertion is on what the server then serves (dig) or logged.
# Usage: publish.sh LAB_DIR named|knot PATH_TO_kmsdns-publish
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" lab "${1:-}"
SERVER=${2:?server kind}
PUB=${3:?path to kmsdns-publish}
PROG=$PUB # run ARGS...: kmsdns-publish ARGS (harness.sh)
command -v jq >/dev/null || fail "jq is needed (scripts/deps installs it)"
case "$SERVER" in
named) PORT=$LAB_NAMED_PORT LOG=$LAB_NAMED_LOG OKPAT="update section prescan OK" ;;
knot) PORT=$LAB_KNOT_PORT LOG=$LAB_KNOT_LOG OKPAT="ACL, allowed, action update" ;;
*) fail "server kind is named or knot" ;;
esac
T="publish_$SERVER"

# conf FILE [extra lines...]: a config for kms1 against this server
conf() {
  local f=$WORK/$1
  shift
  {
    printf '[host]\nfqdn = kms1.example.test\nport = %s\n' "${PORT_KMS:-1688}"
    printf '[dns]\nserver = 127.0.0.1:%s\nauth = tsig\ntsig-key = %s\ntimeout = 2\nretries = 1\n' \
      "$PORT" "${KEY:-$LAB_TSIG_KEY}"
    printf '[publish]\ndomain = corp.example.test,0,100\ndomain = hq.corp.example.test, 10, 50\n'
    printf 'domain = branch.example.test,5,0\n'
    for l in "$@"; do printf '%s\n' "$l"; done
  } >"$f"
  echo "$f"
}
serial() { dig +short +norec -p "$PORT" @127.0.0.1 SOA "$1" | awk '{print $3}'; }
updates_logged() { count "$LOG" "$OKPAT"; }
# wait_log N: until the server has logged N accepted UPDATEs (logs may lag a little)
wait_log() {
  local i
  for ((i = 0; i < 20; i++)); do [ "$(updates_logged)" -ge "$1" ] && return 0; sleep 0.1; done
  return 0
}
cleanup_records() {
  clean_publish_srv "$PORT"
  nsu "$PORT" -k "$LAB_TSIG_KEY" <<NSU || true
update delete kms1.example.test AAAA
update delete kms1.example.test A 192.0.2.11
NSU
}
cleanup_records
[ -z "$(q "$PORT" "$CORP" SRV)$(q "$PORT" "$BRANCH" SRV)" ] || fail "could not clean the records up before the test"
at_exit cleanup_records

check "publish into three domains, two of them in one zone"
before=$(updates_logged)
run -c "$(conf a.conf)" --format json
expect_rc 0 "first publish"
[ "$(jq -r '.updates_sent' <<<"$OUT")" = 2 ] || fail "expected 2 updates, JSON: $OUT"
[ "$(jq -r '[.domains[].action] | join(",")' <<<"$OUT")" = "added,added,added" ] || fail "actions: $OUT"
[ "$(jq -r '.updates[0].domains | length' <<<"$OUT")" = 2 ] || fail "corp and hq not in one UPDATE: $OUT"
[ "$(jq -r '.updates[0].proof' <<<"$OUT")" = tsig-verified ] || fail "no verified proof: $OUT"
[ "$(q "$PORT" "$CORP" SRV)" = "0 100 1688 kms1.example.test." ] || fail "corp RRset: $(q "$PORT" "$CORP" SRV)"
[ "$(q "$PORT" "$HQ" SRV)" = "10 50 1688 kms1.example.test." ] || fail "hq RRset: $(q "$PORT" "$HQ" SRV)"
[ "$(q "$PORT" "$BRANCH" SRV)" = "5 0 1688 kms1.example.test." ] || fail "branch RRset"
wait_log $((before + 2))
[ "$(updates_logged)" -eq $((before + 2)) ] || fail "server logged $(($(updates_logged) - before)) UPDATEs, expected 2"
ok "3 RRsets exactly right; the server saw 2 UPDATE messages"

check "a second run sends nothing"
s1=$(serial corp.example.test) s2=$(serial branch.example.test) before=$(updates_logged)
run -c "$WORK/a.conf"
expect_rc 0 "second publish"
grep -q "nothing to change, no update sent" <<<"$OUT" || fail "text: $OUT"
sleep 0.3
[ "$(serial corp.example.test)" = "$s1" ] && [ "$(serial branch.example.test)" = "$s2" ] || fail "SOA serial moved"
[ "$(updates_logged)" -eq "$before" ] || fail "an UPDATE reached the server"
ok "serials $s1/$s2 unchanged, no UPDATE logged"

check "--plan with a new port shows the replace and sends nothing"
PORT_KMS=1689 run -c "$(PORT_KMS=1689 conf b.conf)" --plan
expect_rc 0 "plan"
grep -Eq "^corp.example.test +replace" <<<"$OUT" || fail "plan text: $OUT"
grep -q "delete _vlmcs._tcp.corp.example.test. IN SRV 0 100 1688 kms1.example.test." <<<"$OUT" || fail "plan lacks the delete: $OUT"
grep -q "prerequisites: none" <<<"$OUT" || fail "plan lacks prerequisites: $OUT"
if grep -qi secret <<<"$OUT$ERR" || grep -qF "$LAB_TSIG_SECRET" <<<"$OUT$ERR"; then fail "plan shows the secret"; fi
[ "$(serial corp.example.test)" = "$s1" ] || fail "--plan changed the zone"
ok "plan shown, zone untouched, no secret printed"

check "a port change replaces only this host's RR"
nsu "$PORT" -k "$LAB_TSIG_KEY" <<NSU
update add $CORP 3600 SRV 0 100 1688 kms2.example.test.
NSU
expect_ok "seeded kms2's SRV in corp"
run -c "$WORK/b.conf" --format json
expect_rc 0 "replace"
[ "$(jq -r '[.domains[].action] | join(",")' <<<"$OUT")" = "replaced,replaced,replaced" ] || fail "actions: $OUT"
[ "$(q "$PORT" "$CORP" SRV | tr '\n' '|')" = "0 100 1688 kms1.example.test.|0 100 1688 kms2.example.test.|" ] &&
  fail "old RR kept"
[ "$(q "$PORT" "$CORP" SRV | tr '\n' '|')" = "0 100 1688 kms2.example.test.|0 100 1689 kms1.example.test.|" ] ||
  fail "corp after replace: $(q "$PORT" "$CORP" SRV | tr '\n' '|')"
ok "kms1 moved to 1689, kms2's RR intact"

check "--withdraw removes this host's RRs only; a second withdraw sends nothing"
run -c "$WORK/b.conf" --withdraw --format json
expect_rc 0 "withdraw"
[ "$(jq -r '[.domains[].action] | join(",")' <<<"$OUT")" = "removed,removed,removed" ] || fail "actions: $OUT"
[ "$(q "$PORT" "$CORP" SRV)" = "0 100 1688 kms2.example.test." ] || fail "corp after withdraw: $(q "$PORT" "$CORP" SRV)"
[ -z "$(q "$PORT" "$HQ" SRV)" ] || fail "hq still served"
run -c "$WORK/b.conf" --withdraw --format json
expect_rc 0 "second withdraw"
[ "$(jq -r '.updates_sent' <<<"$OUT")" = 0 ] || fail "second withdraw sent: $OUT"
ok "only kms2's RR is left"

check "--withdraw --fqdn retires another host's records"
run -c "$WORK/b.conf" --withdraw --fqdn KMS2.example.test.
expect_rc 0 "withdraw --fqdn"
[ -z "$(q "$PORT" "$CORP" SRV)" ] || fail "kms2 still in corp: $(q "$PORT" "$CORP" SRV)"
ok "kms2's SRV removed"

check "addresses: added beside the existing A, withdrawn without touching it"
conf c.conf >/dev/null
sed -i 's/^port = .*/&\naddresses = 192.0.2.11, 2001:db8::11/' "$WORK/c.conf"
run -c "$WORK/c.conf" --format json --tcp
expect_rc 0 "publish addresses over TCP"
[ "$(jq -r '.addresses[0].action' <<<"$OUT")" = added ] || fail "addresses: $OUT"
[ "$(q "$PORT" kms1.example.test A | tr '\n' ' ')" = "127.0.0.11 192.0.2.11 " ] || fail "A: $(q "$PORT" kms1.example.test A)"
[ "$(q "$PORT" kms1.example.test AAAA)" = "2001:db8::11" ] || fail "AAAA"
run -c "$WORK/c.conf" --withdraw --tcp
expect_rc 0 "withdraw addresses"
[ "$(q "$PORT" kms1.example.test A)" = "127.0.0.11" ] || fail "A after withdraw: $(q "$PORT" kms1.example.test A)"
[ -z "$(q "$PORT" kms1.example.test AAAA)" ] || fail "AAAA left"
ok "192.0.2.11 and 2001:db8::11 come and go; 127.0.0.11 stays"

check "--wait polls until the server serves the result"
run -c "$WORK/a.conf" --wait=10 --format json
expect_rc 0 "publish --wait"
# [dns] server is set: only that server was asked, and the note says so
jq -e --arg s "127.0.0.1:$PORT" '.domains | all(.note | test("served by " + $s + " after [0-9]+ s \\(\\[dns\\] server: the zone.s other servers were not asked\\)"))' <<<"$OUT" >/dev/null || fail "wait notes: $OUT"
ok "served by 127.0.0.1:$PORT ([dns] server: the others were not asked)"

check "a wrong TSIG secret is refused and said so"
bad=$WORK/bad.key
sed 's/secret ".*"/secret "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="/' "$LAB_TSIG_KEY" >"$bad"
chmod 600 "$bad"
run -c "$(KEY=$bad PORT_KMS=1700 conf d.conf)"
expect_rc 1 "wrong secret"
grep -q "BADSIG" <<<"$OUT" || fail "no BADSIG in: $OUT"
[ "$(q "$PORT" "$CORP" SRV)" = "0 100 1688 kms1.example.test." ] || fail "wrong key changed corp"
ok "exit 1, BADSIG named, nothing changed"

check "a key that may not change a name: REFUSED there, the others still published"
run -c "$(KEY=$LAB_LIMITED_KEY PORT_KMS=1701 conf e.conf)" --format json
expect_rc 1 "limited key"
[ "$(jq -r '.domains[0].action' <<<"$OUT")" = replaced ] || fail "corp not replaced after the split: $OUT"
[ "$(jq -r '.domains[1].status' <<<"$OUT")" = failed ] || fail "hq not failed: $OUT"
msg=$(jq -r '.domains[1].error.message' <<<"$OUT")
grep -q "limited-tsig" <<<"$msg" || fail "message does not name the key: $msg"
if [ "$SERVER" = named ]; then
  grep -q "refused the update of _vlmcs._tcp.hq.corp.example.test SRV in zone corp.example.test" <<<"$msg" ||
    fail "REFUSED message: $msg"
  grep -q "more than one KMS host" <<<"$msg" || fail "no multi-host hint: $msg"
fi
[ "$(q "$PORT" "$CORP" SRV)" = "0 100 1701 kms1.example.test." ] || fail "corp: $(q "$PORT" "$CORP" SRV)"
[ "$(q "$PORT" "$HQ" SRV)" = "10 50 1688 kms1.example.test." ] || fail "hq changed"
ok "corp published after the batch was split; hq refused with a clear message"

check "an unreachable server is exit 3"
closed=$(free_port)
sed "s/^server = .*/server = 127.0.0.1:$closed/" "$WORK/a.conf" >"$WORK/f.conf"
run -c "$WORK/f.conf"
expect_rc 3 "unreachable"
grep -q "no answer from 127.0.0.1:$closed" <<<"$OUT" || fail "message: $OUT"
ok "exit 3: $(grep -m1 'error:' <<<"$OUT" | sed 's/^ *//')"

check "a zone the server does not serve is exit 1"
sed 's/^domain = branch.*/domain = elsewhere.invalid/' "$WORK/a.conf" >"$WORK/g.conf"
run -c "$WORK/g.conf" --format json
expect_rc 1 "foreign zone"
[ "$(jq -r '.domains[2].status' <<<"$OUT")" = failed ] || fail "$OUT"
[ "$(jq -r '.domains[0].status' <<<"$OUT")" = ok ] || fail "the others suffered: $OUT"
ok "$(jq -r '.domains[2].error.message' <<<"$OUT")"

check "a bad config is exit 2 and sends nothing"
before=$(updates_logged)
printf '[host]\nfqdn = kms1.example.test\n[publish]\ndomain = a.test,70000,0\n' >"$WORK/h.conf"
run -c "$WORK/h.conf"
expect_rc 2 "bad config"
grep -q "h.conf:4: priority '70000'" <<<"$ERR" || fail "stderr: $ERR"
[ "$(updates_logged)" -eq "$before" ] || fail "something was sent"
ok "$ERR"
