#include "cli_reply.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../util/mem.h"
#include "../util/num.h"
#include "../util/sbuf.h"

void cli_reply_free(struct cli_reply *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++)
        cli_reply_free(r->elements[i]);
    mem_free(r->elements);
    mem_free(r->str);
    mem_free(r);
}

void cli_reader_init(struct cli_reader *r)
{
    memset(r, 0, sizeof *r);
}

void cli_reader_free(struct cli_reader *r)
{
    mem_free(r->buf);
    cli_reply_free(r->root);
    cli_reader_init(r);
}

void cli_reader_feed(struct cli_reader *r, const char *data, size_t n)
{
    /* Drop what was consumed before growing, so the buffer stays the size of one reply's
     * unparsed tail rather than of the whole session. */
    if (r->pos > 0 && (r->pos == r->len || r->pos >= r->cap / 2)) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 16384;
        while (cap < r->len + n)
            cap *= 2;
        r->buf = mem_realloc(r->buf, cap);
        r->cap = cap;
    }
    memcpy(r->buf + r->len, data, n);
    r->len += n;
}

size_t cli_reader_pending(const struct cli_reader *r)
{
    return r->len - r->pos + (r->depth > 0);
}

static enum cli_reader_status cli_reader_fail(struct cli_reader *r, const char *msg)
{
    snprintf(r->error, sizeof r->error, "%s", msg);
    return CLI_READER_ERROR;
}

static struct cli_reply *cli_reply_new(enum cli_reply_type type, const char *s, size_t len)
{
    struct cli_reply *reply = mem_calloc(sizeof *reply);
    reply->type = type;
    if (s) {
        reply->str = mem_strndup(s, len);
        reply->len = len;
    }
    return reply;
}

/* Reads the element starting at r->pos. Returns DONE with *out set (a scalar, or an
 * aggregate whose items are still to come when (*out)->count > 0 and *open is set),
 * INCOMPLETE without consuming anything, or ERROR. */
static enum cli_reader_status cli_reader_element(struct cli_reader *r, struct cli_reply **out,
                                                 bool *open)
{
    const char *start = r->buf + r->pos;
    size_t avail = r->len - r->pos;
    *open = false;
    if (avail == 0)
        return CLI_READER_INCOMPLETE;
    const char *cr = avail > 1 ? memmem(start + 1, avail - 1, "\r\n", 2) : NULL;
    if (!cr) {
        if (avail > CLI_REPLY_MAX_LINE)
            return cli_reader_fail(r, "Protocol error: too big reply header");
        return CLI_READER_INCOMPLETE;
    }
    const char *line = start + 1;
    size_t line_len = (size_t)(cr - line);
    size_t header = line_len + 3; /* type byte, line, CRLF */
    long long n = 0;
    switch (start[0]) {
    case '+':
    case '-':
    case ',':
    case '(': {
        enum cli_reply_type t = start[0] == '+' ? CLI_REPLY_STATUS
                              : start[0] == '-' ? CLI_REPLY_ERROR
                              : start[0] == ',' ? CLI_REPLY_DOUBLE : CLI_REPLY_BIGNUM;
        *out = cli_reply_new(t, line, line_len);
        break;
    }
    case ':':
        if (num_parse_ll(line, line_len, &n) < 0)
            return cli_reader_fail(r, "Protocol error: bad integer value");
        *out = cli_reply_new(CLI_REPLY_INTEGER, line, line_len);
        (*out)->integer = n;
        break;
    case '#':
        if (line_len != 1 || (line[0] != 't' && line[0] != 'f'))
            return cli_reader_fail(r, "Protocol error: bad bool value");
        *out = cli_reply_new(CLI_REPLY_BOOL, NULL, 0);
        (*out)->integer = line[0] == 't';
        break;
    case '_':
        *out = cli_reply_new(CLI_REPLY_NIL, NULL, 0);
        break;
    case '$':
    case '=': {
        if (num_parse_ll(line, line_len, &n) < 0 || n < -1)
            return cli_reader_fail(r, "Protocol error: bad bulk string length");
        if (n == -1) {
            *out = cli_reply_new(CLI_REPLY_NIL, NULL, 0);
            break;
        }
        if (avail - header < (size_t)n + 2)
            return CLI_READER_INCOMPLETE;
        const char *body = start + header;
        if (start[0] == '=') {
            if (n < 4 || body[3] != ':')
                return cli_reader_fail(r, "Protocol error: verbatim string 4 bytes of "
                                          "content type are missing or incorrectly encoded.");
            *out = cli_reply_new(CLI_REPLY_VERB, body + 4, (size_t)n - 4);
            memcpy((*out)->format, body, 3);
        } else {
            *out = cli_reply_new(CLI_REPLY_STRING, body, (size_t)n);
        }
        header += (size_t)n + 2;
        break;
    }
    case '*':
    case '%':
    case '~':
    case '>': {
        if (num_parse_ll(line, line_len, &n) < 0 || n < -1)
            return cli_reader_fail(r, "Protocol error: bad multi-bulk length");
        if (n == -1) {
            *out = cli_reply_new(CLI_REPLY_NIL, NULL, 0);
            break;
        }
        enum cli_reply_type t = start[0] == '*' ? CLI_REPLY_ARRAY
                              : start[0] == '%' ? CLI_REPLY_MAP
                              : start[0] == '~' ? CLI_REPLY_SET : CLI_REPLY_PUSH;
        *out = cli_reply_new(t, NULL, 0);
        (*out)->count = (size_t)n * (t == CLI_REPLY_MAP ? 2 : 1);
        *open = (*out)->count > 0;
        break;
    }
    default: {
        /* hiredis quotes the byte as Redis quotes strings: "\"", "\\n", "\x01". */
        struct sbuf msg = SBUF_INIT;
        sbuf_cat(&msg, "Protocol error, got ");
        sbuf_catrepr(&msg, start, 1);
        sbuf_cat(&msg, " as reply type byte");
        cli_reader_fail(r, msg.data);
        sbuf_free(&msg);
        return CLI_READER_ERROR;
    }
    }
    r->pos += header;
    return CLI_READER_DONE;
}

/* Opens an aggregate whose items are now expected; it is already attached to its parent
 * (or is the root), so a reader freed mid-reply frees it too. */
static enum cli_reader_status cli_reader_open(struct cli_reader *r, struct cli_reply *agg,
                                              size_t declared)
{
    if (r->depth == CLI_REPLY_MAX_DEPTH)
        return cli_reader_fail(r, "Protocol error: reply nested too deeply");
    struct cli_reader_frame *f = &r->stack[r->depth++];
    f->agg = agg;
    f->declared = declared;
    f->cap = 0;
    return CLI_READER_DONE;
}

/* Adds a finished item to the innermost open aggregate. The item array grows as items
 * arrive, so a declared count of billions costs nothing until the items are there. */
static void cli_reader_attach(struct cli_reader_frame *f, struct cli_reply *item)
{
    if (f->agg->count == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 8;
        if (f->cap > f->declared)
            f->cap = f->declared;
        f->agg->elements = mem_realloc(f->agg->elements, sizeof *f->agg->elements * f->cap);
    }
    f->agg->elements[f->agg->count++] = item;
}

enum cli_reader_status cli_reader_next(struct cli_reader *r, struct cli_reply **out)
{
    for (;;) {
        struct cli_reply *item = NULL;
        bool open = false;
        enum cli_reader_status st = cli_reader_element(r, &item, &open);
        if (st != CLI_READER_DONE)
            return st;
        /* Until its items arrive an aggregate holds none: count is what is attached. */
        size_t declared = item->count;
        if (open)
            item->count = 0;
        if (r->depth == 0 && open)
            r->root = item;
        else if (r->depth > 0)
            cli_reader_attach(&r->stack[r->depth - 1], item);
        if (open) {
            if (cli_reader_open(r, item, declared) != CLI_READER_DONE)
                return CLI_READER_ERROR;
            continue;
        }
        if (r->depth == 0) {
            *out = item;
            return CLI_READER_DONE;
        }
        /* Close every aggregate this item completed. */
        while (r->depth > 0 && r->stack[r->depth - 1].agg->count == r->stack[r->depth - 1].declared)
            r->depth--;
        if (r->depth == 0) {
            *out = r->root;
            r->root = NULL;
            return CLI_READER_DONE;
        }
    }
}
