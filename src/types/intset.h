/* intset: a sorted array of distinct integers in one allocation, in exactly Redis's intset
 * byte format, so small integer sets cost 2, 4 or 8 bytes per member and go into and out of
 * RDB files unchanged.
 *
 * Layout: encoding (u32 LE: 2, 4 or 8, the width of every value) | length (u32 LE) |
 * length values, little-endian, signed, sorted ascending, no duplicates.
 *
 * All values share the narrowest width that holds the widest of them: adding a value that
 * does not fit widens every value ("upgrade"); removals never narrow it again (Redis does
 * not either, and RDB files rely on the same bytes). Lookup is a binary search; insertion
 * and removal move the tail, O(n), which is why sets convert past set-max-intset-entries.
 *
 * Every function that changes the set may move it and returns the new block; the old
 * pointer is dead afterwards. */
#ifndef FERRITE_INTSET_H
#define FERRITE_INTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INTSET_MUST_USE __attribute__((warn_unused_result))

/* Bytes before the first value. */
#define INTSET_HEADER_SIZE 8

/* Opaque: the bytes are the format above; read them only through these functions. */
struct intset;

/* A new empty set (16-bit encoding); the caller owns it. */
struct intset *intset_new(void) INTSET_MUST_USE;
void intset_free(struct intset *is);
/* A copy the caller owns. */
struct intset *intset_dup(const struct intset *is) INTSET_MUST_USE;

/* Adds v; *added (if not NULL) tells whether it was absent. */
struct intset *intset_add(struct intset *is, int64_t v, bool *added) INTSET_MUST_USE;
/* Removes v; *removed (if not NULL) tells whether it was present. */
struct intset *intset_remove(struct intset *is, int64_t v, bool *removed) INTSET_MUST_USE;
bool intset_find(const struct intset *is, int64_t v);

uint32_t intset_len(const struct intset *is);
/* The value at position pos (0 = smallest); pos must be < intset_len. */
int64_t intset_get(const struct intset *is, uint32_t pos);
/* Width of every value in bytes: 2, 4 or 8. */
uint32_t intset_encoding(const struct intset *is);
/* Size of the serialized form: header plus values. */
size_t intset_bytes(const struct intset *is);

/* Checks that size bytes form a valid intset (for data read from files): known encoding,
 * length consistent with size, and (when deep) values strictly ascending. */
bool intset_validate(const unsigned char *p, size_t size, bool deep);

#endif
