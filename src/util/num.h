/* num: number <-> text conversions with Redis's exact acceptance rules.
 * Clients depend on which strings count as integers ("01" and "+1" do not), so every
 * command parses through here. Parsers return 0 on success and -1 on rejection. */
#ifndef FERRITE_NUM_H
#define FERRITE_NUM_H

#include <stddef.h>
#include <stdint.h>

/* Longest text num_ll_to_str writes, with its NUL. */
#define NUM_LL_STR_MAX 21
/* Longest text num_ld_to_str and num_double_to_str write, with its NUL. */
#define NUM_LD_STR_MAX 5120

/* Strict base-10 integer: optional '-', no '+', no spaces, no leading zeros. */
int num_parse_ll(const char *s, size_t len, long long *out);
/* Like num_parse_ll but for unsigned 64-bit values (SCAN cursors). */
int num_parse_ull(const char *s, size_t len, unsigned long long *out);
/* Writes v in base 10 into buf (NUM_LL_STR_MAX bytes); returns its length. */
size_t num_ll_to_str(char *buf, long long v);

/* Long double as INCRBYFLOAT accepts it: no leading space, no NaN, no trailing bytes. */
int num_parse_ld(const char *s, size_t len, long double *out);
/* Human form used by INCRBYFLOAT: up to 17 decimals, trailing zeros trimmed. */
size_t num_ld_to_str(char *buf, size_t size, long double v);

/* Double as Redis accepts it for scores and timeouts ("inf", "-inf" allowed; NaN not). */
int num_parse_double(const char *s, size_t len, double *out);
/* Shortest exact-enough form Redis 7.0 replies with (%.17g, "inf", "-inf"). */
size_t num_double_to_str(char *buf, size_t size, double v);

#endif
