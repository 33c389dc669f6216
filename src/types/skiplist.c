#include "skiplist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"

/* ---- comparisons and ranges ---- */

int zsl_cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t min = alen < blen ? alen : blen;
    int cmp = min ? memcmp(a, b, min) : 0;
    if (cmp)
        return cmp;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

bool zrange_score_gte_min(double score, const struct zrange_score *r)
{
    return r->minex ? score > r->min : score >= r->min;
}

bool zrange_score_lte_max(double score, const struct zrange_score *r)
{
    return r->maxex ? score < r->max : score <= r->max;
}

bool zrange_score_empty(const struct zrange_score *r)
{
    return r->min > r->max || (r->min == r->max && (r->minex || r->maxex));
}

static int zlex_cmp_bound(const char *m, size_t len, const struct zlex_bound *b)
{
    return zsl_cmp_bytes(m, len, b->p, b->len);
}

bool zrange_lex_gte_min(const char *m, size_t len, const struct zrange_lex *r)
{
    switch (r->min.kind) {
    case ZLEX_NEG_INF: return true;
    case ZLEX_POS_INF: return false;
    case ZLEX_INCL: return zlex_cmp_bound(m, len, &r->min) >= 0;
    case ZLEX_EXCL: return zlex_cmp_bound(m, len, &r->min) > 0;
    }
    return false;
}

bool zrange_lex_lte_max(const char *m, size_t len, const struct zrange_lex *r)
{
    switch (r->max.kind) {
    case ZLEX_NEG_INF: return false;
    case ZLEX_POS_INF: return true;
    case ZLEX_INCL: return zlex_cmp_bound(m, len, &r->max) <= 0;
    case ZLEX_EXCL: return zlex_cmp_bound(m, len, &r->max) < 0;
    }
    return false;
}

bool zrange_lex_empty(const struct zrange_lex *r)
{
    if (r->min.kind == ZLEX_POS_INF || r->max.kind == ZLEX_NEG_INF)
        return true;
    if (r->min.kind == ZLEX_NEG_INF || r->max.kind == ZLEX_POS_INF)
        return false;
    int cmp = zsl_cmp_bytes(r->min.p, r->min.len, r->max.p, r->max.len);
    return cmp > 0 || (cmp == 0 && (r->min.kind == ZLEX_EXCL || r->max.kind == ZLEX_EXCL));
}

/* Redis parses bounds with a bare strtod: an empty bound is 0 and "1e999" is inf; only
 * trailing bytes and NaN are refused. The text must be NUL-terminated. */
static int zrange_parse_score_bound(const char *s, double *v, bool *ex)
{
    char *end;
    *ex = s[0] == '(';
    if (*ex)
        s++;
    *v = strtod(s, &end);
    return *end != '\0' || isnan(*v) ? -1 : 0;
}

int zrange_parse_score(const char *min, const char *max, struct zrange_score *r)
{
    if (zrange_parse_score_bound(min, &r->min, &r->minex) < 0 ||
        zrange_parse_score_bound(max, &r->max, &r->maxex) < 0)
        return -1;
    return 0;
}

/* As Redis, "+" and "-" are checked up to the first NUL byte. */
static int zrange_parse_lex_bound(const char *s, size_t len, struct zlex_bound *b)
{
    if (len == 0)
        return -1;
    b->p = s + 1;
    b->len = len - 1;
    switch (s[0]) {
    case '+': b->kind = ZLEX_POS_INF; return s[1] == '\0' ? 0 : -1;
    case '-': b->kind = ZLEX_NEG_INF; return s[1] == '\0' ? 0 : -1;
    case '(': b->kind = ZLEX_EXCL; return 0;
    case '[': b->kind = ZLEX_INCL; return 0;
    default: return -1;
    }
}

int zrange_parse_lex(const char *min, size_t minlen, const char *max, size_t maxlen,
                     struct zrange_lex *r)
{
    if (zrange_parse_lex_bound(min, minlen, &r->min) < 0 ||
        zrange_parse_lex_bound(max, maxlen, &r->max) < 0)
        return -1;
    return 0;
}

/* ---- nodes ---- */

void zsl_node_key(const struct dict_node *node, const char **key, size_t *len)
{
    const struct zsl_node *n = (const struct zsl_node *)node;
    *key = zsl_member(n);
    *len = n->mlen;
}

static struct zsl_node *zsl_node_alloc(int height, double score, const char *m, size_t len)
{
    struct zsl_node *n =
        mem_alloc(sizeof *n + (size_t)height * sizeof(struct zsl_link) + len);
    n->dnode.next = NULL;
    n->score = score;
    n->backward = NULL;
    n->mlen = (uint32_t)len;
    n->height = (uint8_t)height;
    for (int i = 0; i < height; i++) {
        n->level[i].forward = NULL;
        n->level[i].span = 0;
    }
    if (len)
        memcpy((char *)(n->level + height), m, len);
    return n;
}

/* Each extra level with probability 1/4, as Redis: about 1.33 links per node. */
static int zsl_random_height(void)
{
    int h = 1;
    while (h < ZSL_MAX_LEVEL && (random() & 0xFFFF) < 0xFFFF / 4)
        h++;
    return h;
}

struct zsl_node *zsl_node_new(double score, const char *m, size_t len)
{
    return zsl_node_alloc(zsl_random_height(), score, m, len);
}

void zsl_node_free(struct zsl_node *n)
{
    mem_free(n);
}

size_t zsl_node_memory(const struct zsl_node *n)
{
    return mem_usable(n);
}

void zsl_init(struct zsl *zsl)
{
    zsl->header = zsl_node_alloc(ZSL_MAX_LEVEL, 0, NULL, 0);
    zsl->tail = NULL;
    zsl->length = 0;
    zsl->level = 1;
}

void zsl_free(struct zsl *zsl)
{
    struct zsl_node *n = zsl->header->level[0].forward;
    while (n) {
        struct zsl_node *next = n->level[0].forward;
        zsl_node_free(n);
        n = next;
    }
    zsl_node_free(zsl->header);
    zsl->header = NULL;
    zsl->tail = NULL;
    zsl->length = 0;
}

/* ---- the one search every operation is built on ---- */

/* "Keep going": true while the candidate node (with its 1-based rank) lies before the
 * position being looked for. Must be monotonic along the list. */
typedef bool zsl_pred(const struct zsl_node *n, size_t rank, const void *arg);

/* Descends from the top level, moving forward while pred holds for the next node. Fills
 * update[i] (the last node at level i before the position) and rank[i] (its rank) when
 * asked, and returns the last node for which pred held (the header if none). */
static struct zsl_node *zsl_walk(const struct zsl *zsl, zsl_pred *pred, const void *arg,
                                 struct zsl_node **update, size_t *rank, size_t *final_rank)
{
    struct zsl_node *x = zsl->header;
    size_t traversed = 0;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward &&
               pred(x->level[i].forward, traversed + x->level[i].span, arg)) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        if (update)
            update[i] = x;
        if (rank)
            rank[i] = traversed;
    }
    if (final_rank)
        *final_rank = traversed;
    return x;
}

/* The (score, member) key a node is placed by. */
struct zsl_key {
    double score;
    const char *m;
    size_t len;
};

static int zsl_cmp_node(const struct zsl_node *n, const struct zsl_key *k)
{
    if (n->score != k->score)
        return n->score < k->score ? -1 : 1;
    return zsl_cmp_bytes(zsl_member(n), n->mlen, k->m, k->len);
}

static bool zsl_pred_before_key(const struct zsl_node *n, size_t rank, const void *arg)
{
    (void)rank;
    return zsl_cmp_node(n, arg) < 0;
}

static bool zsl_pred_not_after_key(const struct zsl_node *n, size_t rank, const void *arg)
{
    (void)rank;
    return zsl_cmp_node(n, arg) <= 0;
}

static struct zsl_key zsl_key_of(const struct zsl_node *n)
{
    return (struct zsl_key){n->score, zsl_member(n), n->mlen};
}

/* ---- insert, unlink, update ---- */

/* Links n after update[] (ranks in rank[]), as zslInsert does after its search. */
static void zsl_link_at(struct zsl *zsl, struct zsl_node *n, struct zsl_node **update,
                        size_t *rank)
{
    int height = n->height;
    if (height > zsl->level) {
        for (int i = zsl->level; i < height; i++) {
            rank[i] = 0;
            update[i] = zsl->header;
            update[i]->level[i].span = zsl->length;
        }
        zsl->level = height;
    }
    for (int i = 0; i < height; i++) {
        n->level[i].forward = update[i]->level[i].forward;
        update[i]->level[i].forward = n;
        n->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
        update[i]->level[i].span = (rank[0] - rank[i]) + 1;
    }
    for (int i = height; i < zsl->level; i++)
        update[i]->level[i].span++;
    n->backward = update[0] == zsl->header ? NULL : update[0];
    if (n->level[0].forward)
        n->level[0].forward->backward = n;
    else
        zsl->tail = n;
    zsl->length++;
}

void zsl_insert(struct zsl *zsl, struct zsl_node *n)
{
    struct zsl_node *update[ZSL_MAX_LEVEL];
    size_t rank[ZSL_MAX_LEVEL];
    struct zsl_key k = zsl_key_of(n);
    zsl_walk(zsl, zsl_pred_before_key, &k, update, rank, NULL);
    zsl_link_at(zsl, n, update, rank);
}

/* Unlinks x, whose predecessors at each level are update[]. */
static void zsl_unlink_at(struct zsl *zsl, struct zsl_node *x, struct zsl_node **update)
{
    for (int i = 0; i < zsl->level; i++) {
        if (update[i]->level[i].forward == x) {
            update[i]->level[i].span += x->level[i].span - 1;
            update[i]->level[i].forward = x->level[i].forward;
        } else {
            update[i]->level[i].span -= 1;
        }
    }
    if (x->level[0].forward)
        x->level[0].forward->backward = x->backward;
    else
        zsl->tail = x->backward;
    while (zsl->level > 1 && zsl->header->level[zsl->level - 1].forward == NULL)
        zsl->level--;
    zsl->length--;
}

void zsl_unlink(struct zsl *zsl, struct zsl_node *n)
{
    struct zsl_node *update[ZSL_MAX_LEVEL];
    struct zsl_key k = zsl_key_of(n);
    zsl_walk(zsl, zsl_pred_before_key, &k, update, NULL, NULL);
    zsl_unlink_at(zsl, n, update);
}

void zsl_update_score(struct zsl *zsl, struct zsl_node *n, double score)
{
    /* Still between its neighbours: only the score changes, as zslUpdateScore. */
    if ((n->backward == NULL || n->backward->score < score) &&
        (n->level[0].forward == NULL || n->level[0].forward->score > score)) {
        n->score = score;
        return;
    }
    zsl_unlink(zsl, n);
    n->score = score;
    zsl_insert(zsl, n);
}

/* ---- ranks ---- */

size_t zsl_rank_of(const struct zsl *zsl, const struct zsl_node *n)
{
    struct zsl_key k = zsl_key_of(n);
    size_t rank;
    struct zsl_node *x = zsl_walk(zsl, zsl_pred_not_after_key, &k, NULL, NULL, &rank);
    return x == n ? rank : 0;
}

/* A 1-based inclusive rank interval, the argument of the rank predicates. */
struct zsl_ranks {
    size_t start;
    size_t end;
};

static bool zsl_pred_rank_below(const struct zsl_node *n, size_t rank, const void *arg)
{
    (void)n;
    return rank < ((const struct zsl_ranks *)arg)->start;
}

static bool zsl_pred_rank_upto(const struct zsl_node *n, size_t rank, const void *arg)
{
    (void)n;
    return rank <= ((const struct zsl_ranks *)arg)->end;
}

struct zsl_node *zsl_at_rank(const struct zsl *zsl, size_t rank)
{
    if (rank == 0 || rank > zsl->length)
        return NULL;
    struct zsl_ranks r = {rank, rank};
    return zsl_walk(zsl, zsl_pred_rank_upto, &r, NULL, NULL, NULL);
}

/* ---- score and lex ranges ---- */

static bool zsl_pred_below_score_min(const struct zsl_node *n, size_t rank, const void *arg)
{
    (void)rank;
    return !zrange_score_gte_min(n->score, arg);
}

static bool zsl_pred_upto_score_max(const struct zsl_node *n, size_t rank, const void *arg)
{
    (void)rank;
    return zrange_score_lte_max(n->score, arg);
}

static bool zsl_pred_below_lex_min(const struct zsl_node *n, size_t rank, const void *arg)
{
    (void)rank;
    return !zrange_lex_gte_min(zsl_member(n), n->mlen, arg);
}

static bool zsl_pred_upto_lex_max(const struct zsl_node *n, size_t rank, const void *arg)
{
    (void)rank;
    return zrange_lex_lte_max(zsl_member(n), n->mlen, arg);
}

struct zsl_node *zsl_first_in_score(const struct zsl *zsl, const struct zrange_score *r)
{
    if (zrange_score_empty(r))
        return NULL;
    struct zsl_node *x = zsl_walk(zsl, zsl_pred_below_score_min, r, NULL, NULL, NULL);
    x = x->level[0].forward;
    return x && zrange_score_lte_max(x->score, r) ? x : NULL;
}

struct zsl_node *zsl_last_in_score(const struct zsl *zsl, const struct zrange_score *r)
{
    if (zrange_score_empty(r))
        return NULL;
    struct zsl_node *x = zsl_walk(zsl, zsl_pred_upto_score_max, r, NULL, NULL, NULL);
    return x != zsl->header && zrange_score_gte_min(x->score, r) ? x : NULL;
}

struct zsl_node *zsl_first_in_lex(const struct zsl *zsl, const struct zrange_lex *r)
{
    if (zrange_lex_empty(r))
        return NULL;
    struct zsl_node *x = zsl_walk(zsl, zsl_pred_below_lex_min, r, NULL, NULL, NULL);
    x = x->level[0].forward;
    return x && zrange_lex_lte_max(zsl_member(x), x->mlen, r) ? x : NULL;
}

struct zsl_node *zsl_last_in_lex(const struct zsl *zsl, const struct zrange_lex *r)
{
    if (zrange_lex_empty(r))
        return NULL;
    struct zsl_node *x = zsl_walk(zsl, zsl_pred_upto_lex_max, r, NULL, NULL, NULL);
    return x != zsl->header && zrange_lex_gte_min(zsl_member(x), x->mlen, r) ? x : NULL;
}

/* ---- range deletion ---- */

/* Deletes the run of nodes that starts where `before` stops holding and lasts while
 * `inside` holds: one search, then O(1) per removed node. */
static size_t zsl_delete_run(struct zsl *zsl, zsl_pred *before, zsl_pred *inside,
                             const void *arg, zsl_gone_fn *gone, void *garg)
{
    struct zsl_node *update[ZSL_MAX_LEVEL];
    size_t rank;
    struct zsl_node *x = zsl_walk(zsl, before, arg, update, NULL, &rank);
    x = x->level[0].forward;
    size_t removed = 0;
    while (x && inside(x, rank + 1, arg)) {
        struct zsl_node *next = x->level[0].forward;
        zsl_unlink_at(zsl, x, update);
        gone(x, garg);
        removed++;
        /* The ranks of what follows dropped by one: keep counting from the same place,
         * but test the next node with the rank it had before the deletions. */
        rank++;
        x = next;
    }
    return removed;
}

size_t zsl_delete_score_range(struct zsl *zsl, const struct zrange_score *r, zsl_gone_fn *gone,
                              void *arg)
{
    if (zrange_score_empty(r))
        return 0;
    return zsl_delete_run(zsl, zsl_pred_below_score_min, zsl_pred_upto_score_max, r, gone, arg);
}

size_t zsl_delete_lex_range(struct zsl *zsl, const struct zrange_lex *r, zsl_gone_fn *gone,
                            void *arg)
{
    if (zrange_lex_empty(r))
        return 0;
    return zsl_delete_run(zsl, zsl_pred_below_lex_min, zsl_pred_upto_lex_max, r, gone, arg);
}

size_t zsl_delete_rank_range(struct zsl *zsl, size_t start, size_t end, zsl_gone_fn *gone,
                             void *arg)
{
    if (start == 0 || start > end)
        return 0;
    struct zsl_ranks r = {start, end};
    return zsl_delete_run(zsl, zsl_pred_rank_below, zsl_pred_rank_upto, &r, gone, arg);
}
