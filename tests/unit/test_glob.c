/* Unit tests for src/util/glob: Redis's glob-style matcher (KEYS, SCAN MATCH, CONFIG GET,
 * PSUBSCRIBE). Patterns and strings are passed with explicit lengths and copied to the end of
 * exact-size heap blocks, so an over-read of either shows up under ASan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/glob.h"

static char *exact_copy(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);
    assert_non_null(p);
    if (n)
        memcpy(p, s, n);
    return p;
}

static bool match_n(const char *pat, size_t plen, const char *str, size_t slen, bool nocase)
{
    char *p = exact_copy(pat, plen), *s = exact_copy(str, slen);
    bool r = glob_match(p, plen, s, slen, nocase);
    free(p);
    free(s);
    return r;
}

static bool match(const char *pat, const char *str)
{
    return match_n(pat, strlen(pat), str, strlen(str), false);
}

static bool imatch(const char *pat, const char *str)
{
    return match_n(pat, strlen(pat), str, strlen(str), true);
}

struct glob_case {
    const char *pat;
    const char *str;
    bool cs;     /* expected result, case-sensitive */
    bool nocase; /* expected result, nocase */
};

static const struct glob_case cases[] = {
    /* literals */
    {"hello", "hello", true, true},
    {"hello", "hell", false, false},
    {"hell", "hello", false, false},
    {"hello", "HeLLo", false, true},
    {"hello", "hellp", false, false},
    /* * */
    {"*", "anything", true, true},
    {"*", "x", true, true},
    {"h*o", "hello", true, true},
    {"h*o", "ho", true, true},
    {"h*o", "hellox", false, false},
    {"*o", "hello", true, true},
    {"h*", "hello", true, true},
    {"*ll*", "hello", true, true},
    {"*x*", "hello", false, false},
    {"**", "ab", true, true},
    {"a**b", "ab", true, true},
    {"a**b", "axxb", true, true},
    {"*a*b*c*", "xaybzc", true, true},
    {"*a*b*c*", "xaycb", false, false},
    {"user:*:name", "user:42:name", true, true},
    {"user:*:name", "user:42:nam", false, false},
    {"*:*", "a:b:c", true, true},
    {"a*b*", "aXXbYY", true, true},
    {"*aab", "aaab", true, true},
    {"*ab", "abab", true, true},
    {"*abc", "ababc", true, true},
    {"a*", "A", false, true},
    /* ? */
    {"?", "a", true, true},
    {"?", "", false, false},
    {"?", "ab", false, false},
    {"h?llo", "hello", true, true},
    {"h?llo", "hllo", false, false},
    {"???", "abc", true, true},
    {"*?", "a", true, true},
    {"?*", "", false, false},
    /* [abc] */
    {"h[ae]llo", "hello", true, true},
    {"h[ae]llo", "hallo", true, true},
    {"h[ae]llo", "hillo", false, false},
    {"h[ae]llo", "hEllo", false, true},
    {"[abc]", "", false, false},
    {"[]", "a", false, false},
    /* [^a] */
    {"h[^e]llo", "hallo", true, true},
    {"h[^e]llo", "hello", false, false},
    {"h[^e]llo", "hEllo", true, false},
    {"[^abc]", "d", true, true},
    {"[^abc]", "b", false, false},
    /* [a-z] and reversed [z-a] */
    {"[a-c]", "b", true, true},
    {"[a-c]", "d", false, false},
    {"[a-c]", "B", false, true},
    {"[c-a]", "b", true, true},
    {"[c-a]", "a", true, true},
    {"[c-a]", "c", true, true},
    {"[c-a]", "d", false, false},
    {"[0-9][0-9]", "42", true, true},
    {"[0-9][0-9]", "4x", false, false},
    {"[^0-9]", "5", false, false},
    {"[^0-9]", "x", true, true},
    {"[a-cx-z]", "y", true, true},
    {"[a-cx-z]", "m", false, false},
    /* a '-' that cannot form a range is literal */
    {"[a-]", "-", false, false}, /* "a-]" is the range a..']', and the class is unterminated */
    {"[-a]", "-", true, true},
    {"[a-]x]", "b", false, false},
    {"[a-]x]", "]", true, true},
    /* escapes */
    {"\\*", "*", true, true},
    {"\\*", "a", false, false},
    {"\\?", "?", true, true},
    {"\\?", "x", false, false},
    {"\\[a]", "[a]", true, true},
    {"\\[a]", "a", false, false},
    {"a\\\\b", "a\\b", true, true},
    {"\\a", "a", true, true},
    {"\\a", "A", false, true},
    {"*\\*", "abc*", true, true},
    {"*\\*", "abc", false, false},
    {"[\\]]", "]", true, true},
    {"[\\^a]", "^", true, true},
    {"[\\-]", "-", true, true},
    {"[a\\-z]", "m", false, false},
    {"[a\\-z]", "-", true, true},
    /* a lone trailing backslash matches a backslash */
    {"a\\", "a\\", true, true},
    {"a\\", "a", false, false},
    /* ']' outside a class is an ordinary byte */
    {"a]", "a]", true, true},
    /* unterminated classes run to the end of the pattern */
    {"[abc", "a", true, true},
    {"[abc", "c", true, true},
    {"[abc", "d", false, false},
    {"[abc", "ab", false, false},
    {"x[", "x", false, false},
    {"x[", "xa", false, false},
    {"[^", "a", true, true},
    {"[^", "", false, false},
    {"[a-", "-", true, true},
    {"[a-", "b", false, false},
    /* empty pattern and empty string */
    {"", "", true, true},
    {"", "a", false, false},
    {"a", "", false, false},
    {"[a]", "", false, false},
    /* As Redis 7.0: an empty string matches only the empty pattern, even "*" (so KEYS **
     * and PSUBSCRIBE * never see the key or channel ""), while a trailing star still
     * matches nothing once some bytes matched. */
    {"*", "", false, false},
    {"**", "", false, false},
    {"a*", "a", true, true},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct glob_case *c = &cases[i];
        if (match(c->pat, c->str) != c->cs)
            fail_msg("\"%s\" vs \"%s\": wanted %d", c->pat, c->str, c->cs);
        if (imatch(c->pat, c->str) != c->nocase)
            fail_msg("\"%s\" vs \"%s\" nocase: wanted %d", c->pat, c->str, c->nocase);
    }
}

/* Lengths are honoured: NUL is an ordinary byte, and nothing past plen/slen is read. */
static void test_binary(void **state)
{
    (void)state;
    assert_true(match_n("a\0b", 3, "a\0b", 3, false));
    assert_false(match_n("a\0b", 3, "a\0c", 3, false));
    assert_true(match_n("a?b", 3, "a\0b", 3, false));
    assert_true(match_n("*\0", 2, "xyz\0", 4, false));
    assert_false(match_n("*\0", 2, "xyz", 3, false));
    assert_true(match_n("[\0]", 3, "\0", 1, false));
    /* the pattern's length cuts it short */
    assert_true(match_n("abc", 2, "ab", 2, false));
    assert_false(match_n("abc", 2, "abc", 3, false));
    /* so does the string's */
    assert_true(match_n("ab", 2, "abc", 2, false));
    /* high bytes compare as bytes; a class range over them works too */
    assert_true(match_n("\xe9t\xe9", 3, "\xe9t\xe9", 3, true));
    assert_true(match_n("[\x80-\xff]", 5, "\xc3", 1, false));
    assert_false(match_n("[\x80-\xff]", 5, "a", 1, false));
}

static void test_nocase_classes(void **state)
{
    (void)state;
    assert_true(imatch("[A-C]", "b"));
    assert_true(imatch("[a-c]", "B"));
    assert_false(match("[A-C]", "b"));
    assert_true(imatch("[^A]", "b"));
    assert_false(imatch("[^A]", "a"));
    assert_true(match("[^A]", "a"));
    assert_false(match("[\\A]", "a"));
    assert_true(match("[\\A]", "A"));
    assert_true(imatch("KEY:*", "key:1"));
}

/* Backtracking: only the latest star is retried, yet every match is still found. */
static void test_backtracking(void **state)
{
    (void)state;
    assert_true(match("*a*b", "aaaaab"));
    assert_true(match("a*b*c", "abbbbc"));
    assert_true(match("a*bc", "abcbc"));
    assert_true(match("a*?c", "abc"));
    assert_false(match("a*?c", "ac"));
    assert_true(match("*[0-9]", "abc7"));
    assert_false(match("*[0-9]", "abc7x"));
    assert_true(match("*\\?x", "a?b?x"));
    assert_true(match("*a?", "bab"));
    assert_true(match("*[ab]c", "bbc"));
    assert_true(match("*[^a]b", "aaxb"));
    assert_false(match("*[^a]b", "aaab"));
}

/* "a*a*...*b" against many 'a's is exponential for a naive recursive matcher. With a fixed
 * number of repetitions this finishes in a blink when matching is polynomial, and would not
 * finish at all if it were exponential. */
static void test_pathological(void **state)
{
    (void)state;
    enum { N = 10000 };
    char *s = malloc(N);
    assert_non_null(s);
    memset(s, 'a', N);
    static const char *const pats[] = {
        "a*a*a*a*a*a*a*a*a*a*b",
        "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
        "a*a*a*a*a*a*a*a*a*a*[b]",
        "?*?*?*?*?*?*?*?*?*?*b",
        "a*a*a*a*a*a*a*a*a*a*\\b",
    };
    for (int rep = 0; rep < 20; rep++) {
        for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
            assert_false(glob_match(pats[i], strlen(pats[i]), s, N, false));
            assert_false(glob_match(pats[i], strlen(pats[i]), s, N, true));
        }
        /* and the matching variants succeed */
        assert_true(glob_match("a*a*a*a*a*a*a*a*a*a*a", 21, s, N, false));
        assert_true(glob_match("*a*a*a*a*a*a*a*a*a*a", 20, s, N, true));
    }
    s[N - 1] = 'b';
    assert_true(glob_match(pats[0], strlen(pats[0]), s, N, false));
    assert_true(glob_match(pats[1], strlen(pats[1]), s, N, false));
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_nocase_classes),
        cmocka_unit_test(test_backtracking),
        cmocka_unit_test(test_pathological),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
