/* subreg init: create the registry's bare git repository from a directory, with the push
 * guard installed. */
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../registry/registry.h"
#include "../registry/source.h"
#include "../registry/store.h"
#include "../registry/xmldoc.h"
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: subreg init [--registry PATH] [--from DIR]\n"
    "\n"
    "Create a bare git repository holding the registry in DIR as its first commit on main,\n"
    "and install a pre-receive hook that validates every push (schemas, registry checks and\n"
    "the rules of the changed entries).\n"
    "\n"
    "  --registry PATH  the repository to create (default " DEFAULT_REGISTRY "); it must not exist\n"
    "  --from DIR       the registry to start from (default data/seed); it must validate\n"
    "  -h, --help       this help\n"
    "\n"
    "Exit status: 0 created, 1 DIR does not validate, 2 usage or I/O error (e.g. PATH exists).\n";

typedef struct files {
    store_change *v;
    char **bufs;
    char **paths;
    size_t n, cap;
} files;

static void files_free(files *f)
{
    size_t i;

    for (i = 0; i < f->n; i++) {
        free(f->bufs[i]);
        free(f->paths[i]);
    }
    free(f->v);
    free(f->bufs);
    free(f->paths);
}

static int files_add(files *f, source *src, const char *rel, sr_err *err)
{
    char *data;
    size_t len;
    int rc;

    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        store_change *v = realloc(f->v, cap * sizeof(*v));
        char **b = v ? realloc(f->bufs, cap * sizeof(*b)) : NULL;
        char **p = b ? realloc(f->paths, cap * sizeof(*p)) : NULL;
        if (v)
            f->v = v;
        if (b)
            f->bufs = b;
        if (!p) {
            sr_err_set(err, "out of memory");
            return -1;
        }
        f->paths = p;
        f->cap = cap;
    }
    rc = source_read(src, rel, 16 * XMLDOC_MAX_BYTES, &data, &len, NULL, err);
    if (rc == STORE_NOTFOUND)
        return 0;
    if (rc != 0)
        return -1;
    f->bufs[f->n] = data;
    f->paths[f->n] = strdup(rel);
    if (!f->paths[f->n]) {
        free(data);
        sr_err_set(err, "out of memory");
        return -1;
    }
    f->v[f->n] = (store_change){f->paths[f->n], data, len, NULL};
    f->n++;
    return 0;
}

int cmd_init(int argc, char **argv)
{
    const char *path = DEFAULT_REGISTRY, *from = "data/seed";
    char self[PATH_MAX], commit[STORE_OID_HEX], **names = NULL, rel[4200];
    diag_list d = {0};
    sr_err err = {{0}};
    source *src = NULL;
    registry *r = NULL;
    files f = {0};
    size_t nn = 0, i;
    ssize_t sl;
    int c, rc = EXIT_USAGE;
    store_author who = {"subreg init", "subreg@localhost", 0};

    {
        const cli_opt opts[] = {CLI_STR("registry", &path), CLI_STR("from", &from), CLI_END};
        if ((c = cli_options("init", usage, argc, argv, opts)) != CLI_GO)
            return c;
    }
    if (optind != argc) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    if (store_is_repo(path))
        return cli_fail("init", "%s already holds a git repository: refusing to touch it", path);
    {
        DIR *dir = opendir(path);
        struct dirent *de;
        int busy = 0;
        while (dir && (de = readdir(dir)))
            busy |= strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
        if (dir)
            closedir(dir);
        if (busy)
            return cli_fail("init", "%s exists and is not empty: give a new path", path);
    }
    r = cli_load_registry("init", from, NULL, &d);
    if (!r)
        goto out;
    if (diag_count(&d, SEV_ERROR, -1)) {
        diag_sort(&d);
        cli_print_diags(stderr, &d);
        fprintf(stderr, "subreg init: %s does not validate: fix it first\n", from);
        rc = EXIT_FINDINGS;
        goto out;
    }
    if (source_open(from, NULL, &src, &err) != 0)
        goto fail;
    if (files_add(&f, src, "registry.xml", &err) != 0 ||
        files_add(&f, src, "reference/countries.xml", &err) != 0 ||
        files_add(&f, src, "reference/regions.xml", &err) != 0)
        goto fail;
    if (source_list(src, "subprocessors", &names, &nn, &err) != 0)
        goto fail;
    for (i = 0; i < nn; i++) {
        snprintf(rel, sizeof(rel), "subprocessors/%s", names[i]);
        if (files_add(&f, src, rel, &err) != 0)
            goto fail;
    }
    source_names_free(names, nn);
    names = NULL;
    nn = 0;
    if (source_list(src, "customers", &names, &nn, &err) != 0)
        goto fail;
    for (i = 0; i < nn; i++) {
        snprintf(rel, sizeof(rel), "customers/%s", names[i]);
        if (files_add(&f, src, rel, &err) != 0)
            goto fail;
    }
    sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (sl <= 0) {
        sr_err_set(&err, "cannot find subreg's own path for the hook");
        goto fail;
    }
    self[sl] = '\0';
    if (store_init(path, f.v, f.n, &who, "Initial registry\n\nCreated by subreg init.\n", self,
                   commit, &err) != 0)
        goto fail;
    printf("Created %s: %zu sub-processors at commit %.12s, push guard installed.\n"
           "Clone it with: git clone %s\n",
           path, r->n, commit, path);
    rc = EXIT_OK;
    goto out;
fail:
    rc = cli_fail("init", "%s", err.msg);
out:
    source_names_free(names, nn);
    files_free(&f);
    source_close(src);
    registry_free(r);
    diag_list_free(&d);
    return rc;
}
