/* sbuf: a growable byte string for text the server composes (INFO, CLIENT LIST,
 * CONFIG REWRITE, log lines). Not used for keys or values, which have their own layouts. */
#ifndef FERRITE_SBUF_H
#define FERRITE_SBUF_H

#include <stddef.h>

struct sbuf {
    char *data; /* NUL-terminated once anything was appended; owned */
    size_t len; /* bytes in use, without the NUL */
    size_t cap; /* bytes reserved */
};

#define SBUF_INIT {NULL, 0, 0}

void sbuf_catlen(struct sbuf *b, const char *s, size_t len);
void sbuf_cat(struct sbuf *b, const char *s);
void sbuf_catfmt(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s quoted and escaped as Redis shows binary strings ("a\x00b"). */
void sbuf_catrepr(struct sbuf *b, const char *s, size_t len);
void sbuf_free(struct sbuf *b);

#endif
