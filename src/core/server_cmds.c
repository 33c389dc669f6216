/* Connection and server commands: PING, ECHO, QUIT, RESET, HELLO, AUTH, TIME, LASTSAVE,
 * SHUTDOWN, DEBUG. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cmd/cmd.h"
#include "../db/db.h"
#include "../persist/aof.h"
#include "../persist/snapshot.h"
#include "../proto/reply.h"
#include "../util/mem.h"
#include "../util/num.h"
#include "blocking.h"
#include "log.h"
#include "multi.h"
#include "pubsub.h"
#include "server.h"

void cmd_ping(struct client *c)
{
    if (c->argc > 2) {
        reply_error_arity(c, "ping");
        return;
    }
    if (c->resp < 3 && pubsub_count(c)) {
        /* A RESP2 subscriber reads only arrays, so PING answers in that shape. */
        reply_array(c, 2);
        reply_bulk(c, "pong", 4);
        reply_bulk(c, c->argc == 2 ? c->argv[1].ptr : "", c->argc == 2 ? c->argv[1].len : 0);
    } else if (c->argc == 2) {
        reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
    } else {
        reply_raw(c, "+PONG\r\n", 7);
    }
}

void cmd_echo(struct client *c)
{
    reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
}

void cmd_quit(struct client *c)
{
    reply_ok(c);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

void cmd_reset(struct client *c)
{
    multi_reset_client(c);
    pubsub_unsubscribe_all(c);
    blocking_abort(c);
    c->resp = 2;
    c->db = db_get(0);
    mem_free(c->name);
    c->name = NULL;
    c->flags &= ~(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP_NEXT | CLIENT_REPLY_SKIP | CLIENT_NO_EVICT);
    c->authenticated = srv.cfg.requirepass == NULL;
    reply_status(c, "RESET");
}

/* Checks a password for the default user (ferrite has no other users yet). */
static bool server_password_ok(const struct cmd_arg *user, const struct cmd_arg *pass)
{
    if (user && !client_arg_is(user, "default"))
        return false;
    const char *want = srv.cfg.requirepass;
    return want && strlen(want) == pass->len && memcmp(want, pass->ptr, pass->len) == 0;
}

void cmd_auth(struct client *c)
{
    if (c->argc > 3) {
        reply_error_syntax(c);
        return;
    }
    if (c->argc == 2 && !srv.cfg.requirepass) {
        reply_error(c, "ERR AUTH <password> called without any password configured for the "
                       "default user. Are you sure your configuration is correct?");
        return;
    }
    const struct cmd_arg *user = c->argc == 3 ? &c->argv[1] : NULL;
    if (!srv.cfg.requirepass && user && client_arg_is(user, "default")) {
        c->authenticated = true; /* the default user has no password: anything goes */
        reply_ok(c);
        return;
    }
    if (!server_password_ok(user, &c->argv[c->argc - 1])) {
        reply_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
        return;
    }
    c->authenticated = true;
    reply_ok(c);
}

void cmd_hello(struct client *c)
{
    long long ver = 0;
    int next = 1;
    if (c->argc >= 2) {
        if (num_parse_ll(c->argv[1].ptr, c->argv[1].len, &ver) < 0) {
            reply_error(c, "ERR Protocol version is not an integer or out of range");
            return;
        }
        if (ver < 2 || ver > 3) {
            reply_error(c, "NOPROTO unsupported protocol version");
            return;
        }
        next = 2;
    }
    const struct cmd_arg *setname = NULL;
    for (int i = next; i < c->argc; i++) {
        bool more = c->argc - i - 1;
        if (client_arg_is(&c->argv[i], "auth") && c->argc - i - 1 >= 2) {
            if (!server_password_ok(&c->argv[i + 1], &c->argv[i + 2]) &&
                !(srv.cfg.requirepass == NULL && client_arg_is(&c->argv[i + 1], "default"))) {
                reply_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
                return;
            }
            c->authenticated = true;
            i += 2;
        } else if (client_arg_is(&c->argv[i], "setname") && more) {
            setname = &c->argv[++i];
        } else {
            reply_errorf(c, "ERR Syntax error in HELLO option '%s'", c->argv[i].ptr);
            return;
        }
    }
    if (!c->authenticated) {
        reply_error(c, "NOAUTH HELLO must be called with the client already authenticated, "
                       "otherwise the HELLO AUTH <user> <pass> option can be used to "
                       "authenticate the client and select the RESP protocol version at the "
                       "same time");
        return;
    }
    if (setname && !client_set_name(c, setname))
        return;
    if (ver)
        c->resp = (int)ver;
    reply_map(c, 7);
    reply_bulk_cstr(c, "server");
    reply_bulk_cstr(c, "redis");
    reply_bulk_cstr(c, "version");
    reply_bulk_cstr(c, FERRITE_VERSION);
    reply_bulk_cstr(c, "proto");
    reply_integer(c, c->resp);
    reply_bulk_cstr(c, "id");
    reply_integer(c, (long long)c->id);
    reply_bulk_cstr(c, "mode");
    reply_bulk_cstr(c, "standalone");
    reply_bulk_cstr(c, "role");
    reply_bulk_cstr(c, "master");
    reply_bulk_cstr(c, "modules");
    reply_array(c, 0);
}

void cmd_time(struct client *c)
{
    long long us = server_unix_us();
    reply_array(c, 2);
    reply_bulk_ll(c, us / 1000000);
    reply_bulk_ll(c, us % 1000000);
}

void cmd_lastsave(struct client *c)
{
    reply_integer(c, srv.last_save);
}

void cmd_shutdown(struct client *c)
{
    unsigned flags = 0;
    bool abort = false;
    for (int i = 1; i < c->argc; i++) {
        if (client_arg_is(&c->argv[i], "nosave"))
            flags |= SHUTDOWN_NOSAVE;
        else if (client_arg_is(&c->argv[i], "save"))
            flags |= SHUTDOWN_SAVE;
        else if (client_arg_is(&c->argv[i], "force"))
            flags |= SHUTDOWN_FORCE;
        else if (client_arg_is(&c->argv[i], "abort"))
            abort = true;
        else if (!client_arg_is(&c->argv[i], "now")) {
            reply_error_syntax(c);
            return;
        }
    }
    /* NOW only skips waiting for replicas to catch up, which ferrite never does. */
    if ((flags & SHUTDOWN_SAVE && flags & SHUTDOWN_NOSAVE) || (abort && c->argc > 2)) {
        reply_error_syntax(c);
        return;
    }
    if (abort) {
        /* A shutdown here completes within the command, so none is ever pending. */
        reply_error(c, "ERR No shutdown in progress.");
        return;
    }
    log_msg(LOG_WARNING, "User requested shutdown...");
    if (server_prepare_shutdown(flags) < 0) {
        reply_error(c, "ERR Errors trying to SHUTDOWN. Check logs.");
        return;
    }
    log_msg(LOG_WARNING, "ferrite is now ready to exit, bye bye...");
    exit(0);
}

/* DEBUG POPULATE count [prefix] [size]: creates key:N -> value:N (padded to size),
 * skipping names that exist, as Redis does. */
static void debug_populate(struct client *c)
{
    long long count, size = 0;
    if (num_parse_ll(c->argv[2].ptr, c->argv[2].len, &count) < 0 || count < 0 ||
        (c->argc == 5 && (num_parse_ll(c->argv[4].ptr, c->argv[4].len, &size) < 0 || size < 0))) {
        reply_error_not_int(c);
        return;
    }
    const char *prefix = c->argc >= 4 ? c->argv[3].ptr : "key";
    size_t plen = c->argc >= 4 ? c->argv[3].len : 3;
    char *key = mem_alloc(plen + NUM_LL_STR_MAX + 1);
    char *val = mem_alloc((size_t)size + NUM_LL_STR_MAX + 8);
    memcpy(key, prefix, plen);
    key[plen] = ':';
    for (long long i = 0; i < count; i++) {
        size_t klen = plen + 1 + num_ll_to_str(key + plen + 1, i);
        if (db_lookup(c->db, key, klen, DB_LOOKUP_WRITE | DB_LOOKUP_NOTOUCH))
            continue;
        size_t vlen = (size_t)snprintf(val, NUM_LL_STR_MAX + 8, "value:%lld", i);
        if (size > 0) {
            if ((size_t)size > vlen)
                memset(val + vlen, 0, (size_t)size - vlen);
            vlen = (size_t)size;
        }
        db_add(c->db, kv_new_string(key, klen, val, vlen, -1));
    }
    mem_free(key);
    mem_free(val);
    reply_ok(c);
}

/* DEBUG RELOAD [NOSAVE] [NOFLUSH]: save, empty the databases and load the file again, so
 * tests can check that what was saved is what comes back. */
static void debug_reload(struct client *c)
{
    bool nosave = false, noflush = false;
    for (int i = 2; i < c->argc; i++) {
        if (client_arg_is(&c->argv[i], "nosave")) {
            nosave = true;
        } else if (client_arg_is(&c->argv[i], "noflush")) {
            noflush = true;
        } else {
            reply_error(c, "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
            return;
        }
    }
    if (snapshot_debug_reload(nosave, noflush) < 0) {
        reply_error(c, "ERR Error trying to load the RDB dump, check server logs.");
        return;
    }
    log_msg(LOG_NOTICE, "DB reloaded by DEBUG RELOAD");
    reply_ok(c);
}

void cmd_debug(struct client *c)
{
    const struct cmd_arg *sub = &c->argv[1];
    if (client_arg_is(sub, "help")) {
        static const char *const help[] = {
            "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "OBJECT <key>",
            "    Show low level info about the key and associated value.",
            "LOADAOF",
            "    Flush the AOF buffers on disk and reload the AOF in memory.",
            "RELOAD [option ...]",
            "    Save the RDB on disk and reload it back to memory. Options:",
            "    * NOSAVE: the database will be loaded from an existing RDB file.",
            "    * NOFLUSH: the existing database will not be removed before load.",
            "POPULATE <count> [<prefix>] [<size>]",
            "    Create <count> string keys named key:<num>. If <prefix> is specified then",
            "    it is used instead of the 'key' prefix. These are not propagated to",
            "    replicas. Cluster slots are not respected so keys not belonging to the",
            "    current node can be created in cluster mode.",
            "SET-ACTIVE-EXPIRE <0|1>",
            "    Setting it to 0 disables expiring keys in background when they are not",
            "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
            "    default.",
            "SLEEP <seconds>",
            "    Stop the server for <seconds>. Decimals allowed.",
            "HELP",
            "    Print this help.",
            NULL,
        };
        reply_help(c, help);
    } else if (client_arg_is(sub, "sleep") && c->argc == 3) {
        double secs;
        if (num_parse_double(c->argv[2].ptr, c->argv[2].len, &secs) < 0 || secs < 0) {
            reply_error(c, "ERR value is not a valid float");
            return;
        }
        usleep((useconds_t)(secs * 1000000));
        reply_ok(c);
    } else if (client_arg_is(sub, "set-active-expire") && c->argc == 3) {
        long long on;
        if (num_parse_ll(c->argv[2].ptr, c->argv[2].len, &on) < 0) {
            reply_error_not_int(c);
            return;
        }
        srv.active_expire_enabled = on != 0;
        reply_ok(c);
    } else if (client_arg_is(sub, "reload")) {
        debug_reload(c);
    } else if (client_arg_is(sub, "loadaof") && c->argc == 2) {
        char err[128];
        if (aof_debug_reload(err, sizeof err) < 0) {
            reply_error(c, err);
        } else {
            log_msg(LOG_NOTICE, "Append Only File loaded by DEBUG LOADAOF");
            reply_ok(c);
        }
    } else if (client_arg_is(sub, "populate") && c->argc >= 3 && c->argc <= 5) {
        debug_populate(c);
    } else if (client_arg_is(sub, "object") && c->argc == 3) {
        /* Straight from the table, as Redis: introspection must not expire the key. */
        struct kv *kv = (struct kv *)dict_find(&c->db->keys, c->argv[2].ptr, c->argv[2].len);
        if (!kv) {
            reply_error(c, "ERR no such key");
            return;
        }
        char line[256];
        snprintf(line, sizeof line,
                 "Value at:%p refcount:1 encoding:%s serializedlength:%zu lru:%u "
                 "lru_seconds_idle:%lld",
                 (void *)kv, kv_encoding_name(kv), kv->type == KV_STRING ? kv_string_len(kv) : 0,
                 (unsigned)kv->lru, db_idle_seconds(kv));
        reply_status(c, line);
    } else {
        reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.128s'. "
                        "Try DEBUG HELP.", sub->ptr);
    }
}
