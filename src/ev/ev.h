/* ev: the event loop. One interface (file events, timers, a before-sleep hook) over three
 * IO-multiplexing backends, chosen by name at start-up: epoll, poll, select.
 * Single-threaded: every callback runs on the thread that calls ev_run. */
#ifndef FERRITE_EV_H
#define FERRITE_EV_H

#include <stddef.h>

#define EV_NONE 0
#define EV_READABLE 1
#define EV_WRITABLE 2

/* A timer callback returns how many ms until it runs again, or EV_TIMER_DONE to end. */
#define EV_TIMER_DONE (-1)

struct ev_loop;
struct ev_timer;

typedef void ev_file_cb(struct ev_loop *loop, int fd, void *data, int mask);
typedef long long ev_timer_cb(struct ev_loop *loop, void *data);
typedef void ev_hook_cb(struct ev_loop *loop, void *data);

/* One IO-multiplexing mechanism. Each backend file exports one of these. */
struct ev_backend {
    const char *name; /* as INFO multiplexing_api and the io-model directive spell it */
    int fd_limit;     /* descriptors must be below this; 0 means only setsize bounds them */
    void *(*create)(int setsize);
    void (*destroy)(void *state);
    int (*resize)(void *state, int setsize);
    /* Start watching `mask` on fd, which was watching `oldmask`. 0 or -1 with errno. */
    int (*add)(void *state, int fd, int oldmask, int mask);
    /* fd now watches only `newmask` (EV_NONE: forget it). */
    void (*del)(void *state, int fd, int oldmask, int newmask);
    /* Waits up to timeout_ms (-1: forever) and fills fds/masks; returns how many fired. */
    int (*poll)(void *state, int maxfd, int timeout_ms, int *fds, int *masks);
};

extern const struct ev_backend ev_backend_epoll;
extern const struct ev_backend ev_backend_poll;
extern const struct ev_backend ev_backend_select;

/* Finds a backend by name; NULL if unknown. */
const struct ev_backend *ev_backend_find(const char *name);

/* Creates a loop able to watch descriptors 0..setsize-1; NULL with errno on failure. */
struct ev_loop *ev_create(const struct ev_backend *backend, int setsize);
void ev_destroy(struct ev_loop *loop);
/* Grows or shrinks the descriptor range; -1 if a watched fd is outside the new range. */
int ev_resize(struct ev_loop *loop, int setsize);
int ev_setsize(const struct ev_loop *loop);
const char *ev_backend_name(const struct ev_loop *loop);

/* Watches fd for mask, calling cb(loop, fd, data, mask) when ready. A descriptor has one
 * data pointer for both directions. -1 with errno ERANGE when the backend cannot watch fd
 * (select above FD_SETSIZE, or fd >= setsize). */
int ev_add(struct ev_loop *loop, int fd, int mask, ev_file_cb *cb, void *data);
void ev_del(struct ev_loop *loop, int fd, int mask);
int ev_mask(const struct ev_loop *loop, int fd);

/* Runs cb after ms milliseconds. The handle stays valid until the timer ends, either by
 * returning EV_TIMER_DONE or through ev_timer_del (which is safe from inside any callback). */
struct ev_timer *ev_timer_add(struct ev_loop *loop, long long ms, ev_timer_cb *cb, void *data);
void ev_timer_del(struct ev_loop *loop, struct ev_timer *timer);

void ev_set_before_sleep(struct ev_loop *loop, ev_hook_cb *cb, void *data);

/* Processes events until ev_stop is called. */
void ev_run(struct ev_loop *loop);
void ev_stop(struct ev_loop *loop);

/* Milliseconds on a clock that never goes back. */
long long ev_monotonic_ms(void);
/* Microseconds on the same clock. */
long long ev_monotonic_us(void);

#endif
