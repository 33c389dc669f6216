/* resp: the request parser. Pure: it reads a caller's buffer, touches no socket or client,
 * and resumes where it stopped when more bytes arrive (no rescanning of what it has seen).
 *
 * Arguments are (offset, length) pairs into the caller's buffer, so nothing is copied; an
 * inline request is unescaped in place, which never makes it longer. The only allocation is
 * the argument array, and it grows only as arguments actually arrive: a declared count of
 * two billion reserves nothing until the bytes are there. */
#ifndef FERRITE_RESP_H
#define FERRITE_RESP_H

#include <stdbool.h>
#include <stddef.h>

/* Redis's bounds, not configurable there either. */
#define RESP_MAX_MULTIBULK 2147483647LL /* INT_MAX */
#define RESP_MAX_INLINE (64 * 1024)     /* longest inline request or header line */
/* Before AUTH, Redis refuses requests that could only be abuse. */
#define RESP_UNAUTH_MAX_MULTIBULK 10
#define RESP_UNAUTH_MAX_BULK 16384

enum resp_status {
    RESP_ERROR = -1,     /* protocol error: r->error says which; close after replying */
    RESP_INCOMPLETE = 0, /* need more bytes; call again with the same start, longer len */
    RESP_DONE = 1,       /* r->argc arguments ready; r->pos bytes consumed */
};

struct resp_limits {
    long long max_bulk_len; /* proto-max-bulk-len */
    bool unauthenticated;   /* apply the tighter pre-AUTH bounds */
};

struct resp_arg {
    size_t off; /* from the start of the buffer given to resp_parse */
    size_t len;
};

struct resp_request {
    size_t pos;            /* bytes consumed so far from the buffer's start */
    long long pending;     /* multibulk arguments still to read; -1 before the header */
    long long bulk_len;    /* length of the bulk being read; -1 before its header */
    struct resp_arg *argv; /* owned; kept across requests to avoid reallocating */
    size_t argc;
    size_t argv_cap;
    const char *error;     /* message after RESP_ERROR; points at a literal or error_buf */
    char error_buf[48];    /* for messages that quote the offending byte */
};

void resp_request_init(struct resp_request *r);
/* Forgets the parsed request but keeps the argument array for the next one. */
void resp_request_reset(struct resp_request *r);
void resp_request_free(struct resp_request *r);

/* Parses one request from buf[0..len). An empty request (blank inline line, "*0") is
 * consumed and reported as RESP_DONE with argc 0: the caller just moves on. */
enum resp_status resp_parse(struct resp_request *r, char *buf, size_t len,
                            const struct resp_limits *limits);

/* Splits one line into arguments by the same rules as an inline request (blanks, "double"
 * and 'single' quotes, escapes), unescaping in place: this is also how redis-cli splits what
 * a user types, so ferrite-cli shares it. RESP_DONE with r->argv offsets into line, or
 * RESP_ERROR on unbalanced quotes. Forgets any request r held before. */
enum resp_status resp_split_line(struct resp_request *r, char *line, size_t len);

#endif
