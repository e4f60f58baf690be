#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-verify against named and knotd of the lab, which serve the fixture
# zones of zones/verify/ (see zones/verify/README.md for what each breaks)
# with the expectations of tests/data/verify/*.conf. One check per problem
# code of SPEC.md, each asserting with jq: the exit code (0 ok, 1 warning,
# 2 critical, 3 unknown), the top-level, domain and server statuses, and per
# server the exact set of problem codes with their severities (one code per
# cause: no other code may appear). Every JSON answer is also checked for
# shape and consistency (statuses are the worst of their parts, the exit code
# follows the top status, servers "ADDR:PORT", names without trailing dot).
# Nothing is written to the zones: the fixture zones are read-only.
# Usage: verify.sh LAB_DIR PATH_TO_kmsdns-verify
# shellcheck disable=SC2016 # $d, $s... in single quotes are jq variables
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" lab "${1:-}"
VER=${2:?path to kmsdns-verify}
PROG=$VER # run ARGS...: kmsdns-verify ARGS (harness.sh)
command -v jq >/dev/null || fail "jq is needed (scripts/deps installs it)"
[ -n "${LAB_VERIFY_ZONES:-}" ] || fail "no LAB_VERIFY_ZONES in $1/env: the lab predates the verify fixtures"
DATA=$TEST_DATA/verify
NAMED=127.0.0.1:$LAB_NAMED_PORT
KNOT=127.0.0.1:$LAB_KNOT_PORT
BOTH=(--server "$NAMED" --server "$KNOT")

# Ports nothing listens on (TCP or UDP), so that queries are refused at once.
DEAD1=127.0.0.1:$(free_port)
DEAD2=127.0.0.1:$(free_port)

# jqo [jq options...] FILTER: FILTER over the last JSON output (raw, compact).
jqo() { jq -rc "$@" <<<"$OUT"; }

# vrun EXIT ARGS...: a run with --format json that must exit EXIT and print
# one JSON document that passes the generic checks below.
vrun() {
  local want=$1 bad
  shift
  run "$@" --format json
  [ "$RC" -eq "$want" ] || fail "exit $RC, expected $want: $(show)"
  jq -e 'type == "object"' >/dev/null 2>&1 <<<"$OUT" || fail "stdout is not one JSON object: $(show)"
  # Shape, vocabulary and consistency (SPEC "Command-line contract").
  bad=$(jqo '
    def sev: . == "ok" or . == "warning" or . == "critical" or . == "unknown";
    def rank: {"ok": 0, "warning": 1, "unknown": 2, "critical": 3}[.];
    def worst(f): ([f | rank] | max // 0) as $r | ["ok", "warning", "unknown", "critical"][$r];
    def codes: ["srv-missing", "srv-mismatch", "extra-record", "srv-inconsistent",
                "serial-mismatch", "ttl-inconsistent", "target-no-address",
                "address-mismatch", "target-cname", "target-dot", "server-unreachable",
                "server-not-authoritative", "tsig-error", "probe-failed"];
    [ (if (.status | type) == "string" and (.status | sev) then empty else "top status \(.status)" end),
      (if (.domains | type) == "array" then empty else "no domains array" end),
      (.domains[]? as $d |
        (if ($d.domain | type) == "string" and ($d.domain | endswith(".") | not) and $d.domain != ""
         then empty else "domain name \($d.domain)" end),
        (if ($d.status | type) == "string" and ($d.status | sev) then empty else "\($d.domain): status \($d.status)" end),
        (if ($d.servers | type) == "array" and (($d.servers | length) > 0 or ($d.problems | length) > 0) then empty else "\(.domain): no servers and no problem of its own" end),
        ($d.servers[]? as $s |
          (if ($s.server | type) == "string" and ($s.server | test("^(127\\.0\\.0\\.1|\\[[0-9a-f:.]+\\]):[0-9]+$"))
           then empty else "\($d.domain): server \($s.server)" end),
          (if ($s.status | type) == "string" and ($s.status | sev) then empty else "\($d.domain) \($s.server): status \($s.status)" end),
          (if ($s.records | type) == "array" then empty else "\($d.domain) \($s.server): no records array" end),
          (if ($s.problems | type) == "array" then empty else "\($d.domain) \($s.server): no problems array" end),
          ($s.records[]? |
            (if (.priority | type) == "number" and (.weight | type) == "number" and (.port | type) == "number"
                and (.ttl | type) == "number" and (.target | type) == "string" then empty
             else "\($d.domain) \($s.server): record \(.)" end),
            # The root target "." is the one name allowed to end with a dot ("" is accepted too).
            (if (.target | type) == "string" and (.target | endswith(".")) and .target != "." then "\($d.domain) \($s.server): target \(.target) has a trailing dot" else empty end)),
          ($s.problems[]? |
            (if (.code | type) == "string" and (.code as $c | codes | index($c)) != null then empty else "\($d.domain) \($s.server): code \(.code)" end),
            (if (.severity | type) == "string" and (.severity | sev) then empty else "\($d.domain) \($s.server): severity \(.severity)" end),
            (if (.message | type) == "string" and (.message | length) > 0 then empty else "\($d.domain) \($s.server): empty message for \(.code)" end)),
          (if $s.status == worst($s.problems[]?.severity) then empty
           else "\($d.domain) \($s.server): status \($s.status) is not the worst of its problems" end)),
        (if $d.status == worst($d.servers[]?.status, $d.problems[]?.severity) then empty
         else "\($d.domain): status \($d.status) is not the worst of its servers and its own problems" end)),
      (if .status == worst(.domains[]?.status) then empty else "top status \(.status) is not the worst of its domains" end)
    ] | .[]')
  [ -z "$bad" ] || fail "malformed or inconsistent JSON: $bad; $(show)"
  local exitof
  exitof=$(jqo '{"ok": 0, "warning": 1, "critical": 2, "unknown": 3}[.status]')
  [ "$exitof" = "$RC" ] || fail "exit $RC but top status $(jqo .status): $(show)"
}

# expect_top STATUS "DOMAIN..." : top status, and exactly these domains (any order, each once).
expect_top() {
  [ "$(jqo .status)" = "$1" ] || fail "top status $(jqo .status), expected $1: $(show)"
  local want got
  want=$(tr ' ' '\n' <<<"$2" | awk NF | sort | paste -sd' ')
  got=$(jqo '[.domains[].domain] | sort | join(" ")')
  [ "$got" = "$want" ] || fail "domains [$got], expected [$want]: $(show)"
}

# expect_domain DOMAIN STATUS "SERVER..." : the domain's status and exactly these servers.
expect_domain() {
  local got want
  got=$(jqo --arg d "$1" '.domains[] | select(.domain == $d) | .status')
  [ "$got" = "$2" ] || fail "$1: status '$got', expected $2: $(show)"
  want=$(tr ' ' '\n' <<<"$3" | awk NF | sort | paste -sd' ')
  got=$(jqo --arg d "$1" '.domains[] | select(.domain == $d) | [.servers[].server] | sort | join(" ")')
  [ "$got" = "$want" ] || fail "$1: servers [$got], expected [$want]: $(show)"
}

# expect_server DOMAIN SERVER STATUS [CODE:SEVERITY...]: the server's status and
# the exact set of (code, severity) pairs of its problems (none when no pair).
expect_server() {
  local d=$1 s=$2 st=$3 got want
  shift 3
  got=$(jqo --arg d "$d" --arg s "$s" '.domains[] | select(.domain == $d) | .servers[] | select(.server == $s) | .status')
  [ "$got" = "$st" ] || fail "$d @ $s: status '$got', expected $st: $(show)"
  want=$(printf '%s\n' "$@" | awk NF | sort -u | paste -sd' ')
  got=$(jqo --arg d "$d" --arg s "$s" \
    '[.domains[] | select(.domain == $d) | .servers[] | select(.server == $s) | .problems[] | "\(.code):\(.severity)"] | unique | join(" ")')
  [ "$got" = "$want" ] || fail "$d @ $s: problems [$got], expected [$want]: $(show)"
}

# message DOMAIN SERVER CODE: the messages of that code there, one per line.
message() {
  jqo --arg d "$1" --arg s "$2" --arg c "$3" \
    '.domains[] | select(.domain == $d) | .servers[] | select(.server == $s) | .problems[] | select(.code == $c) | .message'
}

# records DOMAIN SERVER: the records served there, "prio weight port target ttl" sorted, joined by "|".
records() {
  jqo --arg d "$1" --arg s "$2" \
    '[.domains[] | select(.domain == $d) | .servers[] | select(.server == $s) | .records[] | "\(.priority) \(.weight) \(.port) \(.target) \(.ttl)"] | sort | join("|")'
}

# same_on_both DOMAIN STATUS [CODE:SEVERITY...]: a domain judged alike on named and knotd.
same_on_both() {
  local d=$1 st=$2
  shift 2
  expect_domain "$d" "$st" "$NAMED $KNOT"
  expect_server "$d" "$NAMED" "$st" "$@"
  expect_server "$d" "$KNOT" "$st" "$@"
}

V=verify.test

# ---------------------------------------------------------------------------
check "healthy: kms1 and kms2 expected and served alike -> everything ok, exit 0"
vrun 0 -c "$DATA/healthy-kms1.conf" -c "$DATA/healthy-kms2.conf" "${BOTH[@]}"
expect_top ok "healthy.$V"
same_on_both "healthy.$V" ok
want="0 100 1688 kms1.$V 3600|0 100 1688 kms2.$V 3600"
for s in "$NAMED" "$KNOT"; do
  [ "$(records "healthy.$V" "$s")" = "$want" ] || fail "healthy @ $s: records [$(records "healthy.$V" "$s")], expected [$want]"
done
[ "$(jqo '[.domains[].servers[].problems[]] | length')" = 0 ] || fail "problems in a healthy run: $(show)"
ok "exit 0, all ok, no problems, both servers serve kms1 and kms2 (0 100 1688, TTL 3600)"

check "srv-missing: kms1 expected, no _vlmcs._tcp RRset at all"
vrun 2 -c "$DATA/missing.conf" "${BOTH[@]}"
expect_top critical "missing.$V"
same_on_both "missing.$V" critical srv-missing:critical
ok "srv-missing (critical) on both servers, nothing else, exit 2"

check "srv-mismatch: kms1 served on port 1689, expected on 1688"
vrun 2 -c "$DATA/wrongport.conf" "${BOTH[@]}"
expect_top critical "wrongport.$V"
# Not srv-missing (the target is there) and not extra-record (it is expected).
same_on_both "wrongport.$V" critical srv-mismatch:critical
for s in "$NAMED" "$KNOT"; do
  message "wrongport.$V" "$s" srv-mismatch | grep -qi port || fail "srv-mismatch message does not name the port: $(show)"
done
ok "srv-mismatch (critical), the message names the port, exit 2"

check "extra-record: a stale target next to the expected kms1"
vrun 1 -c "$DATA/stale.conf" "${BOTH[@]}"
expect_top warning "stale.$V"
same_on_both "stale.$V" warning extra-record:warning
ok "extra-record (warning) on both servers, exit 1"

check "extra-record is not checked for a --domain entry without expectations"
vrun 0 --domain "stale.$V" "${BOTH[@]}"
expect_top ok "stale.$V"
same_on_both "stale.$V" ok
ok "stale.$V without -c: ok, exit 0"

check "srv-inconsistent: named serves kms1, knotd kms1 and kms2 (no expectations)"
vrun 2 --domain "disagree.$V" "${BOTH[@]}"
expect_top critical "disagree.$V"
same_on_both "disagree.$V" critical srv-inconsistent:critical
[ "$(records "disagree.$V" "$NAMED")" = "0 100 1688 kms1.$V 3600" ] || fail "named's disagree records: $(records "disagree.$V" "$NAMED")"
[ "$(records "disagree.$V" "$KNOT")" = "0 100 1688 kms1.$V 3600|0 100 1688 kms2.$V 3600" ] || fail "knotd's disagree records: $(records "disagree.$V" "$KNOT")"
ok "srv-inconsistent (critical) on each server, each server's own records listed, exit 2"

check "srv-inconsistent with kms1 and kms2 expected: named also lacks kms2 (srv-missing)"
vrun 2 -c "$DATA/disagree-kms1.conf" -c "$DATA/disagree-kms2.conf" "${BOTH[@]}"
expect_top critical "disagree.$V"
expect_domain "disagree.$V" critical "$NAMED $KNOT"
expect_server "disagree.$V" "$NAMED" critical srv-inconsistent:critical srv-missing:critical
expect_server "disagree.$V" "$KNOT" critical srv-inconsistent:critical
ok "named: srv-missing + srv-inconsistent, knotd: srv-inconsistent"

check "serial-mismatch: same RRset, SOA serial 1 on named and 2 on knotd"
vrun 1 -c "$DATA/serial.conf" "${BOTH[@]}"
expect_top warning "serial.$V"
# Reported on each server whose serial differs from another's (with two
# servers: both), like srv-inconsistent.
same_on_both "serial.$V" warning serial-mismatch:warning
ok "serial-mismatch (warning) on both servers, exit 1"

check "ttl-inconsistent: same RRset, TTL 3600 on named and 600 on knotd"
vrun 1 -c "$DATA/ttl.conf" "${BOTH[@]}"
expect_top warning "ttl.$V"
# Not srv-inconsistent: the RRsets are the same, only the TTL differs.
same_on_both "ttl.$V" warning ttl-inconsistent:warning
[ "$(records "ttl.$V" "$NAMED")" = "0 100 1688 kms1.$V 3600" ] || fail "named's ttl records: $(records "ttl.$V" "$NAMED")"
[ "$(records "ttl.$V" "$KNOT")" = "0 100 1688 kms1.$V 600" ] || fail "knotd's ttl records: $(records "ttl.$V" "$KNOT")"
ok "ttl-inconsistent (warning) on both servers, records show 3600 and 600, exit 1"

check "target-cname: the target alias.$V is a CNAME (to kms1, which has addresses)"
vrun 2 -c "$DATA/cname.conf" "${BOTH[@]}"
expect_top critical "cname.$V"
# Not target-no-address besides (SPEC: not reported where target-cname is).
same_on_both "cname.$V" critical target-cname:critical
vrun 2 --domain "cname.$V" "${BOTH[@]}"
same_on_both "cname.$V" critical target-cname:critical
ok "target-cname (critical) only, with and without expectations, exit 2"

check "target-no-address: the target noaddr.$V has neither A nor AAAA"
vrun 2 -c "$DATA/noaddr.conf" "${BOTH[@]}"
expect_top critical "noaddr.$V"
same_on_both "noaddr.$V" critical target-no-address:critical
ok "target-no-address (critical) on both servers, exit 2"

check "target-no-address on one server: v6only.$V has an AAAA on named only"
vrun 2 -c "$DATA/v6.conf" "${BOTH[@]}"
expect_top critical "v6.$V"
expect_domain "v6.$V" critical "$NAMED $KNOT"
expect_server "v6.$V" "$NAMED" ok
expect_server "v6.$V" "$KNOT" critical target-no-address:critical
ok "named ok, knotd target-no-address (critical), exit 2"

check "address-mismatch: kms1 serves 192.0.2.11 and 2001:db8::11, the config says 192.0.2.10"
vrun 2 -c "$DATA/addr.conf" "${BOTH[@]}"
expect_top critical "addr.$V"
same_on_both "addr.$V" critical address-mismatch:critical
ok "address-mismatch (critical) on both servers, exit 2"

check "target-dot: SRV 0 0 0 . with kms1 expected -> target-dot instead of srv-missing"
vrun 2 -c "$DATA/dot.conf" "${BOTH[@]}"
expect_top critical "dot.$V"
# Neither srv-missing (replaced by target-dot) nor extra-record ("." is no stale host).
same_on_both "dot.$V" critical target-dot:critical
for s in "$NAMED" "$KNOT"; do
  r=$(records "dot.$V" "$s")
  [ "$r" = "0 0 0 . 3600" ] || [ "$r" = "0 0 0  3600" ] || fail "dot @ $s: records [$r], expected the root target"
done
vrun 2 --domain "dot.$V" "${BOTH[@]}"
same_on_both "dot.$V" critical target-dot:critical
ok "target-dot (critical) only, with and without expectations, exit 2"

# ---------------------------------------------------------------------------
check "server-unreachable: a closed port next to named and knotd -> warning there, the others judged normally"
vrun 1 -c "$DATA/healthy-kms1.conf" -c "$DATA/healthy-kms2.conf" "${BOTH[@]}" --server "$DEAD1"
expect_top warning "healthy.$V"
expect_domain "healthy.$V" warning "$NAMED $KNOT $DEAD1"
expect_server "healthy.$V" "$NAMED" ok
expect_server "healthy.$V" "$KNOT" ok
# The dead server is left out of the comparisons: no srv-inconsistent or
# serial-mismatch anywhere, and no srv-missing on it (it showed nothing).
expect_server "healthy.$V" "$DEAD1" warning server-unreachable:warning
[ "$(jqo --arg s "$DEAD1" '[.domains[].servers[] | select(.server == $s) | .records[]] | length')" = 0 ] ||
  fail "records listed for a server that did not answer: $(show)"
ok "closed port: server-unreachable (warning), named and knotd ok, exit 1 (${SECS}s)"

check "server-unreachable does not hide what the answering server shows (critical wins)"
vrun 2 -c "$DATA/missing.conf" --server "$NAMED" --server "$DEAD1"
expect_top critical "missing.$V"
expect_domain "missing.$V" critical "$NAMED $DEAD1"
expect_server "missing.$V" "$NAMED" critical srv-missing:critical
expect_server "missing.$V" "$DEAD1" warning server-unreachable:warning
ok "named srv-missing (critical), closed port server-unreachable (warning), exit 2 (${SECS}s)"

check "every server dead -> server-unreachable (unknown), exit 3"
vrun 3 -c "$DATA/healthy-kms1.conf" -c "$DATA/healthy-kms2.conf" --server "$DEAD1" --server "$DEAD2"
expect_top unknown "healthy.$V"
# Nothing but server-unreachable: no srv-missing for an RRset nobody showed.
expect_domain "healthy.$V" unknown "$DEAD1 $DEAD2"
expect_server "healthy.$V" "$DEAD1" unknown server-unreachable:unknown
expect_server "healthy.$V" "$DEAD2" unknown server-unreachable:unknown
ok "server-unreachable (unknown) on both, top unknown, JSON printed, exit 3 (${SECS}s)"

# ---------------------------------------------------------------------------
# server-not-authoritative. How SPEC reads here:
# - REFUSED, or an answer without AA (a referral), is server-not-authoritative
#   (warning). Such an answer carries no zone data, so it is not judged
#   further: no srv-missing for the expected target, no extra-record, no
#   target checks, and the server is left out of the srv-inconsistent,
#   serial-mismatch and ttl-inconsistent comparisons (one code per cause).
# - It is still an answer: a closed port next to it is server-unreachable
#   with severity warning, not unknown ("any response counts, REFUSED
#   included").
check "server-not-authoritative: both servers REFUSE a zone they do not serve"
vrun 1 --domain example.invalid "${BOTH[@]}"
expect_top warning example.invalid
same_on_both example.invalid warning server-not-authoritative:warning
ok "REFUSED -> server-not-authoritative (warning) on both, exit 1"

check "server-not-authoritative: a referral (no AA flag) for a delegated, unserved zone, kms1 expected there"
vrun 1 -c "$DATA/notauth.conf" "${BOTH[@]}"
expect_top warning "referral.$V"
same_on_both "referral.$V" warning server-not-authoritative:warning
ok "answer without AA -> server-not-authoritative (warning) only, no srv-missing, exit 1"

check "a REFUSED answer counts as an answer: a closed port next to it is only a warning"
vrun 1 --domain example.invalid --server "$NAMED" --server "$DEAD1"
expect_top warning example.invalid
expect_domain example.invalid warning "$NAMED $DEAD1"
expect_server example.invalid "$NAMED" warning server-not-authoritative:warning
expect_server example.invalid "$DEAD1" warning server-unreachable:warning
ok "named server-not-authoritative, closed port server-unreachable (warning, not unknown), exit 1 (${SECS}s)"

# ---------------------------------------------------------------------------
check "all expectations at once: kms1.conf and kms2.conf over their eight domains"
vrun 2 -c "$DATA/kms1.conf" -c "$DATA/kms2.conf" "${BOTH[@]}"
expect_top critical "healthy.$V missing.$V wrongport.$V stale.$V disagree.$V serial.$V ttl.$V dot.$V"
same_on_both "healthy.$V" ok
same_on_both "missing.$V" critical srv-missing:critical
same_on_both "wrongport.$V" critical srv-mismatch:critical
same_on_both "stale.$V" warning extra-record:warning
expect_domain "disagree.$V" critical "$NAMED $KNOT"
expect_server "disagree.$V" "$NAMED" critical srv-inconsistent:critical srv-missing:critical
expect_server "disagree.$V" "$KNOT" critical srv-inconsistent:critical
same_on_both "serial.$V" warning serial-mismatch:warning
same_on_both "ttl.$V" warning ttl-inconsistent:warning
same_on_both "dot.$V" critical target-dot:critical
ok "each domain judged as alone; a domain listed by both files appears once; exit 2"

check "--domains-from: comments anywhere, blank lines, surrounding whitespace; plus --domain"
# (\t: a tab)
printf '# fixture domains for kmsdns-verify\n\n   %s    # the good one\n\t%s#a comment right after the name\n   \n\t  # an indented comment line\n\t\n  %s.  \t\n# the end\n' \
  "healthy.$V" "ttl.$V" "cname.$V" >"$WORK/domains"
vrun 2 --domains-from "$WORK/domains" --domain "stale.$V" "${BOTH[@]}"
expect_top critical "healthy.$V ttl.$V cname.$V stale.$V"
same_on_both "healthy.$V" ok
same_on_both "ttl.$V" warning ttl-inconsistent:warning
same_on_both "cname.$V" critical target-cname:critical
same_on_both "stale.$V" ok
ok "3 domains from the file (a trailing dot dropped) and 1 from --domain; worst (critical) wins, exit 2"

check "without --server: the zone's NS are found through the resolver"
# named answers authoritatively for the lab zones (recursion off), which is
# enough for the SOA and NS lookups; the NS ns1.example.test is 127.0.0.1,
# port 53, where nothing of the lab listens: the discovered server must be
# that one, and unreachable.
vrun 3 --domain "healthy.$V" --resolver "127.0.0.1:$LAB_NAMED_PORT" --timeout 200 --retries 0
[ "$(jqo '[.domains[0].servers[].server] | join(",")')" = "127.0.0.1:53" ] ||
  fail "discovered servers: $(show)"
[ "$(jqo '.domains[0].servers[0].problems[0].code')" = server-unreachable ] || fail "$(show)"
ok "NS ns1.example.test -> 127.0.0.1:53, asked, unreachable (unknown), exit 3"
vrun 3 --domain example.invalid --resolver "127.0.0.1:$LAB_NAMED_PORT" --timeout 200 --retries 0
[ "$(jqo '.domains[0].problems[0].code')" = server-unreachable ] || fail "$(show)"
grep -q "could not find the servers of _vlmcs._tcp.example.invalid" <<<"$(jqo '.domains[0].problems[0].message')" ||
  fail "$(show)"
ok "a zone the resolver cannot find: the domain's own problem, unknown, exit 3"

check "--client-view adds what clients see through the resolver, as its own entry"
vrun 0 --domain "healthy.$V" "${BOTH[@]}" --client-view --resolver "127.0.0.1:$LAB_NAMED_PORT"
[ "$(jqo '[.domains[0].servers[] | select(.view == "client") | .server] | join(",")')" = "127.0.0.1:$LAB_NAMED_PORT" ] ||
  fail "no client view entry: $(show)"
[ "$(jqo '.domains[0].servers | length')" = 3 ] || fail "$(show)"
ok "3 entries, the third the client view, all ok"
vrun 2 -c "$DATA/missing.conf" "${BOTH[@]}" --client-view --resolver "127.0.0.1:$LAB_NAMED_PORT"
[ "$(jqo '[.domains[0].servers[] | select(.view == "client") | .problems[].code] | join(",")')" = srv-missing ] ||
  fail "$(show)"
ok "the client view judged like the others (srv-missing), exit 2"

check "--ns adds the zone's NS to the --server list"
vrun 1 --domain "healthy.$V" --server "127.0.0.1:$LAB_NAMED_PORT" --ns --resolver "127.0.0.1:$LAB_NAMED_PORT" --timeout 200 --retries 0
[ "$(jqo '[.domains[0].servers[].server] | join(",")')" = "127.0.0.1:$LAB_NAMED_PORT,127.0.0.1:53" ] || fail "$(show)"
ok "named from --server, 127.0.0.1:53 from NS (unreachable: warning), exit 1"

check "--qps caps the query rate"
vrun 0 --domain "healthy.$V" "${BOTH[@]}" --qps 5
q=$(jqo '.stats.queries')
[ "$SECS" -ge $((q / 5 - 2)) ] || fail "$q queries in $SECS s at --qps 5: $(show)"
ok "$q queries at --qps 5 took $SECS s"

check "--tsig-key signs the queries: verified answers are fine, any other is tsig-error"
vrun 0 --domain "healthy.$V" --server "127.0.0.1:$LAB_NAMED_PORT" --tsig-key "$LAB_TSIG_KEY"
ok "named verifies and signs: ok, exit 0"
bad_key=$WORK/bad.key
sed 's/secret ".*"/secret "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="/' "$LAB_TSIG_KEY" >"$bad_key"
chmod 600 "$bad_key"
vrun 2 --domain "healthy.$V" "${BOTH[@]}" --tsig-key "$bad_key"
[ "$(jqo '[.domains[0].servers[].problems[].code] | unique | join(",")')" = tsig-error ] || fail "$(show)"
ok "a wrong secret: tsig-error (critical) on both servers and nothing else, exit 2"
# knotd refuses TSIG-signed queries with a key no acl allows (the verify zones have none)
vrun 2 --domain "healthy.$V" --server "127.0.0.1:$LAB_KNOT_PORT" --tsig-key "$LAB_TSIG_KEY"
grep -q "does not accept this key" <<<"$(jqo '.domains[0].servers[0].problems[0].message')" || fail "$(show)"
ok "knotd without an acl for the key: tsig-error naming it, exit 2"

check "the exit code does not depend on the format"
run -c "$DATA/stale.conf" "${BOTH[@]}"
[ "$RC" -eq 1 ] || fail "text format: exit $RC, expected 1: $(show)"
ok "default format: exit 1 as with JSON"

# ---------------------------------------------------------------------------
# Usage and config errors: exit 3 (UNKNOWN), never 2.
usage_error() { # WHAT PATTERN ARGS...
  local what=$1 pat=$2
  shift 2
  run "$@"
  [ "$RC" -eq 3 ] || fail "$what: exit $RC, expected 3: $(show)"
  [ -n "$ERR" ] || fail "$what: no message on stderr: $(show)"
  [ -z "$pat" ] || grep -Eq -- "$pat" <<<"$ERR" || fail "$what: stderr lacks /$pat/: $(show)"
  ok "$what: exit 3: $(head -n1 <<<"$ERR")"
}
check "usage and config errors exit 3"
usage_error "unknown option" 'bogus' --bogus --domain "healthy.$V" "${BOTH[@]}"
usage_error "bad --server (port out of range)" '' --domain "healthy.$V" --server 127.0.0.1:99999
usage_error "bad --server (not an address)" '' --domain "healthy.$V" --server 300.1.2.3:53
usage_error "bad --server (port not a number)" '' --domain "healthy.$V" --server 127.0.0.1:abc
usage_error "bad --server (empty port)" '' --domain "healthy.$V" --server 127.0.0.1:
usage_error "bad --format" '' --domain "healthy.$V" "${BOTH[@]}" --format yaml
usage_error "bad --probe" '' --domain "healthy.$V" "${BOTH[@]}" --probe icmp
usage_error "missing --domains-from file" '' --domains-from "$WORK/no-such-file" "${BOTH[@]}"
usage_error "unreadable -c file" 'no-such\.conf' -c "$WORK/no-such.conf" "${BOTH[@]}"
usage_error "-c file with an unknown key" 'bad-key\.conf:5:' -c "$DATA/bad-key.conf" "${BOTH[@]}"
usage_error "-c file with a weight out of range" 'bad-weight\.conf:6:' -c "$DATA/healthy-kms1.conf" -c "$DATA/bad-weight.conf" "${BOTH[@]}"
