/* SPDX-License-Identifier: MIT */
/*
 * IP endpoints as users write them: `ADDR`, `ADDR:PORT`, `[ADDR]:PORT`, or a
 * bare IPv6 address; and the one way kmsdns prints them ("ADDR:PORT",
 * "[ADDR]:PORT" for IPv6) in text and JSON.
 */
#ifndef KMSDNS_ADDR_H
#define KMSDNS_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* Room for "[v6-address]:65535" and its NUL. */
#define KMSDNS_ADDR_TEXT_MAX 64

struct kmsdns_addr {
    struct sockaddr_storage ss; /* AF_INET or AF_INET6, port set */
    socklen_t len;
};

enum kmsdns_addr_flags {
    KMSDNS_ADDR_PORT_ALLOWED = 1, /* ADDR:PORT and [ADDR]:PORT accepted */
};

/*
 * Parses an IP literal with an optional port (default_port when none; a
 * port is refused unless KMSDNS_ADDR_PORT_ALLOWED). Host names are refused.
 * Returns KMSDNS_OK or KMSDNS_ADDRESS with *why (static text).
 */
int kmsdns_addr_parse(const char *text, uint16_t default_port, unsigned flags,
                      struct kmsdns_addr *out, const char **why);

/* "ADDR:PORT" or "[ADDR]:PORT" into buf[KMSDNS_ADDR_TEXT_MAX]; returns buf. */
const char *kmsdns_addr_format(const struct kmsdns_addr *a, char *buf);

/* The address alone, without port or brackets, into buf[KMSDNS_ADDR_TEXT_MAX]. */
const char *kmsdns_addr_ip(const struct kmsdns_addr *a, char *buf);

uint16_t kmsdns_addr_port(const struct kmsdns_addr *a);
int kmsdns_addr_family(const struct kmsdns_addr *a);

/* True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
bool kmsdns_addr_is_loopback(const struct kmsdns_addr *a);

#endif
