/* Unit tests for src/types/quicklist: node splits and merges at the fill limits, indexing
 * from both ends, compression on and off, LZF round trips, and long runs of random
 * operations checked against a plain array of strings after every step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types/quicklist.h"
#include "util/lzf.h"

/* ---- a reference model: an array of owned strings ---- */

struct ref {
    char **v;
    size_t *len;
    size_t n;
    size_t cap;
};

static void ref_insert(struct ref *r, size_t at, const char *s, size_t len)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->v = realloc(r->v, r->cap * sizeof *r->v);
        r->len = realloc(r->len, r->cap * sizeof *r->len);
        assert_non_null(r->v);
        assert_non_null(r->len);
    }
    memmove(&r->v[at + 1], &r->v[at], (r->n - at) * sizeof *r->v);
    memmove(&r->len[at + 1], &r->len[at], (r->n - at) * sizeof *r->len);
    r->v[at] = malloc(len + 1);
    memcpy(r->v[at], s, len);
    r->len[at] = len;
    r->n++;
}

static void ref_delete(struct ref *r, size_t at, size_t count)
{
    for (size_t i = at; i < at + count; i++)
        free(r->v[i]);
    memmove(&r->v[at], &r->v[at + count], (r->n - at - count) * sizeof *r->v);
    memmove(&r->len[at], &r->len[at + count], (r->n - at - count) * sizeof *r->len);
    r->n -= count;
}

static void ref_free(struct ref *r)
{
    ref_delete(r, 0, r->n);
    free(r->v);
    free(r->len);
}

/* ---- helpers ---- */

static void push_str(struct quicklist *ql, const char *s, enum ql_where where)
{
    ql_push(ql, (const unsigned char *)s, strlen(s), where);
}

static bool entry_is(const struct ql_entry *e, const char *s, size_t len)
{
    return ql_entry_eq(e, (const unsigned char *)s, len);
}

static size_t node_limit(const struct quicklist *ql)
{
    return ql->fill < 0 ? (size_t)4096 << (-ql->fill - 1) : 8192;
}

/* Checks the structure: counts add up, links agree, nodes respect the fill (a single
 * element may exceed it), the compress-depth ends are plain and nothing is left expanded. */
static void check_structure(const struct quicklist *ql)
{
    unsigned long total = 0;
    uint32_t len = 0;
    const struct ql_node *prev = NULL;
    for (const struct ql_node *n = ql->head; n; prev = n, n = n->next) {
        assert_ptr_equal(n->prev, prev);
        assert_true(n->count > 0);
        assert_false(n->recompress);
        if (n->count > 1) {
            assert_true(n->sz <= node_limit(ql));
            if (ql->fill >= 0)
                assert_true(n->count <= ql->fill);
        }
        if (!n->compressed) {
            assert_int_equal(lp_bytes(n->lp), n->sz);
            assert_int_equal(lp_length(n->lp), n->count);
        }
        total += n->count;
        len++;
    }
    assert_ptr_equal(ql->tail, prev);
    assert_int_equal(total, ql->count);
    assert_int_equal(len, ql->len);
    /* Ends within depth are plain. */
    const struct ql_node *f = ql->head, *b = ql->tail;
    for (unsigned i = 0; i < ql->compress && f; i++, f = f->next, b = b->prev) {
        assert_false(f->compressed);
        assert_false(b->compressed);
    }
    if (ql->compress == 0)
        for (const struct ql_node *n = ql->head; n; n = n->next)
            assert_false(n->compressed);
}

/* Checks that every node more than `compress` nodes from both ends is compressed, unless
 * it is too small or LZF did not pay off for it. */
static void check_inner_compressed(const struct quicklist *ql)
{
    uint32_t pos = 0;
    for (const struct ql_node *n = ql->head; n; n = n->next, pos++) {
        bool inner = ql->compress && pos >= ql->compress && pos + ql->compress < ql->len;
        if (inner && n->sz >= 48 && !n->nocompress)
            assert_true(n->compressed);
    }
}

/* Checks every element in both directions and by index against the reference. */
static void check_contents(struct quicklist *ql, const struct ref *r, bool by_index)
{
    struct ql_iter it;
    struct ql_entry e;
    size_t i = 0;
    assert_int_equal(ql_count(ql), r->n);
    ql_iter_init(&it, ql, 0, QL_TAIL);
    while (ql_iter_next(&it, &e)) {
        assert_true(i < r->n);
        assert_true(entry_is(&e, r->v[i], r->len[i]));
        i++;
    }
    ql_iter_release(&it);
    assert_int_equal(i, r->n);
    ql_iter_init(&it, ql, -1, QL_HEAD);
    while (ql_iter_next(&it, &e)) {
        assert_true(i > 0);
        i--;
        assert_true(entry_is(&e, r->v[i], r->len[i]));
    }
    ql_iter_release(&it);
    assert_int_equal(i, 0);
    if (by_index) {
        for (size_t k = 0; k < r->n; k++) {
            assert_true(ql_index(ql, (long)k, &e));
            assert_true(entry_is(&e, r->v[k], r->len[k]));
            ql_release_entry(ql, &e);
            assert_true(ql_index(ql, (long)k - (long)r->n, &e));
            assert_true(entry_is(&e, r->v[k], r->len[k]));
            ql_release_entry(ql, &e);
        }
        assert_false(ql_index(ql, (long)r->n, &e));
        assert_false(ql_index(ql, -(long)r->n - 1, &e));
    }
    check_structure(ql);
}

/* ---- tests ---- */

static void test_push_pop_both_ends(void **state)
{
    (void)state;
    struct quicklist *ql = ql_new(-2, 0);
    struct ql_entry e;
    assert_false(ql_peek(ql, QL_HEAD, &e));
    push_str(ql, "b", QL_TAIL);
    push_str(ql, "a", QL_HEAD);
    push_str(ql, "12345", QL_TAIL);
    assert_int_equal(ql_count(ql), 3);
    assert_true(ql_peek(ql, QL_HEAD, &e));
    assert_true(entry_is(&e, "a", 1));
    assert_true(ql_peek(ql, QL_TAIL, &e));
    assert_null(e.v.sval); /* integers are stored as integers */
    assert_int_equal(e.v.lval, 12345);
    ql_pop(ql, QL_TAIL);
    ql_pop(ql, QL_HEAD);
    assert_true(ql_peek(ql, QL_HEAD, &e));
    assert_true(entry_is(&e, "b", 1));
    ql_pop(ql, QL_HEAD);
    assert_int_equal(ql_count(ql), 0);
    assert_int_equal(ql->len, 0);
    assert_null(ql->head);
    assert_null(ql->tail);
    ql_free(ql);
}

static void test_fill_by_count(void **state)
{
    (void)state;
    struct quicklist *ql = ql_new(4, 0);
    char buf[16];
    for (int i = 0; i < 10; i++) {
        snprintf(buf, sizeof buf, "v%d", i);
        push_str(ql, buf, QL_TAIL);
    }
    assert_int_equal(ql->len, 3);
    assert_int_equal(ql->head->count, 4);
    assert_int_equal(ql->head->next->count, 4);
    assert_int_equal(ql->tail->count, 2);
    /* Pushing at the head of a full head node opens a new node. */
    push_str(ql, "h", QL_HEAD);
    assert_int_equal(ql->len, 4);
    assert_int_equal(ql->head->count, 1);
    check_structure(ql);
    ql_free(ql);

    /* fill 0 and fill 1: one element per node. */
    for (int fill = 0; fill <= 1; fill++) {
        ql = ql_new(fill, 0);
        for (int i = 0; i < 5; i++)
            push_str(ql, "x", QL_TAIL);
        assert_int_equal(ql->len, 5);
        ql_free(ql);
    }
    /* Out-of-range fills are clamped like Redis. */
    ql = ql_new(-100, 0);
    assert_int_equal(ql->fill, -5);
    ql_free(ql);
    ql = ql_new(1000000, 0);
    assert_int_equal(ql->fill, QL_FILL_MAX);
    ql_free(ql);
}

static void test_fill_by_size(void **state)
{
    (void)state;
    char val[100];
    memset(val, 'x', sizeof val);
    for (int fill = -1; fill >= -5; fill--) {
        struct quicklist *ql = ql_new(fill, 0);
        size_t limit = (size_t)4096 << (-fill - 1);
        for (int i = 0; i < 3000; i++)
            ql_push(ql, (const unsigned char *)val, sizeof val, i % 2 ? QL_TAIL : QL_HEAD);
        for (struct ql_node *n = ql->head; n; n = n->next) {
            assert_true(n->sz <= limit);
            /* Nodes other than the ends are packed to within one element of the limit. */
            if (n != ql->head && n != ql->tail)
                assert_true(n->sz + 102 > limit);
        }
        check_structure(ql);
        ql_free(ql);
    }
    /* A positive fill still stops at the 8 KB safety limit. */
    struct quicklist *ql = ql_new(1000, 0);
    for (int i = 0; i < 200; i++)
        ql_push(ql, (const unsigned char *)val, sizeof val, QL_TAIL);
    assert_true(ql->head->count < 1000 && ql->head->sz <= 8192);
    /* An element bigger than the limit gets a node of its own. */
    unsigned char *big = calloc(1, 20000);
    ql_push(ql, big, 20000, QL_TAIL);
    assert_int_equal(ql->tail->count, 1);
    check_structure(ql);
    free(big);
    ql_free(ql);
}

static void test_insert_splits_and_merges(void **state)
{
    (void)state;
    struct quicklist *ql = ql_new(4, 0);
    struct ref r = {0};
    char buf[16];
    for (int i = 1; i <= 8; i++) {
        snprintf(buf, sizeof buf, "%d", i);
        push_str(ql, buf, QL_TAIL);
        ref_insert(&r, r.n, buf, strlen(buf));
    }
    assert_int_equal(ql->len, 2);
    /* [1 2 3 4][5 6 7 8] -> pop 3 -> [4][5 6 7 8] */
    ql_del_range(ql, 0, 3);
    ref_delete(&r, 0, 3);
    assert_int_equal(ql->head->count, 1);
    /* Insert after 5 (offset 0 of the full node): the node splits into [5 x][6 7 8] and the
     * left half merges with [4] into [4 5 x]. */
    struct ql_entry e;
    assert_true(ql_index(ql, 1, &e));
    assert_ptr_equal(e.node, ql->tail);
    ql_release_entry(ql, &e);
    ql_insert(ql, e.node, e.offset, (const unsigned char *)"x", 1, true);
    ref_insert(&r, 2, "x", 1);
    assert_int_equal(ql->len, 2);
    assert_int_equal(ql->head->count, 3);
    assert_int_equal(ql->tail->count, 3);
    check_contents(ql, &r, true);

    /* Filling the middle forces splits; every node stays within the fill. */
    for (int i = 0; i < 40; i++) {
        long at = (long)(r.n / 2);
        assert_true(ql_index(ql, at, &e));
        ql_release_entry(ql, &e);
        snprintf(buf, sizeof buf, "m%d", i);
        bool after = i % 2;
        ql_insert(ql, e.node, e.offset, (const unsigned char *)buf, strlen(buf), after);
        ref_insert(&r, (size_t)at + after, buf, strlen(buf));
        check_contents(ql, &r, false);
    }
    /* Inserting at node edges uses the neighbour when it has room. */
    struct ql_node *first = ql->head;
    assert_true(ql_index(ql, 0, &e));
    ql_release_entry(ql, &e);
    ql_insert(ql, e.node, 0, (const unsigned char *)"front", 5, false);
    ref_insert(&r, 0, "front", 5);
    assert_true(ql->head == first || ql->head->count == 1);
    check_contents(ql, &r, true);
    ql_free(ql);
    ref_free(&r);
}

static void test_replace(void **state)
{
    (void)state;
    struct quicklist *ql = ql_new(-1, 0);
    struct ref r = {0};
    char small[32];
    for (int i = 0; i < 200; i++) {
        snprintf(small, sizeof small, "element-%d", i);
        push_str(ql, small, QL_TAIL);
        ref_insert(&r, r.n, small, strlen(small));
    }
    assert_true(ql_replace(ql, 0, (const unsigned char *)"first", 5));
    assert_true(ql_replace(ql, -1, (const unsigned char *)"last", 4));
    ref_delete(&r, 0, 1);
    ref_insert(&r, 0, "first", 5);
    ref_delete(&r, r.n - 1, 1);
    ref_insert(&r, r.n, "last", 4);
    assert_false(ql_replace(ql, 200, (const unsigned char *)"x", 1));
    assert_false(ql_replace(ql, -201, (const unsigned char *)"x", 1));
    /* A value too big for its full node moves through the split path. */
    char big[3000];
    memset(big, 'b', sizeof big);
    assert_true(ql_replace(ql, 100, (const unsigned char *)big, sizeof big));
    ref_delete(&r, 100, 1);
    ref_insert(&r, 100, big, sizeof big);
    check_contents(ql, &r, true);
    ql_free(ql);
    ref_free(&r);
}

static void test_index_both_ends(void **state)
{
    (void)state;
    struct quicklist *ql = ql_new(7, 0);
    struct ref r = {0};
    char buf[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(buf, sizeof buf, "%d", i);
        push_str(ql, buf, QL_TAIL);
        ref_insert(&r, r.n, buf, strlen(buf));
    }
    check_contents(ql, &r, true);
    /* Iterators started in the middle, both ways. */
    struct ql_iter it;
    struct ql_entry e;
    ql_iter_init(&it, ql, 500, QL_TAIL);
    assert_true(ql_iter_next(&it, &e));
    assert_true(entry_is(&e, "500", 3));
    ql_iter_release(&it);
    ql_iter_init(&it, ql, -500, QL_HEAD);
    assert_true(ql_iter_next(&it, &e));
    assert_true(entry_is(&e, "500", 3));
    assert_true(ql_iter_next(&it, &e));
    assert_true(entry_is(&e, "499", 3));
    ql_iter_release(&it);
    ql_iter_init(&it, ql, 1000, QL_TAIL);
    assert_false(ql_iter_next(&it, &e));
    ql_iter_release(&it);
    ql_free(ql);
    ref_free(&r);
}

static void test_compression(void **state)
{
    (void)state;
    char val[200];
    for (int depth = 0; depth <= 3; depth++) {
        struct quicklist *ql = ql_new(-1, depth);
        struct ref r = {0};
        for (int i = 0; i < 400; i++) {
            /* Compressible: a long run of one letter plus a counter. */
            snprintf(val, sizeof val, "%0150d-%c", i, 'a' + i % 26);
            push_str(ql, val, i % 3 ? QL_TAIL : QL_HEAD);
            if (i % 3)
                ref_insert(&r, r.n, val, strlen(val));
            else
                ref_insert(&r, 0, val, strlen(val));
        }
        assert_true(ql->len > (unsigned)(2 * depth + 2));
        unsigned pos = 0, compressed = 0;
        for (struct ql_node *n = ql->head; n; n = n->next, pos++) {
            bool inner = depth && pos >= (unsigned)depth && pos + depth < ql->len;
            assert_int_equal(n->compressed, inner);
            compressed += n->compressed;
        }
        size_t mem = ql_memory(ql);
        check_contents(ql, &r, true);
        /* Reading left every node as it was. */
        assert_int_equal(ql_memory(ql), mem);
        if (depth) {
            assert_true(compressed > 0);
            /* Copies keep the compressed nodes. */
            struct quicklist *copy = ql_dup(ql);
            check_contents(copy, &r, false);
            ql_free(copy);
        }
        /* Changes in the middle and pops down to nothing keep the ends plain. */
        for (int i = 0; i < 50; i++) {
            long at = (long)(r.n / 3);
            struct ql_entry e;
            assert_true(ql_index(ql, at, &e));
            ql_release_entry(ql, &e);
            ql_insert(ql, e.node, e.offset, (const unsigned char *)"ins", 3, false);
            ref_insert(&r, (size_t)at, "ins", 3);
            ql_del_range(ql, at + 10, 5);
            ref_delete(&r, (size_t)at + 10, 5);
            check_structure(ql);
            check_inner_compressed(ql);
        }
        check_contents(ql, &r, true);
        while (r.n) {
            bool head = r.n % 2;
            ql_pop(ql, head ? QL_HEAD : QL_TAIL);
            ref_delete(&r, head ? 0 : r.n - 1, 1);
            check_structure(ql);
        }
        assert_int_equal(ql->len, 0);
        ql_free(ql);
        ref_free(&r);
    }
}

static void test_incompressible_nodes_stay_plain(void **state)
{
    (void)state;
    struct quicklist *ql = ql_new(-1, 1);
    unsigned char val[100];
    srand(7);
    for (int i = 0; i < 300; i++) {
        for (size_t k = 0; k < sizeof val; k++)
            val[k] = (unsigned char)(rand() & 0xff);
        ql_push(ql, val, sizeof val, QL_TAIL);
    }
    for (struct ql_node *n = ql->head; n; n = n->next)
        assert_false(n->compressed);
    check_structure(ql);
    ql_free(ql);
}

static void test_lzf_round_trip(void **state)
{
    (void)state;
    static unsigned char in[70000], out[80000], back[70000];
    srand(42);
    for (int round = 0; round < 60; round++) {
        size_t n = (size_t)(rand() % (int)sizeof in);
        int kind = round % 3;
        for (size_t i = 0; i < n; i++)
            in[i] = kind == 0 ? (unsigned char)(rand() & 0xff)          /* random */
                  : kind == 1 ? (unsigned char)("abcabcabd"[i % 9])     /* periodic */
                              : (unsigned char)(rand() % 4);            /* low entropy */
        size_t c = lzf_compress(in, n, out, sizeof out);
        if (n)
            assert_true(c > 0);
        if (kind == 1 && n > 1000)
            assert_true(c < n / 10);
        assert_int_equal(lzf_decompress(out, c, back, n), n);
        assert_memory_equal(in, back, n);
        /* Too small an output buffer is refused, not overrun. */
        if (c > 1)
            assert_int_equal(lzf_compress(in, n, out, c - 1), 0);
        if (n > 1)
            assert_int_equal(lzf_decompress(out, c, back, n - 1), 0);
    }
    /* A back reference before the start of the output is rejected. */
    const unsigned char bad[] = {0x20, 0x05};
    assert_int_equal(lzf_decompress(bad, sizeof bad, back, sizeof back), 0);
    /* A literal run longer than the input is rejected. */
    const unsigned char shortlit[] = {0x05, 'a'};
    assert_int_equal(lzf_decompress(shortlit, sizeof shortlit, back, sizeof back), 0);
}

/* Random operations against the reference, for several fills and depths. */
static void random_ops(long long fill, int depth, unsigned seed, int steps)
{
    struct quicklist *ql = ql_new(fill, depth);
    struct ref r = {0};
    char val[600];
    unsigned long compressed_seen = 0;
    uint32_t most_nodes = 0;
    srand(seed);
    for (int step = 0; step < steps; step++) {
        /* Growth outweighs shrinking so lists reach many nodes. */
        int op = rand() % 20;
        size_t len;
        if (rand() % 4 == 0) {
            len = (size_t)snprintf(val, sizeof val, "%d", rand() % 100000 - 50000);
        } else {
            len = (size_t)(rand() % (rand() % 8 == 0 ? 500 : 20));
            for (size_t k = 0; k < len; k++)
                val[k] = (char)('a' + rand() % 3);
        }
        struct ql_entry e;
        if (op <= 7 || r.n == 0) {
            bool head = rand() % 2;
            ql_push(ql, (const unsigned char *)val, len, head ? QL_HEAD : QL_TAIL);
            ref_insert(&r, head ? 0 : r.n, val, len);
        } else if (op <= 9) {
            bool head = rand() % 2;
            ql_pop(ql, head ? QL_HEAD : QL_TAIL);
            ref_delete(&r, head ? 0 : r.n - 1, 1);
        } else if (op <= 13) {
            size_t at = (size_t)rand() % r.n;
            bool after = rand() % 2;
            assert_true(ql_index(ql, (long)at, &e));
            ql_release_entry(ql, &e);
            ql_insert(ql, e.node, e.offset, (const unsigned char *)val, len, after);
            ref_insert(&r, at + after, val, len);
        } else if (op <= 15) {
            size_t at = (size_t)rand() % r.n;
            assert_true(ql_replace(ql, rand() % 2 ? (long)at : (long)at - (long)r.n,
                                   (const unsigned char *)val, len));
            ref_delete(&r, at, 1);
            ref_insert(&r, at, val, len);
        } else if (op == 16) {
            size_t at = (size_t)rand() % r.n;
            size_t count = (size_t)rand() % 8;
            size_t done = ql_del_range(ql, (long)at, count);
            if (count > r.n - at)
                count = r.n - at;
            assert_int_equal(done, count);
            ref_delete(&r, at, count);
        } else if (op == 17 && rand() % 8 == 0) {
            /* LREM-like: delete elements equal to a short value, in either direction. */
            char target[2] = {(char)('a' + rand() % 3), 0};
            bool backwards = rand() % 2;
            struct ql_iter it;
            ql_iter_init(&it, ql, backwards ? -1 : 0, backwards ? QL_HEAD : QL_TAIL);
            while (ql_iter_next(&it, &e))
                if (entry_is(&e, target, 1))
                    ql_iter_del(&it, &e);
            ql_iter_release(&it);
            for (size_t i = r.n; i-- > 0;)
                if (r.len[i] == 1 && r.v[i][0] == target[0])
                    ref_delete(&r, i, 1);
        } else {
            size_t at = (size_t)rand() % r.n;
            assert_true(ql_index(ql, (long)at, &e));
            assert_true(entry_is(&e, r.v[at], r.len[at]));
            ql_release_entry(ql, &e);
        }
        check_structure(ql);
        check_inner_compressed(ql);
        for (const struct ql_node *n = ql->head; n; n = n->next)
            compressed_seen += n->compressed;
        if (ql->len > most_nodes)
            most_nodes = ql->len;
        if (step % 50 == 0)
            check_contents(ql, &r, step % 200 == 0);
    }
    check_contents(ql, &r, true);
    /* With compression on, the walk really went through compressed nodes. */
    if (depth && most_nodes > 2u * (unsigned)depth + 3 && !compressed_seen)
        fail_msg("fill %lld depth %d: no node was ever compressed", fill, depth);
    struct quicklist *copy = ql_dup(ql);
    check_contents(copy, &r, false);
    ql_free(copy);
    ql_free(ql);
    ref_free(&r);
}

static void test_random_ops(void **state)
{
    (void)state;
    const long long fills[] = {1, 2, 5, 16, 128, -1, -2, -5};
    for (size_t f = 0; f < sizeof fills / sizeof fills[0]; f++)
        for (int depth = 0; depth <= 2; depth++)
            random_ops(fills[f], depth, (unsigned)(f * 10 + (size_t)depth + 1), 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_pop_both_ends),
        cmocka_unit_test(test_fill_by_count),
        cmocka_unit_test(test_fill_by_size),
        cmocka_unit_test(test_insert_splits_and_merges),
        cmocka_unit_test(test_replace),
        cmocka_unit_test(test_index_both_ends),
        cmocka_unit_test(test_compression),
        cmocka_unit_test(test_incompressible_nodes_stay_plain),
        cmocka_unit_test(test_lzf_round_trip),
        cmocka_unit_test(test_random_ops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
