/* SPDX-License-Identifier: MIT */
/* Fuzz target: the config loader on arbitrary bytes. */
#include "kmsdns/config.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kmsdns_config cfg;
    struct kmsdns_diag diag;
    if (kmsdns_config_load_buffer(&cfg, "/nonexistent-fuzz/k.conf", data, size, &diag) == KMSDNS_OK)
        kmsdns_config_deinit(&cfg);
    return 0;
}
