#include "multi.h"

#include <string.h>

#include "../cmd/cmd.h"
#include "../db/db.h"
#include "../db/dict.h"
#include "../net/client.h"
#include "../proto/reply.h"
#include "../util/mem.h"
#include "server.h"

/* One queued command: its argument bytes follow the argv array in the same block. */
struct multi_cmd {
    const struct cmd *cmd;
    int argc;
    struct cmd_arg *argv;
};

struct multi_state {
    struct multi_cmd *cmds;
    int count;
    int cap;
    bool error;   /* a command was rejected while queuing: EXECABORT */
};

/* Clients watching one key of one database. Keyed by the 4-byte db id then the key. */
struct watch_entry {
    struct dict_node node;
    struct client **clients;
    size_t nclients;
    size_t keylen; /* of key[], db id included */
    char key[];
};

/* A client's own list of what it watches, with what the key looked like then. */
struct watch_ref {
    struct watch_entry *entry;
    struct db *db;
    bool expired_at_watch; /* an already-expired key expiring later is no change */
};

/* All WATCHed keys of all clients: a write looks itself up here, so it stays O(1). */
static struct dict multi_watched;
static bool multi_watched_ready;

static void multi_watch_key_fn(const struct dict_node *node, const char **key, size_t *len)
{
    const struct watch_entry *e = (const struct watch_entry *)node;
    *key = e->key;
    *len = e->keylen;
}

static struct dict *multi_watch_table(void)
{
    if (!multi_watched_ready) {
        dict_init(&multi_watched, multi_watch_key_fn);
        multi_watched_ready = true;
    }
    return &multi_watched;
}

/* Builds the registry key (db id + key) into buf, which must hold len + 4 bytes. */
static size_t multi_registry_key(char *buf, const struct db *db, const char *key, size_t len)
{
    int id = db_id(db);
    memcpy(buf, &id, sizeof id);
    memcpy(buf + sizeof id, key, len);
    return len + sizeof id;
}

bool multi_active(const struct client *c)
{
    return c->multi != NULL;
}

int multi_queued_count(const struct client *c)
{
    return c->multi ? c->multi->count : -1;
}

bool multi_runs_immediately(const struct cmd *cmd)
{
    cmd_proc *p = cmd->proc;
    return p == cmd_exec || p == cmd_discard || p == cmd_multi || p == cmd_watch ||
           p == cmd_quit || p == cmd_reset;
}

void multi_queue(struct client *c, const struct cmd *cmd)
{
    struct multi_state *m = c->multi;
    if (m->count == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 4;
        m->cmds = mem_realloc(m->cmds, sizeof *m->cmds * (size_t)m->cap);
    }
    struct cmd_arg *argv = client_copy_argv(c->argv, c->argc);
    m->cmds[m->count++] = (struct multi_cmd){cmd, c->argc, argv};
}

void multi_flag_error(struct client *c)
{
    if (c->multi)
        c->multi->error = true;
}

static void multi_discard(struct client *c)
{
    struct multi_state *m = c->multi;
    if (!m)
        return;
    for (int i = 0; i < m->count; i++)
        mem_free(m->cmds[i].argv);
    mem_free(m->cmds);
    mem_free(m);
    c->multi = NULL;
}

static void multi_unwatch_all(struct client *c)
{
    for (size_t i = 0; i < c->nwatched; i++) {
        struct watch_entry *e = c->watched[i].entry;
        for (size_t j = 0; j < e->nclients; j++) {
            if (e->clients[j] == c) {
                e->clients[j] = e->clients[--e->nclients];
                break;
            }
        }
        if (e->nclients == 0) {
            dict_unlink(multi_watch_table(), e->key, e->keylen);
            mem_free(e->clients);
            mem_free(e);
        }
    }
    mem_free(c->watched);
    c->watched = NULL;
    c->nwatched = 0;
    c->flags &= ~CLIENT_DIRTY_CAS;
}

void multi_reset_client(struct client *c)
{
    multi_discard(c);
    multi_unwatch_all(c);
}

static void multi_touch_entry(struct watch_entry *e, bool expiring)
{
    for (size_t i = 0; i < e->nclients; i++) {
        struct client *c = e->clients[i];
        if (expiring) {
            struct watch_ref *w = NULL;
            for (size_t j = 0; j < c->nwatched && !w; j++)
                if (c->watched[j].entry == e)
                    w = &c->watched[j];
            if (w && w->expired_at_watch) {
                w->expired_at_watch = false; /* its deletion is no change; later ones are */
                continue;
            }
        }
        c->flags |= CLIENT_DIRTY_CAS;
    }
}

static void multi_touch_key_generic(struct db *db, const char *key, size_t len, bool expiring)
{
    if (!multi_watched_ready || dict_size(&multi_watched) == 0)
        return;
    char stack[256];
    char *buf = len + 4 <= sizeof stack ? stack : mem_alloc(len + 4);
    size_t klen = multi_registry_key(buf, db, key, len);
    struct watch_entry *e = (struct watch_entry *)dict_find(&multi_watched, buf, klen);
    if (e)
        multi_touch_entry(e, expiring);
    if (buf != stack)
        mem_free(buf);
}

void multi_touch_key(struct db *db, const char *key, size_t len)
{
    multi_touch_key_generic(db, key, len, false);
}

void multi_touch_expired_key(struct db *db, const char *key, size_t len)
{
    multi_touch_key_generic(db, key, len, true);
}

void multi_touch_db(struct db *db)
{
    if (!multi_watched_ready || dict_size(&multi_watched) == 0)
        return;
    int id = db_id(db);
    struct dict_iter it;
    dict_iter_init(&it, &multi_watched);
    for (struct dict_node *n; (n = dict_iter_next(&it)) != NULL;) {
        struct watch_entry *e = (struct watch_entry *)n;
        int eid;
        memcpy(&eid, e->key, sizeof eid);
        if (eid == id && db_lookup(db, e->key + 4, e->keylen - 4, DB_LOOKUP_WRITE | DB_LOOKUP_NOTOUCH))
            multi_touch_entry(e, false);
    }
    dict_iter_release(&it);
}

/* ---- commands ---- */

void cmd_multi(struct client *c)
{
    if (c->multi) {
        reply_error(c, "ERR MULTI calls can not be nested");
        return;
    }
    c->multi = mem_calloc(sizeof *c->multi);
    reply_ok(c);
}

void cmd_discard(struct client *c)
{
    if (!c->multi) {
        reply_error(c, "ERR DISCARD without MULTI");
        return;
    }
    multi_reset_client(c);
    reply_ok(c);
}

/* True if a watched key that was live at WATCH time has since expired. */
static bool multi_watched_key_expired(struct client *c)
{
    for (size_t i = 0; i < c->nwatched; i++) {
        const struct watch_ref *w = &c->watched[i];
        if (w->expired_at_watch)
            continue;
        struct watch_entry *e = w->entry;
        struct kv *kv = (struct kv *)dict_find(&w->db->keys, e->key + 4, e->keylen - 4);
        if (kv && db_is_expired(kv))
            return true;
    }
    return false;
}

void cmd_exec(struct client *c)
{
    struct multi_state *m = c->multi;
    if (!m) {
        reply_error(c, "ERR EXEC without MULTI");
        return;
    }
    if (m->error) {
        reply_error(c, "EXECABORT Transaction discarded because of previous errors.");
        multi_reset_client(c);
        return;
    }
    if ((c->flags & CLIENT_DIRTY_CAS) || multi_watched_key_expired(c)) {
        reply_null_array(c);
        multi_reset_client(c);
        return;
    }
    /* Unwatch first: the transaction's own writes must not mark it dirty. */
    multi_unwatch_all(c);
    c->multi = NULL;
    struct cmd_arg *saved_argv = c->argv;
    int saved_argc = c->argc;
    const struct cmd *saved_cmd = c->cmd;
    reply_array(c, m->count);
    c->flags |= CLIENT_IN_EXEC;
    for (int i = 0; i < m->count; i++) {
        c->argv = m->cmds[i].argv;
        c->argc = m->cmds[i].argc;
        server_call(c, (struct cmd *)m->cmds[i].cmd);
        mem_free(m->cmds[i].argv);
    }
    c->flags &= ~CLIENT_IN_EXEC;
    c->argv = saved_argv;
    c->argc = saved_argc;
    c->cmd = saved_cmd;
    mem_free(m->cmds);
    mem_free(m);
}

void cmd_watch(struct client *c)
{
    if (c->multi) {
        reply_error(c, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    struct dict *table = multi_watch_table();
    for (int i = 1; i < c->argc; i++) {
        const struct cmd_arg *key = &c->argv[i];
        char *buf = mem_alloc(key->len + 4);
        size_t klen = multi_registry_key(buf, c->db, key->ptr, key->len);
        struct watch_entry *e = (struct watch_entry *)dict_find(table, buf, klen);
        bool already = false;
        for (size_t j = 0; e && j < e->nclients && !already; j++)
            already = e->clients[j] == c;
        if (!already) {
            if (!e) {
                e = mem_calloc(sizeof *e + klen);
                e->keylen = klen;
                memcpy(e->key, buf, klen);
                dict_add(table, &e->node);
            }
            e->clients = mem_realloc(e->clients, sizeof *e->clients * (e->nclients + 1));
            e->clients[e->nclients++] = c;
            c->watched = mem_realloc(c->watched, sizeof *c->watched * (c->nwatched + 1));
            struct kv *kv = (struct kv *)dict_find(&c->db->keys, key->ptr, key->len);
            c->watched[c->nwatched++] = (struct watch_ref){e, c->db, kv && db_is_expired(kv)};
        }
        mem_free(buf);
    }
    reply_ok(c);
}

void cmd_unwatch(struct client *c)
{
    multi_unwatch_all(c);
    reply_ok(c);
}
