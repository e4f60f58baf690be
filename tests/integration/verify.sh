#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-verify against named and knotd of the lab, which serve the fixture
# zones of zones/verify/ (see zones/verify/README.md for what each breaks)
# with the expectations of tests/data/verify/*.conf, as a table of cases.
# A case (vcase NAME EXIT ARGS...) runs kmsdns-verify ARGS --format json and
# asserts: the exit code (0 ok, 1 warning, 2 critical, 3 unknown); the shape
# and consistency of the JSON (statuses are the worst of their parts, the
# exit code follows the top status, servers "ADDR:PORT", names without
# trailing dot, known codes and severities); and the whole document, every
# status, record, problem code, severity and message, equal to
# tests/data/verify/expected/NAME.json once normalised (see normalise below:
# run-dependent addresses become names, timings are dropped, records and
# problems sorted). Nothing is written to the zones: they are read-only.
# KMSDNS_VERIFY_REGEN=1 rewrites the expected files from this run (review the
# diff before committing it).
# Usage: verify.sh LAB_DIR PATH_TO_kmsdns-verify
# shellcheck disable=SC2016 # $d, $s... in single quotes are jq variables
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" lab "${1:-}"
VER=${2:?path to kmsdns-verify}
PROG=$VER # run ARGS...: kmsdns-verify ARGS (harness.sh)
command -v jq >/dev/null || fail "jq is needed (scripts/deps installs it)"
[ -n "${LAB_VERIFY_ZONES:-}" ] || fail "no LAB_VERIFY_ZONES in $1/env: the lab predates the verify fixtures"
DATA=$TEST_DATA/verify
EXPECTED=$DATA/expected
NAMED=127.0.0.1:$LAB_NAMED_PORT
KNOT=127.0.0.1:$LAB_KNOT_PORT
# Ports nothing listens on (TCP or UDP), so that queries are refused at once.
DEAD1=127.0.0.1:$(free_port)
DEAD2=127.0.0.1:$(free_port)

# args ARG...: the table's shorthands, expanded into ARGS (an array).
#   @both @named @knot @dead1 @dead2  --server of that server (@both: named and knotd)
#   @resolver                         --resolver named (authoritative for the lab zones)
#   -c NAME.conf                      a config of tests/data/verify (a NAME without "/")
args() {
  ARGS=()
  while [ $# -gt 0 ]; do
    case "$1" in
    @both) ARGS+=(--server "$NAMED" --server "$KNOT") ;;
    @named) ARGS+=(--server "$NAMED") ;;
    @knot) ARGS+=(--server "$KNOT") ;;
    @dead1) ARGS+=(--server "$DEAD1") ;;
    @dead2) ARGS+=(--server "$DEAD2") ;;
    @resolver) ARGS+=(--resolver "$NAMED") ;;
    -c)
      case "$2" in */*) ARGS+=(-c "$2") ;; *) ARGS+=(-c "$DATA/$2") ;; esac
      shift
      ;;
    *) ARGS+=("$1") ;;
    esac
    shift
  done
}

# jqo [jq options...] FILTER: FILTER over the last JSON output (raw, compact).
jqo() { jq -rc "$@" <<<"$OUT"; }

# shape_ok: the last output is one JSON object, well formed and consistent
# (SPEC "Command-line contract"), and the exit code follows its top status.
shape_ok() {
  local bad exitof
  jq -e 'type == "object"' >/dev/null 2>&1 <<<"$OUT" || fail "stdout is not one JSON object: $(show)"
  bad=$(jqo '
    def sev: . == "ok" or . == "warning" or . == "critical" or . == "unknown";
    def rank: {"ok": 0, "warning": 1, "unknown": 2, "critical": 3}[.];
    def worst(f): ([f | rank] | max // 0) as $r | ["ok", "warning", "unknown", "critical"][$r];
    def codes: ["srv-missing", "srv-mismatch", "extra-record", "srv-inconsistent",
                "serial-mismatch", "ttl-inconsistent", "target-no-address",
                "address-mismatch", "target-cname", "target-dot", "server-unreachable",
                "server-not-authoritative", "tsig-error", "probe-failed", "srv-misnamed"];
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
  exitof=$(jqo '{"ok": 0, "warning": 1, "critical": 2, "unknown": 3}[.status]')
  [ "$exitof" = "$RC" ] || fail "exit $RC but top status $(jqo .status): $(show)"
}

# normalise: the last output as the expected files hold it. The addresses of
# this run become NAMED, KNOT, DEAD1, DEAD2 (in messages too), this run's
# directories WORK and DATA; the run's timings and query counts go; records
# and problems are sorted (named rotates RRsets). Domains and servers keep
# their order: input order, then --ns, then the client view.
normalise() {
  jq -S --arg named "$NAMED" --arg knot "$KNOT" --arg dead1 "$DEAD1" --arg dead2 "$DEAD2" \
    --arg work "$WORK" --arg data "$DATA" '
    def names: {($named): "NAMED", ($knot): "KNOT", ($dead1): "DEAD1", ($dead2): "DEAD2"};
    def norm: gsub("(?<a>127\\.0\\.0\\.1:[0-9]+)"; names[.a] // .a)
              | split($work) | join("WORK") | split($data) | join("DATA");
    del(.stats.seconds, .stats.queries, .stats.timeouts)
    | walk(if type == "string" then norm else . end)
    | .domains[]?.servers[]? |= ((.records |= sort_by(.priority, .weight, .port, .target, .ttl))
                                 | (.problems |= sort_by(.code, .severity, .message)))' <<<"$OUT"
}

# vcase NAME EXIT ARGS...: one case of the table (see the header).
vcase() {
  local name=$1 want=$2 file=$EXPECTED/$1.json diff
  shift 2
  args "$@"
  run "${ARGS[@]}" --format json
  [ "$RC" -eq "$want" ] || fail "$name: exit $RC, expected $want: $(show)"
  shape_ok
  if [ -n "${KMSDNS_VERIFY_REGEN:-}" ]; then
    normalise >"$file"
    ok "$name: exit $RC, $(jqo .status); wrote $file"
    return 0
  fi
  [ -r "$file" ] || fail "$name: no $file (KMSDNS_VERIFY_REGEN=1 writes it)"
  diff=$(diff -u "$file" <(normalise) | tail -n +3) ||
    fail "$name: the output differs from expected/$name.json (- expected, + got):
$diff
$(show)"
  ok "$name: exit $RC, $(jqo .status), as expected/$name.json (${SECS}s)"
}

# ecase NAME EXIT ARGS...: a run in the default (text) format, judged by its exit code.
ecase() {
  local name=$1 want=$2
  shift 2
  args "$@"
  run "${ARGS[@]}"
  [ "$RC" -eq "$want" ] || fail "$name: exit $RC, expected $want: $(show)"
  ok "$name: exit $RC"
}

# usage_error WHAT PATTERN ARGS...: exit 3 (UNKNOWN, never 2), a message on
# stderr matching PATTERN (any message when PATTERN is empty).
usage_error() {
  local what=$1 pat=$2
  shift 2
  args "$@"
  run "${ARGS[@]}"
  [ "$RC" -eq 3 ] || fail "$what: exit $RC, expected 3: $(show)"
  [ -n "$ERR" ] || fail "$what: no message on stderr: $(show)"
  [ -z "$pat" ] || grep -Eq -- "$pat" <<<"$ERR" || fail "$what: stderr lacks /$pat/: $(show)"
  ok "$what: exit 3: $(head -n1 <<<"$ERR")"
}

# What some cases read: a --domains-from file with comments anywhere, blank
# lines, surrounding whitespace, tabs and a trailing dot (healthy, ttl, cname),
# and a TSIG key with the wrong secret.
printf '# fixture domains for kmsdns-verify\n\n   %s    # the good one\n\t%s#a comment right after the name\n   \n\t  # an indented comment line\n\t\n  %s.  \t\n# the end\n' \
  healthy.verify.test ttl.verify.test cname.verify.test >"$WORK/domains"
BAD_KEY=$WORK/bad.key
sed 's/secret ".*"/secret "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="/' "$LAB_TSIG_KEY" >"$BAD_KEY"
chmod 600 "$BAD_KEY"

# ---------------------------------------------------------------------------
check "one problem code per fixture domain (zones/verify/README.md), on named and knotd"
#     case                   exit  arguments (then --format json)
vcase healthy                  0   -c healthy-kms1.conf -c healthy-kms2.conf @both
vcase missing                  2   -c missing.conf @both
vcase wrongport                2   -c wrongport.conf @both
vcase stale                    1   -c stale.conf @both
vcase stale-no-expectations    0   --domain stale.verify.test @both
vcase disagree                 2   --domain disagree.verify.test @both
vcase disagree-expected        2   -c disagree-kms1.conf -c disagree-kms2.conf @both
vcase serial                   1   -c serial.conf @both
vcase ttl                      1   -c ttl.conf @both
vcase cname                    2   -c cname.conf @both
vcase cname-no-expectations    2   --domain cname.verify.test @both
vcase noaddr                   2   -c noaddr.conf @both
vcase v6                       2   -c v6.conf @both
vcase addr                     2   -c addr.conf @both
vcase dot                      2   -c dot.conf @both
vcase dot-no-expectations      2   --domain dot.verify.test @both

check "misnamed records (srv-misnamed, warning, besides srv-missing); near misses asked only where the record is missing"
vcase misnamed                 2   -c misnamed.conf @both
vcase misnamed-no-expectations 2   --domain misnamed.verify.test @both
vcase doubled                  2   -c doubled.conf @both
# SRV and SOA, then the 5 near misses, per server (their targets are not followed),
# and the zone's DNSKEY (the one DNSSEC question; the zone is unsigned)
expect_eq "doubled: queries on two servers" "$(jqo .stats.queries)" $((2 * (2 + 5 + 1)))
# healthy: SRV, SOA, A + AAAA of kms1 and kms2 and the DNSKEY per server, no near miss
args --domain healthy.verify.test @both
run "${ARGS[@]}" --format json
expect_eq "healthy: queries on two servers" "$(jqo .stats.queries)" $((2 * (2 + 2 * 2 + 1)))
# the text format says the same, in words
args -c misnamed.conf @both
run "${ARGS[@]}"
expect 2 'srv-misnamed.*_vmlcs\._tcp\.misnamed\.verify\.test.*a typo for _vlmcs\._tcp\?' "misnamed-text"

check "servers that do not answer, or not authoritatively"
vcase unreachable-one          1   -c healthy-kms1.conf -c healthy-kms2.conf @both @dead1
vcase unreachable-critical     2   -c missing.conf @named @dead1
vcase unreachable-all          3   -c healthy-kms1.conf -c healthy-kms2.conf @dead1 @dead2
vcase refused                  1   --domain example.invalid @both
vcase referral                 1   -c notauth.conf @both
vcase refused-unreachable      1   --domain example.invalid @named @dead1

check "lists, discovery, views, rate, TSIG"
vcase all-expectations         2   -c kms1.conf -c kms2.conf @both
vcase domains-from             2   --domains-from "$WORK/domains" --domain stale.verify.test @both
vcase ns-discovered            3   --domain healthy.verify.test @resolver --timeout 200 --retries 0
vcase ns-not-found             3   --domain example.invalid @resolver --timeout 200 --retries 0
vcase client-view              0   --domain healthy.verify.test @both --client-view @resolver
vcase client-view-missing      2   -c missing.conf @both --client-view @resolver
vcase ns-added                 1   --domain healthy.verify.test @named --ns @resolver --timeout 200 --retries 0
vcase qps                      0   --domain healthy.verify.test @both --qps 5
q=$(jqo '.stats.queries')
[ "$SECS" -ge $((q / 5 - 2)) ] || fail "$q queries in $SECS s at --qps 5: $(show)"
ok "qps: $q queries at --qps 5 took $SECS s"
vcase tsig                     0   --domain healthy.verify.test @named --tsig-key "$LAB_TSIG_KEY"
vcase tsig-bad-secret          2   --domain healthy.verify.test @both --tsig-key "$BAD_KEY"
vcase tsig-knot-no-acl         2   --domain healthy.verify.test @knot --tsig-key "$LAB_TSIG_KEY"

check "the exit code does not depend on the format"
ecase stale-text               1   -c stale.conf @both

# ---------------------------------------------------------------------------
check "usage and config errors exit 3"
#           what                                  stderr pattern          arguments
usage_error "unknown option"                      'bogus'                 --bogus --domain healthy.verify.test @both
usage_error "bad --server (port out of range)"    ''                      --domain healthy.verify.test --server 127.0.0.1:99999
usage_error "bad --server (not an address)"       ''                      --domain healthy.verify.test --server 300.1.2.3:53
usage_error "bad --server (port not a number)"    ''                      --domain healthy.verify.test --server 127.0.0.1:abc
usage_error "bad --server (empty port)"           ''                      --domain healthy.verify.test --server 127.0.0.1:
usage_error "bad --format"                        ''                      --domain healthy.verify.test @both --format yaml
usage_error "bad --probe"                         ''                      --domain healthy.verify.test @both --probe icmp
usage_error "missing --domains-from file"         ''                      --domains-from "$WORK/no-such-file" @both
usage_error "unreadable -c file"                  'no-such\.conf'         -c "$WORK/no-such.conf" @both
usage_error "-c file with an unknown key"         'bad-key\.conf:5:'      -c bad-key.conf @both
usage_error "-c file with a weight out of range"  'bad-weight\.conf:6:'   -c healthy-kms1.conf -c bad-weight.conf @both
