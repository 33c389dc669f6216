#include "siphash.h"

#include <string.h>

#define SIP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIP_ROUND(v0, v1, v2, v3)                                                              \
    do {                                                                                       \
        v0 += v1;                                                                              \
        v1 = SIP_ROTL(v1, 13);                                                                 \
        v1 ^= v0;                                                                              \
        v0 = SIP_ROTL(v0, 32);                                                                 \
        v2 += v3;                                                                              \
        v3 = SIP_ROTL(v3, 16);                                                                 \
        v3 ^= v2;                                                                              \
        v0 += v3;                                                                              \
        v3 = SIP_ROTL(v3, 21);                                                                 \
        v3 ^= v0;                                                                              \
        v2 += v1;                                                                              \
        v1 = SIP_ROTL(v1, 17);                                                                 \
        v1 ^= v2;                                                                              \
        v2 = SIP_ROTL(v2, 32);                                                                 \
    } while (0)

static uint64_t sip_load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

uint64_t siphash(const void *data, size_t len, const uint8_t key[16])
{
    const uint8_t *in = data;
    uint64_t k0 = sip_load64(key), k1 = sip_load64(key + 8);
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
    uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
    uint64_t v3 = 0x7465646279746573ULL ^ k1;
    uint64_t b = (uint64_t)len << 56;
    const uint8_t *end = in + len - (len % 8);

    for (; in != end; in += 8) {
        uint64_t m = sip_load64(in);
        v3 ^= m;
        SIP_ROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    switch (len & 7) {
    case 7: b |= (uint64_t)in[6] << 48; /* fall through */
    case 6: b |= (uint64_t)in[5] << 40; /* fall through */
    case 5: b |= (uint64_t)in[4] << 32; /* fall through */
    case 4: b |= (uint64_t)in[3] << 24; /* fall through */
    case 3: b |= (uint64_t)in[2] << 16; /* fall through */
    case 2: b |= (uint64_t)in[1] << 8;  /* fall through */
    case 1: b |= (uint64_t)in[0]; break;
    case 0: break;
    }
    v3 ^= b;
    SIP_ROUND(v0, v1, v2, v3);
    v0 ^= b;
    v2 ^= 0xff;
    SIP_ROUND(v0, v1, v2, v3);
    SIP_ROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}
