/* ticker: a server thread that runs a step every interval, and at once when woken, until it
 * is stopped (the notices thread, the upstream's follower). */
#ifndef SUBREG_TICKER_H
#define SUBREG_TICKER_H
#include "diag.h"

typedef struct ticker ticker;

/* Start a thread calling step(ctx, t) every interval_s seconds, or sooner after ticker_wake,
 * and at_exit() (may be NULL) as it ends. Returns 0 with *out set, or -1 with err set. */
int ticker_start(int interval_s, void (*step)(void *ctx, ticker *t), void *ctx,
                 void (*at_exit)(void), ticker **out, sr_err *err);
/* Run the step now rather than at the end of the interval. */
void ticker_wake(ticker *t);
/* 1 once ticker_stop was called: a long step may end early. */
int ticker_stopping(ticker *t);
/* Stop the thread (after the step in progress), wait for it and free t. NULL is fine. */
void ticker_stop(ticker *t);
#endif
