#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Smoke test of TSIG updates at named: kmsdns-tsig may change anything in every
# zone; limited-tsig only the SRV RRset _vlmcs._tcp.corp.example.test. Also
# checks that named.log gets one line per UPDATE received.
# Usage: smoke_named_tsig.sh LAB_DIR
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" lab "${1:-}"
# shellcheck source=tsig_check.sh
. "$(dirname "$0")/tsig_check.sh"

tsig_check named "$LAB_NAMED_PORT" REFUSED
