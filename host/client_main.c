/* SPDX-License-Identifier: MIT */
/* kmsdns-client: ask a KMS host core for activation or its status (host protocol v1). */
#include "client.h"

#include "kmsdns/cli.h"

int main(int argc, char **argv)
{
    struct client_params params;
    int rc = client_params_parse(argc, argv, &params);
    if (rc < 0)
        rc = client_params_defaults(&params);
    if (rc < 0)
        rc = client_exec(&params);
    return kmsdns_cli_finish(CLIENT_PROG, rc, CLIENT_EXIT_UNREACHABLE);
}
