/* libFuzzer harness for src/proto/resp: the request parser.
 *
 * Each input is parsed as a stream of pipelined requests under four limit settings (a tiny
 * proto-max-bulk-len or a large one, before or after AUTH), each in three deliveries:
 * all at once, in two pieces split at a point derived from the data, and (for short inputs)
 * one byte at a time. Every piece the parser sees sits at the end of an exact-size heap block,
 * so reading past what it was given trips ASan.
 *
 * Checked after every call: the status is one of the three; pos never passes the bytes given;
 * a finished request consumed at least one byte and its arguments lie within what it
 * consumed; an error carries a "Protocol error: " message. Finally, all deliveries of the same
 * input must produce the same requests and the same outcome: splitting must not matter. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/resp.h"

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);        \
            abort();                                                                        \
        }                                                                                   \
    } while (0)

/* What one delivery of the stream produced, for comparing deliveries. */
struct outcome {
    uint64_t digest;        /* FNV-1a over every request's argc and argument bytes */
    size_t requests;        /* requests completed */
    size_t consumed;        /* bytes consumed by them */
    enum resp_status last;  /* RESP_INCOMPLETE or RESP_ERROR */
    char error[64];         /* the message, if last is RESP_ERROR */
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static char *exact_copy(const uint8_t *data, size_t n)
{
    char *p = malloc(n ? n : 1);
    CHECK(p != NULL);
    if (n)
        memcpy(p, data, n);
    return p;
}

/* Calls resp_parse on buf[0..len) and checks the invariants that hold for any input. */
static enum resp_status parse_checked(struct resp_request *r, char *buf, size_t len,
                                      const struct resp_limits *lim)
{
    enum resp_status st = resp_parse(r, buf, len, lim);
    CHECK(st == RESP_DONE || st == RESP_INCOMPLETE || st == RESP_ERROR);
    CHECK(r->pos <= len);
    CHECK(r->argc <= r->argv_cap);
    if (st == RESP_DONE) {
        CHECK(r->pos > 0); /* a finished request always moves the stream on */
        for (size_t i = 0; i < r->argc; i++) {
            CHECK(r->argv[i].off <= r->pos);
            CHECK(r->argv[i].len <= r->pos - r->argv[i].off);
        }
        CHECK(r->error == NULL);
    } else if (st == RESP_ERROR) {
        CHECK(r->error != NULL);
        CHECK(strncmp(r->error, "Protocol error: ", 16) == 0);
    } else {
        CHECK(r->error == NULL);
        /* arguments of a half-read multibulk request already lie within the bytes given */
        for (size_t i = 0; i < r->argc; i++)
            CHECK(r->argv[i].off + r->argv[i].len <= len);
    }
    if (lim->unauthenticated && st != RESP_ERROR) {
        CHECK(r->pending <= RESP_UNAUTH_MAX_MULTIBULK);
        CHECK(r->bulk_len <= RESP_UNAUTH_MAX_BULK);
    }
    CHECK(r->bulk_len <= lim->max_bulk_len);
    return st;
}

/* Parses data[0..size) delivered in pieces ending at cuts[0] < cuts[1] < ... = size.
 * After each piece the parser is called on everything not yet consumed (a fresh exact-size
 * copy of it), until a piece yields INCOMPLETE, as a server's read loop would. */
static void deliver(const uint8_t *data, size_t size, const size_t *cuts, size_t ncuts,
                    const struct resp_limits *lim, struct outcome *out)
{
    CHECK(ncuts == 0 ? size == 0 : cuts[ncuts - 1] == size);
    struct resp_request r;
    resp_request_init(&r);
    memset(out, 0, sizeof *out);
    out->digest = 14695981039346656037ULL;
    size_t base = 0; /* start of the request being parsed */
    enum resp_status st = RESP_INCOMPLETE;
    for (size_t c = 0; c < ncuts && st != RESP_ERROR; c++) {
        size_t avail = cuts[c];
        for (;;) {
            size_t len = avail - base;
            char *buf = exact_copy(data + base, len);
            st = parse_checked(&r, buf, len, lim);
            if (st == RESP_DONE) {
                out->digest = fnv(out->digest, &r.argc, sizeof r.argc);
                for (size_t i = 0; i < r.argc; i++) {
                    out->digest = fnv(out->digest, &r.argv[i].len, sizeof r.argv[i].len);
                    out->digest = fnv(out->digest, buf + r.argv[i].off, r.argv[i].len);
                }
                out->requests++;
                base += r.pos;
                out->consumed = base;
                resp_request_reset(&r);
            }
            free(buf);
            if (st != RESP_DONE)
                break;
        }
    }
    out->last = st;
    if (st == RESP_ERROR)
        snprintf(out->error, sizeof out->error, "%s", r.error);
    resp_request_free(&r);
}

static void same(const struct outcome *a, const struct outcome *b)
{
    CHECK(a->requests == b->requests);
    CHECK(a->consumed == b->consumed);
    CHECK(a->digest == b->digest);
    CHECK(a->last == b->last);
    CHECK(strcmp(a->error, b->error) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct resp_limits limits[] = {
        {.max_bulk_len = 8, .unauthenticated = false},
        {.max_bulk_len = 8, .unauthenticated = true},
        {.max_bulk_len = 512LL * 1024 * 1024, .unauthenticated = false},
        {.max_bulk_len = 512LL * 1024 * 1024, .unauthenticated = true},
    };
    /* a split point derived from the data itself, so the fuzzer can steer it */
    uint64_t h = fnv(14695981039346656037ULL, data, size);
    size_t split = size ? (size_t)(h % (size + 1)) : 0;

    for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
        const struct resp_limits *lim = &limits[l];
        struct outcome whole, halves, bytes;

        size_t one[1] = {size};
        deliver(data, size, one, 1, lim, &whole);

        size_t two[2] = {split, size};
        deliver(data, size, two, 2, lim, &halves);

        /* The 64 KiB line limits make an over-long line an error only when it arrives
         * without its end; below that size the delivery must not matter. */
        if (size <= RESP_MAX_INLINE)
            same(&whole, &halves);

        if (size <= 256) {
            size_t cuts[256];
            for (size_t i = 0; i < size; i++)
                cuts[i] = i + 1;
            deliver(data, size, cuts, size, lim, &bytes);
            same(&whole, &bytes);
        }
    }
    return 0;
}
