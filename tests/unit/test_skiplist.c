/* Unit tests for src/types/skiplist: the ordered index of large sorted sets.
 *
 * The main check drives random inserts, deletes, score updates and range deletions against
 * a plain sorted reference array, and after every step verifies the whole structure: level-0
 * order (score, then member bytes), backward links, the tail, the length, every span at
 * every level, and rank lookups both ways. Ties on score with different members are made
 * common on purpose (few distinct scores). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types/skiplist.h"

/* ---- the reference model: a sorted array of (score, member) ---- */

struct ref {
    double score;
    char m[16];
    size_t len;
    struct zsl_node *node;
};

static struct ref model[4096];
static size_t nmodel;

static int ref_cmp(const void *a, const void *b)
{
    const struct ref *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    return zsl_cmp_bytes(x->m, x->len, y->m, y->len);
}

static void model_sort(void)
{
    qsort(model, nmodel, sizeof model[0], ref_cmp);
}

static long model_find(const char *m, size_t len)
{
    for (size_t i = 0; i < nmodel; i++)
        if (model[i].len == len && memcmp(model[i].m, m, len) == 0)
            return (long)i;
    return -1;
}

static void model_remove_at(size_t i)
{
    memmove(&model[i], &model[i + 1], sizeof model[0] * (nmodel - i - 1));
    nmodel--;
}

/* ---- whole-structure check ---- */

static void check_against_model(const struct zsl *zsl)
{
    assert_int_equal(zsl->length, nmodel);
    /* Level 0: order, members, backward links, tail. */
    struct zsl_node *prev = NULL;
    struct zsl_node *x = zsl->header->level[0].forward;
    for (size_t i = 0; i < nmodel; i++) {
        assert_non_null(x);
        assert_true(x == model[i].node);
        assert_true(x->score == model[i].score);
        assert_int_equal(x->mlen, model[i].len);
        assert_memory_equal(zsl_member(x), model[i].m, model[i].len);
        assert_true(x->backward == prev);
        prev = x;
        x = x->level[0].forward;
    }
    assert_null(x);
    assert_true(zsl->tail == prev);
    /* Every link's span equals the rank distance it jumps. */
    for (int lvl = 0; lvl < zsl->level; lvl++) {
        size_t rank = 0;
        const struct zsl_node *n = zsl->header;
        while (n->level[lvl].forward) {
            const struct zsl_node *next = n->level[lvl].forward;
            assert_true(next->height > lvl);
            rank += n->level[lvl].span;
            assert_true(rank >= 1 && rank <= nmodel);
            assert_true(model[rank - 1].node == next);
            n = next;
        }
    }
    for (int lvl = zsl->level; lvl < ZSL_MAX_LEVEL; lvl++)
        assert_null(zsl->header->level[lvl].forward);
    if (zsl->level > 1)
        assert_non_null(zsl->header->level[zsl->level - 1].forward);
    /* Ranks both ways. */
    for (size_t i = 0; i < nmodel; i++) {
        assert_int_equal(zsl_rank_of(zsl, model[i].node), i + 1);
        assert_true(zsl_at_rank(zsl, i + 1) == model[i].node);
    }
    assert_null(zsl_at_rank(zsl, 0));
    assert_null(zsl_at_rank(zsl, nmodel + 1));
}

/* ---- helpers ---- */

static void gone_free(struct zsl_node *n, void *arg)
{
    size_t *count = arg;
    long i = model_find(zsl_member(n), n->mlen);
    assert_true(i >= 0);
    assert_true(model[i].node == n);
    model_remove_at((size_t)i);
    (*count)++;
    zsl_node_free(n);
}

static void add_member(struct zsl *zsl, double score, const char *m)
{
    size_t len = strlen(m);
    struct zsl_node *n = zsl_node_new(score, m, len);
    zsl_insert(zsl, n);
    struct ref *r = &model[nmodel++];
    r->score = score;
    memcpy(r->m, m, len);
    r->len = len;
    r->node = n;
    model_sort();
}

static int setup(void **state)
{
    (void)state;
    srandom(12345);
    nmodel = 0;
    return 0;
}

/* ---- tests ---- */

static void test_empty(void **state)
{
    (void)state;
    struct zsl zsl;
    zsl_init(&zsl);
    check_against_model(&zsl);
    struct zrange_score r = {-INFINITY, INFINITY, false, false};
    assert_null(zsl_first_in_score(&zsl, &r));
    assert_null(zsl_last_in_score(&zsl, &r));
    zsl_free(&zsl);
}

static void test_ties_ordered_by_member(void **state)
{
    (void)state;
    struct zsl zsl;
    zsl_init(&zsl);
    const char *members[] = {"b", "a", "ab", "", "B", "aa", "ba"};
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
        add_member(&zsl, 1.0, members[i]);
    check_against_model(&zsl);
    const char *want[] = {"", "B", "a", "aa", "ab", "b", "ba"};
    struct zsl_node *x = zsl.header->level[0].forward;
    for (size_t i = 0; i < 7; i++, x = x->level[0].forward) {
        assert_int_equal(x->mlen, strlen(want[i]));
        assert_memory_equal(zsl_member(x), want[i], x->mlen);
    }
    zsl_free(&zsl);
}

static void test_random_operations_against_model(void **state)
{
    (void)state;
    struct zsl zsl;
    zsl_init(&zsl);
    char m[16];
    size_t peak = 0;
    for (int step = 0; step < 6000; step++) {
        int op = (int)(random() % 10);
        if (nmodel > peak)
            peak = nmodel;
        if (op < 6 || nmodel < 4) {
            snprintf(m, sizeof m, "m%ld", random() % 3000);
            if (model_find(m, strlen(m)) < 0 && nmodel < 4000)
                add_member(&zsl, (double)(random() % 20), m);
        } else if (op < 8) {
            size_t i = (size_t)random() % nmodel;
            struct zsl_node *n = model[i].node;
            zsl_unlink(&zsl, n);
            zsl_node_free(n);
            model_remove_at(i);
        } else if (op < 9) {
            size_t i = (size_t)random() % nmodel;
            double score = (double)(random() % 20) + (random() % 2 ? 0.5 : 0);
            zsl_update_score(&zsl, model[i].node, score);
            model[i].score = score;
            model_sort();
        } else {
            size_t start = 1 + (size_t)random() % nmodel;
            size_t end = start + (size_t)random() % 5;
            size_t want = (end > nmodel ? nmodel : end) - start + 1;
            size_t count = 0;
            assert_int_equal(zsl_delete_rank_range(&zsl, start, end, gone_free, &count), want);
            assert_int_equal(count, want);
        }
        if (step % 50 == 0 || nmodel < 30)
            check_against_model(&zsl);
    }
    check_against_model(&zsl);
    /* The walk must have built a list tall enough to exercise several levels. */
    assert_true(peak > 300);
    assert_true(zsl.level >= 4);
    zsl_free(&zsl);
}

static void test_score_ranges(void **state)
{
    (void)state;
    struct zsl zsl;
    zsl_init(&zsl);
    char m[16];
    for (int i = 0; i < 500; i++) {
        snprintf(m, sizeof m, "k%03d", i);
        add_member(&zsl, (double)(i / 5), m);
    }
    check_against_model(&zsl);
    struct zrange_score r;
    assert_int_equal(zrange_parse_score("(10", "20", &r), 0);
    struct zsl_node *first = zsl_first_in_score(&zsl, &r);
    struct zsl_node *last = zsl_last_in_score(&zsl, &r);
    assert_true(first->score == 11.0 && last->score == 20.0);
    assert_int_equal(zsl_rank_of(&zsl, first), 56);
    assert_int_equal(zsl_rank_of(&zsl, last), 105);
    assert_int_equal(zrange_parse_score("5", "(5", &r), 0);
    assert_null(zsl_first_in_score(&zsl, &r));
    assert_int_equal(zrange_parse_score("1000", "inf", &r), 0);
    assert_null(zsl_first_in_score(&zsl, &r));
    assert_null(zsl_last_in_score(&zsl, &r));
    assert_int_equal(zrange_parse_score("x", "1", &r), -1);
    assert_int_equal(zrange_parse_score("1", "nan", &r), -1);
    assert_int_equal(zrange_parse_score("-inf", "(3", &r), 0);
    assert_true(zsl_last_in_score(&zsl, &r)->score == 2.0);

    size_t count = 0;
    assert_int_equal(zrange_parse_score("(10", "20", &r), 0);
    assert_int_equal(zsl_delete_score_range(&zsl, &r, gone_free, &count), 50);
    assert_int_equal(count, 50);
    check_against_model(&zsl);
    zsl_free(&zsl);
}

static void test_lex_ranges(void **state)
{
    (void)state;
    struct zsl zsl;
    zsl_init(&zsl);
    const char *members[] = {"a", "b", "c", "d", "e", "f", "g"};
    for (size_t i = 0; i < 7; i++)
        add_member(&zsl, 0, members[i]);
    struct zrange_lex r;
    assert_int_equal(zrange_parse_lex("[b", 2, "(e", 2, &r), 0);
    assert_memory_equal(zsl_member(zsl_first_in_lex(&zsl, &r)), "b", 1);
    assert_memory_equal(zsl_member(zsl_last_in_lex(&zsl, &r)), "d", 1);
    assert_int_equal(zrange_parse_lex("-", 1, "+", 1, &r), 0);
    assert_memory_equal(zsl_member(zsl_last_in_lex(&zsl, &r)), "g", 1);
    assert_int_equal(zrange_parse_lex("+", 1, "-", 1, &r), 0);
    assert_true(zrange_lex_empty(&r));
    assert_null(zsl_first_in_lex(&zsl, &r));
    assert_int_equal(zrange_parse_lex("(c", 2, "[c", 2, &r), 0);
    assert_true(zrange_lex_empty(&r));
    assert_int_equal(zrange_parse_lex("a", 1, "+", 1, &r), -1);
    assert_int_equal(zrange_parse_lex("", 0, "+", 1, &r), -1);
    assert_int_equal(zrange_parse_lex("+x", 2, "+", 1, &r), -1);
    size_t count = 0;
    assert_int_equal(zrange_parse_lex("(a", 2, "[c", 2, &r), 0);
    assert_int_equal(zsl_delete_lex_range(&zsl, &r, gone_free, &count), 2);
    check_against_model(&zsl);
    zsl_free(&zsl);
}

static void test_update_score_keeps_node(void **state)
{
    (void)state;
    struct zsl zsl;
    zsl_init(&zsl);
    add_member(&zsl, 1, "a");
    add_member(&zsl, 2, "b");
    add_member(&zsl, 3, "c");
    struct zsl_node *a = model[0].node;
    zsl_update_score(&zsl, a, 1.5); /* stays in place */
    model[0].score = 1.5;
    check_against_model(&zsl);
    zsl_update_score(&zsl, a, 10); /* moves to the end, same node */
    model[0].score = 10;
    model_sort();
    check_against_model(&zsl);
    assert_true(zsl.tail == a);
    zsl_free(&zsl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_empty, setup),
        cmocka_unit_test_setup(test_ties_ordered_by_member, setup),
        cmocka_unit_test_setup(test_random_operations_against_model, setup),
        cmocka_unit_test_setup(test_score_ranges, setup),
        cmocka_unit_test_setup(test_lex_ranges, setup),
        cmocka_unit_test_setup(test_update_score_keeps_node, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
