/* Fuzz target for the project's own parsers of untrusted input: an entry file (XML, with
 * the DOCTYPE refusal, XSD, entry model, date-free checks and rules), a hosting file
 * (Terraform plan JSON or manifest XML, with the hosting check) and a customer's file (XSD,
 * customer model, its checks, its JSON and its view); an entry is also formatted
 * twice (subreg fmt: content kept, idempotent). The first byte picks the
 * parser: even an entry, 'C' a customer's file, another odd byte a hosting file. Built with libFuzzer by `make fuzz`; replayed over tests/fuzz/corpus by
 * `make test` with the plain driver in fuzz_replay.c (the system libraries are not
 * instrumented, the project's code is). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../registry/customer_view.h"
#include "../../registry/date.h"
#include "../../registry/fmt.h"
#include "../../registry/hosting.h"
#include "../../registry/registry.h"
#include "../../registry/rules.h"
#include "../../registry/xmldoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static schemas xs;

static void release(void)
{
    schemas_free(&xs);
}

static void once(void)
{
    static int done;
    sr_err err = {{0}};

    if (done)
        return;
    done = 1;
    xmldoc_global_init();
    if (schemas_load(&xs, &err) != 0)
        abort();
    atexit(release);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    diag_list d = {0};
    sr_err err = {{0}};
    registry *r;
    reference *own;

    once();
    if (size < 1)
        return 0;
    own = reference_builtin(xs.reference, &err);
    r = own ? registry_new(own) : NULL;
    if (!r) {
        reference_free(own);
        return 0;
    }
    if (data[0] % 2 == 0) {
        entry *e = NULL;
        registry_parse_entry(&xs, (const char *)data + 1, size - 1, "fuzz.xml", &e, &d, &err);
        buf once_, twice;
        buf_init(&once_, 0);
        buf_init(&twice, 0);
        /* fmt never loses content (it checks itself) and is idempotent */
        if (fmt_document((const char *)data + 1, size - 1, "fuzz.xml", &once_, &d) == 0 &&
            (fmt_document(once_.p, once_.len, "fuzz.xml", &twice, &d) != 0 || twice.len != once_.len ||
             memcmp(twice.p, once_.p, once_.len) != 0))
            abort();
        buf_free(&once_);
        buf_free(&twice);
        if (e) {
            registry_check_entry(r->ref, e, "fuzz", &d);
            if (registry_add(r, e, NULL) == 0) {
                rules_check(r, date_today(), &d);
                entry_render(e);
            } else {
                entry_free(e);
            }
        }
    } else if (data[0] == 'C') {
        customer *c = NULL;
        if (customer_parse(&xs, (const char *)data + 1, size - 1, "customers/fuzz.xml", &c, &d, &err) == 0 && c) {
            cJSON *j;
            buf md;
            customer_check(r->ref, c, "fuzz", &d);
            j = customer_view_json(r, c, date_today());
            cJSON_Delete(j);
            buf_init(&md, 0);
            customer_view_md(r, c, date_today(), &md);
            customer_view_html(r, c, date_today(), &md);
            buf_free(&md);
        }
        customer_free(c);
    } else {
        hosting_list l;
        if (hosting_parse((const char *)data + 1, size - 1, "fuzz.json", &xs, &l, &d, &err) == 0)
            hosting_check(r, &l, date_today(), &d);
        hosting_list_free(&l);
    }
    registry_free(r);
    diag_list_free(&d);
    return 0;
}
