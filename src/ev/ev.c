#include "ev.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "../util/mem.h"

struct ev_file {
    int mask;         /* EV_READABLE | EV_WRITABLE being watched */
    ev_file_cb *rcb;  /* called when readable */
    ev_file_cb *wcb;  /* called when writable */
    void *data;       /* shared by both directions */
};

struct ev_timer {
    long long when;   /* monotonic ms at which it is due */
    size_t heap_idx;  /* position in loop->heap, kept current by every heap move */
    ev_timer_cb *cb;
    void *data;
    int cancelled;    /* deleted from inside its own callback: free once it returns */
};

struct ev_loop {
    const struct ev_backend *backend;
    void *state;              /* the backend's own */
    int setsize;              /* fds must be below this */
    int maxfd;                /* highest watched fd, -1 if none */
    struct ev_file *files;    /* indexed by fd */
    int *fired_fds;           /* scratch for the backend's poll */
    int *fired_masks;
    struct ev_timer **heap;   /* min-heap on when */
    size_t heap_len;
    size_t heap_cap;
    struct ev_timer *running; /* timer whose callback is executing */
    ev_hook_cb *before_sleep;
    void *before_sleep_data;
    int stop;
};

static const struct ev_backend *const ev_backends[] = {
    &ev_backend_epoll,
    &ev_backend_poll,
    &ev_backend_select,
};

const struct ev_backend *ev_backend_find(const char *name)
{
    for (size_t i = 0; i < sizeof ev_backends / sizeof ev_backends[0]; i++)
        if (strcmp(ev_backends[i]->name, name) == 0)
            return ev_backends[i];
    return NULL;
}

long long ev_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long long ev_monotonic_ms(void)
{
    return ev_monotonic_us() / 1000;
}

static int ev_alloc_fd_arrays(struct ev_loop *loop, int setsize)
{
    struct ev_file *files = mem_realloc(loop->files, sizeof *files * (size_t)setsize);
    loop->files = files;
    for (int i = loop->setsize; i < setsize; i++)
        files[i] = (struct ev_file){0};
    loop->fired_fds = mem_realloc(loop->fired_fds, sizeof(int) * (size_t)setsize);
    loop->fired_masks = mem_realloc(loop->fired_masks, sizeof(int) * (size_t)setsize);
    loop->setsize = setsize;
    return 0;
}

struct ev_loop *ev_create(const struct ev_backend *backend, int setsize)
{
    struct ev_loop *loop = mem_calloc(sizeof *loop);
    loop->backend = backend;
    loop->maxfd = -1;
    loop->state = backend->create(setsize);
    if (!loop->state) {
        int saved = errno;
        mem_free(loop);
        errno = saved;
        return NULL;
    }
    ev_alloc_fd_arrays(loop, setsize);
    return loop;
}

void ev_destroy(struct ev_loop *loop)
{
    if (!loop)
        return;
    loop->backend->destroy(loop->state);
    for (size_t i = 0; i < loop->heap_len; i++)
        mem_free(loop->heap[i]);
    mem_free(loop->heap);
    mem_free(loop->files);
    mem_free(loop->fired_fds);
    mem_free(loop->fired_masks);
    mem_free(loop);
}

int ev_resize(struct ev_loop *loop, int setsize)
{
    if (setsize == loop->setsize)
        return 0;
    if (loop->maxfd >= setsize)
        return -1;
    if (loop->backend->resize(loop->state, setsize) < 0)
        return -1;
    return ev_alloc_fd_arrays(loop, setsize);
}

int ev_setsize(const struct ev_loop *loop)
{
    return loop->setsize;
}

const char *ev_backend_name(const struct ev_loop *loop)
{
    return loop->backend->name;
}

int ev_add(struct ev_loop *loop, int fd, int mask, ev_file_cb *cb, void *data)
{
    if (fd < 0 || fd >= loop->setsize ||
        (loop->backend->fd_limit && fd >= loop->backend->fd_limit)) {
        errno = ERANGE;
        return -1;
    }
    struct ev_file *f = &loop->files[fd];
    if (loop->backend->add(loop->state, fd, f->mask, f->mask | mask) < 0)
        return -1;
    f->mask |= mask;
    if (mask & EV_READABLE)
        f->rcb = cb;
    if (mask & EV_WRITABLE)
        f->wcb = cb;
    f->data = data;
    if (fd > loop->maxfd)
        loop->maxfd = fd;
    return 0;
}

void ev_del(struct ev_loop *loop, int fd, int mask)
{
    if (fd < 0 || fd >= loop->setsize)
        return;
    struct ev_file *f = &loop->files[fd];
    if (f->mask == EV_NONE)
        return;
    int newmask = f->mask & ~mask;
    loop->backend->del(loop->state, fd, f->mask, newmask);
    f->mask = newmask;
    if (fd == loop->maxfd && newmask == EV_NONE) {
        while (loop->maxfd >= 0 && loop->files[loop->maxfd].mask == EV_NONE)
            loop->maxfd--;
    }
}

int ev_mask(const struct ev_loop *loop, int fd)
{
    return fd >= 0 && fd < loop->setsize ? loop->files[fd].mask : EV_NONE;
}

/* ---- timers: a binary min-heap keyed on `when` ---- */

static void ev_heap_set(struct ev_loop *loop, size_t i, struct ev_timer *t)
{
    loop->heap[i] = t;
    t->heap_idx = i;
}

static void ev_heap_up(struct ev_loop *loop, size_t i)
{
    struct ev_timer *t = loop->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (loop->heap[parent]->when <= t->when)
            break;
        ev_heap_set(loop, i, loop->heap[parent]);
        i = parent;
    }
    ev_heap_set(loop, i, t);
}

static void ev_heap_down(struct ev_loop *loop, size_t i)
{
    struct ev_timer *t = loop->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= loop->heap_len)
            break;
        if (child + 1 < loop->heap_len && loop->heap[child + 1]->when < loop->heap[child]->when)
            child++;
        if (loop->heap[child]->when >= t->when)
            break;
        ev_heap_set(loop, i, loop->heap[child]);
        i = child;
    }
    ev_heap_set(loop, i, t);
}

static void ev_heap_push(struct ev_loop *loop, struct ev_timer *t)
{
    if (loop->heap_len == loop->heap_cap) {
        loop->heap_cap = loop->heap_cap ? loop->heap_cap * 2 : 16;
        loop->heap = mem_realloc(loop->heap, sizeof *loop->heap * loop->heap_cap);
    }
    ev_heap_set(loop, loop->heap_len++, t);
    ev_heap_up(loop, t->heap_idx);
}

static void ev_heap_remove(struct ev_loop *loop, struct ev_timer *t)
{
    size_t i = t->heap_idx;
    struct ev_timer *last = loop->heap[--loop->heap_len];
    if (last == t)
        return;
    ev_heap_set(loop, i, last);
    ev_heap_up(loop, i);
    ev_heap_down(loop, last->heap_idx);
}

struct ev_timer *ev_timer_add(struct ev_loop *loop, long long ms, ev_timer_cb *cb, void *data)
{
    struct ev_timer *t = mem_calloc(sizeof *t);
    t->when = ev_monotonic_ms() + (ms > 0 ? ms : 0);
    t->cb = cb;
    t->data = data;
    ev_heap_push(loop, t);
    return t;
}

void ev_timer_del(struct ev_loop *loop, struct ev_timer *t)
{
    if (t == loop->running) {
        t->cancelled = 1;
        return;
    }
    ev_heap_remove(loop, t);
    mem_free(t);
}

static void ev_process_timers(struct ev_loop *loop)
{
    long long now = ev_monotonic_ms();
    while (loop->heap_len > 0 && loop->heap[0]->when <= now) {
        struct ev_timer *t = loop->heap[0];
        ev_heap_remove(loop, t);
        loop->running = t;
        long long next = t->cb(loop, t->data);
        loop->running = NULL;
        if (next == EV_TIMER_DONE || t->cancelled) {
            mem_free(t);
            continue;
        }
        /* At least 1 ms ahead, so a callback returning 0 cannot spin this loop forever. */
        t->when = now + (next > 0 ? next : 1);
        ev_heap_push(loop, t);
    }
}

static int ev_poll_timeout(const struct ev_loop *loop)
{
    if (loop->heap_len == 0)
        return -1;
    long long wait = loop->heap[0]->when - ev_monotonic_ms();
    return wait <= 0 ? 0 : wait > 1000000 ? 1000000 : (int)wait;
}

void ev_set_before_sleep(struct ev_loop *loop, ev_hook_cb *cb, void *data)
{
    loop->before_sleep = cb;
    loop->before_sleep_data = data;
}

void ev_stop(struct ev_loop *loop)
{
    loop->stop = 1;
}

void ev_run(struct ev_loop *loop)
{
    loop->stop = 0;
    while (!loop->stop) {
        if (loop->before_sleep)
            loop->before_sleep(loop, loop->before_sleep_data);
        if (loop->stop)
            break;
        int n = loop->backend->poll(loop->state, loop->maxfd, ev_poll_timeout(loop),
                                    loop->fired_fds, loop->fired_masks);
        for (int i = 0; i < n; i++) {
            int fd = loop->fired_fds[i];
            int mask = loop->fired_masks[i];
            struct ev_file *f = &loop->files[fd];
            /* Re-check the mask before each call: an earlier callback in this batch may
             * have closed this fd or stopped watching a direction. */
            if (f->mask & mask & EV_READABLE)
                f->rcb(loop, fd, f->data, EV_READABLE);
            if (f->mask & mask & EV_WRITABLE)
                f->wcb(loop, fd, f->data, EV_WRITABLE);
        }
        ev_process_timers(loop);
    }
}
