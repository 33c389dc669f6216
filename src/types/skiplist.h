/* skiplist: the ordered index of a large sorted set (OBJECT ENCODING "skiplist").
 *
 * Members are ordered by score, then by member bytes (memcmp, shorter first on a common
 * prefix). Every forward link carries a span (how many level-0 steps it jumps), so the
 * rank of a member and the member at a rank are found in O(log n), like Redis's zskiplist.
 *
 * Memory: a node is ONE allocation holding, in order, a dict_node (so the same block is the
 * entry of the sorted set's member -> score table, see dict.h), the score, the backward
 * link, its forward links and finally the member bytes. Redis spends a dict entry, an sds
 * and a skiplist node per member; folding them into one block is where ferrite saves.
 *
 * The list never owns its nodes' membership in other structures: zsl_free and the range
 * deletions hand each node to a caller's callback or free it, as documented per function.
 * Score and lex ranges are shared with the compact encoding (t_zset.c), so their
 * comparison helpers live here too. */
#ifndef FERRITE_SKIPLIST_H
#define FERRITE_SKIPLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../db/dict.h"

/* Enough for 4^32 elements at p = 1/4, as Redis. */
#define ZSL_MAX_LEVEL 32

struct zsl_node;

/* One forward link of a node. */
struct zsl_link {
    struct zsl_node *forward; /* next node at this level, NULL at the end */
    size_t span;              /* level-0 steps this link jumps over */
};

struct zsl_node {
    struct dict_node dnode;    /* member table chain link: MUST stay first (dict.h) */
    double score;
    struct zsl_node *backward; /* previous node at level 0; NULL for the first */
    uint32_t mlen;             /* member length in bytes */
    uint8_t height;            /* number of links in level[] */
    struct zsl_link level[];   /* height links, then mlen member bytes */
};

struct zsl {
    struct zsl_node *header; /* sentinel with ZSL_MAX_LEVEL links and no member */
    struct zsl_node *tail;   /* last node, NULL when empty */
    size_t length;
    int level;               /* height of the tallest node (>= 1) */
};

/* A score interval; minex/maxex make a bound exclusive ("(1.5"). */
struct zrange_score {
    double min;
    double max;
    bool minex;
    bool maxex;
};

/* One end of a lex interval: "-" (below everything), "+" (above everything), "[x" or "(x".
 * p points into the caller's argument, which must outlive the range. */
enum zlex_kind { ZLEX_NEG_INF, ZLEX_POS_INF, ZLEX_INCL, ZLEX_EXCL };

struct zlex_bound {
    enum zlex_kind kind;
    const char *p;
    size_t len;
};

struct zrange_lex {
    struct zlex_bound min;
    struct zlex_bound max;
};

/* Member bytes of a node (not NUL-terminated). */
static inline const char *zsl_member(const struct zsl_node *n)
{
    return (const char *)(n->level + n->height);
}

/* The dict callback reporting a node's member as its key. */
void zsl_node_key(const struct dict_node *node, const char **key, size_t *len);

/* memcmp order, a proper prefix first: Redis's sdscmp. */
int zsl_cmp_bytes(const char *a, size_t alen, const char *b, size_t blen);

/* Range tests shared by both encodings. */
bool zrange_score_gte_min(double score, const struct zrange_score *r);
bool zrange_score_lte_max(double score, const struct zrange_score *r);
/* True when no score can be inside (min > max, or equal with an exclusive end). */
bool zrange_score_empty(const struct zrange_score *r);
bool zrange_lex_gte_min(const char *m, size_t len, const struct zrange_lex *r);
bool zrange_lex_lte_max(const char *m, size_t len, const struct zrange_lex *r);
bool zrange_lex_empty(const struct zrange_lex *r);

/* Parses Redis's score bound syntax ("1.5", "(1.5", "inf", "-inf"); -1 when invalid. */
int zrange_parse_score(const char *min, const char *max, struct zrange_score *r);
/* Parses "-", "+", "[x", "(x" bounds; -1 when invalid. The range borrows the bytes. */
int zrange_parse_lex(const char *min, size_t minlen, const char *max, size_t maxlen,
                     struct zrange_lex *r);

void zsl_init(struct zsl *zsl);
/* Frees every node (they must no longer be linked anywhere else) and the header. */
void zsl_free(struct zsl *zsl);

/* A new unlinked node with a random height; the caller owns it until zsl_insert. */
struct zsl_node *zsl_node_new(double score, const char *m, size_t len);
void zsl_node_free(struct zsl_node *n);
/* Bytes the node occupies, for MEMORY USAGE. */
size_t zsl_node_memory(const struct zsl_node *n);

/* Links a node whose member is not in the list yet. */
void zsl_insert(struct zsl *zsl, struct zsl_node *n);
/* Unlinks a node that is in the list; the caller keeps (and frees) it. */
void zsl_unlink(struct zsl *zsl, struct zsl_node *n);
/* Gives a linked node a new score, moving it only if its order changes. The node keeps
 * its identity (and so its place in the member table). */
void zsl_update_score(struct zsl *zsl, struct zsl_node *n, double score);

/* 1-based rank of a linked node, in O(log n). */
size_t zsl_rank_of(const struct zsl *zsl, const struct zsl_node *n);
/* The node at a 1-based rank, or NULL when out of range; O(log n). */
struct zsl_node *zsl_at_rank(const struct zsl *zsl, size_t rank);

/* First / last node inside the range, or NULL; O(log n). */
struct zsl_node *zsl_first_in_score(const struct zsl *zsl, const struct zrange_score *r);
struct zsl_node *zsl_last_in_score(const struct zsl *zsl, const struct zrange_score *r);
struct zsl_node *zsl_first_in_lex(const struct zsl *zsl, const struct zrange_lex *r);
struct zsl_node *zsl_last_in_lex(const struct zsl *zsl, const struct zrange_lex *r);

/* Range deletions in O(log n + m): each removed node is unlinked and passed to `gone`
 * (which must unlink it from any other structure and free it). Return the count. */
typedef void zsl_gone_fn(struct zsl_node *n, void *arg);
size_t zsl_delete_score_range(struct zsl *zsl, const struct zrange_score *r, zsl_gone_fn *gone,
                              void *arg);
size_t zsl_delete_lex_range(struct zsl *zsl, const struct zrange_lex *r, zsl_gone_fn *gone,
                            void *arg);
/* Ranks are 1-based and inclusive. */
size_t zsl_delete_rank_range(struct zsl *zsl, size_t start, size_t end, zsl_gone_fn *gone,
                             void *arg);

#endif
