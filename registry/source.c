#include "source.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct source {
    char *dir;          /* plain directory, or NULL */
    store *st;          /* owned, when we opened the repository */
    store_snap *snap;   /* owned when st is */
    char prefix[4096];
};

/* A work tree (path/.git exists) is read from disk unless a revision is asked for. */
static int has_worktree(const char *path)
{
    char p[4096];
    struct stat sb;

    snprintf(p, sizeof(p), "%s/.git", path);
    return stat(p, &sb) == 0;
}

int source_open(const char *path, const char *rev, source **out, sr_err *err)
{
    source *src = calloc(1, sizeof(*src));
    struct stat sb;
    int rc = -1;

    *out = NULL;
    if (!src) {
        sr_err_set(err, "out of memory");
        return -1;
    }
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        sr_err_set(err, "%s: no such registry directory or repository", path);
        rc = STORE_NOTFOUND;
        goto fail;
    }
    if (store_is_repo(path) && (rev || !has_worktree(path))) {
        rc = store_open(path, 0, &src->st, err);
        if (rc != 0)
            goto fail;
        rc = store_snap_open(src->st, rev, &src->snap, err);
        if (rc != 0)
            goto fail;
        src->prefix[0] = '\0';
    } else if (rev) {
        sr_err_set(err, "%s is not a git repository, so --rev cannot apply", path);
        rc = STORE_NOTFOUND;
        goto fail;
    } else {
        size_t n = strlen(path);
        src->dir = strdup(path);
        if (!src->dir) {
            sr_err_set(err, "out of memory");
            goto fail;
        }
        if (strcmp(path, ".") == 0)
            src->prefix[0] = '\0';
        else
            snprintf(src->prefix, sizeof(src->prefix), "%s%s", path,
                     n && path[n - 1] == '/' ? "" : "/");
    }
    *out = src;
    return 0;
fail:
    source_close(src);
    return rc;
}

int source_from_snap(store_snap *snap, source **out, sr_err *err)
{
    source *src = calloc(1, sizeof(*src));

    *out = NULL;
    if (!src) {
        sr_err_set(err, "out of memory");
        return -1;
    }
    src->snap = snap;
    *out = src;
    return 0;
}

void source_close(source *src)
{
    if (!src)
        return;
    if (src->st) {
        store_snap_free(src->snap);
        store_close(src->st);
    }
    free(src->dir);
    free(src);
}

int source_read_path(const char *path, size_t max, char **data, size_t *len, sr_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;
    struct stat sb;
    char *p = NULL;
    size_t got = 0;

    *data = NULL;
    *len = 0;
    if (fd < 0) {
        if (errno == ENOENT)
            return STORE_NOTFOUND;
        sr_err_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        sr_err_set(err, "%s: not a regular file", path);
        goto out;
    }
    if (max && (size_t)sb.st_size > max) {
        sr_err_set(err, "%s: %lld bytes, over the limit of %zu bytes", path,
                   (long long)sb.st_size, max);
        goto out;
    }
    p = malloc((size_t)sb.st_size + 1);
    if (!p) {
        sr_err_set(err, "out of memory reading %s", path);
        goto out;
    }
    while (got < (size_t)sb.st_size) {
        ssize_t r = read(fd, p + got, (size_t)sb.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            sr_err_set(err, "%s: %s", path, r < 0 ? strerror(errno) : "file shrank while read");
            goto out;
        }
        got += (size_t)r;
    }
    p[got] = '\0';
    *data = p;
    *len = got;
    p = NULL;
    rc = 0;
out:
    free(p);
    close(fd);
    return rc;
}

int source_read(source *src, const char *relpath, size_t max, char **data, size_t *len,
                char *blob_hex, sr_err *err)
{
    char path[8192];
    int rc;

    *data = NULL;
    *len = 0;
    if (blob_hex)
        blob_hex[0] = '\0';
    if (src->dir) {
        snprintf(path, sizeof(path), "%s/%s", src->dir, relpath);
        return source_read_path(path, max, data, len, err);
    }
    if (max) { /* a pushed 50 MB blob is refused from its header, never inflated */
        size_t size;
        rc = store_snap_size(src->snap, relpath, &size, err);
        if (rc != 0)
            return rc;
        if (size > max) {
            sr_err_set(err, "%s: %zu bytes, over the limit of %zu bytes", relpath, size, max);
            return -1;
        }
    }
    rc = store_snap_read(src->snap, relpath, data, len, blob_hex, err);
    if (rc == 0 && max && *len > max) {
        sr_err_set(err, "%s: %zu bytes, over the limit of %zu bytes", relpath, *len, max);
        free(*data);
        *data = NULL;
        *len = 0;
        rc = -1;
    }
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_xml_name(const char *name)
{
    size_t n = strlen(name);

    return n > 4 && name[0] != '.' && strcmp(name + n - 4, ".xml") == 0;
}

int source_list(source *src, const char *dir, char ***names, size_t *n, sr_err *err)
{
    char **v = NULL;
    size_t k = 0, cap = 0;
    int rc = -1;

    *names = NULL;
    *n = 0;
    if (src->dir) {
        char path[8192];
        DIR *d;
        struct dirent *de;

        snprintf(path, sizeof(path), "%s/%s", src->dir, dir);
        d = opendir(path);
        if (!d) {
            if (errno == ENOENT)
                return 0;
            sr_err_set(err, "%s: %s", path, strerror(errno));
            return -1;
        }
        while ((de = readdir(d))) {
            if (!is_xml_name(de->d_name))
                continue;
            if (k == cap) {
                char **nv;
                cap = cap ? cap * 2 : 64;
                nv = realloc(v, cap * sizeof(*nv));
                if (!nv)
                    break;
                v = nv;
            }
            if (!(v[k] = strdup(de->d_name)))
                break;
            k++;
        }
        closedir(d);
        if (de) {
            sr_err_set(err, "out of memory listing %s", path);
            goto out;
        }
    } else {
        store_item *items;
        size_t ni, i;

        if (store_snap_list(src->snap, dir, &items, &ni, err) != 0)
            goto out;
        v = calloc(ni ? ni : 1, sizeof(*v));
        for (i = 0; v && i < ni; i++) {
            if (!is_xml_name(items[i].name))
                continue;
            v[k++] = items[i].name;
            items[i].name = NULL;
        }
        store_items_free(items, ni);
        if (!v) {
            sr_err_set(err, "out of memory");
            goto out;
        }
    }
    if (k > 1)
        qsort(v, k, sizeof(*v), cmp_str);
    *names = v;
    *n = k;
    v = NULL;
    k = 0;
    rc = 0;
out:
    source_names_free(v, k);
    return rc;
}

void source_names_free(char **names, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

const char *source_prefix(const source *src)
{
    return src->prefix;
}

const char *source_revision(const source *src)
{
    return src->snap ? store_snap_commit(src->snap) : NULL;
}
