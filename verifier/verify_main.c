/* SPDX-License-Identifier: MIT */
/* kmsdns-verify: audit the KMS SRV records across every DNS server that serves them. */
#include "verify.h"

#include "kmsdns/cli.h"

int main(int argc, char **argv)
{
    kmsdns_cli_protect_secrets(); /* it will hold a TSIG key or Kerberos keys */
    static struct verify_params params;
    int rc = verify_params_parse(argc, argv, &params);
    if (rc < 0)
        rc = verify_exec(&params);
    return kmsdns_cli_finish(VERIFY_PROG, rc, VERIFY_EXIT_UNKNOWN);
}
