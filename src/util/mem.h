/* mem: the one allocator every module uses.
 *
 * Allocation failure aborts the process (as Redis's zmalloc does): a server that keeps
 * running after malloc returned NULL would corrupt data instead. Every byte handed out is
 * counted by its usable size, which is what INFO memory reports as used_memory. */
#ifndef FERRITE_MEM_H
#define FERRITE_MEM_H

#include <stddef.h>

#define MEM_MUST_USE __attribute__((warn_unused_result))

/* Returns a new block of at least n bytes; the caller owns it. */
void *mem_alloc(size_t n) MEM_MUST_USE;
/* Like mem_alloc, zero-filled. */
void *mem_calloc(size_t n) MEM_MUST_USE;
/* Resizes p (which may be NULL); the old pointer is dead afterwards. */
void *mem_realloc(void *p, size_t n) MEM_MUST_USE;
/* Frees p (NULL is fine). */
void mem_free(void *p);
/* Copies len bytes into a new NUL-terminated string the caller owns. */
char *mem_strndup(const char *s, size_t len) MEM_MUST_USE;
char *mem_strdup(const char *s) MEM_MUST_USE;

/* Bytes the allocator really reserved for p (>= what was asked). */
size_t mem_usable(const void *p);
/* Bytes currently allocated through this module. */
size_t mem_used(void);
/* Resident set size of the process in bytes, 0 if unknown. */
size_t mem_rss(void);
/* Name of the allocator for INFO mem_allocator. */
const char *mem_allocator_name(void);

#endif
