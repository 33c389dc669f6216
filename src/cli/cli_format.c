#include "cli_format.h"

#include <string.h>

/* True when the tty form of r takes more than one line: an aggregate of several entries,
 * or of one entry that itself does. */
static bool cli_format_is_multiline(const struct cli_reply *r)
{
    switch (r->type) {
    case CLI_REPLY_ARRAY:
    case CLI_REPLY_SET:
    case CLI_REPLY_PUSH:
        return r->count > 1 || (r->count == 1 && cli_format_is_multiline(r->elements[0]));
    case CLI_REPLY_MAP:
        return r->count > 2 || (r->count == 2 && cli_format_is_multiline(r->elements[1]));
    default:
        return false;
    }
}

void cli_format_tty(struct sbuf *out, const struct cli_reply *r, const char *prefix)
{
    switch (r->type) {
    case CLI_REPLY_ERROR:
        sbuf_catfmt(out, "(error) %s\n", r->str);
        break;
    case CLI_REPLY_STATUS:
    case CLI_REPLY_VERB:
        /* Verbatim text is meant to be shown as is, newlines and all. */
        sbuf_catlen(out, r->str, r->len);
        sbuf_cat(out, "\n");
        break;
    case CLI_REPLY_INTEGER:
        sbuf_catfmt(out, "(integer) %lld\n", r->integer);
        break;
    case CLI_REPLY_DOUBLE:
        sbuf_catfmt(out, "(double) %s\n", r->str);
        break;
    case CLI_REPLY_BIGNUM:
        sbuf_catfmt(out, "(big number) %s\n", r->str);
        break;
    case CLI_REPLY_STRING:
        sbuf_catrepr(out, r->str, r->len);
        sbuf_cat(out, "\n");
        break;
    case CLI_REPLY_NIL:
        sbuf_cat(out, "(nil)\n");
        break;
    case CLI_REPLY_BOOL:
        sbuf_cat(out, r->integer ? "(true)\n" : "(false)\n");
        break;
    case CLI_REPLY_ARRAY:
    case CLI_REPLY_MAP:
    case CLI_REPLY_SET:
    case CLI_REPLY_PUSH: {
        if (r->count == 0) {
            sbuf_cat(out, r->type == CLI_REPLY_ARRAY ? "(empty array)\n"
                        : r->type == CLI_REPLY_MAP ? "(empty hash)\n"
                        : r->type == CLI_REPLY_SET ? "(empty set)\n" : "(empty push)\n");
            break;
        }
        bool map = r->type == CLI_REPLY_MAP;
        size_t entries = map ? r->count / 2 : r->count;
        int width = 0;
        for (size_t n = entries; n; n /= 10)
            width++;
        /* Items of nested aggregates line up under the first: the parent's prefix plus
         * room for this level's widest index, its separator and a space. */
        struct sbuf inner = SBUF_INIT;
        sbuf_catfmt(&inner, "%s%*s", prefix, width + 2, "");
        char sep = r->type == CLI_REPLY_SET ? '~' : map ? '#' : ')';
        for (size_t i = 0; i < r->count; i++) {
            /* The first index follows whatever the parent already printed on the line. */
            sbuf_catfmt(out, "%s%*zu%c ", i == 0 ? "" : prefix, width,
                        (map ? i / 2 : i) + 1, sep);
            cli_format_tty(out, r->elements[i], inner.data);
            if (map) {
                out->len--; /* the key's line end: its value follows on the same line */
                sbuf_cat(out, " => ");
                const struct cli_reply *v = r->elements[++i];
                /* ...unless the value is a list of its own: that starts on the next line,
                 * indented to this level. */
                if (cli_format_is_multiline(v))
                    sbuf_catfmt(out, "\n%s", inner.data);
                cli_format_tty(out, v, inner.data);
            }
        }
        sbuf_free(&inner);
        break;
    }
    }
}

void cli_format_raw(struct sbuf *out, const struct cli_reply *r, const char *mb_delim)
{
    switch (r->type) {
    case CLI_REPLY_NIL: /* nothing at all: an empty line once the line end is added */
        break;
    case CLI_REPLY_ERROR:
        sbuf_catlen(out, r->str, r->len);
        sbuf_cat(out, "\n");
        break;
    case CLI_REPLY_STATUS:
    case CLI_REPLY_STRING:
    case CLI_REPLY_VERB:
    case CLI_REPLY_DOUBLE:
    case CLI_REPLY_BIGNUM:
        sbuf_catlen(out, r->str, r->len);
        break;
    case CLI_REPLY_BOOL:
        sbuf_cat(out, r->integer ? "(true)" : "(false)");
        break;
    case CLI_REPLY_INTEGER:
        sbuf_catfmt(out, "%lld", r->integer);
        break;
    case CLI_REPLY_ARRAY:
    case CLI_REPLY_SET:
    case CLI_REPLY_PUSH:
        for (size_t i = 0; i < r->count; i++) {
            if (i > 0)
                sbuf_cat(out, mb_delim);
            cli_format_raw(out, r->elements[i], mb_delim);
        }
        break;
    case CLI_REPLY_MAP:
        for (size_t i = 0; i + 1 < r->count; i += 2) {
            if (i > 0)
                sbuf_cat(out, mb_delim);
            cli_format_raw(out, r->elements[i], mb_delim);
            sbuf_cat(out, " ");
            cli_format_raw(out, r->elements[i + 1], mb_delim);
        }
        break;
    }
}

void cli_format_csv(struct sbuf *out, const struct cli_reply *r)
{
    switch (r->type) {
    case CLI_REPLY_ERROR:
        sbuf_cat(out, "ERROR,");
        sbuf_catrepr(out, r->str, strlen(r->str)); /* redis-cli stops at a NUL here */
        break;
    case CLI_REPLY_STATUS:
    case CLI_REPLY_STRING:
    case CLI_REPLY_VERB:
        sbuf_catrepr(out, r->str, r->len);
        break;
    case CLI_REPLY_INTEGER:
        sbuf_catfmt(out, "%lld", r->integer);
        break;
    case CLI_REPLY_DOUBLE:
    case CLI_REPLY_BIGNUM:
        sbuf_catlen(out, r->str, r->len);
        break;
    case CLI_REPLY_NIL:
        sbuf_cat(out, "NULL");
        break;
    case CLI_REPLY_BOOL:
        sbuf_cat(out, r->integer ? "true" : "false");
        break;
    case CLI_REPLY_ARRAY:
    case CLI_REPLY_SET:
    case CLI_REPLY_PUSH:
    case CLI_REPLY_MAP: /* CSV has no maps: the pairs come out as a flat list */
        for (size_t i = 0; i < r->count; i++) {
            if (i > 0)
                sbuf_cat(out, ",");
            cli_format_csv(out, r->elements[i]);
        }
        break;
    }
}

void cli_format_reply(struct sbuf *out, const struct cli_reply *r, enum cli_output mode,
                      bool raw_strings, const char *mb_delim, const char *cmd_delim)
{
    if (raw_strings) {
        cli_format_raw(out, r, mb_delim);
    } else if (mode == CLI_OUTPUT_STANDARD) {
        cli_format_tty(out, r, "");
    } else if (mode == CLI_OUTPUT_RAW) {
        cli_format_raw(out, r, mb_delim);
        sbuf_cat(out, cmd_delim);
    } else {
        cli_format_csv(out, r);
        sbuf_cat(out, "\n");
    }
}
