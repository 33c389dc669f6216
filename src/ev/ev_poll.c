/* poll backend: no descriptor ceiling, O(watched) per wait. */
#include <poll.h>

#include "../util/mem.h"
#include "ev.h"

struct ev_poll {
    struct pollfd *pfds; /* dense array of watched descriptors */
    int npfds;
    int *slot;           /* fd -> index in pfds, -1 when not watched */
    int setsize;
};

static void *ev_poll_create(int setsize)
{
    struct ev_poll *st = mem_calloc(sizeof *st);
    st->pfds = mem_alloc(sizeof *st->pfds * (size_t)setsize);
    st->slot = mem_alloc(sizeof *st->slot * (size_t)setsize);
    for (int i = 0; i < setsize; i++)
        st->slot[i] = -1;
    st->setsize = setsize;
    return st;
}

static void ev_poll_destroy(void *state)
{
    struct ev_poll *st = state;
    mem_free(st->pfds);
    mem_free(st->slot);
    mem_free(st);
}

static int ev_poll_resize(void *state, int setsize)
{
    struct ev_poll *st = state;
    st->pfds = mem_realloc(st->pfds, sizeof *st->pfds * (size_t)setsize);
    st->slot = mem_realloc(st->slot, sizeof *st->slot * (size_t)setsize);
    for (int i = st->setsize; i < setsize; i++)
        st->slot[i] = -1;
    st->setsize = setsize;
    return 0;
}

static short ev_poll_bits(int mask)
{
    return (short)((mask & EV_READABLE ? POLLIN : 0) | (mask & EV_WRITABLE ? POLLOUT : 0));
}

static int ev_poll_add(void *state, int fd, int oldmask, int mask)
{
    (void)oldmask;
    struct ev_poll *st = state;
    if (st->slot[fd] < 0) {
        st->slot[fd] = st->npfds;
        st->pfds[st->npfds++] = (struct pollfd){.fd = fd};
    }
    st->pfds[st->slot[fd]].events = ev_poll_bits(mask);
    return 0;
}

static void ev_poll_del(void *state, int fd, int oldmask, int newmask)
{
    (void)oldmask;
    struct ev_poll *st = state;
    int i = st->slot[fd];
    if (i < 0)
        return;
    if (newmask != EV_NONE) {
        st->pfds[i].events = ev_poll_bits(newmask);
        return;
    }
    /* Keep the array dense: move the last entry into the hole. */
    st->pfds[i] = st->pfds[--st->npfds];
    st->slot[st->pfds[i].fd] = i;
    st->slot[fd] = -1;
}

static int ev_poll_poll(void *state, int maxfd, int timeout_ms, int *fds, int *masks)
{
    (void)maxfd;
    struct ev_poll *st = state;
    int ready = poll(st->pfds, (nfds_t)st->npfds, timeout_ms);
    if (ready <= 0)
        return 0;
    int n = 0;
    for (int i = 0; i < st->npfds && n < ready; i++) {
        short re = st->pfds[i].revents;
        if (!re)
            continue;
        int mask = 0;
        if (re & (POLLIN | POLLERR | POLLHUP | POLLNVAL))
            mask |= EV_READABLE;
        if (re & (POLLOUT | POLLERR | POLLHUP | POLLNVAL))
            mask |= EV_WRITABLE;
        fds[n] = st->pfds[i].fd;
        masks[n] = mask;
        n++;
    }
    return n;
}

const struct ev_backend ev_backend_poll = {
    .name = "poll",
    .fd_limit = 0,
    .create = ev_poll_create,
    .destroy = ev_poll_destroy,
    .resize = ev_poll_resize,
    .add = ev_poll_add,
    .del = ev_poll_del,
    .poll = ev_poll_poll,
};
