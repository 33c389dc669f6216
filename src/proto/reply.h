/* reply: builds RESP2/RESP3 replies into a client's output queue.
 *
 * Replies are only queued here; the network layer writes every client's queue in one
 * writev before the loop sleeps, so a pipeline of N commands costs one system call, not N.
 * Functions choose the RESP2 or RESP3 form from the client's protocol (HELLO). */
#ifndef FERRITE_REPLY_H
#define FERRITE_REPLY_H

#include <stdbool.h>
#include <stddef.h>

struct client;

/* A chunk of queued output. Blocks form a singly linked queue per client. */
struct reply_block {
    struct reply_block *next;
    size_t used; /* bytes filled */
    size_t size; /* bytes available in data */
    char data[];
};

/* The output queue embedded in each client. */
struct reply_queue {
    struct reply_block *head;
    struct reply_block *tail;
    size_t bytes; /* queued and not yet written */
    size_t sent;  /* bytes of head already written */
};

/* A placeholder for an aggregate header whose length is known only later. */
struct reply_deferred {
    struct reply_block *block;
    size_t offset;
};

/* Raw protocol bytes, already encoded. */
void reply_raw(struct client *c, const char *data, size_t len);

void reply_ok(struct client *c);
/* "+status" line; status must not contain CR or LF. */
void reply_status(struct client *c, const char *status);
/* Full error text with its code, e.g. "ERR syntax error" or "WRONGTYPE ...". CR and LF
 * inside are turned into spaces. Counted in INFO errorstats and the command's failed_calls. */
void reply_error(struct client *c, const char *err);
void reply_errorf(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_error_syntax(struct client *c);
void reply_error_not_int(struct client *c);
void reply_error_wrongtype(struct client *c);
void reply_error_arity(struct client *c, const char *cmdname);

void reply_integer(struct client *c, long long v);
void reply_bulk(struct client *c, const char *p, size_t len);
void reply_bulk_cstr(struct client *c, const char *s);
/* An integer sent as a bulk string (GET of an int-encoded value). */
void reply_bulk_ll(struct client *c, long long v);
/* Null bulk ($-1 in RESP2, _ in RESP3). */
void reply_null(struct client *c);
/* Null array (*-1 in RESP2, _ in RESP3). */
void reply_null_array(struct client *c);
void reply_array(struct client *c, long long n);
/* n key-value pairs: RESP3 map, or a flat array of 2n in RESP2. */
void reply_map(struct client *c, long long n);
void reply_set(struct client *c, long long n);
void reply_push(struct client *c, long long n);
/* RESP3 double, or a bulk string in RESP2. */
void reply_double(struct client *c, double d);
/* RESP3 boolean, or the integer 1/0 in RESP2. */
void reply_bool(struct client *c, bool b);
/* RESP3 verbatim string of format fmt ("txt"), or a plain bulk in RESP2. */
void reply_verbatim(struct client *c, const char *p, size_t len, const char *fmt);
/* A RESP3 big number, or a bulk string in RESP2. */
void reply_bignum(struct client *c, const char *digits, size_t len);
/* Replies with an array of lines for HELP subcommands. */
void reply_help(struct client *c, const char *const *lines);

/* Reserves room for an aggregate header; fill it with reply_set_deferred_*. */
struct reply_deferred reply_defer(struct client *c);
void reply_set_deferred_array(struct client *c, struct reply_deferred d, long long n);
void reply_set_deferred_map(struct client *c, struct reply_deferred d, long long n);
void reply_set_deferred_set(struct client *c, struct reply_deferred d, long long n);

/* Frees every queued block. */
void reply_queue_free(struct reply_queue *q);

#endif
