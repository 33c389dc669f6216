#include "slowlog.h"

#include <stdio.h>
#include <string.h>

#include "../net/client.h"
#include "../proto/reply.h"
#include "../util/mem.h"
#include "../util/num.h"
#include "server.h"

/* Redis keeps at most this many arguments, each cut to this many bytes, per entry. */
#define SLOWLOG_MAX_ARGS 32
#define SLOWLOG_MAX_ARG_LEN 128

struct slowlog_entry {
    struct slowlog_entry *next; /* older entry */
    long long id;
    long long time;             /* unix seconds */
    long long duration;         /* microseconds */
    int argc;
    struct cmd_arg *argv;       /* owned copies */
    char *peer;
    char *name;
};

struct slowlog {
    struct slowlog_entry *newest;
    long long len;
    long long next_id;
};

struct slowlog *slowlog_create(void)
{
    return mem_calloc(sizeof(struct slowlog));
}

static void slowlog_entry_free(struct slowlog_entry *e)
{
    for (int i = 0; i < e->argc; i++)
        mem_free(e->argv[i].ptr);
    mem_free(e->argv);
    mem_free(e->peer);
    mem_free(e->name);
    mem_free(e);
}

static void slowlog_reset(struct slowlog *log)
{
    while (log->newest) {
        struct slowlog_entry *e = log->newest;
        log->newest = e->next;
        slowlog_entry_free(e);
    }
    log->len = 0;
}

void slowlog_free(struct slowlog *log)
{
    if (!log)
        return;
    slowlog_reset(log);
    mem_free(log);
}

/* Drops the oldest entries beyond slowlog-max-len. */
static void slowlog_trim(struct slowlog *log)
{
    if (log->len <= srv.cfg.slowlog_max_len)
        return;
    struct slowlog_entry **link = &log->newest;
    for (long long i = 0; i < srv.cfg.slowlog_max_len && *link; i++)
        link = &(*link)->next;
    while (*link) {
        struct slowlog_entry *e = *link;
        *link = e->next;
        slowlog_entry_free(e);
        log->len--;
    }
}

void slowlog_consider(struct slowlog *log, const struct client *c, long long duration_us)
{
    if (srv.cfg.slowlog_log_slower_than < 0 || duration_us < srv.cfg.slowlog_log_slower_than)
        return;
    struct slowlog_entry *e = mem_calloc(sizeof *e);
    e->id = log->next_id++;
    e->time = server_unix_ms() / 1000;
    e->duration = duration_us;
    e->argc = c->argc > SLOWLOG_MAX_ARGS ? SLOWLOG_MAX_ARGS : c->argc;
    e->argv = mem_alloc(sizeof *e->argv * (size_t)e->argc);
    for (int i = 0; i < e->argc; i++) {
        char buf[SLOWLOG_MAX_ARG_LEN + 64];
        const struct cmd_arg *a = &c->argv[i];
        size_t len;
        if (e->argc < c->argc && i == e->argc - 1) {
            len = (size_t)snprintf(buf, sizeof buf, "... (%d more arguments)",
                                   c->argc - e->argc + 1);
        } else if (a->len > SLOWLOG_MAX_ARG_LEN) {
            memcpy(buf, a->ptr, SLOWLOG_MAX_ARG_LEN);
            len = SLOWLOG_MAX_ARG_LEN + (size_t)snprintf(buf + SLOWLOG_MAX_ARG_LEN,
                      sizeof buf - SLOWLOG_MAX_ARG_LEN, "... (%zu more bytes)",
                      a->len - SLOWLOG_MAX_ARG_LEN);
        } else {
            memcpy(buf, a->ptr, a->len);
            len = a->len;
        }
        e->argv[i].ptr = mem_strndup(buf, len);
        e->argv[i].len = len;
    }
    e->peer = mem_strdup(c->addr);
    e->name = mem_strdup(c->name ? c->name : "");
    e->next = log->newest;
    log->newest = e;
    log->len++;
    slowlog_trim(log);
}

void cmd_slowlog_get(struct client *c)
{
    long long count = 10;
    if (c->argc == 3) {
        if (num_parse_ll(c->argv[2].ptr, c->argv[2].len, &count) < 0 || count < -1) {
            reply_error(c, "ERR count should be greater than or equal to -1");
            return;
        }
        if (count == -1)
            count = srv.slowlog->len;
    } else if (c->argc > 3) {
        reply_error_arity(c, "slowlog|get");
        return;
    }
    long long n = count < srv.slowlog->len ? count : srv.slowlog->len;
    reply_array(c, n);
    struct slowlog_entry *e = srv.slowlog->newest;
    for (long long i = 0; i < n; i++, e = e->next) {
        reply_array(c, 6);
        reply_integer(c, e->id);
        reply_integer(c, e->time);
        reply_integer(c, e->duration);
        reply_array(c, e->argc);
        for (int j = 0; j < e->argc; j++)
            reply_bulk(c, e->argv[j].ptr, e->argv[j].len);
        reply_bulk_cstr(c, e->peer);
        reply_bulk_cstr(c, e->name);
    }
}

void cmd_slowlog_len(struct client *c)
{
    reply_integer(c, srv.slowlog->len);
}

void cmd_slowlog_reset(struct client *c)
{
    slowlog_reset(srv.slowlog);
    reply_ok(c);
}

void cmd_slowlog_help(struct client *c)
{
    static const char *const help[] = {
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Print this help.",
        NULL,
    };
    reply_help(c, help);
}
