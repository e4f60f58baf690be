/* SPDX-License-Identifier: MIT */
/* The config file: defaults, every key, and every refusal with FILE:LINE. */
#include "testutil.h"

#include "kmsdns/config.h"
#include "kmsdns/error.h"

static struct kmsdns_diag d;

static int load(const char *text, struct kmsdns_config *cfg)
{
    const char *p = test_write_str("k.conf", text);
    kmsdns_diag_init(&d);
    return kmsdns_config_load(cfg, p, &d);
}

/* Loads text expecting rc and a message ending with "k.conf:LINE: msg...". */
static void refused(const char *text, int rc, unsigned line, const char *msg)
{
    struct kmsdns_config cfg;
    assert_int_equal(load(text, &cfg), rc);
    char where[64];
    snprintf(where, sizeof where, "/k.conf:%u: ", line);
    if (strstr(d.text, where) == NULL || strstr(d.text, msg) == NULL)
        fail_msg("message '%s' lacks '%s' or '%s'", d.text, where, msg);
    assert_null(cfg.path); /* nothing half-loaded */
}

static void test_defaults(void **state)
{
    (void)state;
    struct kmsdns_config cfg;
    assert_int_equal(load("", &cfg), KMSDNS_OK);
    assert_string_equal(cfg.host.fqdn, "");
    assert_int_equal(cfg.host.port, 1688);
    assert_int_equal(cfg.host.key_group, KMSDNS_GROUP_SERVER_C);
    assert_string_equal(cfg.host.database, "/var/lib/kmsdns/host.db");
    assert_int_equal(cfg.host.activation_interval, 120);
    assert_int_equal(cfg.host.renewal_interval, 10080);
    assert_false(cfg.host.low_priority);
    assert_true(cfg.host.publish);
    assert_int_equal(cfg.host.listen.n, 2);
    assert_null(cfg.host.user);
    assert_int_equal(cfg.host.max_connections, 1024);
    assert_string_equal(cfg.dns.service, "_vlmcs._tcp");
    assert_int_equal(cfg.dns.ttl, 3600);
    assert_false(cfg.dns.has_resolver);
    assert_false(cfg.dns.has_server);
    assert_int_equal(cfg.dns.auth, KMSDNS_AUTH_NONE);
    assert_int_equal(cfg.dns.gss_algorithm, KMSDNS_GSS_ALG_AUTO);
    assert_int_equal(cfg.dns.refresh, KMSDNS_REFRESH_AUTO);
    assert_false(cfg.dns.strict_response_signature);
    assert_int_equal(cfg.dns.timeout, 3);
    assert_int_equal(cfg.dns.retries, 3);
    assert_int_equal(cfg.dns.publish_interval, 1440);
    assert_int_equal(kmsdns_publist_count(cfg.publish.domains), 0);
    assert_string_equal(cfg.client.state, "~/.cache/kmsdns/client.state");
    kmsdns_config_deinit(&cfg);
}

static void test_example_config_loads(void **state)
{
    (void)state;
    struct kmsdns_config cfg;
    kmsdns_diag_init(&d);
    if (kmsdns_config_load(&cfg, KMSDNS_EXAMPLE_CONFIG, &d) != KMSDNS_OK)
        fail_msg("example config refused: %s", d.text);
    assert_string_equal(cfg.host.fqdn, "kms1.corp.example.test");
    assert_int_equal(kmsdns_publist_count(cfg.publish.domains), 2);
    assert_int_equal(kmsdns_publist_get(cfg.publish.domains, 1)->weight, 50);
    assert_int_equal(cfg.client.nsearch, 2);
    assert_string_equal(cfg.client.search[1], "example.test");
    kmsdns_config_deinit(&cfg);
}

static void test_every_key(void **state)
{
    (void)state;
    test_write("k.key", "key", 3, 0640);
    test_write("k.keytab", "kt", 2, 0600);
    test_write_str("list.txt", "extra.test,5,6\n");
    struct kmsdns_config cfg;
    int rc = load(
        "; comment\n# comment\n[Host]\nFQDN = KMS1.Corp.Test.\nport=1689\n"
        "addresses = 192.0.2.10 , 2001:db8::10\nkey-group = server-a\n"
        "database = state/host.db\nactivation-interval = 15\n"
        "renewal-interval = 43200\nlow-priority = yes\npublish = off\n"
        "listen = 127.0.0.1\nuser = kmsdns\nmax-connections = 16\n\n[dns]\nservice = _VLMCS._TCP\n"
        "ttl = 0\nresolver = [::1]:5353\nserver = 127.0.0.1\nauth = gss-tsig\n"
        "tsig-key = k.key\nkeytab = k.keytab\nprincipal = host/kms1.corp.test\n"
        "server-principal = DNS/ns1.corp.test@CORP.TEST\n"
        "gss-algorithm = gss.microsoft.com\nstrict-response-signature = true\n"
        "timeout = 60\nretries = 0\npublish-interval = 1\nrefresh = yes\n[publish]\n"
        "domain = corp.test\ndomain = branch.test, 1, 2 ; inline comment\n"
        "list-file = list.txt\n[client]\nsearch = corp.test\nstate = /tmp/st\n",
        &cfg);
    if (rc != KMSDNS_OK)
        fail_msg("refused: %s", d.text);
    char buf[KMSDNS_ADDR_TEXT_MAX];
    assert_string_equal(cfg.host.fqdn, "kms1.corp.test");
    assert_int_equal(cfg.host.port, 1689);
    assert_int_equal(cfg.host.addresses.n, 2);
    assert_string_equal(kmsdns_addr_ip(&cfg.host.addresses.v[1], buf), "2001:db8::10");
    assert_int_equal(cfg.host.key_group, KMSDNS_GROUP_SERVER_A);
    char want[600];
    snprintf(want, sizeof want, "%s/state/host.db", test_tmpdir());
    assert_string_equal(cfg.host.database, want);
    assert_int_equal(cfg.host.activation_interval, 15);
    assert_int_equal(cfg.host.renewal_interval, 43200);
    assert_true(cfg.host.low_priority);
    assert_false(cfg.host.publish);
    assert_int_equal(cfg.host.listen.n, 1);
    assert_string_equal(cfg.host.user, "kmsdns");
    assert_int_equal(cfg.host.max_connections, 16);
    assert_string_equal(cfg.dns.service, "_vlmcs._tcp");
    assert_int_equal(cfg.dns.ttl, 0);
    assert_string_equal(kmsdns_addr_format(&cfg.dns.resolver, buf), "[::1]:5353");
    assert_string_equal(kmsdns_addr_format(&cfg.dns.server, buf), "127.0.0.1:53");
    assert_int_equal(cfg.dns.auth, KMSDNS_AUTH_GSS_TSIG);
    assert_non_null(strstr(cfg.dns.tsig_key, "/k.key"));
    assert_string_equal(cfg.dns.principal, "host/kms1.corp.test");
    assert_int_equal(cfg.dns.gss_algorithm, KMSDNS_GSS_ALG_MICROSOFT);
    assert_true(cfg.dns.strict_response_signature);
    assert_int_equal(cfg.dns.timeout, 60);
    assert_int_equal(cfg.dns.retries, 0);
    assert_int_equal(cfg.dns.publish_interval, 1);
    assert_int_equal(cfg.dns.refresh, KMSDNS_REFRESH_YES);
    assert_int_equal(kmsdns_publist_count(cfg.publish.domains), 3);
    assert_int_equal(kmsdns_publist_get(cfg.publish.domains, 1)->weight, 2);
    assert_string_equal(kmsdns_publist_get(cfg.publish.domains, 2)->domain, "extra.test");
    assert_string_equal(cfg.client.state, "/tmp/st");
    kmsdns_config_deinit(&cfg);
}

static void test_default_publish_domain(void **state)
{
    (void)state;
    struct kmsdns_config cfg;
    assert_int_equal(load("[host]\nfqdn = kms1.corp.example.test\n", &cfg), KMSDNS_OK);
    assert_int_equal(kmsdns_publist_count(cfg.publish.domains), 1);
    assert_string_equal(kmsdns_publist_get(cfg.publish.domains, 0)->domain, "corp.example.test");
    kmsdns_config_deinit(&cfg);
}

static void test_refusals(void **state)
{
    (void)state;
    refused("[host]\nport = 0\n", KMSDNS_RANGE, 2, "0 is out of range (1 to 65535)");
    refused("[host]\nport = 65536\n", KMSDNS_RANGE, 2, "65536 is out of range");
    refused("[host]\nport = 99999999999999999999999\n", KMSDNS_RANGE, 2,
            "99999999999999999999999 is out of range");
    refused("[host]\nport = -1\n", KMSDNS_SYNTAX, 2, "'-1' is not a number");
    refused("[host]\nport = 16x\n", KMSDNS_SYNTAX, 2, "'16x' is not a number");
    refused("[host]\nport =\n", KMSDNS_SYNTAX, 2, "empty value");
    refused("[host]\nactivation-interval = 14\n", KMSDNS_RANGE, 2,
            "14 is out of range (15 to 43200)");
    refused("[host]\nrenewal-interval = 43201\n", KMSDNS_RANGE, 2, "43201 is out of range");
    refused("\n[dns]\nttl = 2147483648\n", KMSDNS_RANGE, 3, "2147483648 is out of range");
    refused("[dns]\ntimeout = 0\n", KMSDNS_RANGE, 2, "0 is out of range (1 to 60)");
    refused("[dns]\nretries = 11\n", KMSDNS_RANGE, 2, "11 is out of range (0 to 10)");
    refused("[host]\nkey-group = server-d\n", KMSDNS_SYNTAX, 2,
            "'server-d' is not one of: client-vl, server-a, server-b, server-c");
    refused("[dns]\nauth = kerberos\n", KMSDNS_SYNTAX, 2,
            "'kerberos' is not one of: none, tsig, gss-tsig");
    refused("[dns]\nrefresh = always\n", KMSDNS_SYNTAX, 2, "'always' is not one of: auto, yes, no");
    refused("[host]\npublish = maybe\n", KMSDNS_SYNTAX, 2, "'maybe' is not yes or no");
    refused("[host]\nfqdn = kms1\n", KMSDNS_NAME, 2, "not fully qualified");
    refused("[host]\nfqdn = kms_1.corp.test\n", KMSDNS_NAME, 2, "bad domain name");
    refused("[host]\naddresses = 192.0.2.300\n", KMSDNS_ADDRESS, 2, "bad address '192.0.2.300'");
    refused("[host]\nlisten =\n", KMSDNS_EMPTY, 2, "at least one address");
    refused("[host]\nmax-connections = 15\n", KMSDNS_RANGE, 2, "15 is out of range (16 to 65536)");
    refused("[dns]\nserver = ns1.corp.test\n", KMSDNS_ADDRESS, 2, "bad address 'ns1.corp.test'");
    refused("[dns]\nresolver = 127.0.0.1:99999\n", KMSDNS_ADDRESS, 2, "port is not a number");
    refused("[dns]\nservice = vlmcs.tcp\n", KMSDNS_NAME, 2, "should look like _vlmcs._tcp");
    refused("[publish]\ndomain = a.test,65536,0\n", KMSDNS_RANGE, 2, "priority '65536'");
    refused("[publish]\ndomain = a.test,-5,0\n", KMSDNS_RANGE, 2, "priority '-5'");
    refused("[publish]\ndomain = a..test\n", KMSDNS_NAME, 2, "bad domain name 'a..test'");
    refused("[publish]\ndomain =\n", KMSDNS_EMPTY, 2, "empty publish list entry");
    refused("[publish]\ndomain = a.test\ndomain = A.test.,1,1\n", KMSDNS_DUPLICATE, 3,
            "domain a.test is listed twice (first at ");
    refused("[host]\nport = 1\nport = 2\n", KMSDNS_DUPLICATE, 3,
            "'port' is set twice in [host] (first at line 2)");
    refused("[hosts]\nport = 1\n", KMSDNS_UNKNOWN_KEY, 2, "unknown section [hosts]");
    refused("[host]\nprot = 1\n", KMSDNS_UNKNOWN_KEY, 2, "unknown key 'prot' in [host]");
    refused("port = 1\n", KMSDNS_SYNTAX, 1, "key 'port' outside any section");
    refused("[host\nport = 1\n", KMSDNS_SYNTAX, 1, "section header without ']'");
    refused("[host]\nport 1688\n", KMSDNS_SYNTAX, 2, "expected 'key = value'");
    refused("[dns]\nauth = tsig\n", KMSDNS_SYNTAX, 2, "auth = tsig needs tsig-key");
    refused("[dns]\ntsig-key = /nonexistent/k.key\n", KMSDNS_IO, 2,
            "tsig-key /nonexistent/k.key: No such file or directory");
}

static void test_indented_line_is_not_a_continuation(void **state)
{
    (void)state;
    struct kmsdns_config cfg;
    /* inih would append "  port = 1690" to fqdn's value; we read it as its own key */
    assert_int_equal(load("[host]\nfqdn = kms1.corp.test\n   port = 1690\n", &cfg), KMSDNS_OK);
    assert_int_equal(cfg.host.port, 1690);
    assert_string_equal(cfg.host.fqdn, "kms1.corp.test");
    kmsdns_config_deinit(&cfg);
    refused("[host]\nfqdn = kms1.corp.test\n   stray words\n", KMSDNS_SYNTAX, 3,
            "expected 'key = value'");
}

static void test_long_lines_and_bytes(void **state)
{
    (void)state;
    char text[600];
    int n = snprintf(text, sizeof text, "[host]\nuser = ");
    memset(text + n, 'u', 191);
    strcpy(text + n + 191, "\n");
    struct kmsdns_config cfg;
    assert_int_equal(load(text, &cfg), KMSDNS_OK); /* 198 characters: the longest line */
    kmsdns_config_deinit(&cfg);
    memset(text + n, 'u', 192);
    strcpy(text + n + 192, "\nport = 1\n");
    refused(text, KMSDNS_TOOLONG, 2, "line too long (199 characters; at most 198)");
    const char *p = test_write("nul.conf", "[host]\nport = 1\0\n", 17, 0644);
    assert_int_equal(kmsdns_config_load(&cfg, p, &d), KMSDNS_ENCODING);
    assert_non_null(strstr(d.text, "nul.conf:2: NUL byte"));
    p = test_write("bad.conf", "[host]\nuser = \xff\n", 15, 0644);
    assert_int_equal(kmsdns_config_load(&cfg, p, &d), KMSDNS_ENCODING);
    assert_non_null(strstr(d.text, "bad.conf:2: invalid UTF-8"));
    assert_int_equal(kmsdns_config_load(&cfg, "/nonexistent.conf", &d), KMSDNS_IO);
    assert_non_null(strstr(d.text, "/nonexistent.conf: cannot open"));
}

static void test_crlf_and_bom(void **state)
{
    (void)state;
    struct kmsdns_config cfg;
    assert_int_equal(load("\xEF\xBB\xBF[host]\r\nport = 1700\r\n", &cfg), KMSDNS_OK);
    assert_int_equal(cfg.host.port, 1700);
    kmsdns_config_deinit(&cfg);
}

static void test_secret_file_permissions(void **state)
{
    (void)state;
    struct kmsdns_config cfg;
    test_write("open.key", "k", 1, 0644);
    refused("[dns]\n\ntsig-key = open.key\n", KMSDNS_PERM, 3, "tsig-key ");
    assert_non_null(strstr(d.text, "is accessible to others (mode 0644); run: chmod o-rwx "));
    test_write("open.keytab", "k", 1, 0604);
    refused("[dns]\nkeytab = open.keytab\n", KMSDNS_PERM, 2, "keytab ");
    test_write("group.keytab", "k", 1, 0640);
    assert_int_equal(load("[dns]\nkeytab = group.keytab\n", &cfg), KMSDNS_OK);
    kmsdns_config_deinit(&cfg);
    refused("[dns]\nkeytab = /tmp\n", KMSDNS_IO, 2, "keytab /tmp is not a regular file");
}

static void test_list_file_errors_name_the_list(void **state)
{
    (void)state;
    struct kmsdns_config cfg;
    const char *list = test_write_str("bad-list.txt", "ok.test\nbad..test\n");
    char text[700];
    snprintf(text, sizeof text, "[publish]\nlist-file = %s\n", list);
    assert_int_equal(load(text, &cfg), KMSDNS_NAME);
    char want[700];
    snprintf(want, sizeof want, "%s:2: bad domain name 'bad..test'", list);
    assert_non_null(strstr(d.text, want));
    assert_int_equal(load("[publish]\nlist-file = /nonexistent/list\n", &cfg), KMSDNS_IO);
    assert_string_equal(d.text, "/nonexistent/list: cannot open: No such file or directory");
    test_write_str("dup-list.txt", "corp.test\n");
    assert_int_equal(load("[publish]\ndomain = corp.test\nlist-file = dup-list.txt\n", &cfg),
                     KMSDNS_DUPLICATE);
    assert_non_null(strstr(d.text, "dup-list.txt:1: domain corp.test is listed twice (first at "));
    assert_non_null(strstr(d.text, "k.conf:2)"));
}

static void test_enum_names(void **state)
{
    (void)state;
    assert_string_equal(kmsdns_key_group_name(KMSDNS_GROUP_CLIENT_VL), "client-vl");
    assert_string_equal(kmsdns_auth_name(KMSDNS_AUTH_GSS_TSIG), "gss-tsig");
}

/* One rule for "~": a leading "~/" is the caller's home in every path key. */
static void test_home_in_path_keys(void **state)
{
    (void)state;
    char *old = getenv("HOME") != NULL ? strdup(getenv("HOME")) : NULL;
    setenv("HOME", test_tmpdir(), 1);
    test_write("k1.key", "key \"k1\" { algorithm hmac-sha256; secret \"c2VjcmV0c2VjcmV0\"; };\n",
               64, 0600);
    struct kmsdns_config cfg;
    assert_int_equal(load("[dns]\nauth = tsig\ntsig-key = ~/k1.key\n[host]\ndatabase = ~/h.db\n"
                          "[client]\nstate = ~/c.state\n",
                          &cfg),
                     KMSDNS_OK);
    char want[600];
    snprintf(want, sizeof want, "%s/k1.key", test_tmpdir());
    assert_string_equal(cfg.dns.tsig_key, want);
    snprintf(want, sizeof want, "%s/h.db", test_tmpdir());
    assert_string_equal(cfg.host.database, want);
    snprintf(want, sizeof want, "%s/c.state", test_tmpdir());
    assert_string_equal(cfg.client.state, want);
    kmsdns_config_deinit(&cfg);
    refused("[host]\ndatabase = ~kmsdns/h.db\n", KMSDNS_SYNTAX, 2, "only a leading '~/'");
    refused("[dns]\nkeytab = ~\n", KMSDNS_SYNTAX, 2, "only a leading '~/'");
    refused("[dns]\ntsig-key = ~/none.key\n", KMSDNS_IO, 2, "none.key");
    char *out = NULL;
    const char *why = NULL;
    assert_int_equal(kmsdns_path_expand_home("/abs/~x", &out, &why), KMSDNS_OK);
    assert_string_equal(out, "/abs/~x");
    free(out);
    if (old != NULL) {
        setenv("HOME", old, 1);
        free(old);
    }
}

TEST_MAIN(NULL, test_teardown_tmpdir,
          {
              cmocka_unit_test(test_home_in_path_keys),
              cmocka_unit_test(test_defaults),
              cmocka_unit_test(test_example_config_loads),
              cmocka_unit_test(test_every_key),
              cmocka_unit_test(test_default_publish_domain),
              cmocka_unit_test(test_refusals),
              cmocka_unit_test(test_indented_line_is_not_a_continuation),
              cmocka_unit_test(test_long_lines_and_bytes),
              cmocka_unit_test(test_crlf_and_bom),
              cmocka_unit_test(test_secret_file_permissions),
              cmocka_unit_test(test_list_file_errors_name_the_list),
              cmocka_unit_test(test_enum_names),
          })
