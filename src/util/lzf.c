#include "lzf.h"

#include <stdint.h>
#include <string.h>

#define LZF_HLOG 13
#define LZF_MAX_LIT 32
#define LZF_MAX_OFF 8192
#define LZF_MAX_REF (7 + 255 + 2)

static inline uint32_t lzf_hash(const unsigned char *p)
{
    uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    return (v * 2654435761u) >> (32 - LZF_HLOG);
}

size_t lzf_compress(const unsigned char *in, size_t in_len, unsigned char *out, size_t out_len)
{
    /* Last position (+1, 0 = none) where each 3-byte prefix hash was seen. */
    uint32_t htab[1 << LZF_HLOG];
    memset(htab, 0, sizeof htab);
    const unsigned char *ip = in, *in_end = in + in_len;
    unsigned char *op = out, *out_end = out + out_len;
    unsigned char *lit_ctrl = NULL; /* control byte of the open literal run */
    unsigned lit = 0;

    if (in_len >= UINT32_MAX)
        return 0;
    while (ip < in_end) {
        if (in_end - ip >= 3) {
            uint32_t h = lzf_hash(ip);
            uint32_t ref_pos = htab[h];
            htab[h] = (uint32_t)(ip - in) + 1;
            if (ref_pos) {
                const unsigned char *ref = in + ref_pos - 1;
                size_t off = (size_t)(ip - ref) - 1;
                if (off < LZF_MAX_OFF && ref[0] == ip[0] && ref[1] == ip[1] && ref[2] == ip[2]) {
                    size_t max = (size_t)(in_end - ip);
                    if (max > LZF_MAX_REF)
                        max = LZF_MAX_REF;
                    size_t len = 3;
                    while (len < max && ref[len] == ip[len])
                        len++;
                    if (lit) {
                        *lit_ctrl = (unsigned char)(lit - 1);
                        lit = 0;
                    }
                    size_t l = len - 2;
                    if (op + (l < 7 ? 2 : 3) > out_end)
                        return 0;
                    if (l < 7) {
                        *op++ = (unsigned char)(l << 5 | off >> 8);
                    } else {
                        *op++ = (unsigned char)(7 << 5 | off >> 8);
                        *op++ = (unsigned char)(l - 7);
                    }
                    *op++ = (unsigned char)(off & 0xff);
                    ip += len;
                    continue;
                }
            }
        }
        /* A literal byte, opening a run (with its control byte) when none is open. */
        if (op + (lit ? 1 : 2) > out_end)
            return 0;
        if (!lit)
            lit_ctrl = op++;
        *op++ = *ip++;
        if (++lit == LZF_MAX_LIT) {
            *lit_ctrl = LZF_MAX_LIT - 1;
            lit = 0;
        }
    }
    if (lit)
        *lit_ctrl = (unsigned char)(lit - 1);
    return (size_t)(op - out);
}

size_t lzf_decompress(const unsigned char *in, size_t in_len, unsigned char *out,
                         size_t out_len)
{
    const unsigned char *ip = in, *in_end = in + in_len;
    unsigned char *op = out, *out_end = out + out_len;
    while (ip < in_end) {
        unsigned ctrl = *ip++;
        if (ctrl < 32) {
            size_t n = ctrl + 1;
            if ((size_t)(in_end - ip) < n || (size_t)(out_end - op) < n)
                return 0;
            memcpy(op, ip, n);
            op += n;
            ip += n;
        } else {
            size_t len = ctrl >> 5;
            if (len == 7) {
                if (ip >= in_end)
                    return 0;
                len += *ip++;
            }
            if (ip >= in_end)
                return 0;
            size_t off = ((size_t)(ctrl & 0x1f) << 8 | *ip++) + 1;
            len += 2;
            if (off > (size_t)(op - out) || (size_t)(out_end - op) < len)
                return 0;
            /* Byte by byte: the reference may overlap what it produces (runs). */
            const unsigned char *ref = op - off;
            while (len--)
                *op++ = *ref++;
        }
    }
    return (size_t)(op - out);
}
