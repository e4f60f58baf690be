#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-verify names the server that lags, judged against the zone's primary
# (SOA MNAME) rather than the majority: a real primary/secondary chain of its
# own (no lab), each server on port 53 of its own loopback address, as the NS
# records say: BIND named primary ns1 (127.0.0.61, notify off, so the
# secondaries learn of a change only at their SOA refresh, an hour away),
# Knot secondary ns2 (127.0.0.62) and BIND secondary ns3 (127.0.0.63). After
# an update on the primary alone, the two secondaries are the majority and
# wrong: srv-inconsistent and serial-mismatch go on both, naming "the primary
# 127.0.0.61:53", and none on the primary. Given as --server (no NS names,
# so no primary known), the majority rule decides, as documented. Runs in a
# network namespace of its own (unshare -n: its own loopback, where the three
# addresses are added, since named binds only interface addresses), so it
# needs root; nothing of the host's network is touched.
# Usage: verify_primary.sh PATH_TO_kmsdns-verify
VER=${1:-}
if [ "$(id -u)" -eq 0 ] && [ -z "${KMSDNS_PRIMARY_NETNS:-}" ] && [ -n "$VER" ]; then
  exec env KMSDNS_PRIMARY_NETNS=1 unshare -n "$0" "$@"
fi
shift || true
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" root
[ -n "$VER" ] || _usage
[ -n "${KMSDNS_PRIMARY_NETNS:-}" ] || fail "not in a network namespace of its own"
for t in named knotd knotc nsupdate dig jq; do
  command -v "$t" >/dev/null || fail "$t is needed (scripts/deps installs it)"
done
ZONE=chain.test
OWNER=_vlmcs._tcp.$ZONE
P=127.0.0.61 K=127.0.0.62 S=127.0.0.63
ip link set lo up
for a in $P $K $S; do ip addr add "$a/32" dev lo; done
mkdir -p "$WORK/p" "$WORK/s" "$WORK/k"
cat >"$WORK/p/$ZONE.zone" <<ZONEFILE
\$TTL 300
@ IN SOA ns1.$ZONE. hostmaster.$ZONE. 1 3600 600 86400 300
@ IN NS ns1.$ZONE.
@ IN NS ns2.$ZONE.
@ IN NS ns3.$ZONE.
ns1 IN A $P
ns2 IN A $K
ns3 IN A $S
kms1 IN A 127.0.0.11
_vlmcs._tcp IN SRV 0 100 1688 kms1.$ZONE.
ZONEFILE
named_conf() { # DIR ADDR ZONE-STATEMENT
  cat <<CONF
options {
    directory "$1";
    pid-file "$1/named.pid";
    session-keyfile "$1/session.key";
    listen-on port 53 { $2; };
    listen-on-v6 { none; };
    recursion no;
    notify no;
    allow-transfer { any; };
    dnssec-validation no;
};
controls { };
logging { channel f { file "$1/named.log"; severity info; }; category default { f; }; };
$3
CONF
}
named_conf "$WORK/p" $P "zone \"$ZONE\" { type primary; file \"$ZONE.zone\"; allow-update { any; }; };" >"$WORK/p/named.conf"
named_conf "$WORK/s" $S "zone \"$ZONE\" { type secondary; primaries { $P; }; file \"$ZONE.bk\"; };" >"$WORK/s/named.conf"
cat >"$WORK/k/knot.conf" <<CONF
server:
    rundir: "$WORK/k"
    listen: $K@53
database:
    storage: "$WORK/k"
control:
    listen: "$WORK/k/knot.sock"
log:
  - target: "$WORK/k/knot.log"
    any: info
remote:
  - id: primary
    address: $P@53
template:
  - id: default
    storage: "$WORK/k"
zone:
  - domain: $ZONE.
    master: primary
CONF
(cd "$WORK/p" && exec setsid named -f -c "$WORK/p/named.conf" </dev/null >"$WORK/p.log" 2>&1) &
at_exit_kill $!
wait_serial() { # ADDR SERIAL: until ADDR serves the zone with SERIAL
  for _ in $(seq 1 100); do
    [ "$(dig +norec +short +time=1 +tries=1 @"$1" $ZONE SOA 2>/dev/null | awk '{print $3}')" = "$2" ] && return 0
    sleep 0.1
  done
  fail "$1 does not serve $ZONE with serial $2"
}
wait_serial $P 1
start_secondary() {
  (cd "$WORK/s" && exec setsid named -f -c "$WORK/s/named.conf" </dev/null >>"$WORK/s.log" 2>&1) &
  SEC_PID=$!
  at_exit_kill $SEC_PID
}
start_secondary
setsid knotd -c "$WORK/k/knot.conf" </dev/null >"$WORK/k.log" 2>&1 &
at_exit_kill $!
wait_serial $S 1
wait_serial $K 1
ok "primary $P (named), secondaries $K (knotd) and $S (named) serve serial 1"

audit() { # ARGS...: kmsdns-verify as JSON into OUT, exit status into RC
  set +e
  OUT=$("$VER" --domain $ZONE --timeout 1000 --format json "$@" 2>"$WORK/err")
  RC=$?
  set -e
}
codes() { # ADDR: the codes on that server, sorted and joined
  jq -r --arg s "$1:53" '[.domains[0].servers[] | select(.server == $s) | .problems[].code] | sort | join(" ")' <<<"$OUT"
}
message() { # ADDR CODE
  jq -r --arg s "$1:53" --arg c "$2" '.domains[0].servers[] | select(.server == $s) | .problems[] | select(.code == $c) | .message' <<<"$OUT"
}

check "all three in step: no problem (servers found through the primary as resolver)"
audit --resolver $P:53
[ "$RC" -eq 0 ] || fail "healthy chain: exit $RC: $OUT $(cat "$WORK/err")"
[ "$(jq '.domains[0].servers | length' <<<"$OUT")" -eq 3 ] || fail "not three servers audited: $OUT"
ok "exit 0, three servers"

check "an update on the primary alone: the two lagging secondaries are reported, naming the primary"
nsupdate <<NSU >"$WORK/nsupdate.log" 2>&1 || fail "nsupdate: $(cat "$WORK/nsupdate.log")"
server $P 53
update delete $OWNER SRV
update add $OWNER 300 SRV 0 100 1690 kms1.$ZONE.
send
NSU
wait_serial $P 2
[ "$(dig +norec +short @$K $ZONE SOA | awk '{print $3}')" = 1 ] || fail "knotd is not lagging"
[ "$(dig +norec +short @$S $ZONE SOA | awk '{print $3}')" = 1 ] || fail "the named secondary is not lagging"
audit --resolver $P:53
[ "$RC" -eq 2 ] || fail "lagging secondaries: exit $RC, expected 2: $OUT"
[ "$(codes $P)" = "" ] || fail "the primary has problems: $(codes $P): $OUT"
for a in $K $S; do
  [ "$(codes $a)" = "serial-mismatch srv-inconsistent" ] || fail "$a: codes '$(codes $a)': $OUT"
  expect_msg=$(message $a serial-mismatch)
  [ "$expect_msg" = "the zone's SOA serial is 1 here and 2 at the primary $P:53" ] ||
    fail "$a: serial-mismatch says '$expect_msg'"
  m=$(message $a srv-inconsistent)
  [[ "$m" == *"differs from what the primary $P:53 serves"* ]] || fail "$a: srv-inconsistent says '$m'"
  ok "$a: $expect_msg; $m"
done
ok "the primary $P: no problem"

check "the same servers given as --server (no NS names, no primary known): the majority decides"
audit --server $P:53 --server $K:53 --server $S:53
[ "$(codes $P)" = "serial-mismatch srv-inconsistent" ] || fail "--server: primary codes '$(codes $P)': $OUT"
[[ "$(message $P serial-mismatch)" == *"(the majority of the servers)"* ]] || fail "--server: $(message $P serial-mismatch)"
[ "$(codes $K)$(codes $S)" = "" ] || fail "--server: secondaries have problems: $OUT"
ok "primary reported against the majority: $(message $P serial-mismatch)"

check "--server with --ns: the servers get their NS names, and the primary is the reference again"
audit --server $P:53 --ns --resolver $P:53
[ "$(codes $P)" = "" ] || fail "--server --ns: primary codes '$(codes $P)': $OUT"
[ "$(codes $K)" = "serial-mismatch srv-inconsistent" ] || fail "--server --ns: knot codes '$(codes $K)': $OUT"
ok "with --ns the lagging secondaries are named again"

check "the secondaries catch up (knotc zone-refresh, retransfer): no problem"
knotc -s "$WORK/k/knot.sock" zone-refresh $ZONE >/dev/null || fail "knotc zone-refresh"
wait_serial $K 2
kill -TERM $SEC_PID && wait $SEC_PID || true
rm -f "$WORK/s/$ZONE.bk" # without its copy, a secondary transfers the zone as it starts
start_secondary
wait_serial $S 2
audit --resolver $P:53
[ "$RC" -eq 0 ] || fail "after catching up: exit $RC: $OUT"
ok "exit 0"
