#include "intset.h"

#include <string.h>

#include "../util/mem.h"

/* The bytes are the format; the struct only names the two regions. */
struct intset {
    unsigned char hdr[INTSET_HEADER_SIZE]; /* encoding u32 LE, length u32 LE */
    unsigned char contents[];              /* length values of `encoding` bytes each */
};

#define INTSET_ENC_16 2u
#define INTSET_ENC_32 4u
#define INTSET_ENC_64 8u

/* ---- little-endian access (the format is LE whatever the host is) ---- */

static uint64_t le_load(const unsigned char *p, unsigned width)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void le_store(unsigned char *p, uint64_t v, unsigned width)
{
    for (unsigned i = 0; i < width; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Sign-extends a width-byte two's complement value. */
static int64_t sign_extend(uint64_t v, unsigned width)
{
    if (width == 8)
        return (int64_t)v;
    unsigned shift = 64 - 8 * width;
    return (int64_t)(v << shift) >> shift;
}

uint32_t intset_encoding(const struct intset *is)
{
    return (uint32_t)le_load(is->hdr, 4);
}

uint32_t intset_len(const struct intset *is)
{
    return (uint32_t)le_load(is->hdr + 4, 4);
}

static void set_encoding(struct intset *is, uint32_t enc)
{
    le_store(is->hdr, enc, 4);
}

static void set_len(struct intset *is, uint32_t len)
{
    le_store(is->hdr + 4, len, 4);
}

size_t intset_bytes(const struct intset *is)
{
    return INTSET_HEADER_SIZE + (size_t)intset_len(is) * intset_encoding(is);
}

/* The narrowest width that holds v. */
static uint32_t width_for(int64_t v)
{
    if (v < INT32_MIN || v > INT32_MAX)
        return INTSET_ENC_64;
    if (v < INT16_MIN || v > INT16_MAX)
        return INTSET_ENC_32;
    return INTSET_ENC_16;
}

static int64_t get_at(const struct intset *is, uint32_t pos, uint32_t enc)
{
    return sign_extend(le_load(is->contents + (size_t)pos * enc, enc), enc);
}

static void put_at(struct intset *is, uint32_t pos, int64_t v, uint32_t enc)
{
    le_store(is->contents + (size_t)pos * enc, (uint64_t)v, enc);
}

int64_t intset_get(const struct intset *is, uint32_t pos)
{
    return get_at(is, pos, intset_encoding(is));
}

/* ---- lifetime ---- */

struct intset *intset_new(void)
{
    struct intset *is = mem_alloc(INTSET_HEADER_SIZE);
    set_encoding(is, INTSET_ENC_16);
    set_len(is, 0);
    return is;
}

void intset_free(struct intset *is)
{
    mem_free(is);
}

struct intset *intset_dup(const struct intset *is)
{
    size_t n = intset_bytes(is);
    struct intset *copy = mem_alloc(n);
    memcpy(copy, is, n);
    return copy;
}

/* ---- search and change ---- */

/* Binary search: true and *pos = its index if v is present; otherwise false and *pos = the
 * index where v would be inserted to keep the order. */
static bool search(const struct intset *is, int64_t v, uint32_t *pos)
{
    uint32_t enc = intset_encoding(is);
    uint32_t lo = 0, hi = intset_len(is);
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int64_t cur = get_at(is, mid, enc);
        if (cur == v) {
            *pos = mid;
            return true;
        }
        if (cur < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    *pos = lo;
    return false;
}

bool intset_find(const struct intset *is, int64_t v)
{
    uint32_t pos;
    /* A value wider than the encoding cannot be in the set: no search needed. */
    return width_for(v) <= intset_encoding(is) && search(is, v, &pos);
}

static struct intset *resize(struct intset *is, uint32_t len, uint32_t enc)
{
    return mem_realloc(is, INTSET_HEADER_SIZE + (size_t)len * enc);
}

/* Widens every value to hold v, which does not fit the current width and is therefore
 * smaller or larger than every member: it goes first or last. */
static struct intset *upgrade_and_add(struct intset *is, int64_t v)
{
    uint32_t old_enc = intset_encoding(is);
    uint32_t new_enc = width_for(v);
    uint32_t len = intset_len(is);
    uint32_t shift = v < 0 ? 1 : 0;
    is = resize(is, len + 1, new_enc);
    /* Back to front, so no value is overwritten before it is widened. */
    for (uint32_t i = len; i-- > 0;)
        put_at(is, i + shift, get_at(is, i, old_enc), new_enc);
    put_at(is, shift ? 0 : len, v, new_enc);
    set_encoding(is, new_enc);
    set_len(is, len + 1);
    return is;
}

struct intset *intset_add(struct intset *is, int64_t v, bool *added)
{
    if (added)
        *added = true;
    if (width_for(v) > intset_encoding(is))
        return upgrade_and_add(is, v);
    uint32_t pos;
    if (search(is, v, &pos)) {
        if (added)
            *added = false;
        return is;
    }
    uint32_t enc = intset_encoding(is);
    uint32_t len = intset_len(is);
    is = resize(is, len + 1, enc);
    memmove(is->contents + (size_t)(pos + 1) * enc, is->contents + (size_t)pos * enc,
            (size_t)(len - pos) * enc);
    put_at(is, pos, v, enc);
    set_len(is, len + 1);
    return is;
}

struct intset *intset_remove(struct intset *is, int64_t v, bool *removed)
{
    uint32_t pos;
    if (width_for(v) > intset_encoding(is) || !search(is, v, &pos)) {
        if (removed)
            *removed = false;
        return is;
    }
    if (removed)
        *removed = true;
    uint32_t enc = intset_encoding(is);
    uint32_t len = intset_len(is);
    memmove(is->contents + (size_t)pos * enc, is->contents + (size_t)(pos + 1) * enc,
            (size_t)(len - pos - 1) * enc);
    set_len(is, len - 1);
    return resize(is, len - 1, enc);
}

/* ---- validation ---- */

bool intset_validate(const unsigned char *p, size_t size, bool deep)
{
    if (size < INTSET_HEADER_SIZE)
        return false;
    const struct intset *is = (const struct intset *)p;
    uint32_t enc = intset_encoding(is);
    if (enc != INTSET_ENC_16 && enc != INTSET_ENC_32 && enc != INTSET_ENC_64)
        return false;
    uint64_t len = intset_len(is);
    if (INTSET_HEADER_SIZE + len * enc != size)
        return false;
    /* An empty intset is never stored, as in Redis. */
    if (len == 0)
        return false;
    if (!deep)
        return true;
    for (uint32_t i = 1; i < len; i++) {
        if (get_at(is, i - 1, enc) >= get_at(is, i, enc))
            return false;
    }
    return true;
}
