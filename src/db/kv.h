/* kv: one key with its value, in ONE allocation.
 *
 * Layout (24-byte header, then optional expiry, then the key, then a short string value):
 *
 *   next | value slot (pointer / integer / inline length) | lru:24 type:4 enc:4 |
 *   keylen:31 has_expire:1 | [expire_ms:8 volatile_idx:4] | key bytes | [embstr bytes]
 *
 * Redis spends a dict entry, a key string and a value object per key; folding them into
 * one block is where ferrite's memory per key comes from. The price: adding or removing an
 * expiry, or replacing a value with a longer one, may move the entry, so every function
 * that can do so returns the new pointer and the old one is dead. */
#ifndef FERRITE_KV_H
#define FERRITE_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dict.h"

#define KV_MUST_USE __attribute__((warn_unused_result))

/* Type numbers are RDB's. */
enum kv_type { KV_STRING = 0, KV_LIST = 1, KV_SET = 2, KV_ZSET = 3, KV_HASH = 4 };

enum kv_encoding {
    KV_ENC_RAW = 0,       /* string in its own growable block */
    KV_ENC_INT = 1,       /* string that is a 64-bit integer, stored as one */
    KV_ENC_EMBSTR = 2,    /* short string stored inside the entry */
    KV_ENC_LISTPACK = 3,  /* small hash, set or sorted set: one listpack */
    KV_ENC_QUICKLIST = 4, /* list: linked listpack nodes */
    KV_ENC_HASHTABLE = 5, /* large hash or set */
    KV_ENC_INTSET = 6,    /* small set of integers */
    KV_ENC_SKIPLIST = 7,  /* large sorted set: skiplist plus member table */
};

/* What the keyspace needs from a collection type's value: each type module defines one. */
struct kv_type_ops {
    void (*free_value)(void *ptr, enum kv_encoding enc);
    /* A deep copy (COPY). */
    void *(*dup_value)(const void *ptr, enum kv_encoding enc);
    /* Bytes the value occupies, for MEMORY USAGE. */
    size_t (*value_memory)(const void *ptr, enum kv_encoding enc);
};

extern const struct kv_type_ops kv_list_ops;
extern const struct kv_type_ops kv_set_ops;
extern const struct kv_type_ops kv_zset_ops;
extern const struct kv_type_ops kv_hash_ops;

/* Strings up to this length live inside the entry (OBJECT ENCODING "embstr"), as Redis. */
#define KV_EMBSTR_MAX 44
/* Largest integer text that is stored as an integer (OBJECT ENCODING "int"). */
#define KV_INT_MAX_LEN 20

struct kv {
    struct dict_node node;
    union {
        void *ptr;       /* KV_ENC_RAW and every non-string encoding */
        long long ival;  /* KV_ENC_INT */
        size_t slen;     /* KV_ENC_EMBSTR: length of the inline value */
    } v;
    uint32_t lru : 24;   /* LRU clock (seconds) or LFU time+counter */
    uint32_t type : 4;   /* enum kv_type */
    uint32_t enc : 4;    /* encoding of v */
    uint32_t keylen : 31;
    uint32_t has_expire : 1;
};

/* A RAW string's heap block. Capacity is whatever the allocator gave (mem_usable). */
struct kv_rawstr {
    size_t len;
    char data[];
};

/* Bytes of expire_ms and volatile_idx that follow the header when has_expire is set. */
#define KV_EXPIRE_BYTES 12

static inline char *kv_key(const struct kv *kv)
{
    return (char *)(kv + 1) + (kv->has_expire ? KV_EXPIRE_BYTES : 0);
}

static inline long long kv_expire(const struct kv *kv)
{
    long long when;
    if (!kv->has_expire)
        return -1;
    __builtin_memcpy(&when, kv + 1, sizeof when);
    return when;
}

/* The dict callback that reports an entry's key. */
void kv_node_key(const struct dict_node *node, const char **key, size_t *len);

/* Creates a string entry, picking int, embstr or raw as Redis would. expire_ms -1: none. */
struct kv *kv_new_string(const char *key, size_t klen, const char *val, size_t vlen,
                         long long expire_ms) KV_MUST_USE;
/* Creates an integer string entry. */
struct kv *kv_new_int(const char *key, size_t klen, long long v, long long expire_ms) KV_MUST_USE;
/* Creates an entry holding a value owned elsewhere until now (ptr moves into the entry). */
struct kv *kv_new_ptr(const char *key, size_t klen, enum kv_type type, enum kv_encoding enc,
                      void *ptr, long long expire_ms) KV_MUST_USE;
/* Frees the entry and its value. */
void kv_free(struct kv *kv);
/* Deep copy under another key (COPY). */
struct kv *kv_dup(const struct kv *kv, const char *key, size_t klen, long long expire_ms) KV_MUST_USE;
/* Moves the value to a new entry under another key and frees the old entry (RENAME). */
struct kv *kv_rekey(struct kv *kv, const char *key, size_t klen, long long expire_ms) KV_MUST_USE;

/* Returns the entry with expire_ms set (-1 removes it). When the layout must change, this
 * is a NEW block holding the value, and the old block is left intact for the caller to
 * unlink and release with mem_free (not kv_free: the value has moved). */
struct kv *kv_with_expire(struct kv *kv, long long expire_ms) KV_MUST_USE;
/* The entry's index in its database's volatile array (valid while has_expire). */
uint32_t kv_volatile_idx(const struct kv *kv);
void kv_set_volatile_idx(struct kv *kv, uint32_t idx);

/* String value access: bytes of any string encoding. `buf` (NUM_LL_STR_MAX bytes) holds
 * the text of an integer. */
void kv_string(const struct kv *kv, char *buf, const char **p, size_t *len);
size_t kv_string_len(const struct kv *kv);
/* Replaces a string value, keeping the key and the expiry. Returns kv, changed in place,
 * or a NEW entry (old one untouched) that the caller puts in its place with db_replace. */
struct kv *kv_set_string(struct kv *kv, const char *val, size_t vlen) KV_MUST_USE;
/* Makes the value a RAW string at least `len` bytes long (growth is zero-filled) and
 * returns it writable, for APPEND and SETRANGE. The entry itself never moves. */
struct kv_rawstr *kv_string_make_raw(struct kv *kv, size_t len);

/* Bytes the entry and its value occupy (MEMORY USAGE). */
size_t kv_memory(const struct kv *kv);
const char *kv_type_name(const struct kv *kv);
const char *kv_encoding_name(const struct kv *kv);

#endif
