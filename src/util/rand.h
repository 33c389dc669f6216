/* rand: random picks for commands and sampling (SRANDMEMBER, HRANDFIELD, eviction...) from
 * the libc generator that start-up seeds, and unpredictable bytes from /dev/urandom for that
 * seed and for IDs. Not for secrets. */
#ifndef FERRITE_RAND_H
#define FERRITE_RAND_H

#include <stddef.h>
#include <stdint.h>

/* A uniform integer in [0, n), n > 0, for any 64-bit n: random() gives 31 bits a call. */
uint64_t rand_below(uint64_t n);
/* Fills buf from /dev/urandom, or (without it) from the clock and pid: different on every
 * call and every start, unlike random() before it is seeded. For seeds and IDs. */
void rand_bytes(unsigned char *buf, size_t len);
/* `len` random lowercase hex digits and a NUL into out (len + 1 bytes): the run ID, the
 * replication IDs, the diskless transfer's end mark. */
void rand_hex(char *out, size_t len);

#endif
