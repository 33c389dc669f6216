/* t_string: the string commands (GET, SET and its variants, MSET, APPEND, ranges, counters).
 *
 * Values live in the kv entry itself (int, embstr or raw encoding, chosen by kv.c), so any
 * write may hand back a NEW entry: every path that stores a value goes through
 * string_store(), which knows when to relink, and through db_set_expire() for the TTL.
 *
 * Keyspace events are Redis 7.0's, in its order: db_add publishes "new" for a created key,
 * then the command publishes its own event ("set", "append", "incrby"...), then any
 * generic one its options caused ("expire", "persist", "del"). */
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "../core/propagate.h"
#include "../core/pubsub.h"
#include "../core/server.h"
#include "../db/db.h"
#include "../db/kv.h"
#include "../net/client.h"
#include "../proto/reply.h"
#include "../util/mem.h"
#include "../util/num.h"

/* ---- options of SET and GETEX ---- */

enum str_opt {
    STR_OPT_NX = 1 << 0,
    STR_OPT_XX = 1 << 1,
    STR_OPT_GET = 1 << 2,
    STR_OPT_KEEPTTL = 1 << 3,
    STR_OPT_PERSIST = 1 << 4,
    STR_OPT_EX = 1 << 5,   /* relative seconds */
    STR_OPT_PX = 1 << 6,   /* relative milliseconds */
    STR_OPT_EXAT = 1 << 7, /* absolute unix seconds */
    STR_OPT_PXAT = 1 << 8, /* absolute unix milliseconds */
};

#define STR_OPT_EXPIRE (STR_OPT_EX | STR_OPT_PX | STR_OPT_EXAT | STR_OPT_PXAT)
#define STR_OPT_TTL (STR_OPT_EXPIRE | STR_OPT_KEEPTTL | STR_OPT_PERSIST)

/* Which command an option belongs to. */
enum str_opt_owner { STR_FOR_SET = 1 << 0, STR_FOR_GETEX = 1 << 1 };

struct str_option {
    const char *name;
    unsigned flag;      /* enum str_opt */
    unsigned conflicts; /* options that make this one a syntax error when already given */
    unsigned owners;    /* enum str_opt_owner */
};

/* Redis lets an option repeat (SET k v EX 1 EX 2 keeps the last value) but not meet a rival,
 * which is why an option never conflicts with itself here. GET and NX may meet since 7.0. */
static const struct str_option str_options[] = {
    {"nx", STR_OPT_NX, STR_OPT_XX, STR_FOR_SET},
    {"xx", STR_OPT_XX, STR_OPT_NX, STR_FOR_SET},
    {"get", STR_OPT_GET, 0, STR_FOR_SET},
    {"keepttl", STR_OPT_KEEPTTL, STR_OPT_TTL & ~STR_OPT_KEEPTTL, STR_FOR_SET},
    {"persist", STR_OPT_PERSIST, STR_OPT_TTL & ~STR_OPT_PERSIST, STR_FOR_GETEX},
    {"ex", STR_OPT_EX, STR_OPT_TTL & ~STR_OPT_EX, STR_FOR_SET | STR_FOR_GETEX},
    {"px", STR_OPT_PX, STR_OPT_TTL & ~STR_OPT_PX, STR_FOR_SET | STR_FOR_GETEX},
    {"exat", STR_OPT_EXAT, STR_OPT_TTL & ~STR_OPT_EXAT, STR_FOR_SET | STR_FOR_GETEX},
    {"pxat", STR_OPT_PXAT, STR_OPT_TTL & ~STR_OPT_PXAT, STR_FOR_SET | STR_FOR_GETEX},
};

/* Parses the options from argv[first] on into *flags and, for an expiry option, the
 * argument that follows it into *expire. Replies "syntax error" and returns -1 on an
 * unknown, misplaced or conflicting option, or an expiry option with nothing after it. */
static int str_parse_options_or_reply(struct client *c, int first, unsigned owner,
                                      unsigned *flags, const struct cmd_arg **expire)
{
    for (int j = first; j < c->argc; j++) {
        const struct str_option *opt = NULL;
        for (size_t i = 0; i < sizeof str_options / sizeof str_options[0]; i++) {
            if (client_arg_is(&c->argv[j], str_options[i].name)) {
                opt = &str_options[i];
                break;
            }
        }
        if (!opt || !(opt->owners & owner) || (*flags & opt->conflicts))
            goto syntax;
        if (opt->flag & STR_OPT_EXPIRE) {
            if (j + 1 >= c->argc)
                goto syntax;
            *expire = &c->argv[++j];
        }
        *flags |= opt->flag;
    }
    return 0;
syntax:
    reply_error_syntax(c);
    return -1;
}

/* Turns an EX/PX/EXAT/PXAT argument into an absolute unix ms time. Redis refuses values
 * that are not positive, and any whose conversion to ms or addition to now would overflow,
 * naming the command in the error. */
static int str_expire_ms_or_reply(struct client *c, const struct cmd_arg *arg, unsigned flags,
                                  const char *cmdname, long long *when)
{
    long long v;
    if (num_parse_ll(arg->ptr, arg->len, &v) < 0) {
        reply_error_not_int(c);
        return -1;
    }
    bool seconds = flags & (STR_OPT_EX | STR_OPT_EXAT);
    if (v <= 0 || (seconds && v > LLONG_MAX / 1000))
        goto invalid;
    if (seconds)
        v *= 1000;
    if (flags & (STR_OPT_EX | STR_OPT_PX)) {
        if (v > LLONG_MAX - srv.cmd_time_ms)
            goto invalid;
        v += srv.cmd_time_ms;
    }
    *when = v;
    return 0;
invalid:
    reply_errorf(c, "ERR invalid expire time in '%s' command", cmdname);
    return -1;
}

/* ---- shared helpers ---- */

static struct kv *str_lookup(struct client *c, const struct cmd_arg *key, int flags)
{
    return db_lookup(c->db, key->ptr, key->len, flags);
}

/* Publishes a keyspace event about `key` in the client's database. */
static void str_notify(struct client *c, int type, const char *event, const struct cmd_arg *key)
{
    pubsub_notify_keyspace(type, event, key->ptr, key->len, db_id(c->db));
}

/* Replies WRONGTYPE and returns false when an existing key holds no string. */
static bool str_type_ok_or_reply(struct client *c, const struct kv *kv)
{
    if (kv && kv->type != KV_STRING) {
        reply_error_wrongtype(c);
        return false;
    }
    return true;
}

/* The value as a bulk string, or a null bulk for a missing key. */
static void str_reply_value(struct client *c, const struct kv *kv)
{
    if (!kv) {
        reply_null(c);
    } else if (kv->enc == KV_ENC_INT) {
        reply_bulk_ll(c, kv->v.ival);
    } else {
        char buf[NUM_LL_STR_MAX];
        const char *p;
        size_t len;
        kv_string(kv, buf, &p, &len);
        reply_bulk(c, p, len);
    }
}

/* Replies the proto-max-bulk-len error unless a string of len + extra bytes is allowed.
 * Written to survive a huge SETRANGE offset, where the plain sum would wrap. */
static bool str_fits_or_reply(struct client *c, unsigned long long len, unsigned long long extra)
{
    unsigned long long max = (unsigned long long)srv.cfg.proto_max_bulk_len;
    if (len > max || extra > max - len) {
        reply_error(c, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return false;
    }
    return true;
}

/* Makes the key hold the string val, whatever it held before (kv: its current entry, or
 * NULL when absent). expire_ms is absolute, -1 for none; keep_ttl keeps the current expiry
 * instead. The old entry pointer is dead afterwards. */
static void string_store(struct db *db, struct kv *kv, const struct cmd_arg *key,
                         const char *val, size_t vlen, long long expire_ms, bool keep_ttl)
{
    if (!kv) {
        db_add(db, kv_new_string(key->ptr, key->len, val, vlen, expire_ms));
        return;
    }
    if (keep_ttl)
        expire_ms = kv_expire(kv);
    /* Another type, or an expiry appearing or going, changes the entry's layout: one fresh
     * allocation beats patching the old entry and then moving it for the expiry. */
    if (kv->type != KV_STRING || kv->has_expire != (expire_ms >= 0)) {
        db_replace(db, kv, kv_new_string(key->ptr, key->len, val, vlen, expire_ms));
        return;
    }
    struct kv *nkv = kv_set_string(kv, val, vlen);
    if (nkv != kv)
        db_replace(db, kv, nkv);
    if (expire_ms >= 0)
        nkv = db_set_expire(db, nkv, expire_ms); /* both have one: updated in place */
}

/* ---- GET, SET and their variants ---- */

void cmd_get(struct client *c)
{
    struct kv *kv = str_lookup(c, &c->argv[1], 0);
    if (str_type_ok_or_reply(c, kv))
        str_reply_value(c, kv);
}

/* GET only shaped the reply: the stream gets the plain write, GETSET as SET, SET without
 * its GET option, as Redis propagates them. */
static void str_propagate_without_get(struct client *c, const char *cmdname)
{
    struct cmd_arg *argv = mem_alloc(sizeof *argv * (size_t)c->argc);
    int argc = 0;
    argv[argc++] = strcmp(cmdname, "getset") == 0 ? (struct cmd_arg){"SET", 3} : c->argv[0];
    for (int j = 1; j < c->argc; j++)
        if (j < 3 || !client_arg_is(&c->argv[j], "get"))
            argv[argc++] = c->argv[j];
    propagate_replace(argc, argv);
    mem_free(argv);
}

/* SET, SETNX, SETEX, PSETEX and GETSET, as Redis's setGenericCommand. The expiry is
 * validated before the key is even looked at; with GET the old value is the reply (and a
 * wrong type stops the write); otherwise SETNX answers 1/0 and the rest OK/null. */
static void set_generic(struct client *c, unsigned flags, const struct cmd_arg *val,
                        const struct cmd_arg *expire, const char *cmdname, bool int_reply)
{
    const struct cmd_arg *key = &c->argv[1];
    long long when = -1;
    if (expire && str_expire_ms_or_reply(c, expire, flags, cmdname, &when) < 0)
        return;

    /* GET makes this a read as well, for the keyspace hit/miss statistics. */
    struct kv *kv = str_lookup(c, key, (flags & STR_OPT_GET) ? 0 : DB_LOOKUP_WRITE);
    if (flags & STR_OPT_GET) {
        if (!str_type_ok_or_reply(c, kv))
            return;
        str_reply_value(c, kv);
    }
    if (((flags & STR_OPT_NX) && kv) || ((flags & STR_OPT_XX) && !kv)) {
        if (flags & STR_OPT_GET)
            return;
        if (int_reply)
            reply_integer(c, 0);
        else
            reply_null(c);
        return;
    }

    string_store(c->db, kv, key, val->ptr, val->len, when, flags & STR_OPT_KEEPTTL);
    server_dirty(1);
    str_notify(c, NOTIFY_STRING, "set", key);
    /* Redis sets the TTL as a second step and reports it as one, even for a time that
     * has already passed (the key then expires on its next access). */
    if (expire) {
        str_notify(c, NOTIFY_GENERIC, "expire", key);
        /* A relative TTL would expire later on a replica or a reload: the stream gets the
         * absolute deadline, and only the write (NX/XX/GET decided nothing there). */
        char ms[NUM_LL_STR_MAX];
        struct cmd_arg argv[5] = {{"SET", 3}, *key, *val, {"PXAT", 4},
                                  {ms, num_ll_to_str(ms, when)}};
        propagate_replace(5, argv);
    } else if (flags & STR_OPT_GET) {
        str_propagate_without_get(c, cmdname);
    }
    if (flags & STR_OPT_GET)
        return;
    if (int_reply)
        reply_integer(c, 1);
    else
        reply_ok(c);
}

void cmd_set(struct client *c)
{
    unsigned flags = 0;
    const struct cmd_arg *expire = NULL;
    if (str_parse_options_or_reply(c, 3, STR_FOR_SET, &flags, &expire) < 0)
        return;
    set_generic(c, flags, &c->argv[2], expire, "set", false);
}

void cmd_setnx(struct client *c)
{
    set_generic(c, STR_OPT_NX, &c->argv[2], NULL, "setnx", true);
}

void cmd_setex(struct client *c)
{
    set_generic(c, STR_OPT_EX, &c->argv[3], &c->argv[2], "setex", false);
}

void cmd_psetex(struct client *c)
{
    set_generic(c, STR_OPT_PX, &c->argv[3], &c->argv[2], "psetex", false);
}

void cmd_getset(struct client *c)
{
    set_generic(c, STR_OPT_GET, &c->argv[2], NULL, "getset", false);
}

void cmd_getdel(struct client *c)
{
    const struct cmd_arg *key = &c->argv[1];
    struct kv *kv = str_lookup(c, key, 0);
    if (!str_type_ok_or_reply(c, kv))
        return;
    str_reply_value(c, kv);
    if (kv && db_delete(c->db, key->ptr, key->len)) {
        server_dirty(1);
        str_notify(c, NOTIFY_GENERIC, "del", key);
        propagate_replace_key("DEL", key);
    }
}

/* GETEX key [EX s | PX ms | EXAT ts | PXAT ts | PERSIST]. As in Redis, a missing key or a
 * wrong type is reported before a bad expiry value, and an absolute time already past
 * deletes the key after its value has been sent. */
void cmd_getex(struct client *c)
{
    const struct cmd_arg *key = &c->argv[1];
    unsigned flags = 0;
    const struct cmd_arg *expire = NULL;
    if (str_parse_options_or_reply(c, 2, STR_FOR_GETEX, &flags, &expire) < 0)
        return;

    struct kv *kv = str_lookup(c, key, 0);
    if (!kv) {
        reply_null(c);
        return;
    }
    if (!str_type_ok_or_reply(c, kv))
        return;
    long long when = -1;
    if (expire && str_expire_ms_or_reply(c, expire, flags, "getex", &when) < 0)
        return;

    /* The stream gets the effect alone, with an absolute deadline: a GETEX replayed later
     * would count a relative TTL from then. */
    str_reply_value(c, kv);
    if (expire && when <= srv.cmd_time_ms) {
        db_delete(c->db, key->ptr, key->len);
        server_dirty(1);
        str_notify(c, NOTIFY_GENERIC, "del", key);
        propagate_replace_key("DEL", key);
    } else if (expire) {
        kv = db_set_expire(c->db, kv, when);
        server_dirty(1);
        str_notify(c, NOTIFY_GENERIC, "expire", key);
        propagate_replace_key_ll("PEXPIREAT", key, when);
    } else if ((flags & STR_OPT_PERSIST) && kv->has_expire) {
        kv = db_set_expire(c->db, kv, -1);
        server_dirty(1);
        str_notify(c, NOTIFY_GENERIC, "persist", key);
        propagate_replace_key("PERSIST", key);
    }
}

/* ---- several keys ---- */

void cmd_mget(struct client *c)
{
    reply_array(c, c->argc - 1);
    for (int j = 1; j < c->argc; j++) {
        struct kv *kv = str_lookup(c, &c->argv[j], 0);
        /* MGET never fails: a key of another type reads as missing. */
        str_reply_value(c, kv && kv->type == KV_STRING ? kv : NULL);
    }
}

/* MSET and MSETNX. MSETNX writes nothing if any key exists. Each key is looked up again
 * while writing, since a key may repeat within one call. */
static void mset_generic(struct client *c, bool nx, const char *cmdname)
{
    if (c->argc % 2 == 0) {
        reply_error_arity(c, cmdname);
        return;
    }
    if (nx) {
        for (int j = 1; j < c->argc; j += 2) {
            if (str_lookup(c, &c->argv[j], DB_LOOKUP_WRITE)) {
                reply_integer(c, 0);
                return;
            }
        }
    }
    for (int j = 1; j < c->argc; j += 2) {
        struct kv *kv = str_lookup(c, &c->argv[j], DB_LOOKUP_WRITE);
        string_store(c->db, kv, &c->argv[j], c->argv[j + 1].ptr, c->argv[j + 1].len, -1, false);
        str_notify(c, NOTIFY_STRING, "set", &c->argv[j]);
    }
    server_dirty((c->argc - 1) / 2);
    if (nx)
        reply_integer(c, 1);
    else
        reply_ok(c);
}

void cmd_mset(struct client *c)
{
    mset_generic(c, false, "mset");
}

void cmd_msetnx(struct client *c)
{
    mset_generic(c, true, "msetnx");
}

/* ---- in-place edits ---- */

void cmd_append(struct client *c)
{
    const struct cmd_arg *key = &c->argv[1];
    const struct cmd_arg *val = &c->argv[2];
    struct kv *kv = str_lookup(c, key, DB_LOOKUP_WRITE);
    size_t total;
    if (!kv) {
        db_add(c->db, kv_new_string(key->ptr, key->len, val->ptr, val->len, -1));
        total = val->len;
    } else {
        if (!str_type_ok_or_reply(c, kv))
            return;
        size_t old = kv_string_len(kv);
        if (!str_fits_or_reply(c, old, val->len))
            return;
        struct kv_rawstr *r = kv_string_make_raw(kv, old + val->len);
        memcpy(r->data + old, val->ptr, val->len);
        total = r->len;
    }
    server_dirty(1);
    /* Published even for an empty suffix: Redis reports every APPEND that ran. */
    str_notify(c, NOTIFY_STRING, "append", key);
    reply_integer(c, (long long)total);
}

void cmd_strlen(struct client *c)
{
    struct kv *kv = str_lookup(c, &c->argv[1], 0);
    if (str_type_ok_or_reply(c, kv))
        reply_integer(c, kv ? (long long)kv_string_len(kv) : 0);
}

/* SETRANGE key offset value. Writing nothing creates nothing and leaves the value as it
 * is (Redis replies the current length without touching the key). */
void cmd_setrange(struct client *c)
{
    const struct cmd_arg *key = &c->argv[1];
    const struct cmd_arg *val = &c->argv[3];
    long long offset;
    if (num_parse_ll(c->argv[2].ptr, c->argv[2].len, &offset) < 0) {
        reply_error_not_int(c);
        return;
    }
    if (offset < 0) {
        reply_error(c, "ERR offset is out of range");
        return;
    }

    struct kv *kv = str_lookup(c, key, DB_LOOKUP_WRITE);
    if (!str_type_ok_or_reply(c, kv))
        return;
    if (val->len == 0) {
        reply_integer(c, kv ? (long long)kv_string_len(kv) : 0);
        return;
    }
    if (!str_fits_or_reply(c, (unsigned long long)offset, val->len))
        return;
    if (!kv) {
        kv = kv_new_string(key->ptr, key->len, "", 0, -1);
        db_add(c->db, kv);
    }
    struct kv_rawstr *r = kv_string_make_raw(kv, (size_t)offset + val->len);
    memcpy(r->data + offset, val->ptr, val->len);
    server_dirty(1);
    str_notify(c, NOTIFY_STRING, "setrange", key);
    reply_integer(c, (long long)r->len);
}

/* GETRANGE key start end, with Redis 7.0's clamping: negative indexes count from the end,
 * but an end before the start of the string is pulled up to 0, so "0 -100" still returns
 * the first byte; only two negative indexes in the wrong order give "" up front. */
void cmd_getrange(struct client *c)
{
    long long start, end;
    if (num_parse_ll(c->argv[2].ptr, c->argv[2].len, &start) < 0 ||
        num_parse_ll(c->argv[3].ptr, c->argv[3].len, &end) < 0) {
        reply_error_not_int(c);
        return;
    }
    struct kv *kv = str_lookup(c, &c->argv[1], 0);
    if (!kv) {
        reply_bulk(c, "", 0);
        return;
    }
    if (!str_type_ok_or_reply(c, kv))
        return;

    char buf[NUM_LL_STR_MAX];
    const char *p;
    size_t len;
    kv_string(kv, buf, &p, &len);
    long long slen = (long long)len;
    if (start < 0 && end < 0 && start > end) {
        reply_bulk(c, "", 0);
        return;
    }
    if (start < 0)
        start += slen;
    if (end < 0)
        end += slen;
    if (start < 0)
        start = 0;
    if (end < 0)
        end = 0;
    if (end >= slen)
        end = slen - 1;
    if (start > end || slen == 0)
        reply_bulk(c, "", 0);
    else
        reply_bulk(c, p + start, (size_t)(end - start + 1));
}

void cmd_substr(struct client *c)
{
    cmd_getrange(c);
}

/* ---- counters ---- */

/* The value as an integer; -1 if it is not one Redis would accept. */
static int str_value_ll(const struct kv *kv, long long *out)
{
    if (kv->enc == KV_ENC_INT) {
        *out = kv->v.ival;
        return 0;
    }
    char buf[NUM_LL_STR_MAX];
    const char *p;
    size_t len;
    kv_string(kv, buf, &p, &len);
    return num_parse_ll(p, len, out);
}

/* INCR, DECR, INCRBY, DECRBY. The TTL survives; an int-encoded value is bumped in place,
 * which keeps the hot INCR path free of allocation. */
static void incr_generic(struct client *c, long long by)
{
    const struct cmd_arg *key = &c->argv[1];
    struct kv *kv = str_lookup(c, key, DB_LOOKUP_WRITE);
    if (!str_type_ok_or_reply(c, kv))
        return;
    long long cur = 0;
    if (kv && str_value_ll(kv, &cur) < 0) {
        reply_error_not_int(c);
        return;
    }
    if ((by < 0 && cur < 0 && by < LLONG_MIN - cur) ||
        (by > 0 && cur > 0 && by > LLONG_MAX - cur)) {
        reply_error(c, "ERR increment or decrement would overflow");
        return;
    }
    long long v = cur + by;
    if (!kv) {
        db_add(c->db, kv_new_int(key->ptr, key->len, v, -1));
    } else if (kv->enc == KV_ENC_INT) {
        kv->v.ival = v;
    } else {
        char buf[NUM_LL_STR_MAX];
        size_t n = num_ll_to_str(buf, v);
        string_store(c->db, kv, key, buf, n, -1, true);
    }
    server_dirty(1);
    /* One event name for all four commands, as Redis publishes it. */
    str_notify(c, NOTIFY_STRING, "incrby", key);
    reply_integer(c, v);
}

/* Parses the increment of INCRBY/DECRBY before the key is looked at, as Redis does. */
static int str_arg_ll_or_reply(struct client *c, const struct cmd_arg *arg, long long *out)
{
    if (num_parse_ll(arg->ptr, arg->len, out) < 0) {
        reply_error_not_int(c);
        return -1;
    }
    return 0;
}

void cmd_incr(struct client *c)
{
    incr_generic(c, 1);
}

void cmd_decr(struct client *c)
{
    incr_generic(c, -1);
}

void cmd_incrby(struct client *c)
{
    long long by;
    if (str_arg_ll_or_reply(c, &c->argv[2], &by) == 0)
        incr_generic(c, by);
}

void cmd_decrby(struct client *c)
{
    long long by;
    if (str_arg_ll_or_reply(c, &c->argv[2], &by) < 0)
        return;
    /* -LLONG_MIN does not exist. */
    if (by == LLONG_MIN) {
        reply_error(c, "ERR decrement would overflow");
        return;
    }
    incr_generic(c, -by);
}

/* The value as a long double; -1 if it is not one Redis would accept. */
static int str_value_ld(const struct kv *kv, long double *out)
{
    if (kv->enc == KV_ENC_INT) {
        *out = (long double)kv->v.ival;
        return 0;
    }
    char buf[NUM_LL_STR_MAX];
    const char *p;
    size_t len;
    kv_string(kv, buf, &p, &len);
    return num_parse_ld(p, len, out);
}

/* INCRBYFLOAT stores the result as text in the same human form it replies with, so a
 * reply and a later GET always agree. The TTL survives. */
void cmd_incrbyfloat(struct client *c)
{
    const struct cmd_arg *key = &c->argv[1];
    const struct cmd_arg *arg = &c->argv[2];
    struct kv *kv = str_lookup(c, key, DB_LOOKUP_WRITE);
    if (!str_type_ok_or_reply(c, kv))
        return;
    long double cur = 0, by;
    if ((kv && str_value_ld(kv, &cur) < 0) || num_parse_ld(arg->ptr, arg->len, &by) < 0) {
        reply_error(c, "ERR value is not a valid float");
        return;
    }
    cur += by;
    if (isnan(cur) || isinf(cur)) {
        reply_error(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    char buf[NUM_LD_STR_MAX];
    size_t n = num_ld_to_str(buf, sizeof buf, cur);
    string_store(c->db, kv, key, buf, n, -1, true);
    server_dirty(1);
    str_notify(c, NOTIFY_STRING, "incrbyfloat", key);
    /* Float addition and formatting may differ on the other side (another libc, another
     * long double): the stream carries the resulting text. */
    struct cmd_arg argv[4] = {{"SET", 3}, *key, {buf, n}, {"KEEPTTL", 7}};
    propagate_replace(4, argv);
    reply_bulk(c, buf, n);
}
