/* quicklist: the list encoding. A doubly linked list of nodes, each holding a listpack of
 * elements (Redis's quicklist): pushes and pops at either end touch one small node, an index
 * walks nodes (not elements) from the nearer end, and small elements cost a few bytes each.
 *
 * Node size comes from `fill` (list-max-listpack-size): a positive fill caps the elements
 * per node (and, as in Redis, a node never grows past 8 KB that way); -1..-5 cap a node's
 * listpack at 4, 8, 16, 32 or 64 KB. `compress` (list-compress-depth) keeps that many nodes
 * at each end plain and stores every node further inside LZF-compressed (Redis's format, so
 * RDB can store them as they are); a compressed node is expanded while an operation uses
 * it and compressed again afterwards.
 *
 * Elements are addressed by index (0 = head, -1 = tail) or through an iterator. Values read
 * through an entry are borrowed: they stay valid until the list changes or the iterator
 * moves on. */
#ifndef FERRITE_QUICKLIST_H
#define FERRITE_QUICKLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "listpack.h"

#define QL_MUST_USE __attribute__((warn_unused_result))

/* Largest positive fill (Redis clamps list-max-listpack-size to the same). */
#define QL_FILL_MAX 32767
/* Largest compress depth. */
#define QL_COMPRESS_MAX 65535

enum ql_where { QL_HEAD = 0, QL_TAIL = 1 };

/* One node: 32 bytes. */
struct ql_node {
    struct ql_node *prev;
    struct ql_node *next;
    unsigned char *lp;        /* the listpack, or a struct ql_lzf when compressed */
    uint32_t sz;              /* bytes of the listpack (uncompressed) */
    uint16_t count;           /* elements in the listpack */
    uint8_t compressed : 1;   /* lp holds LZF data */
    uint8_t recompress : 1;   /* expanded temporarily; compress again when done */
    uint8_t nocompress : 1;   /* LZF did not pay off for this node's current contents */
};

struct quicklist {
    struct ql_node *head;
    struct ql_node *tail;
    unsigned long count;      /* elements in all nodes */
    uint32_t len;             /* nodes */
    int16_t fill;             /* list-max-listpack-size when the list was created */
    uint16_t compress;        /* list-compress-depth when the list was created (0 = off) */
};

/* A position: the node and the element's index inside it, plus the element itself. */
struct ql_entry {
    struct ql_node *node;
    unsigned char *p;         /* the element inside node->lp */
    long offset;              /* index of the element within its node */
    struct lp_value v;        /* borrowed value: sval/slen, or lval when sval is NULL */
};

struct ql_iter {
    struct quicklist *ql;
    struct ql_node *node;     /* node being walked (expanded while the iterator is on it) */
    unsigned char *p;         /* next element to return, NULL: start of node / end */
    long offset;              /* offset of p within node */
    enum ql_where dir;        /* QL_TAIL walks head -> tail, QL_HEAD tail -> head */
};

/* A new empty list; fill and compress are clamped to their ranges. */
struct quicklist *ql_new(long long fill, long long compress) QL_MUST_USE;
void ql_free(struct quicklist *ql);
/* Deep copy with the same options. */
struct quicklist *ql_dup(const struct quicklist *ql) QL_MUST_USE;
/* Bytes allocated for the list, nodes and their data. */
size_t ql_memory(const struct quicklist *ql);

static inline unsigned long ql_count(const struct quicklist *ql)
{
    return ql->count;
}

void ql_push(struct quicklist *ql, const unsigned char *s, size_t len, enum ql_where where);
/* The element at one end (borrowed until the list changes); false when empty. */
bool ql_peek(struct quicklist *ql, enum ql_where where, struct ql_entry *e);
/* Removes the element at one end; the list must not be empty. */
void ql_pop(struct quicklist *ql, enum ql_where where);

/* Finds the element at index (negative from the tail), walking from the nearer end. The
 * node stays expanded until ql_release_entry. False when out of range. */
bool ql_index(struct quicklist *ql, long index, struct ql_entry *e);
/* Compresses again the node ql_index expanded (if it was compressed). */
void ql_release_entry(struct quicklist *ql, struct ql_entry *e);
/* Replaces the element at index; false when out of range. */
bool ql_replace(struct quicklist *ql, long index, const unsigned char *s, size_t len);
/* Inserts s before or after the element at (node, offset) as found by an iterator or
 * ql_index (and released since). */
void ql_insert(struct quicklist *ql, struct ql_node *node, long offset, const unsigned char *s,
               size_t len, bool after);
/* Deletes count elements from index start (negative from the tail); returns how many. */
unsigned long ql_del_range(struct quicklist *ql, long start, unsigned long count);

/* Iterates from index start (negative from the tail) towards dir. */
void ql_iter_init(struct ql_iter *it, struct quicklist *ql, long start, enum ql_where dir);
/* Fills e with the next element; false at the end. */
bool ql_iter_next(struct ql_iter *it, struct ql_entry *e);
/* Deletes the element ql_iter_next returned last; the walk goes on with the one after. */
void ql_iter_del(struct ql_iter *it, struct ql_entry *e);
/* Ends the walk (compresses the current node again). */
void ql_iter_release(struct ql_iter *it);

/* A node's bytes as stored, for RDB: its listpack, or when *compressed is set the LZF form
 * of it (node->sz bytes once expanded). Borrowed until the list changes. */
const unsigned char *ql_node_data(const struct ql_node *node, size_t *len, bool *compressed);

/* True if the element equals s[0..len) (integer elements compare by their text). */
bool ql_entry_eq(const struct ql_entry *e, const unsigned char *s, size_t len);

#endif
