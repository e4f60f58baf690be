/* SPDX-License-Identifier: MIT */
/* IP endpoint parsing and printing; one place that knows the bracket rules. */
#include "kmsdns/addr.h"
#include "kmsdns/error.h"
#include "kmsdns/number.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char **why, const char *text)
{
    if (why != NULL)
        *why = text;
    return KMSDNS_ADDRESS;
}

static bool parse_port(const char *s, uint16_t *port)
{
    uint64_t v = 0;
    if (kmsdns_parse_uint(s, 1, 65535, &v) != KMSDNS_OK)
        return false;
    *port = (uint16_t)v;
    return true;
}

static int fill(const char *ip, uint16_t port, struct kmsdns_addr *out, const char **why)
{
    memset(out, 0, sizeof *out);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&out->ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->ss;
    if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        out->len = sizeof *v4;
        return KMSDNS_OK;
    }
    if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        out->len = sizeof *v6;
        return KMSDNS_OK;
    }
    return fail(why, "not an IPv4 or IPv6 address (host names are not accepted here)");
}

int kmsdns_addr_parse(const char *text, uint16_t default_port, unsigned flags,
                      struct kmsdns_addr *out, const char **why)
{
    char ip[INET6_ADDRSTRLEN + 1];
    uint16_t port = default_port;
    const char *port_text = NULL;
    size_t iplen;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (close == NULL)
            return fail(why, "'[' without ']'");
        iplen = (size_t)(close - text - 1);
        if (close[1] == ':')
            port_text = close + 2;
        else if (close[1] != '\0')
            return fail(why, "unexpected text after ']'");
        text++;
    } else {
        const char *colon = strchr(text, ':');
        bool single_colon = colon != NULL && strchr(colon + 1, ':') == NULL;
        iplen = single_colon ? (size_t)(colon - text) : strlen(text);
        if (single_colon)
            port_text = colon + 1;
    }
    if (iplen == 0 || iplen >= sizeof ip)
        return fail(why, "missing or over-long address");
    memcpy(ip, text, iplen);
    ip[iplen] = '\0';
    if (port_text != NULL) {
        if (!(flags & KMSDNS_ADDR_PORT_ALLOWED))
            return fail(why, "a port is not allowed here");
        if (!parse_port(port_text, &port))
            return fail(why, "port is not a number from 1 to 65535");
    }
    return fill(ip, port, out, why);
}

static void ip_text(const struct kmsdns_addr *a, char *buf, socklen_t size)
{
    const void *src = a->ss.ss_family == AF_INET
                          ? (const void *)&((const struct sockaddr_in *)&a->ss)->sin_addr
                          : (const void *)&((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
    if (inet_ntop(a->ss.ss_family, src, buf, size) == NULL)
        snprintf(buf, size, "?");
}

const char *kmsdns_addr_ip(const struct kmsdns_addr *a, char *buf)
{
    ip_text(a, buf, KMSDNS_ADDR_TEXT_MAX);
    return buf;
}

uint16_t kmsdns_addr_port(const struct kmsdns_addr *a)
{
    if (a->ss.ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
    return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
}

int kmsdns_addr_family(const struct kmsdns_addr *a)
{
    return a->ss.ss_family;
}

const char *kmsdns_addr_format(const struct kmsdns_addr *a, char *buf)
{
    char ip[INET6_ADDRSTRLEN];
    ip_text(a, ip, sizeof ip);
    if (a->ss.ss_family == AF_INET6)
        snprintf(buf, KMSDNS_ADDR_TEXT_MAX, "[%s]:%u", ip, kmsdns_addr_port(a));
    else
        snprintf(buf, KMSDNS_ADDR_TEXT_MAX, "%s:%u", ip, kmsdns_addr_port(a));
    return buf;
}

bool kmsdns_addr_is_loopback(const struct kmsdns_addr *a)
{
    if (a->ss.ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)&a->ss;
        return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    }
    const struct in6_addr *v6 = &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(v6))
        return true;
    return IN6_IS_ADDR_V4MAPPED(v6) && v6->s6_addr[12] == 127;
}
