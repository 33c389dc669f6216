/* keys: the commands that work on keys whatever their type (DEL, EXISTS, SCAN, RENAME,
 * EXPIRE, OBJECT...) and on whole databases (SELECT, SWAPDB, FLUSHDB...).
 *
 * Replies and error strings are Redis 7.0's, word for word, because clients and scripts
 * match on them. Every handler runs with c->argc already checked against the command
 * table's arity. Every change to the keyspace is reported through server_dirty, and
 * published as Redis 7.0's keyspace event for it ("del", "rename_from"...), after the "new"
 * that db_add publishes for a key it creates. FLUSHDB, FLUSHALL and SWAPDB publish nothing,
 * as in Redis. */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "scan.h"
#include "../persist/snapshot.h"
#include "../cmd/cmd.h"
#include "../core/multi.h"
#include "../core/propagate.h"
#include "../core/pubsub.h"
#include "../core/server.h"
#include "../net/client.h"
#include "../proto/reply.h"
#include "../util/glob.h"
#include "../util/mem.h"
#include "../util/num.h"

#define KEYS_ERR_NO_SUCH_KEY "ERR no such key"
#define KEYS_ERR_DB_RANGE "ERR DB index is out of range"
#define KEYS_ERR_SAME_OBJECT "ERR source and destination objects are the same"

/* Redis keeps one shared object for each integer in [0, 10000) and reports INT_MAX as
 * its reference count; OBJECT REFCOUNT says the same for such values here. */
#define KEYS_SHARED_INTEGERS 10000
#define KEYS_SHARED_REFCOUNT INT_MAX

/* How many dict_scan steps per requested key SCAN may take before it returns with fewer
 * keys (a sparse table must not stall the loop). */
#define KEYS_SCAN_STEPS_PER_KEY 10

static bool keys_arg_equal(const struct cmd_arg *a, const struct cmd_arg *b)
{
    return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

/* Publishes a keyspace event about key in db; every event of the key commands is of the
 * generic class. */
static void keys_notify(struct db *db, const char *event, const struct cmd_arg *key)
{
    pubsub_notify_keyspace(NOTIFY_GENERIC, event, key->ptr, key->len, db_id(db));
}

static bool keys_policy_is_lfu(void)
{
    return srv.cfg.maxmemory_policy == MAXMEMORY_ALLKEYS_LFU ||
           srv.cfg.maxmemory_policy == MAXMEMORY_VOLATILE_LFU;
}

/* Parses an int argument as Redis's getIntFromObjectOrReply: anything that is not a
 * strict integer, or does not fit an int, is refused. Replies with err (NULL: the
 * standard not-an-integer error) and returns -1 on refusal. */
static int keys_parse_int_or_reply(struct client *c, const struct cmd_arg *arg, int *out,
                                   const char *err)
{
    long long v;
    if (num_parse_ll(arg->ptr, arg->len, &v) < 0 || v < INT_MIN || v > INT_MAX) {
        if (err)
            reply_error(c, err);
        else
            reply_error_not_int(c);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* The database named by a SELECT, MOVE or COPY ... DB argument, or NULL after replying. */
static struct db *keys_db_arg_or_reply(struct client *c, const struct cmd_arg *arg)
{
    int id;
    if (keys_parse_int_or_reply(c, arg, &id, NULL) < 0)
        return NULL;
    struct db *db = db_get(id);
    if (!db)
        reply_error(c, KEYS_ERR_DB_RANGE);
    return db;
}

/* ---- DEL, UNLINK, EXISTS, TOUCH, TYPE ---- */

/* DEL and UNLINK. UNLINK's promise is that the key is gone when the reply arrives; which
 * thread frees the value is not visible to clients, so both free it on the spot. */
static void keys_del_generic(struct client *c)
{
    long long deleted = 0;
    for (int i = 1; i < c->argc; i++) {
        const struct cmd_arg *key = &c->argv[i];
        /* Look up first so an expired key counts as expired, not as deleted by us:
         * Redis replies 0 for it. */
        if (!db_lookup(c->db, key->ptr, key->len, DB_LOOKUP_WRITE))
            continue;
        db_delete(c->db, key->ptr, key->len);
        keys_notify(c->db, "del", key);
        server_signal_modified_key(c->db, key->ptr, key->len);
        deleted++;
    }
    if (deleted)
        server_dirty(deleted);
    reply_integer(c, deleted);
}

void cmd_del(struct client *c)
{
    keys_del_generic(c);
}

void cmd_unlink(struct client *c)
{
    keys_del_generic(c);
}

/* EXISTS and TOUCH: how many of the arguments name live keys (repeats count each time).
 * They differ only in whether the access clock moves. */
static void keys_count_live(struct client *c, int lookup_flags)
{
    long long found = 0;
    for (int i = 1; i < c->argc; i++) {
        if (db_lookup(c->db, c->argv[i].ptr, c->argv[i].len, lookup_flags))
            found++;
    }
    reply_integer(c, found);
}

void cmd_exists(struct client *c)
{
    keys_count_live(c, DB_LOOKUP_NOTOUCH);
}

void cmd_touch(struct client *c)
{
    keys_count_live(c, 0);
}

void cmd_type(struct client *c)
{
    struct kv *kv = db_lookup(c->db, c->argv[1].ptr, c->argv[1].len, DB_LOOKUP_NOTOUCH);
    reply_status(c, kv ? kv_type_name(kv) : "none");
}

/* ---- KEYS, SCAN, RANDOMKEY, DBSIZE ---- */

void cmd_keys(struct client *c)
{
    const char *pat = c->argv[1].ptr;
    size_t plen = c->argv[1].len;
    bool all = plen == 1 && pat[0] == '*';
    struct reply_deferred hdr = reply_defer(c);
    long long n = 0;
    struct dict_iter it;

    dict_iter_init(&it, &c->db->keys);
    for (struct dict_node *node; (node = dict_iter_next(&it)) != NULL;) {
        struct kv *kv = (struct kv *)node;
        /* Expired keys are skipped but left for the expiry cycle, as Redis does: KEYS
         * reads, and deleting under a full walk would only make it slower. */
        if (db_is_expired(kv))
            continue;
        if (!all && !glob_match(pat, plen, kv_key(kv), kv->keylen, false))
            continue;
        reply_bulk(c, kv_key(kv), kv->keylen);
        n++;
    }
    dict_iter_release(&it);
    reply_set_deferred_array(c, hdr, n);
}

/* Entries gathered by one SCAN call. The table is not modified while they are collected,
 * so no entry appears twice and every pointer stays valid until filtering starts. */
struct keys_scan_batch {
    struct kv **items;
    size_t n;
    size_t cap;
};

static void keys_scan_collect(struct dict_node *node, void *arg)
{
    struct keys_scan_batch *b = arg;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->items = mem_realloc(b->items, sizeof *b->items * b->cap);
    }
    b->items[b->n++] = (struct kv *)node;
}

/* SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] */
void cmd_scan(struct client *c)
{
    struct scan_opts o;
    if (!scan_parse_or_reply(c, 1, true, &o))
        return;
    unsigned long long cursor = o.cursor;
    long long count = o.count;
    const struct cmd_arg *match = o.match;
    const struct cmd_arg *type = o.type;

    struct keys_scan_batch batch = {NULL, 0, 0};
    long long steps = count > LLONG_MAX / KEYS_SCAN_STEPS_PER_KEY
                          ? LLONG_MAX
                          : count * KEYS_SCAN_STEPS_PER_KEY;
    do {
        cursor = dict_scan(&c->db->keys, cursor, keys_scan_collect, &batch);
    } while (cursor && steps-- > 0 && batch.n < (unsigned long long)count);

    /* Filter in place. Deleting an expired entry frees only that entry, so the pointers
     * still to be examined stay valid. */
    size_t kept = 0;
    for (size_t i = 0; i < batch.n; i++) {
        struct kv *kv = batch.items[i];
        if (match && !glob_match(match->ptr, match->len, kv_key(kv), kv->keylen, false))
            continue;
        if (db_is_expired(kv)) {
            /* The lookup performs the lazy expiry (delete and count), as Redis's
             * expireIfNeeded does for each key SCAN would have returned. */
            db_lookup(c->db, kv_key(kv), kv->keylen, DB_LOOKUP_WRITE | DB_LOOKUP_NOTOUCH);
            continue;
        }
        if (type && strcasecmp(type->ptr, kv_type_name(kv)) != 0)
            continue;
        batch.items[kept++] = kv;
    }

    scan_reply_header(c, cursor, (long long)kept);
    for (size_t i = 0; i < kept; i++)
        reply_bulk(c, kv_key(batch.items[i]), batch.items[i]->keylen);
    mem_free(batch.items);
}

void cmd_randomkey(struct client *c)
{
    struct kv *kv = db_random_key(c->db);
    if (!kv) {
        reply_null(c);
        return;
    }
    reply_bulk(c, kv_key(kv), kv->keylen);
}

void cmd_dbsize(struct client *c)
{
    reply_integer(c, (long long)db_size(c->db));
}

/* ---- RENAME, RENAMENX, MOVE, COPY ---- */

/* RENAME (nx false) and RENAMENX (nx true). The value moves to a new entry under the new
 * name, keeping its TTL; an existing destination is replaced, TTL included. */
static void keys_rename_generic(struct client *c, bool nx)
{
    const struct cmd_arg *src = &c->argv[1];
    const struct cmd_arg *dst = &c->argv[2];

    struct kv *kv = db_lookup(c->db, src->ptr, src->len, DB_LOOKUP_WRITE);
    if (!kv) {
        reply_error(c, KEYS_ERR_NO_SUCH_KEY);
        return;
    }
    /* Same name: nothing moves, but a missing source is still an error (checked above),
     * and RENAMENX reports that it did not rename. */
    if (keys_arg_equal(src, dst)) {
        if (nx)
            reply_integer(c, 0);
        else
            reply_ok(c);
        return;
    }
    bool dst_exists = db_lookup(c->db, dst->ptr, dst->len, DB_LOOKUP_WRITE) != NULL;
    if (dst_exists && nx) {
        reply_integer(c, 0);
        return;
    }

    long long expire = kv_expire(kv);
    kv = db_unlink(c->db, src->ptr, src->len);
    kv = kv_rekey(kv, dst->ptr, dst->len, expire);
    if (dst_exists)
        db_delete(c->db, dst->ptr, dst->len);
    db_add(c->db, kv);
    server_dirty(1);
    keys_notify(c->db, "rename_from", src);
    keys_notify(c->db, "rename_to", dst);
    if (nx)
        reply_integer(c, 1);
    else
        reply_ok(c);
}

void cmd_rename(struct client *c)
{
    keys_rename_generic(c, false);
}

void cmd_renamenx(struct client *c)
{
    keys_rename_generic(c, true);
}

/* MOVE key db: the entry itself changes database, TTL and all. */
void cmd_move(struct client *c)
{
    const struct cmd_arg *key = &c->argv[1];
    struct db *dst = keys_db_arg_or_reply(c, &c->argv[2]);
    if (!dst)
        return;
    if (dst == c->db) {
        reply_error(c, KEYS_ERR_SAME_OBJECT);
        return;
    }
    if (!db_lookup(c->db, key->ptr, key->len, DB_LOOKUP_WRITE) ||
        db_lookup(dst, key->ptr, key->len, DB_LOOKUP_WRITE)) {
        reply_integer(c, 0);
        return;
    }
    db_add(dst, db_unlink(c->db, key->ptr, key->len));
    /* The call path signals the key positions in c->db only. */
    server_signal_modified_key(dst, key->ptr, key->len);
    server_dirty(1);
    keys_notify(c->db, "move_from", key);
    keys_notify(dst, "move_to", key);
    reply_integer(c, 1);
}

/* COPY source destination [DB destination-db] [REPLACE] */
void cmd_copy(struct client *c)
{
    const struct cmd_arg *src = &c->argv[1];
    const struct cmd_arg *dst = &c->argv[2];
    struct db *dst_db = c->db;
    bool replace = false;

    for (int i = 3; i < c->argc; i++) {
        if (client_arg_is(&c->argv[i], "replace")) {
            replace = true;
        } else if (client_arg_is(&c->argv[i], "db") && i + 1 < c->argc) {
            dst_db = keys_db_arg_or_reply(c, &c->argv[++i]);
            if (!dst_db)
                return;
        } else {
            reply_error_syntax(c);
            return;
        }
    }
    if (dst_db == c->db && keys_arg_equal(src, dst)) {
        reply_error(c, KEYS_ERR_SAME_OBJECT);
        return;
    }

    struct kv *kv = db_lookup(c->db, src->ptr, src->len, 0);
    if (!kv) {
        reply_integer(c, 0);
        return;
    }
    bool dst_exists = db_lookup(dst_db, dst->ptr, dst->len, DB_LOOKUP_WRITE) != NULL;
    if (dst_exists && !replace) {
        reply_integer(c, 0);
        return;
    }
    struct kv *copy = kv_dup(kv, dst->ptr, dst->len, kv_expire(kv));
    if (!copy) {
        /* kv_dup copies strings only so far; refuse before touching the destination. */
        reply_errorf(c, "ERR COPY is not supported for %s values yet", kv_type_name(kv));
        return;
    }
    if (dst_exists)
        db_delete(dst_db, dst->ptr, dst->len);
    db_add(dst_db, copy);
    /* COPY signals itself: the source is only read. */
    server_signal_modified_key(dst_db, dst->ptr, dst->len);
    server_dirty(1);
    keys_notify(dst_db, "copy_to", dst);
    reply_integer(c, 1);
}

/* ---- EXPIRE family, TTL family, PERSIST ---- */

enum keys_expire_flag {
    KEYS_EXPIRE_NX = 1 << 0, /* only when the key has no TTL */
    KEYS_EXPIRE_XX = 1 << 1, /* only when the key has a TTL */
    KEYS_EXPIRE_GT = 1 << 2, /* only when the new expiry is later (no TTL = infinite) */
    KEYS_EXPIRE_LT = 1 << 3, /* only when the new expiry is earlier (no TTL = infinite) */
};

/* Parses the NX|XX|GT|LT options after the time argument; -1 after replying. */
static int keys_expire_flags_or_reply(struct client *c, unsigned *flags)
{
    *flags = 0;
    for (int i = 3; i < c->argc; i++) {
        const struct cmd_arg *opt = &c->argv[i];
        if (client_arg_is(opt, "nx")) {
            *flags |= KEYS_EXPIRE_NX;
        } else if (client_arg_is(opt, "xx")) {
            *flags |= KEYS_EXPIRE_XX;
        } else if (client_arg_is(opt, "gt")) {
            *flags |= KEYS_EXPIRE_GT;
        } else if (client_arg_is(opt, "lt")) {
            *flags |= KEYS_EXPIRE_LT;
        } else {
            reply_errorf(c, "ERR Unsupported option %s", opt->ptr);
            return -1;
        }
    }
    if ((*flags & KEYS_EXPIRE_NX) && (*flags & ~(unsigned)KEYS_EXPIRE_NX)) {
        reply_error(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return -1;
    }
    if ((*flags & KEYS_EXPIRE_GT) && (*flags & KEYS_EXPIRE_LT)) {
        reply_error(c, "ERR GT and LT options at the same time are not compatible");
        return -1;
    }
    return 0;
}

/* True if the NX|XX|GT|LT conditions allow replacing `current` (-1: none) by `when`. */
static bool keys_expire_allowed(unsigned flags, long long current, long long when)
{
    if ((flags & KEYS_EXPIRE_NX) && current != -1)
        return false;
    if ((flags & KEYS_EXPIRE_XX) && current == -1)
        return false;
    /* No TTL counts as an infinite one: nothing is greater, everything is less. */
    if ((flags & KEYS_EXPIRE_GT) && (current == -1 || when <= current))
        return false;
    if ((flags & KEYS_EXPIRE_LT) && current != -1 && when >= current)
        return false;
    return true;
}

/* A relative TTL would count from the replay, not from now: the stream gets PEXPIREAT with
 * the absolute deadline. Redis keeps the NX|XX|GT|LT options after it; replayed against
 * the same dataset they decide the same way. */
static void keys_propagate_pexpireat(struct client *c, long long when)
{
    char ms[NUM_LL_STR_MAX];
    struct cmd_arg *argv = mem_alloc(sizeof *argv * (size_t)c->argc);
    memcpy(argv, c->argv, sizeof *argv * (size_t)c->argc);
    argv[0] = (struct cmd_arg){"PEXPIREAT", 9};
    argv[2] = (struct cmd_arg){ms, num_ll_to_str(ms, when)};
    propagate_replace(c->argc, argv);
    mem_free(argv);
}

/* EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT. The time argument is in units of unit_ms
 * milliseconds, counted from base_ms (the command time, or 0 for the *AT forms). `name`
 * is the command as Redis names it in the overflow error. */
static void keys_expire_generic(struct client *c, long long base_ms, long long unit_ms,
                                const char *name)
{
    const struct cmd_arg *key = &c->argv[1];
    unsigned flags;
    long long when;

    /* Options are checked before the number, as Redis does. */
    if (keys_expire_flags_or_reply(c, &flags) < 0)
        return;
    if (num_parse_ll(c->argv[2].ptr, c->argv[2].len, &when) < 0) {
        reply_error_not_int(c);
        return;
    }
    /* Negative times are allowed (they delete the key); only overflow is refused. */
    if (when > LLONG_MAX / unit_ms || when < LLONG_MIN / unit_ms ||
        when * unit_ms > LLONG_MAX - base_ms) {
        reply_errorf(c, "ERR invalid expire time in '%s' command", name);
        return;
    }
    when = when * unit_ms + base_ms;

    struct kv *kv = db_lookup(c->db, key->ptr, key->len, DB_LOOKUP_WRITE);
    if (!kv || !keys_expire_allowed(flags, kv_expire(kv), when)) {
        reply_integer(c, 0);
        return;
    }
    if (when <= srv.cmd_time_ms) {
        /* Already in the past: the key goes now, and the command still reports success.
         * Redis publishes this as the deletion it is, not as an expiry. */
        db_delete(c->db, key->ptr, key->len);
        keys_notify(c->db, "del", key);
        propagate_replace_key("DEL", key);
    } else {
        kv = db_set_expire(c->db, kv, when);
        keys_notify(c->db, "expire", key);
        /* PEXPIREAT already names the absolute deadline: it stands as sent, as in Redis. */
        if (base_ms != 0 || unit_ms != 1)
            keys_propagate_pexpireat(c, when);
    }
    server_dirty(1);
    reply_integer(c, 1);
}

void cmd_expire(struct client *c)
{
    keys_expire_generic(c, srv.cmd_time_ms, 1000, "expire");
}

void cmd_pexpire(struct client *c)
{
    keys_expire_generic(c, srv.cmd_time_ms, 1, "pexpire");
}

void cmd_expireat(struct client *c)
{
    keys_expire_generic(c, 0, 1000, "expireat");
}

void cmd_pexpireat(struct client *c)
{
    keys_expire_generic(c, 0, 1, "pexpireat");
}

/* TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 for a missing key, -1 for one without expiry,
 * else the remaining time (relative) or the deadline (absolute), in ms or rounded s. */
static void keys_ttl_generic(struct client *c, bool in_ms, bool absolute)
{
    struct kv *kv = db_lookup(c->db, c->argv[1].ptr, c->argv[1].len, DB_LOOKUP_NOTOUCH);
    if (!kv) {
        reply_integer(c, -2);
        return;
    }
    long long expire = kv_expire(kv);
    if (expire == -1) {
        reply_integer(c, -1);
        return;
    }
    long long t = absolute ? expire : expire - srv.cmd_time_ms;
    if (t < 0)
        t = 0;
    reply_integer(c, in_ms ? t : (t + 500) / 1000);
}

void cmd_ttl(struct client *c)
{
    keys_ttl_generic(c, false, false);
}

void cmd_pttl(struct client *c)
{
    keys_ttl_generic(c, true, false);
}

void cmd_expiretime(struct client *c)
{
    keys_ttl_generic(c, false, true);
}

void cmd_pexpiretime(struct client *c)
{
    keys_ttl_generic(c, true, true);
}

void cmd_persist(struct client *c)
{
    struct kv *kv = db_lookup(c->db, c->argv[1].ptr, c->argv[1].len, DB_LOOKUP_WRITE);
    if (!kv || !kv->has_expire) {
        reply_integer(c, 0);
        return;
    }
    kv = db_set_expire(c->db, kv, -1);
    server_dirty(1);
    keys_notify(c->db, "persist", &c->argv[1]);
    reply_integer(c, 1);
}

/* ---- OBJECT ---- */

/* The key of OBJECT <sub> key, or NULL after a null reply. Introspection must not count
 * as an access, or OBJECT IDLETIME would always say 0. */
static struct kv *keys_object_lookup_or_reply(struct client *c)
{
    struct kv *kv = db_lookup(c->db, c->argv[2].ptr, c->argv[2].len,
                              DB_LOOKUP_NOTOUCH | DB_LOOKUP_NONOTIFY);
    if (!kv)
        reply_null(c);
    return kv;
}

void cmd_object_encoding(struct client *c)
{
    struct kv *kv = keys_object_lookup_or_reply(c);
    if (kv)
        reply_bulk_cstr(c, kv_encoding_name(kv));
}

/* Redis uses its shared integer objects only when eviction needs no per-value clock. */
static bool keys_integers_shared(void)
{
    int p = srv.cfg.maxmemory_policy;
    bool needs_clock = keys_policy_is_lfu() || p == MAXMEMORY_ALLKEYS_LRU ||
                       p == MAXMEMORY_VOLATILE_LRU;
    return srv.cfg.maxmemory == 0 || !needs_clock;
}

void cmd_object_refcount(struct client *c)
{
    struct kv *kv = keys_object_lookup_or_reply(c);
    if (!kv)
        return;
    bool shared = kv->type == KV_STRING && kv->enc == KV_ENC_INT && kv->v.ival >= 0 &&
                  kv->v.ival < KEYS_SHARED_INTEGERS && keys_integers_shared();
    reply_integer(c, shared ? KEYS_SHARED_REFCOUNT : 1);
}

void cmd_object_idletime(struct client *c)
{
    struct kv *kv = keys_object_lookup_or_reply(c);
    if (!kv)
        return;
    /* Under LFU the clock field holds a counter, not a time. */
    if (keys_policy_is_lfu()) {
        reply_error(c, "ERR An LFU maxmemory policy is selected, idle time not tracked. Please "
                       "note that when switching between policies at runtime LRU and LFU data "
                       "will take some time to adjust.");
        return;
    }
    reply_integer(c, db_idle_seconds(kv));
}

void cmd_object_freq(struct client *c)
{
    struct kv *kv = keys_object_lookup_or_reply(c);
    if (!kv)
        return;
    if (!keys_policy_is_lfu()) {
        reply_error(c, "ERR An LFU maxmemory policy is not selected, access frequency not "
                       "tracked. Please note that when switching between policies at runtime "
                       "LRU and LFU data will take some time to adjust.");
        return;
    }
    reply_integer(c, db_lfu_counter(kv));
}

void cmd_object_help(struct client *c)
{
    static const char *const help[] = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Print this help.",
        NULL,
    };
    reply_help(c, help);
}

/* ---- MEMORY ---- */

/* MEMORY USAGE key [SAMPLES count] */
void cmd_memory_usage(struct client *c)
{
    for (int i = 3; i < c->argc; i++) {
        long long samples;
        if (!client_arg_is(&c->argv[i], "samples") || i + 1 >= c->argc) {
            reply_error_syntax(c);
            return;
        }
        i++;
        if (num_parse_ll(c->argv[i].ptr, c->argv[i].len, &samples) < 0) {
            reply_error_not_int(c);
            return;
        }
        /* Accepted and checked as Redis does; every value is measured exactly anyway. */
        if (samples < 0) {
            reply_error_syntax(c);
            return;
        }
    }
    /* A plain find, as Redis: measuring is not an access, and an expired entry that is
     * still there does occupy memory. */
    struct kv *kv = (struct kv *)dict_find(&c->db->keys, c->argv[2].ptr, c->argv[2].len);
    if (!kv) {
        reply_null(c);
        return;
    }
    /* The entry holds the key too; add its share of the table: one bucket pointer. */
    reply_integer(c, (long long)(kv_memory(kv) + sizeof(struct dict_node *)));
}

void cmd_memory_help(struct client *c)
{
    static const char *const help[] = {
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Print this help.",
        NULL,
    };
    reply_help(c, help);
}

/* ---- SELECT, SWAPDB, FLUSHDB, FLUSHALL ---- */

void cmd_select(struct client *c)
{
    struct db *db = keys_db_arg_or_reply(c, &c->argv[1]);
    if (!db)
        return;
    c->db = db;
    reply_ok(c);
}

void cmd_swapdb(struct client *c)
{
    int id1, id2;
    if (keys_parse_int_or_reply(c, &c->argv[1], &id1, "ERR invalid first DB index") < 0 ||
        keys_parse_int_or_reply(c, &c->argv[2], &id2, "ERR invalid second DB index") < 0)
        return;
    struct db *a = db_get(id1);
    struct db *b = db_get(id2);
    if (!a || !b) {
        reply_error(c, KEYS_ERR_DB_RANGE);
        return;
    }
    if (a != b) {
        /* A watched key changes if it exists on either side of the swap: touching each
         * database before and after covers both. */
        server_signal_modified_db(a);
        server_signal_modified_db(b);
        /* Clients hold database pointers, so the contents move, not the structs. */
        db_swap(a, b);
        server_signal_modified_db(a);
        server_signal_modified_db(b);
    }
    /* Counted even when both indexes are equal, as Redis does. */
    server_dirty(1);
    reply_ok(c);
}

/* FLUSHDB and FLUSHALL take an optional ASYNC or SYNC. Both free synchronously here:
 * the keyspace is empty when the reply goes out either way, and a background free is an
 * optimisation that no client can observe. Returns -1 after a syntax error reply. */
static int keys_flush_mode_or_reply(struct client *c)
{
    if (c->argc == 1)
        return 0;
    if (c->argc == 2 && (client_arg_is(&c->argv[1], "async") ||
                         client_arg_is(&c->argv[1], "sync")))
        return 0;
    reply_error_syntax(c);
    return -1;
}

/* Flushes one database (db) or all of them (NULL). The command is propagated even when
 * nothing was removed, as Redis does: a replica or an AOF loaded over other data must be
 * emptied too. */
static void keys_flush_generic(struct client *c, struct db *db)
{
    if (keys_flush_mode_or_reply(c) < 0)
        return;
    /* WATCH must see the keys that are about to vanish, so touch while they exist. */
    if (db) {
        server_signal_modified_db(db);
    } else {
        for (int i = 0; i < srv.cfg.databases; i++)
            server_signal_modified_db(db_get(i));
    }
    server_dirty(db_flush(db));
    propagate_force(PROPAGATE_ALL);
    reply_ok(c);
}

void cmd_flushdb(struct client *c)
{
    keys_flush_generic(c, c->db);
}

void cmd_flushall(struct client *c)
{
    keys_flush_generic(c, NULL);
    snapshot_after_flushall();
}
