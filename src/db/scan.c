#include "scan.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "../net/client.h"
#include "../proto/reply.h"
#include "../util/num.h"

bool scan_parse_cursor_or_reply(struct client *c, const struct cmd_arg *arg,
                                unsigned long long *cursor)
{
    /* Redis reads the cursor with strtoul: "007", "+1" and "-1" (wrapping) are accepted,
     * a leading blank or trailing garbage is not. */
    char *end;
    errno = 0;
    *cursor = strtoull(arg->ptr, &end, 10);
    if (arg->len == 0 || isspace((unsigned char)arg->ptr[0]) || *end != '\0' ||
        (size_t)(end - arg->ptr) != arg->len || errno == ERANGE) {
        reply_error(c, "ERR invalid cursor");
        return false;
    }
    return true;
}

bool scan_parse_or_reply(struct client *c, int cursor_at, bool allow_type, struct scan_opts *o)
{
    o->count = SCAN_DEFAULT_COUNT;
    o->match = NULL;
    o->type = NULL;
    if (!scan_parse_cursor_or_reply(c, &c->argv[cursor_at], &o->cursor))
        return false;
    for (int i = cursor_at + 1; i < c->argc; i += 2) {
        if (i + 1 >= c->argc) {
            reply_error_syntax(c);
            return false;
        }
        const struct cmd_arg *opt = &c->argv[i];
        const struct cmd_arg *val = &c->argv[i + 1];
        if (client_arg_is(opt, "count")) {
            if (num_parse_ll(val->ptr, val->len, &o->count) < 0) {
                reply_error_not_int(c);
                return false;
            }
            if (o->count < 1) {
                reply_error_syntax(c);
                return false;
            }
        } else if (client_arg_is(opt, "match")) {
            /* "*" matches everything, so it is the same as no pattern. */
            o->match = val->len == 1 && val->ptr[0] == '*' ? NULL : val;
        } else if (allow_type && client_arg_is(opt, "type")) {
            o->type = val;
        } else {
            reply_error_syntax(c);
            return false;
        }
    }
    return true;
}

void scan_reply_header(struct client *c, unsigned long long cursor, long long n)
{
    char buf[NUM_LL_STR_MAX];
    int len = snprintf(buf, sizeof buf, "%llu", cursor);
    reply_array(c, 2);
    reply_bulk(c, buf, (size_t)len);
    reply_array(c, n);
}
