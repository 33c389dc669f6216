/* db: the numbered databases of the keyspace: lookup with lazy expiry, add/replace/delete,
 * the volatile-key index and the active expiry cycle. Key commands (DEL, SCAN, EXPIRE...)
 * live in keys.c; value commands live with their type. */
#ifndef FERRITE_DB_H
#define FERRITE_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "dict.h"
#include "kv.h"

struct db {
    struct dict keys;       /* struct kv entries, linked through their node */
    struct kv **volatile_keys; /* every entry with an expiry, for O(1) random sampling */
    size_t nvolatile;
    size_t volatile_cap;
    long long avg_ttl;      /* running estimate from the expiry cycle, ms */
    int id;
};

enum db_lookup_flags {
    DB_LOOKUP_WRITE = 1 << 0,   /* the caller is going to modify: no hit/miss stats */
    DB_LOOKUP_NOTOUCH = 1 << 1,  /* leave the LRU/LFU clock alone */
    DB_LOOKUP_NONOTIFY = 1 << 2, /* introspection (OBJECT): no keymiss event */
};

void db_init_all(int count);
void db_free_all(void);
struct db *db_get(int id);
int db_id(const struct db *db);

/* Finds a live key: an expired one is deleted on the spot and reported missing. */
struct kv *db_lookup(struct db *db, const char *key, size_t len, int flags);
/* Links a new entry whose key is absent. */
void db_add(struct db *db, struct kv *kv);
/* The same without the "new" keyspace event: keys loaded from a snapshot were not
 * created by anyone, and Redis publishes nothing while loading. */
void db_add_quiet(struct db *db, struct kv *kv);
/* Puts `nkv` where `old` is linked (same key) and frees `old` unless it is the same
 * block. Carries the volatile index over when both have an expiry. */
void db_replace(struct db *db, struct kv *old, struct kv *nkv);
/* Removes and frees the key; false if it was absent. */
bool db_delete(struct db *db, const char *key, size_t len);
/* Removes the key and hands its entry to the caller (RENAME, MOVE). */
struct kv *db_unlink(struct db *db, const char *key, size_t len);

/* Sets (when_ms >= 0) or removes (-1) a key's expiry; returns the possibly moved entry. */
struct kv *db_set_expire(struct db *db, struct kv *kv, long long when_ms) KV_MUST_USE;
bool db_is_expired(const struct kv *kv);

size_t db_size(const struct db *db);
/* Empties one database, or all with db == NULL; returns how many keys were removed. */
long long db_flush(struct db *db);
/* Exchanges the contents of two databases (SWAPDB). */
void db_swap(struct db *a, struct db *b);
/* A random live key, or NULL. */
struct kv *db_random_key(struct db *db);

/* Samples volatile keys and deletes the expired ones within about `budget_us`. */
void db_active_expire(long long budget_us);
/* Rehashes the databases' tables for about `budget_us` in total. */
void db_rehash_step(long long budget_us);

/* Updates the access clock of a key (LRU seconds or LFU counter). */
void db_touch(struct kv *kv);
/* Idle seconds since the last access (OBJECT IDLETIME). */
long long db_idle_seconds(const struct kv *kv);
/* The logarithmic access counter, decayed to now (OBJECT FREQ). */
int db_lfu_counter(const struct kv *kv);

#endif
