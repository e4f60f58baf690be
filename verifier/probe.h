/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-verify's liveness probes of KMS hosts: a TCP connect to the SRV port, and
 * optionally a DCE/RPC v5 bind for the KMS activation interface
 * (51c82175-844e-4750-b0d8-ec255555bc06 v1.0, NDR transfer syntax) that must
 * be answered with a bind_ack — which real Windows KMS hosts and kmsdns-hostd
 * both do. Nothing beyond the bind is ever sent.
 */
#ifndef KMSDNS_VERIFY_PROBE_H
#define KMSDNS_VERIFY_PROBE_H

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

#endif
