#include "num.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int num_parse_ull(const char *s, size_t len, unsigned long long *out)
{
    if (len == 0 || len > 20)
        return -1;
    if (len == 1 && s[0] == '0') {
        *out = 0;
        return 0;
    }
    if (s[0] < '1' || s[0] > '9')
        return -1;
    unsigned long long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int num_parse_ll(const char *s, size_t len, long long *out)
{
    if (len == 0)
        return -1;
    int neg = s[0] == '-';
    if (neg && len == 1)
        return -1;
    unsigned long long mag;
    if (num_parse_ull(s + neg, len - neg, &mag) < 0)
        return -1;
    if (neg) {
        /* "-0" is not an integer to Redis. */
        if (mag == 0 || mag > (unsigned long long)LLONG_MAX + 1)
            return -1;
        *out = (long long)(0 - mag);
    } else {
        if (mag > (unsigned long long)LLONG_MAX)
            return -1;
        *out = (long long)mag;
    }
    return 0;
}

size_t num_ll_to_str(char *buf, long long v)
{
    char tmp[NUM_LL_STR_MAX];
    unsigned long long mag = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag);
    size_t len = 0;
    if (v < 0)
        buf[len++] = '-';
    while (n)
        buf[len++] = tmp[--n];
    buf[len] = '\0';
    return len;
}

/* Copies s into buf as a C string; -1 if it does not fit or starts with a space. */
static int num_copy_cstr(char *buf, size_t size, const char *s, size_t len)
{
    if (len == 0 || len >= size || isspace((unsigned char)s[0]))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return 0;
}

int num_parse_ld(const char *s, size_t len, long double *out)
{
    char buf[NUM_LD_STR_MAX];
    if (num_copy_cstr(buf, sizeof buf, s, len) < 0)
        return -1;
    char *end;
    errno = 0;
    long double v = strtold(buf, &end);
    /* Like Redis's string2ld: overflow and underflow to zero are errors, subnormals are not. */
    if (*end != '\0' || isnan(v) ||
        (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || v == 0)))
        return -1;
    *out = v;
    return 0;
}

size_t num_ld_to_str(char *buf, size_t size, long double v)
{
    if (isinf(v))
        return (size_t)snprintf(buf, size, "%s", v > 0 ? "inf" : "-inf");
    int n = snprintf(buf, size, "%.17Lf", v);
    if (n < 0 || (size_t)n >= size)
        return 0;
    size_t len = (size_t)n;
    if (memchr(buf, '.', len)) {
        while (buf[len - 1] == '0')
            len--;
        if (buf[len - 1] == '.')
            len--;
    }
    if (len == 2 && buf[0] == '-' && buf[1] == '0') {
        buf[0] = '0';
        len = 1;
    }
    buf[len] = '\0';
    return len;
}

int num_parse_double(const char *s, size_t len, double *out)
{
    char buf[NUM_LD_STR_MAX];
    if (num_copy_cstr(buf, sizeof buf, s, len) < 0)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    /* As Redis's string2d: "inf" is fine, but a finite text that overflows (1e400) or
     * underflows to zero (1e-400) is not a valid number. */
    if (*end != '\0' || isnan(v) || (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)))
        return -1;
    *out = v;
    return 0;
}

size_t num_double_to_str(char *buf, size_t size, double v)
{
    if (isinf(v))
        return (size_t)snprintf(buf, size, "%s", v > 0 ? "inf" : "-inf");
    int n = snprintf(buf, size, "%.17g", v);
    return n < 0 ? 0 : (size_t)n;
}
