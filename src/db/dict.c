#include "dict.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "../util/mem.h"
#include "../util/rand.h"
#include "../util/siphash.h"

#define DICT_INITIAL_SIZE 4
/* Growth is forced even when resizing is disallowed once chains average this length. */
#define DICT_FORCE_RESIZE_RATIO 5
/* Shrink once fewer than 1 in this many buckets would be used (Redis: 10% fill). */
#define DICT_MIN_FILL_DIVISOR 10

static uint8_t dict_seed[16];
static bool dict_resize_allowed = true;

void dict_set_seed(const uint8_t seed[16])
{
    memcpy(dict_seed, seed, sizeof dict_seed);
}

void dict_set_resize_allowed(bool allowed)
{
    dict_resize_allowed = allowed;
}

uint64_t dict_hash(const char *key, size_t len)
{
    return siphash(key, len, dict_seed);
}

static uint64_t dict_node_hash(const struct dict *d, const struct dict_node *n)
{
    const char *key;
    size_t len;
    d->node_key(n, &key, &len);
    return dict_hash(key, len);
}

static bool dict_node_has_key(const struct dict *d, const struct dict_node *n, const char *key,
                              size_t len)
{
    const char *k;
    size_t klen;
    d->node_key(n, &k, &klen);
    return klen == len && memcmp(k, key, len) == 0;
}

void dict_init(struct dict *d, dict_key_fn *node_key)
{
    memset(d, 0, sizeof *d);
    d->node_key = node_key;
    d->rehash_idx = -1;
}

void dict_clear(struct dict *d, dict_free_fn *free_node, void *arg)
{
    for (int t = 0; t < 2; t++) {
        for (size_t i = 0; i < d->size[t] && free_node; i++) {
            struct dict_node *n = d->table[t][i];
            while (n) {
                struct dict_node *next = n->next;
                free_node(n, arg);
                n = next;
            }
        }
        mem_free(d->table[t]);
    }
    dict_init(d, d->node_key);
}

size_t dict_size(const struct dict *d)
{
    return d->used[0] + d->used[1];
}

size_t dict_buckets(const struct dict *d)
{
    return d->size[0] + d->size[1];
}

bool dict_is_rehashing(const struct dict *d)
{
    return d->rehash_idx != -1;
}

bool dict_rehash(struct dict *d, size_t n)
{
    if (!dict_is_rehashing(d))
        return false;
    size_t empty_visits = n * 10;
    while (n-- && d->used[0] != 0) {
        while (d->table[0][d->rehash_idx] == NULL) {
            d->rehash_idx++;
            if (--empty_visits == 0)
                return true;
        }
        struct dict_node *node = d->table[0][d->rehash_idx];
        size_t mask = d->size[1] - 1;
        while (node) {
            struct dict_node *next = node->next;
            size_t idx = dict_node_hash(d, node) & mask;
            node->next = d->table[1][idx];
            d->table[1][idx] = node;
            d->used[0]--;
            d->used[1]++;
            node = next;
        }
        d->table[0][d->rehash_idx] = NULL;
        d->rehash_idx++;
    }
    if (d->used[0] == 0) {
        mem_free(d->table[0]);
        d->table[0] = d->table[1];
        d->size[0] = d->size[1];
        d->used[0] = d->used[1];
        d->table[1] = NULL;
        d->size[1] = d->used[1] = 0;
        d->rehash_idx = -1;
        return false;
    }
    return true;
}

static void dict_step(struct dict *d)
{
    if (d->pause_rehash == 0)
        dict_rehash(d, 1);
}

bool dict_rehash_for(struct dict *d, long long us)
{
    if (d->pause_rehash > 0)
        return false;
    struct timeval start, now;
    gettimeofday(&start, NULL);
    while (dict_rehash(d, 100)) {
        gettimeofday(&now, NULL);
        long long elapsed = (now.tv_sec - start.tv_sec) * 1000000LL + (now.tv_usec - start.tv_usec);
        if (elapsed > us)
            return true;
    }
    return false;
}

static size_t dict_next_power(size_t n)
{
    size_t size = DICT_INITIAL_SIZE;
    while (size < n)
        size *= 2;
    return size;
}

/* Starts moving to a table of `size` buckets (or installs the first table). */
static void dict_resize_to(struct dict *d, size_t size)
{
    if (dict_is_rehashing(d) || size == d->size[0])
        return;
    struct dict_node **table = mem_calloc(sizeof *table * size);
    if (d->table[0] == NULL) {
        d->table[0] = table;
        d->size[0] = size;
        return;
    }
    d->table[1] = table;
    d->size[1] = size;
    d->rehash_idx = 0;
}

static void dict_grow_if_needed(struct dict *d)
{
    if (dict_is_rehashing(d))
        return;
    if (d->size[0] == 0) {
        dict_resize_to(d, DICT_INITIAL_SIZE);
        return;
    }
    if (d->used[0] >= d->size[0] &&
        (dict_resize_allowed || d->used[0] / d->size[0] > DICT_FORCE_RESIZE_RATIO))
        dict_resize_to(d, dict_next_power(d->used[0] + 1));
}

static void dict_shrink_if_needed(struct dict *d)
{
    if (!dict_resize_allowed || dict_is_rehashing(d) || d->size[0] <= DICT_INITIAL_SIZE)
        return;
    if (d->used[0] * DICT_MIN_FILL_DIVISOR < d->size[0])
        dict_resize_to(d, dict_next_power(d->used[0]));
}

void dict_reserve(struct dict *d, size_t n)
{
    if (!dict_is_rehashing(d) && n > d->size[0])
        dict_resize_to(d, dict_next_power(n));
}

struct dict_node *dict_find(struct dict *d, const char *key, size_t len)
{
    if (dict_size(d) == 0)
        return NULL;
    dict_step(d);
    uint64_t h = dict_hash(key, len);
    for (int t = 0; t < 2; t++) {
        if (d->size[t] == 0)
            break;
        size_t idx = h & (d->size[t] - 1);
        /* Buckets below rehash_idx of table 0 have already moved to table 1. */
        if (t == 0 && dict_is_rehashing(d) && (long long)idx < d->rehash_idx)
            continue;
        for (struct dict_node *n = d->table[t][idx]; n; n = n->next)
            if (dict_node_has_key(d, n, key, len))
                return n;
        if (!dict_is_rehashing(d))
            break;
    }
    return NULL;
}

void dict_add(struct dict *d, struct dict_node *node)
{
    dict_step(d);
    dict_grow_if_needed(d);
    int t = dict_is_rehashing(d) ? 1 : 0;
    size_t idx = dict_node_hash(d, node) & (d->size[t] - 1);
    node->next = d->table[t][idx];
    d->table[t][idx] = node;
    d->used[t]++;
}

/* Finds the link that points at the node with this key (or at `target` if given). */
static struct dict_node **dict_find_link(struct dict *d, const char *key, size_t len,
                                         const struct dict_node *target, int *table)
{
    uint64_t h = dict_hash(key, len);
    for (int t = 0; t < 2; t++) {
        if (d->size[t] == 0)
            break;
        size_t idx = h & (d->size[t] - 1);
        if (t == 0 && dict_is_rehashing(d) && (long long)idx < d->rehash_idx)
            continue;
        for (struct dict_node **link = &d->table[t][idx]; *link; link = &(*link)->next) {
            if (target ? *link == target : dict_node_has_key(d, *link, key, len)) {
                *table = t;
                return link;
            }
        }
        if (!dict_is_rehashing(d))
            break;
    }
    return NULL;
}

struct dict_node *dict_unlink(struct dict *d, const char *key, size_t len)
{
    if (dict_size(d) == 0)
        return NULL;
    dict_step(d);
    int t;
    struct dict_node **link = dict_find_link(d, key, len, NULL, &t);
    if (!link)
        return NULL;
    struct dict_node *n = *link;
    *link = n->next;
    n->next = NULL;
    d->used[t]--;
    dict_shrink_if_needed(d);
    return n;
}

void dict_replace(struct dict *d, struct dict_node *old_node, struct dict_node *new_node)
{
    const char *key;
    size_t len;
    d->node_key(old_node, &key, &len);
    int t;
    struct dict_node **link = dict_find_link(d, key, len, old_node, &t);
    if (!link)
        abort(); /* the caller's node must be linked: anything else is memory corruption */
    new_node->next = old_node->next;
    *link = new_node;
}

/* A chain longer than this is a one-in-a-million event at a load factor of at most 1. */
#define DICT_FAIR_CHAIN_BOUND 8

struct dict_node *dict_random(struct dict *d)
{
    if (dict_size(d) == 0)
        return NULL;
    dict_step(d);
    /* Picking a bucket and then a node of its chain favours nodes of short chains. Instead
     * draw a bucket and a slot below a bound, and accept only if the chain has that slot:
     * each node then has the same chance. A chain over the bound raises it and draws again. */
    size_t bound = DICT_FAIR_CHAIN_BOUND;
    size_t from = dict_is_rehashing(d) ? (size_t)d->rehash_idx : 0;
    size_t n0 = d->size[0] - from, total = n0 + d->size[1];
    for (;;) {
        size_t b = (size_t)rand_below(total);
        struct dict_node *head = b < n0 ? d->table[0][from + b] : d->table[1][b - n0];
        if (!head)
            continue;
        size_t chain = 0;
        for (struct dict_node *n = head; n; n = n->next)
            chain++;
        if (chain > bound) {
            bound = chain;
            continue;
        }
        size_t slot = (size_t)rand_below(bound);
        if (slot >= chain)
            continue;
        while (slot--)
            head = head->next;
        return head;
    }
}

size_t dict_memory_estimate(struct dict *d, size_t samples)
{
    size_t total = mem_usable(d) + dict_buckets(d) * sizeof(struct dict_node *);
    size_t sampled = 0, bytes = 0;
    struct dict_iter it;
    dict_iter_init(&it, d);
    for (struct dict_node *n; sampled < samples && (n = dict_iter_next(&it)) != NULL; sampled++)
        bytes += mem_usable(n);
    dict_iter_release(&it);
    if (sampled)
        total += bytes * dict_size(d) / sampled;
    return total;
}

static uint64_t dict_rev(uint64_t v)
{
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    return __builtin_bswap64(v);
}

/* Adds one to the cursor's masked bits counting from the top, so the cursor visits a
 * bucket and then the buckets it splits into (or merges from) when the size changes. */
static uint64_t dict_cursor_next(uint64_t v, uint64_t mask)
{
    v |= ~mask;
    v = dict_rev(v);
    v++;
    return dict_rev(v);
}

static void dict_scan_bucket(struct dict_node *n, dict_scan_fn *fn, void *arg)
{
    while (n) {
        struct dict_node *next = n->next;
        fn(n, arg);
        n = next;
    }
}

uint64_t dict_scan(struct dict *d, uint64_t v, dict_scan_fn *fn, void *arg)
{
    if (dict_size(d) == 0)
        return 0;
    /* The callback may not trigger moves between the two tables mid-bucket. */
    d->pause_rehash++;
    if (!dict_is_rehashing(d)) {
        uint64_t m0 = d->size[0] - 1;
        dict_scan_bucket(d->table[0][v & m0], fn, arg);
        v = dict_cursor_next(v, m0);
    } else {
        int small = d->size[0] <= d->size[1] ? 0 : 1, big = 1 - small;
        uint64_t m0 = d->size[small] - 1, m1 = d->size[big] - 1;
        dict_scan_bucket(d->table[small][v & m0], fn, arg);
        /* Then every bucket of the larger table that the small bucket expands into. */
        do {
            dict_scan_bucket(d->table[big][v & m1], fn, arg);
            v = dict_cursor_next(v, m1);
        } while (v & (m0 ^ m1));
    }
    d->pause_rehash--;
    return v;
}

void dict_iter_init(struct dict_iter *it, struct dict *d)
{
    memset(it, 0, sizeof *it);
    it->d = d;
    d->pause_rehash++;
}

struct dict_node *dict_iter_next(struct dict_iter *it)
{
    struct dict *d = it->d;
    struct dict_node *n = it->started ? it->next : NULL;
    if (!it->started) {
        it->started = true;
        it->table = 0;
        it->bucket = 0;
        n = d->size[0] ? d->table[0][0] : NULL;
    }
    while (!n) {
        if (++it->bucket >= d->size[it->table]) {
            if (it->table == 1 || d->size[1] == 0) {
                it->next = NULL;
                it->bucket = d->size[it->table];
                return NULL;
            }
            it->table = 1;
            it->bucket = 0;
            n = d->table[1][0];
            if (n)
                break;
            continue;
        }
        n = d->table[it->table][it->bucket];
    }
    it->next = n->next;
    return n;
}

void dict_iter_release(struct dict_iter *it)
{
    if (it->d) {
        it->d->pause_rehash--;
        it->d = NULL;
    }
}
