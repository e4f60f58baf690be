/* SPDX-License-Identifier: MIT */
/* The version string, set by the build. */
#include "kmsdns/version.h"

const char *kmsdns_version(void)
{
    return "kmsdns " KMSDNS_VERSION;
}
