#include "cli.h"
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "../registry/date.h"
#include "../registry/reference.h"
#include "../registry/source.h"
#include "../registry/xmldoc.h"

static schemas loaded;
static int loaded_ok;

static void free_schemas(void)
{
    schemas_free(&loaded);
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "subreg %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_USAGE;
}

const schemas *cli_schemas(void)
{
    sr_err err = {{0}};

    if (loaded_ok)
        return &loaded;
    if (schemas_load(&loaded, &err) != 0) {
        fprintf(stderr, "subreg: cannot compile the built-in schemas: %s\n", err.msg);
        return NULL;
    }
    loaded_ok = 1;
    atexit(free_schemas);
    return &loaded;
}

registry *cli_load_registry(const char *cmd, const char *path, const char *rev, diag_list *d)
{
    const schemas *xs = cli_schemas();
    source *src = NULL;
    registry *r = NULL;
    sr_err err = {{0}};

    if (!xs)
        return NULL;
    if (source_open(path, rev, &src, &err) != 0) {
        cli_fail(cmd, "%s", err.msg);
        if (!rev && strcmp(path, DEFAULT_REGISTRY) == 0)
            fprintf(stderr, "  (create it with `subreg init`, or name one with --registry PATH)\n");
        return NULL;
    }
    if (registry_load(src, xs, &r, d, &err) != 0)
        cli_fail(cmd, "%s", err.msg);
    source_close(src);
    return r;
}

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int add_file(const char *cmd, registry *r, const schemas *xs, const char *path,
                    diag_list *d)
{
    sr_err err = {{0}};
    char *data = NULL, id[256];
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    size_t len, bl = strlen(base);
    entry *e;
    int rc;

    rc = source_read_path(path, XMLDOC_MAX_BYTES, &data, &len, &err);
    if (rc == STORE_NOTFOUND)
        return cli_fail(cmd, "%s: no such file", path), -1;
    if (rc != 0) {
        /* unreadable or too big: a problem of this file, the others are still checked */
        diag_add(d, path, 0, 0, SEV_ERROR, "schema", NULL, "%s", err.msg);
        return 0;
    }
    if (bl > 4 && strcmp(base + bl - 4, ".xml") == 0)
        snprintf(id, sizeof(id), "%.*s", (int)(bl - 4 < 255 ? bl - 4 : 255), base);
    else
        id[0] = '\0';
    if (strstr(data, "<customer") && !strstr(data, "<subprocessor")) {
        /* a customer's file (customers/<id>.xml): its schema and date-free checks */
        customer *c = NULL;
        rc = customer_parse(xs, data, len, path, &c, d, &err);
        free(data);
        if (rc != 0)
            return cli_fail(cmd, "%s", err.msg), -1;
        if (c)
            customer_check(r->ref, c, id[0] ? id : NULL, d);
        customer_free(c);
        return 0;
    }
    rc = registry_parse_entry(xs, data, len, path, &e, d, &err);
    free(data);
    if (rc != 0)
        return cli_fail(cmd, "%s", err.msg), -1;
    if (!e)
        return 0;
    if (bl > 4 && strcmp(base + bl - 4, ".xml") == 0)
        snprintf(id, sizeof(id), "%.*s", (int)(bl - 4 < 255 ? bl - 4 : 255), base);
    else
        snprintf(id, sizeof(id), "%s", e->id ? e->id : "");
    registry_check_entry(r->ref, e, id, d);
    if (registry_add(r, e, NULL) != 0) {
        entry_free(e);
        return cli_fail(cmd, "out of memory"), -1;
    }
    return 0;
}

registry *cli_load_files(const char *cmd, char **paths, int n, diag_list *d)
{
    const schemas *xs = cli_schemas();
    sr_err err = {{0}};
    reference *ref;
    registry *r;
    int i;

    if (!xs)
        return NULL;
    ref = reference_builtin(xs->reference, &err);
    if (!ref) {
        cli_fail(cmd, "%s", err.msg);
        return NULL;
    }
    r = registry_new(ref);
    if (!r) {
        reference_free(ref);
        cli_fail(cmd, "out of memory");
        return NULL;
    }
    for (i = 0; i < n; i++) {
        if (is_dir(paths[i])) {
            source *src = NULL;
            char **names = NULL, p[8192];
            size_t nn = 0, k;
            if (source_open(paths[i], NULL, &src, &err) != 0 ||
                source_list(src, ".", &names, &nn, &err) != 0) {
                source_close(src);
                cli_fail(cmd, "%s", err.msg);
                goto fail;
            }
            source_close(src);
            for (k = 0; k < nn; k++) {
                snprintf(p, sizeof(p), "%s/%s", paths[i], names[k]);
                if (add_file(cmd, r, xs, p, d) != 0) {
                    source_names_free(names, nn);
                    goto fail;
                }
            }
            source_names_free(names, nn);
        } else if (add_file(cmd, r, xs, paths[i], d) != 0) {
            goto fail;
        }
    }
    registry_check_all(r, d);
    return r;
fail:
    registry_free(r);
    return NULL;
}

void cli_print_diags(FILE *f, const diag_list *d)
{
    buf line;
    size_t i;

    buf_init(&line, 0);
    for (i = 0; i < d->n; i++) {
        line.len = 0;
        diag_format(&d->v[i], &line);
        if (d->v[i].waived)
            buf_printf(&line, " (waived: %s)", d->v[i].waiver ? d->v[i].waiver : "");
        fprintf(f, "%s\n", buf_str(&line));
    }
    buf_free(&line);
}

int cli_parse_date(const char *s, int *day)
{
    if (strcmp(s, "today") == 0) {
        *day = date_today();
        return 0;
    }
    return date_parse(s, day);
}

int cli_set_date(void *ctx, const char *value, char *why, size_t n)
{
    if (cli_parse_date(value, ctx) == 0)
        return 0;
    snprintf(why, n, "write a real day as YYYY-MM-DD");
    return -1;
}

int cli_set_count(void *ctx, const char *value, char *why, size_t n)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < 0) {
        snprintf(why, n, "give a whole number, 0 or more");
        return -1;
    }
    *(long *)ctx = v;
    return 0;
}

int cli_options(const char *cmd, const char *usage, int argc, char **argv, const cli_opt *opts)
{
    struct option lo[32];
    char why[256];
    size_t n = 0, i;
    int c;

    for (i = 0; opts[i].name && n < 31; i++, n++)
        lo[n] = (struct option){opts[i].name, opts[i].flag ? no_argument : required_argument, NULL,
                                (int)(256 + i)};
    lo[n++] = (struct option){"help", no_argument, NULL, 'h'};
    lo[n] = (struct option){NULL, 0, NULL, 0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        const cli_opt *o = c >= 256 ? &opts[c - 256] : NULL;
        if (c == 'h') {
            fputs(usage, stdout);
            return EXIT_OK;
        }
        if (!o) {
            fputs(usage, stderr);
            return EXIT_USAGE;
        }
        if (o->flag) {
            *o->flag = 1;
        } else if (o->str) {
            *o->str = optarg;
        } else if (o->set && o->set(o->ctx, optarg, why, sizeof(why)) != 0) {
            return cli_fail(cmd, "--%s %s: %s", o->name, optarg, why);
        }
    }
    return CLI_GO;
}

int cli_mkdirs(const char *dir)
{
    char p[PATH_MAX];
    size_t i, n = strlen(dir);

    if (n == 0 || n >= sizeof(p)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(p, dir, n + 1);
    for (i = 1; i <= n; i++) {
        if (p[i] == '/' || p[i] == '\0') {
            char c = p[i];
            p[i] = '\0';
            if (mkdir(p, 0700) != 0 && errno != EEXIST)
                return -1;
            p[i] = c;
        }
    }
    return 0;
}

int cli_open_repo(const char *cmd, const char *path, const char *state_dir, cli_repo *out)
{
    const schemas *xs = cli_schemas();
    char idx_path[PATH_MAX], real[PATH_MAX];
    sr_err err = {{0}};

    memset(out, 0, sizeof(*out));
    if (!xs)
        return EXIT_USAGE;
    if (!store_is_repo(path)) {
        cli_fail(cmd, "%s is not a git repository (history needs one; create it with `subreg init`)",
                 path);
        return EXIT_USAGE;
    }
    if (store_open(path, 0, &out->st, &err) != 0)
        goto fail;
    if (cli_mkdirs(state_dir) != 0) {
        sr_err_set(&err, "cannot create the state directory %s: %s", state_dir, strerror(errno));
        goto fail;
    }
    if (!realpath(store_path(out->st), real))
        snprintf(real, sizeof(real), "%s", store_path(out->st));
    snprintf(idx_path, sizeof(idx_path), "%s/index.sqlite", state_dir);
    if (index_open(idx_path, real, &out->idx, &err) != 0 ||
        index_catch_up(out->idx, out->st, xs, NULL, NULL, &err) != 0)
        goto fail;
    return 0;
fail:
    cli_close_repo(out);
    return cli_fail(cmd, "%s", err.msg);
}

void cli_close_repo(cli_repo *r)
{
    index_close(r->idx);
    store_close(r->st);
    memset(r, 0, sizeof(*r));
}
