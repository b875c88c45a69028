/* Unit tests of the small core modules: date, buf, diag, xmldoc, entry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "../../registry/buf.h"
#include "../../registry/date.h"
#include "../../registry/diag.h"
#include "../../registry/entry.h"
#include "../../registry/sha256.h"
#include "../../registry/xmldoc.h"

static void test_date_roundtrip(void **state)
{
    int d;
    char s[11];

    (void)state;
    assert_int_equal(date_parse("1970-01-01", &d), 0);
    assert_int_equal(d, 0);
    assert_int_equal(date_parse("2024-02-29", &d), 0);
    assert_string_equal(date_format(d, s), "2024-02-29");
    assert_int_equal(date_parse("2023-02-29", &d), -1);
    assert_int_equal(date_parse("2023-13-01", &d), -1);
    assert_int_equal(date_parse("2023-1-01", &d), -1);
    assert_int_equal(date_parse("2023-01-01x", &d), -1);
    assert_int_equal(date_parse("", &d), -1);
    assert_int_equal(date_parse(NULL, &d), -1);
}

static void test_date_months(void **state)
{
    int d;
    char s[11];

    (void)state;
    date_parse("2024-01-31", &d);
    assert_string_equal(date_format(date_add_months(d, 1), s), "2024-02-29");
    assert_string_equal(date_format(date_add_months(d, 12), s), "2025-01-31");
    assert_string_equal(date_format(date_add_months(d, -2), s), "2023-11-30");
    date_parse("2025-12-19", &d);
    assert_string_equal(date_format(d + 14, s), "2026-01-02");
}

static void test_buf(void **state)
{
    buf b;

    (void)state;
    buf_init(&b, 16);
    assert_int_equal(buf_puts(&b, "0123456789"), 0);
    assert_int_equal(buf_printf(&b, "%d", 12345), 0);
    assert_string_equal(buf_str(&b), "012345678912345");
    assert_int_equal(buf_puts(&b, "xx"), -1); /* over the cap */
    assert_true(b.failed);
    buf_free(&b);
    buf_init(&b, 0);
    buf_xml_escape(&b, "a<b>&\"c'");
    assert_string_equal(buf_str(&b), "a&lt;b&gt;&amp;&quot;c&#39;");
    buf_free(&b);
}

static void test_diag_format_sort(void **state)
{
    diag_list l = {0};
    buf b;

    (void)state;
    diag_add(&l, "b.xml", 3, 0, SEV_WARNING, "tia-stale", "b", "old %s", "tia");
    diag_add(&l, "a.xml", 9, 2, SEV_ERROR, "schema", NULL, "bad");
    diag_sort(&l);
    buf_init(&b, 0);
    diag_format(&l.v[0], &b);
    assert_string_equal(buf_str(&b), "a.xml:9:2: error[schema]: bad");
    b.len = 0;
    diag_format(&l.v[1], &b);
    assert_string_equal(buf_str(&b), "b.xml:3:1: warning[tia-stale]: old tia");
    assert_int_equal(diag_count(&l, SEV_ERROR, -1), 1);
    buf_free(&b);
    diag_list_free(&l);
}

static const char good[] =
    "<?xml version=\"1.0\"?>\n"
    "<subprocessor xmlns=\"urn:subreg:1\" id=\"acme\">\n"
    "  <name>Acme &amp; Co</name>\n"
    "  <entity country=\"US\">1 Main St</entity>\n"
    "  <purpose>Testing</purpose>\n"
    "  <categories><category>a</category><category>b</category></categories>\n"
    "  <flow>processor</flow><flow>controller</flow>\n"
    "  <status>active</status>\n"
    "  <announced>2025-01-01</announced>\n"
    "  <effective>2025-02-01</effective>\n"
    "  <dpa signed=\"2025-01-01\" expires=\"2030-01-01\"/>\n"
    "  <locations><location country=\"US\" use=\"access\" provider=\"aws\" region=\"us-east-1\"/></locations>\n"
    "  <transfers><transfer country=\"US\" mechanism=\"scc\" clauses=\"2021/914\" module=\"2 3\" tia=\"2025-01-01\"/></transfers>\n"
    "  <internal>secret note</internal>\n"
    "</subprocessor>\n";

static void test_entry_from_doc_and_views(void **state)
{
    diag_list d = {0};
    sr_err err = {{0}};
    xmlDocPtr doc;
    entry *e;
    cJSON *pub, *in;
    char *ps, *is;

    (void)state;
    doc = xmldoc_parse(good, sizeof(good) - 1, "acme.xml", &d);
    assert_non_null(doc);
    assert_int_equal(entry_from_doc(doc, "acme.xml", &e, &d, &err), 0);
    xmlFreeDoc(doc);
    assert_non_null(e);
    assert_int_equal(d.n, 0);
    assert_string_equal(e->id, "acme");
    assert_string_equal(e->name, "Acme & Co");
    assert_int_equal(e->flows, ROLE_PROCESSOR | ROLE_CONTROLLER);
    assert_int_equal(e->ncategories, 2);
    assert_int_equal(e->transfers[0].modules, (1u << 2) | (1u << 3));
    assert_int_equal(e->transfers[0].line, 13);
    pub = entry_to_json(e, 0);
    in = entry_to_json(e, 1);
    ps = cJSON_PrintUnformatted(pub);
    is = cJSON_PrintUnformatted(in);
    assert_null(strstr(ps, "secret"));
    assert_null(strstr(ps, "1 Main St"));
    assert_null(strstr(ps, "dpa"));
    assert_null(strstr(ps, "tia"));
    assert_null(strstr(ps, "us-east-1"));
    assert_non_null(strstr(is, "secret note"));
    assert_non_null(strstr(is, "\"tia\":\"2025-01-01\""));
    free(ps);
    free(is);
    cJSON_Delete(pub);
    cJSON_Delete(in);
    entry_free(e);
    diag_list_free(&d);
}

static void test_xml_hostile(void **state)
{
    static const char *bad[] = {
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>",
        "<!DOCTYPE x SYSTEM \"http://127.0.0.1:1/x.dtd\"><x/>",
        "<x>&undefined;</x>",
        "<x><y></x>",
        "\xff\xfe<x/>",
        "",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        diag_list d = {0};
        xmlDocPtr doc = xmldoc_parse(bad[i], strlen(bad[i]), "h.xml", &d);
        assert_null(doc);
        assert_true(d.n >= 1);
        assert_string_equal(d.v[0].rule, "schema");
        diag_list_free(&d);
    }
}

static void test_id_valid(void **state)
{
    (void)state;
    assert_true(entry_id_valid("aws"));
    assert_true(entry_id_valid("a-1"));
    assert_false(entry_id_valid("-a"));
    assert_false(entry_id_valid("../x"));
    assert_false(entry_id_valid("A"));
    assert_false(entry_id_valid(""));
    assert_false(entry_id_valid("a234567890123456789012345678901234567890123456789012345678901234"));
}

/* The digests through libcrypto against published vectors (FIPS 180-4, RFC 4231 case 2),
 * the constant-time comparison, and CSV cells that never become formulas. */
static void test_digests_and_cells(void **state)
{
    char hex[65];
    unsigned char mac[32];
    buf b;

    (void)state;
    sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hmac_sha256("Jefe", 4, "what do ya want ", 16, "for nothing?", 12, mac);
    sha256_to_hex(mac, 32, hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    assert_true(sha256_equal("abc", "abc"));
    assert_false(sha256_equal("abc", "abd"));
    assert_false(sha256_equal("abc", "abcd"));
    buf_init(&b, 0);
    buf_csv_field(&b, "=1+1", 0);
    buf_csv_field(&b, "a,\"b\"", 0);
    buf_csv_field(&b, "@x\ny", 1);
    assert_string_equal(buf_str(&b), "'=1+1,\"a,\"\"b\"\"\",\"'@x\ny\"\r\n");
    b.len = 0;
    buf_md_cell(&b, "<b>|[x](javascript:y)`");
    assert_string_equal(buf_str(&b), " &lt;b&gt;\\|\\[x\\](javascript:y)\\` |");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_roundtrip),  cmocka_unit_test(test_date_months),
        cmocka_unit_test(test_buf),             cmocka_unit_test(test_diag_format_sort),
        cmocka_unit_test(test_entry_from_doc_and_views), cmocka_unit_test(test_xml_hostile),
        cmocka_unit_test(test_id_valid),        cmocka_unit_test(test_digests_and_cells),
    };
    xmldoc_global_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
