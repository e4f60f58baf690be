/* SPDX-License-Identifier: MIT */
/* kmsdns-hostd: the embedded KMS host core daemon. Not built yet: see the open issues. */
#include "kmsdns/cli.h"

int main(int argc, char **argv)
{
    return kmsdns_cli_not_yet(argc, argv, "kmsdns-hostd", "the embedded KMS host core daemon", 2);
}
