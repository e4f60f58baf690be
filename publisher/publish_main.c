/* SPDX-License-Identifier: MIT */
/* kmsdns-publish: publish this KMS host's SRV records into every listed domain. */
#include "publish.h"

#include "kmsdns/cli.h"

int main(int argc, char **argv)
{
    kmsdns_cli_protect_secrets(); /* it will hold a TSIG key or Kerberos keys */
    struct publish_params params;
    int rc = publish_params_parse(argc, argv, &params);
    if (rc < 0)
        rc = publish_exec(&params);
    return kmsdns_cli_finish(PUBLISH_PROG, rc, PUBLISH_EXIT_UNREACHABLE);
}
