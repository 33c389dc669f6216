/* siphash: keyed hash for every table whose keys come from clients, so nobody can craft
 * colliding keys without knowing the seed (hash flooding). SipHash-1-2, as Redis uses:
 * enough mixing for table hashing at a fraction of SipHash-2-4's cost. */
#ifndef FERRITE_SIPHASH_H
#define FERRITE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t siphash(const void *data, size_t len, const uint8_t key[16]);

#endif
