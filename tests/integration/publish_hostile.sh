#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-publish against answers no real server here gives: a proxy in front
# of the lab's named mangles the answers to UPDATEs (stripped TSIG, a wrong
# MAC, garbage, silence, a spoofed answer first), and a client clock 600 s
# ahead (libfaketime) draws a real BADTIME from named. Each must end in a
# clear error and the right exit code; the spoofed answer must be ignored.
# Usage: publish_hostile.sh LAB_DIR PATH_TO_kmsdns-publish PATH_TO_badproxy
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" lab "${1:-}"
PUB=${2:?path to kmsdns-publish}
PROXY=${3:?path to badproxy}
PROG=$PUB # run ARGS...: kmsdns-publish ARGS (harness.sh)
T=publish_hostile
OWNER=_vlmcs._tcp.sales.example.test

PPORT=$(free_port)
PROXY_PID=
stop_proxy() {
  stop_bg "$PROXY_PID"
  PROXY_PID=
}
start_proxy() { # MODE
  stop_proxy
  start_bg "$PPORT" udp "$PROXY" "$PPORT" "$LAB_NAMED_PORT" "$1"
  PROXY_PID=$BG_PID
}
at_exit stop_proxy
cleanup_records() {
  nsu "$LAB_NAMED_PORT" -k "$LAB_TSIG_KEY" <<NSU || true
update delete $OWNER SRV
NSU
}
at_exit cleanup_records

# conf PORT [SRV port]: kms1 publishing into sales through 127.0.0.1:PORT
conf() {
  printf '[host]\nfqdn = kms1.example.test\nport = %s\n[dns]\nserver = 127.0.0.1:%s\n' "${2:-1688}" "$1"
  printf 'auth = tsig\ntsig-key = %s\ntimeout = 1\nretries = 0\n[publish]\ndomain = sales.example.test\n' "$LAB_TSIG_KEY"
}

# Each case publishes another port: the server applies every update the
# proxy lies about, so the next case must still have something to change.
for p in 1688 1690 1691 1692 1693 1694; do conf "$PPORT" $p >"$WORK/proxy$p.conf"; done

check "an answer stripped of its TSIG is not taken as success"
cleanup_records
start_proxy strip-tsig
run -c "$WORK/proxy1688.conf"
expect 1 "answered NOERROR without a TSIG signature: nothing proves the answer came from the server" "unsigned answer"
output | grep -q "may have been applied" || fail "no hint that it may be applied: $(show)"

check "an answer whose MAC was altered is refused"
start_proxy bad-mac
run -c "$WORK/proxy1690.conf"
expect 1 "TSIG signature does not verify with key 'kmsdns-tsig'" "bad MAC"

check "with plain TSIG, an answer echoing our own MAC is refused (only GSS servers get the AD leeway)"
start_proxy echo-mac
run -c "$WORK/proxy1691.conf"
expect 1 "TSIG signature does not verify" "echoed MAC under TSIG"

check "garbage instead of an answer"
start_proxy garbage
run -c "$WORK/proxy1692.conf" --format json
expect 1 "malformed answer to the update" "garbage"

check "a server that never answers the update is unreachable, exit 3"
start_proxy drop
run -c "$WORK/proxy1693.conf"
expect 3 "no answer from 127.0.0.1:$PPORT to the update of zone sales.example.test" "silence"

check "a spoofed answer with another ID is ignored; the real one counts"
start_proxy spoof-first
run -c "$WORK/proxy1694.conf"
expect 0 "replaced" "spoofed answer first"
[ "$(q "$LAB_NAMED_PORT" "$OWNER" SRV)" = "0 0 1694 kms1.example.test." ] || fail "record: $(q "$LAB_NAMED_PORT" "$OWNER" SRV)"
stop_proxy

check "a clock 600 s ahead draws BADTIME from named, with the difference"
conf "$LAB_NAMED_PORT" 1691 >"$WORK/direct.conf"
# libfaketime is preloaded ahead of ASan's runtime in the sanitizer build: allowed here.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
  run_cmd faketime -f "+600s" "$PUB" -c "$WORK/direct.conf"
expect 1 "BADTIME: the clocks differ by (59[0-9]|60[0-9]) s \\(the server's is behind ours" "clock skew"
[ "$(q "$LAB_NAMED_PORT" "$OWNER" SRV)" = "0 0 1694 kms1.example.test." ] || fail "skewed update changed the zone"
