/* Unit tests for src/db/dict: the intrusive hash table with incremental rehashing.
 *
 * Entries embed struct dict_node first, as the keyspace does. Every test starts from a fixed
 * seed so bucket layouts (and so the exact rehash points) are reproducible. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/dict.h"

/* ---- a test entry ---- */

struct entry {
    struct dict_node node; /* must be first: the table hands back &entry->node */
    int id;                /* index in the test's array */
    int seen;              /* how often a scan or iterator reported it */
    bool linked;           /* what the test believes */
    size_t len;
    char key[32];
};

static void entry_key(const struct dict_node *n, const char **key, size_t *len)
{
    const struct entry *e = (const struct entry *)n;
    *key = e->key;
    *len = e->len;
}

static struct entry *entry_new(int id)
{
    struct entry *e = calloc(1, sizeof *e);
    assert_non_null(e);
    e->id = id;
    e->len = (size_t)snprintf(e->key, sizeof e->key, "key:%d", id);
    return e;
}

static struct entry **entries_new(int n)
{
    struct entry **v = calloc((size_t)n, sizeof *v);
    assert_non_null(v);
    for (int i = 0; i < n; i++)
        v[i] = entry_new(i);
    return v;
}

static void entries_free(struct entry **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static struct entry *find(struct dict *d, const struct entry *e)
{
    return (struct entry *)dict_find(d, e->key, e->len);
}

static struct entry *find_id(struct dict *d, int id)
{
    char key[32];
    int len = snprintf(key, sizeof key, "key:%d", id);
    return (struct entry *)dict_find(d, key, (size_t)len);
}

static void add(struct dict *d, struct entry *e)
{
    assert_null(find(d, e));
    dict_add(d, &e->node);
    e->linked = true;
}

static void unlink_entry(struct dict *d, struct entry *e)
{
    assert_ptr_equal(dict_unlink(d, e->key, e->len), &e->node);
    e->linked = false;
}

static void finish_rehash(struct dict *d)
{
    for (int i = 0; i < 1000000 && dict_rehash(d, 100); i++)
        ;
    assert_false(dict_is_rehashing(d));
}

static bool is_power_of_two(size_t n)
{
    return n && (n & (n - 1)) == 0;
}

static int setup(void **state)
{
    (void)state;
    static const uint8_t seed[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    dict_set_seed(seed);
    dict_set_resize_allowed(true);
    srandom(12345);
    return 0;
}

/* ---- tests ---- */

static void test_empty(void **state)
{
    (void)state;
    struct dict d;
    dict_init(&d, entry_key);
    assert_int_equal(dict_size(&d), 0);
    assert_int_equal(dict_buckets(&d), 0);
    assert_false(dict_is_rehashing(&d));
    assert_null(dict_find(&d, "x", 1));
    assert_null(dict_unlink(&d, "x", 1));
    assert_null(dict_random(&d));
    assert_int_equal(dict_scan(&d, 0, NULL, NULL), 0);
    struct dict_iter it;
    dict_iter_init(&it, &d);
    assert_null(dict_iter_next(&it));
    assert_null(dict_iter_next(&it));
    dict_iter_release(&it);
    assert_int_equal(d.pause_rehash, 0);
    dict_clear(&d, NULL, NULL);
}

static void test_hash_seed(void **state)
{
    (void)state;
    uint64_t h1 = dict_hash("hello", 5);
    assert_int_equal(dict_hash("hello", 5), h1);
    assert_true(dict_hash("hellp", 5) != h1);
    assert_true(dict_hash("hello", 4) != h1);
    static const uint8_t other[16] = {16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    dict_set_seed(other);
    assert_true(dict_hash("hello", 5) != h1);
    setup(NULL);
    assert_int_equal(dict_hash("hello", 5), h1);
}

static void test_add_find_unlink(void **state)
{
    (void)state;
    enum { N = 5000 };
    struct entry **v = entries_new(N);
    struct dict d;
    dict_init(&d, entry_key);
    for (int i = 0; i < N; i++) {
        add(&d, v[i]);
        assert_int_equal(dict_size(&d), (size_t)i + 1);
    }
    for (int i = 0; i < N; i++)
        assert_ptr_equal(find(&d, v[i]), v[i]);
    /* absent keys, including prefixes and extensions of present ones */
    assert_null(find_id(&d, N));
    assert_null(find_id(&d, -1));
    assert_null(dict_find(&d, "key:1", 4));
    assert_null(dict_find(&d, "key:10x", 7));
    assert_null(dict_unlink(&d, "nope", 4));
    assert_int_equal(dict_size(&d), N);

    /* unlink the odd ones */
    for (int i = 1; i < N; i += 2)
        unlink_entry(&d, v[i]);
    assert_int_equal(dict_size(&d), N / 2);
    for (int i = 0; i < N; i++) {
        if (i % 2)
            assert_null(find(&d, v[i]));
        else
            assert_ptr_equal(find(&d, v[i]), v[i]);
    }
    /* unlinking twice finds nothing the second time */
    assert_null(dict_unlink(&d, v[1]->key, v[1]->len));
    /* and they can come back */
    for (int i = 1; i < N; i += 2)
        add(&d, v[i]);
    assert_int_equal(dict_size(&d), N);
    for (int i = 0; i < N; i++)
        assert_ptr_equal(find(&d, v[i]), v[i]);

    /* keys with NUL bytes and the empty key are ordinary keys */
    struct entry *z = calloc(1, sizeof *z), *empty = calloc(1, sizeof *empty);
    assert_non_null(z);
    assert_non_null(empty);
    memcpy(z->key, "a\0b", 3);
    z->len = 3;
    empty->len = 0;
    add(&d, z);
    add(&d, empty);
    assert_ptr_equal(dict_find(&d, "a\0b", 3), &z->node);
    assert_null(dict_find(&d, "a\0c", 3));
    assert_null(dict_find(&d, "a", 1));
    assert_ptr_equal(dict_find(&d, "", 0), &empty->node);
    assert_ptr_equal(dict_unlink(&d, "", 0), &empty->node);
    assert_ptr_equal(dict_unlink(&d, "a\0b", 3), &z->node);
    free(z);
    free(empty);

    dict_clear(&d, NULL, NULL);
    assert_int_equal(dict_size(&d), 0);
    assert_int_equal(dict_buckets(&d), 0);
    assert_null(find(&d, v[0]));
    entries_free(v, N);
}

static void test_replace(void **state)
{
    (void)state;
    enum { N = 2000 };
    struct entry **v = entries_new(N);
    struct entry **w = entries_new(N); /* same keys, different nodes */
    struct dict d;
    dict_init(&d, entry_key);
    for (int i = 0; i < N; i++)
        add(&d, v[i]);
    for (int i = 0; i < N; i++) {
        dict_replace(&d, &v[i]->node, &w[i]->node);
        assert_ptr_equal(find(&d, w[i]), w[i]);
        assert_int_equal(dict_size(&d), N);
    }
    for (int i = 0; i < N; i++)
        assert_ptr_equal(find_id(&d, i), w[i]);
    /* every old node is gone from the chains: unlink returns the new ones */
    for (int i = 0; i < N; i++)
        assert_ptr_equal(dict_unlink(&d, w[i]->key, w[i]->len), &w[i]->node);
    assert_int_equal(dict_size(&d), 0);

    /* replacing during a rehash, on both sides of rehash_idx */
    dict_clear(&d, NULL, NULL);
    for (int i = 0; i < 64; i++)
        dict_add(&d, &v[i]->node);
    finish_rehash(&d);
    assert_int_equal(dict_buckets(&d), 64);
    dict_add(&d, &v[64]->node); /* 64 used in 64 buckets: grows to 128 */
    assert_true(dict_is_rehashing(&d));
    dict_rehash(&d, 10);
    assert_true(dict_is_rehashing(&d));
    for (int i = 0; i <= 64; i++) {
        dict_replace(&d, &v[i]->node, &w[i]->node);
        assert_true(dict_is_rehashing(&d)); /* replace does no rehash step */
    }
    for (int i = 0; i <= 64; i++)
        assert_ptr_equal(find_id(&d, i), w[i]);
    finish_rehash(&d);
    for (int i = 0; i <= 64; i++)
        assert_ptr_equal(find_id(&d, i), w[i]);
    assert_int_equal(dict_size(&d), 65);
    dict_clear(&d, NULL, NULL);
    entries_free(v, N);
    entries_free(w, N);
}

/* The exact growth points: a first table of 4, then doubling once used reaches size. */
static void test_growth_steps(void **state)
{
    (void)state;
    struct entry **v = entries_new(64);
    struct dict d;
    dict_init(&d, entry_key);
    for (int i = 0; i < 4; i++)
        dict_add(&d, &v[i]->node);
    assert_int_equal(dict_buckets(&d), 4);
    assert_false(dict_is_rehashing(&d));
    dict_add(&d, &v[4]->node);
    assert_true(dict_is_rehashing(&d));
    assert_int_equal(dict_buckets(&d), 4 + 8);
    assert_int_equal(d.size[0], 4);
    assert_int_equal(d.size[1], 8);
    /* the new node went straight into the new table */
    assert_int_equal(d.used[0], 4);
    assert_int_equal(d.used[1], 1);
    for (int i = 0; i < 5; i++)
        assert_ptr_equal(find(&d, v[i]), v[i]);
    assert_false(dict_rehash(&d, 100));
    assert_false(dict_is_rehashing(&d));
    assert_int_equal(dict_buckets(&d), 8);
    assert_int_equal(d.used[0], 5);
    assert_int_equal(d.used[1], 0);
    assert_null(d.table[1]);
    for (int i = 0; i < 5; i++)
        assert_ptr_equal(find(&d, v[i]), v[i]);
    dict_clear(&d, NULL, NULL);
    entries_free(v, 64);
}

/* Thousands of keys: the table grows by incremental rehashing that finishes through the
 * steps taken by ordinary operations alone, and every key stays findable throughout. */
static void test_grow_incrementally(void **state)
{
    (void)state;
    enum { N = 20000 };
    struct entry **v = entries_new(N);
    struct dict d;
    dict_init(&d, entry_key);
    int rehash_starts = 0;
    bool was = false;
    for (int i = 0; i < N; i++) {
        dict_add(&d, &v[i]->node);
        bool now = dict_is_rehashing(&d);
        if (now && !was)
            rehash_starts++;
        was = now;
        if (now) {
            /* while rehashing, both tables are live and nothing is lost */
            assert_true(d.size[1] > d.size[0]);
            assert_int_equal(d.used[0] + d.used[1], (size_t)i + 1);
            assert_ptr_equal(find(&d, v[i / 2]), v[i / 2]);
        }
    }
    /* 4 -> 8 -> ... -> 32768 is 13 doublings */
    assert_int_equal(rehash_starts, 13);
    /* finds alone finish the job: each does one step */
    for (int i = 0; i < N && dict_is_rehashing(&d); i++)
        assert_ptr_equal(find(&d, v[i]), v[i]);
    assert_false(dict_is_rehashing(&d));
    assert_int_equal(dict_buckets(&d), 32768);
    assert_true(is_power_of_two(dict_buckets(&d)));
    assert_int_equal(dict_size(&d), N);
    for (int i = 0; i < N; i++)
        assert_ptr_equal(find(&d, v[i]), v[i]);
    dict_clear(&d, NULL, NULL);
    entries_free(v, N);
}

static void test_shrink(void **state)
{
    (void)state;
    enum { N = 1000 };
    struct entry **v = entries_new(N);
    struct dict d;
    dict_init(&d, entry_key);
    for (int i = 0; i < N; i++)
        add(&d, v[i]);
    finish_rehash(&d);
    assert_int_equal(dict_buckets(&d), 1024);

    /* under 10% fill (used * 10 < size) starts a shrink; 103 left is still above */
    int i = 0;
    for (; i < N - 103; i++)
        unlink_entry(&d, v[i]);
    assert_false(dict_is_rehashing(&d));
    assert_int_equal(dict_buckets(&d), 1024);
    unlink_entry(&d, v[i++]);
    assert_int_equal(dict_size(&d), 102);
    assert_true(dict_is_rehashing(&d));
    assert_int_equal(d.size[0], 1024);
    assert_int_equal(d.size[1], 128);
    for (int j = i; j < N; j++)
        assert_ptr_equal(find(&d, v[j]), v[j]);
    finish_rehash(&d);
    assert_int_equal(dict_buckets(&d), 128);
    for (int j = 0; j < N; j++)
        assert_ptr_equal(find(&d, v[j]), j < i ? NULL : v[j]);

    /* emptying it goes back down to the initial 4 buckets, one shrink at a time */
    size_t last = dict_buckets(&d);
    int shrinks = 0;
    for (; i < N; i++) {
        unlink_entry(&d, v[i]);
        finish_rehash(&d);
        if (dict_buckets(&d) != last) {
            assert_true(dict_buckets(&d) < last);
            assert_true(dict_size(&d) * 10 < last);
            last = dict_buckets(&d);
            shrinks++;
        }
    }
    assert_int_equal(shrinks, 2); /* 128 -> 16 at 12 keys, 16 -> 4 at 1 key */
    assert_int_equal(dict_size(&d), 0);
    assert_int_equal(dict_buckets(&d), 4);
    dict_clear(&d, NULL, NULL);
    entries_free(v, N);
}

static void test_resize_disallowed(void **state)
{
    (void)state;
    struct entry **v = entries_new(200);
    struct dict d;
    dict_init(&d, entry_key);
    dict_set_resize_allowed(false);
    /* the first table is still created; then growth waits for chains of 5+ on average */
    for (int i = 0; i < 24; i++)
        dict_add(&d, &v[i]->node);
    assert_false(dict_is_rehashing(&d));
    assert_int_equal(dict_buckets(&d), 4);
    dict_add(&d, &v[24]->node);
    assert_true(dict_is_rehashing(&d));
    assert_int_equal(d.size[1], 32);
    finish_rehash(&d);
    for (int i = 25; i < 200; i++)
        dict_add(&d, &v[i]->node);
    finish_rehash(&d);
    size_t big = dict_buckets(&d);
    /* no shrinking while disallowed */
    for (int i = 0; i < 199; i++)
        assert_ptr_equal(dict_unlink(&d, v[i]->key, v[i]->len), &v[i]->node);
    assert_false(dict_is_rehashing(&d));
    assert_int_equal(dict_buckets(&d), big);
    dict_set_resize_allowed(true);
    /* allowed again: the next removal shrinks */
    assert_ptr_equal(dict_unlink(&d, v[199]->key, v[199]->len), &v[199]->node);
    assert_true(dict_is_rehashing(&d));
    finish_rehash(&d);
    assert_int_equal(dict_buckets(&d), 4);
    dict_clear(&d, NULL, NULL);
    entries_free(v, 200);
}

static void test_reserve(void **state)
{
    (void)state;
    enum { N = 1000 };
    struct entry **v = entries_new(N);
    struct dict d;
    dict_init(&d, entry_key);
    /* on an empty table the reservation is installed at once */
    dict_reserve(&d, N);
    assert_false(dict_is_rehashing(&d));
    assert_int_equal(dict_buckets(&d), 1024);
    for (int i = 0; i < N; i++) {
        dict_add(&d, &v[i]->node);
        assert_false(dict_is_rehashing(&d));
    }
    assert_int_equal(dict_buckets(&d), 1024);
    /* reserving less than there is does nothing */
    dict_reserve(&d, 10);
    assert_int_equal(dict_buckets(&d), 1024);
    assert_false(dict_is_rehashing(&d));
    /* reserving more on a filled table starts a rehash to the bigger size */
    dict_reserve(&d, 5000);
    assert_true(dict_is_rehashing(&d));
    assert_int_equal(d.size[1], 8192);
    for (int i = 0; i < N; i++)
        assert_ptr_equal(find(&d, v[i]), v[i]);
    finish_rehash(&d);
    assert_int_equal(dict_buckets(&d), 8192);
    assert_int_equal(dict_size(&d), N);
    dict_clear(&d, NULL, NULL);
    entries_free(v, N);
}

static void count_free(struct dict_node *n, void *arg)
{
    struct entry *e = (struct entry *)n;
    (*(int *)arg)++;
    e->seen++;
}

static void test_clear_calls_free(void **state)
{
    (void)state;
    enum { N = 3000 };
    struct entry **v = entries_new(N);
    struct dict d;
    dict_init(&d, entry_key);
    for (int i = 0; i < N; i++)
        dict_add(&d, &v[i]->node);
    struct entry *extra = entry_new(N);
    finish_rehash(&d);
    /* a clear in the middle of a rehash must still reach both tables */
    dict_reserve(&d, dict_buckets(&d) * 2);
    dict_rehash(&d, 100);
    dict_add(&d, &extra->node);
    assert_true(dict_is_rehashing(&d));
    assert_true(d.used[0] > 0 && d.used[1] > 0);
    int freed = 0;
    dict_clear(&d, count_free, &freed);
    assert_int_equal(freed, N + 1);
    for (int i = 0; i < N; i++)
        assert_int_equal(v[i]->seen, 1);
    assert_int_equal(extra->seen, 1);
    assert_int_equal(dict_size(&d), 0);
    assert_int_equal(dict_buckets(&d), 0);
    assert_false(dict_is_rehashing(&d));
    /* the table is usable again */
    dict_add(&d, &v[0]->node);
    assert_ptr_equal(find(&d, v[0]), v[0]);
    dict_clear(&d, NULL, NULL);
    free(extra);
    entries_free(v, N);
}

/* Builds a table of n keys that is in the middle of growing. */
static void fill_mid_rehash(struct dict *d, struct entry **v, int n)
{
    dict_init(d, entry_key);
    for (int i = 0; i < n; i++)
        dict_add(d, &v[i]->node);
    finish_rehash(d);
    dict_reserve(d, dict_buckets(d) * 2);
    dict_rehash(d, dict_buckets(d) / 8);
    assert_true(dict_is_rehashing(d));
}

/* A safe iterator returns each key once while the loop unlinks and frees the node it was
 * just given, and no rehash step runs while it is open. */
static void iterate_and_delete(bool mid_rehash)
{
    enum { N = 3000 };
    struct entry **v = entries_new(N);
    struct dict d;
    if (mid_rehash) {
        fill_mid_rehash(&d, v, N);
    } else {
        dict_init(&d, entry_key);
        for (int i = 0; i < N; i++)
            dict_add(&d, &v[i]->node);
        finish_rehash(&d);
    }
    int seen[N] = {0};
    long long idx = d.rehash_idx;
    size_t buckets0 = d.size[0];

    struct dict_iter it;
    dict_iter_init(&it, &d);
    assert_int_equal(d.pause_rehash, 1);
    int count = 0;
    struct dict_node *n;
    while ((n = dict_iter_next(&it)) != NULL) {
        struct entry *e = (struct entry *)n;
        int id = e->id;
        assert_true(id >= 0 && id < N);
        seen[id]++;
        count++;
        assert_ptr_equal(dict_unlink(&d, e->key, e->len), n);
        v[id] = NULL;
        memset(e, 0xa5, sizeof *e); /* poison before freeing: a reread would show */
        free(e);
        /* lookups and removals do not move buckets while the iterator is open */
        if (mid_rehash)
            assert_int_equal(d.rehash_idx, idx);
        assert_int_equal(d.size[0], buckets0);
        if (count % 500 == 0) {
            assert_false(dict_rehash_for(&d, 1000));
            if (mid_rehash)
                assert_int_equal(d.rehash_idx, idx);
        }
    }
    assert_null(dict_iter_next(&it));
    dict_iter_release(&it);
    assert_int_equal(d.pause_rehash, 0);
    assert_int_equal(count, N);
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
    assert_int_equal(dict_size(&d), 0);
    /* once released, rehashing resumes and completes */
    finish_rehash(&d);
    dict_clear(&d, NULL, NULL);
    free(v);
}

static void test_safe_iter_delete(void **state)
{
    (void)state;
    iterate_and_delete(false);
}

static void test_safe_iter_delete_mid_rehash(void **state)
{
    (void)state;
    iterate_and_delete(true);
}

/* Without deletions, an iterator also reports each key once, across both tables. */
static void test_iter_read_only(void **state)
{
    (void)state;
    enum { N = 777 };
    struct entry **v = entries_new(N);
    struct dict d;
    fill_mid_rehash(&d, v, N);
    assert_true(d.used[0] > 0 && d.used[1] > 0);
    struct dict_iter it;
    dict_iter_init(&it, &d);
    struct dict_node *n;
    int count = 0;
    while ((n = dict_iter_next(&it)) != NULL) {
        ((struct entry *)n)->seen++;
        count++;
        /* finds during iteration are fine and do not rehash */
        assert_ptr_equal(find(&d, v[count % N]), v[count % N]);
    }
    dict_iter_release(&it);
    assert_int_equal(count, N);
    for (int i = 0; i < N; i++)
        assert_int_equal(v[i]->seen, 1);
    dict_clear(&d, NULL, NULL);
    entries_free(v, N);
}

/* ---- SCAN ---- */

static void scan_mark(struct dict_node *n, void *arg)
{
    struct entry *e = (struct entry *)n;
    e->seen++;
    (*(int *)arg)++;
}

/* A scan of a table nobody touches reports every key exactly once. */
static void scan_stable(bool mid_rehash)
{
    enum { N = 3000 };
    struct entry **v = entries_new(N);
    struct dict d;
    if (mid_rehash) {
        fill_mid_rehash(&d, v, N);
    } else {
        dict_init(&d, entry_key);
        for (int i = 0; i < N; i++)
            dict_add(&d, &v[i]->node);
        finish_rehash(&d);
    }
    int calls = 0, reported = 0;
    uint64_t cursor = 0;
    do {
        cursor = dict_scan(&d, cursor, scan_mark, &reported);
        calls++;
        assert_true(calls <= 1 << 20);
    } while (cursor != 0);
    assert_int_equal(reported, N);
    for (int i = 0; i < N; i++)
        assert_int_equal(v[i]->seen, 1);
    assert_int_equal(d.pause_rehash, 0);
    dict_clear(&d, NULL, NULL);
    entries_free(v, N);
}

static void test_scan_stable(void **state)
{
    (void)state;
    scan_stable(false);
}

static void test_scan_stable_mid_rehash(void **state)
{
    (void)state;
    scan_stable(true);
}

/* Keys present for the whole scan are each reported at least once while the table grows
 * many times over between calls. */
static void test_scan_while_growing(void **state)
{
    (void)state;
    enum { TRACKED = 500, TOTAL = 60000 };
    struct entry **v = entries_new(TOTAL);
    struct dict d;
    dict_init(&d, entry_key);
    for (int i = 0; i < TRACKED; i++)
        dict_add(&d, &v[i]->node);
    finish_rehash(&d);
    size_t start_buckets = dict_buckets(&d);
    int next = TRACKED, reported = 0, calls = 0, rehashing_calls = 0;
    uint64_t cursor = 0;
    do {
        if (dict_is_rehashing(&d))
            rehashing_calls++;
        cursor = dict_scan(&d, cursor, scan_mark, &reported);
        calls++;
        assert_true(calls < 1 << 20);
        /* untracked keys arrive between calls; their adds also step the rehash */
        for (int k = 0; k < 40 && next < TOTAL; k++)
            dict_add(&d, &v[next++]->node);
    } while (cursor != 0);
    assert_true(dict_buckets(&d) >= 8 * start_buckets);
    assert_true(rehashing_calls > 0);
    for (int i = 0; i < TRACKED; i++)
        if (v[i]->seen < 1)
            fail_msg("tracked key %d never reported (%d calls)", i, calls);
    dict_clear(&d, NULL, NULL);
    entries_free(v, TOTAL);
}

/* ... and while it shrinks because untracked keys are deleted between calls. */
static void test_scan_while_shrinking(void **state)
{
    (void)state;
    enum { TOTAL = 40000, TRACKED = 300 };
    struct entry **v = entries_new(TOTAL);
    struct dict d;
    dict_init(&d, entry_key);
    for (int i = 0; i < TOTAL; i++)
        dict_add(&d, &v[i]->node);
    finish_rehash(&d);
    size_t start_buckets = dict_buckets(&d);
    /* the tracked keys are ids 0..TRACKED-1; delete the others from the top down */
    int next_delete = TOTAL - 1, reported = 0, calls = 0, rehashing_calls = 0;
    uint64_t cursor = 0;
    do {
        if (dict_is_rehashing(&d))
            rehashing_calls++;
        cursor = dict_scan(&d, cursor, scan_mark, &reported);
        calls++;
        assert_true(calls < 1 << 20);
        for (int k = 0; k < 400 && next_delete >= TRACKED; k++, next_delete--)
            assert_ptr_equal(dict_unlink(&d, v[next_delete]->key, v[next_delete]->len),
                             &v[next_delete]->node);
        /* the server cron's steps, so shrinks complete and new ones start mid-scan */
        dict_rehash(&d, 64);
    } while (cursor != 0);
    assert_true(dict_buckets(&d) * 8 <= start_buckets);
    /* 65536 -> 8192 -> 1024 -> 512 */
    assert_true(rehashing_calls >= 3);
    for (int i = 0; i < TRACKED; i++)
        if (v[i]->seen < 1)
            fail_msg("tracked key %d never reported (%d calls)", i, calls);
    dict_clear(&d, NULL, NULL);
    entries_free(v, TOTAL);
}

/* Both at once, with random adds and deletes of untracked keys and rehash steps. */
static void test_scan_random_churn(void **state)
{
    (void)state;
    enum { TRACKED = 200, POOL = 20000, ROUNDS = 20 };
    struct entry **v = entries_new(TRACKED + POOL);
    for (int round = 0; round < ROUNDS; round++) {
        struct dict d;
        dict_init(&d, entry_key);
        for (int i = 0; i < TRACKED + POOL; i++) {
            v[i]->seen = 0;
            v[i]->linked = false;
        }
        for (int i = 0; i < TRACKED; i++)
            add(&d, v[i]);
        int reported = 0, calls = 0;
        uint64_t cursor = 0;
        do {
            cursor = dict_scan(&d, cursor, scan_mark, &reported);
            assert_true(++calls < 1 << 20);
            /* alternate phases of growth and of shrinking, in bursts of random size */
            bool growing = (calls / 50) % 2 == (round % 2);
            int ops = (int)(random() % 200);
            for (int k = 0; k < ops; k++) {
                struct entry *e = v[TRACKED + random() % POOL];
                if (growing && !e->linked)
                    add(&d, e);
                else if (!growing && e->linked)
                    unlink_entry(&d, e);
            }
            if (random() % 3 == 0)
                dict_rehash(&d, (size_t)(random() % 8));
        } while (cursor != 0);
        for (int i = 0; i < TRACKED; i++)
            if (v[i]->seen < 1)
                fail_msg("round %d: tracked key %d never reported", round, i);
        dict_clear(&d, NULL, NULL);
    }
    entries_free(v, TRACKED + POOL);
}

static void test_random(void **state)
{
    (void)state;
    enum { N = 100, DRAWS = 20000 };
    struct entry **v = entries_new(N + 1000);
    struct dict d;
    dict_init(&d, entry_key);
    for (int i = 0; i < N; i++)
        add(&d, v[i]);
    finish_rehash(&d);
    for (int i = 0; i < DRAWS; i++) {
        struct entry *e = (struct entry *)dict_random(&d);
        assert_non_null(e);
        assert_true(e->id >= 0 && e->id < N);
        assert_true(e->linked);
        e->seen++;
    }
    /* uniform enough that every member shows up (a miss has odds near 1e-80) */
    for (int i = 0; i < N; i++)
        assert_true(v[i]->seen > 0);

    /* during a rehash, with members spread over both tables; an open iterator pauses the
     * rehash so every draw sees the same split */
    dict_reserve(&d, 1024);
    dict_rehash(&d, 40);
    assert_true(dict_is_rehashing(&d));
    assert_true(d.used[0] > 10 && d.used[1] > 10);
    struct dict_iter it;
    dict_iter_init(&it, &d);
    long long idx = d.rehash_idx;
    for (int i = 0; i < N; i++)
        v[i]->seen = 0;
    for (int i = 0; i < DRAWS * 5; i++) {
        struct entry *e = (struct entry *)dict_random(&d);
        assert_non_null(e);
        assert_true(e->linked);
        e->seen++;
    }
    assert_int_equal(d.rehash_idx, idx);
    dict_iter_release(&it);
    for (int i = 0; i < N; i++)
        assert_true(v[i]->seen > 0);
    finish_rehash(&d);

    /* a single member is always the answer, even in a sparse table */
    for (int i = 1; i < N; i++)
        unlink_entry(&d, v[i]);
    dict_reserve(&d, 1 << 14);
    for (int i = 0; i < 100; i++)
        assert_ptr_equal(dict_random(&d), &v[0]->node);
    dict_clear(&d, NULL, NULL);
    entries_free(v, N + 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_empty, setup),
        cmocka_unit_test_setup(test_hash_seed, setup),
        cmocka_unit_test_setup(test_add_find_unlink, setup),
        cmocka_unit_test_setup(test_replace, setup),
        cmocka_unit_test_setup(test_growth_steps, setup),
        cmocka_unit_test_setup(test_grow_incrementally, setup),
        cmocka_unit_test_setup(test_shrink, setup),
        cmocka_unit_test_setup(test_resize_disallowed, setup),
        cmocka_unit_test_setup(test_reserve, setup),
        cmocka_unit_test_setup(test_clear_calls_free, setup),
        cmocka_unit_test_setup(test_safe_iter_delete, setup),
        cmocka_unit_test_setup(test_safe_iter_delete_mid_rehash, setup),
        cmocka_unit_test_setup(test_iter_read_only, setup),
        cmocka_unit_test_setup(test_scan_stable, setup),
        cmocka_unit_test_setup(test_scan_stable_mid_rehash, setup),
        cmocka_unit_test_setup(test_scan_while_growing, setup),
        cmocka_unit_test_setup(test_scan_while_shrinking, setup),
        cmocka_unit_test_setup(test_scan_random_churn, setup),
        cmocka_unit_test_setup(test_random, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
