#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-verify --ldap against a real AD DC (Samba, tests/lab/ad): kms1
# publishes its SRV record with GSS-TSIG (a dynamic record); its aging
# timestamp is then set back on the DC's sam.ldb (Samba's Python bindings:
# setting it back is equivalent to waiting) to 13.5 days (record-aging
# warning, eligible in 12-13 h: the date checked), 15 days (critical) and 0
# (record-static); the JSON's "timestamp" and "eligible_for_scavenging_at"
# are checked each time. A principal the keytab has no key for makes
# ldap-error (unknown) while the DNS checks still report the records, as
# does another host's keytab.
# VERIFY_LDAP_DUMP=DIR keeps the DC's raw dnsRecord/dNSProperty values there
# (the fuzz corpus's real blobs).
# Usage: verify_ldap.sh AD_DIR PATH_TO_kmsdns-verify PATH_TO_kmsdns-publish
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" ad "${1:-}"
[ $# -eq 3 ] || { echo "usage: $0 AD_DIR PATH_TO_kmsdns-verify PATH_TO_kmsdns-publish" >&2; exit 2; }
VERIFY=$2
PUB=$3
PROG=$VERIFY
SRV_DN="DC=_vlmcs._tcp,DC=$AD_ZONE,CN=MicrosoftDNS,DC=DomainDnsZones"
ZONE_DN="DC=$AD_ZONE,CN=MicrosoftDNS,DC=DomainDnsZones"
served() { ad_served; }

# samdb MODE DN ARG: on the DC's sam.ldb (DN relative to the domain DN).
# set DN HOURS_AGO|static: the SRV records' dwTimeStamp; prints the stamp.
# dump DN DIR: each value of dnsRecord or dNSProperty into DIR.
samdb() {
  /usr/bin/python3 - "$AD_SMB_CONF" "$@" <<'PYEOF'
import os, sys, time
import ldb
from samba.auth import system_session
from samba.dcerpc import dnsp
from samba.ndr import ndr_pack, ndr_unpack
from samba.param import LoadParm
from samba.samdb import SamDB
conf, mode, rel, arg = sys.argv[1:5]
lp = LoadParm()
lp.load(conf)
db = SamDB(url=lp.private_path("sam.ldb"), session_info=system_session(), lp=lp)
dn = "%s,%s" % (rel, db.get_default_basedn())
attr = "dNSProperty" if rel.startswith("DC=" + os.environ["AD_ZONE"]) else "dnsRecord"
res = db.search(base=dn, scope=ldb.SCOPE_BASE, attrs=[attr])
vals = [bytes(v) for v in res[0][attr]]
if mode == "dump":
    for i, v in enumerate(vals):
        with open(os.path.join(arg, "%s-%d" % (attr, i)), "wb") as f:
            f.write(v)
    sys.exit(0)
now_h = int(time.time()) // 3600 + 11644473600 // 3600
stamp = 0 if arg == "static" else now_h - int(arg)
recs = [ndr_unpack(dnsp.DnssrvRpcRecord, v) for v in vals]
for r in recs:
    if r.wType == dnsp.DNS_TYPE_SRV:
        r.dwTimeStamp = stamp
m = ldb.Message()
m.dn = ldb.Dn(db, dn)
m[attr] = ldb.MessageElement([ndr_pack(r) for r in recs], ldb.FLAG_MOD_REPLACE, attr)
db.modify(m)
print(stamp)
PYEOF
}
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; } # Unix seconds
stamp_unix() { echo $((($1 - 3234576) * 3600)); } # hours since 1601 -> Unix seconds

conf() { # PRINCIPAL
  printf '[host]\nfqdn = kms1.%s\nport = 1688\n[dns]\nserver = %s\nauth = gss-tsig\n' "$AD_ZONE" "$AD_DC_IP"
  printf 'keytab = %s\nprincipal = %s\n[publish]\ndomain = %s,0,100\n' "$AD_KMS1_KEYTAB" "$1" "$AD_ZONE"
}
conf "host/kms1.$AD_ZONE" >"$WORK/kms1.conf"
conf "host/nobody.$AD_ZONE" >"$WORK/wrong.conf"
verify() { run -c "$1" --server "$AD_DC_IP" --ldap --format json "${@:2}"; }
jrec() { jq -r ".domains[0].servers[0].records[0].$1" <<<"$OUT"; }
jproblem() { jq -r "[.domains[0].servers[0].problems[] | select(.code == \"$1\")][0].$2" <<<"$OUT"; }

ad_start_clean
# The DC's LDAP service comes up a moment after its DNS and KDC (what the fixture waits for).
for _ in $(seq 1 60); do timeout 1 bash -c ": </dev/tcp/$AD_DC_IP/389" 2>/dev/null && break; sleep 0.5; done
# A real DC registers ldap/<its name> (samba_spnupdate, Windows at promotion);
# the fixture turns that job off, so the SPN a SASL GSSAPI bind asks for is
# added here, and removed again at exit.
DC_SPN=ldap/$AD_NS
spn() { samba-tool spn "$1" "$DC_SPN" "${AD_NS%%.*}\$" -H "$AD_DIR/samba/private/sam.ldb" -s "$AD_SMB_CONF" >/dev/null 2>&1; }
if ! samba-tool spn list "${AD_NS%%.*}\$" -H "$AD_DIR/samba/private/sam.ldb" -s "$AD_SMB_CONF" 2>/dev/null | grep -qix "[[:space:]]*$DC_SPN"; then
  spn add || fail "samba-tool spn add $DC_SPN failed"
  at_exit "spn delete || true"
fi

check "kms1 publishes its SRV record with GSS-TSIG (a dynamic record)"
run_cmd "$PUB" -c "$WORK/kms1.conf"
expect_rc 0 "publish"
[ "$(served)" = "0 100 1688 kms1.$AD_ZONE." ] || fail "served: $(served)"
ok "served: $(served)"

check "a fresh record: no aging problem; its timestamp is about now"
verify "$WORK/kms1.conf"
expect_rc 0 "fresh"
ts=$(jrec timestamp)
[ "$ts" != null ] || fail "no timestamp: $(show)"
age=$(($(date +%s) - $(date -u -d "$ts" +%s)))
[ "$age" -ge 0 ] && [ "$age" -le 7200 ] || fail "timestamp $ts is $age s old"
el=$(jrec eligible_for_scavenging_at)
expect_eq "eligible 14 days after the timestamp" "$(($(date -u -d "$el" +%s) - $(date -u -d "$ts" +%s)))" $((336 * 3600))
if [ -n "${VERIFY_LDAP_DUMP:-}" ]; then
  mkdir -p "$VERIFY_LDAP_DUMP"
  samdb dump "$SRV_DN" "$VERIFY_LDAP_DUMP"
  samdb dump "$ZONE_DN" "$VERIFY_LDAP_DUMP"
  info "raw values kept in $VERIFY_LDAP_DUMP"
fi

check "without --ldap: no timestamps"
run -c "$WORK/kms1.conf" --server "$AD_DC_IP" --format json
expect_rc 0 "no --ldap"
[ "$(jq -r '.domains[0].servers[0].records[0] | has("timestamp")' <<<"$OUT")" = false ] || fail "timestamp without --ldap: $(show)"
ok "records without timestamp keys"

check "13.5 days old: record-aging warning, eligible in about 12 h"
stamp=$(samdb set "$SRV_DN" 324)
want_ts=$(iso "$(stamp_unix "$stamp")")
want_el=$(iso $(($(stamp_unix "$stamp") + 336 * 3600)))
verify "$WORK/kms1.conf"
expect_rc 1 "13.5 days"
expect_eq "severity" "$(jproblem record-aging severity)" warning
jproblem record-aging message | grep -Fq "timestamp $want_ts, becomes eligible for scavenging at $want_el" ||
  fail "message lacks the dates $want_ts / $want_el: $(jproblem record-aging message)"
ok "message: $(jproblem record-aging message)"
expect_eq "JSON timestamp" "$(jrec timestamp)" "$want_ts"
expect_eq "JSON eligible_for_scavenging_at" "$(jrec eligible_for_scavenging_at)" "$want_el"
run -c "$WORK/kms1.conf" --server "$AD_DC_IP" --ldap --format nagios
expect 1 "^KMSDNS WARNING" "nagios"
run -c "$WORK/kms1.conf" --server "$AD_DC_IP" --ldap --format prometheus
expect 1 'kmsdns_verify_problems\{code="record-aging",severity="warning"\} 1' "prometheus"

check "15 days old: record-aging critical"
stamp=$(samdb set "$SRV_DN" 360)
verify "$WORK/kms1.conf"
expect_rc 2 "15 days"
expect_eq "severity" "$(jproblem record-aging severity)" critical
jproblem record-aging message | grep -Fq "eligible for scavenging since $(iso $(($(stamp_unix "$stamp") + 336 * 3600)))" ||
  fail "message: $(jproblem record-aging message)"
expect_eq "JSON timestamp" "$(jrec timestamp)" "$(iso "$(stamp_unix "$stamp")")"
run -c "$WORK/kms1.conf" --server "$AD_DC_IP" --ldap
expect 2 "record-aging: _vlmcs._tcp.$AD_ZONE SRV 0 100 1688 kms1.$AD_ZONE: timestamp" "text"

check "timestamp 0: record-static warning, null dates"
samdb set "$SRV_DN" static >/dev/null
verify "$WORK/kms1.conf"
expect_rc 1 "static"
expect_eq "codes" "$(jq -r '[.domains[0].servers[0].problems[].code] | join(" ")' <<<"$OUT")" record-static
expect_eq "severity" "$(jproblem record-static severity)" warning
expect_eq "JSON timestamp" "$(jrec timestamp)" null
expect_eq "JSON eligible_for_scavenging_at" "$(jrec eligible_for_scavenging_at)" null

check "a principal the keytab holds no key for: ldap-error (unknown), the DNS checks still report"
verify "$WORK/wrong.conf"
expect_rc 3 "wrong principal"
expect_eq "severity" "$(jproblem ldap-error severity)" unknown
jproblem ldap-error message | grep -q "nobody" || fail "message does not name the principal: $(jproblem ldap-error message)"
ok "message: $(jproblem ldap-error message)"
expect_eq "records still reported" "$(jrec target)" "kms1.$AD_ZONE"
expect_eq "no timestamp" "$(jq -r '.domains[0].servers[0].records[0] | has("timestamp")' <<<"$OUT")" false

check "another host's keytab: ldap-error"
sed "s|^keytab = .*|keytab = $AD_KMS2_KEYTAB|" "$WORK/kms1.conf" >"$WORK/kt2.conf"
verify "$WORK/kt2.conf"
expect_rc 3 "another host's keytab"
expect_eq "code" "$(jq -r '[.domains[0].servers[0].problems[].code] | join(" ")' <<<"$OUT")" ldap-error
