#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Smoke test of the lab's Knot DNS: every zone answers SOA, authoritatively.
# Usage: smoke_knot.sh LAB_DIR
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" lab "${1:-}"
# shellcheck source=soa_check.sh
. "$(dirname "$0")/soa_check.sh"

soa_check knotd "$LAB_KNOT_PORT" kdig
