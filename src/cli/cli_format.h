/* cli_format: replies turned into the text redis-cli 7.0 prints, byte for byte, because
 * scripts parse that text. Pure: a reply in, text appended to a buffer. */
#ifndef FERRITE_CLI_FORMAT_H
#define FERRITE_CLI_FORMAT_H

#include <stdbool.h>

#include "../util/sbuf.h"
#include "cli_reply.h"

enum cli_output {
    CLI_OUTPUT_STANDARD, /* for people: (integer) 1, "quoted", numbered arrays */
    CLI_OUTPUT_RAW,      /* for pipes: bare values, one per line */
    CLI_OUTPUT_CSV,      /* --csv: one comma-separated line per reply */
};

/* The standard (tty) form. prefix is the indentation of nested items ("" at the top). */
void cli_format_tty(struct sbuf *out, const struct cli_reply *r, const char *prefix);
/* The raw form: aggregates' items separated by mb_delim, no trailing delimiter. */
void cli_format_raw(struct sbuf *out, const struct cli_reply *r, const char *mb_delim);
/* The CSV form, without the line end. */
void cli_format_csv(struct sbuf *out, const struct cli_reply *r);

/* One reply as redis-cli prints it in `mode`: what the form above gives plus the line end
 * (cmd_delim in raw mode). raw_strings forces the raw form without a line end, which
 * redis-cli does for replies that are text meant to be read as is (INFO, CLIENT LIST). */
void cli_format_reply(struct sbuf *out, const struct cli_reply *r, enum cli_output mode,
                      bool raw_strings, const char *mb_delim, const char *cmd_delim);

#endif
