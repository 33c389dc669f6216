/* Unit tests for src/persist/rdb: the pieces of the RDB format that must match Redis bit
 * for bit — the CRC64 trailer (Redis's crc64.c test vector), the length encoding (golden
 * bytes written from the format description) — and the LZF codec strings go through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "persist/rdb.h"
#include "util/lzf.h"

static void test_crc64_vector(void **state)
{
    (void)state;
    assert_true(rdb_crc64(0, (const unsigned char *)"123456789", 9) == 0xe9c6d914c4b8d9caULL);
    assert_true(rdb_crc64(0, NULL, 0) == 0);
}

/* The 8-bytes-at-a-time path and the byte path agree, and a running CRC over pieces equals
 * the CRC of the whole, whatever the split. */
static void test_crc64_split(void **state)
{
    (void)state;
    unsigned char buf[1000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 31 + 7);
    uint64_t whole = rdb_crc64(0, buf, sizeof buf);
    for (size_t cut = 0; cut <= sizeof buf; cut += 37) {
        uint64_t c = rdb_crc64(0, buf, cut);
        assert_true(rdb_crc64(c, buf + cut, sizeof buf - cut) == whole);
    }
    uint64_t bytewise = 0;
    for (size_t i = 0; i < sizeof buf; i++)
        bytewise = rdb_crc64(bytewise, buf + i, 1);
    assert_true(bytewise == whole);
}

static void check_len(uint64_t len, const unsigned char *golden, size_t n)
{
    unsigned char out[9];
    assert_int_equal(rdb_encode_len(out, len), n);
    assert_memory_equal(out, golden, n);
    uint64_t back;
    bool special;
    assert_int_equal(rdb_decode_len(out, n, &back, &special), n);
    assert_false(special);
    assert_true(back == len);
    /* one byte short is never a whole length */
    assert_int_equal(rdb_decode_len(out, n - 1, &back, &special), 0);
}

static void test_length_encodings(void **state)
{
    (void)state;
    check_len(0, (const unsigned char[]){0x00}, 1);
    check_len(63, (const unsigned char[]){0x3f}, 1);
    check_len(64, (const unsigned char[]){0x40, 0x40}, 2);
    check_len(16383, (const unsigned char[]){0x7f, 0xff}, 2);
    check_len(16384, (const unsigned char[]){0x80, 0x00, 0x00, 0x40, 0x00}, 5);
    check_len(0xFFFFFFFFULL, (const unsigned char[]){0x80, 0xff, 0xff, 0xff, 0xff}, 5);
    check_len(0x100000000ULL,
              (const unsigned char[]){0x81, 0, 0, 0, 0x01, 0, 0, 0, 0}, 9);
}

static void test_special_and_invalid(void **state)
{
    (void)state;
    uint64_t v;
    bool special;
    /* 0xC0..0xC3: integer and LZF string encodings */
    for (unsigned k = 0; k < 4; k++) {
        unsigned char b = (unsigned char)(0xC0 | k);
        assert_int_equal(rdb_decode_len(&b, 1, &v, &special), 1);
        assert_true(special);
        assert_true(v == k);
    }
    /* 0x82..0xBF are not lengths */
    unsigned char bad[9] = {0x82};
    assert_int_equal(rdb_decode_len(bad, sizeof bad, &v, &special), 0);
    assert_int_equal(rdb_decode_len(bad, 0, &v, &special), 0);
}

static void test_lzf_round_trip(void **state)
{
    (void)state;
    size_t n = 20000;
    unsigned char *in = malloc(n), *c = malloc(n), *out = malloc(n);
    for (size_t i = 0; i < n; i++)
        in[i] = (unsigned char)("abcabcabd"[i % 9] + (i / 1000));
    size_t clen = lzf_compress(in, n, c, n - 4);
    assert_true(clen > 0 && clen < n / 4);
    assert_int_equal(lzf_decompress(c, clen, out, n), n);
    assert_memory_equal(in, out, n);
    /* a too small output buffer or a truncated input is refused, never overrun */
    assert_int_equal(lzf_decompress(c, clen, out, n - 1), 0);
    assert_true(lzf_decompress(c, clen / 2, out, n) != n);
    /* incompressible data does not fit in less than its own size */
    srand(1);
    for (size_t i = 0; i < n; i++)
        in[i] = (unsigned char)rand();
    assert_int_equal(lzf_compress(in, n, c, n - 4), 0);
    free(in);
    free(c);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc64_vector),
        cmocka_unit_test(test_crc64_split),
        cmocka_unit_test(test_length_encodings),
        cmocka_unit_test(test_special_and_invalid),
        cmocka_unit_test(test_lzf_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
