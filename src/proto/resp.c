#include "resp.h"

#include <stdio.h>
#include <string.h>

#include "../util/mem.h"
#include "../util/num.h"

void resp_request_init(struct resp_request *r)
{
    memset(r, 0, sizeof *r);
    r->pending = -1;
    r->bulk_len = -1;
}

void resp_request_reset(struct resp_request *r)
{
    r->pos = 0;
    r->pending = -1;
    r->bulk_len = -1;
    r->argc = 0;
    r->error = NULL;
}

void resp_request_free(struct resp_request *r)
{
    mem_free(r->argv);
    resp_request_init(r);
}

static void resp_push_arg(struct resp_request *r, size_t off, size_t len)
{
    if (r->argc == r->argv_cap) {
        r->argv_cap = r->argv_cap ? r->argv_cap * 2 : 8;
        r->argv = mem_realloc(r->argv, sizeof *r->argv * r->argv_cap);
    }
    r->argv[r->argc].off = off;
    r->argv[r->argc].len = len;
    r->argc++;
}

static enum resp_status resp_fail(struct resp_request *r, const char *msg)
{
    r->error = msg;
    return RESP_ERROR;
}

static int resp_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Blanks skipped between arguments (and required after a closing quote): isspace(). */
static bool resp_is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f';
}

/* Bytes that end an unquoted argument: Redis's splitter stops on fewer than it skips. */
static bool resp_ends_token(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Splits line[0..len) into arguments the way redis-cli and Redis's inline parser do:
 * blanks separate, "double quotes" take \n \r \t \b \a \\ \" \xHH escapes, 'single quotes'
 * take only \'. Unescaped bytes are written back over the line itself. */
static enum resp_status resp_split_inline(struct resp_request *r, char *buf, size_t start,
                                          size_t len)
{
    char *line = buf + start;
    size_t i = 0;
    for (;;) {
        while (i < len && resp_is_space(line[i]))
            i++;
        if (i == len)
            return RESP_DONE;
        size_t out = i, arg_start = i;
        bool in_dq = false, in_sq = false, done = false;
        while (!done) {
            if (in_dq) {
                if (i == len)
                    return resp_fail(r, "Protocol error: unbalanced quotes in request");
                if (line[i] == '\\' && i + 3 < len && line[i + 1] == 'x' &&
                    resp_hex(line[i + 2]) >= 0 && resp_hex(line[i + 3]) >= 0) {
                    line[out++] = (char)(resp_hex(line[i + 2]) * 16 + resp_hex(line[i + 3]));
                    i += 4;
                } else if (line[i] == '\\' && i + 1 < len) {
                    char c = line[++i];
                    line[out++] = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t'
                                : c == 'b' ? '\b' : c == 'a' ? '\a' : c;
                    i++;
                } else if (line[i] == '"') {
                    /* A closing quote must be followed by a blank or the end. */
                    if (i + 1 < len && !resp_is_space(line[i + 1]))
                        return resp_fail(r, "Protocol error: unbalanced quotes in request");
                    i++;
                    done = true;
                } else {
                    line[out++] = line[i++];
                }
            } else if (in_sq) {
                if (i == len)
                    return resp_fail(r, "Protocol error: unbalanced quotes in request");
                if (line[i] == '\\' && i + 1 < len && line[i + 1] == '\'') {
                    line[out++] = '\'';
                    i += 2;
                } else if (line[i] == '\'') {
                    if (i + 1 < len && !resp_is_space(line[i + 1]))
                        return resp_fail(r, "Protocol error: unbalanced quotes in request");
                    i++;
                    done = true;
                } else {
                    line[out++] = line[i++];
                }
            } else if (i == len || resp_ends_token(line[i])) {
                done = true;
            } else if (line[i] == '"') {
                in_dq = true;
                i++;
            } else if (line[i] == '\'') {
                in_sq = true;
                i++;
            } else {
                line[out++] = line[i++];
            }
        }
        resp_push_arg(r, start + arg_start, out - arg_start);
    }
}

static enum resp_status resp_parse_inline(struct resp_request *r, char *buf, size_t len)
{
    char *nl = memchr(buf, '\n', len);
    if (!nl) {
        if (len > RESP_MAX_INLINE)
            return resp_fail(r, "Protocol error: too big inline request");
        return RESP_INCOMPLETE;
    }
    size_t line_len = (size_t)(nl - buf);
    if (line_len > 0 && buf[line_len - 1] == '\r')
        line_len--;
    /* Redis splits the line as a C string, so a NUL ends it. */
    char *nul = memchr(buf, '\0', line_len);
    if (nul)
        line_len = (size_t)(nul - buf);
    enum resp_status st = resp_split_inline(r, buf, 0, line_len);
    if (st != RESP_DONE)
        return st;
    r->pos = (size_t)(nl - buf) + 1;
    return RESP_DONE;
}

/* Reads "<prefix><integer>\r\n" at r->pos. Returns RESP_DONE with *out set, or
 * RESP_INCOMPLETE, or RESP_ERROR with too_long_msg when no line end shows up in time. */
static enum resp_status resp_read_header(struct resp_request *r, const char *buf, size_t len,
                                         long long *out, bool *valid, const char *too_long_msg)
{
    const char *start = buf + r->pos;
    size_t avail = len - r->pos;
    const char *cr = memchr(start, '\r', avail);
    if (!cr) {
        if (avail > RESP_MAX_INLINE)
            return resp_fail(r, too_long_msg);
        return RESP_INCOMPLETE;
    }
    /* The '\n' after '\r' must be there too before the header counts. */
    if ((size_t)(cr - start) + 1 >= avail)
        return RESP_INCOMPLETE;
    *valid = num_parse_ll(start + 1, (size_t)(cr - start) - 1, out) == 0;
    r->pos += (size_t)(cr - start) + 2;
    return RESP_DONE;
}

static enum resp_status resp_parse_multibulk(struct resp_request *r, char *buf, size_t len,
                                             const struct resp_limits *lim)
{
    enum resp_status st;
    bool valid;
    if (r->pending < 0) {
        long long count = 0;
        st = resp_read_header(r, buf, len, &count, &valid,
                              "Protocol error: too big mbulk count string");
        if (st != RESP_DONE)
            return st;
        if (!valid || count > RESP_MAX_MULTIBULK)
            return resp_fail(r, "Protocol error: invalid multibulk length");
        if (lim->unauthenticated && count > RESP_UNAUTH_MAX_MULTIBULK)
            return resp_fail(r, "Protocol error: unauthenticated multibulk length");
        if (count <= 0)
            return RESP_DONE;
        r->pending = count;
    }
    while (r->pending > 0) {
        if (r->bulk_len < 0) {
            if (r->pos >= len)
                return RESP_INCOMPLETE;
            /* Like Redis, wait for the whole header line before judging its first byte. */
            char first = buf[r->pos];
            long long blen = 0;
            st = resp_read_header(r, buf, len, &blen, &valid,
                                  "Protocol error: too big bulk count string");
            if (st != RESP_DONE)
                return st;
            if (first != '$') {
                snprintf(r->error_buf, sizeof r->error_buf,
                         "Protocol error: expected '$', got '%c'", first);
                return resp_fail(r, r->error_buf);
            }
            if (!valid || blen < 0 || blen > lim->max_bulk_len)
                return resp_fail(r, "Protocol error: invalid bulk length");
            if (lim->unauthenticated && blen > RESP_UNAUTH_MAX_BULK)
                return resp_fail(r, "Protocol error: unauthenticated bulk length");
            r->bulk_len = blen;
        }
        /* Redis skips the two bytes after the payload without checking them; so do we,
         * so that any client Redis accepts is accepted here too. */
        if (len - r->pos < (size_t)r->bulk_len + 2)
            return RESP_INCOMPLETE;
        resp_push_arg(r, r->pos, (size_t)r->bulk_len);
        r->pos += (size_t)r->bulk_len + 2;
        r->bulk_len = -1;
        r->pending--;
    }
    return RESP_DONE;
}

enum resp_status resp_parse(struct resp_request *r, char *buf, size_t len,
                            const struct resp_limits *limits)
{
    if (len == 0)
        return RESP_INCOMPLETE;
    if (r->pending >= 0 || buf[0] == '*')
        return resp_parse_multibulk(r, buf, len, limits);
    return resp_parse_inline(r, buf, len);
}

enum resp_status resp_split_line(struct resp_request *r, char *line, size_t len)
{
    resp_request_reset(r);
    return resp_split_inline(r, line, 0, len);
}
