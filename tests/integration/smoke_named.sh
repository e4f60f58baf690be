#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Smoke test of the lab's BIND named: every zone answers SOA, authoritatively.
# Usage: smoke_named.sh LAB_DIR
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" lab "${1:-}"
# shellcheck source=soa_check.sh
. "$(dirname "$0")/soa_check.sh"

soa_check named "$LAB_NAMED_PORT" dig
