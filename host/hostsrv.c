/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-hostd's event loop. One pass: wait on epoll, accept and read what
 * is ready, record every complete REQUEST in the engine (which gives each
 * its count), commit the whole pass's requests in one store transaction,
 * and only then write the answers. Fast clients thus share one fsync (the
 * group commit), and no answer ever reports a state a crash could lose.
 *
 * Every open connection sits in one list ordered by deadline: 5 s from the
 * connect to read the line, 5 s from the answer's first write to take it.
 * Deadlines are always "now + 5 s" when set, so appending keeps the list
 * sorted and its head is the next to expire. Each connection also belongs
 * to its client address (a "source"), which keeps its own connections in
 * the same order; at the connection cap the address holding the most gives
 * up its oldest, so one address flooding the cap cannot lock out another.
 * Connections closed during a pass are freed after it, since a later event
 * of the same pass may still point at them. Error lines that would repeat
 * every pass (a full disk fails every commit) are written once per 10 s.
 */
#define _GNU_SOURCE /* accept4 */
#include "hostsrv_int.h"

#include "kmsdns/addr.h"
#include "kmsdns/clock.h"
#include "kmsdns/log.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define ACCEPTS_PER_EVENT 64
#define PRUNE_EVERY_S 3600u
#define FD_RESERVE 32 /* descriptors kept for the store, the log and the listeners */
#define SOURCE_BUCKETS_MIN 64u
#define ERRLINE_EVERY_MS 10000u /* one line per kind of error per 10 s */

enum hs_state { READING, RPC, QUEUED, WRITING, DRAINING, CLOSED };

struct hs_conn {
    enum hs_kind kind;
    enum hs_state state;
    int fd;
    bool loopback, linked;
    enum kmsdns_hp_verb verb; /* of a queued line */
    uint64_t deadline;        /* monotonic ms */
    struct hs_source *src;    /* its client address, held while c is open */
    struct hs_conn *prev, *next, *qnext;
    struct hs_conn *sprev, *snext; /* src's connections on the deadline list */
    char *out;                     /* the answer: small or malloc'd */
    size_t outlen, outoff;
    char peer[KMSDNS_ADDR_TEXT_MAX];
    struct kmsdns_hostproto_reader rd; /* the line, or the DCE/RPC PDU */
    char small[160];
};

/* The library's monotonic clock, under the name this loop has always used. */
static uint64_t mono_ms(void)
{
    return kmsdns_now_ms();
}

/* ---- sources: the connections of each client address --------------------------- */

/*
 * A client address with connections open. IPv4 is kept as ::ffff:a.b.c.d,
 * so a host reaching us over IPv4 and as an IPv4-mapped IPv6 address is one
 * source. Sources live in a hash table (chains; the table doubles when it
 * holds as many sources as buckets) and, by how many connections each has
 * open, in one FIFO ring per count, so the address holding the most is
 * found in O(1) at the cap. A source is allocated with its first connection
 * and freed with its last.
 */
struct hs_source {
    uint8_t addr[16];
    unsigned n;                      /* connections open, queued ones included */
    struct hs_source *hnext;         /* hash chain */
    struct hs_source *cprev, *cnext; /* ring of the sources with the same n */
    struct hs_conn *head, *tail;     /* its connections on the deadline list, oldest first */
};

static void source_key(const struct sockaddr_storage *ss, uint8_t out[16])
{
    if (ss->ss_family == AF_INET6) {
        memcpy(out, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
        return;
    }
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memcpy(out, mapped, sizeof mapped);
    memcpy(out + 12, &((const struct sockaddr_in *)ss)->sin_addr, 4);
}

/* splitmix64's finalizer: every input bit reaches every output bit. */
static uint64_t mix64(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Keyed with a per-process secret: clients choose their IPv6 addresses freely. */
static size_t source_bucket(const kmsdns_hostsrv *s, const uint8_t a[16], size_t nbuckets)
{
    uint64_t hi, lo;
    memcpy(&hi, a, 8);
    memcpy(&lo, a + 8, 8);
    return (size_t)(mix64(mix64(hi ^ s->src.key[0]) ^ lo ^ s->src.key[1]) & (nbuckets - 1));
}

static struct hs_source *source_find(const kmsdns_hostsrv *s, const uint8_t a[16])
{
    if (s->src.nbuckets == 0)
        return NULL;
    struct hs_source *x = s->src.bucket[source_bucket(s, a, s->src.nbuckets)];
    while (x != NULL && memcmp(x->addr, a, 16) != 0)
        x = x->hnext;
    return x;
}

/* Doubles the hash table (first use: SOURCE_BUCKETS_MIN); false when out of memory. */
static bool source_rehash(kmsdns_hostsrv *s)
{
    size_t n = s->src.nbuckets > 0 ? 2 * s->src.nbuckets : SOURCE_BUCKETS_MIN;
    struct hs_source **b = calloc(n, sizeof *b);
    if (b == NULL)
        return false;
    for (size_t i = 0; i < s->src.nbuckets; i++) {
        while (s->src.bucket[i] != NULL) {
            struct hs_source *x = s->src.bucket[i];
            s->src.bucket[i] = x->hnext;
            size_t k = source_bucket(s, x->addr, n);
            x->hnext = b[k];
            b[k] = x;
        }
    }
    free(s->src.bucket);
    s->src.bucket = b;
    s->src.nbuckets = n;
    return true;
}

/* Takes x out of the ring for its count x->n (n > 0). */
static void count_unlink(kmsdns_hostsrv *s, struct hs_source *x)
{
    struct hs_source **ring = &s->src.bycount[x->n];
    if (x->cnext == x) {
        *ring = NULL;
    } else {
        x->cprev->cnext = x->cnext;
        x->cnext->cprev = x->cprev;
        if (*ring == x)
            *ring = x->cnext;
    }
    x->cprev = x->cnext = NULL;
}

/* Puts x last in the ring for its count x->n (n > 0; bycount long enough). */
static void count_append(kmsdns_hostsrv *s, struct hs_source *x)
{
    struct hs_source **ring = &s->src.bycount[x->n];
    if (*ring == NULL) {
        x->cprev = x->cnext = x;
        *ring = x;
    } else {
        x->cnext = *ring;
        x->cprev = (*ring)->cprev;
        x->cprev->cnext = x;
        (*ring)->cprev = x;
    }
    if (x->n > s->src.most)
        s->src.most = x->n;
}

/* Makes bycount[n] exist; false when out of memory. */
static bool count_room(kmsdns_hostsrv *s, unsigned n)
{
    if (n < s->src.nbycount)
        return true;
    unsigned len = s->src.nbycount > 0 ? s->src.nbycount : 16u;
    while (len <= n)
        len *= 2;
    struct hs_source **v = realloc(s->src.bycount, len * sizeof *v);
    if (v == NULL)
        return false;
    memset(v + s->src.nbycount, 0, (len - s->src.nbycount) * sizeof *v);
    s->src.bycount = v;
    s->src.nbycount = len;
    return true;
}

/* A new source for address a, hashed, with no connection counted yet; NULL when out of memory. */
static struct hs_source *source_new(kmsdns_hostsrv *s, const uint8_t a[16])
{
    /* a table that cannot grow still works, with longer chains */
    if (s->src.n >= s->src.nbuckets && !source_rehash(s) && s->src.nbuckets == 0)
        return NULL;
    struct hs_source *x = calloc(1, sizeof *x);
    if (x == NULL)
        return NULL;
    memcpy(x->addr, a, 16);
    size_t k = source_bucket(s, a, s->src.nbuckets);
    x->hnext = s->src.bucket[k];
    s->src.bucket[k] = x;
    s->src.n++;
    return x;
}

/* Counts one more connection from address a; NULL when out of memory. Matched by source_release().
 */
static struct hs_source *source_hold(kmsdns_hostsrv *s, const uint8_t a[16])
{
    struct hs_source *x = source_find(s, a);
    if (!count_room(s, x != NULL ? x->n + 1 : 1))
        return NULL;
    if (x == NULL && (x = source_new(s, a)) == NULL)
        return NULL;
    if (x->n > 0)
        count_unlink(s, x);
    x->n++;
    count_append(s, x);
    return x;
}

/* One connection of x is gone; x is freed with its last. */
static void source_release(kmsdns_hostsrv *s, struct hs_source *x)
{
    count_unlink(s, x);
    if (--x->n > 0)
        count_append(s, x);
    while (s->src.most > 0 && s->src.bycount[s->src.most] == NULL)
        s->src.most--; /* one step at most: only x moved, by one */
    if (x->n > 0)
        return;
    struct hs_source **p = &s->src.bucket[source_bucket(s, x->addr, s->src.nbuckets)];
    while (*p != x)
        p = &(*p)->hnext;
    *p = x->hnext;
    s->src.n--;
    free(x);
}

/* Per-process secret of the source hash. */
static void source_init(kmsdns_hostsrv *s)
{
    if (getrandom(s->src.key, sizeof s->src.key, GRND_NONBLOCK) == (ssize_t)sizeof s->src.key)
        return;
    /* no entropy yet (early boot): weaker, but the table still works */
    s->src.key[0] = mix64((uint64_t)time(NULL) ^ (uint64_t)getpid() << 32);
    s->src.key[1] = mix64(s->src.key[0] ^ (uint64_t)(uintptr_t)s);
}

/* ---- the deadline list ------------------------------------------------------ */

/* Takes c off the deadline list and off its source's list. */
static void unlink_conn(kmsdns_hostsrv *s, struct hs_conn *c)
{
    if (!c->linked)
        return;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->head = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    else
        s->tail = c->prev;
    if (c->sprev != NULL)
        c->sprev->snext = c->snext;
    else
        c->src->head = c->snext;
    if (c->snext != NULL)
        c->snext->sprev = c->sprev;
    else
        c->src->tail = c->sprev;
    c->prev = c->next = c->sprev = c->snext = NULL;
    c->linked = false;
}

/*
 * (Re)starts c's 5 s deadline and puts it at the tail of both lists: every
 * deadline is "now + 5 s", so the source's list stays in deadline order too.
 */
static void arm(kmsdns_hostsrv *s, struct hs_conn *c)
{
    unlink_conn(s, c);
    c->deadline = mono_ms() + KMSDNS_HOSTSRV_READ_TIMEOUT_MS;
    c->prev = s->tail;
    if (s->tail != NULL)
        s->tail->next = c;
    else
        s->head = c;
    s->tail = c;
    c->sprev = c->src->tail;
    if (c->src->tail != NULL)
        c->src->tail->snext = c;
    else
        c->src->head = c;
    c->src->tail = c;
    c->linked = true;
}

static void close_conn(kmsdns_hostsrv *s, struct hs_conn *c)
{
    if (c->state == CLOSED)
        return;
    unlink_conn(s, c);
    source_release(s, c->src);
    c->src = NULL;
    close(c->fd);
    c->fd = -1;
    c->state = CLOSED;
    s->nconns--;
    c->qnext = s->dead;
    s->dead = c;
}

static void free_dead(kmsdns_hostsrv *s)
{
    while (s->dead != NULL) {
        struct hs_conn *c = s->dead;
        s->dead = c->qnext;
        if (c->out != c->small)
            free(c->out);
        free(c);
    }
}

/* ---- answering --------------------------------------------------------------- */

static void watch(kmsdns_hostsrv *s, struct hs_conn *c, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev) != 0)
        close_conn(s, c);
}

/*
 * The answer is out: half-close, and close at once unless the peer sent
 * bytes we did not read (closing over unread bytes resets the connection,
 * which can destroy our answer before the peer reads it). Those are
 * drained until the peer closes or the deadline.
 */
static void finish(kmsdns_hostsrv *s, struct hs_conn *c)
{
    int pending = 0;
    shutdown(c->fd, SHUT_WR);
    if (ioctl(c->fd, FIONREAD, &pending) != 0 || pending == 0) {
        close_conn(s, c);
        return;
    }
    c->state = DRAINING;
    arm(s, c);
    watch(s, c, EPOLLIN);
}

static void flush(kmsdns_hostsrv *s, struct hs_conn *c)
{
    while (c->outoff < c->outlen) {
        ssize_t w = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (c->state != WRITING) {
                c->state = WRITING;
                arm(s, c);
                watch(s, c, EPOLLOUT);
            }
            return;
        }
        if (w < 0) {
            close_conn(s, c);
            return;
        }
        c->outoff += (size_t)w;
    }
    finish(s, c);
}

/* Sends buf[0..len), which c keeps (buf is c->small or malloc'd). */
static void send_owned(kmsdns_hostsrv *s, struct hs_conn *c, char *buf, size_t len)
{
    if (c->out != NULL && c->out != c->small && c->out != buf)
        free(c->out);
    c->out = buf;
    c->outlen = len;
    c->outoff = 0;
    flush(s, c);
}

static void send_copy(kmsdns_hostsrv *s, struct hs_conn *c, const void *data, size_t len)
{
    char *buf = len <= sizeof c->small ? c->small : malloc(len);
    if (buf == NULL) {
        close_conn(s, c);
        return;
    }
    memcpy(buf, data, len);
    send_owned(s, c, buf, len);
}

static void send_err(kmsdns_hostsrv *s, struct hs_conn *c, const char *code, const char *msg)
{
    size_t n = kmsdns_hostproto_err(c->small, sizeof c->small, code, msg);
    if (n == 0) {
        close_conn(s, c);
        return;
    }
    send_owned(s, c, c->small, n);
}

/* ---- recording a request ------------------------------------------------------ */

static void take_snapshot(kmsdns_hostsrv *s)
{
    if (s->snap.taken)
        return;
    const struct kmsdns_entry *v = kmsdns_engine_entries(s->engine, &s->snap.n);
    memcpy(s->snap.v, v, s->snap.n * sizeof *v);
    s->snap.capacity = kmsdns_engine_capacity(s->engine);
    s->snap.next_seq = kmsdns_engine_next_seq(s->engine);
    s->snap.taken = true;
}

static struct kmsdns_log_row *new_row(kmsdns_hostsrv *s)
{
    if (s->nrows == s->caprows) {
        size_t cap = s->caprows > 0 ? 2 * s->caprows : 64;
        void *v = realloc(s->rows, cap * sizeof *s->rows);
        if (v == NULL)
            return NULL;
        s->rows = v;
        s->caprows = cap;
    }
    struct kmsdns_log_row *r = &s->rows[s->nrows++];
    memset(r, 0, sizeof *r);
    return r;
}

static void enqueue(kmsdns_hostsrv *s, struct hs_conn *c, enum kmsdns_hp_verb verb)
{
    unlink_conn(s, c);
    c->state = QUEUED;
    c->verb = verb;
    c->qnext = NULL;
    if (s->qtail != NULL)
        s->qtail->qnext = c;
    else
        s->queue = c;
    s->qtail = c;
}

/* The answer line for the engine's verdict on req, into c->small; the log row's result. */
static const char *verdict(struct hs_conn *c, const struct kmsdns_hostproto_req *req, int rc,
                           const struct kmsdns_answer *a)
{
    char msg[96];
    if (rc == KMSDNS_NOTFOUND) {
        snprintf(msg, sizeof msg, "edition '%s' is not in the protocol v1 table", req->edition);
        c->outlen = kmsdns_hostproto_err(c->small, sizeof c->small, "unknown-edition", msg);
        return "unknown-edition";
    }
    if (rc == KMSDNS_RANGE) {
        snprintf(msg, sizeof msg, "edition '%s' needs key group %s or above", req->edition,
                 kmsdns_key_group_name(kmsdns_edition_find(req->edition)->group));
        c->outlen = kmsdns_hostproto_err(c->small, sizeof c->small, "edition-not-covered", msg);
        return "edition-not-covered";
    }
    struct kmsdns_hostproto_answer ok = {a->count,    a->threshold, a->activated,
                                         a->validity, a->renewal,   a->retry};
    c->outlen = kmsdns_hostproto_ok(c->small, sizeof c->small, &ok);
    return a->activated ? "activated" : "not-activated";
}

/* Records a REQUEST in the engine and the batch; answered after the commit. */
static void record(kmsdns_hostsrv *s, struct hs_conn *c, const struct kmsdns_hostproto_req *req)
{
    struct kmsdns_log_row *row = new_row(s);
    if (row == NULL) {
        send_err(s, c, "internal", "out of memory");
        return;
    }
    take_snapshot(s);
    struct kmsdns_answer a = {0};
    uint64_t now = (uint64_t)time(NULL);
    int rc = kmsdns_engine_request(s->engine, req->cmid, req->edition, now, &a);
    row->time = now;
    snprintf(row->name, sizeof row->name, "%s", req->name);
    snprintf(row->cmid, sizeof row->cmid, "%s", req->cmid);
    snprintf(row->edition, sizeof row->edition, "%s", req->edition);
    row->count = rc == KMSDNS_OK ? a.count : 0;
    row->result = verdict(c, req, rc, &a);
    kmsdns_log(KMSDNS_LOG_DEBUG, "%s: name=%s cmid=%s edition=%s: %s, count %u", c->peer, req->name,
               req->cmid, req->edition, row->result, row->count);
    c->out = c->small;
    enqueue(s, c, KMSDNS_HP_REQUEST);
}

static void on_line(kmsdns_hostsrv *s, struct hs_conn *c)
{
    struct kmsdns_hostproto_req req;
    if (kmsdns_hostproto_parse(c->rd.buf, c->rd.len, &req) != KMSDNS_OK) {
        kmsdns_log(KMSDNS_LOG_DEBUG, "%s: bad request: %s", c->peer, req.why);
        send_err(s, c, "bad-request", req.why);
    } else if (req.verb == KMSDNS_HP_STATUS && !c->loopback) {
        send_err(s, c, "forbidden", "STATUS is answered on loopback only");
    } else if (req.verb == KMSDNS_HP_STATUS) {
        enqueue(s, c, KMSDNS_HP_STATUS);
    } else {
        record(s, c, &req);
    }
}

/* ---- the batch ----------------------------------------------------------------- */

static void answer_queued(kmsdns_hostsrv *s, struct hs_conn *c, bool saved)
{
    if (c->verb == KMSDNS_HP_STATUS) {
        size_t len = 0;
        char *line = kmsdns__hostsrv_status(s, &len);
        if (line == NULL)
            send_err(s, c, "internal", "out of memory");
        else
            send_owned(s, c, line, len);
    } else if (!saved) {
        send_err(s, c, "internal", "the request could not be saved; try again");
    } else {
        send_owned(s, c, c->small, c->outlen);
    }
}

/* ---- error lines --------------------------------------------------------------- */

/* FNV-1a: the slot key of an error text; never 0, which marks a free slot. */
static uint64_t text_key(const char *t)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *t != '\0'; t++)
        h = (h ^ (unsigned char)*t) * 0x100000001b3ull;
    return h != 0 ? h : 1;
}

/* text's slot: its own, a free one, or the least recently written (its held count is lost). */
static struct hs_errline *errline_slot(kmsdns_hostsrv *s, const char *text)
{
    uint64_t key = text_key(text);
    struct hs_errline *pick = &s->errlines[0];
    for (size_t i = 0; i < HS_ERRLINES; i++) {
        struct hs_errline *e = &s->errlines[i];
        if (e->key == key)
            return e;
        if (pick->key != 0 && (e->key == 0 || e->last_ms < pick->last_ms))
            pick = e;
    }
    *pick = (struct hs_errline){.key = key};
    snprintf(pick->text, sizeof pick->text, "%s", text);
    return pick;
}

/*
 * Logs "text; N request(s) refused as internal", unless a line of the same
 * text went out less than ERRLINE_EVERY_MS ago: then it is held back, and
 * counted in the next line of that text or in the one errlines_flush()
 * writes when the time is up. A full disk fails every pass's commit, and a
 * line per pass buried everything else (2,188 lines in 6 s).
 */
static void error_line(kmsdns_hostsrv *s, const char *text, size_t refused)
{
    uint64_t now = mono_ms();
    struct hs_errline *e = errline_slot(s, text);
    if (e->last_ms != 0 && now - e->last_ms < ERRLINE_EVERY_MS) {
        e->held++;
        e->held_n += refused;
        return;
    }
    if (e->held > 0)
        kmsdns_log(KMSDNS_LOG_ERR,
                   "%s; %zu request(s) refused as internal (%zu more suppressed, %zu request(s))",
                   text, refused, e->held, e->held_n);
    else
        kmsdns_log(KMSDNS_LOG_ERR, "%s; %zu request(s) refused as internal", text, refused);
    e->held = e->held_n = 0;
    e->last_ms = now;
}

/* The lines held back longer than ERRLINE_EVERY_MS, reported; called every pass. */
static void errlines_flush(kmsdns_hostsrv *s, uint64_t now)
{
    for (size_t i = 0; i < HS_ERRLINES; i++) {
        struct hs_errline *e = &s->errlines[i];
        if (e->held == 0 || now - e->last_ms < ERRLINE_EVERY_MS)
            continue;
        kmsdns_log(KMSDNS_LOG_ERR,
                   "%s; still failing: %zu more suppressed in the last %llu s, %zu request(s) "
                   "refused as internal",
                   e->text, e->held, (unsigned long long)((now - e->last_ms) / 1000u), e->held_n);
        e->held = e->held_n = 0;
        e->last_ms = now;
    }
}

/*
 * Once commits succeed again, says so with what the failures cost. At most
 * once per ERRLINE_EVERY_MS too (a disk at the edge of full can fail every
 * other pass): a later call, from the loop's timer, writes it once the time
 * is up and commits still succeed.
 */
static void say_saved_again(kmsdns_hostsrv *s, uint64_t now)
{
    if (!s->outage.due || s->outage.failing ||
        (s->outage.said_ms != 0 && now - s->outage.said_ms < ERRLINE_EVERY_MS))
        return;
    uint64_t ms = now - s->outage.since_ms;
    kmsdns_log(KMSDNS_LOG_NOTICE,
               "%s: requests are saved again, after %zu failed commit(s) in %llu.%llu s; %zu "
               "request(s) refused meanwhile",
               s->cfg->host.database, s->outage.commits, (unsigned long long)(ms / 1000u),
               (unsigned long long)(ms % 1000u / 100u), s->outage.refused);
    for (size_t i = 0; i < HS_ERRLINES; i++)
        s->errlines[i].held = s->errlines[i].held_n = 0; /* counted in this line */
    s->outage.due = false;
    s->outage.commits = s->outage.refused = 0;
    s->outage.said_ms = now;
}

/* When errlines_flush() or say_saved_again() next have something to say; 0: never. */
static uint64_t errlines_due_ms(const kmsdns_hostsrv *s)
{
    uint64_t next = 0;
    for (size_t i = 0; i < HS_ERRLINES; i++) {
        uint64_t t = s->errlines[i].last_ms + ERRLINE_EVERY_MS;
        if (s->errlines[i].held > 0 && (next == 0 || t < next))
            next = t;
    }
    uint64_t t = s->outage.said_ms + ERRLINE_EVERY_MS;
    if (s->outage.due && !s->outage.failing && (next == 0 || t < next))
        next = t;
    return next;
}

static void commit_failed(kmsdns_hostsrv *s, const char *why)
{
    if (s->outage.commits == 0)
        s->outage.since_ms = mono_ms();
    s->outage.failing = true;
    s->outage.commits++;
    s->outage.refused += s->nrows;
    error_line(s, why, s->nrows);
    if (kmsdns_engine_restore(s->engine, s->snap.capacity, s->snap.next_seq, s->snap.v,
                              s->snap.n) != KMSDNS_OK)
        error_line(s, "cannot roll the CMID table back", s->nrows);
}

static void commit_succeeded(kmsdns_hostsrv *s)
{
    for (size_t i = 0; i < s->nrows; i++)
        s->requests += strcmp(s->rows[i].result, "activated") == 0 ||
                       strcmp(s->rows[i].result, "not-activated") == 0;
    if (s->outage.failing) {
        s->outage.failing = false;
        s->outage.due = true;
        say_saved_again(s, mono_ms());
    }
}

/* Makes the pass's requests durable, then answers everything queued. */
static void commit_batch(kmsdns_hostsrv *s)
{
    bool saved = true;
    if (s->nrows > 0) {
        struct kmsdns_diag d;
        kmsdns_diag_init(&d);
        if (kmsdns_store_commit(s->store, s->engine, s->rows, s->nrows, &d) != KMSDNS_OK) {
            commit_failed(s, d.text);
            saved = false;
        } else {
            commit_succeeded(s);
        }
    }
    s->nrows = 0;
    s->snap.taken = false;
    struct hs_conn *q = s->queue;
    s->queue = s->qtail = NULL;
    while (q != NULL) {
        struct hs_conn *c = q;
        q = c->qnext;
        c->qnext = NULL;
        answer_queued(s, c, saved);
    }
}

/* ---- reading ------------------------------------------------------------------- */

/* Takes DCE/RPC bytes; a whole bind PDU (at most 512 bytes) is answered, anything else closed. */
static void rpc_feed(kmsdns_hostsrv *s, struct hs_conn *c, const uint8_t *data, size_t n)
{
    size_t room = sizeof c->rd.buf - c->rd.len;
    memcpy(c->rd.buf + c->rd.len, data, n < room ? n : room);
    c->rd.len += n < room ? n : room;
    if (c->rd.len < 10)
        return;
    const uint8_t *b = (const uint8_t *)c->rd.buf;
    size_t frag = (size_t)b[8] | (size_t)b[9] << 8;
    if (frag < 16 || frag > sizeof c->rd.buf) {
        close_conn(s, c);
        return;
    }
    if (c->rd.len < frag)
        return;
    size_t len = kmsdns_rpc_bind_answer(b, frag, s->cfg->host.port, s->scratch, sizeof s->scratch);
    kmsdns_log(KMSDNS_LOG_DEBUG, "%s: DCE/RPC %s", c->peer,
               len == 0              ? "PDU that is not a bind: closed"
               : s->scratch[2] == 12 ? "bind: bind_ack"
                                     : "bind: bind_nak");
    if (len == 0)
        close_conn(s, c);
    else
        send_copy(s, c, s->scratch, len);
}

static void on_eof(kmsdns_hostsrv *s, struct hs_conn *c)
{
    if (c->state == READING && c->rd.len > 0)
        send_err(s, c, "bad-request", "the connection ended before the line's newline");
    else
        close_conn(s, c);
}

/* Handles one chunk; false when c needs no more input. */
static bool take(kmsdns_hostsrv *s, struct hs_conn *c, const uint8_t *buf, size_t n)
{
    if (c->state == RPC) {
        rpc_feed(s, c, buf, n);
        return c->state == RPC;
    }
    size_t used = 0;
    switch (kmsdns_hostproto_feed(&c->rd, buf, n, &used)) {
    case KMSDNS_HP_MORE:
        return true;
    case KMSDNS_HP_DCERPC:
        c->state = RPC;
        rpc_feed(s, c, buf, n);
        return c->state == RPC;
    case KMSDNS_HP_LINE:
        on_line(s, c);
        return false;
    default: /* KMSDNS_TOOLONG */
        send_err(s, c, "bad-request", "request line longer than 512 bytes");
        return false;
    }
}

static void on_readable(kmsdns_hostsrv *s, struct hs_conn *c)
{
    uint8_t buf[1024];
    while (c->state == READING || c->state == RPC || c->state == DRAINING) {
        ssize_t r = recv(c->fd, buf, sizeof buf, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r <= 0) { /* EOF, or a reset */
            if (r == 0 && c->state != DRAINING)
                on_eof(s, c);
            else
                close_conn(s, c);
            return;
        }
        if (c->state != DRAINING && !take(s, c, buf, (size_t)r))
            return;
    }
}

/* ---- accepting ------------------------------------------------------------------ */

/*
 * The connection to close when the cap is reached and one from `from`
 * (NULL: not known yet) wants in. SPEC: eviction is fair across client
 * addresses. The address holding the most connections gives up its oldest,
 * so an address flooding the cap only ever displaces its own. If `from` is
 * itself among those holding the most, its own oldest goes: it is the one
 * asking for more. Among equals the address that reached the count first
 * goes first. When no address holds more than one, all are equal and the
 * oldest connection overall goes. So does it when the chosen address has
 * no connection on the deadline list (all wait for this pass's commit).
 * No hard per-address share below the cap: many clients behind one NAT
 * may use an otherwise idle host fully.
 */
static struct hs_conn *victim(const kmsdns_hostsrv *s, const struct hs_source *from)
{
    if (s->src.most <= 1)
        return s->head;
    if (from != NULL && from->n == s->src.most && from->head != NULL)
        return from->head;
    const struct hs_source *x = s->src.bycount[s->src.most];
    return x->head != NULL ? x->head : s->head;
}

/* Closes victim(s, from) to make room, telling it ERR busy; false when nothing is open. */
static bool evict(kmsdns_hostsrv *s, const struct hs_source *from)
{
    struct hs_conn *c = victim(s, from);
    if (c == NULL)
        return false;
    if (c->state == READING) {
        static const char busy[] = "ERR busy too many open connections; try again\n";
        (void)send(c->fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    kmsdns_log(KMSDNS_LOG_DEBUG, "%s: closed to make room (max-connections %u; %u open from there)",
               c->peer, s->max_conns, c->src->n);
    close_conn(s, c);
    return true;
}

static void add_conn(kmsdns_hostsrv *s, int fd, const struct sockaddr_storage *ss, socklen_t sl,
                     const uint8_t key[16])
{
    struct hs_conn *c = calloc(1, sizeof *c);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (c == NULL || (c->src = source_hold(s, key)) == NULL) {
        free(c);
        close(fd);
        return;
    }
    if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        source_release(s, c->src);
        free(c);
        close(fd);
        return;
    }
    struct kmsdns_addr peer = {.len = sl};
    memcpy(&peer.ss, ss, sizeof peer.ss);
    c->kind = HS_CONN;
    c->state = READING;
    c->fd = fd;
    c->loopback = kmsdns_addr_is_loopback(&peer);
    kmsdns_addr_format(&peer, c->peer);
    s->nconns++;
    arm(s, c);
    on_readable(s, c); /* the line is often there already */
}

static void on_accept(kmsdns_hostsrv *s, struct hs_listener *l)
{
    for (int k = 0; k < ACCEPTS_PER_EVENT && !s->stopping; k++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(l->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
            continue;
        if (fd < 0 && (errno == EMFILE || errno == ENFILE) && evict(s, NULL))
            continue;
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                kmsdns_log(KMSDNS_LOG_WARNING, "accept: %s", strerror(errno));
            return;
        }
        uint8_t key[16];
        source_key(&ss, key);
        /* evict() may free the source it is shown: add_conn() looks it up again */
        if (s->nconns >= s->max_conns && !evict(s, source_find(s, key))) {
            close(fd);
            continue;
        }
        add_conn(s, fd, &ss, sl, key);
    }
}

/* ---- the loop ------------------------------------------------------------------- */

static void on_signal(kmsdns_hostsrv *s)
{
    struct signalfd_siginfo si;
    while (read(s->sig.fd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGHUP) {
            s->event = s->event == KMSDNS_HOSTSRV_STOP ? s->event : KMSDNS_HOSTSRV_RELOAD;
            continue;
        }
        kmsdns_log(KMSDNS_LOG_NOTICE, "%s: stopping", strsignal((int)si.ssi_signo));
        s->event = KMSDNS_HOSTSRV_STOP;
        s->stopping = true;
    }
}

static void dispatch(kmsdns_hostsrv *s, const struct epoll_event *ev)
{
    enum hs_kind kind = *(const enum hs_kind *)ev->data.ptr;
    if (kind == HS_SIGNAL) {
        on_signal(s);
    } else if (kind == HS_WATCH) {
        struct hs_watch *w = ev->data.ptr;
        w->cb(w->arg);
    } else if (kind == HS_LISTENER) {
        on_accept(s, ev->data.ptr);
    } else {
        struct hs_conn *c = ev->data.ptr;
        if (c->state == WRITING && (ev->events & (EPOLLERR | EPOLLHUP)) != 0)
            close_conn(s, c);
        else if (c->state == WRITING)
            flush(s, c);
        else if (c->state != CLOSED && c->state != QUEUED)
            on_readable(s, c);
    }
}

static void expire(kmsdns_hostsrv *s)
{
    uint64_t now = mono_ms();
    while (s->head != NULL && s->head->deadline <= now) {
        if (s->head->state == READING || s->head->state == RPC)
            kmsdns_log(KMSDNS_LOG_DEBUG, "%s: no complete request within %u ms: closed",
                       s->head->peer, KMSDNS_HOSTSRV_READ_TIMEOUT_MS);
        close_conn(s, s->head);
    }
}

static void prune(kmsdns_hostsrv *s)
{
    uint64_t now = (uint64_t)time(NULL);
    if (now < s->next_prune)
        return;
    s->next_prune = now + PRUNE_EVERY_S;
    if (kmsdns_store_prune_log(s->store, now - KMSDNS_HOSTSRV_LOG_DAYS * 86400u) != KMSDNS_OK)
        kmsdns_log(KMSDNS_LOG_WARNING, "%s: cannot prune the request log", s->cfg->host.database);
}

/* Until the first connection deadline, the caller's timer, held-back error lines, or the
 * next log pruning. */
static int wait_ms(const kmsdns_hostsrv *s, uint64_t until_ms)
{
    uint64_t now = mono_ms(), next = now + PRUNE_EVERY_S * 1000u, lines = errlines_due_ms(s);
    if (s->head != NULL && s->head->deadline < next)
        next = s->head->deadline;
    if (lines != 0 && lines < next)
        next = lines;
    if (until_ms != 0 && until_ms < next)
        next = until_ms;
    return next <= now ? 0 : (int)(next - now) + 1;
}

/* Shutting down: a connection still reading is told so, every connection closed. */
static void close_all(kmsdns_hostsrv *s)
{
    static const char bye[] = "ERR busy the host is shutting down; try again\n";
    while (s->head != NULL) {
        if (s->head->state == READING && s->head->rd.len > 0)
            (void)send(s->head->fd, bye, sizeof bye - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        close_conn(s, s->head);
    }
    for (unsigned i = 0; i < s->nlisteners; i++)
        if (s->listeners[i].fd >= 0)
            close(s->listeners[i].fd), s->listeners[i].fd = -1;
    free_dead(s);
}

int kmsdns_hostsrv_run(kmsdns_hostsrv *s, uint64_t until_ms, enum kmsdns_hostsrv_event *event)
{
    struct epoll_event ev[MAX_EVENTS];
    s->event = KMSDNS_HOSTSRV_TIMER;
    s->interrupted = false;
    for (;;) {
        prune(s);
        int n = epoll_wait(s->ep, ev, MAX_EVENTS, wait_ms(s, until_ms));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            kmsdns_log(KMSDNS_LOG_ERR, "epoll_wait: %s", strerror(errno));
            commit_batch(s);
            close_all(s);
            return KMSDNS_SYSTEM;
        }
        for (int i = 0; i < n; i++)
            dispatch(s, &ev[i]);
        commit_batch(s);
        errlines_flush(s, mono_ms());
        say_saved_again(s, mono_ms());
        expire(s);
        free_dead(s);
        if (s->stopping) {
            close_all(s);
            break;
        }
        if (s->event == KMSDNS_HOSTSRV_RELOAD || s->interrupted ||
            (until_ms != 0 && mono_ms() >= until_ms))
            break;
    }
    *event = s->event;
    return KMSDNS_OK;
}

void kmsdns_hostsrv_interrupt(kmsdns_hostsrv *s)
{
    s->interrupted = true;
}

uint64_t kmsdns_hostsrv_clock_ms(void)
{
    return mono_ms();
}

int kmsdns_hostsrv_watch(kmsdns_hostsrv *s, int fd, void (*cb)(void *arg), void *arg)
{
    for (size_t i = 0; i < HS_WATCH_MAX; i++) {
        struct hs_watch *w = &s->watches[i];
        if (w->fd >= 0)
            continue;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = w};
        if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
            return KMSDNS_SYSTEM;
        *w = (struct hs_watch){HS_WATCH, fd, cb, arg};
        return KMSDNS_OK;
    }
    return KMSDNS_RANGE;
}

void kmsdns_hostsrv_unwatch(kmsdns_hostsrv *s, int fd)
{
    for (size_t i = 0; i < HS_WATCH_MAX; i++) {
        if (s->watches[i].fd != fd)
            continue;
        epoll_ctl(s->ep, EPOLL_CTL_DEL, fd, NULL);
        s->watches[i].fd = -1;
    }
}

static unsigned connection_cap(unsigned wanted);

void kmsdns_hostsrv_set_config(kmsdns_hostsrv *s, const struct kmsdns_config *cfg)
{
    s->cfg = cfg;
    s->max_conns = connection_cap(cfg->host.max_connections);
}

void kmsdns_hostsrv_clear_domains(kmsdns_hostsrv *s)
{
    for (size_t i = 0; i < s->ndomains; i++)
        free(s->domains[i].name);
    s->ndomains = 0;
}

/* ---- life cycle ----------------------------------------------------------------- */

/* The connection cap: max-connections, lowered to what RLIMIT_NOFILE allows. */
static unsigned connection_cap(unsigned wanted)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return wanted;
    if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < (rlim_t)wanted + FD_RESERVE) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)wanted + FD_RESERVE) {
        unsigned cap = rl.rlim_cur > 2 * FD_RESERVE ? (unsigned)rl.rlim_cur - FD_RESERVE : 16u;
        kmsdns_log(KMSDNS_LOG_WARNING,
                   "max-connections %u lowered to %u: the open-files limit is %llu", wanted, cap,
                   (unsigned long long)rl.rlim_cur);
        return cap;
    }
    return wanted;
}

/* SIGTERM, SIGINT and SIGHUP are read from a signalfd in the loop. */
static int open_signals(kmsdns_hostsrv *s, struct kmsdns_diag *d)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    signal(SIGPIPE, SIG_IGN);
    s->sig.kind = HS_SIGNAL;
    s->sig.fd = -1;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &s->sig};
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 ||
        (s->sig.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
        epoll_ctl(s->ep, EPOLL_CTL_ADD, s->sig.fd, &ev) != 0)
        return kmsdns_diag_set(d, KMSDNS_SYSTEM, NULL, 0, "signals: %s", strerror(errno));
    return KMSDNS_OK;
}

int kmsdns_hostsrv_new(const struct kmsdns_config *cfg, kmsdns_engine *e, kmsdns_store *st,
                       kmsdns_hostsrv **out, struct kmsdns_diag *diag)
{
    *out = NULL;
    kmsdns_hostsrv *s = calloc(1, sizeof *s);
    if (s == NULL)
        return kmsdns_diag_set(diag, KMSDNS_NOMEM, NULL, 0, "out of memory");
    s->cfg = cfg;
    s->engine = e;
    s->store = st;
    s->sig.fd = -1;
    for (size_t i = 0; i < HS_WATCH_MAX; i++)
        s->watches[i].fd = -1;
    source_init(s);
    s->started = (uint64_t)time(NULL);
    s->max_conns = connection_cap(cfg->host.max_connections);
    s->ep = epoll_create1(EPOLL_CLOEXEC);
    int rc = s->ep < 0 ? kmsdns_diag_set(diag, KMSDNS_SYSTEM, NULL, 0, "epoll: %s", strerror(errno))
                       : open_signals(s, diag);
    if (rc == KMSDNS_OK)
        rc = kmsdns__hostsrv_bind(s, diag);
    if (rc != KMSDNS_OK) {
        kmsdns_hostsrv_free(s);
        return rc;
    }
    *out = s;
    return KMSDNS_OK;
}

void kmsdns_hostsrv_free(kmsdns_hostsrv *s)
{
    if (s == NULL)
        return;
    while (s->queue != NULL) {
        struct hs_conn *c = s->queue;
        s->queue = c->qnext;
        close_conn(s, c);
    }
    close_all(s);
    if (s->sig.fd >= 0)
        close(s->sig.fd);
    if (s->ep >= 0)
        close(s->ep);
    for (size_t i = 0; i < s->ndomains; i++)
        free(s->domains[i].name);
    free(s->domains);
    free(s->listeners);
    free(s->rows);
    free(s->src.bucket); /* every source went with its last connection */
    free(s->src.bycount);
    free(s);
}

int kmsdns_hostsrv_set_domain(kmsdns_hostsrv *s, const char *domain, const char *result, uint64_t t)
{
    size_t i = 0;
    while (i < s->ndomains && strcmp(s->domains[i].name, domain) != 0)
        i++;
    if (i == s->ndomains) {
        void *v = realloc(s->domains, (s->ndomains + 1) * sizeof *s->domains);
        if (v == NULL)
            return KMSDNS_NOMEM;
        s->domains = v;
        if ((s->domains[i].name = strdup(domain)) == NULL)
            return KMSDNS_NOMEM;
        s->domains[i].refreshed = 0;
        s->ndomains++;
    }
    snprintf(s->domains[i].result, sizeof s->domains[i].result, "%s", result);
    s->domains[i].t = t;
    return KMSDNS_OK;
}
