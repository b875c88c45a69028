/* gitcli: the git command line as a child process with a deadline. libgit2 1.5 has no
 * network timeout: a remote that accepts the connection and then sends nothing blocked
 * git_remote_fetch/push for ever, and with them the server. Network operations therefore
 * run `git` (a runtime dependency), in its own process group, killed at the deadline. */
#ifndef SUBREG_GITCLI_H
#define SUBREG_GITCLI_H
#include "buf.h"
#include "diag.h"

#define GITCLI_TIMEOUT (-2)

/* Run argv (argv[0] = "git", NULL-terminated) with the environment plus env (NULL-terminated
 * "NAME=value" strings, may be NULL), at most deadline_ms milliseconds. Standard output and
 * error are collected into out and errout (each may be NULL; at most 64 KiB kept). Git never
 * prompts (GIT_TERMINAL_PROMPT=0) and speaks English (LC_ALL=C). Returns git's exit status
 * (0-255), GITCLI_TIMEOUT when it was killed at the deadline or by gitcli_cancel_all, or -1
 * when it could not run (err set). */
int gitcli_run(const char *const *argv, const char *const *env, long deadline_ms, buf *out, buf *errout,
               sr_err *err);
/* Kill every running and later child at once (a server shutting down): gitcli_run then
 * returns GITCLI_TIMEOUT. Async-signal-safe enough for a signal handler (one atomic store). */
void gitcli_cancel_all(void);
#endif
