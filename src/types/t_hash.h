/* t_hash: what other modules (RDB) need from the hash type: build a value field by field,
 * and walk one. Commands reach the type through the command table, not through here. */
#ifndef FERRITE_T_HASH_H
#define FERRITE_T_HASH_H

#include <stdbool.h>
#include <stddef.h>

struct kv;

/* Called for every field/value pair; the bytes are borrowed for the call only. Return
 * false to stop the walk. */
typedef bool hash_pair_fn(const char *f, size_t flen, const char *v, size_t vlen, void *arg);

/* A new, unlinked hash entry (no expiry, no fields yet) laid out for about `hint` fields.
 * The caller owns it and adds at least one field before linking it: empty hashes never
 * exist in the keyspace. */
struct kv *hash_type_new(const char *key, size_t klen, size_t hint);
/* Sets field f to v, converting the encoding as HSET would; false if f existed. */
bool hash_type_set(struct kv *kv, const char *f, size_t flen, const char *v, size_t vlen);
unsigned long hash_type_len(const struct kv *kv);
/* Walks every pair in the encoding's order. */
void hash_type_foreach(const struct kv *kv, hash_pair_fn *fn, void *arg);

#endif
