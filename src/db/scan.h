/* scan: the argument grammar shared by SCAN, HSCAN, SSCAN and ZSCAN:
 * "cursor [MATCH pattern] [COUNT count] [TYPE type]" with Redis's errors. */
#ifndef FERRITE_SCAN_H
#define FERRITE_SCAN_H

#include <stdbool.h>

struct client;
struct cmd_arg;

#define SCAN_DEFAULT_COUNT 10

struct scan_opts {
    unsigned long long cursor;
    long long count;
    const struct cmd_arg *match; /* NULL when absent or "*" */
    const struct cmd_arg *type;  /* NULL when absent; only SCAN accepts TYPE */
};

/* Parses a cursor as Redis does (strtoul rules); on error replies and returns false. The
 * type commands check the cursor before looking the key up, as Redis does. */
bool scan_parse_cursor_or_reply(struct client *c, const struct cmd_arg *arg,
                                unsigned long long *cursor);
/* Parses argv[cursor_at] and the options after it; on error replies and returns false. */
bool scan_parse_or_reply(struct client *c, int cursor_at, bool allow_type, struct scan_opts *o);
/* Replies [cursor, [items...]]'s header: the cursor as a bulk string, then an array of n. */
void scan_reply_header(struct client *c, unsigned long long cursor, long long n);

#endif
