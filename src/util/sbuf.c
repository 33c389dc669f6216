#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"

static void sbuf_reserve(struct sbuf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = mem_realloc(b->data, cap);
    b->cap = cap;
}

void sbuf_catlen(struct sbuf *b, const char *s, size_t len)
{
    sbuf_reserve(b, len);
    memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void sbuf_cat(struct sbuf *b, const char *s)
{
    sbuf_catlen(b, s, strlen(s));
}

void sbuf_catfmt(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    sbuf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sbuf_catrepr(struct sbuf *b, const char *s, size_t len)
{
    sbuf_catlen(b, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\\': sbuf_catlen(b, "\\\\", 2); break;
        case '"': sbuf_catlen(b, "\\\"", 2); break;
        case '\n': sbuf_catlen(b, "\\n", 2); break;
        case '\r': sbuf_catlen(b, "\\r", 2); break;
        case '\t': sbuf_catlen(b, "\\t", 2); break;
        case '\a': sbuf_catlen(b, "\\a", 2); break;
        case '\b': sbuf_catlen(b, "\\b", 2); break;
        default:
            if (c >= 0x20 && c < 0x7f)
                sbuf_catlen(b, (const char *)&c, 1);
            else
                sbuf_catfmt(b, "\\x%02x", c);
        }
    }
    sbuf_catlen(b, "\"", 1);
}

void sbuf_free(struct sbuf *b)
{
    mem_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
