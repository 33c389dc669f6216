/* epoll backend: O(ready) per wait, the default on Linux. */
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "../util/mem.h"
#include "ev.h"

struct ev_epoll {
    int epfd;
    int setsize;
    struct epoll_event *events;
};

static void *ev_epoll_create(int setsize)
{
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0)
        return NULL;
    struct ev_epoll *st = mem_alloc(sizeof *st);
    st->epfd = epfd;
    st->setsize = setsize;
    st->events = mem_alloc(sizeof *st->events * (size_t)setsize);
    return st;
}

static void ev_epoll_destroy(void *state)
{
    struct ev_epoll *st = state;
    close(st->epfd);
    mem_free(st->events);
    mem_free(st);
}

static int ev_epoll_resize(void *state, int setsize)
{
    struct ev_epoll *st = state;
    st->events = mem_realloc(st->events, sizeof *st->events * (size_t)setsize);
    st->setsize = setsize;
    return 0;
}

static uint32_t ev_epoll_bits(int mask)
{
    return (mask & EV_READABLE ? EPOLLIN : 0) | (mask & EV_WRITABLE ? EPOLLOUT : 0);
}

static int ev_epoll_add(void *state, int fd, int oldmask, int mask)
{
    struct ev_epoll *st = state;
    struct epoll_event ee = {.events = ev_epoll_bits(mask), .data.fd = fd};
    return epoll_ctl(st->epfd, oldmask == EV_NONE ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ee);
}

static void ev_epoll_del(void *state, int fd, int oldmask, int newmask)
{
    (void)oldmask;
    struct ev_epoll *st = state;
    struct epoll_event ee = {.events = ev_epoll_bits(newmask), .data.fd = fd};
    epoll_ctl(st->epfd, newmask == EV_NONE ? EPOLL_CTL_DEL : EPOLL_CTL_MOD, fd, &ee);
}

static int ev_epoll_poll(void *state, int maxfd, int timeout_ms, int *fds, int *masks)
{
    (void)maxfd;
    struct ev_epoll *st = state;
    int n = epoll_wait(st->epfd, st->events, st->setsize, timeout_ms);
    if (n < 0)
        return 0; /* EINTR: the loop simply comes round again */
    for (int i = 0; i < n; i++) {
        uint32_t e = st->events[i].events;
        int mask = 0;
        if (e & (EPOLLIN | EPOLLERR | EPOLLHUP))
            mask |= EV_READABLE;
        if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            mask |= EV_WRITABLE;
        fds[i] = st->events[i].data.fd;
        masks[i] = mask;
    }
    return n;
}

const struct ev_backend ev_backend_epoll = {
    .name = "epoll",
    .fd_limit = 0,
    .create = ev_epoll_create,
    .destroy = ev_epoll_destroy,
    .resize = ev_epoll_resize,
    .add = ev_epoll_add,
    .del = ev_epoll_del,
    .poll = ev_epoll_poll,
};
