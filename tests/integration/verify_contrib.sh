#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The shipped monitoring files, checked by the real tools: contrib/icinga2/kmsdns.conf
# with `icinga2 daemon -C` over a private config (its own directories under the
# work directory, never /etc/icinga2 or /var), with a host and a service using the
# CheckCommand; a broken copy must fail the check. (promtool: verify_monitor.sh.)
# Usage: verify_contrib.sh
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
command -v icinga2 >/dev/null || { echo "$T: SKIP: no icinga2 (Debian package icinga2-bin: scripts/deps)"; exit 77; }

ic=$WORK/icinga2
mkdir -p "$ic"/{data,log,cache,spool,run,state}
icinga_check() { # CONF: icinga2 daemon -C over CONF, everything in $ic
  icinga2 daemon -C -c "$1" -DConfigDir="$ic" -DDataDir="$ic/data" -DLogDir="$ic/log" \
    -DCacheDir="$ic/cache" -DSpoolDir="$ic/spool" -DInitRunDir="$ic/run" -DStateDir="$ic/state" \
    -DRunAsUser="$(id -un)" -DRunAsGroup="$(id -gn)" >"$ic/check.log" 2>&1
}
service() { # the host and service using the CheckCommand in FILE
  cat <<CONF
include <itl>
include "$1"
object Host "dns-primary" { address = "127.0.0.1"; check_command = "dummy" }
object Service "kms-srv" {
  host_name = "dns-primary"
  check_command = "kmsdns"
  vars.kmsdns_configs = [ "/etc/kmsdns/kms1.conf", "/etc/kmsdns/kms2.conf" ]
  vars.kmsdns_domains = [ "branch.example.test" ]
  vars.kmsdns_servers = [ "192.0.2.53", "192.0.2.54:5353" ]
  vars.kmsdns_warning = "10"
  vars.kmsdns_critical = "@30:"
  vars.kmsdns_time_limit = 40
  vars.kmsdns_probe = "tcp"
}
CONF
}

check "contrib/icinga2/kmsdns.conf: icinga2 daemon -C accepts it with a service using it"
service "$SRC/contrib/icinga2/kmsdns.conf" >"$ic/icinga2.conf"
icinga_check "$ic/icinga2.conf" || fail "icinga2 daemon -C: $(tail -n 5 "$ic/check.log")"
grep -q 'Instantiated 1 Service' "$ic/check.log" || fail "no service: $(cat "$ic/check.log")"
grep -q 'Finished validating' "$ic/check.log" || fail "not validated: $(cat "$ic/check.log")"
ok "$(grep -o 'Instantiated [0-9]* CheckCommands' "$ic/check.log"), validated"

check "the check is real: a broken copy fails it"
sed 's/repeat_key = true/repeat_key = maybe/' "$SRC/contrib/icinga2/kmsdns.conf" >"$WORK/broken.conf"
service "$WORK/broken.conf" >"$ic/icinga2.conf"
icinga_check "$ic/icinga2.conf" && fail "a broken CheckCommand passed: $(tail -n 3 "$ic/check.log")"
ok "rejected: $(grep -m1 'critical/' "$ic/check.log" | cut -c1-120)"

check "contrib/nagios/kmsdns.cfg: the command runs kmsdns-verify --format nagios"
grep -Eq '^ *command_line +/usr/bin/kmsdns-verify --format nagios ' "$SRC/contrib/nagios/kmsdns.cfg" ||
  fail "no command_line"
ok "command_line present"
