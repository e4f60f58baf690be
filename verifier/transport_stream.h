/* SPDX-License-Identifier: MIT */
/*
 * The streaming transports the audit engine runs over (kmsdns/transport.h):
 * c-ares, one channel per server (transport_ares.c), and any batch
 * transport driven a round at a time (transport_rounds.c), which is how the
 * unit tests feed the engine recorded answers. Not part of the library's
 * contract.
 */
#ifndef KMSDNS_TRANSPORT_STREAM_H
#define KMSDNS_TRANSPORT_STREAM_H

#include "kmsdns/transport.h"

/*
 * c-ares: a channel per server address, made on its first exchange, with
 * ARES_FLAG_NOCHECKRESP (REFUSED and SERVFAIL are answers) and STAYOPEN; a
 * try's timeout is opts->timeout_ms, doubled by c-ares per round of tries,
 * opts->retries + 1 tries; TCP on truncation. detail is c-ares's own text
 * ("Timeout while contacting DNS servers"); x->tries counts the timeouts,
 * plus one for the try that ended the exchange otherwise. x->tcp is not
 * honoured: queries start over UDP and move to TCP only on truncation.
 */
extern const struct kmsdns_transport_stream kmsdns__transport_ares;

/*
 * The streaming interface over a batch transport t (which must outlive the
 * stream): each wait() runs everything submitted since the last one as one
 * batch through t->run, then calls the done callbacks in submission order;
 * what they submit waits for the next round.
 */
void kmsdns__stream_over_batch(const struct kmsdns_transport *t,
                               struct kmsdns_transport_stream *out);

#endif
