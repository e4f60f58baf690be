#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The HTML report in a real browser: headless Chromium renders a report of
# fixtures with known problems; the rendered DOM must hold the domain x server
# matrix with each cell's status class, the problems with their fixes, and the
# header's scope. A screenshot is kept as a test artifact.
# Usage: verify_browser.sh LAB_DIR PATH_TO_kmsdns-verify ARTIFACT_DIR
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" lab "${1:-}"
VER=${2:?path to kmsdns-verify}
ART=${3:?artifact directory}
DATA=$TEST_DATA/verify
command -v chromium >/dev/null || fail "chromium is needed (scripts/deps --browser)"
mkdir -p "$ART"
html=$WORK/report.html
set +e
"$VER" -c "$DATA/healthy-kms1.conf" -c "$DATA/healthy-kms2.conf" -c "$DATA/wrongport.conf" \
  -c "$DATA/stale.conf" --domain "v6.verify.test" \
  --server "127.0.0.1:$LAB_NAMED_PORT" --server "127.0.0.1:$LAB_KNOT_PORT" --format html --output "$html"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "kmsdns-verify exit $rc"
# The flags keep Chromium off the network: only the local file is loaded.
chrome() {
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$WORK/chrome" "$@" 2>>"$WORK/chrome.log"
}
check "the rendered DOM"
dom=$(chrome --dump-dom "file://$html") || fail "chromium failed: $(tail -n 5 "$WORK/chrome.log")"
named="127.0.0.1:$LAB_NAMED_PORT" knot="127.0.0.1:$LAB_KNOT_PORT"
cell() { # DOMAIN SERVER CLASS
  grep -q "<tr data-domain=\"$1\">.*<td class=\"$3\" data-server=\"$2\">$3</td>" <<<"$dom" ||
    fail "no $3 cell for $1 at $2 in the rendered DOM"
}
cell healthy.verify.test "$named" ok
cell healthy.verify.test "$knot" ok
cell wrongport.verify.test "$named" critical
cell stale.verify.test "$knot" warning
cell v6.verify.test "$named" ok
cell v6.verify.test "$knot" critical
grep -q '<span id="status" class="critical">critical</span>' <<<"$dom" || fail "header status"
grep -Eq '<p id="scope">4 domains, 2 servers, [0-9]+ queries' <<<"$dom" || fail "header scope"
grep -q 'srv-mismatch</code>.*Fix: publish again' <<<"$dom" || fail "problem with its fix"
ok "matrix cells with their status classes, problems with fixes, scope in the header"
check "a screenshot for the record"
chrome --screenshot="$ART/verify-report.png" --window-size=1100,700 "file://$html" >/dev/null ||
  fail "no screenshot: $(tail -n 5 "$WORK/chrome.log")"
[ -s "$ART/verify-report.png" ] || fail "empty screenshot"
ok "kept as $ART/verify-report.png"
