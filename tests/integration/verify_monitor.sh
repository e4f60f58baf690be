#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-verify for monitoring systems: --format nagios parsed back (status
# word, exit code, perfdata grammar, duration thresholds), --format prometheus
# checked against the text exposition format (HELP/TYPE before samples, each
# family's samples together, label values escaped) and written atomically with
# --output, --format html as one self-contained file.
# Usage: verify_monitor.sh LAB_DIR PATH_TO_kmsdns-verify
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" lab "${1:-}"
VER=${2:?path to kmsdns-verify}
PROG=$VER # run ARGS...: kmsdns-verify ARGS (harness.sh)
DATA=$TEST_DATA/verify
TEST_SOURCE=$(cd "$(dirname "$0")/../.." && pwd)
BOTH=(--server "127.0.0.1:$LAB_NAMED_PORT" --server "127.0.0.1:$LAB_KNOT_PORT")

check "nagios: one status line, the plugin exit code, perfdata as 'label'=value[UOM];warn;crit;min;max"
perf_ok() { # every perfdata item of the first line matches the grammar (thresholds: Nagios ranges)
  local item first
  first=$(head -n 1 <<<"$1")
  for item in ${first#*|}; do
    [[ "$item" =~ ^\'[a-z_]+\'=[0-9.]+(s|%|B|c)?\;[0-9.:~@-]*\;[0-9.:~@-]*\;[0-9.]*\;[0-9.]*$ ]] ||
      fail "perfdata item '$item' does not follow the grammar"
  done
}
run -c "$DATA/healthy-kms1.conf" -c "$DATA/healthy-kms2.conf" "${BOTH[@]}" --format nagios
[ "$RC" -eq 0 ] || fail "healthy: exit $RC: $OUT $ERR"
[ "$(wc -l <<<"$OUT")" -eq 1 ] || fail "more than one line: $OUT"
[[ "$OUT" =~ ^KMSDNS\ OK\ -\ 1\ domains:\ 1\ ok ]] || fail "status line: $OUT"
perf_ok "$OUT"
ok "healthy: $OUT"
run -c "$DATA/wrongport.conf" -c "$DATA/stale.conf" "${BOTH[@]}" --format nagios
[ "$RC" -eq 2 ] && [[ "$OUT" =~ ^KMSDNS\ CRITICAL\ - ]] || fail "critical: exit $RC: $OUT"
grep -q "'problems_critical'=2;;;0;" <<<"$OUT" || fail "critical count: $OUT"
grep -q "'problems_warning'=2;;;0;" <<<"$OUT" || fail "warning count: $OUT"
perf_ok "$OUT"
ok "critical: exit 2, counts in the perfdata"
# the status line names the first of the worst problems (domain, code, target, server) and how
# many more; then one long-output line per problem, no '|' after the first line
first=$(head -n 1 <<<"$OUT")
[[ "$first" =~ ^KMSDNS\ CRITICAL\ -\ wrongport.verify.test:\ srv-mismatch\ kms1.verify.test\ at\ 127.0.0.1:$LAB_NAMED_PORT\ \(\+3\ more\)\ \|\ \'domains\'= ]] ||
  fail "status line does not name the worst problem: $first"
[ "$(wc -l <<<"$OUT")" -eq 5 ] || fail "not one long-output line per problem: $OUT"
[ "$(tail -n +2 <<<"$OUT" | grep -c '|')" -eq 0 ] || fail "a '|' in the long output: $OUT"
grep -q "^CRITICAL wrongport.verify.test 127.0.0.1:$LAB_KNOT_PORT srv-mismatch: .*port 1689 (expected 1688)$" <<<"$OUT" ||
  fail "long output line: $OUT"
grep -q "^WARNING stale.verify.test 127.0.0.1:$LAB_NAMED_PORT extra-record: .*stale.verify.test" <<<"$OUT" ||
  fail "long output line: $OUT"
ok "critical: the worst problem on the status line, (+3 more), one long-output line per problem"
run -c "$DATA/stale.conf" "${BOTH[@]}" --format nagios
[ "$RC" -eq 1 ] && [[ "$OUT" =~ ^KMSDNS\ WARNING\ - ]] || fail "warning: exit $RC: $OUT"
ok "warning: exit 1"
# a healthy audit takes more than 0.1 ms: over --warning, under --critical
run -c "$DATA/healthy-kms1.conf" -c "$DATA/healthy-kms2.conf" "${BOTH[@]}" --format nagios \
  --warning 0.0001 --critical 60
[ "$RC" -eq 1 ] && [[ "$OUT" =~ ^KMSDNS\ WARNING\ -\ 1\ domains:\ 1\ ok.*audit\ took ]] ||
  fail "slow audit: exit $RC: $OUT"
grep -Eq "'time'=[0-9.]+s;0.0001;60;0;" <<<"$OUT" || fail "thresholds in perfdata: $OUT"
run -c "$DATA/healthy-kms1.conf" -c "$DATA/healthy-kms2.conf" "${BOTH[@]}" --format nagios \
  --warning 0.0001 --critical 0.0002
[ "$RC" -eq 2 ] && [[ "$OUT" =~ ^KMSDNS\ CRITICAL ]] || fail "slower: exit $RC: $OUT"
ok "an audit slower than --warning / --critical: WARNING / CRITICAL, thresholds in the perfdata"
# Nagios ranges as the guidelines define them, over the duration (a few ms here)
range_case() { # WANT_EXIT WARNING CRITICAL
  run -c "$DATA/healthy-kms1.conf" -c "$DATA/healthy-kms2.conf" "${BOTH[@]}" --format nagios \
    --warning "$2" --critical "$3"
  [ "$RC" -eq "$1" ] || fail "--warning $2 --critical $3: exit $RC, expected $1: $OUT"
  grep -Fq "'time'=" <<<"$OUT" && grep -Fq "s;$2;$3;0;" <<<"$OUT" || fail "thresholds not as given: $OUT"
  perf_ok "$OUT"
}
range_case 0 60 120         # inside 0..60 / 0..120
range_case 1 60: 120        # under 60
range_case 0 '~:60' '~:120' # over 60 / 120: no
range_case 2 0:60 @0:60     # inside 0..60: critical
range_case 1 @0:60 @60:120  # inside 0..60 / inside 60..120: warning
range_case 2 10:20 10:20    # outside 10..20
ok "ranges 10, 10:, ~:10, 10:20, @10:20 judged as the guidelines say, carried as given"
for bad in 20:10 abc 10:x '' @ 1:2:3; do
  run -c "$DATA/healthy-kms1.conf" "${BOTH[@]}" --format nagios --warning "$bad"
  [ "$RC" -eq 3 ] && [ -z "$OUT" ] || fail "--warning '$bad': exit $RC: $OUT"
  [ "$(wc -l <<<"$ERR")" -eq 2 ] && grep -q "^kmsdns-verify: --warning takes a Nagios range" <<<"$ERR" &&
    grep -q '^usage: kmsdns-verify ' <<<"$ERR" || fail "--warning '$bad': not a message and a one-line usage: $ERR"
done
run --bogus
[ "$RC" -eq 3 ] && [ "$(wc -l <<<"$ERR")" -eq 2 ] || fail "--bogus: exit $RC: $ERR"
ok "a bad range or flag: exit 3, the message and a one-line usage"
run --domain "healthy.verify.test" --server 127.0.0.1:9 --timeout 200 --retries 0 --format nagios
[ "$RC" -eq 3 ] && [[ "$OUT" =~ ^KMSDNS\ UNKNOWN ]] || fail "unknown: exit $RC: $OUT"
ok "no server answered: UNKNOWN, exit 3"

check "--time-limit: the whole audit ends by then, the unanswered server is server-unreachable"
silent=$(free_port) # a UDP socket that reads and never answers
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1]))); time.sleep(60)' "$silent" &
at_exit_kill $!
wait_port "$silent" udp
start=$(date +%s%N)
run -c "$DATA/healthy-kms1.conf" -c "$DATA/healthy-kms2.conf" --server "127.0.0.1:$LAB_NAMED_PORT" \
  --server "127.0.0.1:$silent" --timeout 5000 --retries 3 --time-limit 1 --format nagios
took=$((($(date +%s%N) - start) / 1000000))
[ "$took" -lt 2500 ] || fail "--time-limit 1 took $took ms"
[ "$RC" -eq 1 ] && [[ "$OUT" =~ ^KMSDNS\ WARNING\ -\ healthy.verify.test:\ server-unreachable\ at\ 127.0.0.1:$silent.*--time-limit\ 1\ s\ reached ]] ||
  fail "time limit, one server answered: exit $RC: $OUT"
grep -q "^WARNING healthy.verify.test 127.0.0.1:$silent server-unreachable: no answer (time limit reached)" <<<"$OUT" ||
  fail "long output: $OUT"
ok "one server answered: WARNING in $took ms (limit 1 s, per-try timeout 5 s)"
run -c "$DATA/healthy-kms1.conf" --server "127.0.0.1:$silent" --timeout 5000 --retries 3 --time-limit 0.5 --format nagios
[ "$RC" -eq 3 ] && [[ "$OUT" =~ ^KMSDNS\ UNKNOWN\ -\ healthy.verify.test:\ server-unreachable ]] || fail "nothing answered: exit $RC: $OUT"
ok "nothing answered: UNKNOWN"
for bad in 0 -1 abc 1s 100000; do
  run --domain healthy.verify.test --time-limit "$bad"
  [ "$RC" -eq 3 ] && [ "$(wc -l <<<"$ERR")" -eq 2 ] || fail "--time-limit '$bad': exit $RC: $ERR"
done
ok "a bad --time-limit: exit 3, one-line usage"

check "prometheus: exposition format, written atomically with --output"
prom_ok() { # FILE: the text exposition format, strictly enough for node_exporter
  awk '
    /^# HELP / { help[$3] = 1; next }
    /^# TYPE / { if (!help[$3]) bad("TYPE before HELP for " $3); type[$3] = $4; next }
    /^#/ { bad("stray comment") }
    {
      if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.e+-]+$/)
        bad("sample line: " $0)
      name = $0; sub(/[{ ].*/, "", name)
      if (!(name in type)) bad("sample without TYPE: " name)
      if (name != last && (name in seen)) bad("family " name " split up")
      seen[name] = 1; last = name
    }
    function bad(m) { print m > "/dev/stderr"; err = 1 }
    END { exit err }' "$1"
}
prom=$WORK/kms.prom
echo "old content" >"$prom"
run -c "$DATA/wrongport.conf" -c "$DATA/healthy-kms1.conf" "${BOTH[@]}" --format prometheus --output "$prom"
[ "$RC" -eq 2 ] || fail "exit $RC: $ERR"
[ -z "$OUT" ] || fail "--output printed to stdout: $OUT"
prom_ok "$prom" || fail "not valid exposition text: $(cat "$prom")"
grep -q '^kmsdns_verify_domain_status{domain="wrongport.verify.test"} 2$' "$prom" || fail "domain gauge"
grep -q "^kmsdns_verify_server_status{domain=\"wrongport.verify.test\",server=\"127.0.0.1:$LAB_KNOT_PORT\"} 2$" "$prom" ||
  fail "server gauge"
grep -q '^kmsdns_verify_problems{code="srv-mismatch",severity="critical"} 2$' "$prom" || fail "problem count"
grep -Eq '^kmsdns_verify_last_success_timestamp_seconds [0-9]{10}$' "$prom" || fail "last success"
grep -Eq '^kmsdns_verify_duration_seconds [0-9.]+$' "$prom" || fail "duration"
[ -z "$(find "$WORK" -name '.kms.prom.*' -o -name 'kms.prom.tmp*')" ] || fail "temporary file left"
ok "valid, complete, renamed into place"
before=$(cat "$prom")
run --bogus --format prometheus --output "$prom"
[ "$RC" -eq 3 ] && [ "$(cat "$prom")" = "$before" ] || fail "a failed run touched the file"
run -c "$DATA/bad-key.conf" --format prometheus --output "$prom"
[ "$RC" -eq 3 ] && [ "$(cat "$prom")" = "$before" ] || fail "a config error touched the file"
[ -z "$(find "$WORK" -name '.kms.prom.*' -o -name 'kms.prom.tmp*')" ] || fail "temporary file left after a failure"
ok "a failed run leaves the previous file as it was"
run --domain healthy.verify.test "${BOTH[@]}" --format prometheus --output /nonexistent-dir/kms.prom
[ "$RC" -eq 3 ] && grep -q "/nonexistent-dir/kms.prom: cannot create a temporary file in /nonexistent-dir" <<<"$ERR" ||
  fail "unwritable: exit $RC: $ERR"
ok "an unwritable --output: exit 3, said so"

check "prometheus: the per-problem families, and promtool over a healthy and a broken audit"
command -v promtool >/dev/null || fail "no promtool (Debian package prometheus: scripts/deps)"
promtool_ok() { # FILE: promtool check metrics finds nothing to say
  local said
  said=$(promtool check metrics <"$1" 2>&1) || fail "promtool check metrics: $said: $(cat "$1")"
  [ -z "$said" ] || fail "promtool check metrics: $said"
}
run -c "$DATA/healthy-kms1.conf" -c "$DATA/healthy-kms2.conf" "${BOTH[@]}" --format prometheus --output "$prom"
[ "$RC" -eq 0 ] || fail "healthy: exit $RC: $ERR"
prom_ok "$prom" || fail "healthy: not valid exposition text"
promtool_ok "$prom"
grep -q '^kmsdns_verify_problem{' "$prom" && fail "healthy: a problem sample: $(cat "$prom")"
grep -q "^kmsdns_verify_srv_records{domain=\"healthy.verify.test\",server=\"127.0.0.1:$LAB_NAMED_PORT\"} 2$" "$prom" ||
  fail "healthy: srv_records: $(grep srv_records "$prom")"
grep -Eq '^kmsdns_build_info\{version="[^"]+"\} 1$' "$prom" || fail "build_info: $(cat "$prom")"
ok "healthy: promtool silent, 2 records per server, build_info, no problem sample"
# broken: two expected hosts missing on one server are one series (no duplicate sample),
# a stale host, a wrong port, and an unreachable server
run -c "$DATA/wrongport.conf" -c "$DATA/stale.conf" -c "$DATA/healthy-kms1.conf" "${BOTH[@]}" \
  --server 127.0.0.1:9 --timeout 200 --retries 0 --format prometheus --output "$prom"
[ "$RC" -eq 2 ] || fail "broken: exit $RC: $ERR"
prom_ok "$prom" || fail "broken: not valid exposition text"
promtool_ok "$prom"
grep -q "^kmsdns_verify_problem{domain=\"wrongport.verify.test\",server=\"127.0.0.1:$LAB_KNOT_PORT\",code=\"srv-mismatch\",severity=\"critical\"} 1$" "$prom" ||
  fail "broken: srv-mismatch sample: $(grep '^kmsdns_verify_problem' "$prom")"
grep -q '^kmsdns_verify_problem{domain="stale.verify.test",server="127.0.0.1:[0-9]*",code="extra-record",severity="warning"} 1$' "$prom" ||
  fail "broken: extra-record sample: $(grep '^kmsdns_verify_problem' "$prom")"
grep -q '^kmsdns_verify_problem{domain="healthy.verify.test",server="127.0.0.1:9",code="server-unreachable",severity="warning"} 1$' "$prom" ||
  fail "broken: server-unreachable sample: $(grep '^kmsdns_verify_problem' "$prom")"
grep -q '^kmsdns_verify_srv_records{[^}]*server="127.0.0.1:9"' "$prom" && fail "an unreachable server has a records sample"
[ -z "$(grep '^kmsdns_verify_problem{' "$prom" | sort | uniq -d)" ] || fail "duplicate samples"
ok "broken: promtool silent, one sample per problem series, no records sample for the unreachable server"
said=$(promtool check rules "$TEST_SOURCE/contrib/prometheus/kmsdns.rules.yml" 2>&1) ||
  fail "promtool check rules: $said"
ok "contrib/prometheus/kmsdns.rules.yml: $(tail -n1 <<<"$said" | sed 's/^ *//')"

check "html: one self-contained page with the matrix and the problems"
html=$WORK/report.html
run -c "$DATA/healthy-kms1.conf" -c "$DATA/healthy-kms2.conf" -c "$DATA/wrongport.conf" -c "$DATA/stale.conf" \
  "${BOTH[@]}" --format html --output "$html"
[ "$RC" -eq 2 ] || fail "exit $RC: $ERR"
grep -Eiq '<(script|link|img)[^>]*(src|href)=' "$html" && fail "external assets referenced"
grep -q '<tr data-domain="wrongport.verify.test"><th class="critical">' "$html" || fail "matrix row"
grep -q 'Fix: publish again' "$html" || fail "fix text"
ok "self-contained, matrix and fixes present"
