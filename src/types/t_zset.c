/* t_zset: sorted sets, their two encodings and every Z* command.
 *
 * Encodings (OBJECT ENCODING names are Redis's):
 *   listpack  one listpack of member, score, member, score... ordered by score then member
 *             bytes. Scores are stored as text (integers as listpack integers), exactly as
 *             Redis stores them, so RDB can save the block unchanged.
 *   skiplist  struct zset_big: a member -> node table (dict.h) and a skiplist with spans
 *             (skiplist.h) over the SAME nodes, one allocation per member.
 * A sorted set starts compact and converts for good once it passes zset-max-listpack-entries
 * members or a member longer than zset-max-listpack-value, as Redis does. Only freshly
 * computed results (ZUNIONSTORE...) are built large and compacted when they fit.
 *
 * Commands share one engine per family, as Redis's t_zset.c: zset_add_generic (ZADD,
 * ZINCRBY), zrange_generic (every ZRANGE* form and ZRANGESTORE) over the encoding-neutral
 * cursor zcur, zpop_generic (ZPOP*, BZPOP*, ZMPOP, BZMPOP), zremrange_generic and
 * zsetop_generic (ZUNION/ZINTER/ZDIFF[STORE], ZINTERCARD).
 *
 * Keyspace events are Redis 7.0's: "zadd"/"zincr", "zrem", "zpopmin"/"zpopmax",
 * "zremrangebyrank"/"zremrangebyscore"/"zremrangebylex", "zunionstore", "zinterstore",
 * "zdiffstore", "zrangestore", then "del" when a set is emptied. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cmd/cmd.h"
#include "../core/blocking.h"
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
#include "intset.h"
#include "listpack.h"
#include "skiplist.h"
#include "t_zset.h"

/* Redis converts a listpack to the large encoding before it grows past 1 GiB. */
#define ZSET_LP_SAFE_BYTES (1u << 30)
/* Longest score text zset_score_to_str writes (%.17g of a double), with its NUL. */
#define ZSET_SCORE_STR_MAX 32

/* ---- the skiplist encoding ---- */

struct zset_big {
    struct dict members; /* zsl_node entries, keyed by member */
    struct zsl zsl;      /* the same nodes in score order */
};

static struct zset_big *zbig_new(size_t size_hint)
{
    struct zset_big *z = mem_alloc(sizeof *z);
    dict_init(&z->members, zsl_node_key);
    if (size_hint > 1)
        dict_reserve(&z->members, size_hint);
    zsl_init(&z->zsl);
    return z;
}

static void zbig_free(struct zset_big *z)
{
    /* The skiplist owns the nodes; the table only links them. */
    dict_clear(&z->members, NULL, NULL);
    zsl_free(&z->zsl);
    mem_free(z);
}

static struct zsl_node *zbig_find(struct zset_big *z, const char *m, size_t len)
{
    return (struct zsl_node *)dict_find(&z->members, m, len);
}

static void zbig_insert(struct zset_big *z, double score, const char *m, size_t len)
{
    struct zsl_node *n = zsl_node_new(score, m, len);
    dict_add(&z->members, &n->dnode);
    zsl_insert(&z->zsl, n);
}

/* A zsl_gone_fn: the node left the skiplist, now it leaves the table and memory. */
static void zbig_node_gone(struct zsl_node *n, void *arg)
{
    struct zset_big *z = arg;
    dict_unlink(&z->members, zsl_member(n), n->mlen);
    zsl_node_free(n);
}

static void zbig_delete_node(struct zset_big *z, struct zsl_node *n)
{
    zsl_unlink(&z->zsl, n);
    zbig_node_gone(n, z);
}

/* ---- score text, shared by the listpack encoding and ZSCAN ---- */

/* Redis's d2string: integers print as integers and -0 as "0"; the rest as %.17g. */
static size_t zset_score_to_str(char *buf, double score)
{
    if (score == 0) {
        buf[0] = '0';
        buf[1] = '\0';
        return 1;
    }
    return num_double_to_str(buf, ZSET_SCORE_STR_MAX, score);
}

/* A score as ZADD/ZINCRBY/WEIGHTS accept it (Redis's getDoubleFromObject): the whole
 * argument, no leading space, no NaN, no overflow to infinity or underflow to zero (but
 * "inf" spelled out is fine). */
static int zset_parse_score(const struct cmd_arg *a, double *out)
{
    if (a->len == 0 || isspace((unsigned char)a->ptr[0]))
        return -1;
    char *end;
    errno = 0;
    double v = strtod(a->ptr, &end);
    if ((size_t)(end - a->ptr) != a->len || isnan(v) ||
        (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)))
        return -1;
    *out = v;
    return 0;
}

static bool zset_parse_score_or_reply(struct client *c, const struct cmd_arg *a, double *out,
                                      const char *err)
{
    if (zset_parse_score(a, out) == 0)
        return true;
    reply_error(c, err ? err : "ERR value is not a valid float");
    return false;
}

/* ---- the listpack encoding ---- */

static double zlp_score_at(const unsigned char *sptr)
{
    struct lp_value v;
    lp_get_value(sptr, &v);
    if (!v.sval)
        return (double)v.lval;
    /* As Redis's zzlStrtod: at most 127 bytes of text are looked at. */
    char buf[128];
    size_t n = v.slen < sizeof buf - 1 ? v.slen : sizeof buf - 1;
    memcpy(buf, v.sval, n);
    buf[n] = '\0';
    return strtod(buf, NULL);
}

static size_t zlp_len(const unsigned char *lp)
{
    return lp_length(lp) / 2;
}

/* The member element of the pair whose member equals m, with its score; NULL if absent. */
static unsigned char *zlp_find(unsigned char *lp, const char *m, size_t len, double *score)
{
    unsigned char *first = lp_first(lp);
    if (!first)
        return NULL;
    unsigned char *eptr = lp_find(lp, first, (const unsigned char *)m, len, 1);
    if (eptr && score)
        *score = zlp_score_at(lp_next(lp, eptr));
    return eptr;
}

static int zlp_cmp_member(const unsigned char *eptr, const char *m, size_t len)
{
    unsigned char buf[LP_INTBUF_SIZE];
    size_t elen;
    const unsigned char *e = lp_get(eptr, &elen, buf);
    return zsl_cmp_bytes((const char *)e, elen, m, len);
}

/* Inserts the pair at its place in (score, member) order. */
static unsigned char *zlp_insert(unsigned char *lp, const char *m, size_t len, double score)
{
    char sbuf[ZSET_SCORE_STR_MAX];
    size_t slen = zset_score_to_str(sbuf, score);
    unsigned char *eptr = lp_first(lp);
    while (eptr) {
        unsigned char *sptr = lp_next(lp, eptr);
        double s = zlp_score_at(sptr);
        if (s > score || (s == score && zlp_cmp_member(eptr, m, len) > 0))
            break;
        eptr = lp_next(lp, sptr);
    }
    if (!eptr) {
        lp = lp_append(lp, (const unsigned char *)m, len);
        return lp_append(lp, (const unsigned char *)sbuf, slen);
    }
    unsigned char *newp;
    lp = lp_insert(lp, (const unsigned char *)m, len, eptr, LP_BEFORE, &newp);
    return lp_insert(lp, (const unsigned char *)sbuf, slen, newp, LP_AFTER, NULL);
}

/* Deletes the pair whose member element is eptr. */
static unsigned char *zlp_delete(unsigned char *lp, unsigned char *eptr)
{
    unsigned char *sptr;
    lp = lp_delete(lp, eptr, &sptr);
    return lp_delete(lp, sptr, NULL);
}

/* ---- a sorted set value, whatever its encoding ---- */

static size_t zset_len(const struct kv *kv)
{
    if (kv->enc == KV_ENC_LISTPACK)
        return zlp_len(kv->v.ptr);
    return ((const struct zset_big *)kv->v.ptr)->zsl.length;
}

/* A new, unlinked sorted set entry for `key`, compact when size_hint members of up to
 * maxlen bytes would fit (Redis's zsetTypeCreate). */
static struct kv *zset_kv_new(const struct cmd_arg *key, size_t size_hint, size_t maxlen)
{
    if ((long long)size_hint <= srv.cfg.zset_max_listpack_entries &&
        (long long)maxlen <= srv.cfg.zset_max_listpack_value)
        return kv_new_ptr(key->ptr, key->len, KV_ZSET, KV_ENC_LISTPACK, lp_new(0), -1);
    return kv_new_ptr(key->ptr, key->len, KV_ZSET, KV_ENC_SKIPLIST, zbig_new(size_hint), -1);
}

static void zset_convert_to_big(struct kv *kv)
{
    unsigned char *lp = kv->v.ptr;
    struct zset_big *z = zbig_new(zlp_len(lp));
    unsigned char buf[LP_INTBUF_SIZE];
    for (unsigned char *eptr = lp_first(lp); eptr; eptr = lp_next(lp, lp_next(lp, eptr))) {
        size_t len;
        const unsigned char *m = lp_get(eptr, &len, buf);
        zbig_insert(z, zlp_score_at(lp_next(lp, eptr)), (const char *)m, len);
    }
    lp_free(lp);
    kv->enc = KV_ENC_SKIPLIST;
    kv->v.ptr = z;
}

/* Makes a freshly built large result compact when it fits (Redis's
 * zsetConvertToListpackIfNeeded); maxlen and totlen are its longest and total member bytes. */
static void zset_compact_if_fits(struct kv *kv, size_t maxlen, size_t totlen)
{
    struct zset_big *z = kv->v.ptr;
    if (kv->enc != KV_ENC_SKIPLIST || (long long)z->zsl.length > srv.cfg.zset_max_listpack_entries ||
        (long long)maxlen > srv.cfg.zset_max_listpack_value || totlen >= ZSET_LP_SAFE_BYTES)
        return;
    unsigned char *lp = lp_new(totlen + z->zsl.length * 4);
    char sbuf[ZSET_SCORE_STR_MAX];
    for (struct zsl_node *n = z->zsl.header->level[0].forward; n; n = n->level[0].forward) {
        lp = lp_append(lp, (const unsigned char *)zsl_member(n), n->mlen);
        size_t slen = zset_score_to_str(sbuf, n->score);
        lp = lp_append(lp, (const unsigned char *)sbuf, slen);
    }
    zbig_free(z);
    kv->enc = KV_ENC_LISTPACK;
    kv->v.ptr = lp;
}

static bool zset_score(const struct kv *kv, const char *m, size_t len, double *score)
{
    if (kv->enc == KV_ENC_LISTPACK)
        return zlp_find(kv->v.ptr, m, len, score) != NULL;
    struct zsl_node *n = zbig_find(kv->v.ptr, m, len);
    if (n)
        *score = n->score;
    return n != NULL;
}

static bool zset_remove(struct kv *kv, const char *m, size_t len)
{
    if (kv->enc == KV_ENC_LISTPACK) {
        unsigned char *eptr = zlp_find(kv->v.ptr, m, len, NULL);
        if (eptr)
            kv->v.ptr = zlp_delete(kv->v.ptr, eptr);
        return eptr != NULL;
    }
    struct zset_big *z = kv->v.ptr;
    struct zsl_node *n = zbig_find(z, m, len);
    if (n)
        zbig_delete_node(z, n);
    return n != NULL;
}

/* 0-based rank from the low end (or from the high end when reverse). */
static bool zset_rank(const struct kv *kv, const char *m, size_t len, bool reverse, size_t *rank)
{
    size_t total = zset_len(kv);
    size_t r = 0;
    if (kv->enc == KV_ENC_LISTPACK) {
        unsigned char *lp = kv->v.ptr;
        unsigned char *eptr = lp_first(lp);
        while (eptr && !lp_eq(eptr, (const unsigned char *)m, len)) {
            eptr = lp_next(lp, lp_next(lp, eptr));
            r++;
        }
        if (!eptr)
            return false;
    } else {
        struct zset_big *z = kv->v.ptr;
        struct zsl_node *n = zbig_find(z, m, len);
        if (!n)
            return false;
        r = zsl_rank_of(&z->zsl, n) - 1;
    }
    *rank = reverse ? total - 1 - r : r;
    return true;
}

/* ZADD's input flags and outcome, as Redis's zsetAdd. */
enum zadd_in {
    ZADD_IN_INCR = 1 << 0,
    ZADD_IN_NX = 1 << 1,
    ZADD_IN_XX = 1 << 2,
    ZADD_IN_GT = 1 << 3,
    ZADD_IN_LT = 1 << 4,
};

enum zadd_out {
    ZADD_OUT_NOP = 1 << 0,     /* nothing done because of NX/XX/GT/LT */
    ZADD_OUT_NAN = 1 << 1,     /* the increment made the score NaN: nothing done */
    ZADD_OUT_ADDED = 1 << 2,
    ZADD_OUT_UPDATED = 1 << 3,
};

/* Decides what an existing member's score becomes; false (with *out set) when it stays. */
static bool zset_add_decide(unsigned in, double cur, double *score, unsigned *out)
{
    if (in & ZADD_IN_NX) {
        *out |= ZADD_OUT_NOP;
        return false;
    }
    if (in & ZADD_IN_INCR) {
        *score += cur;
        if (isnan(*score)) {
            *out |= ZADD_OUT_NAN;
            return false;
        }
    }
    if (((in & ZADD_IN_LT) && *score >= cur) || ((in & ZADD_IN_GT) && *score <= cur)) {
        *out |= ZADD_OUT_NOP;
        return false;
    }
    return true;
}

/* Adds or updates one member (Redis's zsetAdd). *newscore gets the member's score after
 * the call when something was processed. Converts the encoding when needed. */
static void zset_add(struct kv *kv, double score, const char *m, size_t len, unsigned in,
                     unsigned *out, double *newscore)
{
    *out = 0;
    double cur;
    if (kv->enc == KV_ENC_LISTPACK) {
        unsigned char *eptr = zlp_find(kv->v.ptr, m, len, &cur);
        if (eptr) {
            if (!zset_add_decide(in, cur, &score, out))
                return;
            *newscore = score;
            if (score != cur) {
                kv->v.ptr = zlp_insert(zlp_delete(kv->v.ptr, eptr), m, len, score);
                *out |= ZADD_OUT_UPDATED;
            }
            return;
        }
        if (in & ZADD_IN_XX) {
            *out |= ZADD_OUT_NOP;
            return;
        }
        if ((long long)zlp_len(kv->v.ptr) + 1 <= srv.cfg.zset_max_listpack_entries &&
            (long long)len <= srv.cfg.zset_max_listpack_value &&
            lp_bytes(kv->v.ptr) + len < ZSET_LP_SAFE_BYTES) {
            kv->v.ptr = zlp_insert(kv->v.ptr, m, len, score);
            *newscore = score;
            *out |= ZADD_OUT_ADDED;
            return;
        }
        zset_convert_to_big(kv);
    }
    struct zset_big *z = kv->v.ptr;
    struct zsl_node *n = zbig_find(z, m, len);
    if (n) {
        if (!zset_add_decide(in, n->score, &score, out))
            return;
        *newscore = score;
        if (score != n->score) {
            zsl_update_score(&z->zsl, n, score);
            *out |= ZADD_OUT_UPDATED;
        }
        return;
    }
    if (in & ZADD_IN_XX) {
        *out |= ZADD_OUT_NOP;
        return;
    }
    zbig_insert(z, score, m, len);
    *newscore = score;
    *out |= ZADD_OUT_ADDED;
}

/* ---- the keyspace hooks ---- */

static void zset_free_value(void *ptr, enum kv_encoding enc)
{
    if (enc == KV_ENC_LISTPACK)
        lp_free(ptr);
    else
        zbig_free(ptr);
}

static void *zset_dup_value(const void *ptr, enum kv_encoding enc)
{
    if (enc == KV_ENC_LISTPACK) {
        size_t n = lp_bytes(ptr);
        unsigned char *lp = mem_alloc(n);
        memcpy(lp, ptr, n);
        return lp;
    }
    const struct zset_big *src = ptr;
    struct zset_big *z = zbig_new(src->zsl.length);
    for (struct zsl_node *n = src->zsl.header->level[0].forward; n; n = n->level[0].forward)
        zbig_insert(z, n->score, zsl_member(n), n->mlen);
    return z;
}

/* Nodes MEMORY USAGE looks at before extrapolating, so it stays cheap on huge sets (Redis
 * samples too). */
#define ZSET_MEMORY_SAMPLES 16

static size_t zset_value_memory(const void *ptr, enum kv_encoding enc)
{
    if (enc == KV_ENC_LISTPACK)
        return mem_usable(ptr);
    const struct zset_big *z = ptr;
    size_t m = mem_usable(z) + zsl_node_memory(z->zsl.header) +
               dict_buckets(&z->members) * sizeof(struct dict_node *);
    size_t sampled = 0, bytes = 0;
    for (struct zsl_node *n = z->zsl.header->level[0].forward;
         n && sampled < ZSET_MEMORY_SAMPLES; n = n->level[0].forward, sampled++)
        bytes += zsl_node_memory(n);
    if (sampled)
        m += bytes * z->zsl.length / sampled;
    return m;
}

const struct kv_type_ops kv_zset_ops = {
    .free_value = zset_free_value,
    .dup_value = zset_dup_value,
    .value_memory = zset_value_memory,
};

/* ---- an encoding-neutral cursor over a sorted set ---- */

/* A position in a sorted set, moving up (or down when reverse). */
struct zcur {
    const struct kv *kv;
    bool reverse;
    unsigned char *eptr;   /* listpack: the member element, NULL when done */
    struct zsl_node *node; /* skiplist: the node, NULL when done */
};

/* The element under a cursor. Members of listpack integers are rendered into buf. */
struct zelem {
    const char *m;
    size_t len;
    double score;
    unsigned char buf[LP_INTBUF_SIZE];
};

static void zcur_init(struct zcur *cur, const struct kv *kv, bool reverse)
{
    cur->kv = kv;
    cur->reverse = reverse;
    cur->eptr = NULL;
    cur->node = NULL;
}

static bool zcur_valid(const struct zcur *cur)
{
    return cur->eptr || cur->node;
}

static void zcur_get(const struct zcur *cur, struct zelem *e)
{
    if (cur->eptr) {
        unsigned char *lp = cur->kv->v.ptr;
        e->m = (const char *)lp_get(cur->eptr, &e->len, e->buf);
        e->score = zlp_score_at(lp_next(lp, cur->eptr));
    } else {
        e->m = zsl_member(cur->node);
        e->len = cur->node->mlen;
        e->score = cur->node->score;
    }
}

static void zcur_next(struct zcur *cur)
{
    if (cur->eptr) {
        unsigned char *lp = cur->kv->v.ptr;
        if (cur->reverse) {
            unsigned char *sptr = lp_prev(lp, cur->eptr);
            cur->eptr = sptr ? lp_prev(lp, sptr) : NULL;
        } else {
            cur->eptr = lp_next(lp, lp_next(lp, cur->eptr));
        }
    } else if (cur->node) {
        cur->node = cur->reverse ? cur->node->backward : cur->node->level[0].forward;
    }
}

/* Positions at rank (0-based, counted from the end the cursor starts at). */
static void zcur_seek_rank(struct zcur *cur, const struct kv *kv, size_t rank, bool reverse)
{
    zcur_init(cur, kv, reverse);
    size_t total = zset_len(kv);
    if (rank >= total)
        return;
    if (kv->enc == KV_ENC_LISTPACK) {
        long idx = reverse ? -2 * (long)(rank + 1) : 2 * (long)rank;
        cur->eptr = lp_seek(kv->v.ptr, idx);
    } else {
        const struct zset_big *z = kv->v.ptr;
        cur->node = zsl_at_rank(&z->zsl, reverse ? total - rank : rank + 1);
    }
}

/* Moves n elements on: a walk for a few, a rank lookup (O(log n)) for many. */
static void zcur_skip(struct zcur *cur, size_t n)
{
    if (cur->node && n > 16) {
        const struct zset_big *z = cur->kv->v.ptr;
        size_t rank = zsl_rank_of(&z->zsl, cur->node);
        if (cur->reverse)
            cur->node = rank > n ? zsl_at_rank(&z->zsl, rank - n) : NULL;
        else
            cur->node = n <= z->zsl.length - rank ? zsl_at_rank(&z->zsl, rank + n) : NULL;
        return;
    }
    while (n-- && zcur_valid(cur))
        zcur_next(cur);
}

/* A score or lex interval: what BYSCORE/BYLEX commands select. */
struct zquery {
    bool lex;
    struct zrange_score score;
    struct zrange_lex lexr;
};

static bool zquery_gte_min(const struct zquery *q, const struct zelem *e)
{
    return q->lex ? zrange_lex_gte_min(e->m, e->len, &q->lexr)
                  : zrange_score_gte_min(e->score, &q->score);
}

static bool zquery_lte_max(const struct zquery *q, const struct zelem *e)
{
    return q->lex ? zrange_lex_lte_max(e->m, e->len, &q->lexr)
                  : zrange_score_lte_max(e->score, &q->score);
}

static bool zquery_empty(const struct zquery *q)
{
    return q->lex ? zrange_lex_empty(&q->lexr) : zrange_score_empty(&q->score);
}

/* True once an element is past the far end of the interval in the cursor's direction. */
static bool zquery_past_end(const struct zquery *q, const struct zelem *e, bool reverse)
{
    return reverse ? !zquery_gte_min(q, e) : !zquery_lte_max(q, e);
}

/* Positions at the first element inside the interval in the given direction. */
static void zcur_seek_query(struct zcur *cur, const struct kv *kv, const struct zquery *q,
                            bool reverse)
{
    zcur_init(cur, kv, reverse);
    if (zquery_empty(q))
        return;
    if (kv->enc == KV_ENC_SKIPLIST) {
        const struct zsl *zsl = &((const struct zset_big *)kv->v.ptr)->zsl;
        if (q->lex)
            cur->node = reverse ? zsl_last_in_lex(zsl, &q->lexr) : zsl_first_in_lex(zsl, &q->lexr);
        else
            cur->node = reverse ? zsl_last_in_score(zsl, &q->score)
                                : zsl_first_in_score(zsl, &q->score);
        return;
    }
    /* Listpack: walk from the starting end to the near edge of the interval. */
    cur->eptr = reverse ? lp_seek(kv->v.ptr, -2) : lp_first(kv->v.ptr);
    struct zelem e;
    while (zcur_valid(cur)) {
        zcur_get(cur, &e);
        if (reverse ? zquery_lte_max(q, &e) : zquery_gte_min(q, &e))
            break;
        zcur_next(cur);
    }
    if (zcur_valid(cur) && zquery_past_end(q, &e, reverse))
        cur->eptr = NULL;
}

/* Members inside the interval: O(log n) by ranks for the skiplist. */
static size_t zset_count_query(const struct kv *kv, const struct zquery *q)
{
    struct zcur first, last;
    zcur_seek_query(&first, kv, q, false);
    if (!zcur_valid(&first))
        return 0;
    if (kv->enc == KV_ENC_SKIPLIST) {
        zcur_seek_query(&last, kv, q, true);
        /* Both ends are searched separately; an interval holding nothing can still give a
         * first element on one side only (found by the command fuzzer). */
        if (!zcur_valid(&last))
            return 0;
        const struct zsl *zsl = &((const struct zset_big *)kv->v.ptr)->zsl;
        size_t lo = zsl_rank_of(zsl, first.node), hi = zsl_rank_of(zsl, last.node);
        return hi >= lo ? hi - lo + 1 : 0;
    }
    size_t n = 0;
    struct zelem e;
    for (; zcur_valid(&first); zcur_next(&first), n++) {
        zcur_get(&first, &e);
        if (zquery_past_end(q, &e, false))
            break;
    }
    return n;
}

/* ---- shared command helpers ---- */

/* Finds the key; replies WRONGTYPE and returns false if it holds another type. A missing
 * key gives true with *out NULL. */
static bool zset_lookup_or_reply(struct client *c, const struct cmd_arg *key, int flags,
                                 struct kv **out)
{
    struct kv *kv = db_lookup(c->db, key->ptr, key->len, flags);
    if (kv && kv->type != KV_ZSET) {
        reply_error_wrongtype(c);
        return false;
    }
    *out = kv;
    return true;
}

static void zset_notify(struct client *c, const char *event, const struct cmd_arg *key)
{
    pubsub_notify_keyspace(NOTIFY_ZSET, event, key->ptr, key->len, db_id(c->db));
}

/* Redis keeps no empty collections: deletes the key once its set is empty ("del"). */
static bool zset_delete_if_empty(struct client *c, struct kv *kv, const struct cmd_arg *key)
{
    if (zset_len(kv) > 0)
        return false;
    db_delete(c->db, key->ptr, key->len);
    pubsub_notify_keyspace(NOTIFY_GENERIC, "del", key->ptr, key->len, db_id(c->db));
    return true;
}

/* A long in [min, max]; replies `err` (or Redis's generic messages) otherwise. */
static bool zset_parse_long_or_reply(struct client *c, const struct cmd_arg *a, long long min,
                                     long long max, const char *err, long long *out)
{
    long long v;
    if (num_parse_ll(a->ptr, a->len, &v) < 0) {
        if (err)
            reply_error(c, err);
        else
            reply_error_not_int(c);
        return false;
    }
    if (v < min || v > max) {
        if (err)
            reply_error(c, err);
        else
            reply_errorf(c, "ERR value is out of range, value must between %lld and %lld", min,
                         max);
        return false;
    }
    *out = v;
    return true;
}

/* One member and score in a reply: a [member, score] pair in RESP3 when nested, else flat. */
static void zset_reply_pair(struct client *c, const char *m, size_t len, double score,
                            bool withscores, bool nested)
{
    if (withscores && nested)
        reply_array(c, 2);
    reply_bulk(c, m, len);
    if (withscores)
        reply_double(c, score);
}

/* Array header for n elements with or without scores: pairs nest only in RESP3. */
static void zset_reply_header(struct client *c, long long n, bool withscores)
{
    reply_array(c, withscores && c->resp == 2 ? n * 2 : n);
}

/* Puts a computed result under dst (replacing any value, dropping its TTL, as SET) or,
 * when it is empty, deletes dst; replies with its size. `val` is consumed. */
static void zset_store_result(struct client *c, const struct cmd_arg *dst, struct kv *val,
                              const char *event)
{
    size_t n = val ? zset_len(val) : 0;
    if (n == 0) {
        if (val)
            kv_free(val);
        reply_integer(c, 0);
        if (db_delete(c->db, dst->ptr, dst->len)) {
            pubsub_notify_keyspace(NOTIFY_GENERIC, "del", dst->ptr, dst->len, db_id(c->db));
            server_dirty(1);
        }
        return;
    }
    struct kv *old = db_lookup(c->db, dst->ptr, dst->len, DB_LOOKUP_WRITE | DB_LOOKUP_NOTOUCH);
    if (old)
        db_replace(c->db, old, val);
    else
        db_add(c->db, val);
    reply_integer(c, (long long)n);
    zset_notify(c, event, dst);
    server_dirty(1);
}

/* ---- ZADD, ZINCRBY ---- */

static void zset_add_generic(struct client *c, unsigned in)
{
    const struct cmd_arg *key = &c->argv[1];
    bool ch = false;
    int idx = 2;
    for (; idx < c->argc; idx++) {
        const struct cmd_arg *a = &c->argv[idx];
        if (client_arg_is(a, "nx"))
            in |= ZADD_IN_NX;
        else if (client_arg_is(a, "xx"))
            in |= ZADD_IN_XX;
        else if (client_arg_is(a, "gt"))
            in |= ZADD_IN_GT;
        else if (client_arg_is(a, "lt"))
            in |= ZADD_IN_LT;
        else if (client_arg_is(a, "ch"))
            ch = true;
        else if (client_arg_is(a, "incr"))
            in |= ZADD_IN_INCR;
        else
            break;
    }
    int elements = c->argc - idx;
    if (elements == 0 || elements % 2) {
        reply_error_syntax(c);
        return;
    }
    elements /= 2;
    if ((in & ZADD_IN_NX) && (in & ZADD_IN_XX)) {
        reply_error(c, "ERR XX and NX options at the same time are not compatible");
        return;
    }
    unsigned gtltnx = in & (ZADD_IN_GT | ZADD_IN_LT | ZADD_IN_NX);
    if (gtltnx & (gtltnx - 1)) {
        reply_error(c, "ERR GT, LT, and/or NX options at the same time are not compatible");
        return;
    }
    bool incr = in & ZADD_IN_INCR;
    if (incr && elements > 1) {
        reply_error(c, "ERR INCR option supports a single increment-element pair");
        return;
    }
    /* Every score is checked before anything changes: ZADD is all or nothing. */
    double *scores = mem_alloc(sizeof *scores * (size_t)elements);
    size_t maxlen = 0;
    for (int j = 0; j < elements; j++) {
        if (!zset_parse_score_or_reply(c, &c->argv[idx + 2 * j], &scores[j], NULL))
            goto out_free;
        if (c->argv[idx + 2 * j + 1].len > maxlen)
            maxlen = c->argv[idx + 2 * j + 1].len;
    }
    struct kv *kv;
    if (!zset_lookup_or_reply(c, key, DB_LOOKUP_WRITE, &kv))
        goto out_free;
    long long added = 0, updated = 0, processed = 0;
    double score = 0;
    if (!kv) {
        if (in & ZADD_IN_XX)
            goto reply;
        kv = zset_kv_new(key, (size_t)elements, maxlen);
        db_add(c->db, kv);
    }
    for (int j = 0; j < elements; j++) {
        const struct cmd_arg *m = &c->argv[idx + 2 * j + 1];
        unsigned out;
        double newscore = 0;
        zset_add(kv, scores[j], m->ptr, m->len, in, &out, &newscore);
        if (out & ZADD_OUT_NAN) {
            reply_error(c, "ERR resulting score is not a number (NaN)");
            goto out_notify;
        }
        added += (out & ZADD_OUT_ADDED) != 0;
        updated += (out & ZADD_OUT_UPDATED) != 0;
        processed += !(out & ZADD_OUT_NOP);
        score = newscore;
    }
reply:
    if (incr) {
        if (processed)
            reply_double(c, score);
        else
            reply_null(c);
    } else {
        reply_integer(c, ch ? added + updated : added);
    }
out_notify:
    if (added || updated) {
        server_dirty(added + updated);
        zset_notify(c, incr ? "zincr" : "zadd", key);
    }
out_free:
    mem_free(scores);
}

void cmd_zadd(struct client *c)
{
    zset_add_generic(c, 0);
}

void cmd_zincrby(struct client *c)
{
    /* As Redis: ZINCRBY key increment member is ZADD key INCR increment member, options
     * scan included ("ZINCRBY k nx m" is a syntax error there too). */
    zset_add_generic(c, ZADD_IN_INCR);
}

/* ---- ZREM, ZSCORE, ZMSCORE, ZCARD, ZRANK ---- */

void cmd_zrem(struct client *c)
{
    const struct cmd_arg *key = &c->argv[1];
    struct kv *kv;
    if (!zset_lookup_or_reply(c, key, DB_LOOKUP_WRITE, &kv))
        return;
    long long deleted = 0;
    for (int j = 2; kv && j < c->argc && zset_len(kv) > 0; j++)
        deleted += zset_remove(kv, c->argv[j].ptr, c->argv[j].len);
    if (deleted) {
        zset_notify(c, "zrem", key);
        zset_delete_if_empty(c, kv, key);
        server_dirty(deleted);
    }
    reply_integer(c, deleted);
}

/* The member's score, or null when it or the key (kv NULL) is missing. */
static void zset_reply_score(struct client *c, const struct kv *kv, const struct cmd_arg *member)
{
    double score;
    if (kv && zset_score(kv, member->ptr, member->len, &score))
        reply_double(c, score);
    else
        reply_null(c);
}

void cmd_zscore(struct client *c)
{
    struct kv *kv;
    if (zset_lookup_or_reply(c, &c->argv[1], 0, &kv))
        zset_reply_score(c, kv, &c->argv[2]);
}

void cmd_zmscore(struct client *c)
{
    struct kv *kv;
    if (!zset_lookup_or_reply(c, &c->argv[1], 0, &kv))
        return;
    reply_array(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++)
        zset_reply_score(c, kv, &c->argv[j]);
}

void cmd_zcard(struct client *c)
{
    struct kv *kv;
    if (!zset_lookup_or_reply(c, &c->argv[1], 0, &kv))
        return;
    reply_integer(c, kv ? (long long)zset_len(kv) : 0);
}

static void zrank_generic(struct client *c, bool reverse)
{
    struct kv *kv;
    size_t rank;
    if (!zset_lookup_or_reply(c, &c->argv[1], 0, &kv))
        return;
    if (kv && zset_rank(kv, c->argv[2].ptr, c->argv[2].len, reverse, &rank))
        reply_integer(c, (long long)rank);
    else
        reply_null(c);
}

void cmd_zrank(struct client *c)
{
    zrank_generic(c, false);
}

void cmd_zrevrank(struct client *c)
{
    zrank_generic(c, true);
}

/* ---- ZCOUNT, ZLEXCOUNT ---- */

/* Parses argv[min_at] and argv[min_at + 1] as a score or lex interval; replies Redis's
 * error when invalid. */
static bool zquery_parse_or_reply(struct client *c, int min_at, int max_at, bool lex,
                                  struct zquery *q)
{
    const struct cmd_arg *min = &c->argv[min_at], *max = &c->argv[max_at];
    q->lex = lex;
    if (lex) {
        if (zrange_parse_lex(min->ptr, min->len, max->ptr, max->len, &q->lexr) == 0)
            return true;
        reply_error(c, "ERR min or max not valid string range item");
        return false;
    }
    if (zrange_parse_score(min->ptr, max->ptr, &q->score) == 0)
        return true;
    reply_error(c, "ERR min or max is not a float");
    return false;
}

static void zcount_generic(struct client *c, bool lex)
{
    struct zquery q;
    struct kv *kv;
    if (!zquery_parse_or_reply(c, 2, 3, lex, &q) || !zset_lookup_or_reply(c, &c->argv[1], 0, &kv))
        return;
    reply_integer(c, kv ? (long long)zset_count_query(kv, &q) : 0);
}

void cmd_zcount(struct client *c)
{
    zcount_generic(c, false);
}

void cmd_zlexcount(struct client *c)
{
    zcount_generic(c, true);
}

/* ---- the ZRANGE family ---- */

enum zrange_by { ZRANGE_AUTO, ZRANGE_RANK, ZRANGE_SCORE, ZRANGE_LEX };
enum zrange_dir { ZRANGE_DIR_AUTO, ZRANGE_DIR_FORWARD, ZRANGE_DIR_REVERSE };

/* Where a range goes: the client's reply, or a new sorted set (ZRANGESTORE). */
struct zrange_sink {
    struct client *c;
    bool withscores;
    const struct cmd_arg *dst;   /* ZRANGESTORE's destination, NULL for replies */
    struct kv *dstkv;            /* the set being built */
    struct reply_deferred header;
    bool deferred;
    long long count;
};

/* length: the number of elements when known, -1 when found while emitting. */
static void zrange_sink_begin(struct zrange_sink *s, long long length)
{
    s->count = 0;
    if (s->dst) {
        s->dstkv = zset_kv_new(s->dst, length > 0 ? (size_t)length : 0, 0);
        return;
    }
    s->deferred = length < 0;
    if (s->deferred)
        s->header = reply_defer(s->c);
    else
        zset_reply_header(s->c, length, s->withscores);
}

static void zrange_sink_emit(struct zrange_sink *s, const struct zelem *e)
{
    s->count++;
    if (s->dst) {
        unsigned out;
        double ns;
        zset_add(s->dstkv, e->score, e->m, e->len, 0, &out, &ns);
        return;
    }
    zset_reply_pair(s->c, e->m, e->len, e->score, s->withscores, s->c->resp > 2);
}

static void zrange_sink_end(struct zrange_sink *s)
{
    if (s->dst) {
        zset_store_result(s->c, s->dst, s->dstkv, "zrangestore");
        return;
    }
    if (s->deferred)
        reply_set_deferred_array(s->c, s->header,
                                 s->withscores && s->c->resp == 2 ? s->count * 2 : s->count);
}

static void zrange_by_rank(struct zrange_sink *s, const struct kv *kv, long long start,
                           long long end, bool reverse)
{
    long long llen = (long long)zset_len(kv);
    if (start < 0)
        start += llen;
    if (end < 0)
        end += llen;
    if (start < 0)
        start = 0;
    if (start > end || start >= llen) {
        zrange_sink_begin(s, 0);
        zrange_sink_end(s);
        return;
    }
    if (end >= llen)
        end = llen - 1;
    long long n = end - start + 1;
    zrange_sink_begin(s, n);
    struct zcur cur;
    struct zelem e;
    zcur_seek_rank(&cur, kv, (size_t)start, reverse);
    for (; n > 0 && zcur_valid(&cur); n--, zcur_next(&cur)) {
        zcur_get(&cur, &e);
        zrange_sink_emit(s, &e);
    }
    zrange_sink_end(s);
}

/* BYSCORE / BYLEX with LIMIT: as Redis, a negative offset selects nothing and a negative
 * count means "all the rest". */
static void zrange_by_query(struct zrange_sink *s, const struct kv *kv, const struct zquery *q,
                            long long offset, long long limit, bool reverse)
{
    if (offset < 0 || (offset > 0 && offset >= (long long)zset_len(kv))) {
        zrange_sink_begin(s, 0);
        zrange_sink_end(s);
        return;
    }
    zrange_sink_begin(s, -1);
    struct zcur cur;
    struct zelem e;
    zcur_seek_query(&cur, kv, q, reverse);
    zcur_skip(&cur, (size_t)offset);
    for (; limit != 0 && zcur_valid(&cur); zcur_next(&cur)) {
        zcur_get(&cur, &e);
        if (zquery_past_end(q, &e, reverse))
            break;
        zrange_sink_emit(s, &e);
        if (limit > 0)
            limit--;
    }
    zrange_sink_end(s);
}

/* Every ZRANGE form (Redis's zrangeGenericCommand): key at argv[key_at], then min, max and
 * options. `by`/`dir` are fixed by the legacy commands and AUTO for ZRANGE/ZRANGESTORE. */
static void zrange_generic(struct client *c, int key_at, const struct cmd_arg *dst,
                           enum zrange_by by, enum zrange_dir dir)
{
    int min_at = key_at + 1, max_at = key_at + 2;
    bool withscores = false;
    long long offset = 0, limit = -1;
    for (int j = key_at + 3; j < c->argc; j++) {
        const struct cmd_arg *a = &c->argv[j];
        int left = c->argc - j - 1;
        if (!dst && client_arg_is(a, "withscores")) {
            withscores = true;
        } else if (client_arg_is(a, "limit") && left >= 2) {
            if (num_parse_ll(c->argv[j + 1].ptr, c->argv[j + 1].len, &offset) < 0 ||
                num_parse_ll(c->argv[j + 2].ptr, c->argv[j + 2].len, &limit) < 0) {
                reply_error_not_int(c);
                return;
            }
            j += 2;
        } else if (dir == ZRANGE_DIR_AUTO && client_arg_is(a, "rev")) {
            dir = ZRANGE_DIR_REVERSE;
        } else if (by == ZRANGE_AUTO && client_arg_is(a, "bylex")) {
            by = ZRANGE_LEX;
        } else if (by == ZRANGE_AUTO && client_arg_is(a, "byscore")) {
            by = ZRANGE_SCORE;
        } else {
            reply_error_syntax(c);
            return;
        }
    }
    if (dir == ZRANGE_DIR_AUTO)
        dir = ZRANGE_DIR_FORWARD;
    if (by == ZRANGE_AUTO)
        by = ZRANGE_RANK;
    bool reverse = dir == ZRANGE_DIR_REVERSE;
    /* Redis checks LIMIT with the value it holds: an explicit "LIMIT 0 -1" passes. */
    if (limit != -1 && by == ZRANGE_RANK) {
        reply_error(c, "ERR syntax error, LIMIT is only supported in combination with either "
                       "BYSCORE or BYLEX");
        return;
    }
    if (withscores && by == ZRANGE_LEX) {
        reply_error(c, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return;
    }
    /* Reverse score and lex ranges are written max first. */
    if (reverse && by != ZRANGE_RANK) {
        int t = min_at;
        min_at = max_at;
        max_at = t;
    }
    long long start = 0, end = 0;
    struct zquery q;
    if (by == ZRANGE_RANK) {
        if (num_parse_ll(c->argv[min_at].ptr, c->argv[min_at].len, &start) < 0 ||
            num_parse_ll(c->argv[max_at].ptr, c->argv[max_at].len, &end) < 0) {
            reply_error_not_int(c);
            return;
        }
    } else if (!zquery_parse_or_reply(c, min_at, max_at, by == ZRANGE_LEX, &q)) {
        return;
    }
    struct zrange_sink s = {.c = c, .withscores = withscores || dst, .dst = dst};
    struct kv *kv;
    if (!zset_lookup_or_reply(c, &c->argv[key_at], 0, &kv))
        return;
    if (!kv) {
        if (dst) {
            zrange_sink_begin(&s, 0);
            zrange_sink_end(&s);
        } else {
            reply_array(c, 0);
        }
        return;
    }
    if (by == ZRANGE_RANK)
        zrange_by_rank(&s, kv, start, end, reverse);
    else
        zrange_by_query(&s, kv, &q, offset, limit, reverse);
}

void cmd_zrange(struct client *c)
{
    zrange_generic(c, 1, NULL, ZRANGE_AUTO, ZRANGE_DIR_AUTO);
}

void cmd_zrangestore(struct client *c)
{
    zrange_generic(c, 2, &c->argv[1], ZRANGE_AUTO, ZRANGE_DIR_AUTO);
}

void cmd_zrevrange(struct client *c)
{
    zrange_generic(c, 1, NULL, ZRANGE_RANK, ZRANGE_DIR_REVERSE);
}

void cmd_zrangebyscore(struct client *c)
{
    zrange_generic(c, 1, NULL, ZRANGE_SCORE, ZRANGE_DIR_FORWARD);
}

void cmd_zrevrangebyscore(struct client *c)
{
    zrange_generic(c, 1, NULL, ZRANGE_SCORE, ZRANGE_DIR_REVERSE);
}

void cmd_zrangebylex(struct client *c)
{
    zrange_generic(c, 1, NULL, ZRANGE_LEX, ZRANGE_DIR_FORWARD);
}

void cmd_zrevrangebylex(struct client *c)
{
    zrange_generic(c, 1, NULL, ZRANGE_LEX, ZRANGE_DIR_REVERSE);
}

/* ---- ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX ---- */

/* Deletes count listpack pairs starting at the pair of eptr. */
static unsigned char *zlp_delete_pairs(unsigned char *lp, unsigned char *eptr, size_t count)
{
    long idx = 0;
    for (unsigned char *p = lp_first(lp); p != eptr; p = lp_next(lp, p))
        idx++;
    return lp_delete_range(lp, idx, (unsigned long)count * 2);
}

static void zremrange_generic(struct client *c, enum zrange_by by)
{
    static const char *const events[] = {
        [ZRANGE_RANK] = "zremrangebyrank",
        [ZRANGE_SCORE] = "zremrangebyscore",
        [ZRANGE_LEX] = "zremrangebylex",
    };
    const struct cmd_arg *key = &c->argv[1];
    long long start = 0, end = 0;
    struct zquery q;
    if (by == ZRANGE_RANK) {
        if (num_parse_ll(c->argv[2].ptr, c->argv[2].len, &start) < 0 ||
            num_parse_ll(c->argv[3].ptr, c->argv[3].len, &end) < 0) {
            reply_error_not_int(c);
            return;
        }
    } else if (!zquery_parse_or_reply(c, 2, 3, by == ZRANGE_LEX, &q)) {
        return;
    }
    struct kv *kv;
    if (!zset_lookup_or_reply(c, key, DB_LOOKUP_WRITE, &kv))
        return;
    if (!kv) {
        reply_integer(c, 0);
        return;
    }
    if (by == ZRANGE_RANK) {
        long long llen = (long long)zset_len(kv);
        if (start < 0)
            start += llen;
        if (end < 0)
            end += llen;
        if (start < 0)
            start = 0;
        if (start > end || start >= llen) {
            reply_integer(c, 0);
            return;
        }
        if (end >= llen)
            end = llen - 1;
    }
    size_t removed;
    if (kv->enc == KV_ENC_SKIPLIST) {
        struct zset_big *z = kv->v.ptr;
        if (by == ZRANGE_RANK)
            removed = zsl_delete_rank_range(&z->zsl, (size_t)start + 1, (size_t)end + 1,
                                            zbig_node_gone, z);
        else if (by == ZRANGE_SCORE)
            removed = zsl_delete_score_range(&z->zsl, &q.score, zbig_node_gone, z);
        else
            removed = zsl_delete_lex_range(&z->zsl, &q.lexr, zbig_node_gone, z);
    } else if (by == ZRANGE_RANK) {
        removed = (size_t)(end - start + 1);
        kv->v.ptr = lp_delete_range(kv->v.ptr, (long)start * 2, (unsigned long)removed * 2);
    } else {
        struct zcur cur;
        struct zelem e;
        zcur_seek_query(&cur, kv, &q, false);
        unsigned char *first = cur.eptr;
        removed = 0;
        for (; zcur_valid(&cur); zcur_next(&cur), removed++) {
            zcur_get(&cur, &e);
            if (zquery_past_end(&q, &e, false))
                break;
        }
        if (removed)
            kv->v.ptr = zlp_delete_pairs(kv->v.ptr, first, removed);
    }
    if (removed) {
        zset_notify(c, events[by], key);
        zset_delete_if_empty(c, kv, key);
        server_dirty((long long)removed);
    }
    reply_integer(c, (long long)removed);
}

void cmd_zremrangebyrank(struct client *c)
{
    zremrange_generic(c, ZRANGE_RANK);
}

void cmd_zremrangebyscore(struct client *c)
{
    zremrange_generic(c, ZRANGE_SCORE);
}

void cmd_zremrangebylex(struct client *c)
{
    zremrange_generic(c, ZRANGE_LEX);
}

/* ---- ZPOPMIN, ZPOPMAX, BZPOPMIN, BZPOPMAX, ZMPOP, BZMPOP ---- */

/* How a pop replies (Redis's genericZpopCommand flags). */
enum zpop_shape {
    ZPOP_FLAT,        /* [m, s, m, s...]: ZPOPMIN without count, and with count in RESP2 */
    ZPOP_NESTED,      /* [[m, s]...]: ZPOPMIN with count in RESP3 */
    ZPOP_KEY_FLAT,    /* [key, m, s]: BZPOPMIN */
    ZPOP_KEY_NESTED,  /* [key, [[m, s]...]]: ZMPOP, BZMPOP */
};

/* Pops up to count members from the low (max = false) or high end of the set at key,
 * replying in the given shape, then fires the events. The set must not be empty. Returns
 * how many were popped. */
static long long zpop_from(struct client *c, struct kv *kv, const struct cmd_arg *key, bool max,
                      long long count, enum zpop_shape shape)
{
    long long n = (long long)zset_len(kv);
    if (count < n)
        n = count;
    switch (shape) {
    case ZPOP_FLAT: reply_array(c, n * 2); break;
    case ZPOP_NESTED: reply_array(c, n); break;
    case ZPOP_KEY_FLAT:
        reply_array(c, n * 2 + 1);
        reply_bulk(c, key->ptr, key->len);
        break;
    case ZPOP_KEY_NESTED:
        reply_array(c, 2);
        reply_bulk(c, key->ptr, key->len);
        reply_array(c, n);
        break;
    }
    bool nested = shape == ZPOP_NESTED || shape == ZPOP_KEY_NESTED;
    for (long long i = 0; i < n; i++) {
        struct zcur cur;
        struct zelem e;
        zcur_seek_rank(&cur, kv, 0, max);
        zcur_get(&cur, &e);
        if (nested)
            reply_array(c, 2);
        reply_bulk(c, e.m, e.len);
        reply_double(c, e.score);
        if (kv->enc == KV_ENC_LISTPACK)
            kv->v.ptr = zlp_delete(kv->v.ptr, cur.eptr);
        else
            zbig_delete_node(kv->v.ptr, cur.node);
    }
    zset_notify(c, max ? "zpopmax" : "zpopmin", key);
    zset_delete_if_empty(c, kv, key);
    server_dirty(n);
    return n;
}

/* Finds the first non-empty sorted set among nkeys keys (argv entries `step` apart).
 * Replies WRONGTYPE and returns false on a key of another type, unless the command is
 * being re-run for a waiting client: Redis 7.0 keeps such a client waiting. */
static bool zpop_find_or_reply(struct client *c, const struct cmd_arg *keys, int nkeys,
                               struct kv **out, const struct cmd_arg **key)
{
    *out = NULL;
    for (int i = 0; i < nkeys; i++) {
        struct kv *kv = db_lookup(c->db, keys[i].ptr, keys[i].len, DB_LOOKUP_WRITE);
        if (!kv)
            continue;
        if (kv->type != KV_ZSET) {
            if (blocking_is_blocked(c))
                continue;
            reply_error_wrongtype(c);
            return false;
        }
        *out = kv;
        *key = &keys[i];
        return true;
    }
    return true;
}

/* The popping core of ZMPOP/BZPOPMIN/BZMPOP: pops from the first non-empty key, or (when
 * blocking) waits, or replies a null array. deadline_ms < 0: never blocks (ZMPOP); 0 waits
 * forever. */
static void zpop_multi(struct client *c, const struct cmd_arg *keys, int nkeys, bool max,
                       long long count, enum zpop_shape shape, long long deadline_ms)
{
    struct kv *kv;
    const struct cmd_arg *key = NULL;
    if (!zpop_find_or_reply(c, keys, nkeys, &kv, &key))
        return;
    if (kv) {
        long long n = zpop_from(c, kv, key, max, count, shape);
        /* The stream gets the plain pop from the key that was served: which key had
         * members, and that a wait happened, are this server's history. */
        const char *pop = max ? "ZPOPMAX" : "ZPOPMIN";
        /* ZMPOP and BZMPOP name their keys outside the command's key positions. */
        if (shape == ZPOP_KEY_NESTED) {
            server_signal_modified_key(c->db, key->ptr, key->len);
            propagate_replace_key_ll(pop, key, n);
        } else {
            propagate_replace_key(pop, key);
        }
        return;
    }
    if (deadline_ms < 0 || !blocking_allowed(c)) {
        reply_null_array(c);
        return;
    }
    blocking_block(c, keys, nkeys, 1, deadline_ms);
}

static void zpop_command(struct client *c, bool max)
{
    long long count = 1;
    if (c->argc > 3) {
        reply_error_syntax(c);
        return;
    }
    if (c->argc == 3 && !zset_parse_long_or_reply(c, &c->argv[2], 0, LLONG_MAX,
                                                  "ERR value is out of range, must be positive",
                                                  &count))
        return;
    struct kv *kv;
    if (!zset_lookup_or_reply(c, &c->argv[1], DB_LOOKUP_WRITE, &kv))
        return;
    if (!kv || count == 0) {
        reply_array(c, 0);
        return;
    }
    enum zpop_shape shape = c->argc == 3 && c->resp > 2 ? ZPOP_NESTED : ZPOP_FLAT;
    zpop_from(c, kv, &c->argv[1], max, count, shape);
}

void cmd_zpopmin(struct client *c)
{
    zpop_command(c, false);
}

void cmd_zpopmax(struct client *c)
{
    zpop_command(c, true);
}

static void bzpop_command(struct client *c, bool max)
{
    long long deadline;
    if (!blocking_parse_timeout_or_reply(c, &c->argv[c->argc - 1], &deadline))
        return;
    zpop_multi(c, &c->argv[1], c->argc - 2, max, 1, ZPOP_KEY_FLAT, deadline);
}

void cmd_bzpopmin(struct client *c)
{
    bzpop_command(c, false);
}

void cmd_bzpopmax(struct client *c)
{
    bzpop_command(c, true);
}

/* ZMPOP numkeys key... MIN|MAX [COUNT n], and BZMPOP with a timeout before numkeys. */
static void zmpop_generic(struct client *c, int numkeys_at, bool block)
{
    long long numkeys, count = -1;
    if (!zset_parse_long_or_reply(c, &c->argv[numkeys_at], 1, LLONG_MAX,
                                  "ERR numkeys should be greater than 0", &numkeys))
        return;
    if (numkeys > c->argc - numkeys_at - 2) {
        reply_error_syntax(c);
        return;
    }
    int where_at = numkeys_at + (int)numkeys + 1;
    bool max;
    if (client_arg_is(&c->argv[where_at], "min")) {
        max = false;
    } else if (client_arg_is(&c->argv[where_at], "max")) {
        max = true;
    } else {
        reply_error_syntax(c);
        return;
    }
    for (int j = where_at + 1; j < c->argc; j++) {
        if (count == -1 && client_arg_is(&c->argv[j], "count") && j + 1 < c->argc) {
            if (!zset_parse_long_or_reply(c, &c->argv[++j], 1, LLONG_MAX,
                                          "ERR count should be greater than 0", &count))
                return;
        } else {
            reply_error_syntax(c);
            return;
        }
    }
    if (count == -1)
        count = 1;
    long long deadline = -1;
    if (block && !blocking_parse_timeout_or_reply(c, &c->argv[1], &deadline))
        return;
    zpop_multi(c, &c->argv[numkeys_at + 1], (int)numkeys, max, count, ZPOP_KEY_NESTED, deadline);
}

void cmd_zmpop(struct client *c)
{
    zmpop_generic(c, 1, false);
}

void cmd_bzmpop(struct client *c)
{
    zmpop_generic(c, 2, true);
}

/* ---- ZRANDMEMBER ---- */

/* A small open-addressed set of skiplist nodes, for picking distinct members. */
struct zptrset {
    const void **slots;
    size_t mask;
};

static bool zptrset_add(struct zptrset *s, const void *p)
{
    size_t i = ((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull & s->mask;
    while (s->slots[i]) {
        if (s->slots[i] == p)
            return false;
        i = (i + 1) & s->mask;
    }
    s->slots[i] = p;
    return true;
}

/* count members with repetitions allowed (negative COUNT). COUNT can be huge, as in Redis;
 * generation stops early once the client's output is being dropped (output-buffer limit,
 * CLIENT REPLY OFF), since nobody would read the rest. */
static void zrandmember_repeat(struct client *c, const struct kv *kv, size_t count,
                               bool withscores)
{
    size_t size = zset_len(kv);
    zset_reply_header(c, (long long)count, withscores);
    struct zelem e;
    struct zcur cur;
    if (kv->enc == KV_ENC_SKIPLIST) {
        for (size_t i = 0; i < count && client_accepts_reply(c); i++) {
            zcur_seek_rank(&cur, kv, (size_t)rand_below(size), false);
            zcur_get(&cur, &e);
            zset_reply_pair(c, e.m, e.len, e.score, withscores, c->resp > 2);
        }
        return;
    }
    /* Listpack: index the pairs once so each pick is O(1). */
    unsigned char **pairs = mem_alloc(sizeof *pairs * size);
    unsigned char *lp = kv->v.ptr;
    size_t i = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p)))
        pairs[i++] = p;
    zcur_init(&cur, kv, false);
    for (i = 0; i < count && client_accepts_reply(c); i++) {
        cur.eptr = pairs[(size_t)rand_below(size)];
        zcur_get(&cur, &e);
        zset_reply_pair(c, e.m, e.len, e.score, withscores, c->resp > 2);
    }
    mem_free(pairs);
}

/* count distinct members, count < size. */
static void zrandmember_distinct(struct client *c, const struct kv *kv, size_t count,
                                 bool withscores)
{
    size_t size = zset_len(kv);
    zset_reply_header(c, (long long)count, withscores);
    struct zelem e;
    struct zcur cur;
    if (kv->enc == KV_ENC_LISTPACK || count * 3 > size) {
        /* Selection sampling (Knuth's algorithm S): one ordered pass, each member kept
         * with probability needed/left, O(size) with size < 3 * count for skiplists. */
        size_t needed = count;
        zcur_seek_rank(&cur, kv, 0, false);
        for (size_t left = size; needed > 0; left--, zcur_next(&cur)) {
            if ((size_t)rand_below(left) >= needed)
                continue;
            zcur_get(&cur, &e);
            zset_reply_pair(c, e.m, e.len, e.score, withscores, c->resp > 2);
            needed--;
        }
        return;
    }
    /* Few out of many: random ranks until count distinct ones came up. */
    size_t cap = 4;
    while (cap < count * 2)
        cap <<= 1;
    struct zptrset seen = {mem_calloc(sizeof *seen.slots * cap), cap - 1};
    for (size_t got = 0; got < count;) {
        zcur_seek_rank(&cur, kv, (size_t)rand_below(size), false);
        if (!zptrset_add(&seen, cur.node))
            continue;
        zcur_get(&cur, &e);
        zset_reply_pair(c, e.m, e.len, e.score, withscores, c->resp > 2);
        got++;
    }
    mem_free(seen.slots);
}

void cmd_zrandmember(struct client *c)
{
    struct kv *kv;
    struct zelem e;
    struct zcur cur;
    if (c->argc == 2) {
        if (!zset_lookup_or_reply(c, &c->argv[1], 0, &kv))
            return;
        if (!kv) {
            reply_null(c);
            return;
        }
        zcur_seek_rank(&cur, kv, (size_t)rand_below(zset_len(kv)), false);
        zcur_get(&cur, &e);
        reply_bulk(c, e.m, e.len);
        return;
    }
    long long l;
    if (!zset_parse_long_or_reply(c, &c->argv[2], -LLONG_MAX, LLONG_MAX, NULL, &l))
        return;
    bool withscores = false;
    if (c->argc > 4 || (c->argc == 4 && !client_arg_is(&c->argv[3], "withscores"))) {
        reply_error_syntax(c);
        return;
    }
    if (c->argc == 4) {
        withscores = true;
        /* The reply would hold 2 * |count| items. */
        if (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2) {
            reply_error(c, "ERR value is out of range");
            return;
        }
    }
    if (!zset_lookup_or_reply(c, &c->argv[1], 0, &kv))
        return;
    if (!kv || l == 0) {
        reply_array(c, 0);
        return;
    }
    if (l < 0) {
        zrandmember_repeat(c, kv, (size_t)-l, withscores);
        return;
    }
    size_t count = (size_t)l, size = zset_len(kv);
    if (count < size) {
        zrandmember_distinct(c, kv, count, withscores);
        return;
    }
    zset_reply_header(c, (long long)size, withscores);
    for (zcur_seek_rank(&cur, kv, 0, false); zcur_valid(&cur); zcur_next(&cur)) {
        zcur_get(&cur, &e);
        zset_reply_pair(c, e.m, e.len, e.score, withscores, c->resp > 2);
    }
}

/* ---- ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD ---- */

/* Plain sets may be inputs, each member with score 1. They are read through the public
 * formats of their encodings (kv.h): an intset (intset.h), a listpack of members
 * (listpack.h) or a dict whose node_key reports each member (dict.h). */
typedef bool zset_member_fn(const char *m, size_t len, double score, void *arg);

static size_t zset_plain_set_len(const struct kv *kv)
{
    switch (kv->enc) {
    case KV_ENC_INTSET: return intset_len(kv->v.ptr);
    case KV_ENC_LISTPACK: return lp_length(kv->v.ptr);
    default: return dict_size(kv->v.ptr);
    }
}

static bool zset_plain_set_has(const struct kv *kv, const char *m, size_t len)
{
    long long v;
    switch (kv->enc) {
    case KV_ENC_INTSET: return num_parse_ll(m, len, &v) == 0 && intset_find(kv->v.ptr, v);
    case KV_ENC_LISTPACK: {
        unsigned char *lp = kv->v.ptr;
        unsigned char *first = lp_first(lp);
        return first && lp_find(lp, first, (const unsigned char *)m, len, 0) != NULL;
    }
    default: return dict_find(kv->v.ptr, m, len) != NULL;
    }
}

static void zset_plain_set_foreach(const struct kv *kv, zset_member_fn *fn, void *arg)
{
    char buf[LP_INTBUF_SIZE];
    if (kv->enc == KV_ENC_INTSET) {
        for (uint32_t i = 0; i < intset_len(kv->v.ptr); i++) {
            size_t len = num_ll_to_str(buf, intset_get(kv->v.ptr, i));
            if (!fn(buf, len, 1.0, arg))
                return;
        }
    } else if (kv->enc == KV_ENC_LISTPACK) {
        unsigned char *lp = kv->v.ptr;
        for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p)) {
            size_t len;
            const unsigned char *m = lp_get(p, &len, (unsigned char *)buf);
            if (!fn((const char *)m, len, 1.0, arg))
                return;
        }
    } else {
        struct dict *d = kv->v.ptr;
        struct dict_iter it;
        dict_iter_init(&it, d);
        for (struct dict_node *n; (n = dict_iter_next(&it));) {
            const char *m;
            size_t len;
            d->node_key(n, &m, &len);
            if (!fn(m, len, 1.0, arg))
                break;
        }
        dict_iter_release(&it);
    }
}

enum zsetop { ZSETOP_UNION, ZSETOP_INTER, ZSETOP_DIFF };
enum zaggr { ZAGGR_SUM, ZAGGR_MIN, ZAGGR_MAX };

/* One input: a sorted set, a plain set, or a missing key (empty). */
struct zsrc {
    const struct kv *kv;
    double weight;
};

static size_t zsrc_len(const struct zsrc *s)
{
    if (!s->kv)
        return 0;
    return s->kv->type == KV_ZSET ? zset_len(s->kv) : zset_plain_set_len(s->kv);
}

static bool zsrc_find(const struct zsrc *s, const char *m, size_t len, double *score)
{
    if (!s->kv)
        return false;
    if (s->kv->type == KV_ZSET)
        return zset_score(s->kv, m, len, score);
    *score = 1.0;
    return zset_plain_set_has(s->kv, m, len);
}

/* Calls fn for every member with its (unweighted) score, until fn returns false. */
static void zsrc_foreach(const struct zsrc *s, zset_member_fn *fn, void *arg)
{
    if (!s->kv)
        return;
    if (s->kv->type != KV_ZSET) {
        zset_plain_set_foreach(s->kv, fn, arg);
        return;
    }
    struct zcur cur;
    struct zelem e;
    for (zcur_seek_rank(&cur, s->kv, 0, false); zcur_valid(&cur); zcur_next(&cur)) {
        zcur_get(&cur, &e);
        if (!fn(e.m, e.len, e.score, arg))
            return;
    }
}

static void zaggr_apply(double *target, double v, enum zaggr aggr)
{
    switch (aggr) {
    case ZAGGR_SUM:
        *target += v;
        /* inf + -inf: Redis makes it 0 rather than store a NaN. */
        if (isnan(*target))
            *target = 0;
        break;
    case ZAGGR_MIN:
        if (v < *target)
            *target = v;
        break;
    case ZAGGR_MAX:
        if (v > *target)
            *target = v;
        break;
    }
}

/* The state of one ZUNION/ZINTER/ZDIFF computation. */
struct zsetop_run {
    struct zsrc *src;
    long nsrc;
    enum zaggr aggr;
    double weight;         /* weight of the input being folded in (union) */
    struct zset_big *acc;  /* the result being built (nodes not yet in the skiplist for
                              union, which updates scores in place first) */
    size_t maxlen;         /* longest member in the result */
    size_t totlen;         /* bytes of all members */
    bool count_only;       /* ZINTERCARD */
    long long limit;       /* ZINTERCARD LIMIT, 0 = none */
    long long card;
};

static void zsetop_note_member(struct zsetop_run *r, size_t len)
{
    r->totlen += len;
    if (len > r->maxlen)
        r->maxlen = len;
}

static bool zsetop_union_member(const char *m, size_t len, double score, void *arg)
{
    struct zsetop_run *r = arg;
    double v = score * r->weight;
    if (isnan(v))
        v = 0;
    struct zsl_node *n = zbig_find(r->acc, m, len);
    if (n) {
        zaggr_apply(&n->score, v, r->aggr);
        return true;
    }
    n = zsl_node_new(v, m, len);
    dict_add(&r->acc->members, &n->dnode);
    zsetop_note_member(r, len);
    return true;
}

static bool zsetop_inter_member(const char *m, size_t len, double score, void *arg)
{
    struct zsetop_run *r = arg;
    double total = score * r->src[0].weight;
    if (isnan(total))
        total = 0;
    for (long j = 1; j < r->nsrc; j++) {
        double v;
        if (!zsrc_find(&r->src[j], m, len, &v))
            return true;
        zaggr_apply(&total, v * r->src[j].weight, r->aggr);
    }
    if (r->count_only) {
        r->card++;
        return !(r->limit && r->card >= r->limit);
    }
    zbig_insert(r->acc, total, m, len);
    zsetop_note_member(r, len);
    return true;
}

static bool zsetop_diff_member(const char *m, size_t len, double score, void *arg)
{
    struct zsetop_run *r = arg;
    double v;
    for (long j = 1; j < r->nsrc; j++)
        if (zsrc_find(&r->src[j], m, len, &v))
            return true;
    zbig_insert(r->acc, score, m, len);
    zsetop_note_member(r, len);
    return true;
}

static int zsrc_cmp_len(const void *a, const void *b)
{
    size_t la = zsrc_len(a), lb = zsrc_len(b);
    return la < lb ? -1 : la > lb;
}

static void zsetop_compute(struct zsetop_run *r, enum zsetop op)
{
    if (op != ZSETOP_DIFF)
        qsort(r->src, (size_t)r->nsrc, sizeof *r->src, zsrc_cmp_len);
    if (op == ZSETOP_INTER) {
        /* From the smallest input: every member must be found in all the others. */
        if (zsrc_len(&r->src[0]) > 0)
            zsrc_foreach(&r->src[0], zsetop_inter_member, r);
    } else if (op == ZSETOP_DIFF) {
        if (zsrc_len(&r->src[0]) > 0)
            zsrc_foreach(&r->src[0], zsetop_diff_member, r);
    } else {
        if (r->nsrc > 0)
            dict_reserve(&r->acc->members, zsrc_len(&r->src[r->nsrc - 1]));
        /* Accumulate scores by member, then order the nodes once at the end. */
        for (long i = 0; i < r->nsrc; i++) {
            r->weight = r->src[i].weight;
            zsrc_foreach(&r->src[i], zsetop_union_member, r);
        }
        struct dict_iter it;
        dict_iter_init(&it, &r->acc->members);
        for (struct dict_node *n; (n = dict_iter_next(&it));)
            zsl_insert(&r->acc->zsl, (struct zsl_node *)n);
        dict_iter_release(&it);
    }
}

/* Parses "numkeys key... [WEIGHTS w...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES] [LIMIT n]"
 * from argv[numkeys_at] as the command allows, and runs it (Redis's
 * zunionInterDiffGenericCommand). dst: the STORE destination, or NULL. */
static void zsetop_generic(struct client *c, const struct cmd_arg *dst, int numkeys_at,
                           enum zsetop op, bool count_only)
{
    long long setnum;
    if (num_parse_ll(c->argv[numkeys_at].ptr, c->argv[numkeys_at].len, &setnum) < 0) {
        reply_error_not_int(c);
        return;
    }
    if (setnum < 1) {
        reply_errorf(c, "ERR at least 1 input key is needed for '%s' command", c->cmd->fullname);
        return;
    }
    if (setnum > c->argc - numkeys_at - 1) {
        reply_error_syntax(c);
        return;
    }
    struct zsetop_run r = {.nsrc = (long)setnum, .aggr = ZAGGR_SUM, .count_only = count_only};
    r.src = mem_alloc(sizeof *r.src * (size_t)setnum);
    int j = numkeys_at + 1;
    for (long i = 0; i < setnum; i++, j++) {
        struct kv *kv = db_lookup(c->db, c->argv[j].ptr, c->argv[j].len,
                                  dst ? DB_LOOKUP_WRITE : 0);
        if (kv && kv->type != KV_ZSET && kv->type != KV_SET) {
            reply_error_wrongtype(c);
            goto out_free;
        }
        r.src[i] = (struct zsrc){kv, 1.0};
    }
    bool withscores = false;
    while (j < c->argc) {
        int remaining = c->argc - j;
        const struct cmd_arg *a = &c->argv[j];
        if (op != ZSETOP_DIFF && !count_only && remaining >= setnum + 1 &&
            client_arg_is(a, "weights")) {
            j++;
            for (long i = 0; i < setnum; i++, j++)
                if (!zset_parse_score_or_reply(c, &c->argv[j], &r.src[i].weight,
                                               "ERR weight value is not a float"))
                    goto out_free;
        } else if (op != ZSETOP_DIFF && !count_only && remaining >= 2 &&
                   client_arg_is(a, "aggregate")) {
            const struct cmd_arg *v = &c->argv[j + 1];
            if (client_arg_is(v, "sum"))
                r.aggr = ZAGGR_SUM;
            else if (client_arg_is(v, "min"))
                r.aggr = ZAGGR_MIN;
            else if (client_arg_is(v, "max"))
                r.aggr = ZAGGR_MAX;
            else {
                reply_error_syntax(c);
                goto out_free;
            }
            j += 2;
        } else if (!dst && !count_only && client_arg_is(a, "withscores")) {
            withscores = true;
            j++;
        } else if (count_only && remaining >= 2 && client_arg_is(a, "limit")) {
            if (!zset_parse_long_or_reply(c, &c->argv[j + 1], 0, LLONG_MAX,
                                          "ERR LIMIT can't be negative", &r.limit))
                goto out_free;
            j += 2;
        } else {
            reply_error_syntax(c);
            goto out_free;
        }
    }
    r.acc = zbig_new(0);
    zsetop_compute(&r, op);
    if (count_only) {
        zbig_free(r.acc);
        reply_integer(c, r.card);
    } else if (dst) {
        static const char *const events[] = {
            [ZSETOP_UNION] = "zunionstore",
            [ZSETOP_INTER] = "zinterstore",
            [ZSETOP_DIFF] = "zdiffstore",
        };
        struct kv *val = kv_new_ptr(dst->ptr, dst->len, KV_ZSET, KV_ENC_SKIPLIST, r.acc, -1);
        zset_compact_if_fits(val, r.maxlen, r.totlen);
        zset_store_result(c, dst, val, events[op]);
    } else {
        zset_reply_header(c, (long long)r.acc->zsl.length, withscores);
        for (struct zsl_node *n = r.acc->zsl.header->level[0].forward; n; n = n->level[0].forward)
            zset_reply_pair(c, zsl_member(n), n->mlen, n->score, withscores, c->resp > 2);
        zbig_free(r.acc);
    }
out_free:
    mem_free(r.src);
}

void cmd_zunion(struct client *c)
{
    zsetop_generic(c, NULL, 1, ZSETOP_UNION, false);
}

void cmd_zinter(struct client *c)
{
    zsetop_generic(c, NULL, 1, ZSETOP_INTER, false);
}

void cmd_zdiff(struct client *c)
{
    zsetop_generic(c, NULL, 1, ZSETOP_DIFF, false);
}

void cmd_zunionstore(struct client *c)
{
    zsetop_generic(c, &c->argv[1], 2, ZSETOP_UNION, false);
}

void cmd_zinterstore(struct client *c)
{
    zsetop_generic(c, &c->argv[1], 2, ZSETOP_INTER, false);
}

void cmd_zdiffstore(struct client *c)
{
    zsetop_generic(c, &c->argv[1], 2, ZSETOP_DIFF, false);
}

void cmd_zintercard(struct client *c)
{
    zsetop_generic(c, NULL, 1, ZSETOP_INTER, true);
}

/* ---- ZSCAN ---- */

struct zscan_acc {
    struct zsl_node **nodes;
    size_t n;
    size_t cap;
};

static void zscan_collect(struct dict_node *node, void *arg)
{
    struct zscan_acc *a = arg;
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->nodes = mem_realloc(a->nodes, sizeof *a->nodes * a->cap);
    }
    a->nodes[a->n++] = (struct zsl_node *)node;
}

static bool zscan_matches(const struct scan_opts *o, const char *m, size_t len)
{
    return !o->match || glob_match(o->match->ptr, o->match->len, m, len, false);
}

void cmd_zscan(struct client *c)
{
    struct scan_opts o;
    struct kv *kv;
    if (!scan_parse_or_reply(c, 2, false, &o) || !zset_lookup_or_reply(c, &c->argv[1], 0, &kv))
        return;
    if (!kv) {
        scan_reply_header(c, 0, 0);
        return;
    }
    char sbuf[ZSET_SCORE_STR_MAX];
    if (kv->enc == KV_ENC_LISTPACK) {
        /* Compact sets answer in one go with cursor 0, as Redis; the score is the
         * stored text. */
        unsigned char *lp = kv->v.ptr;
        unsigned char mbuf[LP_INTBUF_SIZE], vbuf[LP_INTBUF_SIZE];
        size_t mlen, slen, n = 0;
        for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p))) {
            const unsigned char *m = lp_get(p, &mlen, mbuf);
            n += zscan_matches(&o, (const char *)m, mlen);
        }
        scan_reply_header(c, 0, (long long)n * 2);
        for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p))) {
            const unsigned char *m = lp_get(p, &mlen, mbuf);
            if (!zscan_matches(&o, (const char *)m, mlen))
                continue;
            const unsigned char *s = lp_get(lp_next(lp, p), &slen, vbuf);
            reply_bulk(c, (const char *)m, mlen);
            reply_bulk(c, (const char *)s, slen);
        }
        return;
    }
    struct zset_big *z = kv->v.ptr;
    struct zscan_acc acc = {0};
    unsigned long long cursor = o.cursor;
    /* As Redis: stop after COUNT elements or 10 * COUNT buckets, whichever comes first. */
    long long max_iter = o.count * 10;
    do {
        cursor = dict_scan(&z->members, cursor, zscan_collect, &acc);
    } while (cursor && --max_iter > 0 && acc.n < (size_t)o.count);
    size_t kept = 0;
    for (size_t i = 0; i < acc.n; i++)
        if (zscan_matches(&o, zsl_member(acc.nodes[i]), acc.nodes[i]->mlen))
            acc.nodes[kept++] = acc.nodes[i];
    scan_reply_header(c, cursor, (long long)kept * 2);
    for (size_t i = 0; i < kept; i++) {
        reply_bulk(c, zsl_member(acc.nodes[i]), acc.nodes[i]->mlen);
        size_t slen = zset_score_to_str(sbuf, acc.nodes[i]->score);
        reply_bulk(c, sbuf, slen);
    }
    mem_free(acc.nodes);
}

/* ---- the API other modules use (t_zset.h) ---- */

struct kv *zset_type_new(const char *key, size_t klen, size_t hint)
{
    struct cmd_arg k = {(char *)key, klen};
    return zset_kv_new(&k, hint, 0);
}

bool zset_type_add(struct kv *kv, const char *m, size_t len, double score)
{
    unsigned out;
    double unused;
    zset_add(kv, score, m, len, ZADD_IN_NX, &out, &unused);
    return (out & ZADD_OUT_ADDED) != 0;
}

unsigned long zset_type_len(const struct kv *kv)
{
    return zset_len(kv);
}

void zset_type_foreach(const struct kv *kv, zset_member_fn *fn, void *arg)
{
    struct zcur cur;
    struct zelem e;
    zcur_init(&cur, kv, false);
    zcur_seek_rank(&cur, kv, 0, false);
    for (; zcur_valid(&cur); zcur_next(&cur)) {
        zcur_get(&cur, &e);
        if (!fn(e.m, e.len, e.score, arg))
            break;
    }
}
