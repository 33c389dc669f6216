/* Unit tests for ferrite-cli's pure parts: the reply reader (src/cli/cli_reply), the
 * formatter (src/cli/cli_format) and the line splitter it shares with the server
 * (resp_split_line). Expected texts are what redis-cli 7.0 prints for the same replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "cli/cli_format.h"
#include "cli/cli_reply.h"
#include "proto/resp.h"
#include "util/mem.h"

/* Parses one whole reply from wire bytes, fed one byte at a time so every split point is
 * resumed from; the reply must end exactly at the last byte. */
static struct cli_reply *parse(const char *wire, size_t len)
{
    struct cli_reader r;
    cli_reader_init(&r);
    struct cli_reply *reply = NULL;
    for (size_t i = 0; i < len; i++) {
        cli_reader_feed(&r, wire + i, 1);
        enum cli_reader_status st = cli_reader_next(&r, &reply);
        assert_int_equal(st, i + 1 == len ? CLI_READER_DONE : CLI_READER_INCOMPLETE);
    }
    assert_int_equal(cli_reader_pending(&r), 0);
    cli_reader_free(&r);
    return reply;
}

/* The text of one reply in a mode, as cli_format_reply prints it. */
static void expect(const char *wire, enum cli_output mode, const char *text)
{
    struct cli_reply *reply = parse(wire, strlen(wire));
    struct sbuf out = SBUF_INIT;
    cli_format_reply(&out, reply, mode, false, "\n", "\n");
    assert_string_equal(out.data ? out.data : "", text);
    sbuf_free(&out);
    cli_reply_free(reply);
}

static void test_scalars(void **state)
{
    (void)state;
    expect(":42\r\n", CLI_OUTPUT_STANDARD, "(integer) 42\n");
    expect(":-7\r\n", CLI_OUTPUT_RAW, "-7\n");
    expect("$-1\r\n", CLI_OUTPUT_STANDARD, "(nil)\n");
    expect("$-1\r\n", CLI_OUTPUT_RAW, "\n");
    expect("_\r\n", CLI_OUTPUT_CSV, "NULL\n");
    expect("+OK\r\n", CLI_OUTPUT_STANDARD, "OK\n");
    expect("-ERR no\r\n", CLI_OUTPUT_STANDARD, "(error) ERR no\n");
    expect("-ERR no\r\n", CLI_OUTPUT_RAW, "ERR no\n\n");
    expect("$9\r\na\"b\\c\nd\x01\xff\r\n", CLI_OUTPUT_STANDARD, "\"a\\\"b\\\\c\\nd\\x01\\xff\"\n");
    expect(",1.5\r\n", CLI_OUTPUT_STANDARD, "(double) 1.5\n");
    expect("#f\r\n", CLI_OUTPUT_STANDARD, "(false)\n");
    expect("=9\r\ntxt:a\nb c\r\n", CLI_OUTPUT_STANDARD, "a\nb c\n");
    expect("(12345678901234567890\r\n", CLI_OUTPUT_STANDARD, "(big number) 12345678901234567890\n");
}

static void test_aggregates(void **state)
{
    (void)state;
    expect("*0\r\n", CLI_OUTPUT_STANDARD, "(empty array)\n");
    expect("%0\r\n", CLI_OUTPUT_STANDARD, "(empty hash)\n");
    expect("~0\r\n", CLI_OUTPUT_STANDARD, "(empty set)\n");
    expect("*2\r\n$1\r\na\r\n$-1\r\n", CLI_OUTPUT_STANDARD, "1) \"a\"\n2) (nil)\n");
    /* Nested items line up under the parent's first item. */
    expect("*2\r\n*2\r\n:1\r\n:2\r\n+x\r\n", CLI_OUTPUT_STANDARD,
           "1) 1) (integer) 1\n   2) (integer) 2\n2) x\n");
    /* Ten items: indices are right-aligned to two columns. */
    expect("*10\r\n:0\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n:6\r\n:7\r\n:8\r\n*1\r\n:9\r\n",
           CLI_OUTPUT_STANDARD,
           " 1) (integer) 0\n 2) (integer) 1\n 3) (integer) 2\n 4) (integer) 3\n"
           " 5) (integer) 4\n 6) (integer) 5\n 7) (integer) 6\n 8) (integer) 7\n"
           " 9) (integer) 8\n10) 1) (integer) 9\n");
    /* Map values of one line stay on the key's line; longer ones start below it. */
    expect("%2\r\n+a\r\n~1\r\n+x\r\n+b\r\n*2\r\n:1\r\n:2\r\n", CLI_OUTPUT_STANDARD,
           "1# a => 1~ x\n2# b => \n   1) (integer) 1\n   2) (integer) 2\n");
    expect("%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n", CLI_OUTPUT_RAW, "a 1\nb 2\n");
    expect("*3\r\n+a\r\n*1\r\n:1\r\n#t\r\n", CLI_OUTPUT_CSV, "\"a\",1,true\n");
}

static void test_raw_delimiter(void **state)
{
    (void)state;
    struct cli_reply *reply = parse("*3\r\n+a\r\n+b\r\n+c\r\n", 16);
    struct sbuf out = SBUF_INIT;
    cli_format_reply(&out, reply, CLI_OUTPUT_RAW, false, ",", "|");
    assert_string_equal(out.data, "a,b,c|");
    sbuf_free(&out);
    cli_reply_free(reply);
}

static void test_reader_errors_and_pipelining(void **state)
{
    (void)state;
    struct cli_reader r;
    cli_reader_init(&r);
    struct cli_reply *reply = NULL;
    /* Two replies in one read come out one at a time. */
    cli_reader_feed(&r, "+a\r\n:1\r\n", 8);
    assert_int_equal(cli_reader_next(&r, &reply), CLI_READER_DONE);
    assert_string_equal(reply->str, "a");
    cli_reply_free(reply);
    assert_int_equal(cli_reader_next(&r, &reply), CLI_READER_DONE);
    assert_int_equal(reply->integer, 1);
    cli_reply_free(reply);
    assert_int_equal(cli_reader_next(&r, &reply), CLI_READER_INCOMPLETE);
    /* A half-read aggregate is freed with the reader (no leak under ASan/valgrind). */
    cli_reader_feed(&r, "*3\r\n*2\r\n:1\r\n", 12);
    assert_int_equal(cli_reader_next(&r, &reply), CLI_READER_INCOMPLETE);
    assert_true(cli_reader_pending(&r) > 0);
    cli_reader_free(&r);
    cli_reader_init(&r);
    cli_reader_feed(&r, "|1\r\n", 4);
    assert_int_equal(cli_reader_next(&r, &reply), CLI_READER_ERROR);
    assert_string_equal(r.error, "Protocol error, got \"|\" as reply type byte");
    cli_reader_free(&r);
    /* The byte is quoted as hiredis quotes it: escapes, not a bare quote or newline. */
    cli_reader_init(&r);
    cli_reader_feed(&r, "\"1\r\n", 4);
    assert_int_equal(cli_reader_next(&r, &reply), CLI_READER_ERROR);
    assert_string_equal(r.error, "Protocol error, got \"\\\"\" as reply type byte");
    cli_reader_free(&r);
    /* A huge declared count reserves nothing up front. */
    cli_reader_init(&r);
    cli_reader_feed(&r, "*2000000000\r\n:1\r\n", 17);
    assert_int_equal(cli_reader_next(&r, &reply), CLI_READER_INCOMPLETE);
    assert_true(mem_usable(r.root->elements) < 1024);
    cli_reader_free(&r);
}

/* Splits a typed line; returns argc and fills args with NUL-terminated copies. */
static int split(const char *text, char args[][32])
{
    char line[128];
    strcpy(line, text);
    struct resp_request req;
    resp_request_init(&req);
    int argc = -1;
    if (resp_split_line(&req, line, strlen(line)) == RESP_DONE) {
        argc = (int)req.argc;
        for (int i = 0; i < argc; i++) {
            memcpy(args[i], line + req.argv[i].off, req.argv[i].len);
            args[i][req.argv[i].len] = '\0';
        }
    }
    resp_request_free(&req);
    return argc;
}

static void test_split_like_redis_cli(void **state)
{
    (void)state;
    char a[8][32];
    assert_int_equal(split("set  k   v", a), 3);
    assert_string_equal(a[2], "v");
    assert_int_equal(split("set \"a b\" 'c d'", a), 3);
    assert_string_equal(a[1], "a b");
    assert_string_equal(a[2], "c d");
    assert_int_equal(split("echo \"\\x41\\n\" 'it\\'s'", a), 3);
    assert_string_equal(a[1], "A\n");
    assert_string_equal(a[2], "it's");
    assert_int_equal(split("echo \"\"", a), 2);
    assert_string_equal(a[1], "");
    assert_int_equal(split("   ", a), 0);
    assert_int_equal(split("set \"a", a), -1);
    assert_int_equal(split("set 'a", a), -1);
    assert_int_equal(split("set \"a\"b", a), -1); /* a closing quote needs a blank after it */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_aggregates),
        cmocka_unit_test(test_raw_delimiter),
        cmocka_unit_test(test_reader_errors_and_pipelining),
        cmocka_unit_test(test_split_like_redis_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
