/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: kmsdns-client's state file parser (host/client_state.c). The
 * file is the user's own, but root's runs read it too and a damaged one must
 * yield nothing that is not well-formed: every CMID found is a canonical
 * UUID the protocol codec accepts, every cached host a valid name with a
 * port in 1..65535.
 */
#include "client_state.h"

#include "kmsdns/hostproto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct client_state st;
    client_state_parse((const char *)data, size, &st);
    char line[KMSDNS_HP_LINE_MAX + 1];
    if (st.cmid[0] != '\0' && kmsdns_hostproto_request(line, sizeof line, st.cmid, "x", "x") == 0)
        abort();
    if (st.host[0] != '\0') {
        char norm[KMSDNS_NAME_BUF];
        const char *why = NULL;
        if (st.port == 0 || kmsdns_name_normalize(st.host, KMSDNS_NAME_HOST, norm, &why) != 0 ||
            strcmp(norm, st.host) != 0)
            abort();
    }
    return 0;
}
