#include "evict.h"

#include <stdlib.h>

#include "../core/propagate.h"
#include "../core/pubsub.h"
#include "../core/server.h"
#include "../util/mem.h"
#include "db.h"

/* Evicting one key at a time keeps each command's pause short; this bounds the work. */
#define EVICT_MAX_PER_CALL 1000

static bool evict_volatile_only(int policy)
{
    return policy == MAXMEMORY_VOLATILE_LRU || policy == MAXMEMORY_VOLATILE_LFU ||
           policy == MAXMEMORY_VOLATILE_RANDOM || policy == MAXMEMORY_VOLATILE_TTL;
}

/* Lower is evicted first. */
static long long evict_score(const struct kv *kv, int policy)
{
    switch (policy) {
    case MAXMEMORY_ALLKEYS_LRU:
    case MAXMEMORY_VOLATILE_LRU:
        return -db_idle_seconds(kv);
    case MAXMEMORY_ALLKEYS_LFU:
    case MAXMEMORY_VOLATILE_LFU:
        return db_lfu_counter(kv);
    case MAXMEMORY_VOLATILE_TTL:
        return kv_expire(kv);
    default:
        return 0; /* random policies: the first sample wins */
    }
}

static struct kv *evict_sample(struct db *db, int policy)
{
    bool volatile_only = evict_volatile_only(policy);
    size_t avail = volatile_only ? db->nvolatile : db_size(db);
    if (avail == 0)
        return NULL;
    int samples = policy == MAXMEMORY_ALLKEYS_RANDOM || policy == MAXMEMORY_VOLATILE_RANDOM
                      ? 1 : srv.cfg.maxmemory_samples;
    struct kv *best = NULL;
    long long best_score = 0;
    for (int i = 0; i < samples; i++) {
        struct kv *kv = volatile_only ? db->volatile_keys[(size_t)random() % db->nvolatile]
                                      : (struct kv *)dict_random(&db->keys);
        long long score = evict_score(kv, policy);
        if (!best || score < best_score) {
            best = kv;
            best_score = score;
        }
    }
    return best;
}

/* Picks the best candidate over every database. */
static bool evict_one(void)
{
    int policy = srv.cfg.maxmemory_policy;
    struct db *best_db = NULL;
    struct kv *best = NULL;
    long long best_score = 0;
    for (int i = 0; i < srv.cfg.databases; i++) {
        struct db *db = db_get(i);
        struct kv *kv = evict_sample(db, policy);
        if (!kv)
            continue;
        long long score = evict_score(kv, policy);
        if (!best || score < best_score) {
            best = kv;
            best_db = db;
            best_score = score;
        }
    }
    if (!best)
        return false;
    /* Notify and signal while the key still exists: the name lives in the entry. */
    pubsub_notify_keyspace(NOTIFY_EVICTED, "evicted", kv_key(best), best->keylen, db_id(best_db));
    server_signal_modified_key(best_db, kv_key(best), best->keylen);
    /* Which key goes depends on sampling and memory: replicas and the AOF must be told. */
    propagate_deletion(db_id(best_db), kv_key(best), best->keylen);
    db_delete(best_db, kv_key(best), best->keylen);
    srv.stats.evicted_keys++;
    server_dirty(1);
    return true;
}

bool evict_to_fit(void)
{
    if (!srv.cfg.maxmemory || (long long)mem_used() <= srv.cfg.maxmemory)
        return true;
    if (srv.cfg.maxmemory_policy == MAXMEMORY_NOEVICTION)
        return false;
    for (int n = 0; n < EVICT_MAX_PER_CALL && (long long)mem_used() > srv.cfg.maxmemory; n++)
        if (!evict_one())
            return false;
    return (long long)mem_used() <= srv.cfg.maxmemory;
}
