/* dict: an intrusive chained hash table with incremental rehashing in both directions.
 *
 * Callers embed a struct dict_node as the FIRST member of their own entry, so one
 * allocation holds the chain link, the key and (for the keyspace) the value: no separate
 * entry objects. The table never owns nodes; the caller links, unlinks and frees them.
 *
 * Growing and shrinking move one bucket per operation (plus a time-bounded step from the
 * server cron), so no single call ever pays for the whole table. Keys are hashed with
 * SipHash under a process-wide random seed (dict_set_seed) against hash flooding. */
#ifndef FERRITE_DICT_H
#define FERRITE_DICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dict_node {
    struct dict_node *next; /* bucket chain; owned by the dict while linked */
};

/* Reports the key bytes of a node; the table calls it to hash and compare. */
typedef void dict_key_fn(const struct dict_node *node, const char **key, size_t *len);

struct dict {
    dict_key_fn *node_key;
    struct dict_node **table[2]; /* [1] exists only while rehashing */
    size_t size[2];              /* buckets, a power of two, or 0 */
    size_t used[2];              /* nodes linked in each table */
    long long rehash_idx;        /* next bucket of table[0] to move, -1 when not rehashing */
    int pause_rehash;            /* > 0 while a safe iterator is open */
};

/* A safe iterator: the table does not rehash while one is open, and the node just returned
 * may be unlinked and freed. Nodes added during iteration may or may not be returned. */
struct dict_iter {
    struct dict *d;
    int table;
    size_t bucket;
    struct dict_node *next; /* saved before returning the current node */
    bool started;
};

typedef void dict_scan_fn(struct dict_node *node, void *arg);
typedef void dict_free_fn(struct dict_node *node, void *arg);

/* Sets the hash seed; call once at start-up before any table is filled. */
void dict_set_seed(const uint8_t seed[16]);
/* Forbids (false) or allows resizing; while a forked child shares memory, moving every
 * bucket would copy the whole table page by page. Growth still happens past 5x load. */
void dict_set_resize_allowed(bool allowed);
uint64_t dict_hash(const char *key, size_t len);

void dict_init(struct dict *d, dict_key_fn *node_key);
/* Unlinks every node, calling free_node on each if given, and releases the buckets. */
void dict_clear(struct dict *d, dict_free_fn *free_node, void *arg);

size_t dict_size(const struct dict *d);
size_t dict_buckets(const struct dict *d);
bool dict_is_rehashing(const struct dict *d);

struct dict_node *dict_find(struct dict *d, const char *key, size_t len);
/* Links a node whose key is not in the table yet (the caller has checked). */
void dict_add(struct dict *d, struct dict_node *node);
/* Unlinks and returns the node with this key, or NULL. The caller frees it. */
struct dict_node *dict_unlink(struct dict *d, const char *key, size_t len);
/* Puts new_node where old_node is linked; both must have the same key. */
void dict_replace(struct dict *d, struct dict_node *old_node, struct dict_node *new_node);
/* Makes room for n nodes at once (bulk loads), skipping the step-by-step growth. */
void dict_reserve(struct dict *d, size_t n);

/* A uniformly random node, or NULL when empty: every node is equally likely whatever the
 * length of its chain (RANDOMKEY, HRANDFIELD, SRANDMEMBER, eviction sampling). */
struct dict_node *dict_random(struct dict *d);
/* Bytes of the table plus its nodes, estimated from `samples` nodes: MEMORY USAGE must not
 * walk a million entries (Redis samples too). Nodes must be single allocations. */
size_t dict_memory_estimate(struct dict *d, size_t samples);

/* Reverse-binary cursor scan: calls fn for every node of one or more buckets and returns
 * the next cursor (0 when done). Every node present for the whole scan is reported at least
 * once, even if the table grows or shrinks in between. */
uint64_t dict_scan(struct dict *d, uint64_t cursor, dict_scan_fn *fn, void *arg);

/* Rehashes for about `us` microseconds; returns true if more work remains. */
bool dict_rehash_for(struct dict *d, long long us);
/* Moves up to n buckets; returns true if more work remains. */
bool dict_rehash(struct dict *d, size_t n);

void dict_iter_init(struct dict_iter *it, struct dict *d);
struct dict_node *dict_iter_next(struct dict_iter *it);
void dict_iter_release(struct dict_iter *it);

#endif
