/* SPDX-License-Identifier: MIT */
/*
 * The DCE/RPC v5 bind for the KMS activation interface
 * (51c82175-844e-4750-b0d8-ec255555bc06 v1.0, NDR transfer syntax), both
 * sides: kmsdns-verify's probe builds the bind and reads the answer;
 * kmsdns-hostd answers a client's bind as a Windows KMS host does. Nothing
 * beyond the bind. Pure: bytes in, bytes out.
 */
#ifndef KMSDNS_RPCBIND_H
#define KMSDNS_RPCBIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The common header of every connection-oriented PDU (frag_length at 8). */
#define KMSDNS_RPC_HDR_LEN 16
/* max_xmit_frag and max_recv_frag our bind offers; a longer answer is one
 * the server was not allowed to send. */
#define KMSDNS_RPC_MAX_FRAG 5840

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

/* kmsdns_rpc_bind_parse() with the reason in why[cap] ("bind_nak (reason 2:
 * local limit exceeded)", what is malformed); on success why says what was
 * accepted or rejected. */
int kmsdns_rpc_bind_read(const uint8_t *buf, size_t len, uint32_t call_id, bool *acked, char *why,
                         size_t cap);

/* The fragment length of the PDU whose KMSDNS_RPC_HDR_LEN header is hdr, or
 * 0 when it is not DCE/RPC v5. */
size_t kmsdns_rpc_frag_len(const uint8_t *hdr);

#endif
