/* SPDX-License-Identifier: MIT */
/* Fuzz target: BIND key files (tokenizer, key statement, base64 secret). */
#include "kmsdns/log.h"
#include "kmsdns/tsigkey.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kmsdns_tsig_key *key = NULL;
    struct kmsdns_diag diag;
    if (kmsdns_tsig_key_parse((const char *)data, size, "fuzz", &key, &diag) == KMSDNS_OK)
        kmsdns_tsig_key_free(key);
    kmsdns_log_close(); /* the log keeps 16 secrets; a full list would refuse every key */
    return 0;
}
