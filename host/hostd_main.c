/* SPDX-License-Identifier: MIT */
/* kmsdns-hostd: the embedded KMS host core daemon (host protocol v1 on TCP 1688). */
#include "hostd.h"

#include "kmsdns/cli.h"

int main(int argc, char **argv)
{
    kmsdns_cli_protect_secrets(); /* it will hold a TSIG key or Kerberos keys */
    struct hostd_params params;
    int rc = hostd_params_parse(argc, argv, &params);
    if (rc < 0)
        rc = hostd_exec(&params);
    return kmsdns_cli_finish(HOSTD_PROG, rc, HOSTD_EXIT_FAIL);
}
