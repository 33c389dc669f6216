/* rand: random picks for commands and sampling (SRANDMEMBER, HRANDFIELD, eviction...), from
 * the libc generator that server start-up seeds. Not for secrets. */
#ifndef FERRITE_RAND_H
#define FERRITE_RAND_H

#include <stdint.h>

/* A uniform integer in [0, n), n > 0, for any 64-bit n: random() gives 31 bits a call. */
uint64_t rand_below(uint64_t n);

#endif
