/* SPDX-License-Identifier: MIT */
/*
 * The listen sockets of kmsdns-hostd: every [host] listen address on [host]
 * port, non-blocking, SO_REUSEADDR so a restart does not wait for TIME_WAIT,
 * and IPV6_V6ONLY on IPv6 sockets so `::` and `0.0.0.0` can both be bound.
 * An address that cannot be bound is skipped with a warning; none at all is
 * an error naming every address and why.
 */
#include "hostsrv_int.h"

#include "kmsdns/addr.h"
#include "kmsdns/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* A listening socket on a, or -1 with errno set. */
static int listen_on(const struct kmsdns_addr *a)
{
    int fd = socket(kmsdns_addr_family(a), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        (kmsdns_addr_family(a) == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
        bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0 || listen(fd, SOMAXCONN) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

static void set_port(struct kmsdns_addr *a, uint16_t port)
{
    if (a->ss.ss_family == AF_INET)
        ((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
    else
        ((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}

int kmsdns__hostsrv_bind(kmsdns_hostsrv *s, struct kmsdns_diag *d)
{
    const struct kmsdns_addr_list *l = &s->cfg->host.listen;
    char failed[KMSDNS_DIAG_MAX] = "";
    s->listeners = calloc(l->n > 0 ? l->n : 1, sizeof *s->listeners);
    if (s->listeners == NULL)
        return kmsdns_diag_set(d, KMSDNS_NOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < l->n; i++) {
        struct kmsdns_addr a = l->v[i];
        char text[KMSDNS_ADDR_TEXT_MAX];
        set_port(&a, s->cfg->host.port);
        kmsdns_addr_format(&a, text);
        int fd = listen_on(&a);
        struct epoll_event ev = {.events = EPOLLIN};
        struct hs_listener *hl = &s->listeners[s->nlisteners];
        ev.data.ptr = hl;
        if (fd >= 0 && epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            close(fd);
            fd = -1;
        }
        if (fd < 0) {
            size_t used = strlen(failed);
            snprintf(failed + used, sizeof failed - used, "%s%s (%s)", used > 0 ? ", " : "", text,
                     strerror(errno));
            kmsdns_log(KMSDNS_LOG_WARNING, "cannot listen on %s: %s; skipped", text,
                       strerror(errno));
            continue;
        }
        hl->kind = HS_LISTENER;
        hl->fd = fd;
        s->nlisteners++;
        kmsdns_log(KMSDNS_LOG_NOTICE, "listening on %s", text);
    }
    if (s->nlisteners == 0)
        return kmsdns_diag_set(d, KMSDNS_SYSTEM, s->cfg->path, 0,
                               "could not listen on any [host] listen address: %s", failed);
    return KMSDNS_OK;
}
