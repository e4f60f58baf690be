/* SPDX-License-Identifier: MIT */
/* Fuzz target: publish lists, plain and .reg (UTF-8, UTF-16LE, REGEDIT4). */
#include "kmsdns/publist.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kmsdns_publist *pl = kmsdns_publist_new();
    struct kmsdns_diag diag;
    if (pl == NULL)
        return 0;
    (void)kmsdns_publist_load_buffer(pl, data, size, "fuzz", &diag);
    kmsdns_publist_free(pl);
    return 0;
}
