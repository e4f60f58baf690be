/* SPDX-License-Identifier: MIT */
/*
 * Liveness probes of KMS hosts: a TCP connect to the SRV port, and
 * optionally a DCE/RPC v5 bind for the KMS activation interface
 * (51c82175-844e-4750-b0d8-ec255555bc06 v1.0, NDR transfer syntax) that must
 * be answered with a bind_ack — which real Windows KMS hosts and kmsdns-hostd
 * both do. Nothing beyond the bind is ever sent.
 */
#ifndef KMSDNS_PROBE_H
#define KMSDNS_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmsdns/addr.h"

enum kmsdns_probe_kind { KMSDNS_PROBE_TCP, KMSDNS_PROBE_RPC };

struct kmsdns_probe {
    struct kmsdns_addr addr; /* in: the host's address with the SRV port */
    int rc;                  /* out: KMSDNS_OK, KMSDNS_UNREACHABLE (refused), KMSDNS_TIMEOUT,
                                KMSDNS_REFUSED (bind_nak, interface rejected), KMSDNS_MALFORMED
                                (not DCE/RPC, or closed without an answer), ... */
    char why[128];           /* out: for a failure, what happened ("connection refused",
                                "bind_nak (reason 2: local limit exceeded)", "closed without
                                answering the bind"); empty on success */
    unsigned ms;             /* out: time to the answer (or to the failure) */
};

/* Runs n probes at once (non-blocking sockets, one poll loop), each given
 * timeout_ms in all; every probe's rc, why and ms are set. Returns KMSDNS_OK
 * unless the batch could not run: KMSDNS_INVAL, KMSDNS_NOMEM, or
 * KMSDNS_SYSTEM when poll() fails (the unfinished probes then say so). */
int kmsdns_probe_run(struct kmsdns_probe *v, size_t n, enum kmsdns_probe_kind kind,
                     unsigned timeout_ms);

/* Writes a bind PDU (ptype 11) for the KMS interface v1.0 offering NDR
 * 8a885d04-1ceb-11c9-9fe8-08002b104860 v2, little-endian data representation,
 * with call_id, into buf[cap]; returns its length (0 when cap is too small). */
size_t kmsdns_rpc_bind_build(uint8_t *buf, size_t cap, uint32_t call_id);

/*
 * Reads an answer to that bind: KMSDNS_OK with *acked true for a bind_ack
 * (ptype 12) echoing call_id and accepting the presentation context
 * (result 0), *acked false for a bind_nak (ptype 13) or a rejected context;
 * KMSDNS_MALFORMED for anything else (wrong version, short, wrong call_id).
 */
int kmsdns_rpc_bind_parse(const uint8_t *buf, size_t len, uint32_t call_id, bool *acked);

/* Room an answer from kmsdns_rpc_bind_answer can need (255 contexts). */
#define KMSDNS_RPC_ANSWER_MAX (36 + 4 + 255 * 24)

/*
 * The host side (kmsdns-hostd): answers the bind PDU req[0..len) of a
 * client of the host on port: a bind_ack with one result per context, in
 * order, the first KMS interface v1.0 context offering NDR accepted and
 * every other one rejected; a bind with no such context (another interface
 * or version, no NDR, no context at all) gets a bind_nak. Writes to
 * out[cap], cap >= KMSDNS_RPC_ANSWER_MAX, and returns the answer's length;
 * 0 when req is not a well-formed little-endian bind (close without answering).
 */
size_t kmsdns_rpc_bind_answer(const uint8_t *req, size_t len, unsigned short port, uint8_t *out,
                              size_t cap);

#endif
