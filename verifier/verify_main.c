/* SPDX-License-Identifier: MIT */
/* kmsdns-verify: audit KMS SRV records across DNS servers. Not built yet: see the open issues. */
#include "kmsdns/cli.h"

int main(int argc, char **argv)
{
    return kmsdns_cli_not_yet(argc, argv, "kmsdns-verify",
                              "audit KMS SRV records across DNS servers", 3);
}
