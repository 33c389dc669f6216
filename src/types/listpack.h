/* listpack: a compact, serialized sequence of strings and integers in one allocation, in
 * exactly Redis's listpack byte format, so small hashes, sorted sets, sets and the nodes of
 * lists are stored with a few bytes of overhead per element and go into and out of RDB
 * files unchanged.
 *
 * Layout: total-bytes (u32 LE) | element-count (u16 LE, 65535 = count by scanning) |
 * entries... | 0xFF. Each entry is an encoding byte (7-bit uint, 6/12/32-bit string length,
 * 13/16/24/32/64-bit signed int) with its data, then its own length stored backwards (1-5
 * bytes) so the list can be walked in both directions. Strings that are canonical integers
 * are stored as integers.
 *
 * Positions are pointers into the listpack; every function that changes it may move it,
 * returns the new block and (where it says so) the new position of the element concerned.
 * Old pointers into the listpack are dead after any change. */
#ifndef FERRITE_LISTPACK_H
#define FERRITE_LISTPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LP_MUST_USE __attribute__((warn_unused_result))

/* Scratch space lp_get needs to render an integer element as text. */
#define LP_INTBUF_SIZE 21

enum lp_where { LP_BEFORE = 0, LP_AFTER = 1, LP_REPLACE = 2 };

/* An element's value: either a string (sval != NULL) or an integer (sval == NULL). */
struct lp_value {
    const unsigned char *sval;
    size_t slen;
    long long lval;
};

unsigned char *lp_new(size_t capacity) LP_MUST_USE;
void lp_free(unsigned char *lp);
/* Total size in bytes, header and terminator included. */
size_t lp_bytes(const unsigned char *lp);
/* Number of elements (scans when the header's counter is saturated). */
unsigned long lp_length(const unsigned char *lp);

/* Navigation: NULL past either end. */
unsigned char *lp_first(const unsigned char *lp);
unsigned char *lp_last(const unsigned char *lp);
unsigned char *lp_next(const unsigned char *lp, const unsigned char *p);
unsigned char *lp_prev(const unsigned char *lp, const unsigned char *p);
/* Element at index (negative from the end), or NULL when out of range. */
unsigned char *lp_seek(const unsigned char *lp, long index);

/* Decodes the element at p. */
void lp_get_value(const unsigned char *p, struct lp_value *v);
/* The element as bytes: for integers the text is written into buf (LP_INTBUF_SIZE bytes,
 * never NULL). */
const unsigned char *lp_get(const unsigned char *p, size_t *len, unsigned char *buf);
/* True if the element at p equals s[0..len). */
bool lp_eq(const unsigned char *p, const unsigned char *s, size_t len);

/* Inserts s before or after p, or replaces p; a NULL p (or the terminator) appends.
 * *newp (if not NULL) gets the position of the inserted element. Growing past 4 GiB aborts:
 * callers keep listpacks small (the *-max-listpack-* thresholds). */
unsigned char *lp_insert(unsigned char *lp, const unsigned char *s, size_t len, unsigned char *p,
                         enum lp_where where, unsigned char **newp) LP_MUST_USE;
/* Same, with an integer value. */
unsigned char *lp_insert_int(unsigned char *lp, long long v, unsigned char *p,
                             enum lp_where where, unsigned char **newp) LP_MUST_USE;
unsigned char *lp_append(unsigned char *lp, const unsigned char *s, size_t len) LP_MUST_USE;
unsigned char *lp_prepend(unsigned char *lp, const unsigned char *s, size_t len) LP_MUST_USE;
unsigned char *lp_append_int(unsigned char *lp, long long v) LP_MUST_USE;
/* Deletes the element at p; *newp gets the element that followed it (NULL at the end). */
unsigned char *lp_delete(unsigned char *lp, unsigned char *p, unsigned char **newp) LP_MUST_USE;
/* Deletes count elements starting at index (negative from the end). */
unsigned char *lp_delete_range(unsigned char *lp, long index, unsigned long count) LP_MUST_USE;

/* From p on, returns the first element equal to s, looking only at every (skip+1)th
 * element (skip 1 visits the keys of key/value pairs); NULL if none. */
unsigned char *lp_find(const unsigned char *lp, unsigned char *p, const unsigned char *s,
                       size_t len, unsigned skip);

/* Checks that size bytes form a well-formed listpack (for data read from files or the
 * network): every entry inside the bounds, lengths consistent, terminator in place. When
 * deep is false only the header and terminator are checked. */
bool lp_validate(const unsigned char *lp, size_t size, bool deep);

#endif
