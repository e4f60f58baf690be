/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: kmsdns-verify's --domains-from reader (verifier/verify_list.c)
 * over a whole file, through the same getline loop the program uses. Every
 * domain it yields must be a normalised name, and no refusal may quote a
 * line that a key file could have held.
 */
#include "verify_list.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *f = fmemopen((void *)data, size, "r");
    if (f == NULL)
        return 0;
    struct verify_list l;
    verify_list_init(&l, f, "fuzz");
    char out[KMSDNS_NAME_BUF], why[1024];
    int r;
    while ((r = verify_list_next(&l, out, why, sizeof why)) == 1) {
        char norm[KMSDNS_NAME_BUF];
        const char *reason = NULL;
        if (kmsdns_name_normalize(out, KMSDNS_NAME_HOST, norm, &reason) != 0 ||
            strcmp(norm, out) != 0)
            abort();
    }
    if (r < 0 && strncmp(why, "fuzz:", 5) != 0)
        abort(); /* every refusal names FILE:LINE */
    verify_list_deinit(&l);
    fclose(f);
    return 0;
}
