#include "rdb.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/server.h"
#include "../db/db.h"
#include "../db/kv.h"
#include "../repl/repl.h"
#include "../types/intset.h"
#include "../types/listpack.h"
#include "../types/quicklist.h"
#include "../types/t_hash.h"
#include "../types/t_set.h"
#include "../types/t_zset.h"
#include "../util/fileio.h"
#include "../util/lzf.h"
#include "../util/mem.h"
#include "../util/num.h"
#include "../core/log.h"

/* Value types (the byte before a key). */
enum {
    RDB_TYPE_STRING = 0,
    RDB_TYPE_LIST = 1,
    RDB_TYPE_SET = 2,
    RDB_TYPE_ZSET = 3,
    RDB_TYPE_HASH = 4,
    RDB_TYPE_ZSET_2 = 5,
    RDB_TYPE_MODULE = 6,
    RDB_TYPE_MODULE_2 = 7,
    RDB_TYPE_HASH_ZIPMAP = 9,
    RDB_TYPE_LIST_ZIPLIST = 10,
    RDB_TYPE_SET_INTSET = 11,
    RDB_TYPE_ZSET_ZIPLIST = 12,
    RDB_TYPE_HASH_ZIPLIST = 13,
    RDB_TYPE_LIST_QUICKLIST = 14,
    RDB_TYPE_STREAM_LISTPACKS = 15,
    RDB_TYPE_HASH_LISTPACK = 16,
    RDB_TYPE_ZSET_LISTPACK = 17,
    RDB_TYPE_LIST_QUICKLIST_2 = 18,
    RDB_TYPE_STREAM_LISTPACKS_2 = 19,
    RDB_TYPE_SET_LISTPACK = 20, /* Redis 7.2 */
    RDB_TYPE_STREAM_LISTPACKS_3 = 21,
};

/* Opcodes in place of a value type. */
enum {
    RDB_OPCODE_FUNCTION2 = 245,
    RDB_OPCODE_FUNCTION = 246,
    RDB_OPCODE_MODULE_AUX = 247,
    RDB_OPCODE_IDLE = 248,
    RDB_OPCODE_FREQ = 249,
    RDB_OPCODE_AUX = 250,
    RDB_OPCODE_RESIZEDB = 251,
    RDB_OPCODE_EXPIRETIME_MS = 252,
    RDB_OPCODE_EXPIRETIME = 253,
    RDB_OPCODE_SELECTDB = 254,
    RDB_OPCODE_EOF = 255,
};

/* Length encoding: the top two bits of the first byte. */
#define RDB_6BITLEN 0
#define RDB_14BITLEN 1
#define RDB_32BITLEN 0x80
#define RDB_64BITLEN 0x81
#define RDB_ENCVAL 3
/* Special string encodings (low 6 bits after RDB_ENCVAL). */
#define RDB_ENC_INT8 0
#define RDB_ENC_INT16 1
#define RDB_ENC_INT32 2
#define RDB_ENC_LZF 3

/* Quicklist 2 node containers. */
#define RDB_QL_PLAIN 1
#define RDB_QL_PACKED 2

/* Redis tries LZF on strings longer than this (rdbSaveRawString). */
#define RDB_LZF_MIN_LEN 20
/* One LZF back-reference (3 bytes) expands to at most 264 bytes: no valid compressed string
 * is more than 88 times shorter than its original. Checked before allocating for it. */
#define RDB_LZF_MAX_RATIO 88
/* The oldest and newest format versions understood. */
#define RDB_MIN_VERSION 1
#define RDB_MAX_VERSION 11

/* ======================================================================================
 * CRC64 (Jones, reflected): slice-by-8 tables built on first use
 * ==================================================================================== */

#define RDB_CRC64_POLY 0x95ac9329ac4bc9b5ULL /* 0xad93d23594c935a9 bit-reversed */

static uint64_t crc64_table[8][256];
static bool crc64_ready;

static void crc64_init(void)
{
    for (int i = 0; i < 256; i++) {
        uint64_t c = (uint64_t)i;
        for (int b = 0; b < 8; b++)
            c = (c & 1) ? (c >> 1) ^ RDB_CRC64_POLY : c >> 1;
        crc64_table[0][i] = c;
    }
    for (int i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            crc64_table[t][i] = (crc64_table[t - 1][i] >> 8) ^
                                crc64_table[0][crc64_table[t - 1][i] & 0xff];
    crc64_ready = true;
}

uint64_t rdb_crc64(uint64_t crc, const unsigned char *p, size_t len)
{
    if (!crc64_ready)
        crc64_init();
    /* Eight bytes per step: the checksum of a large snapshot must not dominate loading. */
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        w = __builtin_bswap64(w); /* the tables consume the bytes in file order */
#endif
        crc ^= w;
        crc = crc64_table[7][crc & 0xff] ^ crc64_table[6][(crc >> 8) & 0xff] ^
              crc64_table[5][(crc >> 16) & 0xff] ^ crc64_table[4][(crc >> 24) & 0xff] ^
              crc64_table[3][(crc >> 32) & 0xff] ^ crc64_table[2][(crc >> 40) & 0xff] ^
              crc64_table[1][(crc >> 48) & 0xff] ^ crc64_table[0][crc >> 56];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = crc64_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

/* ======================================================================================
 * length encoding
 * ==================================================================================== */

size_t rdb_encode_len(unsigned char *out, uint64_t len)
{
    if (len < (1 << 6)) {
        out[0] = (unsigned char)len;
        return 1;
    }
    if (len < (1 << 14)) {
        out[0] = (unsigned char)((RDB_14BITLEN << 6) | (len >> 8));
        out[1] = (unsigned char)len;
        return 2;
    }
    /* Big-endian, as Redis writes them. */
    if (len <= UINT32_MAX) {
        out[0] = RDB_32BITLEN;
        for (int i = 0; i < 4; i++)
            out[1 + i] = (unsigned char)(len >> (24 - 8 * i));
        return 5;
    }
    out[0] = RDB_64BITLEN;
    for (int i = 0; i < 8; i++)
        out[1 + i] = (unsigned char)(len >> (56 - 8 * i));
    return 9;
}

size_t rdb_decode_len(const unsigned char *p, size_t avail, uint64_t *len, bool *special)
{
    if (avail < 1)
        return 0;
    *special = false;
    unsigned kind = p[0] >> 6;
    if (kind == RDB_ENCVAL) {
        *special = true;
        *len = p[0] & 0x3f;
        return 1;
    }
    if (kind == RDB_6BITLEN) {
        *len = p[0] & 0x3f;
        return 1;
    }
    if (kind == RDB_14BITLEN) {
        if (avail < 2)
            return 0;
        *len = ((uint64_t)(p[0] & 0x3f) << 8) | p[1];
        return 2;
    }
    size_t n = p[0] == RDB_32BITLEN ? 4 : p[0] == RDB_64BITLEN ? 8 : 0;
    if (n == 0 || avail < 1 + n)
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[1 + i];
    *len = v;
    return 1 + n;
}

/* ======================================================================================
 * writing
 * ==================================================================================== */

#define RDB_WBUF_SIZE (64 * 1024)

/* A buffered writer that keeps the running CRC of everything written. The first write
 * error sticks: later writes do nothing and rdb_write_fd reports it at the end. */
struct rdb_out {
    int fd;
    int err;                          /* errno of the first failure, 0 while all is well */
    uint64_t crc;
    size_t used;                      /* bytes waiting in buf */
    unsigned char buf[RDB_WBUF_SIZE];
};

static void out_write_all(struct rdb_out *o, const unsigned char *p, size_t n)
{
    while (n > 0 && !o->err) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            o->err = errno;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void out_flush(struct rdb_out *o)
{
    o->crc = rdb_crc64(o->crc, o->buf, o->used);
    out_write_all(o, o->buf, o->used);
    o->used = 0;
}

static void out_bytes(struct rdb_out *o, const void *p, size_t n)
{
    if (o->used + n > RDB_WBUF_SIZE) {
        out_flush(o);
        if (n > RDB_WBUF_SIZE) {
            /* Large blobs go straight out instead of through the buffer. */
            o->crc = rdb_crc64(o->crc, p, n);
            out_write_all(o, p, n);
            return;
        }
    }
    memcpy(o->buf + o->used, p, n);
    o->used += n;
}

static void out_byte(struct rdb_out *o, unsigned char b)
{
    out_bytes(o, &b, 1);
}

static void out_len(struct rdb_out *o, uint64_t len)
{
    unsigned char b[9];
    out_bytes(o, b, rdb_encode_len(b, len));
}

static void out_le(struct rdb_out *o, uint64_t v, unsigned width)
{
    unsigned char b[8];
    for (unsigned i = 0; i < width; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    out_bytes(o, b, width);
}

/* An integer that fits 32 bits as one of the special integer string encodings; false
 * when it does not fit. */
static bool out_int_encoded(struct rdb_out *o, long long v)
{
    if (v >= INT8_MIN && v <= INT8_MAX) {
        out_byte(o, (RDB_ENCVAL << 6) | RDB_ENC_INT8);
        out_le(o, (uint64_t)v, 1);
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
        out_byte(o, (RDB_ENCVAL << 6) | RDB_ENC_INT16);
        out_le(o, (uint64_t)v, 2);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        out_byte(o, (RDB_ENCVAL << 6) | RDB_ENC_INT32);
        out_le(o, (uint64_t)v, 4);
    } else {
        return false;
    }
    return true;
}

static void out_lzf_blob(struct rdb_out *o, const unsigned char *c, size_t clen, size_t ulen)
{
    out_byte(o, (RDB_ENCVAL << 6) | RDB_ENC_LZF);
    out_len(o, clen);
    out_len(o, ulen);
    out_bytes(o, c, clen);
}

/* A string as Redis's rdbSaveRawString stores it: canonical integers of up to 11 bytes as
 * integers, longer strings LZF-compressed when that saves at least 4 bytes, else raw. */
static void out_string(struct rdb_out *o, const void *s, size_t len)
{
    long long v;
    if (len <= 11 && num_parse_ll(s, len, &v) == 0 && out_int_encoded(o, v))
        return;
    if (len > RDB_LZF_MIN_LEN) {
        unsigned char *c = mem_alloc(len - 4);
        size_t clen = lzf_compress(s, len, c, len - 4);
        if (clen > 0)
            out_lzf_blob(o, c, clen, len);
        mem_free(c);
        if (clen > 0)
            return;
    }
    out_len(o, len);
    out_bytes(o, s, len);
}

static void out_ll_string(struct rdb_out *o, long long v)
{
    if (out_int_encoded(o, v))
        return;
    char buf[NUM_LL_STR_MAX];
    size_t n = num_ll_to_str(buf, v);
    out_len(o, n);
    out_bytes(o, buf, n);
}

static void out_aux(struct rdb_out *o, const char *key, const char *val)
{
    out_byte(o, RDB_OPCODE_AUX);
    out_string(o, key, strlen(key));
    out_string(o, val, strlen(val));
}

static void out_aux_int(struct rdb_out *o, const char *key, long long val)
{
    out_byte(o, RDB_OPCODE_AUX);
    out_string(o, key, strlen(key));
    out_ll_string(o, val);
}

/* Walk callbacks: each writes one element or pair. */
static bool out_member_cb(const char *s, size_t len, void *arg)
{
    out_string(arg, s, len);
    return true;
}

static bool out_pair_cb(const char *f, size_t flen, const char *v, size_t vlen, void *arg)
{
    out_string(arg, f, flen);
    out_string(arg, v, vlen);
    return true;
}

static bool out_zmember_cb(const char *m, size_t len, double score, void *arg)
{
    uint64_t bits;
    out_string(arg, m, len);
    memcpy(&bits, &score, sizeof bits);
    out_le(arg, bits, 8);
    return true;
}

static void out_list(struct rdb_out *o, const struct quicklist *ql)
{
    out_len(o, ql->len);
    for (const struct ql_node *n = ql->head; n; n = n->next) {
        size_t len;
        bool compressed;
        const unsigned char *data = ql_node_data(n, &len, &compressed);
        out_len(o, RDB_QL_PACKED);
        /* A node kept compressed in memory goes out as the same LZF bytes, as Redis does. */
        if (compressed)
            out_lzf_blob(o, data, len, n->sz);
        else
            out_string(o, data, len);
    }
}

/* The RDB type a value is stored as. */
static unsigned char out_type_of(const struct kv *kv)
{
    switch (kv->type) {
    case KV_STRING: return RDB_TYPE_STRING;
    case KV_LIST: return RDB_TYPE_LIST_QUICKLIST_2;
    /* Listpack sets go out member by member: Redis 7.0 has no type for them. */
    case KV_SET: return kv->enc == KV_ENC_INTSET ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
    case KV_ZSET: return kv->enc == KV_ENC_LISTPACK ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
    case KV_HASH: return kv->enc == KV_ENC_LISTPACK ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
    default: abort(); /* the keyspace holds nothing else */
    }
}

/* The type byte, the key, the value. */
static void out_key_value(struct rdb_out *o, const struct kv *kv)
{
    unsigned char type = out_type_of(kv);
    out_byte(o, type);
    out_string(o, kv_key(kv), kv->keylen);
    switch (type) {
    case RDB_TYPE_STRING:
        if (kv->enc == KV_ENC_INT) {
            out_ll_string(o, kv->v.ival);
        } else {
            char buf[NUM_LL_STR_MAX];
            const char *p;
            size_t len;
            kv_string(kv, buf, &p, &len);
            out_string(o, p, len);
        }
        break;
    case RDB_TYPE_LIST_QUICKLIST_2:
        out_list(o, kv->v.ptr);
        break;
    case RDB_TYPE_SET_INTSET:
        out_string(o, kv->v.ptr, intset_bytes(kv->v.ptr));
        break;
    case RDB_TYPE_SET:
        out_len(o, set_type_size(kv));
        set_type_foreach(kv, out_member_cb, o);
        break;
    case RDB_TYPE_ZSET_LISTPACK:
    case RDB_TYPE_HASH_LISTPACK:
        out_string(o, kv->v.ptr, lp_bytes(kv->v.ptr));
        break;
    case RDB_TYPE_ZSET_2:
        out_len(o, zset_type_len(kv));
        zset_type_foreach(kv, out_zmember_cb, o);
        break;
    case RDB_TYPE_HASH:
        out_len(o, hash_type_len(kv));
        hash_type_foreach(kv, out_pair_cb, o);
        break;
    }
}

static void out_db(struct rdb_out *o, struct db *db)
{
    if (db_size(db) == 0)
        return;
    out_byte(o, RDB_OPCODE_SELECTDB);
    out_len(o, (uint64_t)db->id);
    out_byte(o, RDB_OPCODE_RESIZEDB);
    out_len(o, db_size(db));
    out_len(o, db->nvolatile);
    struct dict_iter it;
    dict_iter_init(&it, &db->keys);
    for (struct dict_node *n; !o->err && (n = dict_iter_next(&it));) {
        const struct kv *kv = (const struct kv *)n;
        if (kv->has_expire) {
            out_byte(o, RDB_OPCODE_EXPIRETIME_MS);
            out_le(o, (uint64_t)kv_expire(kv), 8);
        }
        out_key_value(o, kv);
    }
    dict_iter_release(&it);
}

int rdb_write_fd(int fd)
{
    struct rdb_out *o = mem_alloc(sizeof *o);
    o->fd = fd;
    o->err = 0;
    o->crc = 0;
    o->used = 0;
    char magic[16];
    snprintf(magic, sizeof magic, "REDIS%04d", RDB_VERSION);
    out_bytes(o, magic, 9);
    /* The aux fields Redis 7.0 writes, in its order. */
    out_aux(o, "redis-ver", FERRITE_VERSION);
    out_aux_int(o, "redis-bits", (long long)sizeof(void *) * 8);
    out_aux_int(o, "ctime", (long long)time(NULL));
    out_aux_int(o, "used-mem", (long long)mem_used());
    struct rdb_repl_info ri;
    if (repl_rdb_info(&ri)) {
        out_aux_int(o, "repl-stream-db", ri.dbid);
        out_aux(o, "repl-id", ri.replid);
        out_aux_int(o, "repl-offset", ri.offset);
    }
    out_aux_int(o, "aof-base", 0);
    for (int i = 0; i < srv.cfg.databases && !o->err; i++)
        out_db(o, &srv.dbs[i]);
    out_byte(o, RDB_OPCODE_EOF);
    out_flush(o);
    unsigned char crc[8];
    for (int i = 0; i < 8; i++)
        crc[i] = (unsigned char)(o->crc >> (8 * i));
    out_write_all(o, crc, 8);
    int err = o->err;
    mem_free(o);
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

/* fsyncs the directory holding path, so that a rename into it is durable. */
int rdb_save(const char *path, char *err)
{
    /* The temporary file sits beside the target so that rename() stays in one file
     * system, and is named after our pid, as Redis's temp-<pid>.rdb. */
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    char tmp[PATH_MAX];
    if (dirlen + 32 > sizeof tmp) {
        snprintf(err, RDB_ERR_LEN, "Path too long: %.120s", path);
        return -1;
    }
    snprintf(tmp, sizeof tmp, "%.*stemp-%d.rdb", (int)dirlen, path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, RDB_ERR_LEN, "Failed opening the temp RDB file %.80s (for %.80s) for "
                 "saving: %s", tmp, path, strerror(errno));
        return -1;
    }
    if (rdb_write_fd(fd) < 0 || fsync(fd) < 0) {
        snprintf(err, RDB_ERR_LEN, "Write error saving DB on disk: %s", strerror(errno));
        goto out_unlink;
    }
    if (close(fd) < 0) {
        fd = -1;
        snprintf(err, RDB_ERR_LEN, "Write error saving DB on disk: %s", strerror(errno));
        goto out_unlink;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        snprintf(err, RDB_ERR_LEN, "Error moving temp DB file %.80s on the final destination "
                 "%.80s: %s", tmp, path, strerror(errno));
        goto out_unlink;
    }
    if (fileio_fsync_dir(path) < 0) {
        /* The new file is complete and in place; only its durability across a power cut
         * is in doubt, and the next save tries again. */
        snprintf(err, RDB_ERR_LEN, "Failed to fsync the directory of %.120s: %s", path,
                 strerror(errno));
        return -1;
    }
    return 0;

out_unlink:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return -1;
}

/* ======================================================================================
 * loading
 * ==================================================================================== */

/* The image being read. Every read checks the bytes left first; the first failure records
 * its reason and offset and every caller unwinds with -1. */
struct rdb_in {
    const unsigned char *p;
    size_t len;
    size_t pos;
    char *err;             /* RDB_ERR_LEN bytes */
    long long now_ms;      /* keys that expired before this are skipped */
    long long keys;        /* loaded */
    long long expired;     /* skipped: already expired */
    long long empty;       /* skipped: empty collections (Redis skips them too) */
};

static int in_fail(struct rdb_in *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int in_fail(struct rdb_in *in, const char *fmt, ...)
{
    char why[RDB_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(in->err, RDB_ERR_LEN, "Bad RDB file at offset %zu: %.200s", in->pos, why);
    return -1;
}

static size_t in_left(const struct rdb_in *in)
{
    return in->len - in->pos;
}

static int in_need(struct rdb_in *in, size_t n)
{
    if (in_left(in) < n)
        return in_fail(in, "unexpected end of file (%zu bytes needed, %zu left)", n, in_left(in));
    return 0;
}

static int in_byte(struct rdb_in *in, unsigned char *b)
{
    if (in_need(in, 1) < 0)
        return -1;
    *b = in->p[in->pos++];
    return 0;
}

static int in_le(struct rdb_in *in, unsigned width, uint64_t *v)
{
    if (in_need(in, width) < 0)
        return -1;
    *v = 0;
    for (unsigned i = 0; i < width; i++)
        *v |= (uint64_t)in->p[in->pos + i] << (8 * i);
    in->pos += width;
    return 0;
}

/* A length, or (when special is given) the kind of a specially encoded string. */
static int in_len_or_special(struct rdb_in *in, uint64_t *len, bool *special)
{
    bool sp;
    size_t used = rdb_decode_len(in->p + in->pos, in_left(in), len, &sp);
    if (used == 0)
        return in_left(in) == 0 || (in->p[in->pos] >> 6) != 2
                   ? in_need(in, in_left(in) + 1)
                   : in_fail(in, "invalid length encoding 0x%02x", in->p[in->pos]);
    if (sp && !special)
        return in_fail(in, "a length was expected, found a string encoding");
    in->pos += used;
    if (special)
        *special = sp;
    return 0;
}

static int in_len(struct rdb_in *in, uint64_t *len)
{
    return in_len_or_special(in, len, NULL);
}

/* A count of things that each take at least min_bytes more of the file: checked against
 * what is left, so no allocation is ever sized from a length the file cannot back. */
static int in_count(struct rdb_in *in, size_t min_bytes, uint64_t *n, const char *what)
{
    size_t at = in->pos;
    if (in_len(in, n) < 0)
        return -1;
    if (*n > in_left(in) / min_bytes) {
        in->pos = at;
        return in_fail(in, "%s count %llu exceeds the file", what, (unsigned long long)*n);
    }
    return 0;
}

/* A string read from the image: it points into the image itself (raw strings), into ibuf
 * (integer encodings) or into owned (LZF). Never copy the struct: p may point inside it. */
struct rdb_str {
    const char *p;
    size_t len;
    unsigned char *owned;
    char ibuf[NUM_LL_STR_MAX];
};

static void str_free(struct rdb_str *s)
{
    mem_free(s->owned);
    s->owned = NULL;
}

static int in_string(struct rdb_in *in, struct rdb_str *s)
{
    uint64_t len;
    bool special;
    s->owned = NULL;
    if (in_len_or_special(in, &len, &special) < 0)
        return -1;
    if (!special) {
        if (len > in_left(in))
            return in_fail(in, "string of %llu bytes exceeds the file", (unsigned long long)len);
        s->p = (const char *)in->p + in->pos;
        s->len = (size_t)len;
        in->pos += (size_t)len;
        return 0;
    }
    uint64_t v;
    switch (len) {
    case RDB_ENC_INT8:
    case RDB_ENC_INT16:
    case RDB_ENC_INT32: {
        unsigned width = len == RDB_ENC_INT8 ? 1 : len == RDB_ENC_INT16 ? 2 : 4;
        if (in_le(in, width, &v) < 0)
            return -1;
        unsigned shift = 64 - 8 * width;
        s->len = num_ll_to_str(s->ibuf, (long long)((int64_t)(v << shift) >> shift));
        s->p = s->ibuf;
        return 0;
    }
    case RDB_ENC_LZF: {
        uint64_t clen, ulen;
        size_t at = in->pos - 1;
        if (in_len(in, &clen) < 0 || in_len(in, &ulen) < 0)
            return -1;
        if (clen > in_left(in))
            return in_fail(in, "compressed string of %llu bytes exceeds the file",
                           (unsigned long long)clen);
        if (ulen == 0 || clen == 0 || ulen / RDB_LZF_MAX_RATIO > clen) {
            in->pos = at;
            return in_fail(in, "invalid LZF lengths (%llu compressed, %llu plain)",
                           (unsigned long long)clen, (unsigned long long)ulen);
        }
        s->owned = mem_alloc((size_t)ulen);
        if (lzf_decompress(in->p + in->pos, (size_t)clen, s->owned, (size_t)ulen) != ulen) {
            str_free(s);
            in->pos = at;
            return in_fail(in, "corrupt LZF-compressed string");
        }
        in->pos += (size_t)clen;
        s->p = (const char *)s->owned;
        s->len = (size_t)ulen;
        return 0;
    }
    default:
        return in_fail(in, "unknown string encoding %llu", (unsigned long long)len);
    }
}

/* Skips a string (unused aux values, functions). */
static int in_skip_string(struct rdb_in *in)
{
    struct rdb_str s;
    if (in_string(in, &s) < 0)
        return -1;
    str_free(&s);
    return 0;
}

/* The score of an old-style ZSET (type 3): a length byte, then text; 253-255 are NaN,
 * +inf and -inf. */
static int in_text_double(struct rdb_in *in, double *d)
{
    unsigned char n;
    if (in_byte(in, &n) < 0)
        return -1;
    if (n == 253) {
        *d = __builtin_nan("");
        return 0;
    }
    if (n == 254 || n == 255) {
        *d = n == 254 ? __builtin_inf() : -__builtin_inf();
        return 0;
    }
    if (in_need(in, n) < 0)
        return -1;
    char buf[256];
    memcpy(buf, in->p + in->pos, n);
    buf[n] = '\0';
    char *end;
    *d = strtod(buf, &end);
    if (end != buf + n)
        return in_fail(in, "invalid score text");
    in->pos += n;
    return 0;
}

/* ---- building values element by element ---- */

/* One value under construction. The entry is created at the first element, so an empty
 * collection never comes into existence; on failure it is freed whole. */
struct rdb_build {
    int kind;              /* enum kv_type */
    const char *key;
    size_t klen;
    size_t hint;           /* expected elements, already capped by the file's size */
    struct kv *kv;
    /* Pairs (hash field/value, sorted set member/score) arriving as separate elements. */
    bool have_first;
    const char *first;
    size_t flen;
    char first_buf[NUM_LL_STR_MAX];
};

static void build_init(struct rdb_build *b, int kind, const char *key, size_t klen, uint64_t hint)
{
    memset(b, 0, sizeof *b);
    b->kind = kind;
    b->key = key;
    b->klen = klen;
    b->hint = (size_t)hint;
}

static int build_member(struct rdb_in *in, struct rdb_build *b, const char *s, size_t len)
{
    if (b->kind == KV_LIST) {
        if (!b->kv) {
            struct quicklist *ql = ql_new(srv.cfg.list_max_listpack_size,
                                          srv.cfg.list_compress_depth);
            b->kv = kv_new_ptr(b->key, b->klen, KV_LIST, KV_ENC_QUICKLIST, ql, -1);
        }
        ql_push(b->kv->v.ptr, (const unsigned char *)s, len, QL_TAIL);
        return 0;
    }
    if (!b->kv)
        b->kv = set_type_new(b->key, b->klen, s, len, b->hint);
    if (!set_type_add(b->kv, s, len))
        return in_fail(in, "duplicate set member");
    return 0;
}

static int build_pair(struct rdb_in *in, struct rdb_build *b, const char *f, size_t flen,
                      const char *v, size_t vlen)
{
    if (!b->kv)
        b->kv = hash_type_new(b->key, b->klen, b->hint);
    if (!hash_type_set(b->kv, f, flen, v, vlen))
        return in_fail(in, "duplicate hash field");
    return 0;
}

static int build_zmember(struct rdb_in *in, struct rdb_build *b, const char *m, size_t len,
                         double score)
{
    if (score != score)
        return in_fail(in, "sorted set member with a NaN score");
    if (!b->kv)
        b->kv = zset_type_new(b->key, b->klen, b->hint);
    if (!zset_type_add(b->kv, m, len, score))
        return in_fail(in, "duplicate sorted set member");
    return 0;
}

/* One element of a blob (listpack, ziplist, intset). Hash and sorted set blobs alternate
 * field and value (member and score); the first of a pair is kept until its partner comes. */
static int build_elem(struct rdb_in *in, struct rdb_build *b, const char *s, size_t len)
{
    if (b->kind == KV_LIST || b->kind == KV_SET)
        return build_member(in, b, s, len);
    if (!b->have_first) {
        /* Integers were rendered into the walker's scratch space, which the next element
         * reuses: keep a copy. Strings point into the blob and stay valid. */
        if (len < sizeof b->first_buf) {
            memcpy(b->first_buf, s, len);
            s = b->first_buf;
        }
        b->first = s;
        b->flen = len;
        b->have_first = true;
        return 0;
    }
    b->have_first = false;
    if (b->kind == KV_HASH)
        return build_pair(in, b, b->first, b->flen, s, len);
    double score;
    if (num_parse_double(s, len, &score) < 0)
        return in_fail(in, "invalid sorted set score in a compact encoding");
    return build_zmember(in, b, b->first, b->flen, score);
}

/* ---- blobs: listpack, ziplist, intset ---- */

enum rdb_blob { RDB_BLOB_LISTPACK, RDB_BLOB_ZIPLIST, RDB_BLOB_INTSET };

static int blob_listpack(struct rdb_in *in, struct rdb_build *b, const unsigned char *lp,
                         size_t size)
{
    if (!lp_validate(lp, size, true))
        return in_fail(in, "corrupt listpack");
    unsigned char buf[LP_INTBUF_SIZE];
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p)) {
        size_t len;
        const unsigned char *e = lp_get(p, &len, buf);
        if (build_elem(in, b, (const char *)e, len) < 0)
            return -1;
    }
    return 0;
}

static int blob_intset(struct rdb_in *in, struct rdb_build *b, const unsigned char *p,
                       size_t size)
{
    if (!intset_validate(p, size, true))
        return in_fail(in, "corrupt intset");
    const struct intset *is = (const struct intset *)p;
    uint32_t n = intset_len(is);
    char buf[NUM_LL_STR_MAX];
    for (uint32_t i = 0; i < n; i++) {
        size_t len = num_ll_to_str(buf, intset_get(is, i));
        if (build_elem(in, b, buf, len) < 0)
            return -1;
    }
    return 0;
}

/* Redis's ziplist (RDB files from Redis < 7.0): zlbytes u32 | zltail u32 | zllen u16 |
 * entries | 0xFF, each entry prevlen (1 or 5 bytes) | encoding | data. Every field is
 * checked against the blob's bounds and the previous entry's size. */
static int blob_ziplist(struct rdb_in *in, struct rdb_build *b, const unsigned char *z,
                        size_t size)
{
    if (size < 11 || (z[0] | z[1] << 8 | z[2] << 16 | (uint32_t)z[3] << 24) != size ||
        z[size - 1] != 0xFF)
        return in_fail(in, "corrupt ziplist header");
    unsigned zllen = z[8] | z[9] << 8;
    size_t off = 10, prev_size = 0, end = size - 1;
    unsigned long count = 0;
    char buf[NUM_LL_STR_MAX];
    while (off < end) {
        size_t start = off, prevlen;
        if (z[off] < 254) {
            prevlen = z[off++];
        } else if (z[off] == 254 && end - off >= 5) {
            prevlen = z[off + 1] | z[off + 2] << 8 | z[off + 3] << 16 | (size_t)z[off + 4] << 24;
            off += 5;
        } else {
            return in_fail(in, "corrupt ziplist entry");
        }
        if (prevlen != prev_size || off >= end)
            return in_fail(in, "corrupt ziplist entry");
        unsigned char enc = z[off];
        size_t hdr = 1, dlen = 0;
        bool is_str = true;
        int64_t iv = 0;
        switch (enc >> 6) {
        case 0: dlen = enc & 0x3f; break;
        case 1:
            if (end - off < 2)
                return in_fail(in, "corrupt ziplist entry");
            hdr = 2;
            dlen = (size_t)(enc & 0x3f) << 8 | z[off + 1];
            break;
        case 2:
            if (enc != 0x80 || end - off < 5)
                return in_fail(in, "corrupt ziplist entry");
            hdr = 5;
            dlen = (size_t)z[off + 1] << 24 | (size_t)z[off + 2] << 16 | (size_t)z[off + 3] << 8 |
                   z[off + 4];
            break;
        default:
            is_str = false;
            switch (enc) {
            case 0xC0: dlen = 2; break;
            case 0xD0: dlen = 4; break;
            case 0xE0: dlen = 8; break;
            case 0xF0: dlen = 3; break;
            case 0xFE: dlen = 1; break;
            default:
                if (enc < 0xF1 || enc > 0xFD)
                    return in_fail(in, "corrupt ziplist entry");
                iv = (enc & 0x0f) - 1; /* 4-bit immediate 0..12 */
            }
        }
        if (end - off < hdr || end - off - hdr < dlen)
            return in_fail(in, "corrupt ziplist entry");
        const unsigned char *data = z + off + hdr;
        if (!is_str && dlen > 0) {
            uint64_t v = 0;
            for (size_t i = 0; i < dlen; i++)
                v |= (uint64_t)data[i] << (8 * i);
            unsigned shift = 64 - 8 * (unsigned)dlen;
            iv = (int64_t)(v << shift) >> shift;
        }
        const char *s = (const char *)data;
        size_t len = dlen;
        if (!is_str) {
            len = num_ll_to_str(buf, iv);
            s = buf;
        }
        if (build_elem(in, b, s, len) < 0)
            return -1;
        off += hdr + dlen;
        prev_size = off - start;
        count++;
    }
    if (zllen != 0xFFFF && zllen != count)
        return in_fail(in, "ziplist count mismatch");
    return 0;
}

/* Reads one blob string and feeds its elements to the builder. Errors inside the blob are
 * reported at the blob's start. */
static int in_blob(struct rdb_in *in, struct rdb_build *b, enum rdb_blob kind)
{
    size_t at = in->pos;
    struct rdb_str s;
    if (in_string(in, &s) < 0)
        return -1;
    size_t after = in->pos;
    in->pos = at;
    const unsigned char *p = (const unsigned char *)s.p;
    int rc = kind == RDB_BLOB_LISTPACK ? blob_listpack(in, b, p, s.len)
             : kind == RDB_BLOB_ZIPLIST ? blob_ziplist(in, b, p, s.len)
                                        : blob_intset(in, b, p, s.len);
    if (rc == 0 && b->have_first)
        rc = in_fail(in, "odd number of elements in a field/value encoding");
    str_free(&s);
    if (rc == 0)
        in->pos = after;
    return rc;
}

/* ---- values ---- */

/* Elements stored one string after another (old lists, sets, hashes). */
static int in_plain_elements(struct rdb_in *in, struct rdb_build *b, uint64_t n, bool pairs)
{
    for (uint64_t i = 0; i < n; i++) {
        struct rdb_str a, v;
        if (in_string(in, &a) < 0)
            return -1;
        if (!pairs) {
            int rc = build_member(in, b, a.p, a.len);
            str_free(&a);
            if (rc < 0)
                return -1;
            continue;
        }
        if (in_string(in, &v) < 0) {
            str_free(&a);
            return -1;
        }
        int rc = build_pair(in, b, a.p, a.len, v.p, v.len);
        str_free(&a);
        str_free(&v);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int in_zset_elements(struct rdb_in *in, struct rdb_build *b, uint64_t n, bool binary)
{
    for (uint64_t i = 0; i < n; i++) {
        struct rdb_str m;
        double score;
        if (in_string(in, &m) < 0)
            return -1;
        int rc;
        if (binary) {
            uint64_t bits;
            rc = in_le(in, 8, &bits);
            memcpy(&score, &bits, sizeof score);
        } else {
            rc = in_text_double(in, &score);
        }
        if (rc == 0)
            rc = build_zmember(in, b, m.p, m.len, score);
        str_free(&m);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Quicklists: a node count, then per node (version 2) a container kind and a blob. */
static int in_quicklist(struct rdb_in *in, struct rdb_build *b, bool v2)
{
    uint64_t nodes;
    if (in_count(in, v2 ? 2 : 1, &nodes, "quicklist node") < 0)
        return -1;
    for (uint64_t i = 0; i < nodes; i++) {
        uint64_t container = RDB_QL_PACKED;
        if (v2 && in_len(in, &container) < 0)
            return -1;
        if (container == RDB_QL_PLAIN) {
            struct rdb_str s;
            if (in_string(in, &s) < 0)
                return -1;
            int rc = build_member(in, b, s.p, s.len);
            str_free(&s);
            if (rc < 0)
                return -1;
        } else if (container == RDB_QL_PACKED) {
            if (in_blob(in, b, v2 ? RDB_BLOB_LISTPACK : RDB_BLOB_ZIPLIST) < 0)
                return -1;
        } else {
            return in_fail(in, "unknown quicklist container %llu", (unsigned long long)container);
        }
    }
    return 0;
}

/* Reads a value of the given type into b; b->kv stays NULL for an empty collection. */
static int in_value(struct rdb_in *in, int type, struct rdb_build *b)
{
    uint64_t n;
    switch (type) {
    case RDB_TYPE_LIST:
        return in_count(in, 1, &n, "list element") < 0 ? -1 : in_plain_elements(in, b, n, false);
    case RDB_TYPE_SET:
        if (in_count(in, 1, &n, "set member") < 0)
            return -1;
        b->hint = (size_t)n;
        return in_plain_elements(in, b, n, false);
    case RDB_TYPE_HASH:
        if (in_count(in, 2, &n, "hash field") < 0)
            return -1;
        b->hint = (size_t)n;
        return in_plain_elements(in, b, n, true);
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
        if (in_count(in, type == RDB_TYPE_ZSET ? 2 : 9, &n, "sorted set member") < 0)
            return -1;
        b->hint = (size_t)n;
        return in_zset_elements(in, b, n, type == RDB_TYPE_ZSET_2);
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
        return in_quicklist(in, b, type == RDB_TYPE_LIST_QUICKLIST_2);
    case RDB_TYPE_LIST_ZIPLIST:
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_HASH_ZIPLIST:
        return in_blob(in, b, RDB_BLOB_ZIPLIST);
    case RDB_TYPE_SET_INTSET:
        return in_blob(in, b, RDB_BLOB_INTSET);
    case RDB_TYPE_SET_LISTPACK:
    case RDB_TYPE_ZSET_LISTPACK:
    case RDB_TYPE_HASH_LISTPACK:
        return in_blob(in, b, RDB_BLOB_LISTPACK);
    default:
        return in_fail(in, "value type %d is not supported", type);
    }
}

/* The kv_type a value type loads as, or -1 for types ferrite cannot hold. */
static int in_kind_of(int type)
{
    switch (type) {
    case RDB_TYPE_STRING: return KV_STRING;
    case RDB_TYPE_LIST:
    case RDB_TYPE_LIST_ZIPLIST:
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2: return KV_LIST;
    case RDB_TYPE_SET:
    case RDB_TYPE_SET_INTSET:
    case RDB_TYPE_SET_LISTPACK: return KV_SET;
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK: return KV_ZSET;
    case RDB_TYPE_HASH:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK: return KV_HASH;
    default: return -1;
    }
}

/* One key and its value, then into db (unless already expired). */
static int in_key_value(struct rdb_in *in, struct db *db, int type, long long expire_ms)
{
    size_t at = in->pos - 1;
    int kind = in_kind_of(type);
    if (kind < 0) {
        in->pos = at;
        switch (type) {
        case RDB_TYPE_HASH_ZIPMAP:
            return in_fail(in, "zipmap-encoded hashes (Redis < 2.6) are not supported");
        case RDB_TYPE_MODULE:
        case RDB_TYPE_MODULE_2:
            return in_fail(in, "module values are not supported");
        case RDB_TYPE_STREAM_LISTPACKS:
        case RDB_TYPE_STREAM_LISTPACKS_2:
        case RDB_TYPE_STREAM_LISTPACKS_3:
            return in_fail(in, "streams are not supported");
        default:
            return in_fail(in, "unknown value type %d", type);
        }
    }
    struct rdb_str key;
    if (in_string(in, &key) < 0)
        return -1;
    int rc = -1;
    struct kv *kv = NULL;
    if (key.len > INT32_MAX) {
        in_fail(in, "key too long");
        goto out_key;
    }
    if (kind == KV_STRING) {
        struct rdb_str v;
        if (in_string(in, &v) < 0)
            goto out_key;
        kv = kv_new_string(key.p, key.len, v.p, v.len, -1);
        str_free(&v);
    } else {
        struct rdb_build b;
        build_init(&b, kind, key.p, key.len, 0);
        if (in_value(in, type, &b) < 0) {
            if (b.kv)
                kv_free(b.kv);
            goto out_key;
        }
        kv = b.kv;
        if (!kv) {
            in->empty++; /* Redis 7.0 skips empty keys too */
            rc = 0;
            goto out_key;
        }
    }
    if (expire_ms >= 0 && expire_ms < in->now_ms) {
        in->expired++;
        kv_free(kv);
        rc = 0;
        goto out_key;
    }
    if (dict_find(&db->keys, key.p, key.len)) {
        kv_free(kv);
        in->pos = at;
        in_fail(in, "duplicate key '%.*s'", (int)(key.len > 64 ? 64 : key.len), key.p);
        goto out_key;
    }
    if (expire_ms >= 0) {
        struct kv *nkv = kv_with_expire(kv, expire_ms);
        if (nkv != kv)
            mem_free(kv); /* the value moved to nkv; release the old block only */
        kv = nkv;
    }
    db_add_quiet(db, kv);
    in->keys++;
    rc = 0;
out_key:
    str_free(&key);
    return rc;
}

/* The position of the last image loaded, valid when rdb_repl_found. */
static struct rdb_repl_info rdb_repl;
static bool rdb_repl_found;

const struct rdb_repl_info *rdb_loaded_repl_info(void)
{
    return rdb_repl_found ? &rdb_repl : NULL;
}

/* An aux field: the replication ones are kept, the others are informational. */
static int in_aux(struct rdb_in *in)
{
    struct rdb_str key, val;
    if (in_string(in, &key) < 0)
        return -1;
    if (in_string(in, &val) < 0) {
        str_free(&key);
        return -1;
    }
    long long n;
    bool is_num = num_parse_ll(val.p, val.len, &n) == 0;
    if (key.len == 7 && memcmp(key.p, "repl-id", 7) == 0 && val.len == 40) {
        memcpy(rdb_repl.replid, val.p, 40);
        rdb_repl.replid[40] = '\0';
        rdb_repl_found = true;
    } else if (key.len == 11 && memcmp(key.p, "repl-offset", 11) == 0 && is_num) {
        rdb_repl.offset = n;
    } else if (key.len == 14 && memcmp(key.p, "repl-stream-db", 14) == 0 && is_num) {
        rdb_repl.dbid = (int)n;
    }
    str_free(&key);
    str_free(&val);
    return 0;
}

static int in_header(struct rdb_in *in)
{
    if (in_need(in, 9) < 0)
        return -1;
    if (memcmp(in->p, "REDIS", 5) != 0)
        return in_fail(in, "wrong signature trying to load DB from file");
    int version = 0;
    for (int i = 5; i < 9; i++) {
        if (in->p[i] < '0' || in->p[i] > '9')
            return in_fail(in, "invalid RDB version");
        version = version * 10 + (in->p[i] - '0');
    }
    if (version < RDB_MIN_VERSION || version > RDB_MAX_VERSION)
        return in_fail(in, "can't handle RDB format version %d", version);
    in->pos = 9;
    return version;
}

static int in_body(struct rdb_in *in)
{
    int version = in_header(in);
    if (version < 0)
        return -1;
    struct db *db = db_get(0);
    long long expire_ms = -1;
    for (;;) {
        unsigned char type;
        uint64_t a, b;
        if (in_byte(in, &type) < 0)
            return -1;
        switch (type) {
        case RDB_OPCODE_EXPIRETIME_MS:
            if (in_le(in, 8, &a) < 0)
                return -1;
            expire_ms = (long long)a;
            continue;
        case RDB_OPCODE_EXPIRETIME:
            if (in_le(in, 4, &a) < 0)
                return -1;
            expire_ms = (long long)(int32_t)a * 1000;
            continue;
        case RDB_OPCODE_FREQ: /* access statistics: ferrite starts every key's clock anew */
            if (in_byte(in, &type) < 0)
                return -1;
            continue;
        case RDB_OPCODE_IDLE:
            if (in_len(in, &a) < 0)
                return -1;
            continue;
        case RDB_OPCODE_EOF:
            break;
        case RDB_OPCODE_SELECTDB:
            if (in_len(in, &a) < 0)
                return -1;
            db = db_get(a > INT_MAX ? -1 : (int)a);
            if (!db) {
                in->pos--;
                return in_fail(in, "the file uses database %llu but 'databases' is %d",
                               (unsigned long long)a, srv.cfg.databases);
            }
            continue;
        case RDB_OPCODE_RESIZEDB:
            if (in_len(in, &a) < 0 || in_len(in, &b) < 0)
                return -1;
            /* A key takes at least 3 bytes: never reserve more than the file can hold. */
            if (a > in_left(in) / 3)
                a = in_left(in) / 3;
            dict_reserve(&db->keys, dict_size(&db->keys) + (size_t)a);
            continue;
        case RDB_OPCODE_AUX:
            if (in_aux(in) < 0)
                return -1;
            continue;
        case RDB_OPCODE_FUNCTION2:
            /* A function library: ferrite has no scripting, so the code is skipped. */
            if (in_skip_string(in) < 0)
                return -1;
            continue;
        case RDB_OPCODE_MODULE_AUX:
        case RDB_OPCODE_FUNCTION:
            in->pos--;
            return in_fail(in, "opcode %d (modules, pre-release functions) is not supported",
                           type);
        default:
            if (in_key_value(in, db, type, expire_ms) < 0)
                return -1;
            expire_ms = -1;
            continue;
        }
        break;
    }
    /* Version 5 and later end with the CRC64 of everything before it; 0 means the writer
     * had rdbchecksum off. */
    if (version >= 5) {
        size_t body = in->pos;
        uint64_t stored;
        if (in_le(in, 8, &stored) < 0)
            return -1;
        if (stored != 0) {
            uint64_t crc = rdb_crc64(0, in->p, body);
            if (crc != stored) {
                in->pos = body;
                return in_fail(in, "wrong RDB checksum (expected %016llx, got %016llx)",
                               (unsigned long long)stored, (unsigned long long)crc);
            }
        }
    }
    return 0;
}

static int rdb_load(const unsigned char *buf, size_t len, char *err, struct rdb_in *in)
{
    memset(in, 0, sizeof *in);
    in->p = buf;
    in->len = len;
    in->err = err;
    /* An AOF base is followed by commands that may still persist or delete its keys, so
     * even the expired ones are kept (Redis does the same for an AOF preamble); the replay
     * decides, and the first access after it expires what is still due. A replica keeps
     * them too: only its master's DEL removes a key. */
    in->now_ms = srv.loading || repl_is_replica() ? 0 : server_unix_ms();
    rdb_repl_found = false;
    memset(&rdb_repl, 0, sizeof rdb_repl);
    return in_body(in);
}

int rdb_load_buffer(const unsigned char *buf, size_t len, char *err)
{
    struct rdb_in in;
    return rdb_load(buf, len, err, &in);
}

int rdb_load_file(const char *path, char *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return RDB_NOFILE;
        snprintf(err, RDB_ERR_LEN, "Fatal error loading the DB (%.120s): %s", path,
                 strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        snprintf(err, RDB_ERR_LEN, "Fatal error loading the DB (%.120s): %s", path,
                 strerror(errno));
        close(fd);
        return -1;
    }
    /* Mapped rather than read: strings are used in place, and the pages are dropped as
     * soon as the load is done. */
    size_t len = (size_t)st.st_size;
    const unsigned char *buf = NULL;
    if (len > 0) {
        void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            snprintf(err, RDB_ERR_LEN, "Fatal error loading the DB (%.120s): %s", path,
                     strerror(errno));
            close(fd);
            return -1;
        }
        madvise(m, len, MADV_SEQUENTIAL);
        buf = m;
    }
    close(fd);
    long long start = server_unix_us();
    struct rdb_in in;
    int rc = rdb_load(buf, len, err, &in);
    if (buf)
        munmap((void *)buf, len);
    if (rc == 0) {
        log_msg(LOG_NOTICE, "Done loading RDB, keys loaded: %lld, keys expired: %lld.",
                in.keys, in.expired);
        if (in.empty)
            log_msg(LOG_WARNING, "Skipped %lld empty keys while loading the RDB file.",
                    in.empty);
        log_msg(LOG_NOTICE, "DB loaded from disk: %.3f seconds",
                (double)(server_unix_us() - start) / 1e6);
    }
    return rc;
}
