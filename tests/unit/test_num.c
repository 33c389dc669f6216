/* Unit tests for src/util/num: number <-> text with Redis's exact acceptance rules.
 * Inputs are passed with explicit lengths from exact-size heap copies, so a parser reading
 * past `len` (for instance looking for a NUL) trips ASan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/num.h"

static char *exact_copy(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);
    assert_non_null(p);
    if (n)
        memcpy(p, s, n);
    return p;
}

static int parse_ll_n(const char *s, size_t n, long long *out)
{
    char *p = exact_copy(s, n);
    int r = num_parse_ll(p, n, out);
    free(p);
    return r;
}

static int parse_ll(const char *s, long long *out)
{
    return parse_ll_n(s, strlen(s), out);
}

static int parse_ull(const char *s, unsigned long long *out)
{
    size_t n = strlen(s);
    char *p = exact_copy(s, n);
    int r = num_parse_ull(p, n, out);
    free(p);
    return r;
}

static int parse_ld(const char *s, long double *out)
{
    size_t n = strlen(s);
    char *p = exact_copy(s, n);
    int r = num_parse_ld(p, n, out);
    free(p);
    return r;
}

static int parse_double(const char *s, double *out)
{
    size_t n = strlen(s);
    char *p = exact_copy(s, n);
    int r = num_parse_double(p, n, out);
    free(p);
    return r;
}

/* ---- num_parse_ll: Redis's string2ll ---- */

static void test_parse_ll_accepts(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        long long v;
    } ok[] = {
        {"0", 0},
        {"1", 1},
        {"-1", -1},
        {"10", 10},
        {"123456789", 123456789},
        {"-123456789", -123456789},
        {"9223372036854775807", LLONG_MAX},
        {"-9223372036854775808", LLONG_MIN},
        {"9223372036854775806", LLONG_MAX - 1},
        {"-9223372036854775807", LLONG_MIN + 1},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        long long v = 12345;
        if (parse_ll(ok[i].s, &v) != 0)
            fail_msg("\"%s\" rejected", ok[i].s);
        assert_int_equal(v, ok[i].v);
    }
}

static void test_parse_ll_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "-", "+1", "01", "-0", "00", "-01", " 1", "1 ", "1a", "a1", "1.0", "1e3",
        "9223372036854775808", "-9223372036854775809", "18446744073709551615",
        "99999999999999999999", "123456789012345678901", "--1", "0x10", "\t1", "1\n", "- 1",
        "\xd9\xa1", /* a non-ASCII digit */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long long v = 777;
        if (parse_ll(bad[i], &v) != -1)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_int_equal(v, 777); /* the output is untouched on rejection */
    }
    /* an embedded NUL is a byte like any other, not an end */
    long long v = 5;
    assert_int_equal(parse_ll_n("1\0" "2", 3, &v), -1);
    assert_int_equal(parse_ll_n("12", 1, &v), 0);
    assert_int_equal(v, 1);
}

/* ---- num_parse_ull ---- */

static void test_parse_ull(void **state)
{
    (void)state;
    unsigned long long v = 0;
    assert_int_equal(parse_ull("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(parse_ull("18446744073709551615", &v), 0);
    assert_true(v == ULLONG_MAX);
    assert_int_equal(parse_ull("9223372036854775808", &v), 0);
    assert_true(v == 9223372036854775808ULL);
    assert_int_equal(parse_ull("42", &v), 0);
    assert_int_equal(v, 42);
    static const char *const bad[] = {
        "", "-1", "-0", "+1", "01", " 1", "1 ", "18446744073709551616", "99999999999999999999",
        "184467440737095516150", "1x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 31337;
        if (parse_ull(bad[i], &v) != -1)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_int_equal(v, 31337);
    }
}

/* ---- num_ll_to_str ---- */

static void test_ll_to_str(void **state)
{
    (void)state;
    static const struct {
        long long v;
        const char *s;
    } cases[] = {
        {0, "0"},
        {7, "7"},
        {-7, "-7"},
        {10, "10"},
        {-100, "-100"},
        {LLONG_MAX, "9223372036854775807"},
        {LLONG_MIN, "-9223372036854775808"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[NUM_LL_STR_MAX];
        memset(buf, 'X', sizeof buf);
        size_t n = num_ll_to_str(buf, cases[i].v);
        assert_int_equal(n, strlen(cases[i].s));
        assert_string_equal(buf, cases[i].s);
    }
    /* LLONG_MIN needs every byte of NUM_LL_STR_MAX: write it into an exact-size block */
    char *buf = malloc(NUM_LL_STR_MAX);
    assert_non_null(buf);
    assert_int_equal(num_ll_to_str(buf, LLONG_MIN), NUM_LL_STR_MAX - 1);
    free(buf);
}

static void test_ll_round_trip(void **state)
{
    (void)state;
    long long vals[200];
    size_t n = 0;
    vals[n++] = LLONG_MIN;
    vals[n++] = LLONG_MAX;
    vals[n++] = 0;
    for (long long p = 1; n < 100; p = p * 10 + 3) {
        vals[n++] = p;
        vals[n++] = -p;
        if (p > LLONG_MAX / 11)
            break;
    }
    srandom(7);
    while (n < 200) {
        unsigned long long r = ((unsigned long long)random() << 33) ^
                               ((unsigned long long)random() << 11) ^ (unsigned long long)random();
        vals[n++] = (long long)r;
    }
    for (size_t i = 0; i < n; i++) {
        char buf[NUM_LL_STR_MAX];
        size_t len = num_ll_to_str(buf, vals[i]);
        char want[32];
        snprintf(want, sizeof want, "%lld", vals[i]);
        assert_string_equal(buf, want);
        long long back = 0;
        assert_int_equal(parse_ll_n(buf, len, &back), 0);
        assert_true(back == vals[i]);
    }
}

/* ---- long double: INCRBYFLOAT ---- */

static const char *ld_str(long double v)
{
    static char buf[NUM_LD_STR_MAX];
    size_t n = num_ld_to_str(buf, sizeof buf, v);
    assert_int_equal(n, strlen(buf));
    return buf;
}

static long double ld(const char *s)
{
    long double v = 0;
    if (parse_ld(s, &v) != 0)
        fail_msg("\"%s\" rejected", s);
    return v;
}

static void test_ld_to_str(void **state)
{
    (void)state;
    /* the INCRBYFLOAT examples from Redis's docs and tests */
    assert_string_equal(ld_str(ld("10.5") + ld("0.1")), "10.6");
    assert_string_equal(ld_str(ld("10.6") + ld("-5")), "5.6");
    assert_string_equal(ld_str(ld("5.0e3") + ld("2.0e2")), "5200");
    assert_string_equal(ld_str(ld("5.0e3")), "5000");
    assert_string_equal(ld_str(ld("3.0")), "3");
    assert_string_equal(ld_str(3.0L), "3");
    assert_string_equal(ld_str(1.5L), "1.5");
    assert_string_equal(ld_str(-1.25L), "-1.25");
    assert_string_equal(ld_str(100.0L), "100");
    assert_string_equal(ld_str(0.0L), "0");
    /* "-0" and tiny negatives that print as -0.000... come out as "0" */
    assert_string_equal(ld_str(-0.0L), "0");
    assert_string_equal(ld_str(-1e-30L), "0");
    assert_string_equal(ld_str(1e-30L), "0");
    /* 17 decimals, then trailing zeros trimmed */
    assert_string_equal(ld_str(0.5L), "0.5");
    assert_string_equal(ld_str(1e-17L), "0.00000000000000001");
    assert_string_equal(ld_str(ld("1.10")), "1.1");
    assert_string_equal(ld_str(ld("12345678901234567890")), "12345678901234567890");
    assert_string_equal(ld_str(INFINITY), "inf");
    assert_string_equal(ld_str(-INFINITY), "-inf");

    /* the largest long double fits NUM_LD_STR_MAX */
    static char big[NUM_LD_STR_MAX];
    size_t n = num_ld_to_str(big, sizeof big, LDBL_MAX);
    assert_true(n > 4900 && n < NUM_LD_STR_MAX);
    assert_int_equal(strlen(big), n);
    /* a buffer too small is reported with 0 */
    char small[4];
    assert_int_equal(num_ld_to_str(small, sizeof small, 12345.5L), 0);
}

static void test_parse_ld(void **state)
{
    (void)state;
    long double v = 0;
    assert_int_equal(parse_ld("10.5", &v), 0);
    assert_true(v == 10.5L);
    assert_int_equal(parse_ld("-3", &v), 0);
    assert_true(v == -3.0L);
    assert_int_equal(parse_ld("5.0e3", &v), 0);
    assert_true(v == 5000.0L);
    assert_int_equal(parse_ld(".5", &v), 0);
    assert_true(v == 0.5L);
    assert_int_equal(parse_ld("+1.5", &v), 0);
    assert_true(v == 1.5L);
    assert_int_equal(parse_ld("inf", &v), 0);
    assert_true(isinf(v) && v > 0);
    assert_int_equal(parse_ld("-inf", &v), 0);
    assert_true(isinf(v) && v < 0);
    assert_int_equal(parse_ld("0x10", &v), 0); /* strtold's hex form, as in Redis */
    assert_true(v == 16.0L);

    static const char *const bad[] = {
        "", "nan", "NaN", "-nan", " 1", "\t1", "1 ", "1x", "abc", "1e", "--1", ".", "1e99999",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 99;
        if (parse_ld(bad[i], &v) != -1)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_true(v == 99);
    }
    /* longer than any long double needs: rejected without overflowing the copy */
    size_t n = NUM_LD_STR_MAX + 10;
    char *p = malloc(n);
    assert_non_null(p);
    memset(p, '1', n);
    assert_int_equal(num_parse_ld(p, n, &v), -1);
    assert_int_equal(num_parse_ld(p, NUM_LD_STR_MAX, &v), -1);
    free(p);
}

/* ---- double: %.17g as Redis 7.0 replies ---- */

static const char *d_str(double v)
{
    static char buf[NUM_LD_STR_MAX];
    size_t n = num_double_to_str(buf, sizeof buf, v);
    assert_int_equal(n, strlen(buf));
    return buf;
}

static void test_double_to_str(void **state)
{
    (void)state;
    assert_string_equal(d_str(1.5), "1.5");
    assert_string_equal(d_str(3.0), "3");
    assert_string_equal(d_str(0.0), "0");
    assert_string_equal(d_str(-0.0), "-0");
    assert_string_equal(d_str(-2.5), "-2.5");
    assert_string_equal(d_str(0.1), "0.10000000000000001");
    assert_string_equal(d_str(1.1), "1.1000000000000001");
    assert_string_equal(d_str(10.6), "10.6");
    assert_string_equal(d_str(1e17), "1e+17");
    assert_string_equal(d_str(123456789012345678.0), "1.2345678901234568e+17");
    assert_string_equal(d_str(1e-5), "1.0000000000000001e-05");
    assert_string_equal(d_str(INFINITY), "inf");
    assert_string_equal(d_str(-INFINITY), "-inf");
    /* %.17g round-trips every double */
    srandom(11);
    for (int i = 0; i < 1000; i++) {
        uint64_t bits =
            ((uint64_t)random() << 33) ^ ((uint64_t)random() << 11) ^ (uint64_t)random();
        double v;
        memcpy(&v, &bits, sizeof v);
        if (isnan(v) || isinf(v))
            continue;
        double back = 0;
        assert_int_equal(parse_double(d_str(v), &back), 0);
        assert_memory_equal(&back, &v, sizeof v);
    }
}

static void test_parse_double(void **state)
{
    (void)state;
    double v = 0;
    assert_int_equal(parse_double("1.5", &v), 0);
    assert_true(v == 1.5);
    assert_int_equal(parse_double("-10", &v), 0);
    assert_true(v == -10.0);
    assert_int_equal(parse_double("inf", &v), 0);
    assert_true(isinf(v) && v > 0);
    assert_int_equal(parse_double("-inf", &v), 0);
    assert_true(isinf(v) && v < 0);
    assert_int_equal(parse_double("+inf", &v), 0);
    assert_true(isinf(v) && v > 0);
    assert_int_equal(parse_double("1e308", &v), 0);
    assert_true(v == 1e308);
    static const char *const bad[] = {"", "nan", " 1", "1 ", "1x", "x", "1.5.5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 42;
        if (parse_double(bad[i], &v) != -1)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_true(v == 42);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ll_accepts),
        cmocka_unit_test(test_parse_ll_rejects),
        cmocka_unit_test(test_parse_ull),
        cmocka_unit_test(test_ll_to_str),
        cmocka_unit_test(test_ll_round_trip),
        cmocka_unit_test(test_ld_to_str),
        cmocka_unit_test(test_parse_ld),
        cmocka_unit_test(test_double_to_str),
        cmocka_unit_test(test_parse_double),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
