/* SPDX-License-Identifier: MIT */
/* kmsdns-publish: publish _vlmcs._tcp SRV records with signed DNS updates. Not built yet: see the
 * open issues. */
#include "kmsdns/cli.h"

int main(int argc, char **argv)
{
    return kmsdns_cli_not_yet(argc, argv, "kmsdns-publish",
                              "publish _vlmcs._tcp SRV records with signed DNS updates", 2);
}
