#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-hostd as combined host+publisher against the lab's named: it
# publishes its SRV records at start with TSIG and with GSS-TSIG, STATUS shows
# the result per domain, a domain the server refuses shows its error while
# clients are still served, and SIGHUP applies a good config (new publish
# list, new priority) and refuses a bad one (the running one stays).
# Assertions are on what named serves (dig) and on STATUS.
# usage: hostd_publish.sh LAB_DIR HOSTD CLIENT
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" lab "${1:-}"
HOSTD=$2 CLIENT=$3

PORT=$(free_port)
NP=$LAB_NAMED_PORT
CORP=_vlmcs._tcp.corp.example.test
BRANCH=_vlmcs._tcp.branch.example.test
cleanup_records() {
  nsu "$NP" -k "$LAB_TSIG_KEY" <<NSU || true
update delete $CORP SRV
send
update delete $BRANCH SRV
NSU
}
cleanup_records
at_exit cleanup_records

# conf FILE AUTH-LINES... -- DOMAIN-LINES...
conf() {
  local f=$1
  shift
  {
    printf '[host]\nfqdn = kms1.example.test\nport = %s\nlisten = 127.0.0.1\n' "$PORT"
    printf 'database = %s/host.db\npublish = yes\n[dns]\nserver = 127.0.0.1:%s\n' "$WORK" "$NP"
    printf 'timeout = 2\nretries = 1\npublish-interval = 1\n'
    for l in "$@"; do
      if [ "$l" = -- ]; then printf '[publish]\n'; else printf '%s\n' "$l"; fi
    done
  } >"$f"
}
domain_status() { # DOMAIN: "<result>@<time>" from STATUS, as the raw line has it
  "$CLIENT" --kms "127.0.0.1:$PORT" --status | awk -v k="domain.$1" '$1 == k { print $2 }'
}
# wait_domain DOMAIN RESULT-REGEX: until STATUS's domain.DOMAIN matches RESULT@<time> (10 s)
wait_domain() {
  local v
  for _ in $(seq 1 100); do
    v=$(domain_status "$1" 2>/dev/null || true)
    if grep -Eq "^($2)@[0-9]{10}\$" <<<"$v"; then echo "$v"; return 0; fi
    sleep 0.1
  done
  fail "STATUS domain.$1 is '$v', expected /$2@<time>/ ($(tail -n 3 "$WORK/hostd.log" | tr '\n' '|'))"
}

check "TSIG: publishes at start; a refused domain shows its error and clients are still served"
conf "$WORK/tsig.conf" "auth = tsig" "tsig-key = $LAB_TSIG_KEY" -- \
  "domain = corp.example.test,0,100" "domain = branch.example.test,5,0" "domain = nosuch.test"
start_hostd "$WORK/tsig.conf"
v=$(wait_domain corp.example.test ok)
ok "STATUS domain.corp.example.test=$v"
wait_domain branch.example.test ok >/dev/null
v=$(wait_domain nosuch.test refused)
ok "STATUS domain.nosuch.test=$v (named does not serve it)"
[ "$(q "$NP" "$CORP" SRV)" = "0 100 $PORT kms1.example.test." ] || fail "corp SRV: $(q "$NP" "$CORP" SRV)"
[ "$(q "$NP" "$BRANCH" SRV)" = "5 0 $PORT kms1.example.test." ] || fail "branch SRV: $(q "$NP" "$BRANCH" SRV)"
ok "named serves both SRV records with port $PORT"
grep -q "publication failed (event 12293): SRV record in nosuch.test: refused" "$WORK/hostd.log" || fail "no 12293 line in the log"
grep -q "published (event 12294): SRV record in corp.example.test: added" "$WORK/hostd.log" || fail "no 12294 line in the log"
ok "the log has the 12294 and 12293 lines"
out=$("$CLIENT" --kms "127.0.0.1:$PORT" --cmid "$(cmid 1)" --edition ws2008r2-web --format json) || [ $? -eq 1 ] || fail "not served"
[ "$(jq -r .count <<<"$out")" = 1 ] || fail "request during the failing publication: $out"
ok "clients are served while a domain keeps failing"

check "SIGHUP with a good config: new list, new priority"
conf "$WORK/tsig.conf" "auth = tsig" "tsig-key = $LAB_TSIG_KEY" -- \
  "domain = corp.example.test,0,100" "domain = branch.example.test,7,0"
kill -HUP "$HOSTD_PID"
for _ in $(seq 1 100); do [ "$(q "$NP" "$BRANCH" SRV)" = "7 0 $PORT kms1.example.test." ] && break; sleep 0.1; done
[ "$(q "$NP" "$BRANCH" SRV)" = "7 0 $PORT kms1.example.test." ] || fail "branch after reload: $(q "$NP" "$BRANCH" SRV)"
ok "branch republished with priority 7"
wait_domain branch.example.test ok >/dev/null
[ -z "$(domain_status nosuch.test)" ] || fail "nosuch.test still in STATUS after it left the list"
ok "nosuch.test left STATUS with the list"

check "SIGHUP with a bad config: refused, the running one stays"
printf '[host]\nfqdn = kms1.example.test\nport = nope\n' >"$WORK/tsig.conf"
kill -HUP "$HOSTD_PID"
for _ in $(seq 1 50); do grep -q "reload refused" "$WORK/hostd.log" && break; sleep 0.1; done
grep -q "reload refused, the running configuration stays: $WORK/tsig.conf:3: " "$WORK/hostd.log" ||
  fail "no refusal logged: $(tail -n 3 "$WORK/hostd.log")"
ok "logged: $(grep -o 'reload refused.*' "$WORK/hostd.log" | tail -n 1)"
kill -0 "$HOSTD_PID" || fail "hostd died on a bad reload"
[ "$(status_field "$PORT" publish)" = 1 ] && domain_status corp.example.test | grep -q "^ok@" || fail "state lost on a bad reload"
ok "still serving with the old config"
stop_hostd
cleanup_records

check "GSS-TSIG with the host's keytab"
rm -f "$WORK"/host.db*
conf "$WORK/gss.conf" "auth = gss-tsig" "keytab = $LAB_KMS1_KEYTAB" "principal = host/kms1.example.test" -- \
  "domain = corp.example.test,0,100" "domain = branch.example.test,5,0"
start_hostd "$WORK/gss.conf"
wait_domain corp.example.test ok >/dev/null
wait_domain branch.example.test ok >/dev/null
[ "$(q "$NP" "$CORP" SRV)" = "0 100 $PORT kms1.example.test." ] || fail "corp SRV (GSS): $(q "$NP" "$CORP" SRV)"
ok "GSS-TSIG: both domains ok in STATUS, named serves the records"
stop_hostd
