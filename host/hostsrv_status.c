/* SPDX-License-Identifier: MIT */
/*
 * The STATUS v1 answer, slmgr /dli's content as one line of key=value
 * tokens: the count and capacity, the thresholds, the settings, and per
 * domain the last publication result and, where the records were
 * refreshed (AD aging), when that last happened. Values never contain spaces.
 */
#include "hostsrv_int.h"

#include "engine.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void kmsdns_hostsrv_set_refreshed(kmsdns_hostsrv *s, const char *domain, uint64_t t)
{
    for (size_t i = 0; i < s->ndomains; i++)
        if (strcmp(s->domains[i].name, domain) == 0)
            s->domains[i].refreshed = t;
}

char *kmsdns__hostsrv_status(const kmsdns_hostsrv *s, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (f == NULL)
        return NULL;
    const struct kmsdns_config *c = s->cfg;
    uint64_t now = (uint64_t)time(NULL);
    fprintf(f,
            "OK count=%u capacity=%u key-group=%s port=%u publish=%d threshold-server=%u "
            "threshold-client=%u activation-interval=%u renewal-interval=%u low-priority=%d "
            "connections=%u sources=%zu max-connections=%u requests=%" PRIu64 " uptime=%" PRIu64,
            kmsdns_engine_count(s->engine), kmsdns_engine_capacity(s->engine),
            kmsdns_key_group_name(c->host.key_group), c->host.port, c->host.publish ? 1 : 0,
            kmsdns_threshold(KMSDNS_FAMILY_SERVER), kmsdns_threshold(KMSDNS_FAMILY_CLIENT),
            c->host.activation_interval, c->host.renewal_interval, c->host.low_priority ? 1 : 0,
            s->nconns, s->src.n, s->max_conns, s->requests, now - s->started);
    for (size_t i = 0; i < s->ndomains; i++)
        fprintf(f, " domain.%s=%s@%" PRIu64, s->domains[i].name, s->domains[i].result,
                s->domains[i].t);
    for (size_t i = 0; i < s->ndomains; i++)
        if (s->domains[i].refreshed != 0)
            fprintf(f, " refreshed.%s=%" PRIu64, s->domains[i].name, s->domains[i].refreshed);
    fputc('\n', f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}
