/* t_set: what other modules (RDB) need from the set type: build a value member by member,
 * and walk one. Commands reach the type through the command table, not through here. */
#ifndef FERRITE_T_SET_H
#define FERRITE_T_SET_H

#include <stdbool.h>
#include <stddef.h>

struct kv;

/* Called for every member; the bytes are borrowed for the call only. Return false to stop. */
typedef bool set_member_fn(const char *s, size_t len, void *arg);

/* A new, unlinked set entry (no expiry, no members yet) for about `hint` members, the first
 * being first[0..flen): the encoding is the one SADD would pick. The caller owns it and adds
 * at least that member before linking it. */
struct kv *set_type_new(const char *key, size_t klen, const char *first, size_t flen,
                        size_t hint);
/* Adds a member, converting the encoding as SADD would; false if it was there. */
bool set_type_add(struct kv *kv, const char *s, size_t len);
unsigned long set_type_size(const struct kv *kv);
/* Walks every member in the encoding's order (ascending for intsets). */
void set_type_foreach(const struct kv *kv, set_member_fn *fn, void *arg);

#endif
