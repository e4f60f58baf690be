#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-publish against a real AD DC (Samba, tests/lab/ad, in its own network
# namespace) with GSS-TSIG: the DC signs its answers the AD way (request MAC
# without its length prefix) and kmsdns must succeed and name that variant
# where nsupdate -g exits 2; a second run refreshes (AD DNS, refresh = auto:
# one UPDATE), and is a no-op with refresh = no; a second host is denied
# with SERVFAIL and told it is the record's ACL; gss.microsoft.com works;
# withdraw works. Judged by what the DC serves (dig).
# Usage: publish_ad.sh AD_DIR PATH_TO_kmsdns-publish
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" ad "${1:-}"
[ $# -eq 2 ] || { echo "usage: $0 AD_DIR PATH_TO_kmsdns-publish" >&2; exit 2; }
PUB=$2
PROG=$PUB # run ARGS...: kmsdns-publish ARGS (harness.sh)
served() { ad_served; }
conf() { ad_kms_conf "$1" "${PORT_KMS:-1688}" "${2:-}"; } # N [extra [dns] line]
ad_start_clean
conf 1 >"$WORK/kms1.conf"
conf 2 >"$WORK/kms2.conf"

check "kms1 publishes with GSS-TSIG; the DC's answer verifies under the AD variant, which is named"
run -c "$WORK/kms1.conf" --format json
expect 0 '"proof": "tsig-variant"' "publish"
output | grep -q "signed its answer the Active Directory way" || fail "variant not named: $(show)"
[ "$(served)" = "0 100 1688 kms1.$AD_ZONE." ] || fail "served: $(served)"

check "a second run refreshes (AD DNS under refresh = auto); with refresh = no it is a no-op"
run -c "$WORK/kms1.conf" --format json
expect 0 '"action": "refreshed"' "second run"
output | grep -q '"updates_sent": 1' || fail "not one update: $(show)"
conf 1 "refresh = no" >"$WORK/kms1-no.conf"
run -c "$WORK/kms1-no.conf" --format json
expect 0 '"updates_sent": 0' "second run, refresh = no"
[ "$(served)" = "0 100 1688 kms1.$AD_ZONE." ] || fail "served: $(served)"

check "kms2 is denied (the creator owns the name) and told it is the record's ACL"
run -c "$WORK/kms2.conf"
expect 1 "answered SERVFAIL.*probably the record's ACL.*Full Control on _vlmcs._tcp" "second host"
[ "$(served)" = "0 100 1688 kms1.$AD_ZONE." ] || fail "served: $(served)"

check "gss-algorithm = gss.microsoft.com"
PORT_KMS=1690 conf 1 "gss-algorithm = gss.microsoft.com" >"$WORK/ms.conf"
run -c "$WORK/ms.conf" --format json
expect 0 '"action": "replaced"' "gss.microsoft.com"
[ "$(served)" = "0 100 1690 kms1.$AD_ZONE." ] || fail "served: $(served)"

check "withdraw"
run -c "$WORK/kms1.conf" --withdraw
expect 0 "1 removed" "withdraw"
[ -z "$(served)" ] || fail "still served: $(served)"
