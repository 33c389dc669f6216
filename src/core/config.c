#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../cmd/cmd.h"
#include "../persist/aof.h"
#include "../proto/reply.h"
#include "../proto/resp.h"
#include "../util/fileio.h"
#include "../util/glob.h"
#include "../util/mem.h"
#include "../util/num.h"
#include "../util/sbuf.h"
#include "log.h"
#include "server.h"
#include "../repl/repl.h"

enum cfg_kind { CFG_BOOL, CFG_INT, CFG_LL, CFG_MEM, CFG_ENUM, CFG_STR, CFG_CUSTOM };

enum cfg_flags {
    CFG_IMMUTABLE = 1 << 0, /* only from the file or command line */
    CFG_MULTI_ARG = 1 << 1, /* takes several arguments (CONFIG SET splits its value) */
    CFG_PROTECTED = 1 << 2, /* CONFIG SET only as enable-protected-configs allows */
    CFG_FILENAME = 1 << 3,  /* a file name in `dir`, not a path; "" stays "", not NULL */
    CFG_DIRNAME = 1 << 4,   /* a directory name in `dir`, not a path */
    CFG_NONEMPTY = 1 << 5,  /* "" is refused */
};

struct cfg_enum {
    const char *name;
    int value;
};

struct cfg_directive;
typedef int cfg_parse_fn(const struct cfg_directive *d, int argc, char **argv, char *err);
typedef void cfg_format_fn(const struct cfg_directive *d, struct sbuf *out);
typedef int cfg_apply_fn(char *err);

struct cfg_directive {
    const char *name;
    const char *alias;
    enum cfg_kind kind;
    unsigned flags;
    void *field;                  /* into srv.cfg */
    const char *dflt;             /* parsed like any other value at start-up */
    long long min, max;           /* for numeric kinds */
    const struct cfg_enum *enums; /* for CFG_ENUM */
    cfg_parse_fn *parse;          /* for CFG_CUSTOM */
    cfg_format_fn *format;        /* for CFG_CUSTOM */
    cfg_apply_fn *apply;          /* run after a run-time change; may refuse it */
};

/* ---- enumerations ---- */

static const struct cfg_enum cfg_loglevels[] = {
    {"debug", LOG_DEBUG}, {"verbose", LOG_VERBOSE}, {"notice", LOG_NOTICE},
    {"warning", LOG_WARNING}, {"nothing", LOG_NOTHING}, {NULL, 0},
};

static const struct cfg_enum cfg_policies[] = {
    {"volatile-lru", MAXMEMORY_VOLATILE_LRU}, {"volatile-lfu", MAXMEMORY_VOLATILE_LFU},
    {"volatile-random", MAXMEMORY_VOLATILE_RANDOM}, {"volatile-ttl", MAXMEMORY_VOLATILE_TTL},
    {"allkeys-lru", MAXMEMORY_ALLKEYS_LRU}, {"allkeys-lfu", MAXMEMORY_ALLKEYS_LFU},
    {"allkeys-random", MAXMEMORY_ALLKEYS_RANDOM}, {"noeviction", MAXMEMORY_NOEVICTION},
    {NULL, 0},
};

static const struct cfg_enum cfg_fsync[] = {
    {"always", APPENDFSYNC_ALWAYS}, {"everysec", APPENDFSYNC_EVERYSEC}, {"no", APPENDFSYNC_NO},
    {NULL, 0},
};

static const struct cfg_enum cfg_debug_modes[] = {
    {"no", 0}, {"yes", 1}, {"local", 2}, {NULL, 0},
};

static const struct cfg_enum cfg_io_models[] = {
    {"epoll", 0}, {"poll", 1}, {"select", 2}, {NULL, 0},
};

const char *config_io_model_name(int model)
{
    return cfg_io_models[model].name;
}

/* ---- value parsing shared by every kind ---- */

/* Parses "100", "1k" (1000), "1kb" (1024), "5mb", "1gb", case-insensitively. */
static int cfg_parse_memory(const char *s, long long *out)
{
    size_t len = strlen(s), digits = len;
    long long mul = 1;
    static const struct { const char *unit; long long mul; } units[] = {
        {"gb", 1024LL * 1024 * 1024}, {"mb", 1024 * 1024}, {"kb", 1024},
        {"g", 1000000000LL}, {"m", 1000000}, {"k", 1000}, {"b", 1},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t ul = strlen(units[i].unit);
        if (len > ul && strcasecmp(s + len - ul, units[i].unit) == 0) {
            digits = len - ul;
            mul = units[i].mul;
            break;
        }
    }
    long long v;
    if (num_parse_ll(s, digits, &v) < 0 || v < 0 || (mul > 1 && v > LLONG_MAX / mul))
        return -1;
    *out = v * mul;
    return 0;
}

static int cfg_set_err(char *err, const char *fmt, const char *a)
{
    snprintf(err, CONFIG_ERR_LEN, fmt, a);
    return -1;
}

static int cfg_parse_value(const struct cfg_directive *d, int argc, char **argv, char *err)
{
    if (d->kind == CFG_CUSTOM)
        return d->parse(d, argc, argv, err);
    if (argc != 1)
        return cfg_set_err(err, "wrong number of arguments", "");
    const char *v = argv[0];
    long long n;
    switch (d->kind) {
    case CFG_BOOL:
        if (strcasecmp(v, "yes") == 0)
            *(bool *)d->field = true;
        else if (strcasecmp(v, "no") == 0)
            *(bool *)d->field = false;
        else
            return cfg_set_err(err, "argument must be 'yes' or 'no'", "");
        return 0;
    case CFG_INT:
    case CFG_LL:
    case CFG_MEM:
        if (d->kind == CFG_MEM ? cfg_parse_memory(v, &n) < 0 : num_parse_ll(v, strlen(v), &n) < 0)
            return cfg_set_err(err, d->kind == CFG_MEM ? "argument must be a memory value"
                                                       : "argument couldn't be parsed into an integer", "");
        if (n < d->min || n > d->max) {
            snprintf(err, CONFIG_ERR_LEN, "argument must be between %lld and %lld inclusive",
                     d->min, d->max);
            return -1;
        }
        if (d->kind == CFG_INT)
            *(int *)d->field = (int)n;
        else
            *(long long *)d->field = n;
        return 0;
    case CFG_ENUM:
        for (const struct cfg_enum *e = d->enums; e->name; e++) {
            if (strcasecmp(e->name, v) == 0) {
                *(int *)d->field = e->value;
                return 0;
            }
        }
        {
            struct sbuf names = SBUF_INIT;
            for (const struct cfg_enum *e = d->enums; e->name; e++)
                sbuf_catfmt(&names, "%s%s", e == d->enums ? "" : ", ", e->name);
            cfg_set_err(err, "argument(s) must be one of the following: %s", names.data);
            sbuf_free(&names);
        }
        return -1;
    case CFG_STR: {
        /* Names of files inside `dir` must stay there: "../x" or "/etc/x" would let a
         * config change write anywhere the server may. */
        if ((d->flags & CFG_NONEMPTY) && !v[0])
            return cfg_set_err(err, "%s can't be empty", d->name);
        if ((d->flags & CFG_FILENAME) && strchr(v, '/'))
            return cfg_set_err(err, "%s can't be a path, just a filename", d->name);
        if ((d->flags & CFG_DIRNAME) && strchr(v, '/'))
            return cfg_set_err(err, "%s can't be a path, just a dirname", d->name);
        char **field = d->field;
        mem_free(*field);
        *field = v[0] || (d->flags & (CFG_FILENAME | CFG_DIRNAME)) ? mem_strdup(v) : NULL;
        return 0;
    }
    case CFG_CUSTOM:
        break;
    }
    return -1;
}

static void cfg_format_value(const struct cfg_directive *d, struct sbuf *out)
{
    switch (d->kind) {
    case CFG_BOOL:
        sbuf_cat(out, *(bool *)d->field ? "yes" : "no");
        break;
    case CFG_INT:
        sbuf_catfmt(out, "%d", *(int *)d->field);
        break;
    case CFG_LL:
    case CFG_MEM:
        sbuf_catfmt(out, "%lld", *(long long *)d->field);
        break;
    case CFG_ENUM:
        for (const struct cfg_enum *e = d->enums; e->name; e++) {
            if (e->value == *(int *)d->field) {
                sbuf_cat(out, e->name);
                break;
            }
        }
        break;
    case CFG_STR: {
        char *s = *(char **)d->field;
        sbuf_cat(out, s ? s : "");
        break;
    }
    case CFG_CUSTOM:
        d->format(d, out);
        break;
    }
    if (!out->data)
        sbuf_cat(out, "");
}

/* ---- custom directives ---- */

static int cfg_parse_bind(const struct cfg_directive *d, int argc, char **argv, char *err)
{
    (void)d;
    if (argc < 1 || argc > SERVER_MAX_BIND)
        return cfg_set_err(err, "Too many bind addresses specified.", "");
    for (int i = 0; i < srv.cfg.nbind; i++)
        mem_free(srv.cfg.bind[i]);
    for (int i = 0; i < argc; i++)
        srv.cfg.bind[i] = mem_strdup(argv[i]);
    srv.cfg.nbind = argc;
    return 0;
}

static void cfg_format_bind(const struct cfg_directive *d, struct sbuf *out)
{
    (void)d;
    for (int i = 0; i < srv.cfg.nbind; i++)
        sbuf_catfmt(out, "%s%s", i ? " " : "", srv.cfg.bind[i]);
}

/* Within one config file, the first `save` line replaces the defaults and later ones
 * add to it, as in Redis. */
static bool cfg_save_seen;

static int cfg_parse_save(const struct cfg_directive *d, int argc, char **argv, char *err)
{
    if (argc == 1 && argv[0][0] == '\0') {
        srv.cfg.nsave = 0;
        return 0;
    }
    if (argc == 1 && strchr(argv[0], ' ')) {
        /* `--save "900 1 300 10"`: one quoted argument, split by spaces as Redis 7.0 does
         * for every multi-argument directive. */
        char *copy = mem_strdup(argv[0]), *save_ptr = NULL;
        char *words[2 * SERVER_MAX_SAVEPOINTS + 1];
        int n = 0;
        for (char *w = strtok_r(copy, " ", &save_ptr); w && n < (int)(sizeof words / sizeof *words);
             w = strtok_r(NULL, " ", &save_ptr))
            words[n++] = w;
        int rc = n == 0 ? cfg_set_err(err, "Invalid save parameters", "")
                        : cfg_parse_save(d, n, words, err);
        mem_free(copy);
        return rc;
    }
    if (argc % 2 != 0 || argc == 0)
        return cfg_set_err(err, "Invalid save parameters", "");
    struct save_point points[SERVER_MAX_SAVEPOINTS];
    int n = 0;
    for (int i = 0; i < argc; i += 2) {
        long long secs, changes;
        if (num_parse_ll(argv[i], strlen(argv[i]), &secs) < 0 || secs < 1 ||
            num_parse_ll(argv[i + 1], strlen(argv[i + 1]), &changes) < 0 || changes < 0)
            return cfg_set_err(err, "Invalid save parameters", "");
        if (n == SERVER_MAX_SAVEPOINTS)
            return cfg_set_err(err, "Too many save points", "");
        points[n++] = (struct save_point){secs, changes};
    }
    if (!cfg_save_seen) {
        srv.cfg.nsave = 0;
    }
    for (int i = 0; i < n && srv.cfg.nsave < SERVER_MAX_SAVEPOINTS; i++)
        srv.cfg.save[srv.cfg.nsave++] = points[i];
    return 0;
}

static void cfg_format_save(const struct cfg_directive *d, struct sbuf *out)
{
    (void)d;
    for (int i = 0; i < srv.cfg.nsave; i++)
        sbuf_catfmt(out, "%s%lld %lld", i ? " " : "", srv.cfg.save[i].seconds,
                    srv.cfg.save[i].changes);
}

static const char *const cfg_class_names[CLIENT_CLASS_COUNT] = {"normal", "slave", "pubsub"};

static int cfg_parse_obuf(const struct cfg_directive *d, int argc, char **argv, char *err)
{
    (void)d;
    if (argc == 0 || argc % 4 != 0)
        return cfg_set_err(err, "Wrong number of arguments in buffer limit configuration.", "");
    struct obuf_limit limits[CLIENT_CLASS_COUNT];
    memcpy(limits, srv.cfg.obuf_limits, sizeof limits);
    for (int i = 0; i < argc; i += 4) {
        int cls;
        if (strcasecmp(argv[i], "normal") == 0)
            cls = CLIENT_CLASS_NORMAL;
        else if (strcasecmp(argv[i], "replica") == 0 || strcasecmp(argv[i], "slave") == 0)
            cls = CLIENT_CLASS_REPLICA;
        else if (strcasecmp(argv[i], "pubsub") == 0)
            cls = CLIENT_CLASS_PUBSUB;
        else
            return cfg_set_err(err, "Invalid client class specified in buffer limit configuration.", "");
        long long hard, soft, secs;
        if (cfg_parse_memory(argv[i + 1], &hard) < 0 || cfg_parse_memory(argv[i + 2], &soft) < 0 ||
            num_parse_ll(argv[i + 3], strlen(argv[i + 3]), &secs) < 0 || secs < 0)
            return cfg_set_err(err, "Error in hard, soft or soft_seconds setting in buffer limit configuration.", "");
        limits[cls] = (struct obuf_limit){hard, soft, secs};
    }
    memcpy(srv.cfg.obuf_limits, limits, sizeof limits);
    return 0;
}

static void cfg_format_obuf(const struct cfg_directive *d, struct sbuf *out)
{
    (void)d;
    for (int i = 0; i < CLIENT_CLASS_COUNT; i++) {
        const struct obuf_limit *l = &srv.cfg.obuf_limits[i];
        sbuf_catfmt(out, "%s%s %lld %lld %lld", i ? " " : "", cfg_class_names[i], l->hard,
                    l->soft, l->soft_seconds);
    }
}

static const struct {
    char flag;
    int bit;
} cfg_notify_flags[] = {
    {'g', NOTIFY_GENERIC}, {'$', NOTIFY_STRING}, {'l', NOTIFY_LIST}, {'s', NOTIFY_SET},
    {'h', NOTIFY_HASH}, {'z', NOTIFY_ZSET}, {'x', NOTIFY_EXPIRED}, {'e', NOTIFY_EVICTED},
    {'t', NOTIFY_STREAM}, {'m', NOTIFY_KEY_MISS}, {'d', NOTIFY_MODULE}, {'n', NOTIFY_NEW},
    {'K', NOTIFY_KEYSPACE}, {'E', NOTIFY_KEYEVENT},
};
#define CFG_NOTIFY_NFLAGS (sizeof cfg_notify_flags / sizeof cfg_notify_flags[0])

static int cfg_parse_notify(const struct cfg_directive *d, int argc, char **argv, char *err)
{
    (void)d;
    if (argc != 1)
        return cfg_set_err(err, "wrong number of arguments", "");
    int bits = 0;
    for (const char *p = argv[0]; *p; p++) {
        if (*p == 'A') {
            bits |= NOTIFY_ALL;
            continue;
        }
        size_t i;
        for (i = 0; i < CFG_NOTIFY_NFLAGS && cfg_notify_flags[i].flag != *p; i++)
            ;
        if (i == CFG_NOTIFY_NFLAGS)
            return cfg_set_err(err, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.", "");
        bits |= cfg_notify_flags[i].bit;
    }
    srv.cfg.notify_keyspace_events = bits;
    return 0;
}

static void cfg_format_notify(const struct cfg_directive *d, struct sbuf *out)
{
    (void)d;
    int bits = srv.cfg.notify_keyspace_events;
    if ((bits & NOTIFY_ALL) == NOTIFY_ALL) {
        sbuf_cat(out, "A");
        bits &= ~NOTIFY_ALL;
    }
    for (size_t i = 0; i < CFG_NOTIFY_NFLAGS; i++)
        if (bits & cfg_notify_flags[i].bit)
            sbuf_catlen(out, &cfg_notify_flags[i].flag, 1);
    if (!out->data)
        sbuf_cat(out, "");
}

static int cfg_parse_octal(const struct cfg_directive *d, int argc, char **argv, char *err)
{
    if (argc != 1)
        return cfg_set_err(err, "wrong number of arguments", "");
    char *end;
    errno = 0;
    long v = strtol(argv[0], &end, 8);
    if (*end || errno || v < 0 || v > 0777)
        return cfg_set_err(err, "argument couldn't be parsed into an integer", "");
    *(int *)d->field = (int)v;
    return 0;
}

static void cfg_format_octal(const struct cfg_directive *d, struct sbuf *out)
{
    sbuf_catfmt(out, "%o", *(int *)d->field);
}

static int cfg_parse_dir(const struct cfg_directive *d, int argc, char **argv, char *err)
{
    (void)d;
    if (argc != 1)
        return cfg_set_err(err, "wrong number of arguments", "");
    if (chdir(argv[0]) < 0)
        return cfg_set_err(err, "%s", strerror(errno));
    return 0;
}

static void cfg_format_dir(const struct cfg_directive *d, struct sbuf *out)
{
    (void)d;
    char cwd[4096];
    sbuf_cat(out, getcwd(cwd, sizeof cwd) ? cwd : "");
}

/* replicaof <host> <port>: "" (the default) or "no one" mean none. */
static int cfg_parse_replicaof(const struct cfg_directive *d, int argc, char **argv, char *err)
{
    (void)d;
    mem_free(srv.cfg.master_host);
    srv.cfg.master_host = NULL;
    if ((argc == 1 && argv[0][0] == '\0') ||
        (argc == 2 && strcasecmp(argv[0], "no") == 0 && strcasecmp(argv[1], "one") == 0))
        return 0;
    long long port;
    if (argc != 2)
        return cfg_set_err(err, "wrong number of arguments", "");
    if (num_parse_ll(argv[1], strlen(argv[1]), &port) < 0 || port < 0 || port > 65535)
        return cfg_set_err(err, "Invalid master port", "");
    srv.cfg.master_host = mem_strdup(argv[0]);
    srv.cfg.master_port = (int)port;
    return 0;
}

static void cfg_format_replicaof(const struct cfg_directive *d, struct sbuf *out)
{
    (void)d;
    if (srv.cfg.master_host)
        sbuf_catfmt(out, "%s %d", srv.cfg.master_host, srv.cfg.master_port);
}

/* ---- run-time hooks ---- */

static int cfg_apply_backlog(char *err)
{
    (void)err;
    repl_backlog_resized();
    return 0;
}

static int cfg_apply_maxclients(char *err)
{
    return server_set_maxclients(srv.cfg.maxclients, err, CONFIG_ERR_LEN);
}

static int cfg_apply_listeners(char *err)
{
    return server_rebind(err, CONFIG_ERR_LEN);
}

static int cfg_apply_appendonly(char *err)
{
    return aof_apply_enabled(err, CONFIG_ERR_LEN);
}

/* ---- the table ---- */

#define F(x) ((void *)&srv.cfg.x)
#define LLMAX LLONG_MAX

static const struct cfg_directive cfg_table[] = {
    {"bind", NULL, CFG_CUSTOM, CFG_MULTI_ARG, NULL, "127.0.0.1 -::1", 0, 0, NULL, cfg_parse_bind, cfg_format_bind, cfg_apply_listeners},
    {"port", NULL, CFG_INT, 0, F(port), "6379", 0, 65535, NULL, NULL, NULL, cfg_apply_listeners},
    {"unixsocket", NULL, CFG_STR, CFG_IMMUTABLE, F(unixsocket), "", 0, 0, NULL, NULL, NULL, NULL},
    {"unixsocketperm", NULL, CFG_CUSTOM, CFG_IMMUTABLE, F(unixsocketperm), "0", 0, 0, NULL, cfg_parse_octal, cfg_format_octal, NULL},
    {"tcp-backlog", NULL, CFG_INT, CFG_IMMUTABLE, F(tcp_backlog), "511", 0, INT_MAX, NULL, NULL, NULL, NULL},
    {"tcp-keepalive", NULL, CFG_INT, 0, F(tcp_keepalive), "300", 0, INT_MAX, NULL, NULL, NULL, NULL},
    {"timeout", NULL, CFG_INT, 0, F(timeout), "0", 0, INT_MAX, NULL, NULL, NULL, NULL},
    {"maxclients", NULL, CFG_INT, 0, F(maxclients), "10000", 1, INT_MAX, NULL, NULL, NULL, cfg_apply_maxclients},
    {"databases", NULL, CFG_INT, CFG_IMMUTABLE, F(databases), "16", 1, INT_MAX, NULL, NULL, NULL, NULL},
    {"daemonize", NULL, CFG_BOOL, CFG_IMMUTABLE, F(daemonize), "no", 0, 0, NULL, NULL, NULL, NULL},
    {"pidfile", NULL, CFG_STR, CFG_IMMUTABLE, F(pidfile), "", 0, 0, NULL, NULL, NULL, NULL},
    {"logfile", NULL, CFG_STR, CFG_IMMUTABLE, F(logfile), "", 0, 0, NULL, NULL, NULL, NULL},
    {"loglevel", NULL, CFG_ENUM, 0, F(loglevel), "notice", 0, 0, cfg_loglevels, NULL, NULL, NULL},
    {"dir", NULL, CFG_CUSTOM, CFG_PROTECTED, NULL, "", 0, 0, NULL, cfg_parse_dir, cfg_format_dir, NULL},
    {"dbfilename", NULL, CFG_STR, CFG_PROTECTED | CFG_FILENAME, F(dbfilename), "dump.rdb", 0, 0, NULL, NULL, NULL, NULL},
    {"save", NULL, CFG_CUSTOM, CFG_MULTI_ARG, NULL, "3600 1 300 100 60 10000", 0, 0, NULL, cfg_parse_save, cfg_format_save, NULL},
    {"stop-writes-on-bgsave-error", NULL, CFG_BOOL, 0, F(stop_writes_on_bgsave_error), "yes", 0, 0, NULL, NULL, NULL, NULL},
    {"appendonly", NULL, CFG_BOOL, 0, F(appendonly), "no", 0, 0, NULL, NULL, NULL, cfg_apply_appendonly},
    {"appendfilename", NULL, CFG_STR, CFG_IMMUTABLE | CFG_FILENAME | CFG_NONEMPTY, F(appendfilename), "appendonly.aof", 0, 0, NULL, NULL, NULL, NULL},
    {"appenddirname", NULL, CFG_STR, CFG_IMMUTABLE | CFG_DIRNAME | CFG_NONEMPTY, F(appenddirname), "appendonlydir", 0, 0, NULL, NULL, NULL, NULL},
    {"appendfsync", NULL, CFG_ENUM, 0, F(appendfsync), "everysec", 0, 0, cfg_fsync, NULL, NULL, NULL},
    {"aof-load-truncated", NULL, CFG_BOOL, 0, F(aof_load_truncated), "yes", 0, 0, NULL, NULL, NULL, NULL},
    {"no-appendfsync-on-rewrite", NULL, CFG_BOOL, 0, F(no_appendfsync_on_rewrite), "no", 0, 0, NULL, NULL, NULL, NULL},
    {"auto-aof-rewrite-percentage", NULL, CFG_INT, 0, F(auto_aof_rewrite_percentage), "100", 0, INT_MAX, NULL, NULL, NULL, NULL},
    {"auto-aof-rewrite-min-size", NULL, CFG_MEM, 0, F(auto_aof_rewrite_min_size), "64mb", 0, LLMAX, NULL, NULL, NULL, NULL},
    {"requirepass", NULL, CFG_STR, 0, F(requirepass), "", 0, 0, NULL, NULL, NULL, NULL},
    {"protected-mode", NULL, CFG_BOOL, 0, F(protected_mode), "yes", 0, 0, NULL, NULL, NULL, NULL},
    {"maxmemory", NULL, CFG_MEM, 0, F(maxmemory), "0", 0, LLMAX, NULL, NULL, NULL, NULL},
    {"maxmemory-policy", NULL, CFG_ENUM, 0, F(maxmemory_policy), "noeviction", 0, 0, cfg_policies, NULL, NULL, NULL},
    {"maxmemory-samples", NULL, CFG_INT, 0, F(maxmemory_samples), "5", 1, 64, NULL, NULL, NULL, NULL},
    {"lfu-log-factor", NULL, CFG_INT, 0, F(lfu_log_factor), "10", 0, INT_MAX, NULL, NULL, NULL, NULL},
    {"lfu-decay-time", NULL, CFG_INT, 0, F(lfu_decay_time), "1", 0, INT_MAX, NULL, NULL, NULL, NULL},
    {"hz", NULL, CFG_INT, 0, F(hz), "10", 1, 500, NULL, NULL, NULL, NULL},
    {"io-model", NULL, CFG_ENUM, CFG_IMMUTABLE, F(io_model), "epoll", 0, 0, cfg_io_models, NULL, NULL, NULL},
    {"io-threads", NULL, CFG_INT, CFG_IMMUTABLE, F(io_threads), "1", 1, 128, NULL, NULL, NULL, NULL},
    {"replica-read-only", "slave-read-only", CFG_BOOL, 0, F(replica_read_only), "yes", 0, 0, NULL, NULL, NULL, NULL},
    {"client-output-buffer-limit", NULL, CFG_CUSTOM, CFG_MULTI_ARG, NULL, "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", 0, 0, NULL, cfg_parse_obuf, cfg_format_obuf, NULL},
    {"client-query-buffer-limit", NULL, CFG_MEM, 0, F(client_query_buffer_limit), "1gb", 1024 * 1024, LLMAX, NULL, NULL, NULL, NULL},
    {"proto-max-bulk-len", NULL, CFG_MEM, 0, F(proto_max_bulk_len), "512mb", 1024 * 1024, LLMAX, NULL, NULL, NULL, NULL},
    {"slowlog-log-slower-than", NULL, CFG_LL, 0, F(slowlog_log_slower_than), "10000", -1, LLMAX, NULL, NULL, NULL, NULL},
    {"slowlog-max-len", NULL, CFG_LL, 0, F(slowlog_max_len), "128", 0, LLMAX, NULL, NULL, NULL, NULL},
    {"notify-keyspace-events", NULL, CFG_CUSTOM, 0, NULL, "", 0, 0, NULL, cfg_parse_notify, cfg_format_notify, NULL},
    {"enable-debug-command", NULL, CFG_ENUM, CFG_IMMUTABLE, F(enable_debug_command), "no", 0, 0, cfg_debug_modes, NULL, NULL, NULL},
    {"enable-protected-configs", NULL, CFG_ENUM, CFG_IMMUTABLE, F(enable_protected_configs), "no", 0, 0, cfg_debug_modes, NULL, NULL, NULL},
    {"lazyfree-lazy-user-del", NULL, CFG_BOOL, 0, F(lazyfree_lazy_user_del), "no", 0, 0, NULL, NULL, NULL, NULL},
    {"hash-max-listpack-entries", "hash-max-ziplist-entries", CFG_LL, 0, F(hash_max_listpack_entries), "128", 0, LLMAX, NULL, NULL, NULL, NULL},
    {"hash-max-listpack-value", "hash-max-ziplist-value", CFG_LL, 0, F(hash_max_listpack_value), "64", 0, LLMAX, NULL, NULL, NULL, NULL},
    {"list-max-listpack-size", "list-max-ziplist-size", CFG_LL, 0, F(list_max_listpack_size), "-2", -5, LLMAX, NULL, NULL, NULL, NULL},
    {"list-compress-depth", NULL, CFG_INT, 0, F(list_compress_depth), "0", 0, INT_MAX, NULL, NULL, NULL, NULL},
    {"set-max-intset-entries", NULL, CFG_LL, 0, F(set_max_intset_entries), "512", 0, LLMAX, NULL, NULL, NULL, NULL},
    {"set-max-listpack-entries", NULL, CFG_LL, 0, F(set_max_listpack_entries), "128", 0, LLMAX, NULL, NULL, NULL, NULL},
    {"set-max-listpack-value", NULL, CFG_LL, 0, F(set_max_listpack_value), "64", 0, LLMAX, NULL, NULL, NULL, NULL},
    {"zset-max-listpack-entries", "zset-max-ziplist-entries", CFG_LL, 0, F(zset_max_listpack_entries), "128", 0, LLMAX, NULL, NULL, NULL, NULL},
    {"zset-max-listpack-value", "zset-max-ziplist-value", CFG_LL, 0, F(zset_max_listpack_value), "64", 0, LLMAX, NULL, NULL, NULL, NULL},
    {"active-expire-effort", NULL, CFG_INT, 0, F(active_expire_effort), "1", 1, 10, NULL, NULL, NULL, NULL},
    {"replicaof", "slaveof", CFG_CUSTOM, CFG_IMMUTABLE | CFG_MULTI_ARG, NULL, "", 0, 0, NULL, cfg_parse_replicaof, cfg_format_replicaof, NULL},
    {"masterauth", NULL, CFG_STR, 0, F(masterauth), "", 0, 0, NULL, NULL, NULL, NULL},
    {"masteruser", NULL, CFG_STR, 0, F(masteruser), "", 0, 0, NULL, NULL, NULL, NULL},
    {"replica-serve-stale-data", "slave-serve-stale-data", CFG_BOOL, 0, F(replica_serve_stale_data), "yes", 0, 0, NULL, NULL, NULL, NULL},
    {"repl-backlog-size", NULL, CFG_MEM, 0, F(repl_backlog_size), "1mb", 1, LLMAX, NULL, NULL, NULL, cfg_apply_backlog},
    {"repl-timeout", NULL, CFG_INT, 0, F(repl_timeout), "60", 1, INT_MAX, NULL, NULL, NULL, NULL},
    {"repl-ping-replica-period", "repl-ping-slave-period", CFG_INT, 0, F(repl_ping_replica_period), "10", 1, INT_MAX, NULL, NULL, NULL, NULL},
    {"min-replicas-to-write", "min-slaves-to-write", CFG_INT, 0, F(min_replicas_to_write), "0", 0, INT_MAX, NULL, NULL, NULL, NULL},
    {"min-replicas-max-lag", "min-slaves-max-lag", CFG_INT, 0, F(min_replicas_max_lag), "10", 0, INT_MAX, NULL, NULL, NULL, NULL},
    {"repl-diskless-sync", NULL, CFG_BOOL, 0, F(repl_diskless_sync), "yes", 0, 0, NULL, NULL, NULL, NULL},
    {"repl-diskless-sync-delay", NULL, CFG_INT, 0, F(repl_diskless_sync_delay), "5", 0, INT_MAX, NULL, NULL, NULL, NULL},
    {"replica-priority", "slave-priority", CFG_INT, 0, F(replica_priority), "100", 0, INT_MAX, NULL, NULL, NULL, NULL},
    {"replica-announced", NULL, CFG_BOOL, 0, F(replica_announced), "yes", 0, 0, NULL, NULL, NULL, NULL},
};

#define CFG_COUNT (sizeof cfg_table / sizeof cfg_table[0])

/* Redis 7.0 directives that ferrite accepts but does not act on yet: an existing
 * redis.conf must still start, with a warning in the log. CONFIG GET reports Redis's
 * default (or the value given), so tools that read them see what Redis would say. NULL
 * marks directives Redis itself does not report (file-only ones and old aliases). */
static const struct {
    const char *name;
    const char *redis_default;
} cfg_redis_known[] = {
    {"acl-pubsub-default", "resetchannels"},
    {"aclfile", ""},
    {"acllog-max-len", "128"},
    {"active-defrag-cycle-max", "25"},
    {"active-defrag-cycle-min", "1"},
    {"active-defrag-ignore-bytes", "104857600"},
    {"active-defrag-max-scan-fields", "1000"},
    {"active-defrag-threshold-lower", "10"},
    {"active-defrag-threshold-upper", "100"},
    {"activedefrag", "no"},
    {"activerehashing", "yes"},
    {"always-show-logo", "no"},
    {"aof-disable-auto-gc", "no"},
    {"aof-rewrite-incremental-fsync", "yes"},
    {"aof-timestamp-enabled", "no"},
    {"aof-use-rdb-preamble", "yes"},
    {"aof_rewrite_cpulist", ""},
    {"bgsave_cpulist", ""},
    {"bind-source-addr", ""},
    {"bio_cpulist", ""},
    {"busy-reply-threshold", "5000"},
    {"cluster-allow-pubsubshard-when-down", "yes"},
    {"cluster-allow-reads-when-down", "no"},
    {"cluster-allow-replica-migration", "yes"},
    {"cluster-announce-bus-port", "0"},
    {"cluster-announce-hostname", ""},
    {"cluster-announce-ip", ""},
    {"cluster-announce-port", "0"},
    {"cluster-announce-tls-port", "0"},
    {"cluster-config-file", "nodes.conf"},
    {"cluster-enabled", "no"},
    {"cluster-link-sendbuf-limit", "0"},
    {"cluster-migration-barrier", "1"},
    {"cluster-node-timeout", "15000"},
    {"cluster-port", "0"},
    {"cluster-preferred-endpoint-type", "ip"},
    {"cluster-replica-no-failover", "no"},
    {"cluster-replica-validity-factor", "10"},
    {"cluster-require-full-coverage", "yes"},
    {"cluster-slave-no-failover", "no"},
    {"cluster-slave-validity-factor", "10"},
    {"crash-log-enabled", "yes"},
    {"crash-memcheck-enabled", "yes"},
    {"disable-thp", "yes"},
    {"dynamic-hz", "yes"},
    {"enable-module-command", "no"},
    {"hll-sparse-max-bytes", "3000"},
    {"ignore-warnings", ""},
    {"include", NULL},
    {"io-threads-do-reads", "no"},
    {"jemalloc-bg-thread", "yes"},
    {"latency-monitor-threshold", "0"},
    {"latency-tracking", "yes"},
    {"latency-tracking-info-percentiles", "50 99 99.9"},
    {"lazyfree-lazy-eviction", "no"},
    {"lazyfree-lazy-expire", "no"},
    {"lazyfree-lazy-server-del", "no"},
    {"lazyfree-lazy-user-flush", "no"},
    {"loadmodule", NULL},
    {"locale-collate", NULL},
    {"lua-replicate-commands", NULL},
    {"lua-time-limit", "5000"},
    {"maxmemory-clients", "0"},
    {"maxmemory-eviction-tenacity", "10"},
    {"oom-score-adj", "no"},
    {"oom-score-adj-values", "0 200 800"},
    {"proc-title-template", "{title} {listen-addr} {server-mode}"},
    {"propagation-error-behavior", "ignore"},
    {"rdb-del-sync-files", "no"},
    {"rdb-key-save-delay", NULL},
    {"rdb-save-incremental-fsync", "yes"},
    {"rdbchecksum", "yes"},
    {"rdbcompression", "yes"},
    {"rename-command", NULL},
    {"repl-backlog-ttl", "3600"},
    {"repl-disable-tcp-nodelay", "no"},
    {"repl-diskless-load", "disabled"},
    {"repl-diskless-sync-max-replicas", "0"},
    {"replica-announce-ip", ""},
    {"replica-announce-port", "0"},
    {"replica-ignore-disk-write-errors", "no"},
    {"replica-ignore-maxmemory", "yes"},
    {"replica-lazy-flush", "no"},
    {"sanitize-dump-payload", "no"},
    {"server_cpulist", ""},
    {"set-proc-title", "yes"},
    {"shutdown-on-sigint", "default"},
    {"shutdown-on-sigterm", "default"},
    {"shutdown-timeout", "10"},
    {"slave-announce-ip", ""},
    {"slave-announce-port", "0"},
    {"slave-ignore-maxmemory", "yes"},
    {"slave-lazy-flush", "no"},
    {"socket-mark-id", "0"},
    {"stream-node-max-bytes", "4096"},
    {"stream-node-max-entries", "100"},
    {"supervised", "no"},
    {"syslog-enabled", "no"},
    {"syslog-facility", "local0"},
    {"syslog-ident", "redis"},
    {"tls-auth-clients", "yes"},
    {"tls-ca-cert-dir", ""},
    {"tls-ca-cert-file", ""},
    {"tls-cert-file", ""},
    {"tls-ciphers", ""},
    {"tls-ciphersuites", ""},
    {"tls-client-cert-file", ""},
    {"tls-client-key-file", ""},
    {"tls-client-key-file-pass", ""},
    {"tls-cluster", "no"},
    {"tls-dh-params-file", ""},
    {"tls-key-file", ""},
    {"tls-key-file-pass", ""},
    {"tls-port", "0"},
    {"tls-prefer-server-ciphers", "no"},
    {"tls-protocols", ""},
    {"tls-replication", "no"},
    {"tls-session-cache-size", "20480"},
    {"tls-session-cache-timeout", "300"},
    {"tls-session-caching", "yes"},
    {"tracking-table-max-keys", "1000000"},
    {"unixsocketgroup", NULL},
    {"user", NULL},
};
#define CFG_KNOWN_COUNT (sizeof cfg_redis_known / sizeof cfg_redis_known[0])

/* Values given for directives of cfg_redis_known, by index. */
static char *cfg_known_values[CFG_KNOWN_COUNT];

static const struct cfg_directive *cfg_find(const char *name)
{
    for (size_t i = 0; i < CFG_COUNT; i++)
        if (strcasecmp(cfg_table[i].name, name) == 0 ||
            (cfg_table[i].alias && strcasecmp(cfg_table[i].alias, name) == 0))
            return &cfg_table[i];
    return NULL;
}

static int cfg_find_known(const char *name)
{
    for (size_t i = 0; i < CFG_KNOWN_COUNT; i++)
        if (strcasecmp(cfg_redis_known[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Splits a configuration line with the protocol's inline rules (quotes, \x escapes).
 * Returns argc, or -1 on unbalanced quotes; argv points into `line`, which is modified. */
static int cfg_split(char *line, size_t len, char ***argv_out, struct resp_request *req)
{
    struct resp_limits lim = {.max_bulk_len = LLONG_MAX, .unauthenticated = false};
    resp_request_reset(req);
    if (resp_parse(req, line, len, &lim) != RESP_DONE)
        return -1;
    char **argv = mem_alloc(sizeof(char *) * (req->argc + 1));
    for (size_t i = 0; i < req->argc; i++) {
        argv[i] = line + req->argv[i].off;
        argv[i][req->argv[i].len] = '\0';
    }
    *argv_out = argv;
    return (int)req->argc;
}

void config_init_defaults(void)
{
    char err[CONFIG_ERR_LEN];
    struct resp_request req;
    resp_request_init(&req);
    for (size_t i = 0; i < CFG_COUNT; i++) {
        const struct cfg_directive *d = &cfg_table[i];
        if (d->parse == cfg_parse_dir)
            continue; /* the default directory is wherever we were started */
        size_t len = strlen(d->dflt);
        char *line = mem_alloc(len + 2);
        memcpy(line, d->dflt, len);
        memcpy(line + len, "\n", 2);
        char **argv = NULL;
        int argc = cfg_split(line, len + 1, &argv, &req);
        char *empty[] = {line, NULL};
        if (argc == 0) { /* an empty default such as "" */
            line[0] = '\0';
            mem_free(argv);
            argv = mem_alloc(sizeof(char *) * 2);
            memcpy(argv, empty, sizeof empty);
            argc = 1;
        }
        if (cfg_parse_value(d, argc, argv, err) < 0) {
            fprintf(stderr, "ferrite: bad built-in default for '%s': %s\n", d->name, err);
            abort();
        }
        mem_free(argv);
        mem_free(line);
    }
    resp_request_free(&req);
}

void config_free(void)
{
    for (size_t i = 0; i < CFG_COUNT; i++)
        if (cfg_table[i].kind == CFG_STR) {
            char **field = cfg_table[i].field;
            mem_free(*field);
            *field = NULL;
        }
    for (int i = 0; i < srv.cfg.nbind; i++)
        mem_free(srv.cfg.bind[i]);
    srv.cfg.nbind = 0;
    for (size_t i = 0; i < CFG_KNOWN_COUNT; i++) {
        mem_free(cfg_known_values[i]);
        cfg_known_values[i] = NULL;
    }
}

/* Applies one directive line (already split). err gets a one-line reason on failure. */
static int cfg_apply_line(int argc, char **argv, bool warn_known, char *err)
{
    const struct cfg_directive *d = cfg_find(argv[0]);
    if (d) {
        if (d->kind != CFG_CUSTOM && d->kind != CFG_STR && argc != 2)
            return cfg_set_err(err, "wrong number of arguments", "");
        if (d->kind == CFG_STR && argc != 2)
            return cfg_set_err(err, "wrong number of arguments", "");
        return cfg_parse_value(d, argc - 1, argv + 1, err);
    }
    int k = cfg_find_known(argv[0]);
    if (k < 0)
        return cfg_set_err(err, "Bad directive or wrong number of arguments", "");
    struct sbuf val = SBUF_INIT;
    for (int i = 1; i < argc; i++)
        sbuf_catfmt(&val, "%s%s", i > 1 ? " " : "", argv[i]);
    mem_free(cfg_known_values[k]);
    cfg_known_values[k] = val.data ? val.data : mem_strdup("");
    if (warn_known)
        log_msg(LOG_WARNING, "Directive '%s' is not supported by ferrite yet and is ignored", argv[0]);
    return 0;
}

static void cfg_fatal(const char *path, int lineno, const char *line, const char *err)
{
    fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (ferrite %s) ***\n", FERRITE_OWN_VERSION);
    if (path)
        fprintf(stderr, "Reading the configuration file %s, at line %d\n", path, lineno);
    else
        fprintf(stderr, "Reading the command line arguments, at argument %d\n", lineno);
    fprintf(stderr, ">>> '%s'\n%s\n", line, err);
}

/* Applies a whole configuration text (file contents, then command-line options). */
static int cfg_apply_text(char *text, const char *path, bool from_file)
{
    struct resp_request req;
    resp_request_init(&req);
    char err[CONFIG_ERR_LEN];
    int lineno = 0, rc = 0;
    char *p = text;
    cfg_save_seen = false;
    while (*p && rc == 0) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        lineno++;
        char *line = mem_alloc(len + 2);
        memcpy(line, p, len);
        memcpy(line + len, "\n", 2);
        char *shown = mem_strndup(p, len);
        p = nl ? nl + 1 : p + len;
        char *start = line;
        while (*start == ' ' || *start == '\t')
            start++;
        char **argv = NULL;
        if (*start != '#' && *start != '\n' && *start != '\r') {
            int argc = cfg_split(line, len + 1, &argv, &req);
            if (argc < 0) {
                cfg_fatal(from_file ? path : NULL, lineno, shown, "Unbalanced quotes in configuration line");
                rc = -1;
            } else if (argc > 0) {
                bool is_save = strcasecmp(argv[0], "save") == 0;
                if (cfg_apply_line(argc, argv, true, err) < 0) {
                    cfg_fatal(from_file ? path : NULL, lineno, shown, err);
                    rc = -1;
                }
                if (is_save)
                    cfg_save_seen = true;
            }
        }
        mem_free(argv);
        mem_free(shown);
        mem_free(line);
    }
    resp_request_free(&req);
    return rc;
}

int config_load(const char *path, int argc, char **argv)
{
    if (path) {
        struct sbuf text = SBUF_INIT;
        if (fileio_read(path, &text) < 0) {
            fprintf(stderr, "Fatal error, can't open config file '%s': %s\n", path, strerror(errno));
            sbuf_free(&text);
            return -1;
        }
        int rc = text.data ? cfg_apply_text(text.data, path, true) : 0;
        sbuf_free(&text);
        if (rc < 0)
            return -1;
    }
    /* "--port 7000 --save ''" becomes the lines "port 7000" and "save ''", as in Redis. */
    struct sbuf opts = SBUF_INIT;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) == 0) {
            if (opts.len)
                sbuf_cat(&opts, "\n");
            sbuf_cat(&opts, argv[i] + 2);
        } else {
            sbuf_cat(&opts, " ");
            sbuf_catrepr(&opts, argv[i], strlen(argv[i]));
        }
    }
    int rc = opts.data ? cfg_apply_text(opts.data, NULL, false) : 0;
    sbuf_free(&opts);
    return rc;
}

/* ---- CONFIG command ---- */

static void config_reply_matches(struct client *c, const char *pat, size_t plen, long long *n,
                                 bool *seen)
{
    for (size_t i = 0; i < CFG_COUNT; i++) {
        const struct cfg_directive *d = &cfg_table[i];
        const char *names[2] = {d->name, d->alias};
        for (int a = 0; a < 2; a++) {
            if (!names[a] || seen[i * 2 + (size_t)a])
                continue;
            if (!glob_match(pat, plen, names[a], strlen(names[a]), true))
                continue;
            seen[i * 2 + (size_t)a] = true;
            struct sbuf val = SBUF_INIT;
            cfg_format_value(d, &val);
            reply_bulk_cstr(c, names[a]);
            reply_bulk(c, val.data, val.len);
            sbuf_free(&val);
            (*n)++;
        }
    }
    for (size_t i = 0; i < CFG_KNOWN_COUNT; i++) {
        size_t slot = CFG_COUNT * 2 + i;
        const char *name = cfg_redis_known[i].name;
        const char *value = cfg_known_values[i] ? cfg_known_values[i] : cfg_redis_known[i].redis_default;
        if (!value || seen[slot] || !glob_match(pat, plen, name, strlen(name), true))
            continue;
        seen[slot] = true;
        reply_bulk_cstr(c, name);
        reply_bulk_cstr(c, value);
        (*n)++;
    }
}

void cmd_config_get(struct client *c)
{
    bool seen[CFG_COUNT * 2 + CFG_KNOWN_COUNT] = {false};
    struct reply_deferred d = reply_defer(c);
    long long n = 0;
    for (int i = 2; i < c->argc; i++)
        config_reply_matches(c, c->argv[i].ptr, c->argv[i].len, &n, seen);
    reply_set_deferred_map(c, d, n);
}

/* Sets one directive from a CONFIG SET value string; on failure the old value stays. */
static int config_set_one(const struct cfg_directive *d, char *value, size_t vlen, char *err)
{
    if (d->flags & CFG_IMMUTABLE)
        return cfg_set_err(err, "can't set immutable config", "");
    char *line = mem_alloc(vlen + 2);
    memcpy(line, value, vlen);
    memcpy(line + vlen, "\n", 2);
    char **argv = NULL;
    int argc;
    struct resp_request req;
    resp_request_init(&req);
    if (d->flags & CFG_MULTI_ARG) {
        argc = cfg_split(line, vlen + 1, &argv, &req);
        if (argc == 0) {
            line[0] = '\0';
            mem_free(argv);
            argv = mem_alloc(sizeof(char *) * 2);
            argv[0] = line;
            argc = 1;
        }
    } else {
        line[vlen] = '\0';
        argv = mem_alloc(sizeof(char *) * 2);
        argv[0] = line;
        argc = 1;
    }
    int rc = -1;
    if (argc < 0) {
        cfg_set_err(err, "Unbalanced quotes", "");
    } else {
        /* CONFIG SET save replaces the whole list. */
        cfg_save_seen = false;
        rc = cfg_parse_value(d, argc, argv, err);
    }
    resp_request_free(&req);
    mem_free(argv);
    mem_free(line);
    return rc;
}

void cmd_config_set(struct client *c)
{
    if ((c->argc - 2) % 2 != 0) {
        reply_error_arity(c, "config|set");
        return;
    }
    int npairs = (c->argc - 2) / 2;
    const struct cfg_directive **dirs = mem_calloc(sizeof *dirs * (size_t)npairs);
    struct sbuf *old = mem_calloc(sizeof *old * (size_t)npairs);
    char err[CONFIG_ERR_LEN];
    int done = 0;
    const char *bad = NULL;
    for (int i = 0; i < npairs; i++) {
        const struct cmd_arg *name = &c->argv[2 + 2 * i];
        dirs[i] = cfg_find(name->ptr);
        if (!dirs[i]) {
            reply_errorf(c, "ERR Unknown option or number of arguments for CONFIG SET - '%s'",
                         name->ptr);
            goto out;
        }
        for (int j = 0; j < i; j++) {
            if (dirs[j] == dirs[i]) {
                reply_errorf(c, "ERR CONFIG SET failed (possibly related to argument '%s') - "
                             "duplicate parameter", name->ptr);
                goto out;
            }
        }
    }
    for (int i = 0; i < npairs; i++) {
        cfg_format_value(dirs[i], &old[i]);
        struct cmd_arg *val = &c->argv[3 + 2 * i];
        bool refused = (dirs[i]->flags & CFG_PROTECTED) &&
                       !server_protected_action_allowed(srv.cfg.enable_protected_configs, c);
        if (refused)
            cfg_set_err(err, "can't set protected config", "");
        if (refused || config_set_one(dirs[i], val->ptr, val->len, err) < 0 ||
            (dirs[i]->apply && dirs[i]->apply(err) < 0)) {
            bad = c->argv[2 + 2 * i].ptr;
            done = i + 1;
            break;
        }
        done = i + 1;
    }
    if (bad) {
        /* All or nothing, as Redis 7: put back every value we changed. */
        char ignored[CONFIG_ERR_LEN];
        for (int i = done - 1; i >= 0; i--) {
            config_set_one(dirs[i], old[i].data, old[i].len, ignored);
            if (dirs[i]->apply)
                dirs[i]->apply(ignored);
        }
        reply_errorf(c, "ERR CONFIG SET failed (possibly related to argument '%s') - %s", bad, err);
        goto out;
    }
    reply_ok(c);
out:
    for (int i = 0; i < npairs; i++)
        sbuf_free(&old[i]);
    mem_free(old);
    mem_free(dirs);
}

void cmd_config_resetstat(struct client *c)
{
    server_reset_stats();
    reply_ok(c);
}

/* Formats "name value" for a directive as a config line, quoting values with blanks. */
static void config_rewrite_line(const struct cfg_directive *d, struct sbuf *out)
{
    struct sbuf val = SBUF_INIT;
    cfg_format_value(d, &val);
    sbuf_cat(out, d->name);
    sbuf_cat(out, " ");
    bool plain = val.len > 0;
    for (size_t i = 0; i < val.len && plain; i++) {
        unsigned char ch = (unsigned char)val.data[i];
        plain = ch > ' ' && ch < 0x7f && ch != '"' && ch != '\'' && ch != '\\';
        /* A list directive keeps its blanks: they separate its arguments. */
        if (ch == ' ' && (d->flags & CFG_MULTI_ARG))
            plain = true;
    }
    if (plain)
        sbuf_catlen(out, val.data, val.len);
    else
        sbuf_catrepr(out, val.data, val.len);
    sbuf_cat(out, "\n");
    sbuf_free(&val);
}

void cmd_config_rewrite(struct client *c)
{
    if (!srv.config_file) {
        reply_error(c, "ERR The server is running without a config file");
        return;
    }
    FILE *f = fopen(srv.config_file, "r");
    struct sbuf out = SBUF_INIT;
    bool written[CFG_COUNT] = {false};
    if (f) {
        char line[8192];
        while (fgets(line, sizeof line, f)) {
            char name[128] = "";
            sscanf(line, " %127s", name);
            const struct cfg_directive *d = name[0] && name[0] != '#' ? cfg_find(name) : NULL;
            if (!d) {
                sbuf_cat(&out, line);
                continue;
            }
            size_t idx = (size_t)(d - cfg_table);
            /* The first occurrence carries the current value; repeats are dropped. */
            if (!written[idx] && d->parse != cfg_parse_dir)
                config_rewrite_line(d, &out);
            else if (!written[idx])
                sbuf_cat(&out, line);
            written[idx] = true;
        }
        fclose(f);
    }
    bool header = false;
    for (size_t i = 0; i < CFG_COUNT; i++) {
        const struct cfg_directive *d = &cfg_table[i];
        if (written[i] || d->parse == cfg_parse_dir)
            continue;
        struct sbuf cur = SBUF_INIT;
        cfg_format_value(d, &cur);
        bool is_default = strcmp(cur.data, d->dflt) == 0;
        sbuf_free(&cur);
        if (is_default)
            continue;
        if (!header) {
            sbuf_cat(&out, "# Generated by CONFIG REWRITE\n");
            header = true;
        }
        config_rewrite_line(d, &out);
    }
    if (fileio_write_atomic(srv.config_file, out.data ? out.data : "", out.len) < 0) {
        log_msg(LOG_WARNING, "CONFIG REWRITE failed: %s", strerror(errno));
        reply_errorf(c, "ERR Rewriting config file: %s", strerror(errno));
    } else {
        log_msg(LOG_NOTICE, "CONFIG REWRITE executed with success.");
        reply_ok(c);
    }
    sbuf_free(&out);
}

void cmd_config_help(struct client *c)
{
    static const char *const help[] = {
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Print this help.",
        NULL,
    };
    reply_help(c, help);
}
