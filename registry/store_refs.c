/* The git store, refs and locks: stale lock files, the marks of pushes in progress, main
 * moved by a publisher, refused and kept revisions. */
#include "store_impl.h"
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

long store_lock_age_ms(store *s)
{
    char path[4200];
    struct stat st;
    struct timespec now;

    snprintf(path, sizeof(path), "%s%s.lock", git_repository_path(s->repo), STORE_REF);
    if (stat(path, &st) != 0)
        return -1;
    clock_gettime(CLOCK_REALTIME, &now);
    return (long)((now.tv_sec - st.st_mtim.tv_sec) * 1000 +
                  (now.tv_nsec - st.st_mtim.tv_nsec) / 1000000);
}

int store_clear_stale_lock(store *s, int max_age, sr_err *err)
{
    char path[4200];
    struct stat st;

    snprintf(path, sizeof(path), "%s%s.lock", git_repository_path(s->repo), STORE_REF);
    if (stat(path, &st) != 0)
        return 0;
    if (time(NULL) - st.st_mtime < max_age)
        return 0;
    if (unlink(path) != 0) {
        sr_err_set(err, "%s: cannot remove the stale lock", path);
        return -1;
    }
    return 1;
}

/* The path of the mark a git push (hook process pid) leaves while it is being applied. */
static void push_mark_path(store *s, long pid, char *out, size_t n)
{
    if (pid)
        snprintf(out, n, "%s%s/%ld", git_repository_path(s->repo), STORE_PUSH_DIR, pid);
    else
        snprintf(out, n, "%s%s", git_repository_path(s->repo), STORE_PUSH_DIR);
}

int store_push_begin(store *s, sr_err *err)
{
    char dir[4200], path[4300];
    int fd;

    push_mark_path(s, 0, dir, sizeof(dir));
    push_mark_path(s, (long)getppid(), path, sizeof(path));
    if (mkdir(dir, 0775) != 0 && errno != EEXIST) {
        sr_err_set(err, "%s: cannot create: %s", dir, strerror(errno));
        return -1;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0664);
    if (fd < 0) {
        sr_err_set(err, "%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

void store_push_end(store *s)
{
    char path[4300];

    push_mark_path(s, (long)getppid(), path, sizeof(path));
    unlink(path);
}

void store_push_lost(store *s)
{
    char path[4300];
    int fd;

    push_mark_path(s, 0, path, sizeof(path));
    snprintf(path + strlen(path), sizeof(path) - strlen(path), "/lost");
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0664);
    if (fd >= 0) {
        futimens(fd, NULL); /* the grace counts from now */
        close(fd);
    }
}

int store_push_pending(store *s)
{
    char dir[4200], path[4600];
    DIR *d;
    struct dirent *e;
    struct stat st;
    int pending = 0;

    push_mark_path(s, 0, dir, sizeof(dir));
    d = opendir(dir);
    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);

        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (strcmp(e->d_name, "lost") == 0 && stat(path, &st) == 0) {
            struct timespec now;
            long age;

            clock_gettime(CLOCK_REALTIME, &now);
            age = (long)((now.tv_sec - st.st_mtim.tv_sec) * 1000 +
                         (now.tv_nsec - st.st_mtim.tv_nsec) / 1000000);
            if (age >= 0 && age < STORE_PUSH_GRACE_MS)
                pending = 1;
            continue;
        }
        if (e->d_name[0] == '.' || *end || pid <= 1)
            continue;
        if (stat(path, &st) != 0)
            continue;
        if ((kill((pid_t)pid, 0) == 0 || errno == EPERM) && time(NULL) - st.st_mtime < STORE_PUSH_MAX_S)
            pending = 1;
        else
            unlink(path); /* the push ended (or its mark is too old to trust) */
    }
    closedir(d);
    return pending;
}

/* ---------------------------------------------------------------- remotes */

void store_set_publish(store *s, store_publish_fn fn, void *ctx)
{
    s->publish = fn;
    s->publish_ctx = ctx;
}

int store_set_main(store *s, const char *expected_old, const char *new_id, sr_err *err)
{
    git_oid old_id, id;
    git_reference *ref = NULL;
    int grc;

    if (git_oid_fromstr(&old_id, expected_old) < 0 || git_oid_fromstr(&id, new_id) < 0) {
        sr_err_set(err, "not a commit id");
        return -1;
    }
    grc = git_reference_create_matching(&ref, s->repo, STORE_REF, &id, 1, &old_id, "subreg: follow the upstream");
    git_reference_free(ref);
    if (grc == GIT_ELOCKED) {
        sr_err_set(err, "another writer holds %s.lock: retry shortly", STORE_REF);
        return STORE_LOCKED;
    }
    if (grc == GIT_EMODIFIED || grc == GIT_EEXISTS) {
        sr_err_set(err, "main moved meanwhile");
        return STORE_CONFLICT;
    }
    if (grc < 0) {
        store_git_fail(err, "cannot update " STORE_REF);
        return -1;
    }
    return 0;
}

int store_mark_refused(store *s, const char *id, sr_err *err)
{
    char name[100];

    snprintf(name, sizeof(name), "refs/subreg/refused/%.40s", id);
    return store_keep_ref(s, name, id, err);
}

int store_is_refused(store *s, const char *id)
{
    char name[100];
    git_oid oid;

    snprintf(name, sizeof(name), "refs/subreg/refused/%.40s", id);
    return git_reference_name_to_id(&oid, s->repo, name) == 0;
}

int store_any_refused(store *s)
{
    git_reference_iterator *it = NULL;
    git_reference *ref = NULL;
    int any = 0;

    if (git_reference_iterator_glob_new(&it, s->repo, "refs/subreg/refused/*") == 0) {
        any = git_reference_next(&ref, it) == 0;
        git_reference_free(ref);
    }
    git_reference_iterator_free(it);
    return any;
}

int store_keep_ref(store *s, const char *name, const char *id, sr_err *err)
{
    git_reference *ref = NULL;
    git_oid oid;
    int rc = 0;

    if (git_oid_fromstr(&oid, id) < 0 || git_reference_create(&ref, s->repo, name, &oid, 1, "subreg: keep") < 0) {
        store_git_fail(err, name);
        rc = -1;
    }
    git_reference_free(ref);
    return rc;
}

