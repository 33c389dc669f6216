#include "pubsub.h"

#include <stdio.h>
#include <string.h>

#include "../cmd/cmd.h"
#include "../db/dict.h"
#include "../net/client.h"
#include "../proto/reply.h"
#include "../util/glob.h"
#include "../util/mem.h"
#include "../util/num.h"
#include "propagate.h"
#include "server.h"

/* A channel or a pattern with its subscribers, in subscription order. */
struct pubsub_entry {
    struct dict_node node;
    struct client **clients;
    size_t nclients;
    size_t cap;
    size_t len;
    char name[];
};

static struct dict pubsub_channels;
static struct dict pubsub_patterns;
static bool pubsub_ready;

static void pubsub_key_fn(const struct dict_node *node, const char **key, size_t *len)
{
    const struct pubsub_entry *e = (const struct pubsub_entry *)node;
    *key = e->name;
    *len = e->len;
}

static void pubsub_init(void)
{
    if (pubsub_ready)
        return;
    dict_init(&pubsub_channels, pubsub_key_fn);
    dict_init(&pubsub_patterns, pubsub_key_fn);
    pubsub_ready = true;
}

size_t pubsub_count(const struct client *c)
{
    return c->nsub_channels + c->nsub_patterns;
}

size_t pubsub_channel_count(void)
{
    return pubsub_ready ? dict_size(&pubsub_channels) : 0;
}

size_t pubsub_pattern_count(void)
{
    return pubsub_ready ? dict_size(&pubsub_patterns) : 0;
}

bool pubsub_allowed_in_context(const struct client *c, const struct cmd *cmd)
{
    if (c->resp >= 3 || pubsub_count(c) == 0)
        return true;
    cmd_proc *p = cmd->proc;
    return p == cmd_subscribe || p == cmd_unsubscribe || p == cmd_psubscribe ||
           p == cmd_punsubscribe || p == cmd_ping || p == cmd_quit || p == cmd_reset;
}

/* ---- membership on both sides: the table's entry and the client's own list ---- */

/* Adds c to name's entry in table; false if it was already subscribed. */
static bool pubsub_add(struct dict *table, struct pubsub_entry ***list, size_t *n,
                       struct client *c, const char *name, size_t len)
{
    struct pubsub_entry *e = (struct pubsub_entry *)dict_find(table, name, len);
    if (e) {
        for (size_t i = 0; i < *n; i++)
            if ((*list)[i] == e)
                return false;
    } else {
        e = mem_calloc(sizeof *e + len);
        e->len = len;
        memcpy(e->name, name, len);
        dict_add(table, &e->node);
    }
    if (e->nclients == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 4;
        e->clients = mem_realloc(e->clients, sizeof *e->clients * e->cap);
    }
    e->clients[e->nclients++] = c;
    *list = mem_realloc(*list, sizeof **list * (*n + 1));
    (*list)[(*n)++] = e;
    return true;
}

/* Removes c from entry i of its list; frees the entry once nobody is left. */
static void pubsub_remove_at(struct dict *table, struct pubsub_entry **list, size_t *n,
                             size_t i, struct client *c)
{
    struct pubsub_entry *e = list[i];
    /* Keep the list in subscription order: UNSUBSCRIBE with no arguments replies in it. */
    memmove(&list[i], &list[i + 1], sizeof *list * (*n - i - 1));
    (*n)--;
    for (size_t j = 0; j < e->nclients; j++) {
        if (e->clients[j] == c) {
            memmove(&e->clients[j], &e->clients[j + 1], sizeof *e->clients * (e->nclients - j - 1));
            e->nclients--;
            break;
        }
    }
    if (e->nclients == 0) {
        dict_unlink(table, e->name, e->len);
        mem_free(e->clients);
        mem_free(e);
    }
}

static long long pubsub_find_in_list(struct pubsub_entry **list, size_t n, const char *name,
                                     size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (list[i]->len == len && memcmp(list[i]->name, name, len) == 0)
            return (long long)i;
    return -1;
}

/* [kind, name, count]: a push in RESP3, an array in RESP2. */
static void pubsub_reply_event(struct client *c, const char *kind, const char *name, size_t len,
                               bool null_name)
{
    reply_push(c, 3);
    reply_bulk_cstr(c, kind);
    if (null_name)
        reply_null(c);
    else
        reply_bulk(c, name, len);
    reply_integer(c, (long long)pubsub_count(c));
}

void pubsub_unsubscribe_all(struct client *c)
{
    if (!pubsub_ready)
        return;
    while (c->nsub_channels)
        pubsub_remove_at(&pubsub_channels, c->sub_channels, &c->nsub_channels,
                         c->nsub_channels - 1, c);
    while (c->nsub_patterns)
        pubsub_remove_at(&pubsub_patterns, c->sub_patterns, &c->nsub_patterns,
                         c->nsub_patterns - 1, c);
    mem_free(c->sub_channels);
    mem_free(c->sub_patterns);
    c->sub_channels = c->sub_patterns = NULL;
}

/* Shared by SUBSCRIBE and PSUBSCRIBE. */
static void pubsub_subscribe_generic(struct client *c, bool pattern)
{
    pubsub_init();
    struct dict *table = pattern ? &pubsub_patterns : &pubsub_channels;
    struct pubsub_entry ***list = pattern ? &c->sub_patterns : &c->sub_channels;
    size_t *n = pattern ? &c->nsub_patterns : &c->nsub_channels;
    for (int i = 1; i < c->argc; i++) {
        pubsub_add(table, list, n, c, c->argv[i].ptr, c->argv[i].len);
        pubsub_reply_event(c, pattern ? "psubscribe" : "subscribe", c->argv[i].ptr,
                           c->argv[i].len, false);
    }
}

/* Shared by UNSUBSCRIBE and PUNSUBSCRIBE; no arguments means all, in subscription order. */
static void pubsub_unsubscribe_generic(struct client *c, bool pattern)
{
    pubsub_init();
    struct dict *table = pattern ? &pubsub_patterns : &pubsub_channels;
    struct pubsub_entry ***list = pattern ? &c->sub_patterns : &c->sub_channels;
    size_t *n = pattern ? &c->nsub_patterns : &c->nsub_channels;
    const char *kind = pattern ? "punsubscribe" : "unsubscribe";
    if (c->argc == 1) {
        if (*n == 0) {
            pubsub_reply_event(c, kind, NULL, 0, true);
            return;
        }
        while (*n) {
            struct pubsub_entry *e = (*list)[0];
            char *name = mem_strndup(e->name, e->len);
            size_t len = e->len;
            pubsub_remove_at(table, *list, n, 0, c);
            pubsub_reply_event(c, kind, name, len, false);
            mem_free(name);
        }
        return;
    }
    for (int i = 1; i < c->argc; i++) {
        long long at = pubsub_find_in_list(*list, *n, c->argv[i].ptr, c->argv[i].len);
        if (at >= 0)
            pubsub_remove_at(table, *list, n, (size_t)at, c);
        pubsub_reply_event(c, kind, c->argv[i].ptr, c->argv[i].len, false);
    }
}

void cmd_subscribe(struct client *c)
{
    pubsub_subscribe_generic(c, false);
}

void cmd_psubscribe(struct client *c)
{
    pubsub_subscribe_generic(c, true);
}

void cmd_unsubscribe(struct client *c)
{
    pubsub_unsubscribe_generic(c, false);
}

void cmd_punsubscribe(struct client *c)
{
    pubsub_unsubscribe_generic(c, true);
}

long long pubsub_publish(const char *channel, size_t clen, const char *msg, size_t mlen)
{
    if (!pubsub_ready)
        return 0;
    long long receivers = 0;
    struct pubsub_entry *e = (struct pubsub_entry *)dict_find(&pubsub_channels, channel, clen);
    for (size_t i = 0; e && i < e->nclients; i++) {
        struct client *r = e->clients[i];
        reply_push(r, 3);
        reply_bulk(r, "message", 7);
        reply_bulk(r, channel, clen);
        reply_bulk(r, msg, mlen);
        receivers++;
    }
    if (dict_size(&pubsub_patterns) == 0)
        return receivers;
    struct dict_iter it;
    dict_iter_init(&it, &pubsub_patterns);
    for (struct dict_node *n; (n = dict_iter_next(&it)) != NULL;) {
        struct pubsub_entry *p = (struct pubsub_entry *)n;
        if (!glob_match(p->name, p->len, channel, clen, false))
            continue;
        for (size_t i = 0; i < p->nclients; i++) {
            struct client *r = p->clients[i];
            reply_push(r, 4);
            reply_bulk(r, "pmessage", 8);
            reply_bulk(r, p->name, p->len);
            reply_bulk(r, channel, clen);
            reply_bulk(r, msg, mlen);
            receivers++;
        }
    }
    dict_iter_release(&it);
    return receivers;
}

void cmd_publish(struct client *c)
{
    reply_integer(c, pubsub_publish(c->argv[1].ptr, c->argv[1].len, c->argv[2].ptr,
                                    c->argv[2].len));
    /* A replica's subscribers hear it too; the dataset does not change, so not the AOF. */
    propagate_force(PROPAGATE_REPL);
}

static void pubsub_channels_matching(struct client *c, const struct cmd_arg *pat)
{
    struct reply_deferred d = reply_defer(c);
    long long n = 0;
    if (pubsub_ready) {
        struct dict_iter it;
        dict_iter_init(&it, &pubsub_channels);
        for (struct dict_node *node; (node = dict_iter_next(&it)) != NULL;) {
            struct pubsub_entry *e = (struct pubsub_entry *)node;
            if (pat && !glob_match(pat->ptr, pat->len, e->name, e->len, false))
                continue;
            reply_bulk(c, e->name, e->len);
            n++;
        }
        dict_iter_release(&it);
    }
    reply_set_deferred_array(c, d, n);
}

void cmd_pubsub_channels(struct client *c)
{
    if (c->argc > 3) {
        reply_error_arity(c, "pubsub|channels");
        return;
    }
    pubsub_channels_matching(c, c->argc == 3 ? &c->argv[2] : NULL);
}

void cmd_pubsub_numsub(struct client *c)
{
    reply_map(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        struct pubsub_entry *e = pubsub_ready ? (struct pubsub_entry *)dict_find(
            &pubsub_channels, c->argv[i].ptr, c->argv[i].len) : NULL;
        reply_bulk(c, c->argv[i].ptr, c->argv[i].len);
        reply_integer(c, e ? (long long)e->nclients : 0);
    }
}

void cmd_pubsub_numpat(struct client *c)
{
    reply_integer(c, (long long)pubsub_pattern_count());
}

void cmd_pubsub_help(struct client *c)
{
    static const char *const help[] = {
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "HELP",
        "    Print this help.",
        NULL,
    };
    reply_help(c, help);
}

/* ---- keyspace notifications ---- */

/* Publishes msg on the channel "__<space>@<dbid>__:<suffix>". */
static void pubsub_notify_one(const char *space, int dbid, const char *suffix, size_t slen,
                              const char *msg, size_t mlen)
{
    char prefix[48];
    int plen = snprintf(prefix, sizeof prefix, "__%s@%d__:", space, dbid);
    char *chan = mem_alloc((size_t)plen + slen);
    memcpy(chan, prefix, (size_t)plen);
    memcpy(chan + plen, suffix, slen);
    pubsub_publish(chan, (size_t)plen + slen, msg, mlen);
    mem_free(chan);
}

void pubsub_notify_keyspace(int type, const char *event, const char *key, size_t klen, int dbid)
{
    int flags = srv.cfg.notify_keyspace_events;
    if (!(flags & type) || !(flags & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT)))
        return;
    size_t elen = strlen(event);
    if (flags & NOTIFY_KEYSPACE)
        pubsub_notify_one("keyspace", dbid, key, klen, event, elen);
    if (flags & NOTIFY_KEYEVENT)
        pubsub_notify_one("keyevent", dbid, event, elen, key, klen);
}
