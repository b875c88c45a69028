#include "writes.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct job {
    void (*work)(void *arg);
    void *arg;
    struct MHD_Connection *c;
    struct job *next;
} job;

struct writes {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job *head, *tail;
    int stop;
    void (*at_exit)(void);
    pthread_t t;
};

static void *run(void *arg)
{
    writes *w = arg;

    for (;;) {
        job *j;
        pthread_mutex_lock(&w->mu);
        while (!w->head && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        j = w->head;
        if (j) {
            w->head = j->next;
            if (!w->head)
                w->tail = NULL;
        }
        pthread_mutex_unlock(&w->mu);
        if (!j)
            break; /* stopping, and nothing left */
        j->work(j->arg);
        MHD_resume_connection(j->c);
        free(j);
    }
    if (w->at_exit)
        w->at_exit();
    return NULL;
}

int writes_start(void (*at_exit)(void), writes **out, sr_err *err)
{
    writes *w = calloc(1, sizeof(*w));

    *out = NULL;
    if (!w) {
        sr_err_set(err, "out of memory");
        return -1;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->at_exit = at_exit;
    if ((errno = pthread_create(&w->t, NULL, run, w)) != 0) {
        sr_err_set(err, "cannot start the thread of writes: %s", strerror(errno));
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

int writes_submit(writes *w, void (*work)(void *arg), void *arg, struct MHD_Connection *c)
{
    job *j = calloc(1, sizeof(*j));
    int rc = -1;

    if (!j)
        return -1;
    j->work = work;
    j->arg = arg;
    j->c = c;
    pthread_mutex_lock(&w->mu);
    if (!w->stop) {
        if (w->tail)
            w->tail->next = j;
        else
            w->head = j;
        w->tail = j;
        pthread_cond_signal(&w->cv);
        rc = 0;
    }
    pthread_mutex_unlock(&w->mu);
    if (rc != 0)
        free(j);
    return rc;
}

void writes_stop(writes *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->t, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}
