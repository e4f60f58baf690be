/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the host side of the DCE/RPC bind, kmsdns_rpc_bind_answer(),
 * on whatever a client of kmsdns-hostd sends first (fuzz_rpcbind covers the
 * probe's reading of the answer). The input is answered for three ports (the
 * secondary address is the port in decimal, so its length varies); every
 * answer must be a single-fragment bind_ack or bind_nak to the request's
 * call_id and read back through the probe's parser as well-formed; a
 * bind_ack carries one result per context offered and is taken as an
 * acceptance exactly when its first result accepts. The bind the probe
 * itself builds must always be accepted.
 */
#include "kmsdns/error.h"
#include "kmsdns/rpcbind.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void answer(const uint8_t *req, size_t len, unsigned short port)
{
    static uint8_t out[KMSDNS_RPC_ANSWER_MAX];
    size_t n = kmsdns_rpc_bind_answer(req, len, port, out, sizeof out);
    if (n == 0)
        return;
    /* answered: the request was a bind with its context list complete */
    if (len < 28 || req[2] != 11 || n > sizeof out || n < 24)
        __builtin_trap();
    if (out[0] != 5 || out[1] != 0 || (out[2] != 12 && out[2] != 13) || out[3] != 3 ||
        (size_t)(out[8] | out[9] << 8) != n || le32(out + 12) != le32(req + 12))
        __builtin_trap();
    bool acked;
    if (kmsdns_rpc_bind_parse(out, n, le32(req + 12), &acked) != KMSDNS_OK)
        __builtin_trap();
    if (out[2] == 13) {
        if (acked || n != 24)
            __builtin_trap();
        return;
    }
    /* a bind_ack: one result per context offered, after the padded secondary address */
    size_t o = (26 + (size_t)(out[24] | out[25] << 8) + 3) & ~(size_t)3;
    if (out[o] == 0 || out[o] != req[24] || o + 4 + (size_t)req[24] * 24 != n)
        __builtin_trap();
    if (acked != (out[o + 4] == 0 && out[o + 5] == 0))
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned short ports[] = {1688, 0, 65535};
    for (size_t i = 0; i < 3; i++)
        answer(data, size, ports[i]);

    /* the probe's own bind, with the input's first bytes as call_id */
    uint8_t bind[128], out[KMSDNS_RPC_ANSWER_MAX];
    uint32_t call_id = size >= 4 ? le32(data) : 1;
    size_t len = kmsdns_rpc_bind_build(bind, sizeof bind, call_id);
    bool acked = false;
    size_t n = kmsdns_rpc_bind_answer(bind, len, 1688, out, sizeof out);
    if (n == 0 || kmsdns_rpc_bind_parse(out, n, call_id, &acked) != KMSDNS_OK || !acked)
        __builtin_trap();
    return 0;
}
