/* SPDX-License-Identifier: MIT */
/*
 * Config loading. inih does the INI grammar; we feed it lines ourselves so
 * that every message carries FILE:LINE, over-long lines are refused rather
 * than split (inih's 200-byte buffer), and indentation cannot turn a line into
 * a continuation of the previous value. A table maps each key to its setter.
 */
#include "kmsdns/config.h"
#include "kmsdns/number.h"
#include "kmsdns/text.h"

#include <errno.h>
#include <stdarg.h>
#include <ini.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct load_ctx;
typedef int (*setter_fn)(struct load_ctx *c, const char *value);

struct key_def {
    const char *section;
    const char *key;
    setter_fn set;
    bool repeatable;
};

struct load_ctx {
    struct kmsdns_config *cfg;
    const char *path;
    char *dir;
    struct kmsdns_lines lines;
    unsigned lineno;
    int rc;
    struct kmsdns_diag *diag;
    unsigned *seen; /* per key_def: line of first occurrence */
};

static int err(struct load_ctx *c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int err(struct load_ctx *c, int rc, const char *fmt, ...)
{
    char msg[KMSDNS_DIAG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->rc == KMSDNS_OK) {
        c->rc = rc;
        kmsdns_diag_set(c->diag, rc, c->path, c->lineno, "%s", msg);
    }
    return rc;
}

/* ---- value parsers -------------------------------------------------- */

static int parse_uint(struct load_ctx *c, const char *v, unsigned long min, unsigned long max,
                      unsigned long *out)
{
    *out = 0; /* the setters store it whatever happens; a failed load is thrown away */
    if (*v == '\0')
        return err(c, KMSDNS_SYNTAX, "empty value; expected a number from %lu to %lu", min, max);
    uint64_t n = 0;
    int rc = kmsdns_parse_uint(v, min, max, &n);
    if (rc == KMSDNS_SYNTAX)
        return err(c, rc, "'%s' is not a number", v);
    if (rc != KMSDNS_OK)
        return err(c, rc, "%s is out of range (%lu to %lu)", v, min, max);
    *out = (unsigned long)n;
    return KMSDNS_OK;
}

static int parse_bool(struct load_ctx *c, const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return *out = true, KMSDNS_OK;
        if (strcasecmp(v, no[i]) == 0)
            return *out = false, KMSDNS_OK;
    }
    return err(c, KMSDNS_SYNTAX, "'%s' is not yes or no", v);
}

/* Index of v in the NULL-terminated list of names, or an error listing them. */
static int parse_enum(struct load_ctx *c, const char *v, const char *const *names, int *out)
{
    for (int i = 0; names[i] != NULL; i++)
        if (strcasecmp(v, names[i]) == 0)
            return *out = i, KMSDNS_OK;
    char list[256] = "";
    for (int i = 0; names[i] != NULL; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", names[i]);
    return err(c, KMSDNS_SYNTAX, "'%s' is not one of: %s", v, list);
}

static int set_string(struct load_ctx *c, const char *v, char **out)
{
    free(*out);
    *out = NULL;
    if (*v == '\0')
        return KMSDNS_OK;
    if ((*out = strdup(v)) == NULL)
        return err(c, KMSDNS_NOMEM, "out of memory");
    return KMSDNS_OK;
}

int kmsdns_path_expand_home(const char *path, char **out, const char **why)
{
    *out = NULL;
    if (path[0] != '~')
        return (*out = strdup(path)) != NULL ? KMSDNS_OK : KMSDNS_NOMEM;
    if (path[1] != '/') {
        *why = "only a leading '~/' (your own home) is expanded; write another user's home "
               "in full";
        return KMSDNS_SYNTAX;
    }
    const char *home = getenv("HOME");
    if (home == NULL || home[0] != '/') {
        struct passwd *pw = getpwuid(getuid());
        home = pw != NULL ? pw->pw_dir : NULL;
    }
    if (home == NULL || home[0] != '/') {
        *why = "'~/' names your home, but there is none ($HOME unset, no passwd entry)";
        return KMSDNS_NOTFOUND;
    }
    size_t n = strlen(home) + strlen(path);
    if ((*out = malloc(n)) == NULL)
        return KMSDNS_NOMEM;
    snprintf(*out, n, "%s%s", home, path + 1);
    return KMSDNS_OK;
}

/* Absolute path of v: "~/" expanded, relative paths taken from the config's
 * directory. Empty → NULL. */
static int set_path(struct load_ctx *c, const char *v, char **out)
{
    if (*v == '\0' || v[0] == '/')
        return set_string(c, v, out);
    if (v[0] == '~') {
        const char *why = NULL;
        char *p = NULL;
        int rc = kmsdns_path_expand_home(v, &p, &why);
        if (rc != KMSDNS_OK)
            return err(c, rc, "%s", rc == KMSDNS_NOMEM ? "out of memory" : why);
        free(*out);
        *out = p;
        return KMSDNS_OK;
    }
    size_t n = strlen(c->dir) + 1 + strlen(v) + 1;
    char *p = malloc(n);
    if (p == NULL)
        return err(c, KMSDNS_NOMEM, "out of memory");
    snprintf(p, n, "%s/%s", c->dir, v);
    free(*out);
    *out = p;
    return KMSDNS_OK;
}

static int parse_name(struct load_ctx *c, const char *v, unsigned flags, char *out)
{
    const char *why = NULL;
    if (kmsdns_name_normalize(v, flags, out, &why) != KMSDNS_OK)
        return err(c, KMSDNS_NAME, "bad domain name '%s': %s", v, why);
    return KMSDNS_OK;
}

/* Comma-separated IP addresses (no ports) into list, each given `port`. */
static int parse_addr_list(struct load_ctx *c, const char *v, uint16_t port,
                           struct kmsdns_addr_list *list)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", v);
    free(list->v);
    list->v = NULL;
    list->n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        tok = kmsdns_text_trim(tok);
        struct kmsdns_addr a;
        const char *why = NULL;
        if (kmsdns_addr_parse(tok, port, 0, &a, &why) != KMSDNS_OK)
            return err(c, KMSDNS_ADDRESS, "bad address '%s': %s", tok, why);
        void *nv = realloc(list->v, (list->n + 1) * sizeof a);
        if (nv == NULL)
            return err(c, KMSDNS_NOMEM, "out of memory");
        list->v = nv;
        list->v[list->n++] = a;
    }
    return KMSDNS_OK;
}

static int parse_endpoint(struct load_ctx *c, const char *v, bool *has, struct kmsdns_addr *a)
{
    *has = false;
    if (*v == '\0')
        return KMSDNS_OK;
    const char *why = NULL;
    if (kmsdns_addr_parse(v, 53, KMSDNS_ADDR_PORT_ALLOWED, a, &why) != KMSDNS_OK)
        return err(c, KMSDNS_ADDRESS, "bad address '%s': %s (use ADDR, ADDR:PORT or [ADDR]:PORT)",
                   v, why);
    *has = true;
    return KMSDNS_OK;
}

/* ---- one setter per key ----------------------------------------------- */

static int set_fqdn(struct load_ctx *c, const char *v)
{
    if (*v == '\0')
        return c->cfg->host.fqdn[0] = '\0', KMSDNS_OK;
    int rc = parse_name(c, v, KMSDNS_NAME_HOST, c->cfg->host.fqdn);
    if (rc == KMSDNS_OK && strchr(c->cfg->host.fqdn, '.') == NULL)
        return err(c, KMSDNS_NAME, "fqdn '%s' is not fully qualified (no domain)", v);
    return rc;
}

static int set_port(struct load_ctx *c, const char *v)
{
    unsigned long n;
    int rc = parse_uint(c, v, 1, 65535, &n);
    c->cfg->host.port = (uint16_t)n;
    return rc;
}

static int set_addresses(struct load_ctx *c, const char *v)
{
    return parse_addr_list(c, v, 0, &c->cfg->host.addresses);
}

static int set_key_group(struct load_ctx *c, const char *v)
{
    static const char *const names[] = {"client-vl", "server-a", "server-b", "server-c", NULL};
    int i = 0;
    int rc = parse_enum(c, v, names, &i);
    c->cfg->host.key_group = (enum kmsdns_key_group)i;
    return rc;
}

static int set_database(struct load_ctx *c, const char *v)
{
    if (*v == '\0')
        return err(c, KMSDNS_SYNTAX, "database needs a path");
    return set_path(c, v, &c->cfg->host.database);
}

static int set_minutes(struct load_ctx *c, const char *v, unsigned *out)
{
    unsigned long n;
    int rc = parse_uint(c, v, KMSDNS_INTERVAL_MIN, KMSDNS_INTERVAL_MAX, &n);
    *out = (unsigned)n;
    return rc;
}

static int set_activation_interval(struct load_ctx *c, const char *v)
{
    return set_minutes(c, v, &c->cfg->host.activation_interval);
}

static int set_renewal_interval(struct load_ctx *c, const char *v)
{
    return set_minutes(c, v, &c->cfg->host.renewal_interval);
}

static int set_low_priority(struct load_ctx *c, const char *v)
{
    return parse_bool(c, v, &c->cfg->host.low_priority);
}

static int set_publish(struct load_ctx *c, const char *v)
{
    return parse_bool(c, v, &c->cfg->host.publish);
}

static int set_listen(struct load_ctx *c, const char *v)
{
    int rc = parse_addr_list(c, v, 0, &c->cfg->host.listen);
    if (rc == KMSDNS_OK && c->cfg->host.listen.n == 0)
        return err(c, KMSDNS_EMPTY, "listen needs at least one address");
    return rc;
}

static int set_max_connections(struct load_ctx *c, const char *v)
{
    unsigned long n;
    int rc = parse_uint(c, v, KMSDNS_MAX_CONNECTIONS_MIN, KMSDNS_MAX_CONNECTIONS_MAX, &n);
    c->cfg->host.max_connections = (unsigned)n;
    return rc;
}

static int set_user(struct load_ctx *c, const char *v)
{
    return set_string(c, v, &c->cfg->host.user);
}

static int set_service(struct load_ctx *c, const char *v)
{
    int rc = parse_name(c, v, KMSDNS_NAME_ALLOW_UNDERSCORE, c->cfg->dns.service);
    if (rc == KMSDNS_OK && c->cfg->dns.service[0] != '_')
        return err(c, KMSDNS_NAME, "service '%s' should look like _vlmcs._tcp", v);
    return rc;
}

static int set_ttl(struct load_ctx *c, const char *v)
{
    unsigned long n;
    int rc = parse_uint(c, v, 0, 2147483647ul, &n);
    c->cfg->dns.ttl = (uint32_t)n;
    return rc;
}

static int set_resolver(struct load_ctx *c, const char *v)
{
    return parse_endpoint(c, v, &c->cfg->dns.has_resolver, &c->cfg->dns.resolver);
}

static int set_server(struct load_ctx *c, const char *v)
{
    return parse_endpoint(c, v, &c->cfg->dns.has_server, &c->cfg->dns.server);
}

static int set_auth(struct load_ctx *c, const char *v)
{
    static const char *const names[] = {"none", "tsig", "gss-tsig", NULL};
    int i = 0;
    int rc = parse_enum(c, v, names, &i);
    c->cfg->dns.auth = (enum kmsdns_auth)i;
    return rc;
}

static int set_secret_path(struct load_ctx *c, const char *v, const char *what, char **out)
{
    int rc = set_path(c, v, out);
    if (rc != KMSDNS_OK || *out == NULL)
        return rc;
    rc = kmsdns_config_check_secret_file(*out, what, c->path, c->lineno, c->diag);
    if (rc != KMSDNS_OK)
        c->rc = rc;
    return rc;
}

static int set_tsig_key(struct load_ctx *c, const char *v)
{
    return set_secret_path(c, v, "tsig-key", &c->cfg->dns.tsig_key);
}

static int set_keytab(struct load_ctx *c, const char *v)
{
    return set_secret_path(c, v, "keytab", &c->cfg->dns.keytab);
}

static int set_principal(struct load_ctx *c, const char *v)
{
    return set_string(c, v, &c->cfg->dns.principal);
}

static int set_server_principal(struct load_ctx *c, const char *v)
{
    return set_string(c, v, &c->cfg->dns.server_principal);
}

static int set_gss_algorithm(struct load_ctx *c, const char *v)
{
    static const char *const names[] = {"auto", "gss-tsig", "gss.microsoft.com", NULL};
    int i = 0;
    int rc = parse_enum(c, v, names, &i);
    c->cfg->dns.gss_algorithm = (enum kmsdns_gss_alg)i;
    return rc;
}

static int set_refresh(struct load_ctx *c, const char *v)
{
    static const char *const names[] = {"auto", "yes", "no", NULL};
    int i = 0;
    int rc = parse_enum(c, v, names, &i);
    c->cfg->dns.refresh = (enum kmsdns_refresh)i;
    return rc;
}

static int set_strict(struct load_ctx *c, const char *v)
{
    return parse_bool(c, v, &c->cfg->dns.strict_response_signature);
}

static int set_uint_key(struct load_ctx *c, const char *v, unsigned long min, unsigned long max,
                        unsigned *out)
{
    unsigned long n;
    int rc = parse_uint(c, v, min, max, &n);
    *out = (unsigned)n;
    return rc;
}

static int set_timeout(struct load_ctx *c, const char *v)
{
    return set_uint_key(c, v, 1, 60, &c->cfg->dns.timeout);
}

static int set_retries(struct load_ctx *c, const char *v)
{
    return set_uint_key(c, v, 0, 10, &c->cfg->dns.retries);
}

static int set_publish_interval(struct load_ctx *c, const char *v)
{
    return set_uint_key(c, v, 1, 525600, &c->cfg->dns.publish_interval);
}

static int set_domain(struct load_ctx *c, const char *v)
{
    int rc = kmsdns_publist_add(c->cfg->publish.domains, v, c->path, c->lineno, c->diag);
    if (rc != KMSDNS_OK)
        c->rc = rc;
    return rc;
}

static int set_list_file(struct load_ctx *c, const char *v)
{
    return set_path(c, v, &c->cfg->publish.list_file);
}

static void free_search(struct kmsdns_config *cfg)
{
    for (size_t i = 0; i < cfg->client.nsearch; i++)
        free(cfg->client.search[i]);
    free(cfg->client.search);
    cfg->client.search = NULL;
    cfg->client.nsearch = 0;
}

static int set_search(struct load_ctx *c, const char *v)
{
    struct kmsdns_config *cfg = c->cfg;
    char buf[256], name[KMSDNS_NAME_BUF], *save = NULL;
    snprintf(buf, sizeof buf, "%s", v);
    free_search(cfg);
    for (char *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        int rc = parse_name(c, kmsdns_text_trim(tok), KMSDNS_NAME_HOST, name);
        if (rc != KMSDNS_OK)
            return rc;
        char **s = realloc(cfg->client.search, (cfg->client.nsearch + 1) * sizeof *s);
        if (s == NULL || (s[cfg->client.nsearch] = strdup(name)) == NULL) {
            if (s != NULL)
                cfg->client.search = s;
            return err(c, KMSDNS_NOMEM, "out of memory");
        }
        cfg->client.search = s;
        cfg->client.nsearch++;
    }
    return KMSDNS_OK;
}

static int set_state(struct load_ctx *c, const char *v)
{
    if (*v == '\0')
        return err(c, KMSDNS_SYNTAX, "state needs a path");
    return set_path(c, v, &c->cfg->client.state);
}

static const struct key_def keys[] = {
    {"host", "fqdn", set_fqdn, false},
    {"host", "port", set_port, false},
    {"host", "addresses", set_addresses, false},
    {"host", "key-group", set_key_group, false},
    {"host", "database", set_database, false},
    {"host", "activation-interval", set_activation_interval, false},
    {"host", "renewal-interval", set_renewal_interval, false},
    {"host", "low-priority", set_low_priority, false},
    {"host", "publish", set_publish, false},
    {"host", "listen", set_listen, false},
    {"host", "user", set_user, false},
    {"host", "max-connections", set_max_connections, false},
    {"dns", "service", set_service, false},
    {"dns", "ttl", set_ttl, false},
    {"dns", "resolver", set_resolver, false},
    {"dns", "server", set_server, false},
    {"dns", "auth", set_auth, false},
    {"dns", "tsig-key", set_tsig_key, false},
    {"dns", "keytab", set_keytab, false},
    {"dns", "principal", set_principal, false},
    {"dns", "server-principal", set_server_principal, false},
    {"dns", "gss-algorithm", set_gss_algorithm, false},
    {"dns", "strict-response-signature", set_strict, false},
    {"dns", "timeout", set_timeout, false},
    {"dns", "retries", set_retries, false},
    {"dns", "publish-interval", set_publish_interval, false},
    {"dns", "refresh", set_refresh, false},
    {"publish", "domain", set_domain, true},
    {"publish", "list-file", set_list_file, false},
    {"client", "search", set_search, false},
    {"client", "state", set_state, false},
};

/* Line where section/key was first set, 0 when it was not. */
static unsigned key_line(const struct load_ctx *c, const char *section, const char *key)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].key, key) == 0)
            return c->seen[i];
    return 0;
}

/* Cross-key checks and the publish list's file and default, once all is read. */
static int finish(struct load_ctx *c)
{
    struct kmsdns_config *cfg = c->cfg;
    c->lineno = key_line(c, "dns", "auth");
    if (cfg->dns.auth == KMSDNS_AUTH_TSIG && cfg->dns.tsig_key == NULL)
        return err(c, KMSDNS_SYNTAX, "auth = tsig needs tsig-key (a BIND key file)");
    if (cfg->publish.list_file != NULL) {
        int rc = kmsdns_publist_load_file(cfg->publish.domains, cfg->publish.list_file, c->diag);
        if (rc != KMSDNS_OK)
            return rc;
    }
    if (cfg->host.fqdn[0] != '\0')
        return kmsdns_publist_default(cfg->publish.domains, cfg->host.fqdn, c->diag);
    return KMSDNS_OK;
}

/* ---- defaults and teardown --------------------------------------------- */

int kmsdns_config_init(struct kmsdns_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->host.port = 1688;
    cfg->host.key_group = KMSDNS_GROUP_SERVER_C;
    cfg->host.activation_interval = 120;
    cfg->host.renewal_interval = 10080;
    cfg->host.publish = true;
    cfg->host.max_connections = 1024;
    strcpy(cfg->dns.service, "_vlmcs._tcp");
    cfg->dns.ttl = 3600;
    cfg->dns.auth = KMSDNS_AUTH_NONE;
    cfg->dns.gss_algorithm = KMSDNS_GSS_ALG_AUTO;
    cfg->dns.refresh = KMSDNS_REFRESH_AUTO;
    cfg->dns.timeout = 3;
    cfg->dns.retries = 3;
    cfg->dns.publish_interval = 1440;
    struct kmsdns_addr any4, any6;
    kmsdns_addr_parse("0.0.0.0", 0, 0, &any4, NULL);
    kmsdns_addr_parse("::", 0, 0, &any6, NULL);
    cfg->host.listen.v = malloc(2 * sizeof any4);
    cfg->host.database = strdup("/var/lib/kmsdns/host.db");
    cfg->client.state = strdup("~/.cache/kmsdns/client.state");
    cfg->publish.domains = kmsdns_publist_new();
    if (cfg->host.listen.v == NULL || cfg->host.database == NULL || cfg->client.state == NULL ||
        cfg->publish.domains == NULL) {
        kmsdns_config_deinit(cfg);
        return KMSDNS_NOMEM;
    }
    cfg->host.listen.v[0] = any4;
    cfg->host.listen.v[1] = any6;
    cfg->host.listen.n = 2;
    return KMSDNS_OK;
}

void kmsdns_config_deinit(struct kmsdns_config *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->path);
    free(cfg->host.addresses.v);
    free(cfg->host.database);
    free(cfg->host.listen.v);
    free(cfg->host.user);
    free(cfg->dns.tsig_key);
    free(cfg->dns.keytab);
    free(cfg->dns.principal);
    free(cfg->dns.server_principal);
    kmsdns_publist_free(cfg->publish.domains);
    free(cfg->publish.list_file);
    free_search(cfg);
    free(cfg->client.state);
    memset(cfg, 0, sizeof *cfg);
}

const char *kmsdns_key_group_name(enum kmsdns_key_group g)
{
    static const char *const names[] = {"client-vl", "server-a", "server-b", "server-c"};
    return (unsigned)g < 4 ? names[g] : "?";
}

const char *kmsdns_auth_name(enum kmsdns_auth a)
{
    static const char *const names[] = {"none", "tsig", "gss-tsig"};
    return (unsigned)a < 3 ? names[a] : "?";
}

/* ---- the INI driver --------------------------------------------------- */

static const struct key_def *find_key(const char *section, const char *name, size_t *idx,
                                      bool *section_known)
{
    *section_known = false;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strcasecmp(keys[i].section, section) != 0)
            continue;
        *section_known = true;
        if (strcasecmp(keys[i].key, name) == 0)
            return *idx = i, &keys[i];
    }
    return NULL;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *c = user;
    if (c->rc != KMSDNS_OK)
        return 0;
    if (*section == '\0')
        return err(c, KMSDNS_SYNTAX, "key '%s' outside any section", name), 0;
    size_t i;
    bool known;
    const struct key_def *k = find_key(section, name, &i, &known);
    if (!known)
        return err(c, KMSDNS_UNKNOWN_KEY,
                   "unknown section [%s] (known: host, dns, publish, client)", section),
               0;
    if (k == NULL)
        return err(c, KMSDNS_UNKNOWN_KEY, "unknown key '%s' in [%s]", name, section), 0;
    if (c->seen[i] != 0 && !k->repeatable)
        return err(c, KMSDNS_DUPLICATE, "'%s' is set twice in [%s] (first at line %u)", name,
                   section, c->seen[i]),
               0;
    if (c->seen[i] == 0)
        c->seen[i] = c->lineno;
    return k->set(c, value) == KMSDNS_OK;
}

/* Checks what inih would misread: a section line without ']', a key line without '='. */
static int precheck(struct load_ctx *c, const char *line)
{
    if (*line == '\0' || *line == ';' || *line == '#')
        return KMSDNS_OK;
    if (*line == '[')
        return strchr(line, ']') ? KMSDNS_OK : err(c, KMSDNS_SYNTAX, "section header without ']'");
    if (strchr(line, '=') == NULL)
        return err(c, KMSDNS_SYNTAX, "expected 'key = value' or '[section]'");
    return KMSDNS_OK;
}

/* inih's reader: one of our lines per call, leading blanks stripped. */
static char *reader(char *str, int num, void *stream)
{
    struct load_ctx *c = stream;
    char *line;
    if (c->rc != KMSDNS_OK || (line = kmsdns_lines_next(&c->lines)) == NULL)
        return NULL;
    c->lineno = c->lines.lineno;
    while (*line == ' ' || *line == '\t')
        line++;
    size_t len = strlen(line);
    if (len + 2 > (size_t)num) {
        err(c, KMSDNS_TOOLONG, "line too long (%zu characters; at most %d)", len, num - 2);
        return NULL;
    }
    if (precheck(c, line) != KMSDNS_OK)
        return NULL;
    memcpy(str, line, len);
    str[len] = '\n';
    str[len + 1] = '\0';
    return str;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

int kmsdns_config_load_buffer(struct kmsdns_config *cfg, const char *path, const void *data,
                              size_t len, struct kmsdns_diag *diag)
{
    int rc = kmsdns_config_init(cfg);
    if (rc != KMSDNS_OK)
        return kmsdns_diag_set(diag, rc, path, 0, "out of memory");
    char *text = NULL;
    size_t tlen;
    struct load_ctx c = {.cfg = cfg, .path = path, .diag = diag};
    c.seen = calloc(sizeof keys / sizeof keys[0], sizeof *c.seen);
    c.dir = dir_of(path);
    cfg->path = strdup(path);
    if (c.seen == NULL || c.dir == NULL || cfg->path == NULL)
        rc = kmsdns_diag_set(diag, KMSDNS_NOMEM, path, 0, "out of memory");
    else
        rc = kmsdns_text_decode(data, len, path, &text, &tlen, diag);
    if (rc == KMSDNS_OK) {
        kmsdns_lines_init(&c.lines, text, tlen);
        int line = ini_parse_stream(reader, &c, handler, &c);
        if (c.rc == KMSDNS_OK && line != 0)
            rc = kmsdns_diag_set(diag, KMSDNS_SYNTAX, path, line > 0 ? (unsigned)line : 0,
                                 "syntax error");
        rc = c.rc != KMSDNS_OK ? c.rc : rc;
    }
    if (rc == KMSDNS_OK)
        rc = finish(&c);
    free(text);
    free(c.dir);
    free(c.seen);
    if (rc != KMSDNS_OK)
        kmsdns_config_deinit(cfg);
    return rc;
}

int kmsdns_config_load(struct kmsdns_config *cfg, const char *path, struct kmsdns_diag *diag)
{
    char *data;
    size_t len;
    memset(cfg, 0, sizeof *cfg);
    int rc = kmsdns_text_read_file(path, &data, &len, diag);
    if (rc != KMSDNS_OK)
        return rc;
    rc = kmsdns_config_load_buffer(cfg, path, data, len, diag);
    free(data);
    return rc;
}

int kmsdns_config_check_secret_file(const char *secret_path, const char *what, const char *file,
                                    unsigned line, struct kmsdns_diag *diag)
{
    struct stat st;
    if (stat(secret_path, &st) != 0)
        return kmsdns_diag_set(diag, KMSDNS_IO, file, line, "%s %s: %s", what, secret_path,
                               strerror(errno));
    if (!S_ISREG(st.st_mode))
        return kmsdns_diag_set(diag, KMSDNS_IO, file, line, "%s %s is not a regular file", what,
                               secret_path);
    if (st.st_mode & (S_IROTH | S_IWOTH))
        return kmsdns_diag_set(diag, KMSDNS_PERM, file, line,
                               "%s %s is accessible to others (mode %04o); run: chmod o-rwx %s",
                               what, secret_path, (unsigned)(st.st_mode & 07777), secret_path);
    if (access(secret_path, R_OK) != 0)
        return kmsdns_diag_set(diag, KMSDNS_IO, file, line, "%s %s is not readable: %s", what,
                               secret_path, strerror(errno));
    return KMSDNS_OK;
}
