#include "date.h"
#include "gitcli.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static atomic_int cancelled;

#define KEEP (64 * 1024)

void gitcli_cancel_all(void)
{
    atomic_store(&cancelled, 1);
}

/* The child's environment: ours without what would change git's behaviour, plus env. */
static char **child_env(const char *const *env)
{
    size_t n = 0, m = 0, i, k = 0;
    char **v;

    while (environ[n])
        n++;
    while (env && env[m])
        m++;
    v = calloc(n + m + 4, sizeof(*v));
    if (!v)
        return NULL;
    for (i = 0; i < n; i++)
        if (strncmp(environ[i], "GIT_", 4) != 0 && strncmp(environ[i], "LC_ALL=", 7) != 0)
            v[k++] = environ[i];
    v[k++] = "GIT_TERMINAL_PROMPT=0";
    v[k++] = "LC_ALL=C";
    for (i = 0; i < m; i++)
        v[k++] = (char *)env[i];
    v[k] = NULL;
    return v;
}

static void keep(buf *b, const char *data, size_t n)
{
    if (b && b->len < KEEP)
        buf_add(b, data, b->len + n > KEEP ? KEEP - b->len : n);
}

int gitcli_run(const char *const *argv, const char *const *env, long deadline_ms, buf *out, buf *errout,
               sr_err *err)
{
    int po[2] = {-1, -1}, pe[2] = {-1, -1}, status = 0, rc = -1, open_fds = 2;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    char **envp = child_env(env);
    long end = date_mono_ms() + deadline_ms;
    pid_t pid = -1;

    if (!envp || pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
        sr_err_set(err, "cannot run git: %s", envp ? strerror(errno) : "out of memory");
        goto out;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    posix_spawnattr_init(&at);
    /* its own process group: the deadline kills git and its ssh or remote helper too */
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&at, 0);
    errno = posix_spawnp(&pid, "git", &fa, &at, (char *const *)argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (errno != 0) {
        sr_err_set(err, "cannot run git (install the git package): %s", strerror(errno));
        pid = -1;
        goto out;
    }
    close(po[1]);
    close(pe[1]);
    po[1] = pe[1] = -1;
    while (open_fds > 0) {
        struct pollfd p[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
        long left = end - date_mono_ms();
        int i, r;
        if (left <= 0 || atomic_load(&cancelled))
            break;
        r = poll(p, 2, left < 100 ? (int)left : 100); /* wake to see a cancel */
        if (r < 0 && errno != EINTR)
            break;
        for (i = 0; r > 0 && i < 2; i++) {
            char chunk[4096];
            ssize_t n;
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)) || p[i].fd < 0)
                continue;
            n = read(p[i].fd, chunk, sizeof(chunk));
            if (n > 0) {
                keep(i == 0 ? out : errout, chunk, (size_t)n);
            } else if (n == 0 || errno != EINTR) {
                close(i == 0 ? po[0] : pe[0]);
                if (i == 0)
                    po[0] = -1;
                else
                    pe[0] = -1;
                open_fds--;
            }
        }
    }
    if (open_fds > 0) { /* the deadline, or a cancel: the whole group goes */
        kill(-pid, SIGKILL);
        waitpid(pid, &status, 0);
        rc = GITCLI_TIMEOUT;
        sr_err_set(err, "git %s did not finish within %ld ms (the remote stalled): stopped", argv[1] ? argv[1] : "",
                   deadline_ms);
        goto out;
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
out:
    if (po[0] >= 0)
        close(po[0]);
    if (po[1] >= 0)
        close(po[1]);
    if (pe[0] >= 0)
        close(pe[0]);
    if (pe[1] >= 0)
        close(pe[1]);
    free(envp);
    return rc;
}
