/* t_hash: the hash type and its commands.
 *
 * Two encodings, as Redis:
 *   listpack  - field, value, field, value... in one listpack (Redis's byte format), for
 *               hashes of at most hash-max-listpack-entries fields whose fields and values
 *               are at most hash-max-listpack-value bytes. O(n) lookups over a few dozen
 *               bytes beat any pointer structure on both memory and speed.
 *   hashtable - a struct dict of hash_entry blocks. Redis spends a dictEntry plus two sds
 *               strings per field (three allocations); here the chain link, the field and
 *               the value share ONE allocation, with varint lengths.
 * A hash converts to a hashtable when it outgrows either limit and never converts back
 * while in memory, as Redis. An empty hash never exists: the last HDEL deletes the key.
 *
 * Keyspace events are Redis 7.0's: "hset" (HSET, HMSET, HSETNX), "hdel", "hincrby",
 * "hincrbyfloat", then "del" when HDEL removed the last field. */
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/propagate.h"
#include "../core/pubsub.h"
#include "../core/server.h"
#include "../db/db.h"
#include "../db/dict.h"
#include "../db/kv.h"
#include "../db/scan.h"
#include "../net/client.h"
#include "../proto/reply.h"
#include "../util/glob.h"
#include "../util/mem.h"
#include "../util/num.h"
#include "../util/rand.h"
#include "listpack.h"
#include "t_hash.h"

/* A listpack is converted before it would pass this size, as Redis's lpSafeToAdd: a
 * listpack's header counts bytes in 32 bits and every change moves the whole block. */
#define HASH_LP_SAFETY_SIZE (1u << 30)

/* ======================================================================================
 * hashtable entries
 * ==================================================================================== */

/* One field of a hashtable-encoded hash: the dict link, then
 *   varint(field length) | field bytes | varint(value length) | value bytes
 * in a single block. The value comes after the field so that rewriting it in place never
 * moves the field (the dict's key). Varints take one byte for lengths below 128, which is
 * what keeps a typical field at 2 bytes of overhead beyond the chain link. */
struct hash_entry {
    struct dict_node node; /* first: the dict links entries through it */
    unsigned char data[];
};

static size_t hash_varint_len(size_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static size_t hash_varint_put(unsigned char *p, size_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

static size_t hash_varint_get(const unsigned char *p, size_t *v)
{
    size_t n = 0, out = 0;
    unsigned shift = 0;
    do {
        out |= (size_t)(p[n] & 0x7f) << shift;
        shift += 7;
    } while (p[n++] & 0x80);
    *v = out;
    return n;
}

static void hash_entry_field(const struct hash_entry *e, const char **p, size_t *len)
{
    size_t hdr = hash_varint_get(e->data, len);
    *p = (const char *)e->data + hdr;
}

/* Where the value's length varint starts. */
static unsigned char *hash_entry_value_at(const struct hash_entry *e)
{
    size_t flen;
    size_t hdr = hash_varint_get(e->data, &flen);
    return (unsigned char *)e->data + hdr + flen;
}

static void hash_entry_value(const struct hash_entry *e, const char **p, size_t *len)
{
    const unsigned char *v = hash_entry_value_at(e);
    *p = (const char *)v + hash_varint_get(v, len);
}

/* Bytes the entry needs (not what the allocator gave). */
static size_t hash_entry_size(const struct hash_entry *e)
{
    const char *v;
    size_t vlen;
    hash_entry_value(e, &v, &vlen);
    return (size_t)(v - (const char *)e) + vlen;
}

static void hash_entry_key(const struct dict_node *node, const char **key, size_t *len)
{
    hash_entry_field((const struct hash_entry *)node, key, len);
}

static struct hash_entry *hash_entry_new(const char *f, size_t flen, const char *v, size_t vlen)
{
    size_t size = sizeof(struct hash_entry) + hash_varint_len(flen) + flen +
                  hash_varint_len(vlen) + vlen;
    struct hash_entry *e = mem_alloc(size);
    e->node.next = NULL;
    unsigned char *p = e->data;
    p += hash_varint_put(p, flen);
    memcpy(p, f, flen);
    p += flen;
    p += hash_varint_put(p, vlen);
    memcpy(p, v, vlen);
    return e;
}

static void hash_entry_free(struct dict_node *node, void *arg)
{
    (void)arg;
    mem_free(node);
}

/* Gives a linked entry a new value. The block is rewritten in place when the allocator's
 * size class still fits (counters, same-length updates); otherwise a new block takes its
 * place in the chain and the old one is freed. */
static void hash_entry_set_value(struct dict *d, struct hash_entry *e, const char *v, size_t vlen)
{
    unsigned char *at = hash_entry_value_at(e);
    size_t need = (size_t)(at - (unsigned char *)e) + hash_varint_len(vlen) + vlen;
    if (need <= mem_usable(e)) {
        at += hash_varint_put(at, vlen);
        memcpy(at, v, vlen);
        return;
    }
    const char *f;
    size_t flen;
    hash_entry_field(e, &f, &flen);
    struct hash_entry *ne = hash_entry_new(f, flen, v, vlen);
    dict_replace(d, &e->node, &ne->node);
    mem_free(e);
}

static struct dict *hash_dict_new(void)
{
    struct dict *d = mem_alloc(sizeof *d);
    dict_init(d, hash_entry_key);
    return d;
}

static void hash_dict_free(struct dict *d)
{
    dict_clear(d, hash_entry_free, NULL);
    mem_free(d);
}

/* ======================================================================================
 * encoding-independent access
 * ==================================================================================== */

/* A field or value as bytes. Integers stored in a listpack are rendered into buf, so p may
 * point into this struct: do not copy it. */
struct hash_str {
    const char *p;
    size_t len;
    unsigned char buf[LP_INTBUF_SIZE];
};

static void hash_str_from_lp(struct hash_str *s, const unsigned char *pos)
{
    s->p = (const char *)lp_get(pos, &s->len, s->buf);
}

static unsigned long hash_len(const struct kv *kv)
{
    if (kv->enc == KV_ENC_LISTPACK)
        return lp_length(kv->v.ptr) / 2;
    return dict_size(kv->v.ptr);
}

/* The listpack position of field f, or NULL. */
static unsigned char *hash_lp_find(const unsigned char *lp, const char *f, size_t flen)
{
    unsigned char *first = lp_first(lp);
    if (!first)
        return NULL;
    return lp_find(lp, first, (const unsigned char *)f, flen, 1);
}

/* Looks up field f; fills *val and returns true when present. */
static bool hash_get(const struct kv *kv, const char *f, size_t flen, struct hash_str *val)
{
    if (kv->enc == KV_ENC_LISTPACK) {
        const unsigned char *lp = kv->v.ptr;
        unsigned char *fpos = hash_lp_find(lp, f, flen);
        if (!fpos)
            return false;
        hash_str_from_lp(val, lp_next(lp, fpos));
        return true;
    }
    struct hash_entry *e = (struct hash_entry *)dict_find(kv->v.ptr, f, flen);
    if (!e)
        return false;
    hash_entry_value(e, &val->p, &val->len);
    return true;
}

static bool hash_exists(const struct kv *kv, const char *f, size_t flen)
{
    struct hash_str unused;
    return hash_get(kv, f, flen, &unused);
}

/* ---- iteration over every field/value pair, whatever the encoding ---- */

struct hash_iter {
    enum kv_encoding enc;
    const unsigned char *lp;
    unsigned char *fpos;    /* listpack: current field, NULL before the first / at the end */
    struct dict_iter di;    /* hashtable: a safe iterator (pauses rehashing) */
    struct hash_entry *cur; /* hashtable: current entry */
    bool started;
};

static void hash_iter_init(struct hash_iter *it, const void *ptr, enum kv_encoding enc)
{
    memset(it, 0, sizeof *it);
    it->enc = enc;
    if (enc == KV_ENC_LISTPACK)
        it->lp = ptr;
    else
        dict_iter_init(&it->di, (struct dict *)ptr);
}

static bool hash_iter_next(struct hash_iter *it)
{
    if (it->enc == KV_ENC_LISTPACK) {
        if (!it->started)
            it->fpos = lp_first(it->lp);
        else if (it->fpos)
            it->fpos = lp_next(it->lp, lp_next(it->lp, it->fpos));
        it->started = true;
        return it->fpos != NULL;
    }
    it->cur = (struct hash_entry *)dict_iter_next(&it->di);
    return it->cur != NULL;
}

static void hash_iter_field(const struct hash_iter *it, struct hash_str *s)
{
    if (it->enc == KV_ENC_LISTPACK)
        hash_str_from_lp(s, it->fpos);
    else
        hash_entry_field(it->cur, &s->p, &s->len);
}

static void hash_iter_value(const struct hash_iter *it, struct hash_str *s)
{
    if (it->enc == KV_ENC_LISTPACK)
        hash_str_from_lp(s, lp_next(it->lp, it->fpos));
    else
        hash_entry_value(it->cur, &s->p, &s->len);
}

static void hash_iter_release(struct hash_iter *it)
{
    if (it->enc != KV_ENC_LISTPACK)
        dict_iter_release(&it->di);
}

/* ---- changes ---- */

/* Rebuilds a listpack hash as a hashtable, in place in the entry. */
static void hash_convert(struct kv *kv)
{
    unsigned char *lp = kv->v.ptr;
    struct dict *d = hash_dict_new();
    dict_reserve(d, lp_length(lp) / 2);
    struct hash_iter it;
    hash_iter_init(&it, lp, KV_ENC_LISTPACK);
    while (hash_iter_next(&it)) {
        struct hash_str f, v;
        hash_iter_field(&it, &f);
        hash_iter_value(&it, &v);
        dict_add(d, &hash_entry_new(f.p, f.len, v.p, v.len)->node);
    }
    hash_iter_release(&it);
    lp_free(lp);
    kv->v.ptr = d;
    kv->enc = KV_ENC_HASHTABLE;
}

/* Sets field f to v; returns true if the field is new. Converts the hash first when the
 * pair would not fit the listpack limits (HINCRBY's long fields included), and afterwards
 * when the listpack holds more fields than allowed, as Redis's hashTypeSet. */
static bool hash_set(struct kv *kv, const char *f, size_t flen, const char *v, size_t vlen)
{
    if (kv->enc == KV_ENC_LISTPACK) {
        size_t maxv = (size_t)srv.cfg.hash_max_listpack_value;
        if (flen > maxv || vlen > maxv ||
            lp_bytes(kv->v.ptr) + flen + vlen > HASH_LP_SAFETY_SIZE)
            hash_convert(kv);
    }
    if (kv->enc == KV_ENC_LISTPACK) {
        unsigned char *lp = kv->v.ptr;
        unsigned char *fpos = hash_lp_find(lp, f, flen);
        if (fpos) {
            lp = lp_insert(lp, (const unsigned char *)v, vlen, lp_next(lp, fpos), LP_REPLACE,
                           NULL);
        } else {
            lp = lp_append(lp, (const unsigned char *)f, flen);
            lp = lp_append(lp, (const unsigned char *)v, vlen);
        }
        kv->v.ptr = lp;
        /* Checked after updates too: the limit may have been lowered by CONFIG SET. */
        if (lp_length(lp) / 2 > (unsigned long long)srv.cfg.hash_max_listpack_entries)
            hash_convert(kv);
        return fpos == NULL;
    }
    struct dict *d = kv->v.ptr;
    struct hash_entry *e = (struct hash_entry *)dict_find(d, f, flen);
    if (e) {
        hash_entry_set_value(d, e, v, vlen);
        return false;
    }
    dict_add(d, &hash_entry_new(f, flen, v, vlen)->node);
    return true;
}

/* Removes field f; true if it was there. The caller deletes the key once it is empty. */
static bool hash_delete(struct kv *kv, const char *f, size_t flen)
{
    if (kv->enc == KV_ENC_LISTPACK) {
        unsigned char *lp = kv->v.ptr;
        unsigned char *fpos = hash_lp_find(lp, f, flen);
        if (!fpos)
            return false;
        lp = lp_delete(lp, fpos, &fpos); /* the field; fpos is now its value */
        lp = lp_delete(lp, fpos, NULL);
        kv->v.ptr = lp;
        return true;
    }
    struct dict_node *n = dict_unlink(kv->v.ptr, f, flen);
    if (!n)
        return false;
    mem_free(n);
    return true;
}

/* ======================================================================================
 * kv_type_ops
 * ==================================================================================== */

static void hash_free_value(void *ptr, enum kv_encoding enc)
{
    if (enc == KV_ENC_LISTPACK)
        lp_free(ptr);
    else
        hash_dict_free(ptr);
}

static void *hash_dup_value(const void *ptr, enum kv_encoding enc)
{
    if (enc == KV_ENC_LISTPACK) {
        size_t n = lp_bytes(ptr);
        unsigned char *lp = mem_alloc(n);
        memcpy(lp, ptr, n);
        return lp;
    }
    struct dict *src = (struct dict *)ptr;
    struct dict *d = hash_dict_new();
    dict_reserve(d, dict_size(src));
    struct dict_iter it;
    dict_iter_init(&it, src);
    for (struct dict_node *n; (n = dict_iter_next(&it));) {
        size_t size = hash_entry_size((struct hash_entry *)n);
        struct hash_entry *e = mem_alloc(size);
        memcpy(e, n, size);
        e->node.next = NULL;
        dict_add(d, &e->node);
    }
    dict_iter_release(&it);
    return d;
}

/* Entries sampled for MEMORY USAGE, as Redis's default SAMPLES 5. */
#define HASH_MEMORY_SAMPLES 5

static size_t hash_value_memory(const void *ptr, enum kv_encoding enc)
{
    if (enc == KV_ENC_LISTPACK)
        return mem_usable(ptr);
    return dict_memory_estimate((struct dict *)ptr, HASH_MEMORY_SAMPLES);
}

const struct kv_type_ops kv_hash_ops = {
    .free_value = hash_free_value,
    .dup_value = hash_dup_value,
    .value_memory = hash_value_memory,
};

/* ======================================================================================
 * command helpers
 * ==================================================================================== */

/* Looks the key up; replies WRONGTYPE and returns false when it holds another type.
 * *out is NULL when the key is missing. */
static bool hash_lookup_or_reply(struct client *c, int flags, struct kv **out)
{
    struct kv *kv = db_lookup(c->db, c->argv[1].ptr, c->argv[1].len, flags);
    if (kv && kv->type != KV_HASH) {
        reply_error_wrongtype(c);
        return false;
    }
    *out = kv;
    return true;
}

/* Adds the command's key as an empty (listpack) hash. The caller must add a field before
 * it returns: an empty hash must never stay in the keyspace. */
static struct kv *hash_create(struct client *c)
{
    struct kv *kv =
        kv_new_ptr(c->argv[1].ptr, c->argv[1].len, KV_HASH, KV_ENC_LISTPACK, lp_new(0), -1);
    db_add(c->db, kv);
    return kv;
}

/* The key's hash for a write, created when missing (see hash_create). NULL after replying
 * WRONGTYPE. */
static struct kv *hash_lookup_write_or_create(struct client *c)
{
    struct kv *kv;
    if (!hash_lookup_or_reply(c, DB_LOOKUP_WRITE, &kv))
        return NULL;
    return kv ? kv : hash_create(c);
}

static void hash_notify(struct client *c, int type, const char *event)
{
    pubsub_notify_keyspace(type, event, c->argv[1].ptr, c->argv[1].len, db_id(c->db));
}

static void reply_hash_str(struct client *c, const struct hash_str *s)
{
    reply_bulk(c, s->p, s->len);
}

/* ======================================================================================
 * commands
 * ==================================================================================== */

/* HSET key field value [field value ...] / HMSET: same work, different reply. */
static void hset_generic(struct client *c, bool reply_added)
{
    if (c->argc % 2 == 1) {
        reply_error_arity(c, reply_added ? "hset" : "hmset");
        return;
    }
    struct kv *kv = hash_lookup_write_or_create(c);
    if (!kv)
        return;
    long long added = 0;
    for (int i = 2; i < c->argc; i += 2)
        added += hash_set(kv, c->argv[i].ptr, c->argv[i].len, c->argv[i + 1].ptr,
                          c->argv[i + 1].len);
    hash_notify(c, NOTIFY_HASH, "hset");
    server_dirty((c->argc - 2) / 2);
    if (reply_added)
        reply_integer(c, added);
    else
        reply_ok(c);
}

void cmd_hset(struct client *c)
{
    hset_generic(c, true);
}

void cmd_hmset(struct client *c)
{
    hset_generic(c, false);
}

void cmd_hsetnx(struct client *c)
{
    struct kv *kv = hash_lookup_write_or_create(c);
    if (!kv)
        return;
    const struct cmd_arg *f = &c->argv[2], *v = &c->argv[3];
    if (hash_exists(kv, f->ptr, f->len)) {
        reply_integer(c, 0);
        return;
    }
    hash_set(kv, f->ptr, f->len, v->ptr, v->len);
    hash_notify(c, NOTIFY_HASH, "hset");
    server_dirty(1);
    reply_integer(c, 1);
}

/* The field's value, or null when it or the key (kv NULL) is missing. */
static void hash_reply_field(struct client *c, const struct kv *kv, const struct cmd_arg *field)
{
    struct hash_str v;
    if (kv && hash_get(kv, field->ptr, field->len, &v))
        reply_hash_str(c, &v);
    else
        reply_null(c);
}

void cmd_hget(struct client *c)
{
    struct kv *kv;
    if (hash_lookup_or_reply(c, 0, &kv))
        hash_reply_field(c, kv, &c->argv[2]);
}

void cmd_hmget(struct client *c)
{
    struct kv *kv;
    if (!hash_lookup_or_reply(c, 0, &kv))
        return;
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++)
        hash_reply_field(c, kv, &c->argv[i]);
}

void cmd_hexists(struct client *c)
{
    struct kv *kv;
    if (!hash_lookup_or_reply(c, 0, &kv))
        return;
    reply_integer(c, kv && hash_exists(kv, c->argv[2].ptr, c->argv[2].len));
}

void cmd_hstrlen(struct client *c)
{
    struct kv *kv;
    struct hash_str v;
    if (!hash_lookup_or_reply(c, 0, &kv))
        return;
    reply_integer(c, kv && hash_get(kv, c->argv[2].ptr, c->argv[2].len, &v) ? (long long)v.len
                                                                             : 0);
}

void cmd_hlen(struct client *c)
{
    struct kv *kv;
    if (!hash_lookup_or_reply(c, 0, &kv))
        return;
    reply_integer(c, kv ? (long long)hash_len(kv) : 0);
}

enum hash_part { HASH_FIELDS = 1 << 0, HASH_VALUES = 1 << 1 };

/* HGETALL (a map), HKEYS and HVALS (arrays): one pass over the hash. */
static void hgetall_generic(struct client *c, unsigned parts)
{
    struct kv *kv;
    if (!hash_lookup_or_reply(c, 0, &kv))
        return;
    long long n = kv ? (long long)hash_len(kv) : 0;
    if (parts == (HASH_FIELDS | HASH_VALUES))
        reply_map(c, n);
    else
        reply_array(c, n);
    if (!kv)
        return;
    struct hash_iter it;
    hash_iter_init(&it, kv->v.ptr, (enum kv_encoding)kv->enc);
    while (hash_iter_next(&it)) {
        struct hash_str s;
        if (parts & HASH_FIELDS) {
            hash_iter_field(&it, &s);
            reply_hash_str(c, &s);
        }
        if (parts & HASH_VALUES) {
            hash_iter_value(&it, &s);
            reply_hash_str(c, &s);
        }
    }
    hash_iter_release(&it);
}

void cmd_hgetall(struct client *c)
{
    hgetall_generic(c, HASH_FIELDS | HASH_VALUES);
}

void cmd_hkeys(struct client *c)
{
    hgetall_generic(c, HASH_FIELDS);
}

void cmd_hvals(struct client *c)
{
    hgetall_generic(c, HASH_VALUES);
}

/* HDEL key field [field ...]: stops as soon as the hash is empty, because the key (and the
 * value the remaining fields would be looked up in) is gone then. */
void cmd_hdel(struct client *c)
{
    struct kv *kv;
    if (!hash_lookup_or_reply(c, DB_LOOKUP_WRITE, &kv))
        return;
    if (!kv) {
        reply_integer(c, 0);
        return;
    }
    long long deleted = 0;
    bool key_removed = false;
    for (int i = 2; i < c->argc; i++) {
        if (!hash_delete(kv, c->argv[i].ptr, c->argv[i].len))
            continue;
        deleted++;
        if (hash_len(kv) == 0) {
            db_delete(c->db, c->argv[1].ptr, c->argv[1].len);
            key_removed = true;
            break;
        }
    }
    if (deleted) {
        hash_notify(c, NOTIFY_HASH, "hdel");
        if (key_removed)
            hash_notify(c, NOTIFY_GENERIC, "del");
        server_dirty(deleted);
    }
    reply_integer(c, deleted);
}

void cmd_hincrby(struct client *c)
{
    long long incr, value = 0;
    if (num_parse_ll(c->argv[3].ptr, c->argv[3].len, &incr) < 0) {
        reply_error_not_int(c);
        return;
    }
    struct kv *kv;
    if (!hash_lookup_or_reply(c, DB_LOOKUP_WRITE, &kv))
        return;
    struct hash_str cur;
    if (kv && hash_get(kv, c->argv[2].ptr, c->argv[2].len, &cur) &&
        num_parse_ll(cur.p, cur.len, &value) < 0) {
        reply_error(c, "ERR hash value is not an integer");
        return;
    }
    if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
        (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
        reply_error(c, "ERR increment or decrement would overflow");
        return;
    }
    value += incr;
    if (!kv)
        kv = hash_create(c);
    char buf[NUM_LL_STR_MAX];
    size_t n = num_ll_to_str(buf, value);
    hash_set(kv, c->argv[2].ptr, c->argv[2].len, buf, n);
    hash_notify(c, NOTIFY_HASH, "hincrby");
    server_dirty(1);
    reply_integer(c, value);
}

/* The value is stored as the same text the reply carries, so HGET agrees with it. */
void cmd_hincrbyfloat(struct client *c)
{
    long double incr, value = 0;
    if (num_parse_ld(c->argv[3].ptr, c->argv[3].len, &incr) < 0) {
        reply_error(c, "ERR value is not a valid float");
        return;
    }
    if (isnan(incr) || isinf(incr)) {
        reply_error(c, "ERR value is NaN or Infinity");
        return;
    }
    struct kv *kv;
    if (!hash_lookup_or_reply(c, DB_LOOKUP_WRITE, &kv))
        return;
    struct hash_str cur;
    if (kv && hash_get(kv, c->argv[2].ptr, c->argv[2].len, &cur) &&
        num_parse_ld(cur.p, cur.len, &value) < 0) {
        reply_error(c, "ERR hash value is not a float");
        return;
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        reply_error(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    if (!kv)
        kv = hash_create(c);
    char buf[NUM_LD_STR_MAX];
    size_t n = num_ld_to_str(buf, sizeof buf, value);
    hash_set(kv, c->argv[2].ptr, c->argv[2].len, buf, n);
    hash_notify(c, NOTIFY_HASH, "hincrbyfloat");
    server_dirty(1);
    /* As INCRBYFLOAT: the stream carries the resulting text, not the float arithmetic. */
    struct cmd_arg argv[4] = {{"HSET", 4}, c->argv[1], c->argv[2], {buf, n}};
    propagate_replace(4, argv);
    reply_bulk(c, buf, n);
}

/* ---- HRANDFIELD ---- */

/* Random picks of one HRANDFIELD call: either positions of the pairs of a listpack (so a
 * pick is O(1)) or a dict to draw from. */
struct hash_sampler {
    unsigned char **pairs; /* listpack: the position of every field */
    size_t npairs;
    const struct dict *d;  /* hashtable */
};

static void hash_sampler_init(struct hash_sampler *s, const struct kv *kv)
{
    memset(s, 0, sizeof *s);
    if (kv->enc != KV_ENC_LISTPACK) {
        s->d = kv->v.ptr;
        return;
    }
    const unsigned char *lp = kv->v.ptr;
    s->npairs = lp_length(lp) / 2;
    s->pairs = mem_alloc(sizeof *s->pairs * s->npairs);
    size_t i = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p)))
        s->pairs[i++] = p;
}

static void hash_sampler_release(struct hash_sampler *s)
{
    mem_free(s->pairs);
}

/* A pick is a listpack field position or a hash_entry. */
static void *hash_sampler_pick(struct hash_sampler *s)
{
    if (s->pairs)
        return s->pairs[(size_t)rand_below(s->npairs)];
    return (struct hash_entry *)dict_random((struct dict *)s->d);
}

/* Replies one picked pair in HRANDFIELD's shape: the field alone, [field, value] in RESP3
 * or field and value flat in RESP2. */
static void hrandfield_reply_pick(struct client *c, const struct kv *kv, void *pick,
                                  bool withvalues)
{
    struct hash_str f, v;
    if (kv->enc == KV_ENC_LISTPACK) {
        hash_str_from_lp(&f, pick);
        if (withvalues)
            hash_str_from_lp(&v, lp_next(kv->v.ptr, pick));
    } else {
        hash_entry_field(pick, &f.p, &f.len);
        if (withvalues)
            hash_entry_value(pick, &v.p, &v.len);
    }
    if (withvalues && c->resp > 2)
        reply_array(c, 2);
    reply_hash_str(c, &f);
    if (withvalues)
        reply_hash_str(c, &v);
}

static void hrandfield_reply_header(struct client *c, unsigned long n, bool withvalues)
{
    reply_array(c, withvalues && c->resp == 2 ? (long long)n * 2 : (long long)n);
}

/* A pick remembered by the unique-sampling case, linked into a dict keyed by its field. */
struct hash_pick {
    struct dict_node node;
    struct hash_entry *e;
};

static void hash_pick_key(const struct dict_node *node, const char **key, size_t *len)
{
    hash_entry_field(((const struct hash_pick *)node)->e, key, len);
}

/* `count` distinct random fields of a hashtable, count * 3 <= size: drawing and rejecting
 * repeats takes O(count) draws on average, and memory is bounded by count. */
static void hrandfield_sparse(struct client *c, struct kv *kv, struct hash_sampler *s,
                              unsigned long count, bool withvalues)
{
    struct hash_pick *picks = mem_alloc(sizeof *picks * count);
    struct dict seen;
    dict_init(&seen, hash_pick_key);
    size_t n = 0;
    while (n < count) {
        struct hash_entry *e = hash_sampler_pick(s);
        const char *f;
        size_t flen;
        hash_entry_field(e, &f, &flen);
        if (dict_find(&seen, f, flen))
            continue;
        picks[n].e = e;
        dict_add(&seen, &picks[n].node);
        n++;
    }
    hrandfield_reply_header(c, count, withvalues);
    for (size_t i = 0; i < n; i++)
        hrandfield_reply_pick(c, kv, picks[i].e, withvalues);
    dict_clear(&seen, NULL, NULL);
    mem_free(picks);
}

/* `count` distinct random fields, count < size and (hashtable) count * 3 > size:
 * a listpack keeps its order by selection sampling (each pair is taken with probability
 * needed / remaining); a hashtable is shuffled partially (Fisher-Yates). O(size). */
static void hrandfield_dense(struct client *c, struct kv *kv, unsigned long count,
                             bool withvalues)
{
    unsigned long size = hash_len(kv);
    hrandfield_reply_header(c, count, withvalues);
    if (kv->enc == KV_ENC_LISTPACK) {
        const unsigned char *lp = kv->v.ptr;
        unsigned long needed = count, left = size;
        for (unsigned char *p = lp_first(lp); needed; p = lp_next(lp, lp_next(lp, p)), left--) {
            if ((size_t)rand_below(left) < needed) {
                hrandfield_reply_pick(c, kv, p, withvalues);
                needed--;
            }
        }
        return;
    }
    struct hash_entry **all = mem_alloc(sizeof *all * size);
    size_t n = 0;
    struct dict_iter it;
    dict_iter_init(&it, kv->v.ptr);
    for (struct dict_node *node; (node = dict_iter_next(&it));)
        all[n++] = (struct hash_entry *)node;
    dict_iter_release(&it);
    for (size_t i = 0; i < count; i++) {
        size_t j = i + (size_t)rand_below(n - i);
        struct hash_entry *tmp = all[i];
        all[i] = all[j];
        all[j] = tmp;
        hrandfield_reply_pick(c, kv, all[i], withvalues);
    }
    mem_free(all);
}

/* HRANDFIELD key count [WITHVALUES], Redis's cases:
 *   1. negative count (repeats allowed) or count 1: count independent uniform picks;
 *   2. count >= size: the whole hash;
 *   3. count close to size: O(size) sampling without repeats (hrandfield_dense);
 *   4. count small against a hashtable: draw and reject repeats (hrandfield_sparse). */
static void hrandfield_with_count(struct client *c, long long l, bool withvalues)
{
    struct kv *kv;
    if (!hash_lookup_or_reply(c, 0, &kv))
        return;
    if (!kv) {
        reply_array(c, 0);
        return;
    }
    bool unique = l >= 0;
    unsigned long count = unique ? (unsigned long)l : (unsigned long)-l;
    unsigned long size = hash_len(kv);
    if (count == 0) {
        reply_array(c, 0);
        return;
    }
    if (!unique || count == 1) {
        struct hash_sampler s;
        hash_sampler_init(&s, kv);
        hrandfield_reply_header(c, count, withvalues);
        for (unsigned long i = 0; i < count; i++)
            hrandfield_reply_pick(c, kv, hash_sampler_pick(&s), withvalues);
        hash_sampler_release(&s);
        return;
    }
    if (count >= size) {
        hrandfield_reply_header(c, size, withvalues);
        struct hash_iter it;
        hash_iter_init(&it, kv->v.ptr, (enum kv_encoding)kv->enc);
        while (hash_iter_next(&it))
            hrandfield_reply_pick(c, kv,
                                  kv->enc == KV_ENC_LISTPACK ? (void *)it.fpos : (void *)it.cur,
                                  withvalues);
        hash_iter_release(&it);
        return;
    }
    if (kv->enc == KV_ENC_LISTPACK || count * 3 > size) {
        hrandfield_dense(c, kv, count, withvalues);
        return;
    }
    struct hash_sampler s;
    hash_sampler_init(&s, kv);
    hrandfield_sparse(c, kv, &s, count, withvalues);
    hash_sampler_release(&s);
}

/* HRANDFIELD key [count [WITHVALUES]] */
void cmd_hrandfield(struct client *c)
{
    if (c->argc >= 3) {
        long long l;
        if (num_parse_ll(c->argv[2].ptr, c->argv[2].len, &l) < 0) {
            reply_error_not_int(c);
            return;
        }
        if (l < -LLONG_MAX) {
            reply_error(c, "ERR value is out of range, value must between -9223372036854775807 "
                           "and 9223372036854775807");
            return;
        }
        bool withvalues = c->argc == 4;
        if (c->argc > 4 || (withvalues && !client_arg_is(&c->argv[3], "withvalues"))) {
            reply_error_syntax(c);
            return;
        }
        /* The reply of a RESP2 client holds 2 * count items. */
        if (withvalues && (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2)) {
            reply_error(c, "ERR value is out of range");
            return;
        }
        hrandfield_with_count(c, l, withvalues);
        return;
    }
    struct kv *kv;
    if (!hash_lookup_or_reply(c, 0, &kv))
        return;
    if (!kv) {
        reply_null(c);
        return;
    }
    struct hash_sampler s;
    hash_sampler_init(&s, kv);
    hrandfield_reply_pick(c, kv, hash_sampler_pick(&s), false);
    hash_sampler_release(&s);
}

/* ---- HSCAN ---- */

/* dict_scan steps allowed per requested element, as Redis (COUNT * 10). */
#define HASH_SCAN_STEPS_PER_ITEM 10

struct hash_scan_batch {
    struct hash_entry **items;
    size_t n;
    size_t cap;
};

static void hash_scan_collect(struct dict_node *node, void *arg)
{
    struct hash_scan_batch *b = arg;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->items = mem_realloc(b->items, sizeof *b->items * b->cap);
    }
    b->items[b->n++] = (struct hash_entry *)node;
}

static bool hash_scan_match(const struct scan_opts *o, const struct hash_str *f)
{
    return !o->match || glob_match(o->match->ptr, o->match->len, f->p, f->len, false);
}

/* A listpack is returned whole with cursor 0 (it is small by definition), as Redis. */
static void hscan_listpack(struct client *c, const struct kv *kv, const struct scan_opts *o)
{
    const unsigned char *lp = kv->v.ptr;
    long long kept = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p))) {
        struct hash_str f;
        hash_str_from_lp(&f, p);
        kept += hash_scan_match(o, &f);
    }
    scan_reply_header(c, 0, kept * 2);
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p))) {
        struct hash_str f, v;
        hash_str_from_lp(&f, p);
        if (!hash_scan_match(o, &f))
            continue;
        hash_str_from_lp(&v, lp_next(lp, p));
        reply_hash_str(c, &f);
        reply_hash_str(c, &v);
    }
}

/* A hashtable is walked with dict_scan's reverse-binary cursor, which reports every field
 * present for the whole iteration even while the table grows, shrinks or rehashes. */
static void hscan_hashtable(struct client *c, const struct kv *kv, const struct scan_opts *o)
{
    struct hash_scan_batch batch = {NULL, 0, 0};
    unsigned long long cursor = o->cursor;
    long long steps = o->count > LLONG_MAX / HASH_SCAN_STEPS_PER_ITEM
                          ? LLONG_MAX
                          : o->count * HASH_SCAN_STEPS_PER_ITEM;
    do {
        cursor = dict_scan(kv->v.ptr, cursor, hash_scan_collect, &batch);
    } while (cursor && steps-- > 0 && batch.n < (unsigned long long)o->count);

    size_t kept = 0;
    for (size_t i = 0; i < batch.n; i++) {
        struct hash_str f;
        hash_entry_field(batch.items[i], &f.p, &f.len);
        if (hash_scan_match(o, &f))
            batch.items[kept++] = batch.items[i];
    }
    scan_reply_header(c, cursor, (long long)kept * 2);
    for (size_t i = 0; i < kept; i++) {
        struct hash_str f, v;
        hash_entry_field(batch.items[i], &f.p, &f.len);
        hash_entry_value(batch.items[i], &v.p, &v.len);
        reply_hash_str(c, &f);
        reply_hash_str(c, &v);
    }
    mem_free(batch.items);
}

/* HSCAN key cursor [MATCH pattern] [COUNT count]. Redis's order of checks: the cursor,
 * then the key (missing: an empty result; another type: WRONGTYPE), then the options. */
void cmd_hscan(struct client *c)
{
    unsigned long long cursor;
    if (num_parse_ull(c->argv[2].ptr, c->argv[2].len, &cursor) < 0) {
        reply_error(c, "ERR invalid cursor");
        return;
    }
    struct kv *kv;
    if (!hash_lookup_or_reply(c, 0, &kv))
        return;
    if (!kv) {
        scan_reply_header(c, 0, 0);
        return;
    }
    struct scan_opts o;
    if (!scan_parse_or_reply(c, 2, false, &o))
        return;
    if (kv->enc == KV_ENC_LISTPACK)
        hscan_listpack(c, kv, &o);
    else
        hscan_hashtable(c, kv, &o);
}

/* ======================================================================================
 * the API other modules use (t_hash.h)
 * ==================================================================================== */

struct kv *hash_type_new(const char *key, size_t klen, size_t hint)
{
    if (hint <= (unsigned long long)srv.cfg.hash_max_listpack_entries)
        return kv_new_ptr(key, klen, KV_HASH, KV_ENC_LISTPACK, lp_new(0), -1);
    struct dict *d = hash_dict_new();
    dict_reserve(d, hint);
    return kv_new_ptr(key, klen, KV_HASH, KV_ENC_HASHTABLE, d, -1);
}

bool hash_type_set(struct kv *kv, const char *f, size_t flen, const char *v, size_t vlen)
{
    return hash_set(kv, f, flen, v, vlen);
}

unsigned long hash_type_len(const struct kv *kv)
{
    return hash_len(kv);
}

void hash_type_foreach(const struct kv *kv, hash_pair_fn *fn, void *arg)
{
    struct hash_iter it;
    hash_iter_init(&it, kv->v.ptr, (enum kv_encoding)kv->enc);
    while (hash_iter_next(&it)) {
        struct hash_str f, v;
        hash_iter_field(&it, &f);
        hash_iter_value(&it, &v);
        if (!fn(f.p, f.len, v.p, v.len, arg))
            break;
    }
    hash_iter_release(&it);
}
