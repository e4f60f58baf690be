/* SPDX-License-Identifier: MIT */
/*
 * The editions of host protocol v1 (the guide's tables 1 and 2), shared by
 * the host core, which counts them, and kmsdns-client, which asks for them.
 */
#include "kmsdns/edition.h"

#include <string.h>

/* The guide's tables 1 and 2, as SPEC.md lists them. */
static const struct kmsdns_edition editions[] = {
    {"vista-business", KMSDNS_FAMILY_CLIENT, KMSDNS_GROUP_CLIENT_VL},
    {"vista-enterprise", KMSDNS_FAMILY_CLIENT, KMSDNS_GROUP_CLIENT_VL},
    {"win7-professional", KMSDNS_FAMILY_CLIENT, KMSDNS_GROUP_CLIENT_VL},
    {"win7-professional-n", KMSDNS_FAMILY_CLIENT, KMSDNS_GROUP_CLIENT_VL},
    {"win7-enterprise", KMSDNS_FAMILY_CLIENT, KMSDNS_GROUP_CLIENT_VL},
    {"win7-enterprise-n", KMSDNS_FAMILY_CLIENT, KMSDNS_GROUP_CLIENT_VL},
    {"ws2008-web", KMSDNS_FAMILY_SERVER, KMSDNS_GROUP_SERVER_A},
    {"ws2008-compute-cluster", KMSDNS_FAMILY_SERVER, KMSDNS_GROUP_SERVER_A},
    {"ws2008r2-web", KMSDNS_FAMILY_SERVER, KMSDNS_GROUP_SERVER_A},
    {"ws2008r2-hpc", KMSDNS_FAMILY_SERVER, KMSDNS_GROUP_SERVER_A},
    {"hpc-server-2008", KMSDNS_FAMILY_SERVER, KMSDNS_GROUP_SERVER_A},
    {"hpc-server-2008r2", KMSDNS_FAMILY_SERVER, KMSDNS_GROUP_SERVER_A},
    {"ws2008-standard", KMSDNS_FAMILY_SERVER, KMSDNS_GROUP_SERVER_B},
    {"ws2008-enterprise", KMSDNS_FAMILY_SERVER, KMSDNS_GROUP_SERVER_B},
    {"ws2008-standard-nohyperv", KMSDNS_FAMILY_SERVER, KMSDNS_GROUP_SERVER_B},
    {"ws2008-enterprise-nohyperv", KMSDNS_FAMILY_SERVER, KMSDNS_GROUP_SERVER_B},
    {"ws2008r2-standard", KMSDNS_FAMILY_SERVER, KMSDNS_GROUP_SERVER_B},
    {"ws2008r2-enterprise", KMSDNS_FAMILY_SERVER, KMSDNS_GROUP_SERVER_B},
    {"ws2008-datacenter", KMSDNS_FAMILY_SERVER, KMSDNS_GROUP_SERVER_C},
    {"ws2008-datacenter-nohyperv", KMSDNS_FAMILY_SERVER, KMSDNS_GROUP_SERVER_C},
    {"ws2008-itanium", KMSDNS_FAMILY_SERVER, KMSDNS_GROUP_SERVER_C},
    {"ws2008r2-datacenter", KMSDNS_FAMILY_SERVER, KMSDNS_GROUP_SERVER_C},
    {"ws2008r2-itanium", KMSDNS_FAMILY_SERVER, KMSDNS_GROUP_SERVER_C},
};

const struct kmsdns_edition *kmsdns_edition_find(const char *id)
{
    for (size_t i = 0; i < sizeof editions / sizeof editions[0]; i++)
        if (strcmp(editions[i].id, id) == 0)
            return &editions[i];
    return NULL;
}

const struct kmsdns_edition *kmsdns_editions(size_t *n)
{
    *n = sizeof editions / sizeof editions[0];
    return editions;
}

unsigned kmsdns_threshold(enum kmsdns_family f)
{
    return f == KMSDNS_FAMILY_CLIENT ? 25u : 5u;
}
