/* Unit tests for src/ev: the event loop, run once over each backend (epoll, poll, select).
 *
 * Every ev_run is bounded by a watchdog timer that stops the loop and records that it had
 * to, so a callback that never fires fails the test instead of hanging it. Only lower bounds
 * are asserted on elapsed time (the monotonic clock guarantees them); upper bounds would be
 * flaky on a loaded machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ev/ev.h"

#define WATCHDOG_MS 3000

/* ---- helpers ---- */

struct io_ctx {
    int calls;      /* how often the callback ran */
    int fd;         /* fd of the last call */
    void *data;     /* data pointer of the last call */
    int mask;       /* mask of the last call */
    int stop_after; /* stop the loop after this many calls (0: never) */
    int other_fd;   /* batch test: the descriptor to stop watching */
};

static void on_io(struct ev_loop *loop, int fd, void *data, int mask)
{
    struct io_ctx *c = data;
    c->calls++;
    c->fd = fd;
    c->data = data;
    c->mask = mask;
    if (mask & EV_READABLE) {
        char buf[64];
        ssize_t n = read(fd, buf, sizeof buf);
        (void)n;
    }
    if (c->stop_after && c->calls >= c->stop_after)
        ev_stop(loop);
}

static long long on_watchdog(struct ev_loop *loop, void *data)
{
    *(bool *)data = true;
    ev_stop(loop);
    return EV_TIMER_DONE;
}

static long long on_stop(struct ev_loop *loop, void *data)
{
    (void)data;
    ev_stop(loop);
    return EV_TIMER_DONE;
}

/* Runs the loop until something calls ev_stop; fails if only the watchdog did. */
static void run_guarded(struct ev_loop *loop)
{
    bool fired = false;
    struct ev_timer *t = ev_timer_add(loop, WATCHDOG_MS, on_watchdog, &fired);
    assert_non_null(t);
    ev_run(loop);
    if (fired)
        fail_msg("watchdog: the loop ran %d ms without being stopped", WATCHDOG_MS);
    ev_timer_del(loop, t);
}

/* Runs the loop for about ms milliseconds (for checking that nothing fires). */
static void run_for(struct ev_loop *loop, long long ms)
{
    ev_timer_add(loop, ms, on_stop, NULL);
    ev_run(loop);
}

static struct ev_loop *loop_new(const char *name, int setsize)
{
    const struct ev_backend *b = ev_backend_find(name);
    assert_non_null(b);
    struct ev_loop *loop = ev_create(b, setsize);
    assert_non_null(loop);
    assert_string_equal(ev_backend_name(loop), name);
    assert_int_equal(ev_setsize(loop), setsize);
    return loop;
}

static void make_pipe(int p[2])
{
    assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
}

static void put(int fd, const char *s)
{
    assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* Instantiates a test body taking a backend name once per backend. */
#define PER_BACKEND(fn)                                                                     \
    static void fn##_epoll(void **state) { (void)state; fn("epoll"); }                    \
    static void fn##_poll(void **state) { (void)state; fn("poll"); }                      \
    static void fn##_select(void **state) { (void)state; fn("select"); }
#define BACKEND_TESTS(fn)                                                                   \
    cmocka_unit_test(fn##_epoll), cmocka_unit_test(fn##_poll), cmocka_unit_test(fn##_select)

/* ---- backend lookup and the clock ---- */

static void test_backend_find(void **state)
{
    (void)state;
    static const char *const names[] = {"epoll", "poll", "select"};
    for (size_t i = 0; i < 3; i++) {
        const struct ev_backend *b = ev_backend_find(names[i]);
        assert_non_null(b);
        assert_string_equal(b->name, names[i]);
    }
    assert_ptr_equal(ev_backend_find("epoll"), &ev_backend_epoll);
    assert_ptr_equal(ev_backend_find("poll"), &ev_backend_poll);
    assert_ptr_equal(ev_backend_find("select"), &ev_backend_select);
    assert_null(ev_backend_find("kqueue"));
    assert_null(ev_backend_find(""));
    assert_null(ev_backend_find("EPOLL"));
    assert_int_equal(ev_backend_select.fd_limit, FD_SETSIZE);
    assert_int_equal(ev_backend_epoll.fd_limit, 0);
    assert_int_equal(ev_backend_poll.fd_limit, 0);
}

static void test_monotonic(void **state)
{
    (void)state;
    long long us0 = ev_monotonic_us(), ms0 = ev_monotonic_ms();
    assert_true(ms0 >= us0 / 1000 && ms0 <= us0 / 1000 + 1000);
    usleep(20000);
    long long us1 = ev_monotonic_us(), ms1 = ev_monotonic_ms();
    assert_true(us1 - us0 >= 20000);
    assert_true(ms1 - ms0 >= 19);
}

/* ---- file events ---- */

static void readable(const char *name)
{
    struct ev_loop *loop = loop_new(name, 64);
    int p[2];
    make_pipe(p);
    struct io_ctx ctx = {.stop_after = 1};
    assert_int_equal(ev_add(loop, p[0], EV_READABLE, on_io, &ctx), 0);
    assert_int_equal(ev_mask(loop, p[0]), EV_READABLE);
    assert_int_equal(ev_mask(loop, p[1]), EV_NONE);
    put(p[1], "x");
    run_guarded(loop);
    assert_int_equal(ctx.calls, 1);
    assert_int_equal(ctx.fd, p[0]);
    assert_ptr_equal(ctx.data, &ctx);
    assert_int_equal(ctx.mask, EV_READABLE);
    /* data read, nothing pending: no further call */
    run_for(loop, 30);
    assert_int_equal(ctx.calls, 1);
    /* more data: called again */
    put(p[1], "yz");
    run_guarded(loop);
    assert_int_equal(ctx.calls, 2);
    ev_destroy(loop);
    close(p[0]);
    close(p[1]);
}
PER_BACKEND(readable)

static void writable(const char *name)
{
    struct ev_loop *loop = loop_new(name, 64);
    int p[2];
    make_pipe(p);
    struct io_ctx ctx = {.stop_after = 1};
    assert_int_equal(ev_add(loop, p[1], EV_WRITABLE, on_io, &ctx), 0);
    assert_int_equal(ev_mask(loop, p[1]), EV_WRITABLE);
    run_guarded(loop);
    assert_int_equal(ctx.calls, 1);
    assert_int_equal(ctx.fd, p[1]);
    assert_int_equal(ctx.mask, EV_WRITABLE);
    ev_destroy(loop);
    close(p[0]);
    close(p[1]);
}
PER_BACKEND(writable)

static void del_stops_events(const char *name)
{
    struct ev_loop *loop = loop_new(name, 64);
    int p[2];
    make_pipe(p);
    struct io_ctx ctx = {.stop_after = 1};
    assert_int_equal(ev_add(loop, p[0], EV_READABLE, on_io, &ctx), 0);
    ev_del(loop, p[0], EV_READABLE);
    assert_int_equal(ev_mask(loop, p[0]), EV_NONE);
    put(p[1], "x");
    run_for(loop, 40);
    assert_int_equal(ctx.calls, 0);
    /* deleting again, or an fd never added, is harmless */
    ev_del(loop, p[0], EV_READABLE);
    ev_del(loop, 63, EV_READABLE | EV_WRITABLE);
    ev_del(loop, 1000, EV_READABLE);
    /* watching again delivers the data that waited */
    assert_int_equal(ev_add(loop, p[0], EV_READABLE, on_io, &ctx), 0);
    run_guarded(loop);
    assert_int_equal(ctx.calls, 1);
    ev_destroy(loop);
    close(p[0]);
    close(p[1]);
}
PER_BACKEND(del_stops_events)

/* One descriptor, two directions, two callbacks: deleting one direction keeps the other. */
static void del_one_direction(const char *name)
{
    struct ev_loop *loop = loop_new(name, 64);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    struct io_ctx ctx = {.stop_after = 1};
    assert_int_equal(ev_add(loop, sv[0], EV_WRITABLE, on_io, &ctx), 0);
    assert_int_equal(ev_add(loop, sv[0], EV_READABLE, on_io, &ctx), 0);
    assert_int_equal(ev_mask(loop, sv[0]), EV_READABLE | EV_WRITABLE);
    ev_del(loop, sv[0], EV_WRITABLE);
    assert_int_equal(ev_mask(loop, sv[0]), EV_READABLE);
    /* nothing to read, and writability is no longer watched */
    run_for(loop, 40);
    assert_int_equal(ctx.calls, 0);
    put(sv[1], "ping");
    run_guarded(loop);
    assert_int_equal(ctx.calls, 1);
    assert_int_equal(ctx.mask, EV_READABLE);
    assert_int_equal(ctx.fd, sv[0]);
    /* and the other way round */
    ev_del(loop, sv[0], EV_READABLE);
    assert_int_equal(ev_mask(loop, sv[0]), EV_NONE);
    assert_int_equal(ev_add(loop, sv[0], EV_WRITABLE, on_io, &ctx), 0);
    run_guarded(loop);
    assert_int_equal(ctx.calls, 2);
    assert_int_equal(ctx.mask, EV_WRITABLE);
    ev_destroy(loop);
    close(sv[0]);
    close(sv[1]);
}
PER_BACKEND(del_one_direction)

/* Two descriptors ready in the same wait: when the first callback stops watching the
 * second, the second callback must not run. */
static void on_io_del_other(struct ev_loop *loop, int fd, void *data, int mask)
{
    struct io_ctx *c = data;
    on_io(loop, fd, data, mask);
    ev_del(loop, c->other_fd, EV_READABLE);
}

static void batch_recheck(const char *name)
{
    struct ev_loop *loop = loop_new(name, 64);
    int a[2], b[2];
    make_pipe(a);
    make_pipe(b);
    struct io_ctx ca = {.other_fd = b[0]}, cb = {.other_fd = a[0]};
    assert_int_equal(ev_add(loop, a[0], EV_READABLE, on_io_del_other, &ca), 0);
    assert_int_equal(ev_add(loop, b[0], EV_READABLE, on_io_del_other, &cb), 0);
    put(a[1], "a");
    put(b[1], "b");
    run_for(loop, 40);
    assert_int_equal(ca.calls + cb.calls, 1);
    ev_destroy(loop);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
}
PER_BACKEND(batch_recheck)

/* Many descriptors ready at once all get their calls. */
static void many_fds(const char *name)
{
    enum { N = 20 };
    struct ev_loop *loop = loop_new(name, 256);
    int p[N][2];
    struct io_ctx ctx[N];
    for (int i = 0; i < N; i++) {
        make_pipe(p[i]);
        ctx[i] = (struct io_ctx){0};
        assert_int_equal(ev_add(loop, p[i][0], EV_READABLE, on_io, &ctx[i]), 0);
        put(p[i][1], "x");
    }
    run_for(loop, 40);
    for (int i = 0; i < N; i++) {
        assert_int_equal(ctx[i].calls, 1);
        assert_int_equal(ctx[i].fd, p[i][0]);
        ev_del(loop, p[i][0], EV_READABLE);
        close(p[i][0]);
        close(p[i][1]);
    }
    ev_destroy(loop);
}
PER_BACKEND(many_fds)

static void add_range_checks(const char *name)
{
    struct ev_loop *loop = loop_new(name, 64);
    struct io_ctx ctx = {0};
    errno = 0;
    assert_int_equal(ev_add(loop, -1, EV_READABLE, on_io, &ctx), -1);
    assert_int_equal(errno, ERANGE);
    errno = 0;
    assert_int_equal(ev_add(loop, 64, EV_READABLE, on_io, &ctx), -1);
    assert_int_equal(errno, ERANGE);
    assert_int_equal(ev_mask(loop, 64), EV_NONE);
    assert_int_equal(ev_mask(loop, -1), EV_NONE);
    ev_destroy(loop);
}
PER_BACKEND(add_range_checks)

static void resize(const char *name)
{
    struct ev_loop *loop = loop_new(name, 16);
    int p[2];
    make_pipe(p);
    assert_true(p[0] < 16);
    struct io_ctx ctx = {.stop_after = 1};
    assert_int_equal(ev_add(loop, p[0], EV_READABLE, on_io, &ctx), 0);
    /* cannot shrink below a watched descriptor */
    assert_int_equal(ev_resize(loop, p[0]), -1);
    assert_int_equal(ev_setsize(loop), 16);
    assert_int_equal(ev_resize(loop, 16), 0);
    /* growing keeps what is watched */
    assert_int_equal(ev_resize(loop, 512), 0);
    assert_int_equal(ev_setsize(loop), 512);
    assert_int_equal(ev_mask(loop, p[0]), EV_READABLE);
    int q[2];
    make_pipe(q);
    int hi = dup2(q[0], 300);
    assert_int_equal(hi, 300);
    struct io_ctx hctx = {.stop_after = 1};
    assert_int_equal(ev_add(loop, hi, EV_READABLE, on_io, &hctx), 0);
    put(q[1], "x");
    run_guarded(loop);
    assert_int_equal(hctx.calls, 1);
    assert_int_equal(hctx.fd, 300);
    assert_int_equal(ctx.calls, 0);
    put(p[1], "x");
    run_guarded(loop);
    assert_int_equal(ctx.calls, 1);
    assert_int_equal(hctx.calls, 1);
    /* and shrinking back works once the high fd is gone */
    ev_del(loop, hi, EV_READABLE);
    assert_int_equal(ev_resize(loop, 32), 0);
    assert_int_equal(ev_setsize(loop), 32);
    assert_int_equal(ev_mask(loop, p[0]), EV_READABLE);
    ev_destroy(loop);
    close(hi);
    close(q[0]);
    close(q[1]);
    close(p[0]);
    close(p[1]);
}
PER_BACKEND(resize)

/* select's fd_set has FD_SETSIZE bits: ev_add must refuse any descriptor at or above it
 * (with ERANGE) rather than FD_SET past the end. The other backends accept it. */
static void high_fd(const char *name)
{
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < 1200) {
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 1200)
            skip();
        rl.rlim_cur = 1200;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            skip();
    }
    int p[2];
    make_pipe(p);
    int fd_edge = dup2(p[0], FD_SETSIZE);
    int fd_high = dup2(p[0], 1100);
    int fd_low = dup2(p[0], FD_SETSIZE - 1);
    if (fd_edge < 0 || fd_high < 0 || fd_low < 0)
        skip();
    struct ev_loop *loop = loop_new(name, 2048);
    struct io_ctx ctx = {.stop_after = 1};
    bool is_select = strcmp(name, "select") == 0;
    if (is_select) {
        errno = 0;
        assert_int_equal(ev_add(loop, fd_high, EV_READABLE, on_io, &ctx), -1);
        assert_int_equal(errno, ERANGE);
        errno = 0;
        assert_int_equal(ev_add(loop, fd_edge, EV_READABLE | EV_WRITABLE, on_io, &ctx), -1);
        assert_int_equal(errno, ERANGE);
        assert_int_equal(ev_mask(loop, fd_high), EV_NONE);
        assert_int_equal(ev_mask(loop, fd_edge), EV_NONE);
        /* the last descriptor below the limit is fine */
        assert_int_equal(ev_add(loop, fd_low, EV_READABLE, on_io, &ctx), 0);
        put(p[1], "x");
        run_guarded(loop);
        assert_int_equal(ctx.calls, 1);
        assert_int_equal(ctx.fd, fd_low);
    } else {
        assert_int_equal(ev_add(loop, fd_high, EV_READABLE, on_io, &ctx), 0);
        assert_int_equal(ev_mask(loop, fd_high), EV_READABLE);
        put(p[1], "x");
        run_guarded(loop);
        assert_int_equal(ctx.calls, 1);
        assert_int_equal(ctx.fd, fd_high);
    }
    ev_destroy(loop);
    close(fd_edge);
    close(fd_high);
    close(fd_low);
    close(p[0]);
    close(p[1]);
}
PER_BACKEND(high_fd)

/* ---- timers ---- */

struct order_ctx {
    int seen[8]; /* ids in firing order */
    int n;
};

struct timer_arg {
    struct order_ctx *order;
    int id;
    bool stop;
};

static long long on_ordered(struct ev_loop *loop, void *data)
{
    struct timer_arg *a = data;
    a->order->seen[a->order->n++] = a->id;
    if (a->stop)
        ev_stop(loop);
    return EV_TIMER_DONE;
}

static void timers_in_order(const char *name)
{
    struct ev_loop *loop = loop_new(name, 64);
    struct order_ctx order = {{0}, 0};
    struct timer_arg t30 = {&order, 30, true}, t10 = {&order, 10, false},
                     t20 = {&order, 20, false}, t0 = {&order, 0, false},
                     late = {&order, 999, false};
    long long start = ev_monotonic_ms();
    assert_non_null(ev_timer_add(loop, 90, on_ordered, &t30));
    assert_non_null(ev_timer_add(loop, 30, on_ordered, &t10));
    assert_non_null(ev_timer_add(loop, 60, on_ordered, &t20));
    assert_non_null(ev_timer_add(loop, 0, on_ordered, &t0));
    assert_non_null(ev_timer_add(loop, 5000, on_ordered, &late));
    run_guarded(loop);
    assert_true(ev_monotonic_ms() - start >= 89);
    assert_int_equal(order.n, 4);
    assert_int_equal(order.seen[0], 0);
    assert_int_equal(order.seen[1], 10);
    assert_int_equal(order.seen[2], 20);
    assert_int_equal(order.seen[3], 30);
    ev_destroy(loop); /* frees the timer that never fired */
}
PER_BACKEND(timers_in_order)

struct repeat_ctx {
    int calls;
    int limit;
    long long interval;
};

static long long on_repeat(struct ev_loop *loop, void *data)
{
    struct repeat_ctx *r = data;
    r->calls++;
    if (r->calls >= r->limit) {
        ev_stop(loop);
        return EV_TIMER_DONE;
    }
    return r->interval;
}

static void timer_repeats(const char *name)
{
    struct ev_loop *loop = loop_new(name, 64);
    struct repeat_ctx r = {.limit = 3, .interval = 10};
    long long start = ev_monotonic_us();
    assert_non_null(ev_timer_add(loop, 10, on_repeat, &r));
    run_guarded(loop);
    /* three due times 10 ms apart (ms rounding can shave under 1 ms off each) */
    assert_true(ev_monotonic_us() - start >= 27000);
    assert_int_equal(r.calls, 3);
    /* EV_TIMER_DONE ended it: nothing more */
    run_for(loop, 40);
    assert_int_equal(r.calls, 3);
    /* a callback returning 0 runs again, but not in a busy loop within one iteration */
    struct repeat_ctx z = {.limit = 5, .interval = 0};
    assert_non_null(ev_timer_add(loop, 0, on_repeat, &z));
    run_guarded(loop);
    assert_int_equal(z.calls, 5);
    ev_destroy(loop);
}
PER_BACKEND(timer_repeats)

struct del_ctx {
    struct ev_timer *victim; /* deleted by the callback */
    int calls;
    long long ret;           /* what the callback returns */
};

static long long on_del_victim(struct ev_loop *loop, void *data)
{
    struct del_ctx *d = data;
    d->calls++;
    ev_timer_del(loop, d->victim);
    return d->ret;
}

static long long on_count(struct ev_loop *loop, void *data)
{
    (void)loop;
    (*(int *)data)++;
    return 10;
}

static void timer_del_from_callback(const char *name)
{
    struct ev_loop *loop = loop_new(name, 64);
    /* A (10 ms) deletes B (40 ms, repeating) before B ever runs */
    int b_calls = 0;
    struct ev_timer *b = ev_timer_add(loop, 40, on_count, &b_calls);
    struct del_ctx a = {.victim = b, .ret = EV_TIMER_DONE};
    assert_non_null(ev_timer_add(loop, 10, on_del_victim, &a));
    /* C (5 ms, would repeat every 10 ms) deletes itself from its own callback */
    struct del_ctx c = {.ret = 10};
    c.victim = ev_timer_add(loop, 5, on_del_victim, &c);
    /* D (repeating) runs alongside, then is deleted from outside any callback */
    int d_calls = 0;
    struct ev_timer *d = ev_timer_add(loop, 15, on_count, &d_calls);
    run_for(loop, 100);
    assert_int_equal(a.calls, 1);
    assert_int_equal(b_calls, 0);
    assert_int_equal(c.calls, 1);
    assert_true(d_calls >= 2);
    ev_timer_del(loop, d);
    int before = d_calls;
    run_for(loop, 40);
    assert_int_equal(d_calls, before);
    ev_destroy(loop);
}
PER_BACKEND(timer_del_from_callback)

/* ---- stopping and the before-sleep hook ---- */

struct hook_ctx {
    int calls;
    int stop_at;
};

static void on_before_sleep(struct ev_loop *loop, void *data)
{
    struct hook_ctx *h = data;
    if (++h->calls >= h->stop_at)
        ev_stop(loop);
}

static long long on_tick(struct ev_loop *loop, void *data)
{
    (void)loop;
    (*(int *)data)++;
    return 1;
}

static void stop_and_hook(const char *name)
{
    struct ev_loop *loop = loop_new(name, 64);
    /* a ticking timer keeps the loop iterating; the hook stops it on its 3rd call */
    int ticks = 0;
    struct ev_timer *t = ev_timer_add(loop, 1, on_tick, &ticks);
    struct hook_ctx h = {.stop_at = 3};
    ev_set_before_sleep(loop, on_before_sleep, &h);
    ev_run(loop);
    assert_int_equal(h.calls, 3);
    assert_true(ticks <= 2); /* at most one per finished iteration */
    /* ev_run can be entered again after ev_stop */
    h.stop_at = 4;
    ev_run(loop);
    assert_int_equal(h.calls, 4);
    /* without the hook, a timer's ev_stop ends ev_run */
    ev_set_before_sleep(loop, NULL, NULL);
    ev_timer_del(loop, t);
    assert_non_null(ev_timer_add(loop, 20, on_stop, NULL));
    run_guarded(loop);
    assert_int_equal(h.calls, 4);
    ev_destroy(loop);
}
PER_BACKEND(stop_and_hook)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backend_find),
        cmocka_unit_test(test_monotonic),
        BACKEND_TESTS(readable),
        BACKEND_TESTS(writable),
        BACKEND_TESTS(del_stops_events),
        BACKEND_TESTS(del_one_direction),
        BACKEND_TESTS(batch_recheck),
        BACKEND_TESTS(many_fds),
        BACKEND_TESTS(add_range_checks),
        BACKEND_TESTS(resize),
        BACKEND_TESTS(high_fd),
        BACKEND_TESTS(timers_in_order),
        BACKEND_TESTS(timer_repeats),
        BACKEND_TESTS(timer_del_from_callback),
        BACKEND_TESTS(stop_and_hook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
