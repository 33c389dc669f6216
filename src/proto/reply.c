#include "reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../net/client.h"
#include "../util/mem.h"
#include "../util/num.h"

/* Large enough that a pipeline of small replies fills few blocks, small enough that an
 * idle client's cached block is cheap. */
#define REPLY_BLOCK_SIZE (16 * 1024)

static struct reply_block *reply_new_block(struct reply_queue *q, size_t min)
{
    size_t size = min > REPLY_BLOCK_SIZE ? min : REPLY_BLOCK_SIZE;
    struct reply_block *b = mem_alloc(sizeof *b + size);
    b->next = NULL;
    b->used = 0;
    b->size = mem_usable(b) - sizeof *b;
    if (q->tail)
        q->tail->next = b;
    else
        q->head = b;
    q->tail = b;
    return b;
}

void reply_raw(struct client *c, const char *data, size_t len)
{
    if (!client_accepts_reply(c))
        return;
    struct reply_queue *q = &c->out;
    struct reply_block *b = q->tail;
    size_t room = b ? b->size - b->used : 0;
    if (room >= len) {
        memcpy(b->data + b->used, data, len);
        b->used += len;
    } else {
        if (room) {
            memcpy(b->data + b->used, data, room);
            b->used += room;
        }
        b = reply_new_block(q, len - room);
        memcpy(b->data, data + room, len - room);
        b->used = len - room;
    }
    q->bytes += len;
    client_reply_queued(c);
}

void reply_queue_free(struct reply_queue *q)
{
    struct reply_block *b = q->head;
    while (b) {
        struct reply_block *next = b->next;
        mem_free(b);
        b = next;
    }
    memset(q, 0, sizeof *q);
}

/* Writes "<prefix><n>\r\n". */
static void reply_header(struct client *c, char prefix, long long n)
{
    char buf[NUM_LL_STR_MAX + 3];
    buf[0] = prefix;
    size_t len = 1 + num_ll_to_str(buf + 1, n);
    buf[len++] = '\r';
    buf[len++] = '\n';
    reply_raw(c, buf, len);
}

void reply_ok(struct client *c)
{
    reply_raw(c, "+OK\r\n", 5);
}

void reply_status(struct client *c, const char *status)
{
    size_t len = strlen(status);
    char stack[128];
    if (len + 3 <= sizeof stack) {
        stack[0] = '+';
        memcpy(stack + 1, status, len);
        memcpy(stack + 1 + len, "\r\n", 2);
        reply_raw(c, stack, len + 3);
        return;
    }
    reply_raw(c, "+", 1);
    reply_raw(c, status, len);
    reply_raw(c, "\r\n", 2);
}

void reply_error(struct client *c, const char *err)
{
    size_t len = strlen(err);
    char *line = mem_alloc(len + 3);
    line[0] = '-';
    for (size_t i = 0; i < len; i++)
        line[i + 1] = (err[i] == '\r' || err[i] == '\n') ? ' ' : err[i];
    memcpy(line + 1 + len, "\r\n", 2);
    reply_raw(c, line, len + 3);
    mem_free(line);
    client_error_replied(c, err);
}

void reply_errorf(struct client *c, const char *fmt, ...)
{
    char stack[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(stack, sizeof stack, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof stack) {
        reply_error(c, stack);
        return;
    }
    char *heap = mem_alloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(heap, (size_t)n + 1, fmt, ap);
    va_end(ap);
    reply_error(c, heap);
    mem_free(heap);
}

void reply_error_syntax(struct client *c)
{
    reply_error(c, "ERR syntax error");
}

void reply_error_not_int(struct client *c)
{
    reply_error(c, "ERR value is not an integer or out of range");
}

void reply_error_wrongtype(struct client *c)
{
    reply_error(c, "WRONGTYPE Operation against a key holding the wrong kind of value");
}

void reply_error_arity(struct client *c, const char *cmdname)
{
    reply_errorf(c, "ERR wrong number of arguments for '%s' command", cmdname);
}

void reply_integer(struct client *c, long long v)
{
    if (v == 0) {
        reply_raw(c, ":0\r\n", 4);
    } else if (v == 1) {
        reply_raw(c, ":1\r\n", 4);
    } else {
        reply_header(c, ':', v);
    }
}

void reply_bulk(struct client *c, const char *p, size_t len)
{
    /* Small bulks go out in one copy: header, payload and CRLF together. */
    char stack[256];
    if (len + NUM_LL_STR_MAX + 5 <= sizeof stack) {
        stack[0] = '$';
        size_t n = 1 + num_ll_to_str(stack + 1, (long long)len);
        stack[n++] = '\r';
        stack[n++] = '\n';
        memcpy(stack + n, p, len);
        n += len;
        stack[n++] = '\r';
        stack[n++] = '\n';
        reply_raw(c, stack, n);
        return;
    }
    reply_header(c, '$', (long long)len);
    reply_raw(c, p, len);
    reply_raw(c, "\r\n", 2);
}

void reply_bulk_cstr(struct client *c, const char *s)
{
    reply_bulk(c, s, strlen(s));
}

void reply_bulk_ll(struct client *c, long long v)
{
    char buf[NUM_LL_STR_MAX];
    size_t len = num_ll_to_str(buf, v);
    reply_bulk(c, buf, len);
}

void reply_null(struct client *c)
{
    if (c->resp >= 3)
        reply_raw(c, "_\r\n", 3);
    else
        reply_raw(c, "$-1\r\n", 5);
}

void reply_null_array(struct client *c)
{
    if (c->resp >= 3)
        reply_raw(c, "_\r\n", 3);
    else
        reply_raw(c, "*-1\r\n", 5);
}

void reply_array(struct client *c, long long n)
{
    reply_header(c, '*', n);
}

void reply_map(struct client *c, long long n)
{
    if (c->resp >= 3)
        reply_header(c, '%', n);
    else
        reply_header(c, '*', n * 2);
}

void reply_set(struct client *c, long long n)
{
    reply_header(c, c->resp >= 3 ? '~' : '*', n);
}

void reply_push(struct client *c, long long n)
{
    reply_header(c, c->resp >= 3 ? '>' : '*', n);
}

void reply_double(struct client *c, double d)
{
    char buf[64];
    size_t len = num_double_to_str(buf, sizeof buf, d);
    if (c->resp >= 3) {
        reply_raw(c, ",", 1);
        reply_raw(c, buf, len);
        reply_raw(c, "\r\n", 2);
    } else {
        reply_bulk(c, buf, len);
    }
}

void reply_bool(struct client *c, bool b)
{
    if (c->resp >= 3)
        reply_raw(c, b ? "#t\r\n" : "#f\r\n", 4);
    else
        reply_integer(c, b ? 1 : 0);
}

void reply_verbatim(struct client *c, const char *p, size_t len, const char *fmt)
{
    if (c->resp < 3) {
        reply_bulk(c, p, len);
        return;
    }
    reply_header(c, '=', (long long)len + 4);
    reply_raw(c, fmt, 3);
    reply_raw(c, ":", 1);
    reply_raw(c, p, len);
    reply_raw(c, "\r\n", 2);
}

void reply_bignum(struct client *c, const char *digits, size_t len)
{
    if (c->resp < 3) {
        reply_bulk(c, digits, len);
        return;
    }
    reply_raw(c, "(", 1);
    reply_raw(c, digits, len);
    reply_raw(c, "\r\n", 2);
}

void reply_help(struct client *c, const char *const *lines)
{
    long long n = 0;
    while (lines[n])
        n++;
    reply_array(c, n);
    for (long long i = 0; i < n; i++)
        reply_status(c, lines[i]);
}

struct reply_deferred reply_defer(struct client *c)
{
    struct reply_queue *q = &c->out;
    struct reply_deferred d = {NULL, 0};
    if (!client_accepts_reply(c))
        return d;
    if (!q->tail)
        reply_new_block(q, 0);
    d.block = q->tail;
    d.offset = q->tail->used;
    return d;
}

/* Inserts a header at the deferred position: in place when the block has room, otherwise
 * by moving the bytes after it into a new block that starts with the header. */
static void reply_set_deferred(struct client *c, struct reply_deferred d, char prefix,
                               long long n)
{
    if (!d.block)
        return;
    struct reply_queue *q = &c->out;
    char hdr[NUM_LL_STR_MAX + 3];
    hdr[0] = prefix;
    size_t hlen = 1 + num_ll_to_str(hdr + 1, n);
    hdr[hlen++] = '\r';
    hdr[hlen++] = '\n';
    struct reply_block *b = d.block;
    size_t tail = b->used - d.offset;
    if (b->size - b->used >= hlen) {
        memmove(b->data + d.offset + hlen, b->data + d.offset, tail);
        memcpy(b->data + d.offset, hdr, hlen);
        b->used += hlen;
    } else {
        struct reply_block *nb = mem_alloc(sizeof *nb + hlen + tail);
        nb->size = mem_usable(nb) - sizeof *nb;
        memcpy(nb->data, hdr, hlen);
        memcpy(nb->data + hlen, b->data + d.offset, tail);
        nb->used = hlen + tail;
        b->used = d.offset;
        nb->next = b->next;
        b->next = nb;
        if (q->tail == b)
            q->tail = nb;
    }
    q->bytes += hlen;
    client_reply_queued(c);
}

void reply_set_deferred_array(struct client *c, struct reply_deferred d, long long n)
{
    reply_set_deferred(c, d, '*', n);
}

void reply_set_deferred_map(struct client *c, struct reply_deferred d, long long n)
{
    if (c->resp >= 3)
        reply_set_deferred(c, d, '%', n);
    else
        reply_set_deferred(c, d, '*', n * 2);
}

void reply_set_deferred_set(struct client *c, struct reply_deferred d, long long n)
{
    reply_set_deferred(c, d, c->resp >= 3 ? '~' : '*', n);
}
