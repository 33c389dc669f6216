#include "blocking.h"

#include <limits.h>
#include <string.h>

#include "../cmd/cmd.h"
#include "../db/db.h"
#include "../db/dict.h"
#include "../ev/ev.h"
#include "../net/client.h"
#include "../proto/reply.h"
#include "../util/mem.h"
#include "../util/num.h"
#include "server.h"

/* The clients waiting on one key, oldest first. Keyed by the 4-byte db id then the key. */
struct blocking_waiters {
    struct dict_node node;
    struct client **clients;
    size_t nclients;
    size_t cap;
    size_t keylen;
    char key[];
};

/* A waiting client's suspended command. */
struct blocking_state {
    struct blocking_waiters **keys; /* entries this client is queued in */
    int nkeys;
    struct cmd *cmd;
    struct cmd_arg *argv;           /* owned copy (client_copy_argv) */
    int argc;
    struct ev_timer *timer;         /* NULL when waiting forever */
    bool rearmed;                   /* the re-run command asked to keep waiting */
    bool timed_out;                 /* keyless wait: re-run because the deadline passed */
};

/* A key written since the last serving round, as registry bytes. */
struct blocking_ready {
    char *key;
    size_t len;
};

static struct dict blocking_keys;
static bool blocking_ready_init;
static struct blocking_ready *blocking_ready_list;
static size_t blocking_nready;
static size_t blocking_ready_cap;
static size_t blocking_clients;
static bool blocking_serving;
/* Clients waiting without keys (WAIT), in blocking order. */
static struct client **blocking_keyless;
static size_t blocking_nkeyless;
static size_t blocking_keyless_cap;

static void blocking_key_fn(const struct dict_node *node, const char **key, size_t *len)
{
    const struct blocking_waiters *w = (const struct blocking_waiters *)node;
    *key = w->key;
    *len = w->keylen;
}

static struct dict *blocking_table(void)
{
    if (!blocking_ready_init) {
        dict_init(&blocking_keys, blocking_key_fn);
        blocking_ready_init = true;
    }
    return &blocking_keys;
}

static char *blocking_registry_key(const struct db *db, const char *key, size_t len,
                                   size_t *out_len)
{
    int id = db_id(db);
    char *buf = mem_alloc(len + sizeof id);
    memcpy(buf, &id, sizeof id);
    memcpy(buf + sizeof id, key, len);
    *out_len = len + sizeof id;
    return buf;
}

size_t blocking_count(void)
{
    return blocking_clients;
}

bool blocking_is_blocked(const struct client *c)
{
    return c->blocked != NULL;
}

bool blocking_allowed(const struct client *c)
{
    /* Our master's stream must never stall behind a wait (its blocking commands found
     * their data on the master, so they find it here too). */
    return !(c->flags & (CLIENT_IN_EXEC | CLIENT_FAKE | CLIENT_MASTER));
}

bool blocking_parse_timeout_or_reply(struct client *c, const struct cmd_arg *arg,
                                     long long *deadline_ms)
{
    long double secs;
    if (num_parse_ld(arg->ptr, arg->len, &secs) < 0 || secs != secs) {
        reply_error(c, "ERR timeout is not a float or out of range");
        return false;
    }
    /* Redis converts seconds*1000 to a long long; infinite or huge values come out negative
     * there, so it answers "negative" for them too. */
    if (secs < 0 || secs > (long double)LLONG_MAX / 1000) {
        reply_error(c, "ERR timeout is negative");
        return false;
    }
    long long ms = (long long)(secs * 1000);
    /* Fractions below a millisecond still mean "a little while", not "forever". */
    if (ms == 0 && secs > 0)
        ms = 1;
    *deadline_ms = ms ? server_unix_ms() + ms : 0;
    return true;
}

static long long blocking_on_timeout(struct ev_loop *loop, void *data);

void blocking_block(struct client *c, const struct cmd_arg *keys, int nkeys, int key_step,
                    long long deadline_ms)
{
    if (c->blocked) {
        /* Re-run of a waiting command that still found nothing: keep its place. */
        c->blocked->rearmed = true;
        return;
    }
    struct blocking_state *b = mem_calloc(sizeof *b);
    b->cmd = (struct cmd *)c->cmd;
    b->argv = client_copy_argv(c->argv, c->argc);
    b->argc = c->argc;
    b->keys = nkeys ? mem_alloc(sizeof *b->keys * (size_t)nkeys) : NULL;
    if (nkeys == 0) {
        if (blocking_nkeyless == blocking_keyless_cap) {
            blocking_keyless_cap = blocking_keyless_cap ? blocking_keyless_cap * 2 : 8;
            blocking_keyless = mem_realloc(blocking_keyless,
                                           sizeof *blocking_keyless * blocking_keyless_cap);
        }
        blocking_keyless[blocking_nkeyless++] = c;
    }
    struct dict *table = blocking_table();
    for (int i = 0; i < nkeys; i++) {
        const struct cmd_arg *k = &keys[i * key_step];
        size_t rlen;
        char *rkey = blocking_registry_key(c->db, k->ptr, k->len, &rlen);
        struct blocking_waiters *w = (struct blocking_waiters *)dict_find(table, rkey, rlen);
        bool dup = false;
        for (int j = 0; w && j < b->nkeys && !dup; j++)
            dup = b->keys[j] == w;
        if (!dup) {
            if (!w) {
                w = mem_calloc(sizeof *w + rlen);
                w->keylen = rlen;
                memcpy(w->key, rkey, rlen);
                dict_add(table, &w->node);
            }
            if (w->nclients == w->cap) {
                w->cap = w->cap ? w->cap * 2 : 4;
                w->clients = mem_realloc(w->clients, sizeof *w->clients * w->cap);
            }
            w->clients[w->nclients++] = c;
            b->keys[b->nkeys++] = w;
        }
        mem_free(rkey);
    }
    if (deadline_ms > 0)
        b->timer = ev_timer_add(srv.loop, deadline_ms - server_unix_ms(), blocking_on_timeout, c);
    c->blocked = b;
    blocking_clients++;
}

/* Takes the client out of every queue and frees its suspended command. */
static void blocking_release(struct client *c)
{
    struct blocking_state *b = c->blocked;
    if (!b)
        return;
    for (size_t i = 0; b->nkeys == 0 && i < blocking_nkeyless; i++) {
        if (blocking_keyless[i] == c) {
            memmove(&blocking_keyless[i], &blocking_keyless[i + 1],
                    sizeof *blocking_keyless * (blocking_nkeyless - i - 1));
            blocking_nkeyless--;
            break;
        }
    }
    for (int i = 0; i < b->nkeys; i++) {
        struct blocking_waiters *w = b->keys[i];
        for (size_t j = 0; j < w->nclients; j++) {
            if (w->clients[j] == c) {
                /* Shift, not swap: the queue order is the serving order. */
                memmove(&w->clients[j], &w->clients[j + 1],
                        sizeof *w->clients * (w->nclients - j - 1));
                w->nclients--;
                break;
            }
        }
        if (w->nclients == 0) {
            dict_unlink(&blocking_keys, w->key, w->keylen);
            mem_free(w->clients);
            mem_free(w);
        }
    }
    if (b->timer)
        ev_timer_del(srv.loop, b->timer);
    mem_free(b->keys);
    mem_free(b->argv);
    mem_free(b);
    c->blocked = NULL;
    blocking_clients--;
}

void blocking_abort(struct client *c)
{
    blocking_release(c);
}

static void blocking_rerun(struct client *c);

static long long blocking_on_timeout(struct ev_loop *loop, void *data)
{
    (void)loop;
    struct client *c = data;
    /* The timer ends by returning; release must not delete it a second time. */
    c->blocked->timer = NULL;
    if (c->blocked->nkeys == 0) {
        /* A keyless wait's command composes its own timeout reply (WAIT's count). */
        c->blocked->timed_out = true;
        blocking_rerun(c);
        blocking_serve_ready();
        return EV_TIMER_DONE;
    }
    reply_null_array(c);
    blocking_release(c);
    client_resume(c);
    blocking_serve_ready();
    return EV_TIMER_DONE;
}

void blocking_unblock_client(struct client *c, bool with_error)
{
    if (!c->blocked)
        return;
    if (with_error)
        reply_error(c, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
    else
        reply_null_array(c);
    blocking_release(c);
    client_resume(c);
}

void blocking_signal_key(struct db *db, const char *key, size_t len)
{
    if (!blocking_ready_init || dict_size(&blocking_keys) == 0)
        return;
    size_t rlen;
    char *rkey = blocking_registry_key(db, key, len, &rlen);
    if (!dict_find(&blocking_keys, rkey, rlen)) {
        mem_free(rkey);
        return;
    }
    for (size_t i = 0; i < blocking_nready; i++) {
        if (blocking_ready_list[i].len == rlen && memcmp(blocking_ready_list[i].key, rkey, rlen) == 0) {
            mem_free(rkey);
            return;
        }
    }
    if (blocking_nready == blocking_ready_cap) {
        blocking_ready_cap = blocking_ready_cap ? blocking_ready_cap * 2 : 8;
        blocking_ready_list = mem_realloc(blocking_ready_list,
                                          sizeof *blocking_ready_list * blocking_ready_cap);
    }
    blocking_ready_list[blocking_nready++] = (struct blocking_ready){rkey, rlen};
}

void blocking_signal_db(struct db *db)
{
    if (!blocking_ready_init || dict_size(&blocking_keys) == 0)
        return;
    int id = db_id(db);
    struct dict_iter it;
    dict_iter_init(&it, &blocking_keys);
    for (struct dict_node *n; (n = dict_iter_next(&it)) != NULL;) {
        struct blocking_waiters *w = (struct blocking_waiters *)n;
        int wid;
        memcpy(&wid, w->key, sizeof wid);
        if (wid == id)
            blocking_signal_key(db, w->key + sizeof wid, w->keylen - sizeof wid);
    }
    dict_iter_release(&it);
}

/* Runs a waiting client's command again; unblocks it unless the command waits again. */
static void blocking_rerun(struct client *c)
{
    struct blocking_state *b = c->blocked;
    b->rearmed = false;
    struct cmd_arg *saved_argv = c->argv;
    int saved_argc = c->argc;
    c->argv = b->argv;
    c->argc = b->argc;
    srv.cmd_time_ms = server_unix_ms();
    srv.call_clock_us = ev_monotonic_us();
    server_call(c, b->cmd);
    c->argv = saved_argv;
    c->argc = saved_argc;
    if (!b->rearmed) {
        blocking_release(c);
        client_resume(c);
    }
}

static bool blocking_still_waits_on(const struct client *c, const struct blocking_waiters *w)
{
    if (!c->blocked)
        return false;
    for (int i = 0; i < c->blocked->nkeys; i++)
        if (c->blocked->keys[i] == w)
            return true;
    return false;
}

void blocking_serve_ready(void)
{
    if (blocking_serving || blocking_nready == 0)
        return;
    blocking_serving = true;
    while (blocking_nready > 0) {
        struct blocking_ready r = blocking_ready_list[0];
        memmove(&blocking_ready_list[0], &blocking_ready_list[1],
                sizeof *blocking_ready_list * --blocking_nready);
        struct blocking_waiters *w =
            (struct blocking_waiters *)dict_find(&blocking_keys, r.key, r.len);
        if (w) {
            /* Serving may unblock clients (shrinking the queue) or free the queue
             * entirely, so walk a snapshot and re-check each client. */
            size_t n = w->nclients;
            struct client **snapshot = mem_alloc(sizeof *snapshot * n);
            memcpy(snapshot, w->clients, sizeof *snapshot * n);
            for (size_t i = 0; i < n; i++) {
                struct blocking_waiters *cur =
                    (struct blocking_waiters *)dict_find(&blocking_keys, r.key, r.len);
                if (!cur)
                    break;
                if (blocking_still_waits_on(snapshot[i], cur))
                    blocking_rerun(snapshot[i]);
            }
            mem_free(snapshot);
        }
        mem_free(r.key);
    }
    blocking_serving = false;
}

bool blocking_timed_out(const struct client *c)
{
    return c->blocked && c->blocked->timed_out;
}

void blocking_wake_keyless(void)
{
    if (blocking_nkeyless == 0)
        return;
    /* Re-running may unblock (shrinking the list) or free clients: walk a snapshot. */
    size_t n = blocking_nkeyless;
    struct client **snapshot = mem_alloc(sizeof *snapshot * n);
    memcpy(snapshot, blocking_keyless, sizeof *snapshot * n);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < blocking_nkeyless; j++) {
            if (blocking_keyless[j] == snapshot[i]) {
                blocking_rerun(snapshot[i]);
                break;
            }
        }
    }
    mem_free(snapshot);
}
