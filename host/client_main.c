/* SPDX-License-Identifier: MIT */
/* kmsdns-client: KMS client discovery and fleet rehearsal. Not built yet: see the open issues. */
#include "kmsdns/cli.h"

int main(int argc, char **argv)
{
    return kmsdns_cli_not_yet(argc, argv, "kmsdns-client",
                              "KMS client discovery and fleet rehearsal", 2);
}
