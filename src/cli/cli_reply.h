/* cli_reply: the client side of RESP. A reader that turns the bytes a server sends into
 * reply trees, for RESP2 and RESP3 alike (the client never needs to know which one the
 * connection speaks: the type byte says it).
 *
 * Pure: the reader touches no socket. Bytes are fed in as they arrive and whole replies come
 * out; a reply split over many reads is resumed element by element, so a huge array or bulk
 * is never rescanned from its start. The server's request parser (src/proto/resp) cannot do
 * this job: it reads only requests, multibulks of bulk strings. */
#ifndef FERRITE_CLI_REPLY_H
#define FERRITE_CLI_REPLY_H

#include <stddef.h>

/* Nesting deeper than this is refused rather than followed: no server sends it. */
#define CLI_REPLY_MAX_DEPTH 64
/* Hiredis's bound on a reply type's header line; longer means garbage. */
#define CLI_REPLY_MAX_LINE (64 * 1024)

enum cli_reply_type {
    CLI_REPLY_STATUS,  /* +OK */
    CLI_REPLY_ERROR,   /* -ERR ... */
    CLI_REPLY_INTEGER, /* :1 */
    CLI_REPLY_NIL,     /* $-1, *-1, _ */
    CLI_REPLY_STRING,  /* $3 abc */
    CLI_REPLY_ARRAY,   /* *n */
    CLI_REPLY_MAP,     /* %n: elements holds 2n items, key then value */
    CLI_REPLY_SET,     /* ~n */
    CLI_REPLY_PUSH,    /* >n */
    CLI_REPLY_DOUBLE,  /* ,3.14: kept as the server's text, as redis-cli prints it */
    CLI_REPLY_BOOL,    /* #t */
    CLI_REPLY_VERB,    /* =n txt:...: str is the text after the 4-byte format prefix */
    CLI_REPLY_BIGNUM,  /* (123...: kept as text */
};

struct cli_reply {
    enum cli_reply_type type;
    long long integer;            /* INTEGER, and BOOL as 0/1 */
    char *str;                    /* owned, NUL-terminated; text of every scalar type */
    size_t len;                   /* bytes in str, NUL excluded */
    char format[4];               /* VERB's format ("txt", "mkd") */
    struct cli_reply **elements;  /* owned; the items of ARRAY, MAP, SET and PUSH */
    size_t count;                 /* items in elements (2n for a map of n pairs) */
};

/* Frees r and everything under it (NULL is fine). */
void cli_reply_free(struct cli_reply *r);

enum cli_reader_status {
    CLI_READER_ERROR = -1,     /* protocol error: reader->error says which; the stream is lost */
    CLI_READER_INCOMPLETE = 0, /* feed more bytes */
    CLI_READER_DONE = 1,       /* *out holds one whole reply */
};

struct cli_reader_frame {
    struct cli_reply *agg; /* an aggregate whose items are still arriving; borrowed */
    size_t declared;       /* items its header announced (agg->count is those attached) */
    size_t cap;            /* slots reserved in agg->elements */
};

struct cli_reader {
    char *buf;        /* owned; bytes fed and not yet consumed start at buf + pos */
    size_t len;       /* bytes held in buf */
    size_t cap;       /* bytes reserved */
    size_t pos;       /* first byte not yet parsed */
    struct cli_reader_frame stack[CLI_REPLY_MAX_DEPTH]; /* open aggregates, outermost first */
    int depth;        /* frames in use */
    struct cli_reply *root; /* owned; the reply under construction when depth > 0 */
    char error[96];   /* message after CLI_READER_ERROR, in hiredis's words */
};

void cli_reader_init(struct cli_reader *r);
void cli_reader_free(struct cli_reader *r);
/* Appends n bytes the server sent. */
void cli_reader_feed(struct cli_reader *r, const char *data, size_t n);
/* Takes the next whole reply out of what was fed; on DONE the caller owns *out. */
enum cli_reader_status cli_reader_next(struct cli_reader *r, struct cli_reply **out);
/* Bytes fed but not yet part of a returned reply (tells a half-read reply from none). */
size_t cli_reader_pending(const struct cli_reader *r);

#endif
