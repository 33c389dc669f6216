/* glob: Redis's glob-style matching for KEYS, SCAN MATCH, CONFIG GET and pub/sub patterns.
 * Supports * ? [abc] [^a] [a-z] and \x escapes. Runs in O(pattern * string) at worst:
 * a hostile pattern like "a*a*a*...b" cannot make it exponential. As in Redis 7.0, the
 * empty string matches only the empty pattern. */
#ifndef FERRITE_GLOB_H
#define FERRITE_GLOB_H

#include <stdbool.h>
#include <stddef.h>

bool glob_match(const char *pat, size_t plen, const char *str, size_t slen, bool nocase);

#endif
