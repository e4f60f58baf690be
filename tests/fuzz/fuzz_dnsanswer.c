/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the parsers of DNS answers we act on: TKEY answers, TSIG
 * verification (the RR walk, names with compression, the RDATA fields) and
 * record extraction through ldns.
 */
#include "kmsdns/dnsmsg.h"
#include "kmsdns/tkey.h"
#include "kmsdns/tsig.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int never_mac(void *ctx, const uint8_t *d, size_t len, uint8_t *out, size_t *outlen)
{
    (void)ctx, (void)d, (void)len;
    memset(out, 0, 32);
    *outlen = 32;
    return KMSDNS_OK;
}

static int check_zero(void *ctx, const uint8_t *d, size_t len, const uint8_t *mac, size_t maclen)
{
    (void)ctx, (void)d, (void)len, (void)mac;
    return maclen == 32 ? KMSDNS_OK : KMSDNS_BADSIG;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kmsdns_tkey_answer a;
    (void)kmsdns_tkey_parse(data, size, &a);
    struct kmsdns_tsig_signer s = {
        .key_name = "k.test", .alg_name = "hmac-sha256", .mac = never_mac, .check = check_zero};
    struct kmsdns_tsig_request req = {.mac_len = 32};
    struct kmsdns_tsig_check chk;
    (void)kmsdns_tsig_verify(&s, &req, data, size, 1000, &chk);
    ldns_pkt *pkt = NULL;
    if (kmsdns_msg_parse(data, size, &pkt) == KMSDNS_OK) {
        struct kmsdns_rrdata *v = NULL;
        size_t n = 0;
        (void)kmsdns_msg_records(pkt, LDNS_SECTION_ANSWER, "_vlmcs._tcp.corp.test",
                                 LDNS_RR_TYPE_SRV, &v, &n);
        free(v);
        ldns_pkt_free(pkt);
    }
    return 0;
}
