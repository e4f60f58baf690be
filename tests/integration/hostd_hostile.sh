#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-hostd's database under hostile or careless hands (issue 14):
#  - as root with [host] user, that user plants symlinks where the database
#    and its -wal and -shm go, pointing at root's 0600 files: kmsdns-hostd
#    refuses to start and names the path, and the targets keep their owner,
#    mode and bytes (root used to chown them for that user);
#  - the database and its sidecars are created 0600 (0640, owned by the
#    user, with [host] user; a missing directory created for that user)
#    whatever the umask, 022 or 000;
#  - the database files deleted under a running kmsdns-hostd in the middle
#    of a load: every CMID acknowledged, before or after the rm, is still in
#    the table after a restart, and every request acknowledged after it is
#    in the request log.
# usage: hostd_hostile.sh HOSTD CLIENT HOSTLOAD [PARTS]
# PARTS (default all): a subset of "modes user links rm", to run one part alone.
HOSTD=$1 CLIENT=$2 LOAD=$3 PARTS=${4:-modes user links rm}
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

PORT=$(free_port)
CONF=$WORK/h.conf

# modes_are PATH MODE [OWNER]: the database and both sidecars have MODE (and OWNER).
modes_are() {
  local f got
  for f in "$1" "$1-wal" "$1-shm"; do
    [ -f "$f" ] && [ ! -L "$f" ] || fail "$f: missing or not a plain file"
    got=$(stat -c '%a %U' "$f")
    [ "$got" = "$2 ${3:-$(id -un)}" ] || fail "$f: mode and owner $got, want $2 ${3:-$(id -un)}"
  done
}

# one_request: a request must be answered (count or not).
one_request() {
  "$CLIENT" --kms "127.0.0.1:$PORT" --cmid "$(cmid "$1")" --edition ws2008r2-web --format json >/dev/null ||
    [ $? -eq 1 ] || fail "request $1 not answered"
}

# ---- modes: 0600 whatever the umask ----------------------------------------------
part_modes() {
  check "database files are created 0600 whatever the umask"
  local mask old
  for mask in 022 000; do
    rm -f "$WORK"/host.db*
    write_conf "$CONF" "$PORT"
    old=$(umask) && umask "$mask" && start_hostd "$CONF" && umask "$old"
    one_request 1
    modes_are "$WORK/host.db" 600
    stop_hostd
    ok "umask $mask: host.db, -wal and -shm are 0600 while it runs"
  done
}

# ---- [host] user (root only) -----------------------------------------------------------
U=
make_user() {
  [ -z "$U" ] || return 0
  U=kmsdnsh$$
  useradd --system --no-create-home --shell /usr/sbin/nologin "$U" || fail "useradd $U"
  at_exit "userdel $U 2>/dev/null || true" # after the daemon is stopped
  chmod o+x "$WORK"
}

part_user() {
  check "with [host] user: a missing directory is made for it, the files are 0640 and its own"
  make_user
  local mask old
  for mask in 022 000; do
    rm -rf "$WORK/new"
    write_conf "$CONF" "$PORT" "user = $U"
    sed -i "s|^database = .*|database = $WORK/new/state/host.db|" "$CONF"
    old=$(umask) && umask "$mask" && start_hostd "$CONF" && umask "$old"
    one_request 2
    modes_are "$WORK/new/state/host.db" 640 "$U"
    [ "$(stat -c '%a %U' "$WORK/new/state")" = "750 $U" ] || fail "state directory: $(stat -c '%a %U' "$WORK/new/state")"
    [ "$(stat -c '%a %U' "$WORK/new")" = "755 root" ] || fail "its parent: $(stat -c '%a %U' "$WORK/new")"
    stop_hostd
    ok "umask $mask: host.db, -wal, -shm 0640 $U; the directory 0750 $U, its new parent 0755 root"
  done
}

STATE=$WORK/state
# victims_intact CASE: root's files as the test made them (victim.db empty: SQLite would
# happily make a database of it)
victims_intact() {
  local v want
  for v in db wal shm; do
    [ "$(stat -c '%a %U %G' "$WORK/victim.$v")" = "600 root root" ] ||
      fail "$1: victim.$v is now $(stat -c '%a %U %G' "$WORK/victim.$v")"
    want="root secret $v"
    [ "$v" != db ] || want=
    [ "$(cat "$WORK/victim.$v")" = "$want" ] || fail "$1: victim.$v was written to"
  done
  [ ! -e "$WORK/victim.db-wal" ] || fail "$1: a -wal was made beside victim.db"
}
# plant SUFFIX...: as the user, host.db<SUFFIX> becomes a link to the victim
plant() {
  local s v
  for s in "$@"; do
    v=${s#-}
    [ -n "$v" ] || v=db
    setpriv --reuid="$U" --regid="$U" --clear-groups ln -sfn "$WORK/victim.$v" "$STATE/host.db$s" ||
      fail "planting host.db$s"
  done
}
# refused CASE LINK: kmsdns-hostd does not start (exit 1) and names LINK
refused() {
  local rc=0 out
  out=$(timeout 20 "$HOSTD" -c "$CONF" --foreground 2>&1) || rc=$?
  victims_intact "$1"
  [ $rc -eq 1 ] || fail "$1: exit $rc (want 1, refused at start): $out"
  grep -qF "$2: is a symbolic link" <<<"$out" || fail "$1: the message does not name $2: $out"
  ok "$1: exit 1, root's files untouched: $out"
}

part_links() {
  check "symlinks planted by [host] user are never followed"
  make_user
  mkdir -p "$STATE" && chown "$U:$U" "$STATE"
  write_conf "$CONF" "$PORT" "user = $U"
  sed -i "s|^database = .*|database = $STATE/host.db|" "$CONF"
  : >"$WORK/victim.db"
  printf 'root secret wal\n' >"$WORK/victim.wal"
  printf 'root secret shm\n' >"$WORK/victim.shm"
  chmod 600 "$WORK"/victim.*
  plant "" -wal -shm
  refused "host.db, -wal and -shm links" "$STATE/host.db-wal" # the first one looked at
  rm -f "$STATE"/host.db*
  plant -wal -shm
  refused "-wal and -shm links, no database yet" "$STATE/host.db-wal"
  # a real database of the user's, then a link for a sidecar
  rm -f "$STATE"/host.db*
  start_hostd "$CONF"
  one_request 3
  stop_hostd
  plant -shm
  refused "an existing database, -shm a link" "$STATE/host.db-shm"
  rm -f "$STATE"/host.db-shm
  plant ""
  refused "host.db a link" "$STATE/host.db"
  ok "root's files kept owner root, mode 0600 and their bytes"
}

# ---- rm under load -------------------------------------------------------------------------
part_rm() {
  check "the database deleted under a running kmsdns-hostd in the middle of a load"
  rm -f "$WORK"/host.db* "$WORK"/acked.* "$WORK"/stop
  write_conf "$CONF" "$PORT"
  start_hostd "$CONF"
  # loop PREFIX START N: hostload runs of the same N CMIDs (renewals after the first) until
  # $WORK/stop exists, or ROUNDS runs when ROUNDS is set
  loop() {
    local i=0
    while [ ! -e "$WORK/stop" ] && { [ -z "${ROUNDS:-}" ] || [ "$i" -lt "$ROUNDS" ]; }; do
      "$LOAD" -a "127.0.0.1:$PORT" -n "$3" -c 8 -p "$1" -s "$2" -o "$WORK/acked.$1.$i" -t 3000 \
        >/dev/null 2>>"$WORK/load.err" || true
      i=$((i + 1))
    done
  }
  acks() { cat "$WORK"/acked.* 2>/dev/null | wc -l; }
  local loop_a before total after_b count acked rows missing logged
  loop aaaaaaaa 0 30 &
  loop_a=$!
  for _ in $(seq 1 200); do [ "$(acks)" -ge 300 ] && break; sleep 0.05; done
  [ "$(acks)" -ge 300 ] || fail "the load did not get going: $(acks) acknowledged"
  rm -f "$WORK/host.db" "$WORK/host.db-wal" "$WORK/host.db-shm"
  before=$(acks)
  ROUNDS=20 loop bbbbbbbb 0 15 # new CMIDs, all sent after the rm
  touch "$WORK/stop"
  wait "$loop_a"
  stop_hostd
  total=$(acks)
  after_b=$(cat "$WORK"/acked.bbbbbbbb.* | wc -l)
  [ "$after_b" -ge 100 ] || fail "too few requests after the rm were acknowledged: $after_b ($(tail -n 3 "$WORK/load.err"))"
  start_hostd "$CONF"
  count=$(status_field "$PORT" count)
  acked=$(cat "$WORK"/acked.* | cut -d' ' -f1 | sort -u)
  rows=$(sqlite3 "$WORK/host.db" "SELECT cmid FROM entries" | sort)
  missing=$(comm -23 <(printf '%s\n' "$acked") <(printf '%s\n' "$rows") | head -n 3)
  [ -z "$missing" ] || fail "acknowledged before a restart, not in the table after it (count $count): $missing"
  [ "$count" = 45 ] || fail "count $count after the restart, want the 45 CMIDs acknowledged"
  logged=$(sqlite3 "$WORK/host.db" "SELECT count(*) FROM log WHERE cmid LIKE 'bbbbbbbb-%'")
  [ "$logged" -ge "$after_b" ] || fail "$after_b requests acknowledged after the rm, $logged in the request log"
  stop_hostd
  grep -q "error: $WORK/host.db: the database was deleted while in use; created a new one and rewrote the [0-9]* CMIDs" \
    "$WORK/hostd.log" || fail "the rebuild was not logged: $(tail -n 5 "$WORK/hostd.log")"
  ok "$total acknowledged ($before before the rm), all 45 CMIDs in the table after a restart; the $after_b acknowledged after the rm are in the request log"
}

for p in $PARTS; do
  if [ "$p" != modes ] && [ "$p" != rm ] && ! is_root; then
    echo "$T: NOTE: not root: part $p ([host] user) is not run"
    continue
  fi
  "part_$p"
done
