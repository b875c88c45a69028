#include "ticker.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ticker {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int woken, stop, interval_s;
    void (*step)(void *ctx, ticker *t);
    void *ctx;
    void (*at_exit)(void);
    pthread_t t;
};

/* The ticker's thread: call the step every interval or when woken, until stopped. */
static void *run(void *arg)
{
    ticker *t = arg;
    struct timespec until;

    for (;;) {
        pthread_mutex_lock(&t->mu);
        if (!t->woken && !t->stop) {
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += t->interval_s;
            pthread_cond_timedwait(&t->cv, &t->mu, &until);
        }
        t->woken = 0;
        if (t->stop) {
            pthread_mutex_unlock(&t->mu);
            break;
        }
        pthread_mutex_unlock(&t->mu);
        t->step(t->ctx, t);
    }
    if (t->at_exit)
        t->at_exit(); /* e.g. this thread's repository and index handles */
    return NULL;
}

int ticker_start(int interval_s, void (*step)(void *ctx, ticker *t), void *ctx,
                 void (*at_exit)(void), ticker **out, sr_err *err)
{
    ticker *t = calloc(1, sizeof(*t));

    *out = NULL;
    if (!t) {
        sr_err_set(err, "out of memory");
        return -1;
    }
    t->interval_s = interval_s;
    t->step = step;
    t->ctx = ctx;
    t->at_exit = at_exit;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    if ((errno = pthread_create(&t->t, NULL, run, t)) != 0) {
        sr_err_set(err, "cannot start a thread: %s", strerror(errno));
        pthread_mutex_destroy(&t->mu);
        pthread_cond_destroy(&t->cv);
        free(t);
        return -1;
    }
    *out = t;
    return 0;
}

static void set(ticker *t, int *flag)
{
    pthread_mutex_lock(&t->mu);
    *flag = 1;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

void ticker_wake(ticker *t)
{
    set(t, &t->woken);
}

int ticker_stopping(ticker *t)
{
    int v;

    pthread_mutex_lock(&t->mu);
    v = t->stop;
    pthread_mutex_unlock(&t->mu);
    return v;
}

void ticker_stop(ticker *t)
{
    if (!t)
        return;
    set(t, &t->stop);
    pthread_join(t->t, NULL);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
}
