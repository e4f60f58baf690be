/* SPDX-License-Identifier: MIT */
/* Fuzz target: answers to the probe's DCE/RPC bind (bind_ack, bind_nak, anything else). */
#include "kmsdns/error.h"
#include "kmsdns/rpcbind.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool acked;
    /* the call_id is taken from the input where there is one, so that the
     * fuzzer reaches past the header check */
    uint32_t call_id = size >= 16 ? (uint32_t)data[12] | (uint32_t)data[13] << 8 |
                                        (uint32_t)data[14] << 16 | (uint32_t)data[15] << 24
                                  : 1;
    int rc = kmsdns_rpc_bind_parse(data, size, call_id, &acked);
    if (rc != KMSDNS_OK && rc != KMSDNS_MALFORMED)
        __builtin_trap();
    /* an acceptance needs at least header, fragment sizes and group, an
     * empty secondary address padded, the result count and one result */
    if (rc == KMSDNS_OK && acked && size < 16 + 8 + 4 + 4 + 24)
        __builtin_trap();
    return 0;
}
