#include "glob.h"

#include <ctype.h>

static int glob_fold(int c, bool nocase)
{
    return nocase ? tolower(c) : c;
}

/* Matches one [...] class starting at pat[*pi] == '['; advances *pi past the class.
 * An unterminated class matches as if it ended at the end of the pattern, as Redis does. */
static bool glob_class(const char *pat, size_t plen, size_t *pi, int c, bool nocase)
{
    size_t i = *pi + 1;
    bool negate = false, hit = false;
    if (i < plen && pat[i] == '^') {
        negate = true;
        i++;
    }
    c = glob_fold(c, nocase);
    for (; i < plen && pat[i] != ']'; i++) {
        if (pat[i] == '\\' && i + 1 < plen) {
            i++;
            if (glob_fold((unsigned char)pat[i], nocase) == c)
                hit = true;
        } else if (i + 2 < plen && pat[i + 1] == '-') {
            int lo = glob_fold((unsigned char)pat[i], nocase);
            int hi = glob_fold((unsigned char)pat[i + 2], nocase);
            if (lo > hi) {
                int t = lo;
                lo = hi;
                hi = t;
            }
            if (c >= lo && c <= hi)
                hit = true;
            i += 2;
        } else if (glob_fold((unsigned char)pat[i], nocase) == c) {
            hit = true;
        }
    }
    /* Leave *pi on the closing ']' (or the last byte), the caller steps past it. */
    *pi = i < plen ? i : plen - 1;
    return negate ? !hit : hit;
}

bool glob_match(const char *pat, size_t plen, const char *str, size_t slen, bool nocase)
{
    size_t p = 0, s = 0;
    /* Where to resume after the most recent '*': since a star absorbs any run, only the
     * latest one ever needs to be retried, which keeps matching polynomial. */
    size_t star_p = (size_t)-1, star_s = 0;

    /* Redis 7.0 never matches an empty string against a non-empty pattern, not even "*". */
    if (slen == 0)
        return plen == 0;

    while (s < slen) {
        if (p < plen) {
            char pc = pat[p];
            if (pc == '*') {
                while (p < plen && pat[p] == '*')
                    p++;
                if (p == plen)
                    return true;
                star_p = p;
                star_s = s;
                continue;
            }
            if (pc == '?') {
                p++;
                s++;
                continue;
            }
            if (pc == '[') {
                size_t q = p;
                if (glob_class(pat, plen, &q, (unsigned char)str[s], nocase)) {
                    p = q + 1;
                    s++;
                    continue;
                }
            } else {
                if (pc == '\\' && p + 1 < plen)
                    pc = pat[++p];
                else if (pc == '\\')
                    pc = '\\';
                if (glob_fold((unsigned char)pc, nocase) ==
                    glob_fold((unsigned char)str[s], nocase)) {
                    p++;
                    s++;
                    continue;
                }
                /* Undo the escape step so backtracking restarts at the right place. */
            }
        }
        if (star_p == (size_t)-1)
            return false;
        p = star_p;
        s = ++star_s;
    }
    while (p < plen && pat[p] == '*')
        p++;
    return p == plen;
}
