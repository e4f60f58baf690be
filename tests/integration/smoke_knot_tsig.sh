#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Smoke test of TSIG updates at knotd: kmsdns-tsig may change anything in every
# zone; limited-tsig only the SRV RRset _vlmcs._tcp.corp.example.test (Knot
# ACL update-type/update-owner). Knot denies an update with NOTAUTH and TSIG
# error BADKEY, not REFUSED. Also checks the zone file is written back and that
# knot.log gets one ACL line per UPDATE received.
# Usage: smoke_knot_tsig.sh LAB_DIR
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" lab "${1:-}"
# shellcheck source=tsig_check.sh
. "$(dirname "$0")/tsig_check.sh"

tsig_check knotd "$LAB_KNOT_PORT" 'NOTAUTH\(BADKEY\)'
