/* writes: API writes off the request threads. A PUT or DELETE suspends its connection and
 * hands its work to one thread of writes; libmicrohttpd's pool (2 threads by default) keeps
 * answering reads, health and metrics while a write waits on the writer's lock, a push or a
 * stalled upstream. When the work is done the connection is resumed and the route answers
 * with its result. */
#ifndef SUBREG_WRITES_H
#define SUBREG_WRITES_H
#include <microhttpd.h>
#include "../registry/diag.h"

typedef struct writes writes;

/* Start the thread; at_exit (may be NULL) runs on it as it ends. Returns 0 with *out set, or
 * -1 with err set. */
int writes_start(void (*at_exit)(void), writes **out, sr_err *err);
/* Run work(arg) on the writes thread, then resume connection c (which the caller suspends
 * right after this returns 0, from its access handler). Returns 0, or -1 when the thread
 * is stopping (then nothing runs and the caller answers at once). */
int writes_submit(writes *w, void (*work)(void *arg), void *arg, struct MHD_Connection *c);
/* Finish the queued work (each job resumes its connection), stop the thread, free w. Call
 * before the daemon stops: a suspended connection must be resumed first. NULL is fine. */
void writes_stop(writes *w);
#endif
