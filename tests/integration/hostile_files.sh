#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What a hostile local user or a careless admin can do to the programs'
# files and terminals (issue 14): symlinks planted at the temporary names a
# root run would write, a TSIG key file passed as a list, an over-long
# comment line, a host answering with terminal escapes, and core dumps of
# a run that holds a key. No lab: every server here is a local listener.
# Needs root (unshare for a predictable PID, runuser for the other user).
# usage: hostile_files.sh VERIFY PUBLISH CLIENT RPCLISTENER
VERIFY=$1 PUBLISH=$2 CLIENT=$3 RPCLISTENER=$4
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" root

chmod 0755 "$WORK"
EVIL=nobody
# the publish run started as EVIL (below runuser, so not our child)
at_exit 'pkill -u "$EVIL" -f "kmsdns-publish -c $WORK/" 2>/dev/null'
# A directory both root and the other user write to (a textfile-collector
# directory, a shared state directory), and a root-only file to protect.
SHARED=$WORK/shared
mkdir "$SHARED" && chown "$EVIL" "$SHARED" && chmod 0775 "$SHARED"
VICTIM=$WORK/victim
echo "root's data" >"$VICTIM" && chmod 0600 "$VICTIM"
victim_intact() {
  [ "$(cat "$VICTIM")" = "root's data" ] || fail "$1: the victim file was overwritten"
  [ "$(stat -c '%U %a' "$VICTIM")" = "root 600" ] || fail "$1: the victim's owner/mode changed"
}
# plant NAME: the other user links NAME to the victim (as the old PATH.tmp.<pid> scheme invited)
plant() { runuser -u "$EVIL" -- ln -sf "$VICTIM" "$1"; }

dead_port=$(free_port)

check "verify --output: a symlink at the old temporary name is never followed"
# In a new PID namespace the program is PID 1, so the old name was PATH.tmp.1.
plant "$SHARED/kms.prom.tmp.1"
run_cmd unshare --pid --fork --mount-proc "$VERIFY" --domain corp.test --server "127.0.0.1:$dead_port" \
  --timeout 200 --retries 0 --format prometheus --output "$SHARED/kms.prom"
expect_rc 3 "verify --output (nothing answered)"
victim_intact "verify --output"
grep -q '^kmsdns_verify_' "$SHARED/kms.prom" || fail "no report written"
[ "$(stat -c '%U %a' "$SHARED/kms.prom")" = "root 644" ] || fail "report owner/mode: $(stat -c '%U %a' "$SHARED/kms.prom")"
# a symlink at the target itself is replaced, not written through
rm -f "$SHARED/kms.prom" && plant "$SHARED/kms.prom"
"$VERIFY" --domain corp.test --server "127.0.0.1:$dead_port" --timeout 200 --retries 0 \
  --format prometheus --output "$SHARED/kms.prom" 2>/dev/null || true
victim_intact "verify --output onto a symlink"
[ -f "$SHARED/kms.prom" ] && [ ! -L "$SHARED/kms.prom" ] || fail "the report is not a plain file"
ls -A "$SHARED" | grep -v -e '^kms\.prom$' -e '^kms\.prom\.tmp\.1$' && fail "temporary files left behind"
ok "victim untouched, report 0644 in place, nothing left behind"

check "kmsdns-client --state: the same for the state file a root run writes"
plant "$SHARED/client.state.tmp.1"
set +e
unshare --pid --fork --mount-proc "$CLIENT" --kms "127.0.0.1:$dead_port" --timeout 1 \
  --state "$SHARED/client.state" >/dev/null 2>&1
set -e
victim_intact "client --state"
grep -q '^cmid=' "$SHARED/client.state" || fail "no state written"
[ "$(stat -c '%a' "$SHARED/client.state")" = 600 ] || fail "state mode $(stat -c '%a' "$SHARED/client.state")"
ok "victim untouched, state 0600"

KEY=$WORK/kms1.key
cat >"$KEY" <<'K'
key "kms1-update" {
	algorithm hmac-sha256;
	secret "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
};
K
chmod 0600 "$KEY"
SECRET=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8
# no_secret WHAT: the last run printed nothing of the key's secret.
no_secret() { ! output | grep -q "$SECRET" || fail "$1 printed the secret: $(show)"; }

check "a key file given as a list: refused, nothing of it echoed"
run_cmd "$VERIFY" --domains-from "$KEY" --server "127.0.0.1:$dead_port"
expect_rc 3 "verify --domains-from KEY"
no_secret "verify --domains-from KEY"
grep -q "kms1.key:1: this looks like a TSIG key file" <<<"$ERR" || fail "no clear message: $ERR"
cat >"$WORK/pub.conf" <<EOF
[host]
fqdn = kms1.corp.test
[dns]
server = 127.0.0.1:$dead_port
[publish]
list-file = $KEY
EOF
run_cmd "$PUBLISH" -c "$WORK/pub.conf" --plan
expect_rc 2 "publish with list-file = KEY"
no_secret "publish list-file = KEY"
grep -q "kms1.key:[0-9]*: this looks like a TSIG key file" <<<"$ERR" || fail "no clear message: $ERR"
ok "exit 3 / 2, FILE:LINE says it is a key file, no secret"

check "--domains-from: a long comment is one line, an over-long line is refused"
{ printf '# %01200d tail.of.the.comment\n' 0; echo "corp.test"; } >"$WORK/list"
run_cmd "$VERIFY" --domains-from "$WORK/list" --server "127.0.0.1:$dead_port" --timeout 200 \
  --retries 0 --format json
jq -e '[.domains[].domain] == ["corp.test"]' <<<"$OUT" >/dev/null ||
  fail "the comment's tail was audited: $(jq -c '[.domains[].domain]' <<<"$OUT" 2>&1) $ERR"
{ echo "corp.test"; printf 'a%.0s' $(seq 5000); echo; } >"$WORK/list"
run_cmd "$VERIFY" --domains-from "$WORK/list" --server "127.0.0.1:$dead_port"
[ "$RC" -eq 3 ] && grep -q "list:2: line longer than 4096 bytes" <<<"$ERR" ||
  fail "over-long line: exit $RC, $ERR"
[ -z "$OUT" ] || fail "something was audited before the list was refused"
ok "one domain audited; line 2 refused as FILE:LINE before any query"

check "kmsdns-client --status: a host's escapes never reach the terminal"
hport=$(free_port)
start_bg "$hport" tcp "$RPCLISTENER" "$hport" hostile
lpid=$BG_PID
run_cmd "$CLIENT" --status --kms "127.0.0.1:$hport"
stop_bg "$lpid"
output | LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f\x80-\xff]' &&
  fail "control bytes printed: $(output | od -c | head)"
expect_rc 3 "--status for a garbled answer"
grep -q "not a host protocol v1 answer" <<<"$ERR" || fail "no message: $ERR"
ok "refused as not protocol v1 (exit 3), escapes shown as text"

check "a run that holds a TSIG key cannot dump core and is not dumpable"
sport=$(free_port)
start_bg "$sport" tcp "$RPCLISTENER" "$sport" silent
spid=$BG_PID
cp "$KEY" "$WORK/evil.key" && chown "$EVIL" "$WORK/evil.key"
cat >"$WORK/hang.conf" <<EOF
[host]
fqdn = kms1.corp.test
[dns]
server = 127.0.0.1:$sport
auth = tsig
tsig-key = $WORK/evil.key
timeout = 5
retries = 0
[publish]
domain = corp.test
EOF
chmod 0644 "$WORK/hang.conf"
runuser -u "$EVIL" -- bash -c "ulimit -c unlimited; exec '$PUBLISH' -c '$WORK/hang.conf' --tcp" \
  >/dev/null 2>&1 &
ppid_=$!
at_exit_kill "$ppid_"
pub=
for _ in $(seq 40); do
  pub=$(pgrep -u "$EVIL" -f "kmsdns-publish -c $WORK/hang.conf" | head -1) || true
  [ -n "$pub" ] && break
  sleep 0.05
done
[ -n "$pub" ] || fail "the hanging publish run is not there"
sleep 0.3
grep -E '^Max core file size +0 +0 ' "/proc/$pub/limits" >/dev/null ||
  fail "core dumps allowed: $(grep 'core' "/proc/$pub/limits")"
# A non-dumpable process's /proc files belong to root, not to its user.
[ "$(stat -c %U "/proc/$pub/environ")" = root ] ||
  fail "still dumpable (its /proc is $(stat -c %U "/proc/$pub/environ")'s)"
kill "$pub" 2>/dev/null || true
wait "$ppid_" 2>/dev/null || true
stop_bg "$spid"
ok "RLIMIT_CORE 0 and PR_SET_DUMPABLE 0 while it waits on the server"
