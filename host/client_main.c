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
    struct client_setup setup;
    if (rc < 0 && (rc = client_setup_init(&params, &setup)) < 0) {
        rc = params.fleet > 0 ? client_fleet(&params, &setup) : client_exec(&params, &setup);
        client_setup_deinit(&setup);
    }
    return kmsdns_cli_finish(CLIENT_PROG, rc, CLIENT_EXIT_UNREACHABLE);
}
