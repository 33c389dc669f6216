/* Unit tests for src/types/listpack: Redis's listpack byte format.
 *
 * The golden vectors are written out byte by byte from the format description (not produced by
 * the code under test), so a listpack ferrite writes is one Redis 7.0 reads and vice versa.
 * Validation tests hand lp_validate exact-size heap copies, so any read outside the block
 * trips ASan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types/listpack.h"

#define HDR 6

/* ---- helpers ---- */

/* A growing byte buffer for writing expected listpacks by hand. */
struct bytes {
    unsigned char *b;
    size_t n;
    size_t cap;
};

static void put(struct bytes *x, const void *p, size_t n)
{
    if (x->n + n > x->cap) {
        x->cap = (x->n + n) * 2 + 16;
        x->b = realloc(x->b, x->cap);
        assert_non_null(x->b);
    }
    if (n)
        memcpy(x->b + x->n, p, n);
    x->n += n;
}

static void put1(struct bytes *x, unsigned char c)
{
    put(x, &c, 1);
}

static void put_fill(struct bytes *x, unsigned char c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put1(x, c);
}

/* Starts an expected listpack: header with placeholder sizes. */
static void put_header(struct bytes *x)
{
    static const unsigned char zero[HDR];
    put(x, zero, HDR);
}

/* Finishes it: terminator, total bytes and count. */
static void put_end(struct bytes *x, unsigned count)
{
    put1(x, 0xFF);
    x->b[0] = (unsigned char)(x->n & 0xff);
    x->b[1] = (unsigned char)((x->n >> 8) & 0xff);
    x->b[2] = (unsigned char)((x->n >> 16) & 0xff);
    x->b[3] = (unsigned char)(x->n >> 24);
    x->b[4] = (unsigned char)(count & 0xff);
    x->b[5] = (unsigned char)(count >> 8);
}

static void assert_lp_bytes(const unsigned char *lp, const struct bytes *want)
{
    assert_int_equal(lp_bytes(lp), want->n);
    assert_memory_equal(lp, want->b, want->n);
}

static unsigned hdr_count(const unsigned char *lp)
{
    return (unsigned)lp[4] | (unsigned)lp[5] << 8;
}

static bool validate_copy(const unsigned char *p, size_t n, bool deep)
{
    unsigned char *c = malloc(n ? n : 1);
    assert_non_null(c);
    if (n)
        memcpy(c, p, n);
    bool ok = lp_validate(c, n, deep);
    free(c);
    return ok;
}

static void assert_valid(const unsigned char *lp)
{
    assert_true(validate_copy(lp, lp_bytes(lp), true));
}

static unsigned char *append_str(unsigned char *lp, const char *s)
{
    return lp_append(lp, (const unsigned char *)s, strlen(s));
}

static void assert_elem(const unsigned char *p, const char *want)
{
    unsigned char buf[LP_INTBUF_SIZE];
    size_t len;
    assert_non_null(p);
    const unsigned char *s = lp_get(p, &len, buf);
    assert_int_equal(len, strlen(want));
    if (len)
        assert_memory_equal(s, want, len);
    assert_true(lp_eq(p, (const unsigned char *)want, len));
}

/* Asserts the listpack holds exactly want[0..n), walking both ways and seeking. */
static void assert_elems(const unsigned char *lp, const char *const *want, size_t n)
{
    assert_int_equal(lp_length(lp), n);
    const unsigned char *p = lp_first(lp);
    for (size_t i = 0; i < n; i++) {
        assert_elem(p, want[i]);
        assert_ptr_equal(lp_seek(lp, (long)i), p);
        assert_ptr_equal(lp_seek(lp, (long)i - (long)n), p);
        p = lp_next(lp, p);
    }
    assert_null(p);
    p = lp_last(lp);
    for (size_t i = n; i-- > 0;) {
        assert_elem(p, want[i]);
        p = lp_prev(lp, p);
    }
    assert_null(p);
    assert_null(lp_seek(lp, (long)n));
    assert_null(lp_seek(lp, -(long)n - 1));
    assert_valid(lp);
}

/* The backlen bytes for an entry whose encoding+data is l bytes long. */
static size_t backlen(unsigned char *out, size_t l)
{
    if (l <= 127) {
        out[0] = (unsigned char)l;
        return 1;
    }
    if (l < 16383) {
        out[0] = (unsigned char)(l >> 7);
        out[1] = (unsigned char)((l & 127) | 128);
        return 2;
    }
    if (l < 2097151) {
        out[0] = (unsigned char)(l >> 14);
        out[1] = (unsigned char)(((l >> 7) & 127) | 128);
        out[2] = (unsigned char)((l & 127) | 128);
        return 3;
    }
    out[0] = (unsigned char)(l >> 21);
    out[1] = (unsigned char)(((l >> 14) & 127) | 128);
    out[2] = (unsigned char)(((l >> 7) & 127) | 128);
    out[3] = (unsigned char)((l & 127) | 128);
    return 4;
}

/* ---- golden vectors ---- */

static void test_empty(void **state)
{
    (void)state;
    unsigned char *lp = lp_new(0);
    static const unsigned char want[] = {7, 0, 0, 0, 0, 0, 0xFF};
    assert_int_equal(lp_bytes(lp), 7);
    assert_memory_equal(lp, want, sizeof want);
    assert_int_equal(lp_length(lp), 0);
    assert_null(lp_first(lp));
    assert_null(lp_last(lp));
    assert_null(lp_seek(lp, 0));
    assert_null(lp_seek(lp, -1));
    assert_valid(lp);
    lp_free(lp);

    /* A capacity hint changes nothing visible. */
    lp = lp_new(1000);
    assert_memory_equal(lp, want, sizeof want);
    lp = append_str(lp, "x");
    assert_elem(lp_first(lp), "x");
    lp_free(lp);
}

static void test_golden_mixed(void **state)
{
    (void)state;
    char s100[100], s5000[5000];
    memset(s100, 'a', sizeof s100);
    memset(s5000, 'b', sizeof s5000);

    unsigned char *lp = lp_new(0);
    lp = append_str(lp, "hello");
    lp = append_str(lp, "1024");
    lp = lp_append_int(lp, -1);
    lp = append_str(lp, "127");
    lp = lp_append_int(lp, 128);
    lp = lp_append(lp, (const unsigned char *)s100, sizeof s100);
    lp = lp_append(lp, (const unsigned char *)s5000, sizeof s5000);

    struct bytes w = {0};
    put_header(&w);
    put(&w, "\x85hello\x06", 7);          /* 6-bit string, backlen 6 */
    put(&w, "\xC4\x00\x02", 3);           /* 1024 as 13-bit int */
    put(&w, "\xDF\xFF\x02", 3);           /* -1 as 13-bit int */
    put(&w, "\x7F\x01", 2);               /* 127 as 7-bit uint */
    put(&w, "\xC0\x80\x02", 3);           /* 128 as 13-bit int */
    put(&w, "\xE0\x64", 2);               /* 12-bit string, length 100 */
    put_fill(&w, 'a', 100);
    put1(&w, 102);                        /* backlen */
    put(&w, "\xF0\x88\x13\x00\x00", 5);   /* 32-bit string, length 5000 */
    put_fill(&w, 'b', 5000);
    put(&w, "\x27\x8D", 2);               /* backlen 5005 = 39 * 128 + 13 */
    put_end(&w, 7);
    assert_int_equal(w.n, 5135);
    assert_lp_bytes(lp, &w);

    const char *want[] = {"hello", "1024", "-1", "127", "128", NULL, NULL};
    char z100[101], z5000[5001];
    memcpy(z100, s100, 100);
    z100[100] = 0;
    memcpy(z5000, s5000, 5000);
    z5000[5000] = 0;
    want[5] = z100;
    want[6] = z5000;
    assert_elems(lp, want, 7);

    struct lp_value v;
    lp_get_value(lp_seek(lp, 1), &v);
    assert_null(v.sval);
    assert_int_equal(v.lval, 1024);
    lp_get_value(lp_seek(lp, 0), &v);
    assert_non_null(v.sval);
    assert_int_equal(v.slen, 5);
    assert_memory_equal(v.sval, "hello", 5);

    free(w.b);
    lp_free(lp);
}

/* Redis's own replace examples: same-size replace and a growing replace. */
static void test_golden_replace(void **state)
{
    (void)state;
    unsigned char *lp = lp_new(0);
    lp = append_str(lp, "hello");
    lp = append_str(lp, "foo");
    lp = append_str(lp, "quux");
    lp = append_str(lp, "1024");
    unsigned char *p = lp_seek(lp, 1);
    lp = lp_insert(lp, (const unsigned char *)"squirrel", 8, p, LP_REPLACE, &p);
    assert_ptr_equal(p, lp_seek(lp, 1));
    static const unsigned char want[] = "\x85hello\x06"
                                        "\x88squirrel\x09"
                                        "\x84quux\x05"
                                        "\xc4\x00\x02"
                                        "\xff";
    assert_int_equal(lp_bytes(lp), HDR + sizeof want - 1);
    assert_memory_equal(lp + HDR, want, sizeof want - 1);
    assert_int_equal(hdr_count(lp), 4);

    p = lp_seek(lp, 1);
    lp = lp_insert(lp, (const unsigned char *)"65536", 5, p, LP_REPLACE, NULL);
    static const unsigned char want2[] = "\x85hello\x06"
                                         "\xf2\x00\x00\x01\x04"
                                         "\x84quux\x05"
                                         "\xc4\x00\x02"
                                         "\xff";
    assert_int_equal(lp_bytes(lp), HDR + sizeof want2 - 1);
    assert_memory_equal(lp + HDR, want2, sizeof want2 - 1);
    lp_free(lp);
}

/* String length encodings at their boundaries. */
static void test_string_encodings(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 1, 63, 64, 4095, 4096, 70000};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        size_t n = lens[i];
        char *s = malloc(n + 1);
        assert_non_null(s);
        memset(s, 'z', n);
        s[n] = 0;
        unsigned char *lp = lp_new(0);
        lp = lp_append(lp, (const unsigned char *)s, n);

        struct bytes w = {0};
        put_header(&w);
        size_t enc;
        if (n < 64) {
            put1(&w, (unsigned char)(0x80 | n));
            enc = 1;
        } else if (n < 4096) {
            put1(&w, (unsigned char)(0xE0 | (n >> 8)));
            put1(&w, (unsigned char)(n & 0xff));
            enc = 2;
        } else {
            unsigned char h[5] = {0xF0, (unsigned char)(n & 0xff), (unsigned char)((n >> 8) & 0xff),
                                  (unsigned char)((n >> 16) & 0xff), (unsigned char)(n >> 24)};
            put(&w, h, 5);
            enc = 5;
        }
        put_fill(&w, 'z', n);
        unsigned char bl[5];
        put(&w, bl, backlen(bl, enc + n));
        put_end(&w, 1);
        assert_lp_bytes(lp, &w);
        const char *want[] = {s};
        assert_elems(lp, want, 1);
        free(w.b);
        free(s);
        lp_free(lp);
    }
}

/* Entries whose encoding+data is exactly 127/128/16382/16383/2097150/2097151 bytes: where
 * the backlen grows from 1 to 2, 2 to 3 and 3 to 4 bytes. */
static void test_backlen_boundaries(void **state)
{
    (void)state;
    static const struct {
        size_t enclen;         /* encoding + data */
        unsigned char bl[4];   /* expected backlen bytes */
        size_t bllen;
    } cases[] = {
        {127, {0x7F}, 1},
        {128, {0x01, 0x80}, 2},
        {16382, {0x7F, 0xFE}, 2},
        {16383, {0x00, 0xFF, 0xFF}, 3},
        {2097150, {0x7F, 0xFF, 0xFE}, 3},
        {2097151, {0x00, 0xFF, 0xFF, 0xFF}, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t enc = cases[i].enclen;
        size_t hdr = enc - 2 < 4096 ? 2 : 5; /* 12-bit or 32-bit string header */
        size_t n = enc - hdr;
        char *s = malloc(n + 1);
        assert_non_null(s);
        memset(s, 'q', n);
        s[n] = 0;

        /* Surround it with small entries so both neighbours must step over it. */
        unsigned char *lp = lp_new(0);
        lp = append_str(lp, "a");
        lp = lp_append(lp, (const unsigned char *)s, n);
        lp = append_str(lp, "b");
        unsigned char *p = lp_seek(lp, 1);
        assert_int_equal(p - lp, HDR + 3);
        assert_memory_equal(p + enc, cases[i].bl, cases[i].bllen);
        assert_int_equal(lp_bytes(lp), HDR + 3 + enc + cases[i].bllen + 3 + 1);
        /* And the local backlen writer in this file agrees with the table. */
        unsigned char bl[5];
        assert_int_equal(backlen(bl, enc), cases[i].bllen);
        assert_memory_equal(bl, cases[i].bl, cases[i].bllen);

        const char *want[] = {"a", s, "b"};
        assert_elems(lp, want, 3);
        free(s);
        lp_free(lp);
    }
}

/* Integers at every encoding boundary, inserted as numbers and as text. */
static void test_integer_encodings(void **state)
{
    (void)state;
    static const struct {
        long long v;
        unsigned char enc[9];
        size_t len;
    } cases[] = {
        {0, {0x00}, 1},
        {1, {0x01}, 1},
        {127, {0x7F}, 1},
        {128, {0xC0, 0x80}, 2},
        {-1, {0xDF, 0xFF}, 2},
        {4095, {0xCF, 0xFF}, 2},
        {4096, {0xF1, 0x00, 0x10}, 3},
        {-4096, {0xD0, 0x00}, 2},
        {-4097, {0xF1, 0xFF, 0xEF}, 3},
        {32767, {0xF1, 0xFF, 0x7F}, 3},
        {32768, {0xF2, 0x00, 0x80, 0x00}, 4},
        {-32768, {0xF1, 0x00, 0x80}, 3},
        {-32769, {0xF2, 0xFF, 0x7F, 0xFF}, 4},
        {8388607, {0xF2, 0xFF, 0xFF, 0x7F}, 4},
        {8388608, {0xF3, 0x00, 0x00, 0x80, 0x00}, 5},
        {-8388608, {0xF2, 0x00, 0x00, 0x80}, 4},
        {-8388609, {0xF3, 0xFF, 0xFF, 0x7F, 0xFF}, 5},
        {2147483647, {0xF3, 0xFF, 0xFF, 0xFF, 0x7F}, 5},
        {2147483648LL, {0xF4, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00}, 9},
        {-2147483648LL, {0xF3, 0x00, 0x00, 0x00, 0x80}, 5},
        {-2147483649LL, {0xF4, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF}, 9},
        {LLONG_MAX, {0xF4, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, 9},
        {LLONG_MIN, {0xF4, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80}, 9},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[32];
        snprintf(text, sizeof text, "%lld", cases[i].v);
        struct bytes w = {0};
        put_header(&w);
        put(&w, cases[i].enc, cases[i].len);
        put1(&w, (unsigned char)cases[i].len); /* backlen */
        put(&w, cases[i].enc, cases[i].len);
        put1(&w, (unsigned char)cases[i].len);
        put_end(&w, 2);

        unsigned char *lp = lp_new(0);
        lp = lp_append_int(lp, cases[i].v);
        lp = append_str(lp, text);
        assert_lp_bytes(lp, &w);
        for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p)) {
            struct lp_value v;
            lp_get_value(p, &v);
            assert_null(v.sval);
            assert_true(v.lval == cases[i].v);
            assert_elem(p, text);
        }
        const char *want[] = {text, text};
        assert_elems(lp, want, 2);
        free(w.b);
        lp_free(lp);
    }
}

/* Text that is not a canonical integer stays a string, byte for byte. */
static void test_non_canonical_strings(void **state)
{
    (void)state;
    static const char *texts[] = {"",     "-",    "+1",   "01",  "-0",  "00", " 1",
                                  "1 ",   "1a",   "0x10", "1.0", "--1", "-01",
                                  "9223372036854775808", "-9223372036854775809",
                                  "123456789012345678901"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        size_t n = strlen(texts[i]);
        unsigned char *lp = lp_new(0);
        lp = append_str(lp, texts[i]);
        assert_int_equal(lp[HDR], 0x80 | n);
        assert_memory_equal(lp + HDR + 1, texts[i], n);
        struct lp_value v;
        lp_get_value(lp_first(lp), &v);
        assert_non_null(v.sval);
        assert_int_equal(v.slen, n);
        assert_elem(lp_first(lp), texts[i]);
        assert_valid(lp);
        lp_free(lp);
    }
    /* And the integer element 1 is not equal to any of those spellings. */
    unsigned char *lp = lp_new(0);
    lp = lp_append_int(lp, 1);
    assert_false(lp_eq(lp_first(lp), (const unsigned char *)"01", 2));
    assert_false(lp_eq(lp_first(lp), (const unsigned char *)"+1", 2));
    assert_false(lp_eq(lp_first(lp), (const unsigned char *)"1 ", 2));
    assert_false(lp_eq(lp_first(lp), (const unsigned char *)"", 0));
    assert_true(lp_eq(lp_first(lp), (const unsigned char *)"1", 1));
    lp_free(lp);
}

/* ---- changes ---- */

static unsigned char *abc(void)
{
    unsigned char *lp = lp_new(0);
    lp = append_str(lp, "a");
    lp = append_str(lp, "b");
    lp = append_str(lp, "c");
    return lp;
}

static unsigned char *ins(unsigned char *lp, const char *s, long at, enum lp_where where,
                          const char *want_new)
{
    unsigned char *p = at == LONG_MIN ? NULL : lp_seek(lp, at);
    unsigned char *newp = NULL;
    lp = lp_insert(lp, (const unsigned char *)s, strlen(s), p, where, &newp);
    assert_elem(newp, want_new);
    return lp;
}

static void test_insert_positions(void **state)
{
    (void)state;
    struct {
        long at;
        enum lp_where where;
        const char *want[4];
        size_t n;
    } cases[] = {
        {0, LP_BEFORE, {"X", "a", "b", "c"}, 4},
        {0, LP_AFTER, {"a", "X", "b", "c"}, 4},
        {0, LP_REPLACE, {"X", "b", "c"}, 3},
        {1, LP_BEFORE, {"a", "X", "b", "c"}, 4},
        {1, LP_AFTER, {"a", "b", "X", "c"}, 4},
        {1, LP_REPLACE, {"a", "X", "c"}, 3},
        {-1, LP_BEFORE, {"a", "b", "X", "c"}, 4},
        {-1, LP_AFTER, {"a", "b", "c", "X"}, 4},
        {-1, LP_REPLACE, {"a", "b", "X"}, 3},
        {LONG_MIN, LP_BEFORE, {"a", "b", "c", "X"}, 4}, /* p NULL: append */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char *lp = abc();
        lp = ins(lp, "X", cases[i].at, cases[i].where, "X");
        assert_int_equal(hdr_count(lp), cases[i].n);
        assert_elems(lp, cases[i].want, cases[i].n);
        lp_free(lp);
    }

    /* Replacements that grow and shrink the entry, and change its type. */
    unsigned char *lp = abc();
    char big[300];
    memset(big, 'B', sizeof big - 1);
    big[sizeof big - 1] = 0;
    lp = ins(lp, big, 1, LP_REPLACE, big);
    lp = ins(lp, "-70000", 0, LP_REPLACE, "-70000");
    lp = ins(lp, "x", 1, LP_REPLACE, "x");
    const char *want[] = {"-70000", "x", "c"};
    assert_elems(lp, want, 3);

    /* Integer inserts. */
    unsigned char *p = lp_seek(lp, 1), *newp;
    lp = lp_insert_int(lp, 42, p, LP_AFTER, &newp);
    assert_elem(newp, "42");
    p = lp_first(lp);
    lp = lp_insert_int(lp, LLONG_MIN, p, LP_REPLACE, &newp);
    assert_elem(newp, "-9223372036854775808");
    const char *want2[] = {"-9223372036854775808", "x", "42", "c"};
    assert_elems(lp, want2, 4);

    /* Prepend and append, including onto an empty listpack. */
    lp_free(lp);
    lp = lp_new(0);
    lp = lp_prepend(lp, (const unsigned char *)"m", 1);
    lp = lp_prepend(lp, (const unsigned char *)"1", 1);
    lp = lp_append(lp, (const unsigned char *)"z", 1);
    lp = lp_append_int(lp, 7);
    const char *want3[] = {"1", "m", "z", "7"};
    assert_elems(lp, want3, 4);
    lp_free(lp);
}

/* An element copied from the listpack into itself (the string lives inside the block). */
static void test_insert_from_self(void **state)
{
    (void)state;
    unsigned char *lp = lp_new(0);
    char s[200];
    memset(s, 's', sizeof s - 1);
    s[sizeof s - 1] = 0;
    lp = append_str(lp, s);
    lp = append_str(lp, "tail");
    for (int i = 0; i < 5; i++) {
        size_t len;
        unsigned char buf[LP_INTBUF_SIZE];
        const unsigned char *v = lp_get(lp_first(lp), &len, buf);
        lp = lp_prepend(lp, v, len);
    }
    size_t len;
    unsigned char buf[LP_INTBUF_SIZE];
    const unsigned char *v = lp_get(lp_first(lp), &len, buf);
    unsigned char *p = lp_last(lp);
    lp = lp_insert(lp, v, len, p, LP_REPLACE, NULL);
    const char *want[] = {s, s, s, s, s, s, s};
    assert_elems(lp, want, 7);
    lp_free(lp);
}

static void test_delete(void **state)
{
    (void)state;
    unsigned char *lp = abc();
    unsigned char *p = lp_seek(lp, 1), *next;
    lp = lp_delete(lp, p, &next);
    assert_elem(next, "c");
    const char *w1[] = {"a", "c"};
    assert_elems(lp, w1, 2);

    lp = lp_delete(lp, lp_last(lp), &next);
    assert_null(next);
    const char *w2[] = {"a"};
    assert_elems(lp, w2, 1);

    lp = lp_delete(lp, lp_first(lp), &next);
    assert_null(next);
    assert_elems(lp, NULL, 0);
    assert_int_equal(lp_bytes(lp), 7);
    lp_free(lp);

    /* Deleting while iterating, as the type commands do. */
    lp = lp_new(0);
    for (int i = 0; i < 20; i++) {
        char b[16];
        snprintf(b, sizeof b, "%s%d", i % 3 ? "k" : "", i);
        lp = append_str(lp, b);
    }
    p = lp_first(lp);
    while (p) {
        struct lp_value v;
        lp_get_value(p, &v);
        if (!v.sval)
            lp = lp_delete(lp, p, &p);
        else
            p = lp_next(lp, p);
    }
    assert_int_equal(lp_length(lp), 13);
    for (p = lp_first(lp); p; p = lp_next(lp, p)) {
        struct lp_value v;
        lp_get_value(p, &v);
        assert_non_null(v.sval);
    }
    assert_valid(lp);
    lp_free(lp);
}

static unsigned char *digits(int n)
{
    unsigned char *lp = lp_new(0);
    for (int i = 0; i < n; i++)
        lp = lp_append_int(lp, i);
    return lp;
}

static void test_delete_range(void **state)
{
    (void)state;
    const char *all[] = {"0", "1", "2", "3", "4", "5"};

    unsigned char *lp = digits(6);
    lp = lp_delete_range(lp, 1, 2);
    const char *w1[] = {"0", "3", "4", "5"};
    assert_elems(lp, w1, 4);
    lp_free(lp);

    lp = digits(6);
    lp = lp_delete_range(lp, -2, 1);
    const char *w2[] = {"0", "1", "2", "3", "5"};
    assert_elems(lp, w2, 5);
    lp_free(lp);

    lp = digits(6);
    lp = lp_delete_range(lp, -3, 100); /* past the end: stops at the end */
    assert_elems(lp, all, 3);
    lp_free(lp);

    lp = digits(6);
    lp = lp_delete_range(lp, -6, 6);
    assert_elems(lp, NULL, 0);
    assert_int_equal(lp_bytes(lp), 7);
    lp_free(lp);

    lp = digits(6);
    lp = lp_delete_range(lp, 0, ULONG_MAX);
    assert_elems(lp, NULL, 0);
    lp_free(lp);

    /* Out of range or nothing to delete: unchanged. */
    lp = digits(6);
    lp = lp_delete_range(lp, 6, 1);
    lp = lp_delete_range(lp, -7, 1);
    lp = lp_delete_range(lp, 0, 0);
    lp = lp_delete_range(lp, LONG_MIN, 3);
    lp = lp_delete_range(lp, LONG_MAX, 3);
    assert_elems(lp, all, 6);
    lp_free(lp);
}

static void test_seek_and_walk(void **state)
{
    (void)state;
    unsigned char *lp = digits(1000);
    for (long i = 0; i < 1000; i++) {
        struct lp_value v;
        lp_get_value(lp_seek(lp, i), &v);
        assert_int_equal(v.lval, i);
        lp_get_value(lp_seek(lp, -i - 1), &v);
        assert_int_equal(v.lval, 999 - i);
    }
    assert_null(lp_seek(lp, 1000));
    assert_null(lp_seek(lp, -1001));
    assert_null(lp_seek(lp, LONG_MAX));
    assert_null(lp_seek(lp, LONG_MIN));

    long n = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p))
        n++;
    assert_int_equal(n, 1000);
    n = 0;
    for (unsigned char *p = lp_last(lp); p; p = lp_prev(lp, p))
        n++;
    assert_int_equal(n, 1000);
    /* lp_prev from the terminator is the last element. */
    assert_ptr_equal(lp_prev(lp, lp + lp_bytes(lp) - 1), lp_last(lp));
    lp_free(lp);
}

static void test_find(void **state)
{
    (void)state;
    /* key/value pairs where some values look like keys. */
    unsigned char *lp = lp_new(0);
    const char *kv[] = {"k1", "k2", "k2", "v2", "k3", "100", "100", "x", "", "empty"};
    for (size_t i = 0; i < 10; i++)
        lp = append_str(lp, kv[i]);
    unsigned char *first = lp_first(lp);

#define FIND(s, skip) lp_find(lp, first, (const unsigned char *)(s), strlen(s), (skip))
    assert_ptr_equal(FIND("k2", 0), lp_seek(lp, 1));
    assert_ptr_equal(FIND("k2", 1), lp_seek(lp, 2)); /* the value "k2" is skipped */
    assert_ptr_equal(FIND("100", 0), lp_seek(lp, 5));
    assert_ptr_equal(FIND("100", 1), lp_seek(lp, 6));
    assert_ptr_equal(FIND("", 1), lp_seek(lp, 8));
    assert_ptr_equal(FIND("empty", 0), lp_seek(lp, 9));
    assert_null(FIND("empty", 1));
    assert_null(FIND("v2", 1));
    assert_ptr_equal(FIND("v2", 0), lp_seek(lp, 3));
    assert_null(FIND("0100", 0));
    assert_null(FIND("10", 0));
    assert_null(FIND("nope", 0));
    /* Starting in the middle, and with larger skips. */
    assert_ptr_equal(lp_find(lp, lp_seek(lp, 3), (const unsigned char *)"k2", 2, 0), NULL);
    assert_ptr_equal(lp_find(lp, lp_seek(lp, 2), (const unsigned char *)"k2", 2, 0),
                     lp_seek(lp, 2));
    assert_ptr_equal(FIND("100", 2), lp_seek(lp, 6));
    assert_null(FIND("100", 3));
    assert_null(lp_find(lp, NULL, (const unsigned char *)"k1", 2, 0));
#undef FIND
    lp_free(lp);
}

/* ---- the element counter ---- */

static void test_counter_saturation(void **state)
{
    (void)state;
    /* Room for everything up front: growing one realloc at a time is slow under ASan. */
    unsigned char *lp = lp_new(160000);
    for (long i = 0; i < 65534; i++)
        lp = lp_append_int(lp, i % 100);
    assert_int_equal(hdr_count(lp), 65534);
    assert_int_equal(lp_length(lp), 65534);
    lp = lp_append_int(lp, 1);
    assert_int_equal(hdr_count(lp), 65535);
    assert_int_equal(lp_length(lp), 65535);
    for (long i = 0; i < 5000; i++)
        lp = lp_append_int(lp, 5);
    assert_int_equal(hdr_count(lp), 65535);
    assert_int_equal(lp_length(lp), 70535);
    assert_valid(lp);

    /* Seeking without a known count, both ways. */
    struct lp_value v;
    lp_get_value(lp_seek(lp, -5001), &v);
    assert_int_equal(v.lval, 1);
    lp_get_value(lp_seek(lp, 65533), &v);
    assert_int_equal(v.lval, 65533 % 100);
    assert_null(lp_seek(lp, 70535));
    assert_null(lp_seek(lp, -70536));
    assert_non_null(lp_seek(lp, -70535));

    /* Replacing keeps the counter; deleting below 65535 leaves it unknown but lp_length
     * still counts right. */
    unsigned char *p = lp_seek(lp, 10);
    lp = lp_insert(lp, (const unsigned char *)"r", 1, p, LP_REPLACE, NULL);
    lp = lp_delete_range(lp, 0, 10000);
    assert_int_equal(hdr_count(lp), 65535);
    assert_int_equal(lp_length(lp), 60535);
    lp = lp_delete(lp, lp_first(lp), NULL);
    assert_int_equal(lp_length(lp), 60534);
    assert_valid(lp);
    lp = lp_delete_range(lp, -60534, 60534);
    assert_int_equal(lp_length(lp), 0);
    assert_null(lp_first(lp));
    assert_valid(lp);
    lp_free(lp);
}

/* ---- validation ---- */

static void test_validate(void **state)
{
    (void)state;
    unsigned char *lp = lp_new(0);
    lp = append_str(lp, "hello");
    lp = lp_append_int(lp, 1000000);
    char big[300];
    memset(big, 'g', sizeof big);
    lp = lp_append(lp, (const unsigned char *)big, sizeof big);
    size_t n = lp_bytes(lp);
    assert_true(validate_copy(lp, n, true));
    assert_true(validate_copy(lp, n, false));

    unsigned char *c = malloc(n);
    assert_non_null(c);
#define RESET() memcpy(c, lp, n)
    /* Wrong sizes. */
    RESET();
    assert_false(validate_copy(c, n - 1, false));
    assert_false(validate_copy(c, 6, false));
    assert_false(validate_copy(c, 0, false));
    assert_false(lp_validate(NULL, 0, true));
    c[0]++;
    assert_false(validate_copy(c, n, false));
    /* No terminator. */
    RESET();
    c[n - 1] = 0;
    assert_false(validate_copy(c, n, false));
    /* Count mismatch (deep only); 65535 means "unknown" and passes. */
    RESET();
    c[4] = 2;
    assert_true(validate_copy(c, n, false));
    assert_false(validate_copy(c, n, true));
    c[4] = 0xFF;
    c[5] = 0xFF;
    assert_true(validate_copy(c, n, true));
    /* A backlen that does not match. */
    RESET();
    c[HDR + 6] = 7;
    assert_false(validate_copy(c, n, true));
    /* An unused encoding byte, and a terminator in the middle. */
    for (unsigned b = 0xF5; b <= 0xFF; b++) {
        RESET();
        c[HDR + 7] = (unsigned char)b;
        assert_false(validate_copy(c, n, true));
    }
    /* A string length that disagrees with the backlen, then ones running past the end. */
    RESET();
    c[HDR] = 0x80 | 63;
    assert_false(validate_copy(c, n, true));
    RESET();
    size_t off = (size_t)(lp_seek(lp, 2) - lp);
    c[off] = 0xEF;
    assert_false(validate_copy(c, n, true));
    c[off] = 0xF0;
    assert_false(validate_copy(c, n, true));
    /* Every truncation, header fixed up to match, must fail (and not over-read). */
    for (size_t len = 7; len < n; len++) {
        unsigned char *t = malloc(len);
        assert_non_null(t);
        memcpy(t, lp, len);
        t[0] = (unsigned char)len;
        t[1] = (unsigned char)(len >> 8);
        t[2] = t[3] = 0;
        t[len - 1] = 0xFF;
        assert_false(lp_validate(t, len, true));
        free(t);
    }
    /* Every single-byte corruption must either fail or yield a walkable listpack. */
    for (size_t i = 0; i < n; i++) {
        for (unsigned b = 0; b < 256; b += 17) {
            RESET();
            c[i] = (unsigned char)b;
            unsigned char *t = malloc(n);
            assert_non_null(t);
            memcpy(t, c, n);
            if (lp_validate(t, n, true)) {
                unsigned long cnt = 0;
                for (unsigned char *p = lp_first(t); p; p = lp_next(t, p)) {
                    size_t l;
                    unsigned char buf[LP_INTBUF_SIZE];
                    (void)lp_get(p, &l, buf);
                    cnt++;
                }
                for (unsigned char *p = lp_last(t); p; p = lp_prev(t, p))
                    cnt--;
                assert_int_equal(cnt, 0);
            }
            free(t);
        }
    }
#undef RESET
    free(c);

    /* The empty listpack and one with an unknown count. */
    static const unsigned char empty[] = {7, 0, 0, 0, 0, 0, 0xFF};
    assert_true(validate_copy(empty, sizeof empty, true));
    static const unsigned char unknown[] = {7, 0, 0, 0, 0xFF, 0xFF, 0xFF};
    assert_true(validate_copy(unknown, sizeof unknown, true));
    static const unsigned char counted1[] = {7, 0, 0, 0, 1, 0, 0xFF};
    assert_false(validate_copy(counted1, sizeof counted1, true));
    lp_free(lp);
}

/* ---- randomized comparison with a plain array ---- */

struct ref {
    char **s;
    size_t *len;
    size_t n;
    size_t cap;
};

static void ref_insert(struct ref *r, size_t at, const char *s, size_t len)
{
    if (r->n == r->cap) {
        r->cap = r->cap * 2 + 8;
        r->s = realloc(r->s, r->cap * sizeof *r->s);
        r->len = realloc(r->len, r->cap * sizeof *r->len);
        assert_non_null(r->s);
        assert_non_null(r->len);
    }
    memmove(r->s + at + 1, r->s + at, (r->n - at) * sizeof *r->s);
    memmove(r->len + at + 1, r->len + at, (r->n - at) * sizeof *r->len);
    r->s[at] = malloc(len + 1);
    assert_non_null(r->s[at]);
    memcpy(r->s[at], s, len);
    r->len[at] = len;
    r->n++;
}

static void ref_delete(struct ref *r, size_t at, size_t count)
{
    for (size_t i = at; i < at + count; i++)
        free(r->s[i]);
    memmove(r->s + at, r->s + at + count, (r->n - at - count) * sizeof *r->s);
    memmove(r->len + at, r->len + at + count, (r->n - at - count) * sizeof *r->len);
    r->n -= count;
}

static void ref_check(const struct ref *r, const unsigned char *lp)
{
    assert_int_equal(lp_length(lp), r->n);
    const unsigned char *p = lp_first(lp);
    for (size_t i = 0; i < r->n; i++) {
        size_t len;
        unsigned char buf[LP_INTBUF_SIZE];
        assert_non_null(p);
        const unsigned char *s = lp_get(p, &len, buf);
        assert_int_equal(len, r->len[i]);
        if (len)
            assert_memory_equal(s, r->s[i], len);
        p = lp_next(lp, p);
    }
    assert_null(p);
    size_t back = 0;
    for (p = lp_last(lp); p; p = lp_prev(lp, p))
        back++;
    assert_int_equal(back, r->n);
    assert_valid(lp);
}

/* A random element: short words, canonical and non-canonical numbers, long strings. */
static size_t rand_elem(char *buf)
{
    switch (rand() % 8) {
    case 0:
        return (size_t)sprintf(buf, "%d", rand() % 300 - 150);
    case 1:
        return (size_t)sprintf(buf, "%lld", ((long long)rand() << 32 | (unsigned)rand()) *
                                                (rand() % 2 ? 1 : -1));
    case 2:
        return (size_t)sprintf(buf, "0%d", rand() % 100);
    case 3: {
        size_t n = (size_t)(rand() % 5000);
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)('a' + rand() % 26);
        return n;
    }
    case 4:
        return 0;
    default: {
        size_t n = (size_t)(rand() % 70);
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)(rand() % 256);
        return n;
    }
    }
}

static void test_random_vs_reference(void **state)
{
    (void)state;
    srand(12345);
    struct ref r = {0};
    unsigned char *lp = lp_new(0);
    static char buf[8192];
    for (int op = 0; op < 6000; op++) {
        int kind = rand() % 10;
        if (r.n > 150)
            kind = 7; /* keep it small enough to check fully after every step */
        size_t len = rand_elem(buf);
        if (kind <= 1) {
            lp = lp_append(lp, (const unsigned char *)buf, len);
            ref_insert(&r, r.n, buf, len);
        } else if (kind == 2) {
            lp = lp_prepend(lp, (const unsigned char *)buf, len);
            ref_insert(&r, 0, buf, len);
        } else if (kind <= 5 && r.n) {
            size_t at = (size_t)rand() % r.n;
            long idx = rand() % 2 ? (long)at : (long)at - (long)r.n;
            enum lp_where where = (enum lp_where)(rand() % 3);
            unsigned char *p = lp_seek(lp, idx), *newp;
            lp = lp_insert(lp, (const unsigned char *)buf, len, p, where, &newp);
            if (where == LP_REPLACE) {
                ref_delete(&r, at, 1);
                ref_insert(&r, at, buf, len);
            } else {
                at += where == LP_AFTER;
                ref_insert(&r, at, buf, len);
            }
            assert_ptr_equal(newp, lp_seek(lp, (long)at));
        } else if (kind == 6 && r.n) {
            size_t at = (size_t)rand() % r.n;
            unsigned char *next;
            lp = lp_delete(lp, lp_seek(lp, (long)at), &next);
            ref_delete(&r, at, 1);
            assert_ptr_equal(next, at < r.n ? lp_seek(lp, (long)at) : NULL);
        } else if (kind == 7 && r.n) {
            size_t at = (size_t)rand() % r.n;
            unsigned long count = (unsigned long)(rand() % 20);
            long idx = rand() % 2 ? (long)at : (long)at - (long)r.n;
            lp = lp_delete_range(lp, idx, count);
            ref_delete(&r, at, count < r.n - at ? count : r.n - at);
        } else if (kind == 8 && r.n) {
            /* lp_find must return the first equal element at or after a random start. */
            size_t at = (size_t)rand() % r.n;
            size_t target = (size_t)rand() % r.n;
            unsigned char *got = lp_find(lp, lp_seek(lp, (long)at),
                                         (const unsigned char *)r.s[target], r.len[target], 0);
            size_t want = at;
            while (want < r.n && !(r.len[want] == r.len[target] &&
                                   memcmp(r.s[want], r.s[target], r.len[target]) == 0))
                want++;
            assert_ptr_equal(got, want < r.n ? lp_seek(lp, (long)want) : NULL);
        } else {
            lp = lp_append_int(lp, (long long)rand() - RAND_MAX / 2);
            struct lp_value v;
            lp_get_value(lp_last(lp), &v);
            char t[32];
            size_t tl = (size_t)sprintf(t, "%lld", v.lval);
            ref_insert(&r, r.n, t, tl);
        }
        ref_check(&r, lp);
    }
    ref_delete(&r, 0, r.n);
    free(r.s);
    free(r.len);
    lp_free(lp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_golden_mixed),
        cmocka_unit_test(test_golden_replace),
        cmocka_unit_test(test_string_encodings),
        cmocka_unit_test(test_backlen_boundaries),
        cmocka_unit_test(test_integer_encodings),
        cmocka_unit_test(test_non_canonical_strings),
        cmocka_unit_test(test_insert_positions),
        cmocka_unit_test(test_insert_from_self),
        cmocka_unit_test(test_delete),
        cmocka_unit_test(test_delete_range),
        cmocka_unit_test(test_seek_and_walk),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_counter_saturation),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_random_vs_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
