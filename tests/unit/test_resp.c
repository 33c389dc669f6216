/* Unit tests for src/proto/resp: the request parser.
 *
 * Every input is copied to the very end of an exact-size heap block before it is parsed,
 * so under `make SAN=1` a read of even one byte past what the parser was given trips
 * AddressSanitizer (picohttpparser's guard-page idea, with ASan's redzone as the guard). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/resp.h"
#include "util/mem.h"

/* ---- helpers ---- */

#define MAX_ARGS 8

struct arg {
    const char *s; /* expected bytes (may contain NUL, \r, \n) */
    size_t n;      /* their count */
};

/* An expected argument spelled as a string literal, NULs and all. */
#define A(lit) {(lit), sizeof(lit) - 1}
/* An input spelled as a string literal, with its exact length. */
#define IN(lit) (lit), sizeof(lit) - 1

struct ok_case {
    const char *in;    /* one complete request, nothing after it */
    size_t len;
    size_t argc;
    struct arg argv[MAX_ARGS];
};

static const struct resp_limits lim_default = {.max_bulk_len = 512LL * 1024 * 1024,
                                               .unauthenticated = false};

/* A heap block holding exactly s[0..n): the byte after it is ASan's redzone. */
static char *exact_copy(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);
    assert_non_null(p);
    if (n)
        memcpy(p, s, n);
    return p;
}

static void check_argv(const struct resp_request *r, const char *buf, size_t argc,
                       const struct arg *want)
{
    assert_int_equal(r->argc, argc);
    for (size_t i = 0; i < argc; i++) {
        assert_int_equal(r->argv[i].len, want[i].n);
        assert_true(r->argv[i].off + r->argv[i].len <= r->pos);
        assert_memory_equal(buf + r->argv[i].off, want[i].s, want[i].n);
    }
}

/* Parses s[0..n) in one call from a fresh request. */
static enum resp_status parse_once(struct resp_request *r, char **buf_out, const char *s,
                                   size_t n, const struct resp_limits *lim)
{
    char *buf = exact_copy(s, n);
    resp_request_init(r);
    enum resp_status st = resp_parse(r, buf, n, lim);
    *buf_out = buf;
    return st;
}

static void expect_error(const char *s, size_t n, const struct resp_limits *lim,
                         const char *msg)
{
    struct resp_request r;
    char *buf;
    assert_int_equal(parse_once(&r, &buf, s, n, lim), RESP_ERROR);
    assert_non_null(r.error);
    assert_string_equal(r.error, msg);
    free(buf);
    resp_request_free(&r);
}

/* Feeds s[0..1), s[0..2), ... s[0..n) to the same request, each prefix in a fresh
 * exact-size block: every strict prefix must be RESP_INCOMPLETE. Returns the status of the
 * whole input; *buf_out holds the final block (the caller frees it). */
static enum resp_status feed_prefixes(struct resp_request *r, char **buf_out, const char *s,
                                      size_t n, const struct resp_limits *lim)
{
    resp_request_init(r);
    for (size_t k = 0; k < n; k++) {
        char *buf = exact_copy(s, k);
        enum resp_status st = resp_parse(r, buf, k, lim);
        if (st != RESP_INCOMPLETE)
            fail_msg("prefix of %zu/%zu bytes of %.*s gave %d", k, n, (int)n, s, st);
        assert_true(r->pos <= k);
        free(buf);
    }
    char *buf = exact_copy(s, n);
    enum resp_status st = resp_parse(r, buf, n, lim);
    *buf_out = buf;
    return st;
}

/* ---- the table of valid requests ---- */

static const struct ok_case ok_cases[] = {
    /* multibulk */
    {IN("*1\r\n$4\r\nPING\r\n"), 1, {A("PING")}},
    {IN("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"), 3, {A("SET"), A("key"), A("value")}},
    {IN("*2\r\n$3\r\nGET\r\n$0\r\n\r\n"), 2, {A("GET"), A("")}},
    /* binary payloads: \r\n, NUL and '$' inside a bulk are data */
    {IN("*2\r\n$4\r\necho\r\n$6\r\na\r\n\0$b\r\n"), 2, {A("echo"), A("a\r\n\0$b")}},
    /* the two bytes after a payload are skipped unchecked, as Redis does */
    {IN("*1\r\n$1\r\naXY"), 1, {A("a")}},
    /* *0 and negative counts are empty requests */
    {IN("*0\r\n"), 0, {{0}}},
    {IN("*-1\r\n"), 0, {{0}}},
    {IN("*-5\r\n"), 0, {{0}}},
    /* a long declared count of arguments, all present */
    {IN("*8\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n"
        "$2\r\n88\r\n"),
     8,
     {A("1"), A("2"), A("3"), A("4"), A("5"), A("6"), A("7"), A("88")}},
    /* inline */
    {IN("PING\r\n"), 1, {A("PING")}},
    {IN("PING\n"), 1, {A("PING")}},
    {IN("set k v\r\n"), 3, {A("set"), A("k"), A("v")}},
    {IN("  a \t b  \r\n"), 2, {A("a"), A("b")}},
    {IN("\r\n"), 0, {{0}}},
    {IN("\n"), 0, {{0}}},
    {IN("   \t \r\n"), 0, {{0}}},
    {IN("SET \"a b\" 'x'\r\n"), 3, {A("SET"), A("a b"), A("x")}},
    {IN("\"\\x41\\x4a\\x4A\"\r\n"), 1, {A("AJJ")}},
    {IN("\"\\x00z\"\n"), 1, {A("\0z")}},
    {IN("\"\\n\\r\\t\\b\\a\\\\\\\"\\q\"\n"), 1, {A("\n\r\t\b\a\\\"q")}},
    /* \x needs two hex digits; otherwise \x is just x */
    {IN("\"\\x4g\" \"\\x4\"\n"), 2, {A("x4g"), A("x4")}},
    {IN("'it\\'s' 'a\\nb' '\"'\n"), 3, {A("it's"), A("a\\nb"), A("\"")}},
    {IN("\"\" ''\n"), 2, {A(""), A("")}},
    /* a quote opening mid-token continues the same argument */
    {IN("a\"b c\"\n"), 1, {A("ab c")}},
    /* only a leading '*' selects multibulk */
    {IN(" *1\r\n"), 1, {A("*1")}},
    {IN("$3\r\n"), 1, {A("$3")}},
};

static void test_table_whole(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
        const struct ok_case *c = &ok_cases[i];
        struct resp_request r;
        char *buf;
        enum resp_status st = parse_once(&r, &buf, c->in, c->len, &lim_default);
        if (st != RESP_DONE)
            fail_msg("case %zu: status %d (%s)", i, st, r.error ? r.error : "");
        assert_int_equal(r.pos, c->len);
        assert_null(r.error);
        check_argv(&r, buf, c->argc, c->argv);
        free(buf);
        resp_request_free(&r);
    }
}

/* STYLE section 4: every request, split at every byte boundary. */
static void test_table_every_split(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
        const struct ok_case *c = &ok_cases[i];
        struct resp_request r;
        char *buf;
        enum resp_status st = feed_prefixes(&r, &buf, c->in, c->len, &lim_default);
        if (st != RESP_DONE)
            fail_msg("case %zu: status %d", i, st);
        assert_int_equal(r.pos, c->len);
        check_argv(&r, buf, c->argc, c->argv);
        free(buf);
        resp_request_free(&r);
    }
}

/* Requests back to back in one buffer are consumed one at a time: each call stops at the
 * end of its own request, and the caller moves on by r.pos. */
static void test_pipelined(void **state)
{
    (void)state;
    static const char stream[] = "PING\r\n"
                                 "*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n"
                                 "\r\n"
                                 "*0\r\n"
                                 "GET \"k 1\"\n"
                                 "*1\r\n$4\r\nQUIT\r\n"
                                 "*1\r\n$3\r\nGE";
    static const struct {
        size_t pos;
        size_t argc;
        struct arg argv[2];
    } want[] = {
        {6, 1, {A("PING")}}, {22, 2, {A("ECHO"), A("hi")}}, {2, 0, {{0}}}, {4, 0, {{0}}},
        {10, 2, {A("GET"), A("k 1")}}, {14, 1, {A("QUIT")}},
    };
    size_t n = sizeof stream - 1;
    char *buf = exact_copy(stream, n);
    struct resp_request r;
    resp_request_init(&r);
    size_t at = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(resp_parse(&r, buf + at, n - at, &lim_default), RESP_DONE);
        assert_int_equal(r.pos, want[i].pos);
        check_argv(&r, buf + at, want[i].argc, want[i].argv);
        at += r.pos;
        size_t cap = r.argv_cap;
        resp_request_reset(&r);
        /* reset keeps the argument array for the next request */
        assert_int_equal(r.argv_cap, cap);
        assert_int_equal(r.argc, 0);
        assert_int_equal(r.pos, 0);
        assert_int_equal(r.pending, -1);
        assert_int_equal(r.bulk_len, -1);
    }
    /* the last request is cut off */
    assert_int_equal(resp_parse(&r, buf + at, n - at, &lim_default), RESP_INCOMPLETE);
    assert_int_equal(at, n - 10);
    free(buf);
    resp_request_free(&r);
    assert_null(r.argv);
    assert_int_equal(r.argv_cap, 0);
}

/* The same pipelined stream arriving one byte at a time: each time a request completes,
 * the caller drops it and keeps feeding. The sequence of requests must be identical. */
static void test_pipelined_bytewise(void **state)
{
    (void)state;
    static const char stream[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na\nb\r\n"
                                 "incr  'x y'\r\n"
                                 "*-1\r\n"
                                 "\n"
                                 "*1\r\n$0\r\n\r\n"
                                 "\"\\x41\"\n";
    static const struct {
        size_t argc;
        struct arg argv[3];
    } want[] = {
        {3, {A("SET"), A("k"), A("a\nb")}}, {2, {A("incr"), A("x y")}}, {0, {{0}}},
        {0, {{0}}}, {1, {A("")}}, {1, {A("A")}},
    };
    size_t n = sizeof stream - 1;
    struct resp_request r;
    resp_request_init(&r);
    size_t at = 0, done = 0;
    for (size_t end = at + 1; end <= n; end++) {
        char *buf = exact_copy(stream + at, end - at);
        enum resp_status st = resp_parse(&r, buf, end - at, &lim_default);
        if (st == RESP_DONE) {
            assert_true(done < sizeof want / sizeof want[0]);
            assert_int_equal(r.pos, end - at);
            check_argv(&r, buf, want[done].argc, want[done].argv);
            done++;
            at = end;
            resp_request_reset(&r);
        } else {
            assert_int_equal(st, RESP_INCOMPLETE);
        }
        free(buf);
    }
    assert_int_equal(done, sizeof want / sizeof want[0]);
    assert_int_equal(at, n);
    resp_request_free(&r);
}

static void test_empty_input(void **state)
{
    (void)state;
    struct resp_request r;
    resp_request_init(&r);
    char *buf = exact_copy("", 0);
    assert_int_equal(resp_parse(&r, buf, 0, &lim_default), RESP_INCOMPLETE);
    assert_int_equal(r.pos, 0);
    assert_int_equal(r.argc, 0);
    free(buf);
    resp_request_free(&r);
}

/* ---- errors ---- */

struct err_case {
    const char *in;
    size_t len;
    long long max_bulk_len;
    bool unauthenticated;
    const char *error;
};

#define BIG (512LL * 1024 * 1024)

static const struct err_case err_cases[] = {
    {IN("*2147483648\r\n"), BIG, false, "Protocol error: invalid multibulk length"},
    {IN("*9223372036854775808\r\n"), BIG, false, "Protocol error: invalid multibulk length"},
    {IN("*-x\r\n"), BIG, false, "Protocol error: invalid multibulk length"},
    {IN("*x\r\n"), BIG, false, "Protocol error: invalid multibulk length"},
    {IN("*\r\n"), BIG, false, "Protocol error: invalid multibulk length"},
    {IN("*01\r\n"), BIG, false, "Protocol error: invalid multibulk length"},
    {IN("*+1\r\n"), BIG, false, "Protocol error: invalid multibulk length"},
    {IN("* 1\r\n"), BIG, false, "Protocol error: invalid multibulk length"},
    {IN("*1 \r\n"), BIG, false, "Protocol error: invalid multibulk length"},
    {IN("*-0\r\n"), BIG, false, "Protocol error: invalid multibulk length"},
    {IN("*1\r\n$-1\r\n"), BIG, false, "Protocol error: invalid bulk length"},
    {IN("*1\r\n$x\r\n"), BIG, false, "Protocol error: invalid bulk length"},
    {IN("*1\r\n$\r\n"), BIG, false, "Protocol error: invalid bulk length"},
    {IN("*1\r\n$01\r\n"), BIG, false, "Protocol error: invalid bulk length"},
    {IN("*1\r\n$11\r\n"), 10, false, "Protocol error: invalid bulk length"},
    {IN("*2\r\n$1\r\na\r\n$11\r\n"), 10, false, "Protocol error: invalid bulk length"},
    {IN("*1\r\n$9223372036854775808\r\n"), BIG, false, "Protocol error: invalid bulk length"},
    {IN("*1\r\nx\r\n"), BIG, false, "Protocol error: expected '$', got 'x'"},
    {IN("*1\r\n:1\r\n"), BIG, false, "Protocol error: expected '$', got ':'"},
    {IN("*2\r\n$1\r\na\r\n*1\r\n"), BIG, false, "Protocol error: expected '$', got '*'"},
    {IN("*1\r\n\r\n"), BIG, false, "Protocol error: expected '$', got '\r'"},
    {IN("\"abc\r\n"), BIG, false, "Protocol error: unbalanced quotes in request"},
    {IN("'abc\n"), BIG, false, "Protocol error: unbalanced quotes in request"},
    {IN("set \"a\"b\n"), BIG, false, "Protocol error: unbalanced quotes in request"},
    {IN("set 'a'b\n"), BIG, false, "Protocol error: unbalanced quotes in request"},
    {IN("\"a\\\"\n"), BIG, false, "Protocol error: unbalanced quotes in request"},
    {IN("*11\r\n"), BIG, true, "Protocol error: unauthenticated multibulk length"},
    {IN("*2147483647\r\n"), BIG, true, "Protocol error: unauthenticated multibulk length"},
    {IN("*1\r\n$16385\r\n"), BIG, true, "Protocol error: unauthenticated bulk length"},
    /* the configured limit is checked before the pre-AUTH one, as in Redis */
    {IN("*1\r\n$16385\r\n"), 100, true, "Protocol error: invalid bulk length"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof err_cases / sizeof err_cases[0]; i++) {
        const struct err_case *c = &err_cases[i];
        struct resp_limits lim = {.max_bulk_len = c->max_bulk_len,
                                  .unauthenticated = c->unauthenticated};
        struct resp_request r;
        char *buf;
        enum resp_status st = parse_once(&r, &buf, c->in, c->len, &lim);
        if (st != RESP_ERROR)
            fail_msg("case %zu: status %d, wanted an error", i, st);
        assert_string_equal(r.error, c->error);
        free(buf);
        resp_request_free(&r);
    }
}

/* No error is reported before the byte that proves it has arrived: every strict prefix of an
 * erroneous request is merely incomplete (in particular "expected '$'" waits for the whole
 * header line, \r\n included, as Redis does). */
static void test_errors_every_split(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof err_cases / sizeof err_cases[0]; i++) {
        const struct err_case *c = &err_cases[i];
        struct resp_limits lim = {.max_bulk_len = c->max_bulk_len,
                                  .unauthenticated = c->unauthenticated};
        struct resp_request r;
        char *buf;
        enum resp_status st = feed_prefixes(&r, &buf, c->in, c->len, &lim);
        if (st != RESP_ERROR)
            fail_msg("case %zu: status %d, wanted an error", i, st);
        assert_string_equal(r.error, c->error);
        free(buf);
        resp_request_free(&r);
    }
}

static void test_expected_dollar_waits_for_line(void **state)
{
    (void)state;
    struct resp_request r;
    resp_request_init(&r);
    const char *in = "*1\r\nx\r\n";
    for (size_t k = 0; k <= 6; k++) {
        char *buf = exact_copy(in, k);
        assert_int_equal(resp_parse(&r, buf, k, &lim_default), RESP_INCOMPLETE);
        assert_null(r.error);
        free(buf);
    }
    char *buf = exact_copy(in, 7);
    assert_int_equal(resp_parse(&r, buf, 7, &lim_default), RESP_ERROR);
    assert_string_equal(r.error, "Protocol error: expected '$', got 'x'");
    /* the quoted byte lives in error_buf */
    assert_ptr_equal(r.error, r.error_buf);
    free(buf);
    resp_request_free(&r);
}

static void test_bulk_limit_boundaries(void **state)
{
    (void)state;
    struct resp_limits lim = {.max_bulk_len = 10, .unauthenticated = false};
    static const char in[] = "*1\r\n$10\r\n0123456789\r\n";
    struct resp_request r;
    char *buf;
    assert_int_equal(parse_once(&r, &buf, IN(in), &lim), RESP_DONE);
    struct arg want[] = {A("0123456789")};
    check_argv(&r, buf, 1, want);
    free(buf);
    resp_request_free(&r);

    /* $0 is allowed even with a zero limit */
    lim.max_bulk_len = 0;
    assert_int_equal(parse_once(&r, &buf, IN("*1\r\n$0\r\n\r\n"), &lim), RESP_DONE);
    assert_int_equal(r.argc, 1);
    assert_int_equal(r.argv[0].len, 0);
    free(buf);
    resp_request_free(&r);
    expect_error(IN("*1\r\n$1\r\n"), &lim, "Protocol error: invalid bulk length");
}

static void test_unauthenticated_boundaries(void **state)
{
    (void)state;
    struct resp_limits unauth = {.max_bulk_len = BIG, .unauthenticated = true};
    struct resp_request r;
    char *buf;

    /* *10 and $16384 are still fine before AUTH */
    assert_int_equal(parse_once(&r, &buf, IN("*10\r\n"), &unauth), RESP_INCOMPLETE);
    assert_int_equal(r.pending, 10);
    free(buf);
    resp_request_free(&r);
    assert_int_equal(parse_once(&r, &buf, IN("*1\r\n$16384\r\n"), &unauth), RESP_INCOMPLETE);
    assert_int_equal(r.bulk_len, 16384);
    free(buf);
    resp_request_free(&r);

    /* after AUTH the same requests pass the header */
    assert_int_equal(parse_once(&r, &buf, IN("*11\r\n"), &lim_default), RESP_INCOMPLETE);
    assert_int_equal(r.pending, 11);
    free(buf);
    resp_request_free(&r);
    assert_int_equal(parse_once(&r, &buf, IN("*1\r\n$16385\r\n"), &lim_default),
                     RESP_INCOMPLETE);
    assert_int_equal(r.bulk_len, 16385);
    free(buf);
    resp_request_free(&r);

    /* empty requests and inline ones are not limited by count */
    assert_int_equal(parse_once(&r, &buf, IN("*-1\r\n"), &unauth), RESP_DONE);
    assert_int_equal(r.argc, 0);
    free(buf);
    resp_request_free(&r);
    assert_int_equal(parse_once(&r, &buf, IN("a b c d e f g h i j k l\n"), &unauth), RESP_DONE);
    assert_int_equal(r.argc, 12);
    free(buf);
    resp_request_free(&r);
}

/* A header claiming two billion arguments must reserve nothing for them. */
static void test_huge_count_allocates_nothing(void **state)
{
    (void)state;
    size_t before = mem_used();
    struct resp_request r;
    char *buf;
    assert_int_equal(parse_once(&r, &buf, IN("*2147483647\r\n"), &lim_default),
                     RESP_INCOMPLETE);
    assert_int_equal(r.pending, 2147483647LL);
    assert_int_equal(r.pos, 13);
    assert_true(r.argv_cap <= 8);
    assert_true(mem_used() - before < 1024);
    free(buf);

    /* arguments arriving grow the array only as far as they go */
    static const char more[] = "*2147483647\r\n$1\r\na\r\n$2\r\nbc\r\n$3\r\nd";
    buf = exact_copy(IN(more));
    assert_int_equal(resp_parse(&r, buf, sizeof more - 1, &lim_default), RESP_INCOMPLETE);
    assert_int_equal(r.argc, 2);
    assert_int_equal(r.pending, 2147483645LL);
    assert_int_equal(r.bulk_len, 3);
    assert_true(r.argv_cap >= 2 && r.argv_cap <= 8);
    assert_true(mem_used() - before < 1024);
    struct arg want[] = {A("a"), A("bc")};
    check_argv(&r, buf, 2, want);
    free(buf);
    resp_request_free(&r);

    /* a huge declared bulk length reserves nothing either */
    before = mem_used();
    assert_int_equal(parse_once(&r, &buf, IN("*1\r\n$536870912\r\n"), &lim_default),
                     RESP_INCOMPLETE);
    assert_int_equal(r.bulk_len, 536870912LL);
    assert_true(mem_used() - before < 1024);
    free(buf);
    resp_request_free(&r);
}

/* Many arguments: the array grows past its first size and keeps every offset. */
static void test_many_arguments(void **state)
{
    (void)state;
    enum { N = 1000 };
    size_t cap = 16 + N * 16;
    char *src = malloc(cap);
    assert_non_null(src);
    size_t n = (size_t)snprintf(src, cap, "*%d\r\n", N);
    for (int i = 0; i < N; i++) {
        char arg[16];
        int alen = snprintf(arg, sizeof arg, "%d", i);
        n += (size_t)snprintf(src + n, cap - n, "$%d\r\n%s\r\n", alen, arg);
    }
    struct resp_request r;
    char *buf;
    assert_int_equal(parse_once(&r, &buf, src, n, &lim_default), RESP_DONE);
    assert_int_equal(r.argc, N);
    assert_int_equal(r.pos, n);
    assert_true(r.argv_cap >= N);
    for (int i = 0; i < N; i++) {
        char arg[16];
        int alen = snprintf(arg, sizeof arg, "%d", i);
        assert_int_equal(r.argv[i].len, (size_t)alen);
        assert_memory_equal(buf + r.argv[i].off, arg, (size_t)alen);
    }
    free(buf);
    free(src);
    resp_request_free(&r);
}

/* ---- 64 KiB line limits ---- */

static char *filled(size_t prefix_len, const char *prefix, size_t n, char fill)
{
    char *p = malloc(n);
    assert_non_null(p);
    memset(p, fill, n);
    memcpy(p, prefix, prefix_len);
    return p;
}

static void test_too_big_inline(void **state)
{
    (void)state;
    struct resp_request r;
    resp_request_init(&r);
    /* 64 KiB without a line end is still just incomplete; one more byte is an error */
    char *buf = filled(0, "", RESP_MAX_INLINE, 'a');
    assert_int_equal(resp_parse(&r, buf, RESP_MAX_INLINE, &lim_default), RESP_INCOMPLETE);
    free(buf);
    buf = filled(0, "", RESP_MAX_INLINE + 1, 'a');
    assert_int_equal(resp_parse(&r, buf, RESP_MAX_INLINE + 1, &lim_default), RESP_ERROR);
    assert_string_equal(r.error, "Protocol error: too big inline request");
    free(buf);
    resp_request_free(&r);

    /* a longer line that has its end in the buffer is accepted */
    size_t n = 70000;
    buf = filled(0, "", n, 'b');
    buf[n - 2] = '\r';
    buf[n - 1] = '\n';
    resp_request_init(&r);
    assert_int_equal(resp_parse(&r, buf, n, &lim_default), RESP_DONE);
    assert_int_equal(r.argc, 1);
    assert_int_equal(r.argv[0].off, 0);
    assert_int_equal(r.argv[0].len, n - 2);
    assert_int_equal(r.pos, n);
    free(buf);
    resp_request_free(&r);
}

static void test_too_big_mbulk_count(void **state)
{
    (void)state;
    struct resp_request r;
    resp_request_init(&r);
    /* '*' plus 65535 digits: 64 KiB in all, no '\r' yet */
    char *buf = filled(1, "*", RESP_MAX_INLINE, '1');
    assert_int_equal(resp_parse(&r, buf, RESP_MAX_INLINE, &lim_default), RESP_INCOMPLETE);
    free(buf);
    buf = filled(1, "*", RESP_MAX_INLINE + 1, '1');
    assert_int_equal(resp_parse(&r, buf, RESP_MAX_INLINE + 1, &lim_default), RESP_ERROR);
    assert_string_equal(r.error, "Protocol error: too big mbulk count string");
    free(buf);
    resp_request_free(&r);
}

static void test_too_big_bulk_count(void **state)
{
    (void)state;
    struct resp_request r;
    resp_request_init(&r);
    /* the limit counts from the start of the bulk header, not of the buffer */
    size_t n = 4 + RESP_MAX_INLINE;
    char *buf = filled(5, "*1\r\n$", n, '1');
    assert_int_equal(resp_parse(&r, buf, n, &lim_default), RESP_INCOMPLETE);
    assert_int_equal(r.pos, 4);
    free(buf);
    buf = filled(5, "*1\r\n$", n + 1, '1');
    assert_int_equal(resp_parse(&r, buf, n + 1, &lim_default), RESP_ERROR);
    assert_string_equal(r.error, "Protocol error: too big bulk count string");
    free(buf);
    resp_request_free(&r);

    /* a header that does not start with '$' but never ends is "too big", not "expected" */
    resp_request_init(&r);
    buf = filled(5, "*1\r\nx", n + 1, '1');
    assert_int_equal(resp_parse(&r, buf, n + 1, &lim_default), RESP_ERROR);
    assert_string_equal(r.error, "Protocol error: too big bulk count string");
    free(buf);
    resp_request_free(&r);

    /* and past the second argument the limit is measured from its own header */
    static const char head[] = "*2\r\n$1\r\na\r\n$";
    n = sizeof head - 2 + RESP_MAX_INLINE;
    buf = filled(sizeof head - 1, head, n, '7');
    resp_request_init(&r);
    assert_int_equal(resp_parse(&r, buf, n, &lim_default), RESP_INCOMPLETE);
    assert_int_equal(r.argc, 1);
    free(buf);
    buf = filled(sizeof head - 1, head, n + 1, '7');
    assert_int_equal(resp_parse(&r, buf, n + 1, &lim_default), RESP_ERROR);
    assert_string_equal(r.error, "Protocol error: too big bulk count string");
    free(buf);
    resp_request_free(&r);
}

/* Inline arguments are unescaped in place and point into the caller's buffer. */
static void test_inline_in_place(void **state)
{
    (void)state;
    static const char in[] = "x \"\\x41\\x42c\" y\r\n";
    struct resp_request r;
    char *buf;
    assert_int_equal(parse_once(&r, &buf, IN(in), &lim_default), RESP_DONE);
    assert_int_equal(r.argc, 3);
    assert_int_equal(r.argv[0].off, 0);
    assert_int_equal(r.argv[1].off, 2);
    assert_int_equal(r.argv[1].len, 3);
    assert_memory_equal(buf + 2, "ABc", 3);
    assert_int_equal(r.argv[2].off, 14);
    free(buf);
    resp_request_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_whole),
        cmocka_unit_test(test_table_every_split),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_pipelined_bytewise),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_errors_every_split),
        cmocka_unit_test(test_expected_dollar_waits_for_line),
        cmocka_unit_test(test_bulk_limit_boundaries),
        cmocka_unit_test(test_unauthenticated_boundaries),
        cmocka_unit_test(test_huge_count_allocates_nothing),
        cmocka_unit_test(test_many_arguments),
        cmocka_unit_test(test_too_big_inline),
        cmocka_unit_test(test_too_big_mbulk_count),
        cmocka_unit_test(test_too_big_bulk_count),
        cmocka_unit_test(test_inline_in_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
