/* select backend: portable, but bounded by FD_SETSIZE. ev_add refuses any descriptor at or
 * above it (fd_limit), because FD_SET past the end of an fd_set writes out of bounds. */
#include <sys/select.h>
#include <string.h>

#include "../util/mem.h"
#include "ev.h"

struct ev_select {
    fd_set rfds;
    fd_set wfds;
    /* select() overwrites its sets, so each wait works on copies. */
    fd_set rfds_ready;
    fd_set wfds_ready;
};

static void *ev_select_create(int setsize)
{
    (void)setsize;
    struct ev_select *st = mem_alloc(sizeof *st);
    FD_ZERO(&st->rfds);
    FD_ZERO(&st->wfds);
    return st;
}

static void ev_select_destroy(void *state)
{
    mem_free(state);
}

static int ev_select_resize(void *state, int setsize)
{
    (void)state;
    (void)setsize;
    return 0;
}

static int ev_select_add(void *state, int fd, int oldmask, int mask)
{
    (void)oldmask;
    struct ev_select *st = state;
    if (mask & EV_READABLE)
        FD_SET(fd, &st->rfds);
    if (mask & EV_WRITABLE)
        FD_SET(fd, &st->wfds);
    return 0;
}

static void ev_select_del(void *state, int fd, int oldmask, int newmask)
{
    (void)oldmask;
    struct ev_select *st = state;
    if (!(newmask & EV_READABLE))
        FD_CLR(fd, &st->rfds);
    if (!(newmask & EV_WRITABLE))
        FD_CLR(fd, &st->wfds);
}

static int ev_select_poll(void *state, int maxfd, int timeout_ms, int *fds, int *masks)
{
    struct ev_select *st = state;
    memcpy(&st->rfds_ready, &st->rfds, sizeof(fd_set));
    memcpy(&st->wfds_ready, &st->wfds, sizeof(fd_set));
    struct timeval tv, *tvp = NULL;
    if (timeout_ms >= 0) {
        tv.tv_sec = timeout_ms / 1000;
        tv.tv_usec = (timeout_ms % 1000) * 1000;
        tvp = &tv;
    }
    int ready = select(maxfd + 1, &st->rfds_ready, &st->wfds_ready, NULL, tvp);
    if (ready <= 0)
        return 0;
    int n = 0;
    for (int fd = 0; fd <= maxfd; fd++) {
        int mask = 0;
        if (FD_ISSET(fd, &st->rfds_ready))
            mask |= EV_READABLE;
        if (FD_ISSET(fd, &st->wfds_ready))
            mask |= EV_WRITABLE;
        if (mask) {
            fds[n] = fd;
            masks[n] = mask;
            n++;
        }
    }
    return n;
}

const struct ev_backend ev_backend_select = {
    .name = "select",
    .fd_limit = FD_SETSIZE,
    .create = ev_select_create,
    .destroy = ev_select_destroy,
    .resize = ev_select_resize,
    .add = ev_select_add,
    .del = ev_select_del,
    .poll = ev_select_poll,
};
