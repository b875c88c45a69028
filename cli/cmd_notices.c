/* subreg subscribers, subreg notices, subreg objections: the records of notice in
 * STATE/notify.sqlite, from the command line (the same records /v1/subscribers,
 * /v1/notices and /v1/objections serve). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cjson/cJSON.h>
#include "../registry/buf.h"
#include "cli.h"
#include "commands.h"
#include "../notices/message.h"
#include "../notices/noticedb.h"

static const char subscribers_usage[] =
    "usage: subreg subscribers add EMAIL [--customer NAME] [--lang en|fr|nl] [--state DIR]\n"
    "       subreg subscribers list [--format text|csv|json] [--state DIR]\n"
    "       subreg subscribers remove EMAIL [--erase] [--state DIR]\n"
    "\n"
    "The people notified of changes to the sub-processors (docs/notify.md), kept in\n"
    "STATE/notify.sqlite (default state " DEFAULT_STATE "), never in git. add records a customer's\n"
    "notice contact as confirmed (you vouch for it; people who subscribe themselves on the\n"
    "page confirm by email). remove stops notices; --erase also replaces the address in the\n"
    "delivery records by its SHA-256 (an erasure request: delivery stays provable to whoever\n"
    "knows the address). A running server sees the change at once.\n";

static const char notices_usage[] =
    "usage: subreg notices [--since YYYY-MM-DD] [--format csv|json] [--state DIR]\n"
    "       subreg notices --purge-before YYYY-MM-DD [--state DIR]\n"
    "\n"
    "The proof of notice: every email and webhook delivery of a change set (and every\n"
    "confirmation email), with its recipient, status, times, attempts, the relay's or the\n"
    "receiver's last answer and the Message-ID. CSV (the default) or JSON on standard output.\n"
    "--purge-before removes the records of change sets recorded before that day whose\n"
    "deliveries are all done (the retention period is yours to set: docs/notify.md).\n";

static const char objections_usage[] =
    "usage: subreg objections [--format text|csv|json] [--state DIR]\n"
    "\n"
    "Objections customers made through the link in a notice, newest first: the change set,\n"
    "who, their customer, when, their comment. What happens next is a human decision.\n";

/* Make text safe for a terminal and for one line of a listing: control characters (C0,
 * DEL, C1: escapes, line breaks, tabs) and bidirectional controls become '?', so that a
 * comment can neither forge rows nor reach the operator's terminal as escape sequences. */
static void inert(char *t)
{
    unsigned char *p = (unsigned char *)t;

    for (; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            *p = '?';
        else if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
            p[0] = '?', p[1] = '?';
        else if (p[0] == 0xE2 && ((p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE) ||
                                  (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)))
            p[0] = p[1] = p[2] = '?';
    }
}

/* A value as text: numbers plain, arrays of changes as their summaries joined by "; ". */
static void value_text(const cJSON *v, char *out, size_t n)
{
    const cJSON *it;
    size_t used = 0;

    out[0] = '\0';
    if (cJSON_IsString(v))
        snprintf(out, n, "%s", v->valuestring);
    else if (cJSON_IsNumber(v))
        snprintf(out, n, "%.0f", v->valuedouble);
    else if (cJSON_IsArray(v))
        cJSON_ArrayForEach(it, v) {
            const cJSON *sm = cJSON_GetObjectItemCaseSensitive(it, "summary");
            if (cJSON_IsString(sm) && used + 3 < n)
                used += (size_t)snprintf(out + used, n - used, "%s%s", used ? "; " : "", sm->valuestring);
        }
}

static int print_rows(const cJSON *rows, const char *format)
{
    const cJSON *row, *col, *first = cJSON_GetArrayItem(rows, 0);
    static char text[8192];
    char *txt;

    if (strcmp(format, "json") == 0) {
        txt = cJSON_Print(rows);
        if (!txt)
            return -1;
        puts(txt);
        cJSON_free(txt);
        return 0;
    }
    if (strcmp(format, "csv") == 0) {
        int k = 0;
        cJSON_ArrayForEach(col, first)
            printf("%s%s", k++ ? "," : "", col->string);
        if (first)
            printf("\r\n");
        cJSON_ArrayForEach(row, rows) {
            k = 0;
            cJSON_ArrayForEach(col, row) {
                if (k++)
                    putchar(',');
                value_text(col, text, sizeof(text));
                if (cJSON_IsNumber(col)) {
                    fputs(text, stdout);
                } else if (!cJSON_IsNull(col)) {
                    buf f;
                    buf_init(&f, 0);
                    buf_csv_field(&f, text, 1);
                    fwrite(f.p, 1, f.len - 2, stdout); /* without the CRLF */
                    buf_free(&f);
                }
            }
            printf("\r\n");
        }
        return 0;
    }
    cJSON_ArrayForEach(row, rows) { /* text: one line each, tab-separated */
        int k = 0;
        cJSON_ArrayForEach(col, row) {
            value_text(col, text, sizeof(text));
            inert(text);
            printf("%s%s", k++ ? "\t" : "", cJSON_IsNull(col) ? "-" : text);
        }
        putchar('\n');
    }
    return 0;
}

static int format_ok(const char *f, int text)
{
    return strcmp(f, "csv") == 0 || strcmp(f, "json") == 0 || (text && strcmp(f, "text") == 0);
}

/* Open the records in state (which must exist: no server ever ran there otherwise). */
static noticedb *open_db(const char *cmd, const char *state, int create)
{
    noticedb *db = NULL;
    sr_err err = {{0}};
    struct stat stbuf;

    if (create && cli_mkdirs(state) != 0) {
        cli_fail(cmd, "cannot create %s: %s", state, strerror(errno));
        return NULL;
    }
    if (!create && stat(state, &stbuf) != 0) {
        cli_fail(cmd, "%s: %s (give the server's --state DIR)", state, strerror(errno));
        return NULL;
    }
    if (notice_open(state, &db, &err) != 0)
        cli_fail(cmd, "%s", err.msg);
    return db;
}

/* The options the three commands share; returns the index of the first operand, or -1
 * after printing usage (*rc says how to exit). */
typedef struct notice_opts {
    const char *state, *format, *customer, *lang, *since, *purge;
    int erase;
} notice_opts;

static int parse(int argc, char **argv, const char *usage, notice_opts *o, int *rc)
{
    const cli_opt opts[] = {CLI_STR("state", &o->state), CLI_STR("format", &o->format),
                            CLI_STR("customer", &o->customer), CLI_STR("lang", &o->lang), CLI_STR("since", &o->since),
                            CLI_FLAG("erase", &o->erase), CLI_STR("purge-before", &o->purge), CLI_END};

    if ((*rc = cli_options(argv[0], usage, argc, argv, opts)) != CLI_GO)
        return -1;
    return optind;
}

int cmd_subscribers(int argc, char **argv)
{
    notice_opts o = {DEFAULT_STATE, "text", NULL, "en", NULL, NULL, 0};
    const char *verb, *email = NULL;
    char why[200];
    noticedb *db = NULL;
    notice_subscriber sub;
    sr_err err = {{0}};
    cJSON *rows = NULL;
    int rc = EXIT_USAGE, i = parse(argc, argv, subscribers_usage, &o, &rc), created, r;

    if (i < 0)
        return rc;
    if (i >= argc || argc - i > 2) {
        fputs(subscribers_usage, stderr);
        return EXIT_USAGE;
    }
    verb = argv[i];
    email = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(verb, "list") == 0 && !email) {
        if (!format_ok(o.format, 1))
            return cli_fail("subscribers", "--format: text, csv or json");
        if (!(db = open_db("subscribers", o.state, 0)))
            return EXIT_USAGE;
        if (notice_subscribers(db, &rows, &err) != 0 || print_rows(rows, o.format) != 0)
            rc = cli_fail("subscribers", "%s", err.msg[0] ? err.msg : "out of memory");
        else
            rc = EXIT_OK;
        goto out;
    }
    if ((strcmp(verb, "add") != 0 && strcmp(verb, "remove") != 0) || !email) {
        fputs(subscribers_usage, stderr);
        return EXIT_USAGE;
    }
    if (!notice_email_valid(email, why, sizeof(why)))
        return cli_fail("subscribers", "%s: %s", email, why);
    if (strcmp(verb, "add") == 0) {
        if (!message_lang_known(o.lang))
            return cli_fail("subscribers", "--lang: en, fr or nl");
        if (o.customer && !notice_text_ok(o.customer, 200))
            return cli_fail("subscribers", "--customer: one line of UTF-8 text, at most 200 bytes");
        if (!(db = open_db("subscribers", o.state, 1)))
            return EXIT_USAGE;
        if (notice_subscribe(db, email, o.lang, o.customer, "editor:cli", 1, &sub, &created, &err) != 0) {
            rc = cli_fail("subscribers", "%s", err.msg);
            goto out;
        }
        printf("%s %s (subscriber %lld, %s, confirmed)\n", created ? "Added" : "Updated", sub.email,
               (long long)sub.id, sub.lang);
        rc = EXIT_OK;
        goto out;
    }
    if (!(db = open_db("subscribers", o.state, 0)))
        return EXIT_USAGE;
    r = notice_unsubscribe(db, 0, email, o.erase, &err);
    if (r < 0)
        rc = cli_fail("subscribers", "%s", err.msg);
    else if (r == SR_NOTFOUND)
        rc = cli_fail("subscribers", "no subscriber %s", email);
    else {
        printf("Removed %s%s.\n", email, o.erase ? "; the delivery records keep only its SHA-256" : "");
        rc = EXIT_OK;
    }
out:
    cJSON_Delete(rows);
    notice_close(db);
    return rc;
}

int cmd_notices(int argc, char **argv)
{
    notice_opts o = {DEFAULT_STATE, "csv", NULL, NULL, NULL, NULL, 0};
    noticedb *db;
    sr_err err = {{0}};
    cJSON *rows = NULL;
    int rc = EXIT_USAGE, i = parse(argc, argv, notices_usage, &o, &rc), day = 0, n;

    if (i < 0)
        return rc;
    if (i != argc) {
        fputs(notices_usage, stderr);
        return EXIT_USAGE;
    }
    if (!format_ok(o.format, 0))
        return cli_fail("notices", "--format: csv or json");
    if (o.since && cli_parse_date(o.since, &day) != 0)
        return cli_fail("notices", "--since %s: give a day as YYYY-MM-DD", o.since);
    if (o.purge && cli_parse_date(o.purge, &day) != 0)
        return cli_fail("notices", "--purge-before %s: give a day as YYYY-MM-DD", o.purge);
    if (!(db = open_db("notices", o.state, 0)))
        return EXIT_USAGE;
    if (o.purge) {
        n = notice_purge(db, (int64_t)day * 86400, &err);
        if (n < 0)
            rc = cli_fail("notices", "%s", err.msg);
        else {
            printf("Removed %d delivery records of change sets recorded before %s.\n", n, o.purge);
            rc = EXIT_OK;
        }
        notice_close(db);
        return rc;
    }
    if (notice_proof(db, (int64_t)day * 86400, 0, 0, &rows, &err) != 0 || print_rows(rows, o.format) != 0)
        rc = cli_fail("notices", "%s", err.msg[0] ? err.msg : "out of memory");
    else
        rc = EXIT_OK;
    cJSON_Delete(rows);
    notice_close(db);
    return rc;
}

int cmd_objections(int argc, char **argv)
{
    notice_opts o = {DEFAULT_STATE, "text", NULL, NULL, NULL, NULL, 0};
    noticedb *db;
    sr_err err = {{0}};
    cJSON *rows = NULL;
    int rc = EXIT_USAGE, i = parse(argc, argv, objections_usage, &o, &rc);

    if (i < 0)
        return rc;
    if (i != argc) {
        fputs(objections_usage, stderr);
        return EXIT_USAGE;
    }
    if (!format_ok(o.format, 1))
        return cli_fail("objections", "--format: text, csv or json");
    if (!(db = open_db("objections", o.state, 0)))
        return EXIT_USAGE;
    if (notice_objections(db, &rows, &err) != 0 || print_rows(rows, o.format) != 0)
        rc = cli_fail("objections", "%s", err.msg[0] ? err.msg : "out of memory");
    else
        rc = EXIT_OK;
    cJSON_Delete(rows);
    notice_close(db);
    return rc;
}
