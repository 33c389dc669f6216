/* listpack: Redis's listpack byte format (see listpack.h for the layout).
 *
 * Entry encodings (first byte):
 *   0xxxxxxx                    7-bit unsigned int 0..127
 *   10xxxxxx + data             string of 0..63 bytes
 *   110xxxxx yyyyyyyy           13-bit signed int (high 5 bits first)
 *   1110xxxx yyyyyyyy + data    string of 0..4095 bytes (high 4 bits of the length first)
 *   0xF0 + u32 LE + data        string of any length
 *   0xF1/0xF2/0xF3/0xF4         16/24/32/64-bit signed int, little-endian
 *   0xFF                        terminator (never an entry)
 * After encoding+data comes its length l ("backlen") in 1..5 bytes, readable from the right:
 * the last byte holds the low 7 bits, each byte left of it the next 7; every byte but the
 * leftmost has its high bit set.
 *
 * Functions other than lp_validate trust the block: it was built here or passed lp_validate.
 * All arithmetic on untrusted lengths in lp_validate is done on offsets, never on pointers. */
#include "listpack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"
#include "../util/num.h"

#define LP_HDR_SIZE 6
#define LP_EOF 0xFF
#define LP_COUNT_UNKNOWN 65535u
#define LP_MAX_INT_ENC 9       /* longest integer encoding (0xF4 + 8 bytes) */
#define LP_MAX_BACKLEN 5       /* longest backlen */
#define LP_MAX_INT_STR_LEN 20  /* longest text that can be a canonical int64 */

#define LP_ENC_6BIT_STR 0x80
#define LP_ENC_13BIT_INT 0xC0
#define LP_ENC_12BIT_STR 0xE0
#define LP_ENC_32BIT_STR 0xF0
#define LP_ENC_16BIT_INT 0xF1
#define LP_ENC_24BIT_INT 0xF2
#define LP_ENC_32BIT_INT 0xF3
#define LP_ENC_64BIT_INT 0xF4

/* ---- header ---- */

static uint32_t lp_rd_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void lp_wr_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)((v >> 8) & 0xff);
    p[2] = (unsigned char)((v >> 16) & 0xff);
    p[3] = (unsigned char)(v >> 24);
}

static unsigned lp_hdr_count(const unsigned char *lp)
{
    return (unsigned)lp[4] | (unsigned)lp[5] << 8;
}

static void lp_set_count(unsigned char *lp, unsigned long n)
{
    if (n > LP_COUNT_UNKNOWN)
        n = LP_COUNT_UNKNOWN;
    lp[4] = (unsigned char)(n & 0xff);
    lp[5] = (unsigned char)(n >> 8);
}

/* Adds delta (+1 or -n) to the element counter unless it is saturated: once the count has
 * reached 65535 only a scan knows the truth, as in Redis. */
static void lp_add_count(unsigned char *lp, long delta)
{
    unsigned long n = lp_hdr_count(lp);
    if (n == LP_COUNT_UNKNOWN)
        return;
    lp_set_count(lp, (unsigned long)((long)n + delta));
}

/* Callers cap listpack sizes far below 4 GiB (Redis converts to other encodings at 1 GiB):
 * getting here is a bug, and writing a wrapped size would corrupt the block. */
static void lp_too_big(size_t bytes)
{
    fprintf(stderr, "ferrite: listpack would exceed 4 GiB (%zu bytes)\n", bytes);
    abort();
}

static void lp_set_bytes(unsigned char *lp, size_t bytes)
{
    if (bytes > UINT32_MAX)
        lp_too_big(bytes);
    lp_wr_u32(lp, (uint32_t)bytes);
}

/* ---- backlen ---- */

static unsigned lp_backlen_size(uint64_t l)
{
    if (l <= 127)
        return 1;
    if (l < 16383)
        return 2;
    if (l < 2097151)
        return 3;
    if (l < 268435455)
        return 4;
    return 5;
}

/* Writes the backlen of l into buf (LP_MAX_BACKLEN bytes); returns its size. */
static unsigned lp_backlen_write(unsigned char *buf, uint64_t l)
{
    unsigned n = lp_backlen_size(l);
    /* Leftmost byte: the high bits, no continuation flag; the rest low 7 bits each, flagged. */
    buf[0] = (unsigned char)(l >> (7 * (n - 1)));
    for (unsigned i = 1; i < n; i++)
        buf[i] = (unsigned char)(((l >> (7 * (n - 1 - i))) & 127) | 128);
    return n;
}

/* Reads the backlen whose last byte is at p (trusted block). */
static uint64_t lp_backlen_read(const unsigned char *p)
{
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
        v |= (uint64_t)(*p & 127) << shift;
        if (!(*p & 128) || shift >= 28)
            break;
        shift += 7;
        p--;
    }
    return v;
}

/* ---- entry sizes ---- */

/* Bytes of encoding+data of the (trusted) entry at p. */
static size_t lp_enc_size(const unsigned char *p)
{
    unsigned char b = p[0];
    if (b < 0x80)
        return 1;
    if (b < 0xC0)
        return 1 + (size_t)(b & 0x3f);
    if (b < 0xE0)
        return 2;
    if (b < 0xF0)
        return 2 + ((size_t)(b & 0x0f) << 8 | p[1]);
    switch (b) {
    case LP_ENC_32BIT_STR:
        return 5 + (size_t)lp_rd_u32(p + 1);
    case LP_ENC_16BIT_INT:
        return 3;
    case LP_ENC_24BIT_INT:
        return 4;
    case LP_ENC_32BIT_INT:
        return 5;
    case LP_ENC_64BIT_INT:
        return 9;
    default:
        abort(); /* not an entry: the block is corrupt or p is misplaced */
    }
}

/* Whole size of the entry at p, backlen included. */
static size_t lp_entry_size(const unsigned char *p)
{
    size_t l = lp_enc_size(p);
    return l + lp_backlen_size(l);
}

/* ---- encoding new elements ---- */

/* An element ready to be written: hdr holds the encoding bytes (the whole entry for an
 * integer), data the string bytes that follow them. */
struct lp_enc {
    unsigned char hdr[LP_MAX_INT_ENC]; /* encoding byte(s) */
    size_t hdrlen;                     /* bytes used in hdr */
    const unsigned char *data;         /* string bytes, NULL for integers */
    size_t datalen;                    /* string length */
};

/* Smallest integer encoding of v. */
static void lp_encode_int(struct lp_enc *e, long long v)
{
    uint64_t u = (uint64_t)v; /* two's complement bits, masked per width below */
    e->data = NULL;
    e->datalen = 0;
    if (v >= 0 && v <= 127) {
        e->hdr[0] = (unsigned char)v;
        e->hdrlen = 1;
    } else if (v >= -4096 && v <= 4095) {
        u &= 0x1fff;
        e->hdr[0] = (unsigned char)(LP_ENC_13BIT_INT | (u >> 8));
        e->hdr[1] = (unsigned char)(u & 0xff);
        e->hdrlen = 2;
    } else {
        unsigned width;
        if (v >= -32768 && v <= 32767) {
            e->hdr[0] = LP_ENC_16BIT_INT;
            width = 2;
        } else if (v >= -8388608 && v <= 8388607) {
            e->hdr[0] = LP_ENC_24BIT_INT;
            width = 3;
        } else if (v >= -2147483648LL && v <= 2147483647LL) {
            e->hdr[0] = LP_ENC_32BIT_INT;
            width = 4;
        } else {
            e->hdr[0] = LP_ENC_64BIT_INT;
            width = 8;
        }
        for (unsigned i = 0; i < width; i++)
            e->hdr[1 + i] = (unsigned char)((u >> (8 * i)) & 0xff);
        e->hdrlen = 1 + width;
    }
}

/* Smallest encoding of s: an integer when s is a canonical integer, else a string. */
static void lp_encode_str(struct lp_enc *e, const unsigned char *s, size_t len)
{
    long long v;
    if (len <= LP_MAX_INT_STR_LEN && num_parse_ll((const char *)s, len, &v) == 0) {
        lp_encode_int(e, v);
        return;
    }
    if (len < 64) {
        e->hdr[0] = (unsigned char)(LP_ENC_6BIT_STR | len);
        e->hdrlen = 1;
    } else if (len < 4096) {
        e->hdr[0] = (unsigned char)(LP_ENC_12BIT_STR | (len >> 8));
        e->hdr[1] = (unsigned char)(len & 0xff);
        e->hdrlen = 2;
    } else {
        if (len > UINT32_MAX)
            lp_too_big(len);
        e->hdr[0] = LP_ENC_32BIT_STR;
        lp_wr_u32(e->hdr + 1, (uint32_t)len);
        e->hdrlen = 5;
    }
    e->data = s;
    e->datalen = len;
}

/* ---- creation and sizes ---- */

unsigned char *lp_new(size_t capacity)
{
    unsigned char *lp = mem_alloc(capacity > LP_HDR_SIZE + 1 ? capacity : LP_HDR_SIZE + 1);
    lp_set_bytes(lp, LP_HDR_SIZE + 1);
    lp_set_count(lp, 0);
    lp[LP_HDR_SIZE] = LP_EOF;
    return lp;
}

void lp_free(unsigned char *lp)
{
    mem_free(lp);
}

size_t lp_bytes(const unsigned char *lp)
{
    return lp_rd_u32(lp);
}

unsigned long lp_length(const unsigned char *lp)
{
    unsigned n = lp_hdr_count(lp);
    if (n != LP_COUNT_UNKNOWN)
        return n;
    unsigned long count = 0;
    for (const unsigned char *p = lp_first(lp); p; p = lp_next(lp, p))
        count++;
    return count;
}

/* ---- navigation ---- */

unsigned char *lp_first(const unsigned char *lp)
{
    const unsigned char *p = lp + LP_HDR_SIZE;
    return p[0] == LP_EOF ? NULL : (unsigned char *)p;
}

unsigned char *lp_last(const unsigned char *lp)
{
    return lp_prev(lp, lp + lp_bytes(lp) - 1);
}

unsigned char *lp_next(const unsigned char *lp, const unsigned char *p)
{
    (void)lp;
    if (p[0] == LP_EOF)
        return NULL;
    p += lp_entry_size(p);
    return p[0] == LP_EOF ? NULL : (unsigned char *)p;
}

/* p may also be the terminator, whose predecessor is the last element. */
unsigned char *lp_prev(const unsigned char *lp, const unsigned char *p)
{
    if (p == lp + LP_HDR_SIZE)
        return NULL;
    uint64_t l = lp_backlen_read(p - 1);
    return (unsigned char *)(p - l - lp_backlen_size(l));
}

unsigned char *lp_seek(const unsigned char *lp, long index)
{
    unsigned n = lp_hdr_count(lp);
    bool forward;
    unsigned long steps;
    if (n != LP_COUNT_UNKNOWN) {
        /* Known length: normalize, then walk from whichever end is nearer. */
        if (index < 0) {
            unsigned long back = (unsigned long)(-(index + 1)) + 1;
            if (back > n)
                return NULL;
            index = (long)(n - back);
        }
        if ((unsigned long)index >= n)
            return NULL;
        forward = (unsigned long)index < n / 2 + 1;
        steps = forward ? (unsigned long)index : n - 1 - (unsigned long)index;
    } else {
        forward = index >= 0;
        steps = forward ? (unsigned long)index : (unsigned long)(-(index + 1));
    }
    unsigned char *p = forward ? lp_first(lp) : lp_last(lp);
    while (p && steps--)
        p = forward ? lp_next(lp, p) : lp_prev(lp, p);
    return p;
}

/* ---- reading elements ---- */

/* Sign-extends the low `bits` bits of u. */
static long long lp_sign_extend(uint64_t u, unsigned bits)
{
    uint64_t sign = (uint64_t)1 << (bits - 1);
    if (bits < 64)
        u &= ((uint64_t)1 << bits) - 1;
    if (u & sign)
        return (long long)(u - sign) - (long long)(sign - 1) - 1;
    return (long long)u;
}

static uint64_t lp_rd_le(const unsigned char *p, unsigned width)
{
    uint64_t u = 0;
    for (unsigned i = 0; i < width; i++)
        u |= (uint64_t)p[i] << (8 * i);
    return u;
}

void lp_get_value(const unsigned char *p, struct lp_value *v)
{
    unsigned char b = p[0];
    v->sval = NULL;
    v->slen = 0;
    v->lval = 0;
    if (b < 0x80) {
        v->lval = b;
    } else if (b < 0xC0) {
        v->sval = p + 1;
        v->slen = b & 0x3f;
    } else if (b < 0xE0) {
        v->lval = lp_sign_extend((uint64_t)(b & 0x1f) << 8 | p[1], 13);
    } else if (b < 0xF0) {
        v->sval = p + 2;
        v->slen = (size_t)(b & 0x0f) << 8 | p[1];
    } else {
        switch (b) {
        case LP_ENC_32BIT_STR:
            v->sval = p + 5;
            v->slen = lp_rd_u32(p + 1);
            break;
        case LP_ENC_16BIT_INT:
            v->lval = lp_sign_extend(lp_rd_le(p + 1, 2), 16);
            break;
        case LP_ENC_24BIT_INT:
            v->lval = lp_sign_extend(lp_rd_le(p + 1, 3), 24);
            break;
        case LP_ENC_32BIT_INT:
            v->lval = lp_sign_extend(lp_rd_le(p + 1, 4), 32);
            break;
        case LP_ENC_64BIT_INT:
            v->lval = lp_sign_extend(lp_rd_le(p + 1, 8), 64);
            break;
        default:
            abort(); /* terminator or invalid byte: not an element */
        }
    }
}

const unsigned char *lp_get(const unsigned char *p, size_t *len, unsigned char *buf)
{
    struct lp_value v;
    lp_get_value(p, &v);
    if (v.sval) {
        *len = v.slen;
        return v.sval;
    }
    *len = num_ll_to_str((char *)buf, v.lval);
    return buf;
}

/* 1 if s is a canonical integer (its value in *v), else 0. */
static int lp_str_as_int(const unsigned char *s, size_t len, long long *v)
{
    return len <= LP_MAX_INT_STR_LEN && num_parse_ll((const char *)s, len, v) == 0;
}

/* Compares the element at p with s; *sint caches whether s is an integer (-1 = not yet
 * known) and *sval its value, so lp_find parses s at most once. */
static bool lp_eq_cached(const unsigned char *p, const unsigned char *s, size_t len, int *sint,
                         long long *sval)
{
    struct lp_value v;
    lp_get_value(p, &v);
    if (v.sval)
        return v.slen == len && (len == 0 || memcmp(v.sval, s, len) == 0);
    /* An integer's text is canonical, so s matches exactly when s is canonical and equal. */
    if (*sint < 0)
        *sint = lp_str_as_int(s, len, sval);
    return *sint == 1 && *sval == v.lval;
}

bool lp_eq(const unsigned char *p, const unsigned char *s, size_t len)
{
    int sint = -1;
    long long sval = 0;
    return lp_eq_cached(p, s, len, &sint, &sval);
}

unsigned char *lp_find(const unsigned char *lp, unsigned char *p, const unsigned char *s,
                       size_t len, unsigned skip)
{
    int sint = -1;
    long long sval = 0;
    unsigned skipcnt = 0;
    if (p && p[0] == LP_EOF)
        return NULL;
    while (p) {
        if (skipcnt == 0) {
            if (lp_eq_cached(p, s, len, &sint, &sval))
                return p;
            skipcnt = skip;
        } else {
            skipcnt--;
        }
        p = lp_next(lp, p);
    }
    return NULL;
}

/* ---- changes ---- */

/* Writes e at dst, backlen included. */
static void lp_write_entry(unsigned char *dst, const struct lp_enc *e)
{
    memcpy(dst, e->hdr, e->hdrlen);
    if (e->datalen)
        memcpy(dst + e->hdrlen, e->data, e->datalen);
    lp_backlen_write(dst + e->hdrlen + e->datalen, e->hdrlen + e->datalen);
}

/* The common body of every insert: places e before/after p or instead of it. A NULL p, or
 * the terminator, means "at the end". */
static unsigned char *lp_insert_enc(unsigned char *lp, struct lp_enc *e, unsigned char *p,
                                    enum lp_where where, unsigned char **newp)
{
    size_t bytes = lp_bytes(lp);
    if (!p || p[0] == LP_EOF) {
        p = lp + bytes - 1;
        where = LP_BEFORE;
    } else if (where == LP_AFTER) {
        p += lp_entry_size(p);
        where = LP_BEFORE;
    }
    size_t off = (size_t)(p - lp);
    size_t old = where == LP_REPLACE ? lp_entry_size(p) : 0;
    size_t enclen = e->hdrlen + e->datalen;
    size_t add = enclen + lp_backlen_size(enclen);
    size_t newbytes = bytes - old + add;
    if (newbytes > UINT32_MAX)
        lp_too_big(newbytes);

    /* The string may live inside this very listpack (an element being copied or moved);
     * the move and the realloc below would clobber it, so take a copy first. */
    unsigned char *copy = NULL;
    if (e->datalen && (uintptr_t)e->data >= (uintptr_t)lp &&
        (uintptr_t)e->data < (uintptr_t)(lp + bytes)) {
        copy = mem_alloc(e->datalen);
        memcpy(copy, e->data, e->datalen);
        e->data = copy;
    }

    if (newbytes > bytes && newbytes > mem_usable(lp))
        lp = mem_realloc(lp, newbytes);
    memmove(lp + off + add, lp + off + old, bytes - off - old);
    if (newbytes < bytes)
        lp = mem_realloc(lp, newbytes);
    lp_write_entry(lp + off, e);
    lp_set_bytes(lp, newbytes);
    if (where != LP_REPLACE)
        lp_add_count(lp, 1);
    mem_free(copy);
    if (newp)
        *newp = lp + off;
    return lp;
}

unsigned char *lp_insert(unsigned char *lp, const unsigned char *s, size_t len, unsigned char *p,
                         enum lp_where where, unsigned char **newp)
{
    struct lp_enc e;
    lp_encode_str(&e, s, len);
    return lp_insert_enc(lp, &e, p, where, newp);
}

unsigned char *lp_insert_int(unsigned char *lp, long long v, unsigned char *p,
                             enum lp_where where, unsigned char **newp)
{
    struct lp_enc e;
    lp_encode_int(&e, v);
    return lp_insert_enc(lp, &e, p, where, newp);
}

unsigned char *lp_append(unsigned char *lp, const unsigned char *s, size_t len)
{
    return lp_insert(lp, s, len, NULL, LP_BEFORE, NULL);
}

unsigned char *lp_prepend(unsigned char *lp, const unsigned char *s, size_t len)
{
    return lp_insert(lp, s, len, lp + LP_HDR_SIZE, LP_BEFORE, NULL);
}

unsigned char *lp_append_int(unsigned char *lp, long long v)
{
    return lp_insert_int(lp, v, NULL, LP_BEFORE, NULL);
}

/* Removes the bytes [off, off+len) holding n elements. */
static unsigned char *lp_cut(unsigned char *lp, size_t off, size_t len, unsigned long n)
{
    size_t bytes = lp_bytes(lp);
    memmove(lp + off, lp + off + len, bytes - off - len);
    lp = mem_realloc(lp, bytes - len);
    lp_set_bytes(lp, bytes - len);
    lp_add_count(lp, -(long)n);
    return lp;
}

unsigned char *lp_delete(unsigned char *lp, unsigned char *p, unsigned char **newp)
{
    size_t off = (size_t)(p - lp);
    lp = lp_cut(lp, off, lp_entry_size(p), 1);
    if (newp)
        *newp = lp[off] == LP_EOF ? NULL : lp + off;
    return lp;
}

unsigned char *lp_delete_range(unsigned char *lp, long index, unsigned long count)
{
    if (count == 0)
        return lp;
    unsigned char *first = lp_seek(lp, index);
    if (!first)
        return lp;
    unsigned char *end = first;
    unsigned long n = 0;
    while (n < count && end[0] != LP_EOF) {
        end += lp_entry_size(end);
        n++;
    }
    return lp_cut(lp, (size_t)(first - lp), (size_t)(end - first), n);
}

/* ---- validation ---- */

/* Checks the entry at offset off of an untrusted block of size bytes (whose last byte is the
 * terminator) and sets *len to its whole size. Only bytes before the terminator are read. */
static bool lp_validate_entry(const unsigned char *lp, size_t size, size_t off, size_t *len)
{
    size_t avail = size - 1 - off; /* bytes the entry may use, backlen included */
    unsigned char b = lp[off];
    size_t hdr; /* bytes of the encoding that must be read to learn the entry's size */
    if (b < 0xC0)
        hdr = 1; /* 7-bit int, 6-bit string length */
    else if (b < 0xF0)
        hdr = 2; /* 13-bit int, 12-bit string length */
    else if (b <= LP_ENC_64BIT_INT)
        hdr = b == LP_ENC_32BIT_STR ? 5 : 1;
    else
        return false; /* 0xF5..0xFE are unused; 0xFF would be a terminator mid-block */
    if (hdr > avail)
        return false;
    /* lp_enc_size reads only the hdr bytes just checked. */
    uint64_t enclen = lp_enc_size(lp + off);
    if (enclen > avail)
        return false;
    unsigned bl = lp_backlen_size(enclen);
    if (enclen + bl > avail)
        return false;
    unsigned char want[LP_MAX_BACKLEN];
    lp_backlen_write(want, enclen);
    if (memcmp(lp + off + enclen, want, bl) != 0)
        return false;
    *len = (size_t)enclen + bl;
    return true;
}

bool lp_validate(const unsigned char *lp, size_t size, bool deep)
{
    if (!lp || size < LP_HDR_SIZE + 1)
        return false;
    if ((size_t)lp_rd_u32(lp) != size)
        return false;
    if (lp[size - 1] != LP_EOF)
        return false;
    if (!deep)
        return true;
    size_t off = LP_HDR_SIZE;
    unsigned long count = 0;
    /* Every entry ends before the terminator, so off stays <= size - 1. */
    while (off < size - 1) {
        size_t len;
        if (!lp_validate_entry(lp, size, off, &len))
            return false;
        off += len;
        count++;
    }
    unsigned n = lp_hdr_count(lp);
    return n == LP_COUNT_UNKNOWN || n == count;
}
