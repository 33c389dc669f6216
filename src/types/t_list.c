/* t_list: the list commands. Every list is a quicklist (OBJECT ENCODING "quicklist", as in
 * Redis 7.0, which has no listpack-encoded lists); its node size and compression depth are
 * list-max-listpack-size and list-compress-depth at the time the list is created.
 *
 * Blocking forms (BLPOP, BLMOVE, BLMPOP...) share their non-blocking sibling's code: when
 * nothing can be popped they hand the client to the blocking machinery, which runs the
 * command again whenever one of its keys is written. A re-run that finds a key of another
 * type keeps waiting, as Redis 7.0 serves waiters only from lists.
 *
 * Keyspace events are Redis 7.0's, in its order: "new" (from db_add) when a push creates
 * the key, then lpush/rpush/lpop/rpop/linsert/lset/lrem/ltrim, then "del" when a list
 * becomes empty and is deleted. */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "../cmd/cmd.h"
#include "../core/blocking.h"
#include "../core/propagate.h"
#include "../core/pubsub.h"
#include "../core/server.h"
#include "../db/db.h"
#include "../db/kv.h"
#include "../net/client.h"
#include "../proto/reply.h"
#include "../util/mem.h"
#include "../util/num.h"
#include "quicklist.h"

/* ---- the value ---- */

static void list_free_value(void *ptr, enum kv_encoding enc)
{
    (void)enc;
    ql_free(ptr);
}

static void *list_dup_value(const void *ptr, enum kv_encoding enc)
{
    (void)enc;
    return ql_dup(ptr);
}

static size_t list_value_memory(const void *ptr, enum kv_encoding enc)
{
    (void)enc;
    return ql_memory(ptr);
}

const struct kv_type_ops kv_list_ops = {
    .free_value = list_free_value,
    .dup_value = list_dup_value,
    .value_memory = list_value_memory,
};

/* ---- lookups, creation, side effects ---- */

static struct quicklist *list_ql(const struct kv *kv)
{
    return kv->v.ptr;
}

/* Finds key; *out is NULL when it is missing. Replies WRONGTYPE and returns -1 when the
 * key holds another type. */
static int list_lookup_or_reply(struct client *c, const struct cmd_arg *key, int flags,
                                struct kv **out)
{
    struct kv *kv = db_lookup(c->db, key->ptr, key->len, flags);
    if (kv && kv->type != KV_LIST) {
        reply_error_wrongtype(c);
        return -1;
    }
    *out = kv;
    return 0;
}

static struct kv *list_create(struct client *c, const struct cmd_arg *key)
{
    struct quicklist *ql = ql_new(srv.cfg.list_max_listpack_size, srv.cfg.list_compress_depth);
    struct kv *kv = kv_new_ptr(key->ptr, key->len, KV_LIST, KV_ENC_QUICKLIST, ql, -1);
    db_add(c->db, kv);
    return kv;
}

static void list_notify(struct client *c, const char *event, const struct cmd_arg *key)
{
    pubsub_notify_keyspace(NOTIFY_LIST, event, key->ptr, key->len, db_id(c->db));
}

static const char *list_pop_event(enum ql_where where)
{
    return where == QL_HEAD ? "lpop" : "rpop";
}

static const char *list_push_event(enum ql_where where)
{
    return where == QL_HEAD ? "lpush" : "rpush";
}

/* Deletes a list that became empty: Redis never keeps empty collections. kv is dead after. */
static void list_delete_if_empty(struct client *c, const struct cmd_arg *key, struct kv *kv)
{
    if (ql_count(list_ql(kv)) > 0)
        return;
    db_delete(c->db, key->ptr, key->len);
    pubsub_notify_keyspace(NOTIFY_GENERIC, "del", key->ptr, key->len, db_id(c->db));
}

/* What every pop does after removing n elements (Redis's listElementsRemoved). Keys popped
 * by LMPOP/BLMPOP are outside the command's key positions, so they are signalled here. */
static void list_elements_removed(struct client *c, const struct cmd_arg *key, struct kv *kv,
                                  enum ql_where where, unsigned long n, bool outside_positions)
{
    list_notify(c, list_pop_event(where), key);
    list_delete_if_empty(c, key, kv);
    if (outside_positions)
        server_signal_modified_key(c->db, key->ptr, key->len);
    server_dirty((long long)n);
}

/* ---- argument parsing ---- */

static int list_parse_ll_or_reply(struct client *c, const struct cmd_arg *arg, long long *v)
{
    if (num_parse_ll(arg->ptr, arg->len, v) < 0) {
        reply_error_not_int(c);
        return -1;
    }
    return 0;
}

/* LEFT or RIGHT (LMOVE, LMPOP). */
static int list_parse_where_or_reply(struct client *c, const struct cmd_arg *arg,
                                     enum ql_where *where)
{
    if (client_arg_is(arg, "left"))
        *where = QL_HEAD;
    else if (client_arg_is(arg, "right"))
        *where = QL_TAIL;
    else {
        reply_error_syntax(c);
        return -1;
    }
    return 0;
}

/* Clamps [start, end] (negative from the end) to the list; false when nothing is left. */
static bool list_clamp_range(long long *start, long long *end, unsigned long llen)
{
    long long len = (long long)llen;
    if (*start < 0)
        *start += len;
    if (*end < 0)
        *end += len;
    if (*start < 0)
        *start = 0;
    if (*start > *end || *start >= len)
        return false;
    if (*end >= len)
        *end = len - 1;
    return true;
}

/* ---- replies ---- */

static void list_reply_entry(struct client *c, const struct ql_entry *e)
{
    if (e->v.sval)
        reply_bulk(c, (const char *)e->v.sval, e->v.slen);
    else
        reply_bulk_ll(c, e->v.lval);
}

/* An array of n elements from index start, walking towards dir. */
static void list_reply_range(struct client *c, struct quicklist *ql, long start, unsigned long n,
                             enum ql_where dir)
{
    struct ql_iter it;
    struct ql_entry e;
    reply_array(c, (long long)n);
    ql_iter_init(&it, ql, start, dir);
    while (n-- > 0 && ql_iter_next(&it, &e))
        list_reply_entry(c, &e);
    ql_iter_release(&it);
}

/* Pops up to count elements from one end, replying with them in pop order. */
static unsigned long list_pop_range_reply(struct client *c, struct quicklist *ql,
                                          enum ql_where where, unsigned long long count)
{
    unsigned long n = count > ql_count(ql) ? ql_count(ql) : (unsigned long)count;
    if (where == QL_HEAD) {
        list_reply_range(c, ql, 0, n, QL_TAIL);
        ql_del_range(ql, 0, n);
    } else {
        list_reply_range(c, ql, -1, n, QL_HEAD);
        ql_del_range(ql, -(long)n, n);
    }
    return n;
}

/* ---- push ---- */

static void list_push_generic(struct client *c, enum ql_where where, bool only_existing)
{
    const struct cmd_arg *key = &c->argv[1];
    struct kv *kv;
    if (list_lookup_or_reply(c, key, DB_LOOKUP_WRITE, &kv) < 0)
        return;
    if (!kv) {
        if (only_existing) {
            reply_integer(c, 0);
            return;
        }
        kv = list_create(c, key);
    }
    struct quicklist *ql = list_ql(kv);
    for (int j = 2; j < c->argc; j++)
        ql_push(ql, (const unsigned char *)c->argv[j].ptr, c->argv[j].len, where);
    server_dirty(c->argc - 2);
    reply_integer(c, (long long)ql_count(ql));
    list_notify(c, list_push_event(where), key);
}

void cmd_lpush(struct client *c)
{
    list_push_generic(c, QL_HEAD, false);
}

void cmd_rpush(struct client *c)
{
    list_push_generic(c, QL_TAIL, false);
}

void cmd_lpushx(struct client *c)
{
    list_push_generic(c, QL_HEAD, true);
}

void cmd_rpushx(struct client *c)
{
    list_push_generic(c, QL_TAIL, true);
}

/* ---- pop ---- */

/* LPOP/RPOP key [count]: a bulk string without count, an array with it. */
static void list_pop_generic(struct client *c, enum ql_where where)
{
    const struct cmd_arg *key = &c->argv[1];
    bool has_count = c->argc == 3;
    long long count = 0;
    if (c->argc > 3) {
        reply_error_arity(c, c->cmd->fullname);
        return;
    }
    if (has_count && (num_parse_ll(c->argv[2].ptr, c->argv[2].len, &count) < 0 || count < 0)) {
        reply_error(c, "ERR value is out of range, must be positive");
        return;
    }
    struct kv *kv;
    if (list_lookup_or_reply(c, key, DB_LOOKUP_WRITE, &kv) < 0)
        return;
    if (!kv) {
        if (has_count)
            reply_null_array(c);
        else
            reply_null(c);
        return;
    }
    if (has_count && count == 0) {
        reply_array(c, 0);
        return;
    }
    struct quicklist *ql = list_ql(kv);
    unsigned long n = 1;
    if (has_count) {
        n = list_pop_range_reply(c, ql, where, (unsigned long long)count);
    } else {
        struct ql_entry e;
        ql_peek(ql, where, &e);
        list_reply_entry(c, &e);
        ql_pop(ql, where);
    }
    list_elements_removed(c, key, kv, where, n, false);
}

void cmd_lpop(struct client *c)
{
    list_pop_generic(c, QL_HEAD);
}

void cmd_rpop(struct client *c)
{
    list_pop_generic(c, QL_TAIL);
}

/* Pops from the first non-empty list among keys: BLPOP/BRPOP (count < 0: one element,
 * replied as [key, element]) and LMPOP/BLMPOP (count >= 1: [key, [elements...]]). When all
 * are empty it blocks if `block` (and blocking is allowed), else replies a null array. */
static void list_pop_first_nonempty(struct client *c, const struct cmd_arg *keys, int nkeys,
                                    enum ql_where where, long long count, bool block,
                                    long long deadline)
{
    bool rerun = blocking_is_blocked(c);
    for (int i = 0; i < nkeys; i++) {
        const struct cmd_arg *key = &keys[i];
        struct kv *kv = db_lookup(c->db, key->ptr, key->len, DB_LOOKUP_WRITE);
        if (!kv)
            continue;
        if (kv->type != KV_LIST) {
            if (rerun)
                continue;
            reply_error_wrongtype(c);
            return;
        }
        struct quicklist *ql = list_ql(kv);
        reply_array(c, 2);
        reply_bulk(c, key->ptr, key->len);
        /* The stream gets the pop from the key that was served, as the plain command: which
         * key had elements, and that a wait happened, are this server's history. */
        const char *pop = where == QL_HEAD ? "LPOP" : "RPOP";
        if (count >= 1) {
            unsigned long n = list_pop_range_reply(c, ql, where, (unsigned long long)count);
            list_elements_removed(c, key, kv, where, n, true);
            propagate_replace_key_ll(pop, key, (long long)n);
        } else {
            struct ql_entry e;
            ql_peek(ql, where, &e);
            list_reply_entry(c, &e);
            ql_pop(ql, where);
            list_elements_removed(c, key, kv, where, 1, false);
            propagate_replace_key(pop, key);
        }
        return;
    }
    if (block && blocking_allowed(c))
        blocking_block(c, keys, nkeys, 1, deadline);
    else
        reply_null_array(c);
}

static void list_bpop_generic(struct client *c, enum ql_where where)
{
    long long deadline;
    if (!blocking_parse_timeout_or_reply(c, &c->argv[c->argc - 1], &deadline))
        return;
    list_pop_first_nonempty(c, &c->argv[1], c->argc - 2, where, -1, true, deadline);
}

void cmd_blpop(struct client *c)
{
    list_bpop_generic(c, QL_HEAD);
}

void cmd_brpop(struct client *c)
{
    list_bpop_generic(c, QL_TAIL);
}

/* [B]LMPOP [timeout] numkeys key... LEFT|RIGHT [COUNT count]; numkeys at numkeys_idx. */
static void list_mpop_generic(struct client *c, int numkeys_idx, bool block)
{
    long long numkeys, count = -1;
    enum ql_where where;
    const struct cmd_arg *nk = &c->argv[numkeys_idx];
    if (num_parse_ll(nk->ptr, nk->len, &numkeys) < 0 || numkeys < 1) {
        reply_error(c, "ERR numkeys should be greater than 0");
        return;
    }
    if (numkeys > c->argc - numkeys_idx - 2) {
        reply_error_syntax(c);
        return;
    }
    int where_idx = numkeys_idx + (int)numkeys + 1;
    if (list_parse_where_or_reply(c, &c->argv[where_idx], &where) < 0)
        return;
    for (int j = where_idx + 1; j < c->argc; j++) {
        if (count == -1 && client_arg_is(&c->argv[j], "count") && j + 1 < c->argc) {
            j++;
            if (num_parse_ll(c->argv[j].ptr, c->argv[j].len, &count) < 0 || count < 1) {
                reply_error(c, "ERR count should be greater than 0");
                return;
            }
        } else {
            reply_error_syntax(c);
            return;
        }
    }
    if (count == -1)
        count = 1;
    long long deadline = 0;
    if (block && !blocking_parse_timeout_or_reply(c, &c->argv[1], &deadline))
        return;
    list_pop_first_nonempty(c, &c->argv[numkeys_idx + 1], (int)numkeys, where, count, block,
                            deadline);
}

void cmd_lmpop(struct client *c)
{
    list_mpop_generic(c, 1, false);
}

void cmd_blmpop(struct client *c)
{
    list_mpop_generic(c, 2, true);
}

/* ---- move ---- */

/* Pops from argv[1] and pushes onto argv[2] (which may be the same list). */
static void list_move_generic(struct client *c, enum ql_where from, enum ql_where to)
{
    const struct cmd_arg *skey = &c->argv[1], *dkey = &c->argv[2];
    struct kv *src, *dst;
    if (list_lookup_or_reply(c, skey, DB_LOOKUP_WRITE, &src) < 0)
        return;
    if (!src) {
        reply_null(c);
        return;
    }
    if (list_lookup_or_reply(c, dkey, DB_LOOKUP_WRITE, &dst) < 0)
        return;
    /* Copy the element out first: when source and destination are one list, pushing can
     * move the very listpack it lives in. */
    struct ql_entry e;
    char small[64], *val = small;
    size_t len;
    ql_peek(list_ql(src), from, &e);
    if (e.v.sval) {
        len = e.v.slen;
        if (len > sizeof small)
            val = mem_alloc(len);
        memcpy(val, e.v.sval, len);
    } else {
        len = num_ll_to_str(small, e.v.lval);
    }
    ql_pop(list_ql(src), from);
    if (!dst)
        dst = list_create(c, dkey);
    ql_push(list_ql(dst), (const unsigned char *)val, len, to);
    list_notify(c, list_push_event(to), dkey);
    reply_bulk(c, val, len);
    if (val != small)
        mem_free(val);
    list_notify(c, list_pop_event(from), skey);
    list_delete_if_empty(c, skey, src);
    server_dirty(1);
}

/* BLMOVE/BRPOPLPUSH: blocks on the source only. Redis 7.0 answers a timeout with a null
 * ARRAY here too (all list waits time out alike), but a refused wait (MULTI) with a null
 * bulk, as LMOVE would. A move that happens is propagated as `plain` (LMOVE, RPOPLPUSH)
 * with the same arguments but the timeout, which means nothing once the move is done. */
static void list_blmove_generic(struct client *c, enum ql_where from, enum ql_where to,
                                long long deadline, const char *plain)
{
    struct kv *src = db_lookup(c->db, c->argv[1].ptr, c->argv[1].len, DB_LOOKUP_WRITE);
    if (src && src->type != KV_LIST && !blocking_is_blocked(c)) {
        reply_error_wrongtype(c);
        return;
    }
    if (src && src->type == KV_LIST) {
        list_move_generic(c, from, to);
        struct cmd_arg argv[5] = {{(char *)plain, strlen(plain)}};
        for (int j = 1; j < c->argc - 1; j++)
            argv[j] = c->argv[j];
        propagate_replace(c->argc - 1, argv);
    } else if (blocking_allowed(c)) {
        blocking_block(c, &c->argv[1], 1, 1, deadline);
    } else {
        reply_null(c);
    }
}

void cmd_lmove(struct client *c)
{
    enum ql_where from, to;
    if (list_parse_where_or_reply(c, &c->argv[3], &from) < 0 ||
        list_parse_where_or_reply(c, &c->argv[4], &to) < 0)
        return;
    list_move_generic(c, from, to);
}

void cmd_rpoplpush(struct client *c)
{
    list_move_generic(c, QL_TAIL, QL_HEAD);
}

void cmd_blmove(struct client *c)
{
    enum ql_where from, to;
    long long deadline;
    if (list_parse_where_or_reply(c, &c->argv[3], &from) < 0 ||
        list_parse_where_or_reply(c, &c->argv[4], &to) < 0 ||
        !blocking_parse_timeout_or_reply(c, &c->argv[5], &deadline))
        return;
    list_blmove_generic(c, from, to, deadline, "LMOVE");
}

void cmd_brpoplpush(struct client *c)
{
    long long deadline;
    if (!blocking_parse_timeout_or_reply(c, &c->argv[3], &deadline))
        return;
    list_blmove_generic(c, QL_TAIL, QL_HEAD, deadline, "RPOPLPUSH");
}

/* ---- reading ---- */

void cmd_llen(struct client *c)
{
    struct kv *kv;
    if (list_lookup_or_reply(c, &c->argv[1], 0, &kv) < 0)
        return;
    reply_integer(c, kv ? (long long)ql_count(list_ql(kv)) : 0);
}

void cmd_lrange(struct client *c)
{
    long long start, end;
    struct kv *kv;
    if (list_parse_ll_or_reply(c, &c->argv[2], &start) < 0 ||
        list_parse_ll_or_reply(c, &c->argv[3], &end) < 0 ||
        list_lookup_or_reply(c, &c->argv[1], 0, &kv) < 0)
        return;
    if (!kv || !list_clamp_range(&start, &end, ql_count(list_ql(kv)))) {
        reply_array(c, 0);
        return;
    }
    list_reply_range(c, list_ql(kv), (long)start, (unsigned long)(end - start + 1), QL_TAIL);
}

void cmd_lindex(struct client *c)
{
    struct kv *kv;
    long long index;
    if (list_lookup_or_reply(c, &c->argv[1], 0, &kv) < 0)
        return;
    if (!kv) {
        reply_null(c);
        return;
    }
    if (list_parse_ll_or_reply(c, &c->argv[2], &index) < 0)
        return;
    struct ql_entry e;
    if (!ql_index(list_ql(kv), (long)index, &e)) {
        reply_null(c);
        return;
    }
    list_reply_entry(c, &e);
    ql_release_entry(list_ql(kv), &e);
}

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
void cmd_lpos(struct client *c)
{
    const struct cmd_arg *ele = &c->argv[2];
    long long rank = 1, count = -1, maxlen = 0; /* count -1: no COUNT option */
    for (int j = 3; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        if (client_arg_is(&c->argv[j], "rank") && more) {
            if (list_parse_ll_or_reply(c, &c->argv[++j], &rank) < 0)
                return;
            if (rank == 0) {
                reply_error(c, "ERR RANK can't be zero: use 1 to start from the first match, "
                               "2 from the second ... or use negative to start from the end "
                               "of the list");
                return;
            }
        } else if (client_arg_is(&c->argv[j], "count") && more) {
            j++;
            if (num_parse_ll(c->argv[j].ptr, c->argv[j].len, &count) < 0 || count < 0) {
                reply_error(c, "ERR COUNT can't be negative");
                return;
            }
        } else if (client_arg_is(&c->argv[j], "maxlen") && more) {
            j++;
            if (num_parse_ll(c->argv[j].ptr, c->argv[j].len, &maxlen) < 0 || maxlen < 0) {
                reply_error(c, "ERR MAXLEN can't be negative");
                return;
            }
        } else {
            reply_error_syntax(c);
            return;
        }
    }
    /* A negative rank searches from the tail. Redis negates it in a long, so LLONG_MIN
     * stays negative there and matches the first hit: the same as -1. */
    enum ql_where dir = QL_TAIL;
    if (rank < 0) {
        rank = rank == LLONG_MIN ? 1 : -rank;
        dir = QL_HEAD;
    }
    struct kv *kv;
    if (list_lookup_or_reply(c, &c->argv[1], 0, &kv) < 0)
        return;
    if (!kv) {
        if (count != -1)
            reply_array(c, 0);
        else
            reply_null(c);
        return;
    }
    struct quicklist *ql = list_ql(kv);
    long long llen = (long long)ql_count(ql);
    struct reply_deferred d;
    if (count != -1)
        d = reply_defer(c);
    struct ql_iter it;
    struct ql_entry e;
    long long index = 0, matches = 0, replied = 0, found = -1;
    ql_iter_init(&it, ql, dir == QL_TAIL ? 0 : -1, dir);
    while ((maxlen == 0 || index < maxlen) && ql_iter_next(&it, &e)) {
        if (ql_entry_eq(&e, (const unsigned char *)ele->ptr, ele->len) && ++matches >= rank) {
            long long pos = dir == QL_TAIL ? index : llen - index - 1;
            if (count == -1) {
                found = pos;
                break;
            }
            reply_integer(c, pos);
            if (++replied == count && count != 0)
                break;
        }
        index++;
    }
    ql_iter_release(&it);
    if (count != -1)
        reply_set_deferred_array(c, d, replied);
    else if (found >= 0)
        reply_integer(c, found);
    else
        reply_null(c);
}

/* ---- writing in place ---- */

void cmd_lset(struct client *c)
{
    struct kv *kv;
    long long index;
    if (list_lookup_or_reply(c, &c->argv[1], DB_LOOKUP_WRITE, &kv) < 0)
        return;
    if (!kv) {
        reply_error(c, "ERR no such key");
        return;
    }
    if (list_parse_ll_or_reply(c, &c->argv[2], &index) < 0)
        return;
    const struct cmd_arg *val = &c->argv[3];
    if (!ql_replace(list_ql(kv), (long)index, (const unsigned char *)val->ptr, val->len)) {
        reply_error(c, "ERR index out of range");
        return;
    }
    reply_ok(c);
    list_notify(c, "lset", &c->argv[1]);
    server_dirty(1);
}

/* LINSERT key BEFORE|AFTER pivot element */
void cmd_linsert(struct client *c)
{
    bool after;
    if (client_arg_is(&c->argv[2], "after"))
        after = true;
    else if (client_arg_is(&c->argv[2], "before"))
        after = false;
    else {
        reply_error_syntax(c);
        return;
    }
    struct kv *kv;
    if (list_lookup_or_reply(c, &c->argv[1], DB_LOOKUP_WRITE, &kv) < 0)
        return;
    if (!kv) {
        reply_integer(c, 0);
        return;
    }
    struct quicklist *ql = list_ql(kv);
    const struct cmd_arg *pivot = &c->argv[3], *ele = &c->argv[4];
    struct ql_iter it;
    struct ql_entry e;
    bool found = false;
    ql_iter_init(&it, ql, 0, QL_TAIL);
    while (ql_iter_next(&it, &e)) {
        if (ql_entry_eq(&e, (const unsigned char *)pivot->ptr, pivot->len)) {
            found = true;
            break;
        }
    }
    ql_iter_release(&it);
    if (!found) {
        reply_integer(c, -1);
        return;
    }
    ql_insert(ql, e.node, e.offset, (const unsigned char *)ele->ptr, ele->len, after);
    list_notify(c, "linsert", &c->argv[1]);
    server_dirty(1);
    reply_integer(c, (long long)ql_count(ql));
}

/* LREM key count element: count > 0 from the head, < 0 from the tail, 0 all. */
void cmd_lrem(struct client *c)
{
    long long count;
    struct kv *kv;
    if (list_parse_ll_or_reply(c, &c->argv[2], &count) < 0 ||
        list_lookup_or_reply(c, &c->argv[1], DB_LOOKUP_WRITE, &kv) < 0)
        return;
    if (!kv) {
        reply_integer(c, 0);
        return;
    }
    const struct cmd_arg *ele = &c->argv[3];
    struct quicklist *ql = list_ql(kv);
    unsigned long long limit = count < 0 ? -(unsigned long long)count : (unsigned long long)count;
    unsigned long long removed = 0;
    struct ql_iter it;
    struct ql_entry e;
    ql_iter_init(&it, ql, count < 0 ? -1 : 0, count < 0 ? QL_HEAD : QL_TAIL);
    while (ql_iter_next(&it, &e)) {
        if (ql_entry_eq(&e, (const unsigned char *)ele->ptr, ele->len)) {
            ql_iter_del(&it, &e);
            if (++removed == limit)
                break;
        }
    }
    ql_iter_release(&it);
    if (removed) {
        list_notify(c, "lrem", &c->argv[1]);
        server_dirty((long long)removed);
    }
    list_delete_if_empty(c, &c->argv[1], kv);
    reply_integer(c, (long long)removed);
}

void cmd_ltrim(struct client *c)
{
    long long start, end;
    struct kv *kv;
    if (list_parse_ll_or_reply(c, &c->argv[2], &start) < 0 ||
        list_parse_ll_or_reply(c, &c->argv[3], &end) < 0 ||
        list_lookup_or_reply(c, &c->argv[1], DB_LOOKUP_WRITE, &kv) < 0)
        return;
    if (!kv) {
        reply_ok(c);
        return;
    }
    struct quicklist *ql = list_ql(kv);
    unsigned long llen = ql_count(ql), ltrim, rtrim;
    if (list_clamp_range(&start, &end, llen)) {
        ltrim = (unsigned long)start;
        rtrim = llen - (unsigned long)end - 1;
    } else {
        ltrim = llen;
        rtrim = 0;
    }
    ql_del_range(ql, 0, ltrim);
    ql_del_range(ql, -(long)rtrim, rtrim);
    list_notify(c, "ltrim", &c->argv[1]);
    list_delete_if_empty(c, &c->argv[1], kv);
    server_dirty((long long)(ltrim + rtrim));
    /* Redis counts even a trim that removes nothing as touching the key (WATCH fails);
     * the automatic signal only follows a write that changed something. */
    if (ltrim + rtrim == 0)
        server_signal_modified_key(c->db, c->argv[1].ptr, c->argv[1].len);
    reply_ok(c);
}
