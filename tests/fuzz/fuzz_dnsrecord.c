/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the decoders of what an AD DC returns over LDAP
 * (verifier/dnsrecord.c). The first byte picks the decoder (even: a
 * dnsRecord value, odd: a zone's dNSProperty value), the rest is the value.
 * A decoded SRV target must be a name in normal form (or "."); a refused
 * property must leave the zone's settings as they were.
 */
#include "dnsrecord.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t *v = data + 1;
    size_t len = size - 1;
    const char *why = NULL;
    if ((data[0] & 1) == 0) {
        struct kmsdns_dnsrecord r;
        if (kmsdns_dnsrecord_decode(v, len, &r, &why) != 0) {
            if (why == NULL)
                abort();
            return 0;
        }
        if (r.type == KMSDNS_DNSRECORD_SRV) {
            char norm[KMSDNS_NAME_BUF];
            const char *reason = NULL;
            size_t n = strlen(r.target);
            if (n == 0 || n > 253)
                abort();
            if (strcmp(r.target, ".") != 0 &&
                (kmsdns_name_normalize(r.target, KMSDNS_NAME_ALLOW_UNDERSCORE, norm, &reason) !=
                     0 ||
                 strcmp(norm, r.target) != 0))
                abort();
        }
        char iso[24];
        kmsdns_iso8601(kmsdns_dnsrecord_unix(r.timestamp), iso);
        return 0;
    }
    struct kmsdns_zone_aging z, before;
    kmsdns_zone_aging_init(&z);
    before = z;
    if (kmsdns_dnsprop_apply(v, len, &z, &why) != 0 &&
        (why == NULL || memcmp(&z, &before, sizeof z) != 0))
        abort();
    return 0;
}
