/* libFuzzer harness for src/types/listpack.
 *
 * 1. lp_validate(deep) on the raw bytes: it guards RDB loading, so it must never read
 *    outside [data, data+size). When it accepts, every reader must work on the block: walk
 *    it both ways, decode every element, seek, find.
 * 2. The same bytes read as a little program of inserts and deletes on a fresh listpack;
 *    after every step the result must validate and hold the expected number of elements.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "types/listpack.h"
#include "util/mem.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

/* Reads every element of a listpack that passed lp_validate. */
static void fuzz_walk(const unsigned char *lp)
{
    unsigned char buf[LP_INTBUF_SIZE];
    unsigned long forward = 0, backward = 0;
    const unsigned char *p, *last = NULL;
    for (p = lp_first(lp); p; p = lp_next(lp, p)) {
        size_t len;
        const unsigned char *s = lp_get(p, &len, buf);
        CHECK(lp_eq(p, s, len));
        struct lp_value v;
        lp_get_value(p, &v);
        last = p;
        forward++;
    }
    for (p = lp_last(lp); p; p = lp_prev(lp, p))
        backward++;
    CHECK(forward == backward);
    CHECK(lp_length(lp) == forward);
    CHECK(lp_last(lp) == last);
    if (forward) {
        CHECK(lp_seek(lp, -1) == last);
        CHECK(lp_seek(lp, 0) == lp_first(lp));
        CHECK(lp_seek(lp, (long)forward) == NULL);
        size_t len;
        const unsigned char *s = lp_get(last, &len, buf);
        unsigned char *copy = mem_alloc(len);
        memcpy(copy, s, len);
        CHECK(lp_find(lp, lp_first(lp), copy, len, 0) != NULL);
        (void)lp_find(lp, lp_first(lp), copy, len, 1);
        mem_free(copy);
    }
}

static void fuzz_validate(const uint8_t *data, size_t size)
{
    bool deep = lp_validate(data, size, true);
    bool shallow = lp_validate(data, size, false);
    if (!deep)
        return;
    CHECK(shallow);
    fuzz_walk(data);

    /* Changing a foreign (possibly oddly encoded) listpack must keep it valid. */
    unsigned char *lp = mem_alloc(size);
    memcpy(lp, data, size);
    unsigned long n = lp_length(lp);
    lp = lp_append(lp, (const unsigned char *)"tail", 4);
    lp = lp_prepend(lp, (const unsigned char *)"-12345", 6);
    unsigned char *p = lp_seek(lp, (long)(n / 2) + 1);
    lp = lp_insert(lp, (const unsigned char *)"mid", 3, p, LP_REPLACE, NULL);
    lp = lp_delete_range(lp, 1, n / 3);
    CHECK(lp_validate(lp, lp_bytes(lp), true));
    fuzz_walk(lp);
    lp_free(lp);
}

/* Program mode: each op is a byte, followed by its operands taken from the input. */
static void fuzz_program(const uint8_t *data, size_t size)
{
    unsigned char *lp = lp_new(0);
    unsigned long n = 0;
    size_t i = 0;
    while (i < size && n < 2000) {
        uint8_t op = data[i++];
        size_t len = 0;
        const unsigned char *s = data + i;
        if (i < size) {
            len = data[i++];
            if (op & 0x80 && i < size)
                len = len << 8 | data[i++]; /* long strings now and then */
            s = data + i;
            if (len > size - i)
                len = size - i;
            i += len;
        }
        long idx = n ? (long)(len * 31 + op) % (long)n : 0;
        if (op & 0x08)
            idx -= (long)n;
        unsigned char *p = lp_seek(lp, idx);
        switch (op & 0x07) {
        case 0:
            lp = lp_append(lp, s, len);
            n++;
            break;
        case 1:
            lp = lp_prepend(lp, s, len);
            n++;
            break;
        case 2:
        case 3: {
            enum lp_where where = (enum lp_where)((op >> 4) % 3);
            unsigned char *newp;
            lp = lp_insert(lp, s, len, p, where, &newp);
            CHECK(lp_eq(newp, s, len));
            if (!p || where != LP_REPLACE)
                n++;
            break;
        }
        case 4: {
            long long v = 0;
            memcpy(&v, s, len < sizeof v ? len : sizeof v);
            lp = lp_insert_int(lp, v >> (op & 0x30), p, (enum lp_where)((op >> 6) % 2), NULL);
            n++;
            break;
        }
        case 5:
            if (p) {
                lp = lp_delete(lp, p, NULL);
                n--;
            }
            break;
        case 6:
            if (p) {
                unsigned long want = len % 7;
                unsigned long at = (unsigned long)(idx < 0 ? idx + (long)n : idx);
                lp = lp_delete_range(lp, idx, want);
                n -= want < n - at ? want : n - at;
            }
            break;
        default:
            if (p)
                (void)lp_find(lp, p, s, len, op >> 4 & 1);
            break;
        }
        CHECK(lp_length(lp) == n);
        CHECK(lp_validate(lp, lp_bytes(lp), true));
    }
    fuzz_walk(lp);
    lp_free(lp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_validate(data, size);
    fuzz_program(data, size);
    return 0;
}
