#include "db.h"

#include <stdlib.h>
#include <string.h>

#include "../core/multi.h"
#include "../core/propagate.h"
#include "../core/pubsub.h"
#include "../core/server.h"
#include "../ev/ev.h"
#include "../repl/repl.h"
#include "../util/mem.h"

/* Keys sampled per round of the active expiry cycle, and the share of expired keys in a
 * round above which another round runs at once (Redis: 20 and 10%). */
#define DB_EXPIRE_SAMPLE 20
#define DB_EXPIRE_REPEAT_PERCENT 10
#define DB_LFU_INIT 5

/* Which database the next active expiry run starts from, so every one gets its turn. */
static int db_expire_next;

void db_init_all(int count)
{
    srv.dbs = mem_calloc(sizeof *srv.dbs * (size_t)count);
    for (int i = 0; i < count; i++) {
        dict_init(&srv.dbs[i].keys, kv_node_key);
        srv.dbs[i].id = i;
    }
}

void db_free_all(void)
{
    if (!srv.dbs)
        return;
    for (int i = 0; i < srv.cfg.databases; i++) {
        db_flush(&srv.dbs[i]);
        mem_free(srv.dbs[i].volatile_keys);
    }
    mem_free(srv.dbs);
    srv.dbs = NULL;
}

struct db *db_get(int id)
{
    return id >= 0 && id < srv.cfg.databases ? &srv.dbs[id] : NULL;
}

int db_id(const struct db *db)
{
    return db->id;
}

size_t db_size(const struct db *db)
{
    return dict_size(&db->keys);
}

/* ---- access clock: LRU seconds, or LFU minutes(16 bits) + log counter(8 bits) ---- */

static bool db_lfu_mode(void)
{
    return srv.cfg.maxmemory_policy == MAXMEMORY_ALLKEYS_LFU ||
           srv.cfg.maxmemory_policy == MAXMEMORY_VOLATILE_LFU;
}

static unsigned db_lfu_minutes(void)
{
    return (unsigned)((server_unix_ms() / 60000) & 0xFFFF);
}

int db_lfu_counter(const struct kv *kv)
{
    unsigned ldt = kv->lru >> 8, counter = kv->lru & 0xFF;
    unsigned now = db_lfu_minutes();
    unsigned elapsed = now >= ldt ? now - ldt : 0xFFFF - ldt + now;
    unsigned periods = srv.cfg.lfu_decay_time ? elapsed / (unsigned)srv.cfg.lfu_decay_time : 0;
    return periods > counter ? 0 : (int)(counter - periods);
}

void db_touch(struct kv *kv)
{
    if (!db_lfu_mode()) {
        kv->lru = srv.lru_clock & 0xFFFFFF;
        return;
    }
    unsigned counter = (unsigned)db_lfu_counter(kv);
    /* Logarithmic: the more hits a key has, the less likely one more hit counts. */
    if (counter < 255) {
        double base = counter > DB_LFU_INIT ? counter - DB_LFU_INIT : 0;
        double p = 1.0 / (base * srv.cfg.lfu_log_factor + 1);
        if ((double)rand() / RAND_MAX < p)
            counter++;
    }
    kv->lru = (db_lfu_minutes() << 8) | counter;
}

static void db_init_clock(struct kv *kv)
{
    if (db_lfu_mode())
        kv->lru = (db_lfu_minutes() << 8) | DB_LFU_INIT;
    else
        kv->lru = srv.lru_clock & 0xFFFFFF;
}

long long db_idle_seconds(const struct kv *kv)
{
    unsigned now = srv.lru_clock & 0xFFFFFF;
    return now >= kv->lru ? now - kv->lru : 0xFFFFFF - kv->lru + now;
}

/* ---- the volatile index: every entry with an expiry, in an array ---- */

static void db_volatile_add(struct db *db, struct kv *kv)
{
    if (db->nvolatile == db->volatile_cap) {
        db->volatile_cap = db->volatile_cap ? db->volatile_cap * 2 : 16;
        db->volatile_keys = mem_realloc(db->volatile_keys, sizeof(struct kv *) * db->volatile_cap);
    }
    kv_set_volatile_idx(kv, (uint32_t)db->nvolatile);
    db->volatile_keys[db->nvolatile++] = kv;
}

static void db_volatile_remove(struct db *db, struct kv *kv)
{
    uint32_t i = kv_volatile_idx(kv);
    struct kv *last = db->volatile_keys[--db->nvolatile];
    db->volatile_keys[i] = last;
    kv_set_volatile_idx(last, i);
    if (db->volatile_cap > 64 && db->nvolatile < db->volatile_cap / 4) {
        db->volatile_cap /= 2;
        db->volatile_keys = mem_realloc(db->volatile_keys, sizeof(struct kv *) * db->volatile_cap);
    }
}

/* ---- lookup and modification ---- */

bool db_is_expired(const struct kv *kv)
{
    long long when = kv_expire(kv);
    /* While the AOF replays, a key must live until the commands that follow it in the file
     * have been applied to it, exactly as when they first ran; expiry comes afterwards. */
    return when >= 0 && !srv.loading && srv.cmd_time_ms > when;
}

/* Deletes an expired entry, counting it. */
static void db_expire_entry(struct db *db, struct kv *kv)
{
    srv.stats.expired_keys++;
    multi_touch_expired_key(db, kv_key(kv), kv->keylen);
    pubsub_notify_keyspace(NOTIFY_EXPIRED, "expired", kv_key(kv), kv->keylen, db->id);
    /* The moment a key expires depends on the clock: the stream gets the deletion itself. */
    propagate_deletion(db->id, kv_key(kv), kv->keylen);
    db_delete(db, kv_key(kv), kv->keylen);
}

struct kv *db_lookup(struct db *db, const char *key, size_t len, int flags)
{
    struct kv *kv = (struct kv *)dict_find(&db->keys, key, len);
    if (kv && db_is_expired(kv)) {
        /* On a replica only the master's DEL removes a key: its readers are told the key
         * is gone, while the master's own stream still sees it. */
        if (!repl_is_replica())
            db_expire_entry(db, kv);
        if (!repl_current_is_master())
            kv = NULL;
    }
    /* A read that finds nothing is a keyspace miss, reported as Redis's lookupKeyRead does;
     * a writer is about to create the key, so its miss is neither counted nor published. */
    if (!(flags & DB_LOOKUP_WRITE)) {
        if (kv) {
            srv.stats.keyspace_hits++;
        } else {
            srv.stats.keyspace_misses++;
            if (!(flags & DB_LOOKUP_NONOTIFY))
                pubsub_notify_keyspace(NOTIFY_KEY_MISS, "keymiss", key, len, db->id);
        }
    }
    if (kv && !(flags & DB_LOOKUP_NOTOUCH))
        db_touch(kv);
    return kv;
}

void db_add_quiet(struct db *db, struct kv *kv)
{
    db_init_clock(kv);
    dict_add(&db->keys, &kv->node);
    if (kv->has_expire)
        db_volatile_add(db, kv);
}

void db_add(struct db *db, struct kv *kv)
{
    db_add_quiet(db, kv);
    /* Every creation funnels through here (SET, APPEND, INCR, RENAME's and COPY's
     * destination, MOVE's target database, DEBUG POPULATE), so "new" is published once
     * per created key and before the command's own event, as Redis's dbAdd does. */
    pubsub_notify_keyspace(NOTIFY_NEW, "new", kv_key(kv), kv->keylen, db->id);
}

void db_replace(struct db *db, struct kv *old, struct kv *nkv)
{
    db_init_clock(nkv);
    if (old == nkv)
        return;
    dict_replace(&db->keys, &old->node, &nkv->node);
    if (old->has_expire && nkv->has_expire) {
        uint32_t i = kv_volatile_idx(old);
        kv_set_volatile_idx(nkv, i);
        db->volatile_keys[i] = nkv;
    } else if (old->has_expire) {
        db_volatile_remove(db, old);
    } else if (nkv->has_expire) {
        db_volatile_add(db, nkv);
    }
    kv_free(old);
}

struct kv *db_unlink(struct db *db, const char *key, size_t len)
{
    struct kv *kv = (struct kv *)dict_unlink(&db->keys, key, len);
    if (kv && kv->has_expire)
        db_volatile_remove(db, kv);
    return kv;
}

bool db_delete(struct db *db, const char *key, size_t len)
{
    struct kv *kv = db_unlink(db, key, len);
    if (!kv)
        return false;
    kv_free(kv);
    return true;
}

struct kv *db_set_expire(struct db *db, struct kv *kv, long long when_ms)
{
    bool had = kv->has_expire;
    struct kv *nkv = kv_with_expire(kv, when_ms);
    if (nkv == kv)
        return kv;
    dict_replace(&db->keys, &kv->node, &nkv->node);
    if (had) {
        /* The old entry is still intact: take it out of the index, then release its
         * block only, since the value now belongs to nkv. */
        db_volatile_remove(db, kv);
    } else {
        db_volatile_add(db, nkv);
    }
    mem_free(kv);
    return nkv;
}

static void db_free_entry(struct dict_node *node, void *arg)
{
    (void)arg;
    kv_free((struct kv *)node);
}

long long db_flush(struct db *db)
{
    if (!db) {
        long long n = 0;
        for (int i = 0; i < srv.cfg.databases; i++)
            n += db_flush(&srv.dbs[i]);
        return n;
    }
    long long n = (long long)db_size(db);
    dict_clear(&db->keys, db_free_entry, NULL);
    db->nvolatile = 0;
    db->avg_ttl = 0;
    return n;
}

void db_swap(struct db *a, struct db *b)
{
    struct db tmp = *a;
    int ida = a->id, idb = b->id;
    *a = *b;
    *b = tmp;
    a->id = ida;
    b->id = idb;
}

struct kv *db_random_key(struct db *db)
{
    /* Bounded, so a database whose keys are all expired cannot spin us forever. */
    for (int tries = 0; tries < 100; tries++) {
        struct kv *kv = (struct kv *)dict_random(&db->keys);
        if (!kv)
            return NULL;
        if (!db_is_expired(kv))
            return kv;
        db_expire_entry(db, kv);
    }
    return NULL;
}

/* One database's share of the expiry cycle; returns false when time ran out. */
static bool db_expire_rounds(struct db *db, long long deadline_us)
{
    for (;;) {
        if (db->nvolatile == 0) {
            db->avg_ttl = 0;
            return true;
        }
        size_t sample = db->nvolatile < DB_EXPIRE_SAMPLE ? db->nvolatile : DB_EXPIRE_SAMPLE;
        size_t expired = 0, live = 0;
        long long ttl_sum = 0;
        for (size_t i = 0; i < sample && db->nvolatile > 0; i++) {
            struct kv *kv = db->volatile_keys[(size_t)random() % db->nvolatile];
            long long ttl = kv_expire(kv) - srv.cmd_time_ms;
            if (ttl < 0) {
                db_expire_entry(db, kv);
                expired++;
            } else {
                ttl_sum += ttl;
                live++;
            }
        }
        if (live) {
            long long avg = ttl_sum / (long long)live;
            /* Smooth over runs, as Redis does, so INFO's avg_ttl does not jump about. */
            db->avg_ttl = db->avg_ttl ? (db->avg_ttl / 50) * 49 + avg / 50 : avg;
        }
        if (expired * 100 <= sample * DB_EXPIRE_REPEAT_PERCENT)
            return true;
        if (ev_monotonic_us() > deadline_us)
            return false;
    }
}

void db_active_expire(long long budget_us)
{
    long long deadline = ev_monotonic_us() + budget_us;
    srv.cmd_time_ms = server_unix_ms();
    for (int n = 0; n < srv.cfg.databases; n++) {
        struct db *db = &srv.dbs[db_expire_next];
        db_expire_next = (db_expire_next + 1) % srv.cfg.databases;
        if (!db_expire_rounds(db, deadline))
            return;
    }
}

void db_rehash_step(long long budget_us)
{
    for (int i = 0; i < srv.cfg.databases && budget_us > 0; i++) {
        if (!dict_is_rehashing(&srv.dbs[i].keys))
            continue;
        long long start = ev_monotonic_us();
        dict_rehash_for(&srv.dbs[i].keys, budget_us);
        budget_us -= ev_monotonic_us() - start;
    }
}
