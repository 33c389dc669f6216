/* libFuzzer harness for src/util/glob.
 *
 * Input layout: byte 0 gives the pattern length (mod what is left), the pattern follows, and
 * the rest is the string. Pattern and string are each copied to the end of an exact-size heap
 * block. Checks, with nocase off and on:
 *   - the match terminates and is deterministic (same answer twice);
 *   - it agrees with a separate reference matcher (tokenize, then dynamic programming over
 *     tokens x string positions), written from the documented semantics in glob.h and the
 *     Redis rules: * ? [abc] [^a] [a-z] [z-a] \x escapes, unterminated classes running to
 *     the end of the pattern;
 *   - a pattern escaping every byte of the string matches exactly that string. */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/glob.h"

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);        \
            abort();                                                                        \
        }                                                                                   \
    } while (0)

/* ---- the reference matcher ---- */

enum tok_kind { TOK_STAR, TOK_ANY, TOK_LIT, TOK_CLASS };

struct tok {
    enum tok_kind kind;
    unsigned char lit; /* TOK_LIT */
    size_t start;      /* TOK_CLASS: first byte after '[' */
    size_t end;        /* TOK_CLASS: the closing ']' or plen if unterminated */
};

static int fold(int c, bool nocase)
{
    return nocase ? tolower(c) : c;
}

/* Where the class whose body starts at i (just after '[') ends: the index of its closing
 * ']' or plen. "\x" and "a-z" are units, so a ']' right after '\' or as a range end does not
 * close the class. */
static size_t class_end(const unsigned char *pat, size_t plen, size_t i)
{
    if (i < plen && pat[i] == '^')
        i++;
    while (i < plen && pat[i] != ']') {
        if (pat[i] == '\\' && i + 1 < plen)
            i += 2;
        else if (i + 2 < plen && pat[i + 1] == '-')
            i += 3;
        else
            i += 1;
    }
    return i;
}

/* Whether byte c is in the class whose body is pat[t->start .. t->end). The body is read in
 * the same units class_end steps over, so no unit straddles the end. */
static bool class_has(const unsigned char *pat, size_t plen, const struct tok *t, int c,
                      bool nocase)
{
    size_t i = t->start;
    bool negate = i < plen && pat[i] == '^';
    if (negate)
        i++;
    bool found = false;
    c = fold(c, nocase);
    while (i < t->end) {
        if (pat[i] == '\\' && i + 1 < plen) {
            found |= fold(pat[i + 1], nocase) == c;
            i += 2;
        } else if (i + 2 < plen && pat[i + 1] == '-') {
            int lo = fold(pat[i], nocase), hi = fold(pat[i + 2], nocase);
            if (lo > hi) {
                int tmp = lo;
                lo = hi;
                hi = tmp;
            }
            found |= c >= lo && c <= hi;
            i += 3;
        } else {
            found |= fold(pat[i], nocase) == c;
            i += 1;
        }
    }
    return negate ? !found : found;
}

static size_t tokenize(const unsigned char *pat, size_t plen, struct tok *toks)
{
    size_t n = 0;
    for (size_t p = 0; p < plen;) {
        struct tok t = {0};
        if (pat[p] == '*') {
            t.kind = TOK_STAR;
            p++;
        } else if (pat[p] == '?') {
            t.kind = TOK_ANY;
            p++;
        } else if (pat[p] == '[') {
            t.kind = TOK_CLASS;
            t.start = p + 1;
            t.end = class_end(pat, plen, p + 1);
            p = t.end < plen ? t.end + 1 : plen;
        } else if (pat[p] == '\\' && p + 1 < plen) {
            t.kind = TOK_LIT;
            t.lit = pat[p + 1];
            p += 2;
        } else {
            t.kind = TOK_LIT;
            t.lit = pat[p];
            p++;
        }
        toks[n++] = t;
    }
    return n;
}

/* dp over tokens from the end: next[j] says whether toks[k+1..] matches str[j..]. */
static bool ref_match(const unsigned char *pat, size_t plen, const unsigned char *str,
                      size_t slen, bool nocase)
{
    /* Redis 7.0: the empty string matches only the empty pattern, even against "*". */
    if (slen == 0)
        return plen == 0;
    struct tok *toks = malloc(sizeof *toks * (plen + 1));
    bool *next = malloc(slen + 1), *cur = malloc(slen + 1);
    CHECK(toks && next && cur);
    size_t n = tokenize(pat, plen, toks);
    for (size_t j = 0; j <= slen; j++)
        next[j] = j == slen;
    for (size_t k = n; k-- > 0;) {
        const struct tok *t = &toks[k];
        cur[slen] = t->kind == TOK_STAR ? next[slen] : false;
        for (size_t j = slen; j-- > 0;) {
            bool one;
            switch (t->kind) {
            case TOK_STAR:
                cur[j] = next[j] || cur[j + 1];
                continue;
            case TOK_ANY:
                one = true;
                break;
            case TOK_LIT:
                one = fold(t->lit, nocase) == fold(str[j], nocase);
                break;
            default:
                one = class_has(pat, plen, t, str[j], nocase);
                break;
            }
            cur[j] = one && next[j + 1];
        }
        bool *tmp = next;
        next = cur;
        cur = tmp;
    }
    bool r = next[0];
    free(toks);
    free(next);
    free(cur);
    return r;
}

/* ---- the harness ---- */

static char *exact_copy(const uint8_t *data, size_t n)
{
    char *p = malloc(n ? n : 1);
    CHECK(p != NULL);
    if (n)
        memcpy(p, data, n);
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t rest = size - 1;
    size_t plen = data[0] % (rest + 1);
    size_t slen = rest - plen;
    char *pat = exact_copy(data + 1, plen);
    char *str = exact_copy(data + 1 + plen, slen);

    for (int nocase = 0; nocase <= 1; nocase++) {
        bool a = glob_match(pat, plen, str, slen, nocase);
        bool b = glob_match(pat, plen, str, slen, nocase);
        CHECK(a == b);
        if (plen * slen <= (1u << 20)) {
            bool want = ref_match((const unsigned char *)pat, plen, (const unsigned char *)str,
                                  slen, nocase);
            if (a != want) {
                fprintf(stderr, "glob_match(\"%.*s\", \"%.*s\", nocase=%d) = %d, reference %d\n",
                        (int)plen, pat, (int)slen, str, nocase, a, want);
                abort();
            }
        }
    }

    /* every byte escaped: matches the string itself and nothing longer or shorter */
    if (slen <= 1024) {
        size_t elen = 2 * slen;
        char *esc = malloc(elen ? elen : 1);
        CHECK(esc != NULL);
        for (size_t i = 0; i < slen; i++) {
            esc[2 * i] = '\\';
            esc[2 * i + 1] = str[i];
        }
        CHECK(glob_match(esc, elen, str, slen, false));
        CHECK(glob_match(esc, elen, str, slen, true));
        if (slen > 0) {
            CHECK(!glob_match(esc, elen, str, slen - 1, false));
            CHECK(!glob_match(esc, elen - 2, str, slen, false));
        }
        free(esc);
    }
    free(pat);
    free(str);
    return 0;
}
