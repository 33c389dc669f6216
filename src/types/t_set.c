/* t_set: the set type, its three encodings and its commands (SADD ... SSCAN).
 *
 * Encodings, as Redis 7.2 chooses them (7.0 has no listpack sets; SPEC §5 asks for the
 * set-max-listpack-* directives, so ferrite follows 7.2 there):
 *   intset     only canonical integers, at most set-max-intset-entries of them;
 *   listpack   small sets with any members (set-max-listpack-entries/value);
 *   hashtable  an intrusive dict with ONE allocation per member (link, length, bytes),
 *              where Redis spends a dictEntry plus an sds.
 * A set converts intset -> listpack or hashtable, listpack -> hashtable, never back while
 * it lives (a new value built by SPOP or a STORE command starts small again, as in Redis).
 *
 * Commands reach the encodings only through the set_* layer below (size, has, add, remove,
 * iterate, random), like Redis's setType* functions; algebra commands share one generic
 * body per family (SINTER*; SUNION*, SDIFF*) and start from the smallest set.
 *
 * Keyspace events are Redis 7.0's, in its order ("sadd", "srem", "spop", "sinterstore",
 * "sunionstore", "sdiffstore", then "del" when a set is emptied; db_add publishes "new"). */
#include <limits.h>
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
#include "../util/sbuf.h"
#include "intset.h"
#include "listpack.h"
#include "t_set.h"

/* A listpack never grows past this, whatever the thresholds say (Redis's lpSafeToAdd). */
#define SET_LISTPACK_SAFETY_BYTES (1u << 30)
/* SPOP with a count pops one by one while remaining * MUL > count, else it keeps the few
 * remaining members in a new set and replies with the old one (Redis's constants). */
#define SPOP_MOVE_STRATEGY_MUL 5
/* SRANDMEMBER copies the set and removes members when count * MUL > size, else it adds
 * random members to an empty set until it has count. */
#define SRANDMEMBER_SUB_STRATEGY_MUL 3

/* ---- hashtable members ---- */

/* One member of a hashtable set: the chain link, the length (one byte below 255, else 255
 * and a size_t), then the bytes. A 14-byte member fits jemalloc's 32-byte class. */
struct set_member {
    struct dict_node node;
    unsigned char data[];
};

#define MEMBER_LONG_LEN 255

static size_t member_header_len(size_t len)
{
    return len < MEMBER_LONG_LEN ? 1 : 1 + sizeof(size_t);
}

static struct set_member *member_new(const char *s, size_t len)
{
    size_t hl = member_header_len(len);
    struct set_member *m = mem_alloc(sizeof *m + hl + len);
    if (len < MEMBER_LONG_LEN) {
        m->data[0] = (unsigned char)len;
    } else {
        m->data[0] = MEMBER_LONG_LEN;
        memcpy(m->data + 1, &len, sizeof len);
    }
    memcpy(m->data + hl, s, len);
    return m;
}

static void member_bytes(const struct set_member *m, const char **p, size_t *len)
{
    size_t l = m->data[0];
    size_t hl = 1;
    if (l == MEMBER_LONG_LEN) {
        memcpy(&l, m->data + 1, sizeof l);
        hl += sizeof l;
    }
    *p = (const char *)m->data + hl;
    *len = l;
}

static void member_node_key(const struct dict_node *node, const char **key, size_t *len)
{
    member_bytes((const struct set_member *)node, key, len);
}

static void member_free_node(struct dict_node *node, void *arg)
{
    (void)arg;
    mem_free(node);
}

static struct dict *ht_new(size_t hint)
{
    struct dict *d = mem_alloc(sizeof *d);
    dict_init(d, member_node_key);
    if (hint > 0)
        dict_reserve(d, hint);
    return d;
}

static void ht_free(struct dict *d)
{
    dict_clear(d, member_free_node, NULL);
    mem_free(d);
}

/* ---- values: what kv_set_ops needs ---- */

static void set_value_free(void *ptr, enum kv_encoding enc)
{
    switch (enc) {
    case KV_ENC_INTSET: intset_free(ptr); break;
    case KV_ENC_LISTPACK: lp_free(ptr); break;
    default: ht_free(ptr); break;
    }
}

static void *set_value_dup(const void *ptr, enum kv_encoding enc)
{
    if (enc == KV_ENC_INTSET)
        return intset_dup(ptr);
    if (enc == KV_ENC_LISTPACK) {
        size_t n = lp_bytes(ptr);
        unsigned char *lp = mem_alloc(n);
        memcpy(lp, ptr, n);
        return lp;
    }
    /* The iterator only pauses rehashing for its lifetime: the source is not changed. */
    struct dict *src = (struct dict *)ptr;
    struct dict *d = ht_new(dict_size(src));
    struct dict_iter it;
    struct dict_node *node;
    dict_iter_init(&it, src);
    while ((node = dict_iter_next(&it)) != NULL) {
        const char *p;
        size_t len;
        member_bytes((const struct set_member *)node, &p, &len);
        dict_add(d, &member_new(p, len)->node);
    }
    dict_iter_release(&it);
    return d;
}

/* Members sampled to estimate a hashtable's size: MEMORY USAGE must not walk a million
 * members (Redis samples too). */
#define SET_MEMORY_SAMPLES 16

static size_t set_value_memory(const void *ptr, enum kv_encoding enc)
{
    if (enc == KV_ENC_INTSET || enc == KV_ENC_LISTPACK)
        return mem_usable(ptr);
    return dict_memory_estimate((struct dict *)ptr, SET_MEMORY_SAMPLES);
}

const struct kv_type_ops kv_set_ops = {
    .free_value = set_value_free,
    .dup_value = set_value_dup,
    .value_memory = set_value_memory,
};

/* ---- elements as the iterators and random pickers hand them out ---- */

struct set_elem {
    const char *p;             /* the member's bytes; for integers, the text in buf */
    size_t len;
    bool is_int;               /* read from an integer: ll holds it (spares a parse) */
    long long ll;
    char buf[NUM_LL_STR_MAX];
};

static void elem_from_int(struct set_elem *e, long long v)
{
    e->is_int = true;
    e->ll = v;
    e->len = num_ll_to_str(e->buf, v);
    e->p = e->buf;
}

static void elem_from_lp(struct set_elem *e, const unsigned char *p)
{
    struct lp_value v;
    lp_get_value(p, &v);
    if (!v.sval) {
        elem_from_int(e, v.lval);
        return;
    }
    e->is_int = false;
    e->ll = 0;
    e->p = (const char *)v.sval;
    e->len = v.slen;
}

static void elem_from_member(struct set_elem *e, const struct dict_node *node)
{
    e->is_int = false;
    e->ll = 0;
    member_bytes((const struct set_member *)node, &e->p, &e->len);
}

/* ---- the encoding-independent set layer ---- */

static unsigned long set_size(const struct kv *kv)
{
    switch (kv->enc) {
    case KV_ENC_INTSET: return intset_len(kv->v.ptr);
    case KV_ENC_LISTPACK: return lp_length(kv->v.ptr);
    default: return (unsigned long)dict_size(kv->v.ptr);
    }
}

static bool set_has(const struct kv *kv, const char *s, size_t len)
{
    long long v;
    switch (kv->enc) {
    case KV_ENC_INTSET:
        return num_parse_ll(s, len, &v) == 0 && intset_find(kv->v.ptr, v);
    case KV_ENC_LISTPACK: {
        unsigned char *lp = kv->v.ptr;
        return lp_find(lp, lp_first(lp), (const unsigned char *)s, len, 0) != NULL;
    }
    default:
        return dict_find(kv->v.ptr, s, len) != NULL;
    }
}

static bool set_has_elem(const struct kv *kv, const struct set_elem *e)
{
    if (e->is_int && kv->enc == KV_ENC_INTSET)
        return intset_find(kv->v.ptr, e->ll);
    return set_has(kv, e->p, e->len);
}

/* Iteration in the encoding's order (ascending for intsets). Over a hashtable the
 * iterator is a safe one: set_iter_release must be called. */
struct set_iter {
    const struct kv *kv;
    uint32_t pos;         /* intset: next index */
    unsigned char *lp_p;  /* listpack: next element, NULL at the end */
    struct dict_iter di;  /* hashtable */
};

static void set_iter_init(struct set_iter *it, const struct kv *kv)
{
    it->kv = kv;
    it->pos = 0;
    if (kv->enc == KV_ENC_LISTPACK)
        it->lp_p = lp_first(kv->v.ptr);
    else if (kv->enc == KV_ENC_HASHTABLE)
        dict_iter_init(&it->di, kv->v.ptr);
}

static bool set_iter_next(struct set_iter *it, struct set_elem *e)
{
    const struct kv *kv = it->kv;
    switch (kv->enc) {
    case KV_ENC_INTSET:
        if (it->pos >= intset_len(kv->v.ptr))
            return false;
        elem_from_int(e, intset_get(kv->v.ptr, it->pos++));
        return true;
    case KV_ENC_LISTPACK:
        if (!it->lp_p)
            return false;
        elem_from_lp(e, it->lp_p);
        it->lp_p = lp_next(kv->v.ptr, it->lp_p);
        return true;
    default: {
        struct dict_node *node = dict_iter_next(&it->di);
        if (!node)
            return false;
        elem_from_member(e, node);
        return true;
    }
    }
}

static void set_iter_release(struct set_iter *it)
{
    if (it->kv->enc == KV_ENC_HASHTABLE)
        dict_iter_release(&it->di);
}

/* A random member of a non-empty set. The bytes stay valid until the set changes. */
static void set_random(const struct kv *kv, struct set_elem *e)
{
    switch (kv->enc) {
    case KV_ENC_INTSET:
        elem_from_int(e, intset_get(kv->v.ptr, (uint32_t)rand_below(intset_len(kv->v.ptr))));
        break;
    case KV_ENC_LISTPACK: {
        unsigned char *lp = kv->v.ptr;
        elem_from_lp(e, lp_seek(lp, (long)rand_below(lp_length(lp))));
        break;
    }
    default:
        elem_from_member(e, dict_random(kv->v.ptr));
        break;
    }
}

/* Repeated random picks from a set that does not change meanwhile (SRANDMEMBER): a
 * listpack is indexed once, so each pick is O(1) instead of an O(n) lp_seek. */
struct set_sampler {
    const struct kv *kv;
    unsigned char **lp_pos; /* listpack: every element's position; NULL otherwise */
    unsigned long n;
};

static void set_sampler_init(struct set_sampler *s, const struct kv *kv)
{
    s->kv = kv;
    s->lp_pos = NULL;
    if (kv->enc != KV_ENC_LISTPACK)
        return;
    unsigned char *lp = kv->v.ptr;
    s->n = lp_length(lp);
    s->lp_pos = mem_alloc(s->n * sizeof *s->lp_pos);
    unsigned long i = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p))
        s->lp_pos[i++] = p;
}

static void set_sampler_pick(const struct set_sampler *s, struct set_elem *e)
{
    if (s->lp_pos)
        elem_from_lp(e, s->lp_pos[rand_below(s->n)]);
    else
        set_random(s->kv, e);
}

static void set_sampler_release(struct set_sampler *s)
{
    mem_free(s->lp_pos);
}

/* Rebuilds the value as a listpack or a hashtable sized for `hint` members. */
static void set_convert(struct kv *kv, enum kv_encoding enc, size_t hint)
{
    void *nv = enc == KV_ENC_LISTPACK ? (void *)lp_new(0) : (void *)ht_new(hint);
    struct set_iter it;
    struct set_elem e;
    set_iter_init(&it, kv);
    while (set_iter_next(&it, &e)) {
        if (enc == KV_ENC_LISTPACK) {
            nv = e.is_int ? lp_append_int(nv, e.ll)
                          : lp_append(nv, (const unsigned char *)e.p, e.len);
        } else {
            /* The members are distinct already: no lookup before linking. */
            dict_add(nv, &member_new(e.p, e.len)->node);
        }
    }
    set_iter_release(&it);
    set_value_free(kv->v.ptr, (enum kv_encoding)kv->enc);
    kv->v.ptr = nv;
    kv->enc = enc;
}

static bool listpack_can_take(const unsigned char *lp, unsigned long count, size_t len)
{
    return count < (unsigned long long)srv.cfg.set_max_listpack_entries &&
           len <= (unsigned long long)srv.cfg.set_max_listpack_value &&
           lp_bytes(lp) + len < SET_LISTPACK_SAFETY_BYTES;
}

/* Whether an intset plus one more member of len bytes fits the listpack thresholds, judged
 * by its widest member (its minimum or maximum), as Redis 7.2 does. */
static bool intset_can_become_listpack(const struct intset *is, size_t len)
{
    uint32_t n = intset_len(is);
    size_t widest = 0;
    if (n > 0) {
        char buf[NUM_LL_STR_MAX];
        size_t lmin = num_ll_to_str(buf, intset_get(is, 0));
        size_t lmax = num_ll_to_str(buf, intset_get(is, n - 1));
        widest = lmin > lmax ? lmin : lmax;
    }
    /* Every listpack integer entry takes at most 10 bytes (9 + backlen). */
    return n < (unsigned long long)srv.cfg.set_max_listpack_entries &&
           len <= (unsigned long long)srv.cfg.set_max_listpack_value &&
           widest <= (unsigned long long)srv.cfg.set_max_listpack_value &&
           (size_t)n * 10 + len < SET_LISTPACK_SAFETY_BYTES;
}

/* Adds a member, converting the encoding when the member or the new size calls for it.
 * Returns false if it was there already. */
static bool set_add(struct kv *kv, const char *s, size_t len)
{
    if (kv->enc == KV_ENC_INTSET) {
        long long v;
        if (num_parse_ll(s, len, &v) == 0) {
            bool added;
            kv->v.ptr = intset_add(kv->v.ptr, v, &added);
            uint32_t n = intset_len(kv->v.ptr);
            if (added && n > (unsigned long long)srv.cfg.set_max_intset_entries)
                set_convert(kv, KV_ENC_HASHTABLE, n);
            return added;
        }
        /* Not an integer, so not a member: convert, then add below. */
        uint32_t n = intset_len(kv->v.ptr);
        set_convert(kv, intset_can_become_listpack(kv->v.ptr, len) ? KV_ENC_LISTPACK
                                                                    : KV_ENC_HASHTABLE,
                    (size_t)n + 1);
    }
    if (kv->enc == KV_ENC_LISTPACK) {
        unsigned char *lp = kv->v.ptr;
        if (lp_find(lp, lp_first(lp), (const unsigned char *)s, len, 0))
            return false;
        unsigned long n = lp_length(lp);
        if (listpack_can_take(lp, n, len)) {
            kv->v.ptr = lp_append(lp, (const unsigned char *)s, len);
            return true;
        }
        set_convert(kv, KV_ENC_HASHTABLE, n + 1);
        dict_add(kv->v.ptr, &member_new(s, len)->node);
        return true;
    }
    struct dict *d = kv->v.ptr;
    if (dict_find(d, s, len))
        return false;
    dict_add(d, &member_new(s, len)->node);
    return true;
}

/* Removes a member; false if it was absent. Never converts. */
static bool set_remove(struct kv *kv, const char *s, size_t len)
{
    switch (kv->enc) {
    case KV_ENC_INTSET: {
        long long v;
        bool removed = false;
        if (num_parse_ll(s, len, &v) == 0)
            kv->v.ptr = intset_remove(kv->v.ptr, v, &removed);
        return removed;
    }
    case KV_ENC_LISTPACK: {
        unsigned char *lp = kv->v.ptr;
        unsigned char *p = lp_find(lp, lp_first(lp), (const unsigned char *)s, len, 0);
        if (!p)
            return false;
        kv->v.ptr = lp_delete(lp, p, NULL);
        return true;
    }
    default: {
        struct dict_node *node = dict_unlink(kv->v.ptr, s, len);
        mem_free(node);
        return node != NULL;
    }
    }
}

/* Removes an element the set handed out; its bytes are dead afterwards. */
static void set_remove_elem(struct kv *kv, const struct set_elem *e)
{
    if (e->is_int && kv->enc == KV_ENC_INTSET) {
        kv->v.ptr = intset_remove(kv->v.ptr, e->ll, NULL);
        return;
    }
    set_remove(kv, e->p, e->len);
}

/* A new entry for a set about to receive about `hint` members, the first being `first`:
 * intset if that one is an integer and the hint fits, else listpack if the hint fits,
 * else a hashtable sized for the hint (Redis 7.2's setTypeCreate). */
static struct kv *set_create(const char *key, size_t klen, const struct cmd_arg *first,
                             size_t hint)
{
    long long v;
    if (first && num_parse_ll(first->ptr, first->len, &v) == 0 &&
        hint <= (unsigned long long)srv.cfg.set_max_intset_entries)
        return kv_new_ptr(key, klen, KV_SET, KV_ENC_INTSET, intset_new(), -1);
    if (hint <= (unsigned long long)srv.cfg.set_max_listpack_entries)
        return kv_new_ptr(key, klen, KV_SET, KV_ENC_LISTPACK, lp_new(0), -1);
    return kv_new_ptr(key, klen, KV_SET, KV_ENC_HASHTABLE, ht_new(hint), -1);
}

/* An empty set that grows from an intset, for results (Redis starts its results that way). */
static struct kv *set_create_result(const char *key, size_t klen)
{
    return kv_new_ptr(key, klen, KV_SET, KV_ENC_INTSET, intset_new(), -1);
}

/* ---- shared command helpers ---- */

/* Looks a key up; *out is NULL when it is missing. Replies WRONGTYPE and returns false when
 * it holds another type. */
static bool set_lookup_or_reply(struct client *c, const struct cmd_arg *key, int flags,
                                struct kv **out)
{
    struct kv *kv = db_lookup(c->db, key->ptr, key->len, flags);
    if (kv && kv->type != KV_SET) {
        reply_error_wrongtype(c);
        return false;
    }
    *out = kv;
    return true;
}

static void set_notify(struct client *c, int cls, const char *event, const struct cmd_arg *key)
{
    pubsub_notify_keyspace(cls, event, key->ptr, key->len, db_id(c->db));
}

/* Deletes a set that has just become empty and says so. */
static void set_delete_emptied(struct client *c, const struct cmd_arg *key)
{
    db_delete(c->db, key->ptr, key->len);
    set_notify(c, NOTIFY_GENERIC, "del", key);
}

static void reply_elem(struct client *c, const struct set_elem *e)
{
    reply_bulk(c, e->p, e->len);
}

/* Replies with every member; RESP3 clients get a set. */
static void reply_whole_set(struct client *c, const struct kv *kv, bool as_set)
{
    struct set_iter it;
    struct set_elem e;
    if (as_set)
        reply_set(c, (long long)set_size(kv));
    else
        reply_array(c, (long long)set_size(kv));
    set_iter_init(&it, kv);
    while (set_iter_next(&it, &e))
        reply_elem(c, &e);
    set_iter_release(&it);
}

/* A member remembered for a reply whose length is known only at the end (SINTER, SSCAN):
 * borrowed bytes, or for integer encodings the value itself. */
struct set_ref {
    const char *p; /* NULL: the integer ll */
    size_t len;
    long long ll;
};

struct ref_vec {
    struct set_ref *v;
    size_t n;
    size_t cap;
};

static void refs_push(struct ref_vec *rv, const struct set_elem *e)
{
    if (rv->n == rv->cap) {
        rv->cap = rv->cap ? rv->cap * 2 : 16;
        rv->v = mem_realloc(rv->v, rv->cap * sizeof *rv->v);
    }
    struct set_ref *r = &rv->v[rv->n++];
    r->p = e->is_int ? NULL : e->p;
    r->len = e->len;
    r->ll = e->ll;
}

static void reply_refs(struct client *c, const struct ref_vec *rv)
{
    for (size_t i = 0; i < rv->n; i++) {
        if (rv->v[i].p)
            reply_bulk(c, rv->v[i].p, rv->v[i].len);
        else
            reply_bulk_ll(c, rv->v[i].ll);
    }
}

/* ---- single-key commands ---- */

void cmd_sadd(struct client *c)
{
    const struct cmd_arg *key = &c->argv[1];
    struct kv *kv;
    if (!set_lookup_or_reply(c, key, DB_LOOKUP_WRITE, &kv))
        return;
    if (!kv) {
        kv = set_create(key->ptr, key->len, &c->argv[2], (size_t)c->argc - 2);
        db_add(c->db, kv);
    }
    long long added = 0;
    for (int j = 2; j < c->argc; j++)
        added += set_add(kv, c->argv[j].ptr, c->argv[j].len);
    if (added) {
        set_notify(c, NOTIFY_SET, "sadd", key);
        server_dirty(added);
    }
    reply_integer(c, added);
}

void cmd_srem(struct client *c)
{
    const struct cmd_arg *key = &c->argv[1];
    struct kv *kv;
    if (!set_lookup_or_reply(c, key, DB_LOOKUP_WRITE, &kv))
        return;
    if (!kv) {
        reply_integer(c, 0);
        return;
    }
    long long removed = 0;
    bool emptied = false;
    for (int j = 2; j < c->argc && !emptied; j++) {
        if (set_remove(kv, c->argv[j].ptr, c->argv[j].len)) {
            removed++;
            emptied = set_size(kv) == 0;
        }
    }
    if (removed) {
        set_notify(c, NOTIFY_SET, "srem", key);
        if (emptied)
            set_delete_emptied(c, key);
        server_dirty(removed);
    }
    reply_integer(c, removed);
}

void cmd_smembers(struct client *c)
{
    struct kv *kv;
    if (!set_lookup_or_reply(c, &c->argv[1], 0, &kv))
        return;
    if (!kv) {
        reply_set(c, 0);
        return;
    }
    reply_whole_set(c, kv, true);
}

void cmd_sismember(struct client *c)
{
    struct kv *kv;
    if (!set_lookup_or_reply(c, &c->argv[1], 0, &kv))
        return;
    reply_integer(c, kv && set_has(kv, c->argv[2].ptr, c->argv[2].len));
}

void cmd_smismember(struct client *c)
{
    struct kv *kv;
    if (!set_lookup_or_reply(c, &c->argv[1], 0, &kv))
        return;
    reply_array(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++)
        reply_integer(c, kv && set_has(kv, c->argv[j].ptr, c->argv[j].len));
}

void cmd_scard(struct client *c)
{
    struct kv *kv;
    if (!set_lookup_or_reply(c, &c->argv[1], 0, &kv))
        return;
    reply_integer(c, kv ? (long long)set_size(kv) : 0);
}

/* ---- SPOP ---- */

/* Members per SREM when SPOP's pops are propagated: Redis's batch, big enough to keep the
 * stream compact, small enough that no single command gets huge. */
#define SPOP_PROPAGATE_BATCH 1024

/* The members SPOP removed, gathered into SREM commands: the pick is random, so the
 * stream must name what was picked. Members are copied, since each one's bytes die with
 * its removal. */
struct srem_batch {
    struct client *c;
    const struct cmd_arg *key;
    struct sbuf bytes;                  /* the members, back to back */
    size_t lens[SPOP_PROPAGATE_BATCH];  /* their lengths, in order */
    int n;
};

static void srem_batch_flush(struct srem_batch *b)
{
    if (b->n == 0)
        return;
    struct cmd_arg *argv = mem_alloc(sizeof *argv * (size_t)(b->n + 2));
    argv[0] = (struct cmd_arg){"SREM", 4};
    argv[1] = *b->key;
    size_t off = 0;
    for (int i = 0; i < b->n; i++) {
        argv[i + 2] = (struct cmd_arg){b->bytes.data + off, b->lens[i]};
        off += b->lens[i];
    }
    propagate_also(db_id(b->c->db), b->n + 2, argv);
    mem_free(argv);
    b->bytes.len = 0;
    b->n = 0;
}

static void srem_batch_add(struct srem_batch *b, const struct set_elem *e)
{
    sbuf_catlen(&b->bytes, e->p, e->len);
    b->lens[b->n++] = e->len;
    if (b->n == SPOP_PROPAGATE_BATCH)
        srem_batch_flush(b);
}

/* Flushes the rest; the SREMs replace the SPOP itself in the stream. */
static void srem_batch_finish(struct srem_batch *b)
{
    srem_batch_flush(b);
    sbuf_free(&b->bytes);
    propagate_prevent();
}

/* SPOP key count: the three strategies of Redis, chosen by count against the size. */
static void spop_with_count(struct client *c)
{
    const struct cmd_arg *key = &c->argv[1];
    long long count;
    if (num_parse_ll(c->argv[2].ptr, c->argv[2].len, &count) < 0 || count < 0) {
        reply_error(c, "ERR value is out of range, must be positive");
        return;
    }
    struct kv *kv;
    if (!set_lookup_or_reply(c, key, DB_LOOKUP_WRITE, &kv))
        return;
    if (!kv || count == 0) {
        reply_set(c, 0);
        return;
    }
    unsigned long size = set_size(kv);
    set_notify(c, NOTIFY_SET, "spop", key);
    server_dirty((unsigned long long)count >= size ? (long long)size : count);

    /* Everything goes: reply with the whole set and drop the key. */
    if ((unsigned long long)count >= size) {
        reply_whole_set(c, kv, true);
        set_delete_emptied(c, key);
        propagate_replace_key("DEL", key);
        return;
    }

    struct set_elem e;
    struct srem_batch *batch = mem_alloc(sizeof *batch);
    *batch = (struct srem_batch){.c = c, .key = key, .bytes = SBUF_INIT, .n = 0};
    unsigned long remaining = size - (unsigned long)count;
    if (remaining * SPOP_MOVE_STRATEGY_MUL > (unsigned long)count) {
        /* Few to pop compared to the size: pick and remove them one by one. */
        reply_set(c, count);
        for (long long i = 0; i < count; i++) {
            set_random(kv, &e);
            reply_elem(c, &e);
            srem_batch_add(batch, &e);
            set_remove_elem(kv, &e);
        }
        srem_batch_finish(batch);
        mem_free(batch);
        return;
    }

    /* Nearly everything goes: move the few survivors into a new set, reply with what is
     * left of the old one, and make the new one the key's value. */
    struct kv *keep = NULL;
    while (remaining-- > 0) {
        set_random(kv, &e);
        if (!keep) {
            struct cmd_arg first = {(char *)e.p, e.len};
            keep = set_create("", 0, &first, remaining + 1);
        }
        set_add(keep, e.p, e.len);
        set_remove_elem(kv, &e);
    }
    reply_whole_set(c, kv, true);
    struct set_iter it;
    set_iter_init(&it, kv);
    while (set_iter_next(&it, &e))
        srem_batch_add(batch, &e);
    set_iter_release(&it);
    srem_batch_finish(batch);
    mem_free(batch);
    void *old_ptr = kv->v.ptr;
    unsigned old_enc = kv->enc;
    kv->v.ptr = keep->v.ptr;
    kv->enc = keep->enc;
    keep->v.ptr = old_ptr;
    keep->enc = old_enc;
    kv_free(keep);
}

void cmd_spop(struct client *c)
{
    if (c->argc == 3) {
        spop_with_count(c);
        return;
    }
    if (c->argc > 3) {
        reply_error_syntax(c);
        return;
    }
    const struct cmd_arg *key = &c->argv[1];
    struct kv *kv;
    if (!set_lookup_or_reply(c, key, DB_LOOKUP_WRITE, &kv))
        return;
    if (!kv) {
        reply_null(c);
        return;
    }
    struct set_elem e;
    set_random(kv, &e);
    set_notify(c, NOTIFY_SET, "spop", key);
    reply_elem(c, &e);
    /* The pick is random: the stream names the member. */
    struct cmd_arg argv[3] = {{"SREM", 4}, *key, {(char *)e.p, e.len}};
    propagate_replace(3, argv);
    set_remove_elem(kv, &e);
    if (set_size(kv) == 0)
        set_delete_emptied(c, key);
    server_dirty(1);
}

/* ---- SRANDMEMBER ---- */

/* SRANDMEMBER key count: with repetition for a negative count, else distinct members by
 * Redis's strategies (whole set; copy and subtract; add until enough). */
static void srandmember_with_count(struct client *c)
{
    long long l;
    if (num_parse_ll(c->argv[2].ptr, c->argv[2].len, &l) < 0) {
        reply_error_not_int(c);
        return;
    }
    if (l == LLONG_MIN) {
        reply_error(c, "ERR value is out of range, value must between -9223372036854775807 "
                       "and 9223372036854775807");
        return;
    }
    bool distinct = l >= 0;
    unsigned long long count = (unsigned long long)(l < 0 ? -l : l);
    struct kv *kv;
    if (!set_lookup_or_reply(c, &c->argv[1], 0, &kv))
        return;
    if (!kv || count == 0) {
        reply_array(c, 0);
        return;
    }
    unsigned long size = set_size(kv);
    struct set_elem e;

    if (!distinct || count == 1) {
        struct set_sampler sampler;
        set_sampler_init(&sampler, kv);
        reply_array(c, (long long)count);
        for (unsigned long long i = 0; i < count; i++) {
            set_sampler_pick(&sampler, &e);
            reply_elem(c, &e);
        }
        set_sampler_release(&sampler);
        return;
    }
    if (count >= size) {
        reply_whole_set(c, kv, false);
        return;
    }

    /* Collect distinct members in a scratch hashtable, then reply with it. */
    struct kv *pick = kv_new_ptr("", 0, KV_SET, KV_ENC_HASHTABLE, ht_new(0), -1);
    if (count * SRANDMEMBER_SUB_STRATEGY_MUL > size) {
        struct set_iter it;
        dict_reserve(pick->v.ptr, size);
        set_iter_init(&it, kv);
        while (set_iter_next(&it, &e))
            dict_add(pick->v.ptr, &member_new(e.p, e.len)->node);
        set_iter_release(&it);
        for (unsigned long n = size; n > count; n--) {
            set_random(pick, &e);
            set_remove_elem(pick, &e);
        }
    } else {
        struct set_sampler sampler;
        set_sampler_init(&sampler, kv);
        dict_reserve(pick->v.ptr, count);
        while (set_size(pick) < count) {
            set_sampler_pick(&sampler, &e);
            set_add(pick, e.p, e.len);
        }
        set_sampler_release(&sampler);
    }
    reply_whole_set(c, pick, false);
    kv_free(pick);
}

void cmd_srandmember(struct client *c)
{
    if (c->argc == 3) {
        srandmember_with_count(c);
        return;
    }
    if (c->argc > 3) {
        reply_error_syntax(c);
        return;
    }
    struct kv *kv;
    if (!set_lookup_or_reply(c, &c->argv[1], 0, &kv))
        return;
    if (!kv) {
        reply_null(c);
        return;
    }
    struct set_elem e;
    set_random(kv, &e);
    reply_elem(c, &e);
}

/* ---- SMOVE ---- */

void cmd_smove(struct client *c)
{
    const struct cmd_arg *src_key = &c->argv[1];
    const struct cmd_arg *dst_key = &c->argv[2];
    const struct cmd_arg *member = &c->argv[3];
    struct kv *src = db_lookup(c->db, src_key->ptr, src_key->len, DB_LOOKUP_WRITE);
    struct kv *dst = db_lookup(c->db, dst_key->ptr, dst_key->len, DB_LOOKUP_WRITE);
    if (!src) {
        reply_integer(c, 0);
        return;
    }
    if (src->type != KV_SET || (dst && dst->type != KV_SET)) {
        reply_error_wrongtype(c);
        return;
    }
    if (src == dst) {
        reply_integer(c, set_has(src, member->ptr, member->len));
        return;
    }
    if (!set_remove(src, member->ptr, member->len)) {
        reply_integer(c, 0);
        return;
    }
    set_notify(c, NOTIFY_SET, "srem", src_key);
    if (set_size(src) == 0)
        set_delete_emptied(c, src_key);
    if (!dst) {
        dst = set_create(dst_key->ptr, dst_key->len, member, 1);
        db_add(c->db, dst);
    }
    server_dirty(1);
    if (set_add(dst, member->ptr, member->len)) {
        server_dirty(1);
        set_notify(c, NOTIFY_SET, "sadd", dst_key);
    }
    reply_integer(c, 1);
}

/* ---- set algebra ---- */

/* Looks up every source key: missing ones are NULL. Replies WRONGTYPE and returns NULL on
 * the first key of another type; otherwise the caller frees the array. */
static struct kv **set_lookup_all_or_reply(struct client *c, const struct cmd_arg *keys,
                                           int nkeys)
{
    struct kv **sets = mem_alloc((size_t)nkeys * sizeof *sets);
    for (int j = 0; j < nkeys; j++) {
        if (!set_lookup_or_reply(c, &keys[j], 0, &sets[j])) {
            mem_free(sets);
            return NULL;
        }
    }
    return sets;
}

/* Makes `result` the value of dst (replacing whatever was there), or deletes dst when the
 * result is empty; replies with the cardinality as every *STORE command does. */
static void set_store_result(struct client *c, const struct cmd_arg *dst, struct kv *result,
                             const char *event)
{
    unsigned long size = set_size(result);
    if (size == 0) {
        kv_free(result);
        reply_integer(c, 0);
        if (db_delete(c->db, dst->ptr, dst->len)) {
            server_dirty(1);
            set_notify(c, NOTIFY_GENERIC, "del", dst);
        }
        return;
    }
    struct kv *old = db_lookup(c->db, dst->ptr, dst->len, DB_LOOKUP_WRITE | DB_LOOKUP_NOTOUCH);
    if (old)
        db_replace(c->db, old, result);
    else
        db_add(c->db, result);
    reply_integer(c, (long long)size);
    set_notify(c, NOTIFY_SET, event, dst);
    server_dirty(1);
}

static int cmp_by_size(const void *a, const void *b)
{
    unsigned long sa = set_size(*(struct kv *const *)a);
    unsigned long sb = set_size(*(struct kv *const *)b);
    return sa < sb ? -1 : sa > sb;
}

/* Missing keys sort as empty sets. */
static int cmp_by_size_desc(const void *a, const void *b)
{
    const struct kv *ka = *(struct kv *const *)a, *kb = *(struct kv *const *)b;
    unsigned long sa = ka ? set_size(ka) : 0;
    unsigned long sb = kb ? set_size(kb) : 0;
    return sa > sb ? -1 : sa < sb;
}

/* True if e is in every set but sets[0] (which it comes from). */
static bool in_all_others(struct kv **sets, int nsets, const struct set_elem *e)
{
    for (int j = 1; j < nsets; j++) {
        if (sets[j] != sets[0] && !set_has_elem(sets[j], e))
            return false;
    }
    return true;
}

/* SINTER, SINTERCARD (cardinality only, stopping at limit if not 0) and SINTERSTORE (dst).
 * Walks the smallest set and probes the others: O(N*M) with N the smallest size. */
static void sinter_generic(struct client *c, const struct cmd_arg *keys, int nkeys,
                           const struct cmd_arg *dst, bool card_only, unsigned long long limit)
{
    struct kv **sets = set_lookup_all_or_reply(c, keys, nkeys);
    if (!sets)
        return;
    bool empty = false;
    for (int j = 0; j < nkeys; j++)
        empty |= sets[j] == NULL;
    if (empty) {
        mem_free(sets);
        if (dst)
            set_store_result(c, dst, set_create_result(dst->ptr, dst->len), "sinterstore");
        else if (card_only)
            reply_integer(c, 0);
        else
            reply_set(c, 0);
        return;
    }
    qsort(sets, (size_t)nkeys, sizeof *sets, cmp_by_size);

    struct kv *result = dst ? set_create_result(dst->ptr, dst->len) : NULL;
    struct ref_vec refs = {0};
    unsigned long long card = 0;
    struct set_iter it;
    struct set_elem e;
    set_iter_init(&it, sets[0]);
    while (set_iter_next(&it, &e)) {
        if (!in_all_others(sets, nkeys, &e))
            continue;
        card++;
        if (result)
            set_add(result, e.p, e.len);
        else if (!card_only)
            refs_push(&refs, &e);
        else if (limit && card >= limit)
            break;
    }
    set_iter_release(&it);

    if (result) {
        set_store_result(c, dst, result, "sinterstore");
    } else if (card_only) {
        reply_integer(c, (long long)card);
    } else {
        reply_set(c, (long long)refs.n);
        reply_refs(c, &refs);
    }
    mem_free(refs.v);
    mem_free(sets);
}

void cmd_sinter(struct client *c)
{
    sinter_generic(c, &c->argv[1], c->argc - 1, NULL, false, 0);
}

void cmd_sinterstore(struct client *c)
{
    sinter_generic(c, &c->argv[2], c->argc - 2, &c->argv[1], false, 0);
}

void cmd_sintercard(struct client *c)
{
    long long numkeys;
    if (num_parse_ll(c->argv[1].ptr, c->argv[1].len, &numkeys) < 0 || numkeys < 1) {
        reply_error(c, "ERR numkeys should be greater than 0");
        return;
    }
    if (numkeys > c->argc - 2) {
        reply_error(c, "ERR Number of keys can't be greater than number of args");
        return;
    }
    long long limit = 0;
    for (int j = 2 + (int)numkeys; j < c->argc; j++) {
        if (client_arg_is(&c->argv[j], "limit") && j + 1 < c->argc) {
            j++;
            if (num_parse_ll(c->argv[j].ptr, c->argv[j].len, &limit) < 0 || limit < 0) {
                reply_error(c, "ERR LIMIT can't be negative");
                return;
            }
        } else {
            reply_error_syntax(c);
            return;
        }
    }
    sinter_generic(c, &c->argv[2], (int)numkeys, NULL, true, (unsigned long long)limit);
}

enum set_op { SET_OP_UNION, SET_OP_DIFF };

/* Which SDIFF algorithm does less work: 1 probes every member of the first set against the
 * others (O(N*M)), 2 copies the first set and removes the others' members (O(N)); 1 gets a
 * 2x advantage for its lower constants, as in Redis. */
static int sdiff_algorithm(struct kv **sets, int nsets)
{
    unsigned long long work1 = 0, work2 = 0;
    for (int j = 0; j < nsets; j++) {
        if (!sets[j])
            continue;
        work1 += set_size(sets[0]);
        work2 += set_size(sets[j]);
    }
    return work1 / 2 <= work2 ? 1 : 2;
}

static void add_all(struct kv *result, const struct kv *src)
{
    struct set_iter it;
    struct set_elem e;
    set_iter_init(&it, src);
    while (set_iter_next(&it, &e))
        set_add(result, e.p, e.len);
    set_iter_release(&it);
}

/* Members of sets[0] found in none of the others (probing, algorithm 1). */
static void sdiff_probe(struct kv *result, struct kv **sets, int nsets)
{
    struct set_iter it;
    struct set_elem e;
    set_iter_init(&it, sets[0]);
    while (set_iter_next(&it, &e)) {
        bool found = false;
        for (int j = 1; j < nsets && !found; j++)
            found = sets[j] && set_has_elem(sets[j], &e);
        if (!found)
            set_add(result, e.p, e.len);
    }
    set_iter_release(&it);
}

/* sets[0] minus every other set (copy and subtract, algorithm 2). */
static void sdiff_subtract(struct kv *result, struct kv **sets, int nsets)
{
    add_all(result, sets[0]);
    for (int j = 1; j < nsets && set_size(result) > 0; j++) {
        if (!sets[j])
            continue;
        struct set_iter it;
        struct set_elem e;
        set_iter_init(&it, sets[j]);
        while (set_iter_next(&it, &e))
            set_remove(result, e.p, e.len);
        set_iter_release(&it);
    }
}

/* SUNION, SDIFF and their STORE forms (dst not NULL). Missing keys are empty sets. */
static void sunion_diff_generic(struct client *c, const struct cmd_arg *keys, int nkeys,
                                const struct cmd_arg *dst, enum set_op op)
{
    struct kv **sets = set_lookup_all_or_reply(c, keys, nkeys);
    if (!sets)
        return;
    /* SDIFF k ... k: the same set subtracted from itself leaves nothing. */
    bool sameset = false;
    for (int j = 1; j < nkeys; j++)
        sameset |= sets[j] == sets[0];

    struct kv *result = dst ? set_create_result(dst->ptr, dst->len) : set_create_result("", 0);
    if (op == SET_OP_UNION) {
        for (int j = 0; j < nkeys; j++) {
            if (sets[j])
                add_all(result, sets[j]);
        }
    } else if (sets[0] && !sameset) {
        if (sdiff_algorithm(sets, nkeys) == 1) {
            /* Biggest sets first: a member found early is dropped early. */
            qsort(sets + 1, (size_t)nkeys - 1, sizeof *sets, cmp_by_size_desc);
            sdiff_probe(result, sets, nkeys);
        } else {
            sdiff_subtract(result, sets, nkeys);
        }
    }
    mem_free(sets);

    if (dst) {
        set_store_result(c, dst, result, op == SET_OP_UNION ? "sunionstore" : "sdiffstore");
        return;
    }
    reply_whole_set(c, result, true);
    kv_free(result);
}

void cmd_sunion(struct client *c)
{
    sunion_diff_generic(c, &c->argv[1], c->argc - 1, NULL, SET_OP_UNION);
}

void cmd_sunionstore(struct client *c)
{
    sunion_diff_generic(c, &c->argv[2], c->argc - 2, &c->argv[1], SET_OP_UNION);
}

void cmd_sdiff(struct client *c)
{
    sunion_diff_generic(c, &c->argv[1], c->argc - 1, NULL, SET_OP_DIFF);
}

void cmd_sdiffstore(struct client *c)
{
    sunion_diff_generic(c, &c->argv[2], c->argc - 2, &c->argv[1], SET_OP_DIFF);
}

/* ---- SSCAN ---- */

static void sscan_collect(struct dict_node *node, void *arg)
{
    struct set_elem e;
    elem_from_member(&e, node);
    refs_push(arg, &e);
}

static bool ref_matches(const struct set_ref *r, const struct cmd_arg *pattern)
{
    if (r->p)
        return glob_match(pattern->ptr, pattern->len, r->p, r->len, false);
    char buf[NUM_LL_STR_MAX];
    size_t len = num_ll_to_str(buf, r->ll);
    return glob_match(pattern->ptr, pattern->len, buf, len, false);
}

/* SSCAN key cursor [MATCH pattern] [COUNT count]. A hashtable is walked with dict_scan
 * (every member present for the whole scan is returned at least once, even across
 * resizes); the compact encodings return everything at once with cursor 0, as Redis. */
void cmd_sscan(struct client *c)
{
    unsigned long long cursor;
    /* Redis checks the cursor, then the key, then the options. */
    if (!scan_parse_cursor_or_reply(c, &c->argv[2], &cursor))
        return;
    struct kv *kv;
    if (!set_lookup_or_reply(c, &c->argv[1], 0, &kv))
        return;
    if (!kv) {
        scan_reply_header(c, 0, 0);
        return;
    }
    struct scan_opts o;
    if (!scan_parse_or_reply(c, 2, false, &o))
        return;

    struct ref_vec refs = {0};
    if (kv->enc == KV_ENC_HASHTABLE) {
        /* Bounded work per call even when few buckets hold anything. */
        long long budget = o.count > LLONG_MAX / 10 ? LLONG_MAX : o.count * 10;
        do {
            cursor = dict_scan(kv->v.ptr, cursor, sscan_collect, &refs);
        } while (cursor && budget-- > 0 && refs.n < (unsigned long long)o.count);
    } else {
        struct set_iter it;
        struct set_elem e;
        set_iter_init(&it, kv);
        while (set_iter_next(&it, &e))
            refs_push(&refs, &e);
        set_iter_release(&it);
        cursor = 0;
    }
    if (o.match) {
        size_t kept = 0;
        for (size_t i = 0; i < refs.n; i++) {
            if (ref_matches(&refs.v[i], o.match))
                refs.v[kept++] = refs.v[i];
        }
        refs.n = kept;
    }
    scan_reply_header(c, cursor, (long long)refs.n);
    reply_refs(c, &refs);
    mem_free(refs.v);
}

/* ---- the API other modules use (t_set.h) ---- */

struct kv *set_type_new(const char *key, size_t klen, const char *first, size_t flen,
                        size_t hint)
{
    struct cmd_arg a = {(char *)first, flen};
    return set_create(key, klen, &a, hint);
}

bool set_type_add(struct kv *kv, const char *s, size_t len)
{
    return set_add(kv, s, len);
}

unsigned long set_type_size(const struct kv *kv)
{
    return set_size(kv);
}

void set_type_foreach(const struct kv *kv, set_member_fn *fn, void *arg)
{
    struct set_iter it;
    struct set_elem e;
    set_iter_init(&it, kv);
    while (set_iter_next(&it, &e) && fn(e.p, e.len, arg)) {
    }
    set_iter_release(&it);
}
