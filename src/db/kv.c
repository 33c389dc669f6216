#include "kv.h"

#include <string.h>

#include "../util/mem.h"
#include "../util/num.h"

void kv_node_key(const struct dict_node *node, const char **key, size_t *len)
{
    const struct kv *kv = (const struct kv *)node;
    *key = kv_key(kv);
    *len = kv->keylen;
}

/* Allocates an entry with room for `extra` bytes after the key. */
static struct kv *kv_alloc(const char *key, size_t klen, long long expire_ms, size_t extra)
{
    bool has_expire = expire_ms >= 0;
    size_t size = sizeof(struct kv) + (has_expire ? KV_EXPIRE_BYTES : 0) + klen + extra;
    struct kv *kv = mem_alloc(size);
    memset(kv, 0, sizeof *kv);
    kv->keylen = (uint32_t)klen;
    kv->has_expire = has_expire;
    if (has_expire) {
        memcpy(kv + 1, &expire_ms, sizeof expire_ms);
        memset((char *)(kv + 1) + 8, 0, 4);
    }
    memcpy(kv_key(kv), key, klen);
    return kv;
}

static struct kv_rawstr *kv_rawstr_new(const char *val, size_t len)
{
    struct kv_rawstr *r = mem_alloc(sizeof *r + len);
    r->len = len;
    if (val)
        memcpy(r->data, val, len);
    return r;
}

struct kv *kv_new_int(const char *key, size_t klen, long long v, long long expire_ms)
{
    struct kv *kv = kv_alloc(key, klen, expire_ms, 0);
    kv->type = KV_STRING;
    kv->enc = KV_ENC_INT;
    kv->v.ival = v;
    return kv;
}

struct kv *kv_new_string(const char *key, size_t klen, const char *val, size_t vlen,
                         long long expire_ms)
{
    long long iv;
    if (vlen <= KV_INT_MAX_LEN && num_parse_ll(val, vlen, &iv) == 0)
        return kv_new_int(key, klen, iv, expire_ms);
    if (vlen <= KV_EMBSTR_MAX) {
        struct kv *kv = kv_alloc(key, klen, expire_ms, vlen);
        kv->type = KV_STRING;
        kv->enc = KV_ENC_EMBSTR;
        kv->v.slen = vlen;
        memcpy(kv_key(kv) + klen, val, vlen);
        return kv;
    }
    return kv_new_ptr(key, klen, KV_STRING, KV_ENC_RAW, kv_rawstr_new(val, vlen), expire_ms);
}

struct kv *kv_new_ptr(const char *key, size_t klen, enum kv_type type, enum kv_encoding enc,
                      void *ptr, long long expire_ms)
{
    struct kv *kv = kv_alloc(key, klen, expire_ms, 0);
    kv->type = type;
    kv->enc = enc;
    kv->v.ptr = ptr;
    return kv;
}

static const struct kv_type_ops *kv_ops_of(const struct kv *kv)
{
    switch (kv->type) {
    case KV_LIST: return &kv_list_ops;
    case KV_SET: return &kv_set_ops;
    case KV_ZSET: return &kv_zset_ops;
    case KV_HASH: return &kv_hash_ops;
    default: return NULL;
    }
}

/* Frees what the entry's value owns outside the entry itself. */
static void kv_free_value(struct kv *kv)
{
    if (kv->type == KV_STRING) {
        if (kv->enc == KV_ENC_RAW)
            mem_free(kv->v.ptr);
        return;
    }
    kv_ops_of(kv)->free_value(kv->v.ptr, (enum kv_encoding)kv->enc);
}

void kv_free(struct kv *kv)
{
    kv_free_value(kv);
    mem_free(kv);
}

void kv_string(const struct kv *kv, char *buf, const char **p, size_t *len)
{
    switch (kv->enc) {
    case KV_ENC_INT:
        *len = num_ll_to_str(buf, kv->v.ival);
        *p = buf;
        break;
    case KV_ENC_EMBSTR:
        *p = kv_key(kv) + kv->keylen;
        *len = kv->v.slen;
        break;
    default: {
        const struct kv_rawstr *r = kv->v.ptr;
        *p = r->data;
        *len = r->len;
    }
    }
}

size_t kv_string_len(const struct kv *kv)
{
    char buf[NUM_LL_STR_MAX];
    const char *p;
    size_t len;
    kv_string(kv, buf, &p, &len);
    return len;
}

struct kv *kv_dup(const struct kv *kv, const char *key, size_t klen, long long expire_ms)
{
    if (kv->type == KV_STRING) {
        char buf[NUM_LL_STR_MAX];
        const char *p;
        size_t len;
        kv_string(kv, buf, &p, &len);
        if (kv->enc == KV_ENC_RAW) /* keep the encoding a copy would report in Redis */
            return kv_new_ptr(key, klen, KV_STRING, KV_ENC_RAW, kv_rawstr_new(p, len), expire_ms);
        return kv_new_string(key, klen, p, len, expire_ms);
    }
    return kv_new_ptr(key, klen, (enum kv_type)kv->type, (enum kv_encoding)kv->enc,
                      kv_ops_of(kv)->dup_value(kv->v.ptr, (enum kv_encoding)kv->enc), expire_ms);
}

struct kv *kv_rekey(struct kv *kv, const char *key, size_t klen, long long expire_ms)
{
    struct kv *nk;
    if (kv->enc == KV_ENC_EMBSTR) {
        nk = kv_alloc(key, klen, expire_ms, kv->v.slen);
        memcpy(kv_key(nk) + klen, kv_key(kv) + kv->keylen, kv->v.slen);
    } else {
        nk = kv_alloc(key, klen, expire_ms, 0);
    }
    nk->v = kv->v;
    nk->type = kv->type;
    nk->enc = kv->enc;
    nk->lru = kv->lru;
    mem_free(kv); /* the value now belongs to nk */
    return nk;
}

struct kv *kv_with_expire(struct kv *kv, long long expire_ms)
{
    bool want = expire_ms >= 0;
    if (want && kv->has_expire) {
        memcpy(kv + 1, &expire_ms, sizeof expire_ms);
        return kv;
    }
    if (!want && !kv->has_expire)
        return kv;
    const char *tail = kv_key(kv);
    size_t tail_len = kv->keylen + (kv->enc == KV_ENC_EMBSTR ? kv->v.slen : 0);
    struct kv *nk = kv_alloc(tail, kv->keylen, expire_ms, tail_len - kv->keylen);
    memcpy(kv_key(nk) + nk->keylen, tail + kv->keylen, tail_len - kv->keylen);
    nk->v = kv->v;
    nk->type = kv->type;
    nk->enc = kv->enc;
    nk->lru = kv->lru;
    return nk;
}

uint32_t kv_volatile_idx(const struct kv *kv)
{
    uint32_t idx;
    memcpy(&idx, (const char *)(kv + 1) + 8, sizeof idx);
    return idx;
}

void kv_set_volatile_idx(struct kv *kv, uint32_t idx)
{
    memcpy((char *)(kv + 1) + 8, &idx, sizeof idx);
}

struct kv *kv_set_string(struct kv *kv, const char *val, size_t vlen)
{
    long long iv;
    size_t head = sizeof *kv + (kv->has_expire ? KV_EXPIRE_BYTES : 0) + kv->keylen;
    bool as_int = vlen <= KV_INT_MAX_LEN && num_parse_ll(val, vlen, &iv) == 0;
    if (!as_int && vlen <= KV_EMBSTR_MAX && mem_usable(kv) < head + vlen)
        return kv_new_string(kv_key(kv), kv->keylen, val, vlen, kv_expire(kv));
    kv_free_value(kv);
    kv->type = KV_STRING;
    if (as_int) {
        kv->enc = KV_ENC_INT;
        kv->v.ival = iv;
    } else if (vlen <= KV_EMBSTR_MAX) {
        /* The block the allocator gave us already has room for the new value. */
        kv->enc = KV_ENC_EMBSTR;
        kv->v.slen = vlen;
        memcpy(kv_key(kv) + kv->keylen, val, vlen);
    } else {
        kv->enc = KV_ENC_RAW;
        kv->v.ptr = kv_rawstr_new(val, vlen);
    }
    return kv;
}

struct kv_rawstr *kv_string_make_raw(struct kv *kv, size_t len)
{
    if (kv->enc != KV_ENC_RAW) {
        char buf[NUM_LL_STR_MAX];
        const char *p;
        size_t cur;
        kv_string(kv, buf, &p, &cur);
        struct kv_rawstr *r = kv_rawstr_new(p, cur);
        kv->enc = KV_ENC_RAW;
        kv->v.ptr = r;
    }
    struct kv_rawstr *r = kv->v.ptr;
    if (len > r->len) {
        if (mem_usable(r) < sizeof *r + len) {
            /* Grow geometrically so repeated APPENDs stay amortised O(1), as sds does
             * (doubling up to 1 MB, then 1 MB steps). */
            size_t want = len < 1024 * 1024 ? len * 2 : len + 1024 * 1024;
            r = mem_realloc(r, sizeof *r + want);
        }
        memset(r->data + r->len, 0, len - r->len);
        r->len = len;
        kv->v.ptr = r;
    }
    return r;
}

size_t kv_memory(const struct kv *kv)
{
    size_t m = mem_usable(kv);
    if (kv->type == KV_STRING && kv->enc == KV_ENC_RAW)
        m += mem_usable(kv->v.ptr);
    else if (kv->type != KV_STRING)
        m += kv_ops_of(kv)->value_memory(kv->v.ptr, (enum kv_encoding)kv->enc);
    return m;
}

const char *kv_type_name(const struct kv *kv)
{
    static const char *const names[] = {"string", "list", "set", "zset", "hash"};
    return kv->type < 5 ? names[kv->type] : "unknown";
}

const char *kv_encoding_name(const struct kv *kv)
{
    switch (kv->enc) {
    case KV_ENC_RAW: return "raw";
    case KV_ENC_INT: return "int";
    case KV_ENC_EMBSTR: return "embstr";
    case KV_ENC_LISTPACK: return "listpack";
    case KV_ENC_QUICKLIST: return "quicklist";
    case KV_ENC_HASHTABLE: return "hashtable";
    case KV_ENC_INTSET: return "intset";
    case KV_ENC_SKIPLIST: return "skiplist";
    default: return "unknown";
    }
}
