#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kmsdns-verify --probe against hosts on loopback: an SRV record in the lab
# points at ns1.example.test (127.0.0.1) on a port where rpclistener answers
# binds (ack), closes without answering (close), or nothing listens. tcp
# probes connect; rpc probes also need the bind_ack. Only 127.0.0.1 is probed.
# Usage: verify_probe.sh LAB_DIR PATH_TO_kmsdns-verify PATH_TO_rpclistener
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh" lab "${1:-}"
VER=${2:?path to kmsdns-verify}
LISTENER=${3:?path to rpclistener}
OWNER=_vlmcs._tcp.sales.example.test
ACK=$(free_port)
start_bg "$ACK" tcp "$LISTENER" "$ACK" ack
CLOSE=$(free_port)
start_bg "$CLOSE" tcp "$LISTENER" "$CLOSE" close
DEAD=$(free_port)
point_to() { # PORT: the SRV record names 127.0.0.1 (ns1.example.test) on PORT
  nsu "$LAB_NAMED_PORT" -k "$LAB_TSIG_KEY" <<NSU
update delete $OWNER SRV
update add $OWNER 3600 SRV 0 0 $1 ns1.example.test.
NSU
  expect_ok "SRV now points to 127.0.0.1:$1"
}
cleanup() { nsu "$LAB_NAMED_PORT" -k "$LAB_TSIG_KEY" <<<"update delete $OWNER SRV" || true; }
at_exit cleanup
probe() { # PROBE RC WHAT: kmsdns-verify --probe PROBE exits RC (OUT: its JSON)
  run_cmd "$VER" --domain sales.example.test --server "127.0.0.1:$LAB_NAMED_PORT" --probe "$1" \
    --timeout 1000 --format json
  expect_rc "$2" "$3"
}
problem() { jq -r '[.domains[0].problems[] | .code + ": " + .message] | join("; ")' <<<"$OUT"; }

check "tcp: a listening port is fine, a closed one is probe-failed"
point_to "$ACK"
probe tcp 0 "listening port"
ok "127.0.0.1:$ACK accepts: ok, exit 0"
point_to "$DEAD"
probe tcp 2 "closed port"
grep -q "^probe-failed: ns1.example.test (127.0.0.1:$DEAD): connection refused" <<<"$(problem)" ||
  fail "message: $(problem)"
ok "$(problem)"

check "rpc: the bind must be acknowledged"
point_to "$ACK"
probe rpc 0 "bind_ack"
ok "a listener that answers bind_ack: ok"
point_to "$CLOSE"
probe tcp 0 "the close listener accepts TCP"
probe rpc 2 "close"
grep -q "RPC bind: closed without answering the bind" <<<"$(problem)" || fail "message: $(problem)"
ok "tcp passes, rpc fails: $(problem)"
