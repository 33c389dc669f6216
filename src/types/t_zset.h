/* t_zset: what other modules (RDB) need from the sorted set type: build a value member by
 * member, and walk one. Commands reach the type through the command table, not through
 * here. */
#ifndef FERRITE_T_ZSET_H
#define FERRITE_T_ZSET_H

#include <stdbool.h>
#include <stddef.h>

struct kv;

/* Called for every member in ascending (score, member) order; the bytes are borrowed for
 * the call only. Return false to stop. */
typedef bool zset_member_fn(const char *m, size_t len, double score, void *arg);

/* A new, unlinked sorted set entry (no expiry, no members yet) for about `hint` members:
 * compact when that many fit zset-max-listpack-entries, as ZADD would pick. The caller owns
 * it and adds at least one member before linking it. */
struct kv *zset_type_new(const char *key, size_t klen, size_t hint);
/* Adds a member with its score (not NaN), converting the encoding as ZADD would; false,
 * changing nothing, if the member was there already. */
bool zset_type_add(struct kv *kv, const char *m, size_t len, double score);
unsigned long zset_type_len(const struct kv *kv);
void zset_type_foreach(const struct kv *kv, zset_member_fn *fn, void *arg);

#endif
