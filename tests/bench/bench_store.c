/* Store benchmark: validated writes (guard_write: schema, checks, rules, commit with
 * compare-and-swap, fsync) into a registry repository, index rebuild and one-commit
 * catch-up. usage: bench_store REPO INDEX_FILE WRITES
 * The first WRITES writes are a warm-up; the next WRITES are measured.
 * Prints "write_median_ms=... write_p90_ms=... rebuild_ms=... catchup_ms=..." */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../../registry/date.h"
#include "../../registry/guard.h"
#include "../../registry/index.h"
#include "../../registry/schema.h"
#include "../../registry/store.h"
#include "../../registry/xmldoc.h"

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    schemas xs;
    sr_err err = {{0}};
    store *s = NULL;
    index_db *idx = NULL;
    int n, i, day;
    double *t, t0, rebuild, catchup;
    char xml[2048], commit[STORE_OID_HEX], blob[STORE_OID_HEX];
    store_author who = {"bench", "bench@example.org", 0};

    if (argc != 4)
        return 2;
    n = atoi(argv[3]);
    t = calloc((size_t)n, sizeof(*t));
    xmldoc_global_init();
    if (store_global_init(&err) || schemas_load(&xs, &err) || store_open(argv[1], 0, &s, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    day = date_today();
    /* the first n writes warm the page cache and are not measured */
    for (i = -n; i < n; i++) {
        diag_list d = {0};
        int rc;
        snprintf(xml, sizeof(xml),
                 "<?xml version=\"1.0\"?>\n<subprocessor xmlns=\"urn:subreg:1\" id=\"bench-entry\">\n"
                 "  <name>Bench Vendor</name>\n  <entity country=\"DE\">Berlin</entity>\n"
                 "  <purpose>Benchmark write %d</purpose>\n"
                 "  <categories><category>contact-data</category></categories>\n"
                 "  <flow>processor</flow>\n  <status>active</status>\n"
                 "  <announced>2025-01-01</announced>\n  <effective>2025-02-01</effective>\n"
                 "  <dpa signed=\"2025-01-01\"/>\n"
                 "  <locations><location country=\"DE\" use=\"storage\"/><location country=\"US\" use=\"access\"/></locations>\n"
                 "  <transfers><transfer country=\"US\" mechanism=\"scc\" clauses=\"2021/914\" module=\"3\" signed=\"2025-01-01\" tia=\"2026-06-01\"/></transfers>\n"
                 "</subprocessor>\n",
                 i);
        t0 = now_ms();
        rc = guard_write(s, &xs, NULL, "bench-entry", xml, strlen(xml), &who, "bench\n", day, NULL, &d,
                         commit, blob, &err);
        if (i >= 0)
            t[i] = now_ms() - t0;
        diag_list_free(&d);
        if (rc != 0) {
            fprintf(stderr, "write %d failed (%d): %s\n", i, rc, err.msg);
            return 1;
        }
    }
    qsort(t, (size_t)n, sizeof(*t), cmp_d);
    remove(argv[2]);
    if (index_open(argv[2], argv[1], &idx, &err) != 0)
        return 1;
    t0 = now_ms();
    if (index_rebuild(idx, s, &xs, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    rebuild = now_ms() - t0;
    {
        diag_list d = {0};
        const char *x = strstr(xml, "Benchmark write");
        memcpy((char *)x, "Benchmark WRITE", 15);
        guard_write(s, &xs, NULL, "bench-entry", xml, strlen(xml), &who, "bench\n", day, NULL, &d, commit,
                    blob, &err);
        diag_list_free(&d);
    }
    t0 = now_ms();
    if (index_catch_up(idx, s, &xs, NULL, NULL, &err) != 0)
        return 1;
    catchup = now_ms() - t0;
    printf("write_median_ms=%.2f write_p90_ms=%.2f rebuild_ms=%.0f catchup_ms=%.2f\n", t[n / 2],
           t[n * 9 / 10], rebuild, catchup);
    index_close(idx);
    store_close(s);
    schemas_free(&xs);
    free(t);
    return 0;
}
