/* Unit tests for src/types/intset: Redis's intset byte format.
 *
 * Golden vectors are written byte by byte from the format description (encoding u32 LE,
 * length u32 LE, values LE ascending), not produced by the code under test, so an intset
 * ferrite writes is one Redis reads from an RDB file and vice versa. Validation gets
 * exact-size heap copies, so a read past the end trips ASan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "types/intset.h"

/* ---- helpers ---- */

static const unsigned char *bytes_of(const struct intset *is)
{
    return (const unsigned char *)is;
}

static struct intset *add(struct intset *is, int64_t v, bool expect_added)
{
    bool added;
    is = intset_add(is, v, &added);
    assert_int_equal(added, expect_added);
    return is;
}

static void assert_bytes(const struct intset *is, const unsigned char *want, size_t n)
{
    assert_int_equal(intset_bytes(is), n);
    assert_memory_equal(bytes_of(is), want, n);
}

/* Values strictly ascending and all readable. */
static void assert_sorted(const struct intset *is)
{
    for (uint32_t i = 1; i < intset_len(is); i++)
        assert_true(intset_get(is, i - 1) < intset_get(is, i));
}

static bool validate_copy(const void *p, size_t n, bool deep)
{
    unsigned char *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, p, n);
    bool ok = intset_validate(copy, n, deep);
    free(copy);
    return ok;
}

/* ---- golden bytes ---- */

static void test_empty_format(void **state)
{
    (void)state;
    struct intset *is = intset_new();
    static const unsigned char want[] = {2, 0, 0, 0, 0, 0, 0, 0};
    assert_bytes(is, want, sizeof want);
    assert_int_equal(intset_len(is), 0);
    assert_int_equal(intset_encoding(is), 2);
    intset_free(is);
}

static void test_golden_int16(void **state)
{
    (void)state;
    struct intset *is = intset_new();
    is = add(is, 5, true);
    is = add(is, -1, true);
    is = add(is, 300, true);
    is = add(is, 5, false);
    static const unsigned char want[] = {
        2, 0, 0, 0, 3, 0, 0, 0,  /* encoding 2, length 3 */
        0xff, 0xff,              /* -1 */
        0x05, 0x00,              /* 5 */
        0x2c, 0x01,              /* 300 */
    };
    assert_bytes(is, want, sizeof want);
    intset_free(is);
}

static void test_golden_upgrade_to_32(void **state)
{
    (void)state;
    struct intset *is = intset_new();
    is = add(is, 1, true);
    is = add(is, -2, true);
    is = add(is, 65536, true); /* does not fit int16: every value widens */
    static const unsigned char want[] = {
        4, 0, 0, 0, 3, 0, 0, 0,
        0xfe, 0xff, 0xff, 0xff,  /* -2 */
        0x01, 0x00, 0x00, 0x00,  /* 1 */
        0x00, 0x00, 0x01, 0x00,  /* 65536 */
    };
    assert_bytes(is, want, sizeof want);
    intset_free(is);
}

static void test_golden_upgrade_to_64_negative(void **state)
{
    (void)state;
    struct intset *is = intset_new();
    is = add(is, 7, true);
    is = add(is, INT64_MIN, true); /* smaller than everything: prepended while widening */
    static const unsigned char want[] = {
        8, 0, 0, 0, 2, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0x80,  /* INT64_MIN */
        7, 0, 0, 0, 0, 0, 0, 0,     /* 7 */
    };
    assert_bytes(is, want, sizeof want);
    intset_free(is);
}

/* ---- upgrades ---- */

static void test_upgrade_16_32_64(void **state)
{
    (void)state;
    struct intset *is = intset_new();
    is = add(is, 32767, true);
    is = add(is, -32768, true);
    assert_int_equal(intset_encoding(is), 2);
    is = add(is, 32768, true);
    assert_int_equal(intset_encoding(is), 4);
    is = add(is, -2147483648LL, true);
    assert_int_equal(intset_encoding(is), 4);
    is = add(is, -2147483649LL, true);
    assert_int_equal(intset_encoding(is), 8);
    is = add(is, INT64_MAX, true);
    assert_int_equal(intset_len(is), 6);
    int64_t want[] = {-2147483649LL, -2147483648LL, -32768, 32767, 32768, INT64_MAX};
    for (uint32_t i = 0; i < 6; i++)
        assert_true(intset_get(is, i) == want[i]);
    for (uint32_t i = 0; i < 6; i++)
        assert_true(intset_find(is, want[i]));
    /* Removing the wide values never narrows the encoding (Redis does not either). */
    is = intset_remove(is, INT64_MAX, NULL);
    is = intset_remove(is, -2147483649LL, NULL);
    assert_int_equal(intset_encoding(is), 8);
    assert_int_equal(intset_len(is), 4);
    assert_sorted(is);
    intset_free(is);
}

static void test_find_wider_than_encoding(void **state)
{
    (void)state;
    struct intset *is = intset_new();
    is = add(is, 1, true);
    assert_false(intset_find(is, 1LL << 40));
    assert_false(intset_find(is, -(1LL << 20)));
    bool removed = true;
    is = intset_remove(is, 1LL << 40, &removed);
    assert_false(removed);
    assert_int_equal(intset_encoding(is), 2);
    intset_free(is);
}

/* ---- search, insert and remove order ---- */

static void test_insert_order_and_search(void **state)
{
    (void)state;
    struct intset *is = intset_new();
    /* Inserted in a scrambled order; stored ascending. */
    for (int i = 0; i < 1000; i++)
        is = add(is, (int64_t)((i * 7919) % 1000) - 500, true);
    assert_int_equal(intset_len(is), 1000);
    for (uint32_t i = 0; i < 1000; i++)
        assert_true(intset_get(is, i) == (int64_t)i - 500);
    assert_true(intset_find(is, -500));
    assert_true(intset_find(is, 499));
    assert_false(intset_find(is, 500));
    assert_false(intset_find(is, -501));
    intset_free(is);
}

static void test_remove_positions(void **state)
{
    (void)state;
    struct intset *is = intset_new();
    for (int64_t v = 1; v <= 5; v++)
        is = add(is, v * 10, true);
    bool removed;
    is = intset_remove(is, 10, &removed); /* first */
    assert_true(removed);
    is = intset_remove(is, 50, &removed); /* last */
    assert_true(removed);
    is = intset_remove(is, 30, &removed); /* middle */
    assert_true(removed);
    is = intset_remove(is, 30, &removed);
    assert_false(removed);
    static const unsigned char want[] = {2, 0, 0, 0, 2, 0, 0, 0, 20, 0, 40, 0};
    assert_bytes(is, want, sizeof want);
    is = intset_remove(is, 20, NULL);
    is = intset_remove(is, 40, NULL);
    assert_int_equal(intset_len(is), 0);
    assert_int_equal(intset_bytes(is), INTSET_HEADER_SIZE);
    intset_free(is);
}

static void test_dup(void **state)
{
    (void)state;
    struct intset *is = intset_new();
    for (int64_t v = -3; v <= 3; v++)
        is = add(is, v * 100000, true);
    struct intset *copy = intset_dup(is);
    assert_int_equal(intset_bytes(copy), intset_bytes(is));
    assert_memory_equal(copy, is, intset_bytes(is));
    copy = intset_remove(copy, 0, NULL);
    assert_true(intset_find(is, 0));
    intset_free(copy);
    intset_free(is);
}

/* Random operations checked against a sorted array model, over all three widths. */
static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t random_value(void)
{
    static const int64_t ranges[] = {100, 40000, 3000000000LL, INT64_MAX};
    int64_t r = ranges[random() % 4];
    int64_t v = (int64_t)(((uint64_t)random() << 33) ^ ((uint64_t)random() << 2) ^
                          (uint64_t)random()) % r;
    return random() % 2 ? v : -v;
}

static void test_random_against_model(void **state)
{
    (void)state;
    srandom(12345);
    enum { MAX = 600 };
    int64_t model[MAX];
    size_t n = 0;
    struct intset *is = intset_new();
    for (int op = 0; op < 20000; op++) {
        int64_t v = (random() % 3 == 0 && n > 0) ? model[random() % n] : random_value();
        bool present = bsearch(&v, model, n, sizeof v, cmp_i64) != NULL;
        if (random() % 2 && n < MAX) {
            bool added;
            is = intset_add(is, v, &added);
            assert_int_equal(added, !present);
            if (!present) {
                model[n++] = v;
                qsort(model, n, sizeof v, cmp_i64);
            }
        } else {
            bool removed;
            is = intset_remove(is, v, &removed);
            assert_int_equal(removed, present);
            if (present) {
                int64_t *at = bsearch(&v, model, n, sizeof v, cmp_i64);
                memmove(at, at + 1, (size_t)(model + n - at - 1) * sizeof v);
                n--;
            }
        }
        assert_int_equal(intset_len(is), n);
        assert_true(intset_find(is, v) == (bsearch(&v, model, n, sizeof v, cmp_i64) != NULL));
        if (op % 500 == 0) {
            for (uint32_t i = 0; i < n; i++)
                assert_true(intset_get(is, i) == model[i]);
            if (n > 0)
                assert_true(validate_copy(is, intset_bytes(is), true));
        }
    }
    intset_free(is);
}

/* ---- validation ---- */

static void test_validate(void **state)
{
    (void)state;
    static const unsigned char good[] = {2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0};
    assert_true(validate_copy(good, sizeof good, true));
    assert_true(validate_copy(good, sizeof good, false));
    /* Too short for the header. */
    assert_false(validate_copy(good, 7, false));
    /* Length disagrees with the size. */
    assert_false(validate_copy(good, sizeof good - 1, false));
    static const unsigned char bad_enc[] = {3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0};
    assert_false(validate_copy(bad_enc, sizeof bad_enc, false));
    static const unsigned char unsorted[] = {2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 1, 0};
    assert_true(validate_copy(unsorted, sizeof unsorted, false));
    assert_false(validate_copy(unsorted, sizeof unsorted, true));
    static const unsigned char dup[] = {2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 1, 0};
    assert_false(validate_copy(dup, sizeof dup, true));
    /* A huge length must not overflow the size check. */
    static const unsigned char huge[] = {8, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0, 0, 0, 0};
    assert_false(validate_copy(huge, sizeof huge, true));
    static const unsigned char empty[] = {2, 0, 0, 0, 0, 0, 0, 0};
    assert_false(validate_copy(empty, sizeof empty, true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_format),
        cmocka_unit_test(test_golden_int16),
        cmocka_unit_test(test_golden_upgrade_to_32),
        cmocka_unit_test(test_golden_upgrade_to_64_negative),
        cmocka_unit_test(test_upgrade_16_32_64),
        cmocka_unit_test(test_find_wider_than_encoding),
        cmocka_unit_test(test_insert_order_and_search),
        cmocka_unit_test(test_remove_positions),
        cmocka_unit_test(test_dup),
        cmocka_unit_test(test_random_against_model),
        cmocka_unit_test(test_validate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
