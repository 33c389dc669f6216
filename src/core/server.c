#include "server.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../cmd/cmd.h"
#include "../db/db.h"
#include "../db/dict.h"
#include "../db/evict.h"
#include "../ev/ev.h"
#include "../net/sock.h"
#include "../persist/aof.h"
#include "../persist/snapshot.h"
#include "../proto/reply.h"
#include "../repl/repl.h"
#include "../util/mem.h"
#include "../util/rand.h"
#include "../util/sbuf.h"
#include "child.h"
#include "config.h"
#include "propagate.h"
#include "blocking.h"
#include "log.h"
#include "multi.h"
#include "pubsub.h"
#include "slowlog.h"

struct server srv;

/* Share of each cron period that the active expiry cycle may use, in percent, before
 * active-expire-effort scales it (Redis: 25). */
#define SERVER_EXPIRE_CPU_PERCENT 25
/* Rehash budget per cron run: 1 ms, as Redis's activerehashing. */
#define SERVER_REHASH_US 1000
#define SERVER_STATS_PERIOD_MS 100

long long server_unix_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

long long server_unix_ms(void)
{
    return server_unix_us() / 1000;
}

void server_dirty(long long n)
{
    srv.dirty += n;
}

void server_count_error(const char *err)
{
    srv.stats.total_error_replies++;
    size_t len = strcspn(err, " ");
    if (len >= sizeof srv.errors[0].code)
        len = sizeof srv.errors[0].code - 1;
    for (int i = 0; i < srv.nerrors; i++) {
        if (strlen(srv.errors[i].code) == len && memcmp(srv.errors[i].code, err, len) == 0) {
            srv.errors[i].count++;
            return;
        }
    }
    /* Redis caps distinct error codes too, so a client cannot grow this table. */
    if (srv.nerrors == SERVER_MAX_ERROR_CODES) {
        srv.stats.unexpected_error_replies++;
        return;
    }
    struct error_stat *e = &srv.errors[srv.nerrors++];
    memcpy(e->code, err, len);
    e->code[len] = '\0';
    e->count = 1;
}

static void server_reset_cmd_stats(struct cmd *cmd, void *arg)
{
    (void)arg;
    cmd->calls = cmd->usec = cmd->rejected_calls = cmd->failed_calls = 0;
}

void server_reset_stats(void)
{
    memset(&srv.stats, 0, sizeof srv.stats);
    srv.nerrors = 0;
    srv.stat_peak_memory = 0;
    cmd_foreach(server_reset_cmd_stats, NULL);
}

/* ---- listening ---- */

static void server_close_listeners(void)
{
    for (int i = 0; i < srv.nlisten; i++) {
        ev_del(srv.loop, srv.listen_fds[i], EV_READABLE);
        close(srv.listen_fds[i]);
    }
    srv.nlisten = 0;
}

/* Opens every bind address; a leading '-' marks one that may fail (e.g. no IPv6). */
static int server_open_listeners(int *fds, int *nfds, char *err, size_t errlen)
{
    *nfds = 0;
    if (srv.cfg.port == 0)
        return 0;
    for (int i = 0; i < srv.cfg.nbind; i++) {
        const char *addr = srv.cfg.bind[i];
        bool optional = addr[0] == '-';
        if (optional)
            addr++;
        if (strcmp(addr, "*") == 0)
            addr = "0.0.0.0";
        char serr[SOCK_ERR_LEN];
        int fd = sock_listen_tcp(addr, srv.cfg.port, srv.cfg.tcp_backlog, serr);
        if (fd < 0) {
            if (optional)
                continue;
            snprintf(err, errlen, "Failed listening on port %d (tcp), aborting: %s %s",
                     srv.cfg.port, addr, serr);
            for (int j = 0; j < *nfds; j++)
                close(fds[j]);
            *nfds = 0;
            return -1;
        }
        fds[(*nfds)++] = fd;
    }
    if (*nfds == 0 && srv.cfg.nbind > 0) {
        snprintf(err, errlen, "Failed listening on port %d (tcp): no bind address worked",
                 srv.cfg.port);
        return -1;
    }
    return 0;
}

static void server_watch_listeners(void)
{
    for (int i = 0; i < srv.nlisten; i++)
        ev_add(srv.loop, srv.listen_fds[i], EV_READABLE, client_on_accept, NULL);
}

int server_rebind(char *err, size_t errlen)
{
    if (!srv.loop)
        return 0; /* still loading the configuration: server_init will listen */
    int fds[SERVER_MAX_BIND], n;
    /* Close first, since the new set may reuse the same address and port. */
    server_close_listeners();
    if (server_open_listeners(fds, &n, err, errlen) < 0)
        return -1;
    memcpy(srv.listen_fds, fds, sizeof(int) * (size_t)n);
    srv.nlisten = n;
    server_watch_listeners();
    return 0;
}

int server_set_maxclients(int maxclients, char *err, size_t errlen)
{
    if (!srv.loop)
        return 0;
    int want = maxclients + SERVER_FD_RESERVE;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)want) {
        rl.rlim_cur = rl.rlim_max >= (rlim_t)want ? (rlim_t)want : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < (rlim_t)want) {
            log_msg(LOG_WARNING, "You requested maxclients of %d requiring at least %d max file "
                    "descriptors, but the limit is %llu.", maxclients, want,
                    (unsigned long long)rl.rlim_cur);
        }
    }
    if (ev_resize(srv.loop, want) < 0) {
        snprintf(err, errlen, "The event loop API used by Redis is not able to handle the "
                 "specified number of clients");
        return -1;
    }
    return 0;
}

/* ---- signals ---- */

static void server_on_signal(int sig)
{
    srv.shutdown_asap = true;
    srv.shutdown_exit_code = 0;
    (void)sig;
}

static void server_setup_signals(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = server_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

/* ---- periodic work ---- */

static void server_sample_stats(void)
{
    long long now = ev_monotonic_ms();
    long long elapsed = now - srv.stats.last_sample_ms;
    if (elapsed < SERVER_STATS_PERIOD_MS)
        return;
    struct server_stats *s = &srv.stats;
    int i = s->sample_idx;
    long long ops = s->commands_processed, in = s->net_input_bytes, out = s->net_output_bytes;
    s->ops_samples[i] = (ops - s->last_sample_ops) * 1000 / elapsed;
    s->input_samples[i] = (in - s->last_sample_input) * 1000 / elapsed;
    s->output_samples[i] = (out - s->last_sample_output) * 1000 / elapsed;
    s->sample_idx = (i + 1) % 16;
    s->last_sample_ms = now;
    s->last_sample_ops = ops;
    s->last_sample_input = in;
    s->last_sample_output = out;
}

static long long server_cron(struct ev_loop *loop, void *data)
{
    (void)loop;
    (void)data;
    srv.cron_loops++;
    srv.lru_clock = (uint32_t)((server_unix_ms() / 1000) & 0xFFFFFF);
    long long used = (long long)mem_used();
    if (used > srv.stat_peak_memory)
        srv.stat_peak_memory = used;
    server_sample_stats();
    client_cron();
    long long period_us = 1000000 / srv.cfg.hz;
    /* A replica's keys expire when its master's DELs arrive, never on its own. */
    if (srv.active_expire_enabled && !repl_is_replica()) {
        long long budget = period_us * SERVER_EXPIRE_CPU_PERCENT / 100;
        budget += budget * (srv.cfg.active_expire_effort - 1) / 4;
        db_active_expire(budget);
    }
    db_rehash_step(SERVER_REHASH_US);
    child_reap();
    snapshot_cron();
    aof_cron();
    repl_cron();
    if (srv.shutdown_asap) {
        log_msg(LOG_WARNING, "Received SIGTERM scheduling shutdown...");
        if (server_prepare_shutdown(0) == 0) {
            log_msg(LOG_WARNING, "ferrite is now ready to exit, bye bye...");
            exit(srv.shutdown_exit_code);
        }
        srv.shutdown_asap = false;
    }
    return 1000 / srv.cfg.hz;
}

static void server_before_sleep(struct ev_loop *loop, void *data)
{
    (void)loop;
    (void)data;
    /* Before any reply goes out: a client must not see a write acknowledged that the AOF
     * has not got (nor, with appendfsync always, made durable). */
    aof_flush_before_sleep();
    repl_before_sleep();
    client_flush_pending();
    client_free_closing();
}

/* ---- start and stop ---- */

int server_init(void)
{
    char err[512];
    server_setup_signals();
    uint8_t seed[16];
    rand_bytes(seed, sizeof seed);
    dict_set_seed(seed);
    srandom((unsigned)(seed[0] | seed[1] << 8 | seed[2] << 16));
    rand_hex(srv.run_id, sizeof srv.run_id - 1);
    srv.start_ms = server_unix_ms();
    srv.last_save = srv.start_ms / 1000;
    srv.last_bgsave_secs = -1;
    srv.lru_clock = (uint32_t)((srv.start_ms / 1000) & 0xFFFFFF);
    srv.active_expire_enabled = true;
    srv.unix_fd = -1;
    srv.stats.last_sample_ms = ev_monotonic_ms();
    cmd_table_init();
    db_init_all(srv.cfg.databases);
    srv.slowlog = slowlog_create();

    const struct ev_backend *backend = ev_backend_find(config_io_model_name(srv.cfg.io_model));
    srv.loop = ev_create(backend, srv.cfg.maxclients + SERVER_FD_RESERVE);
    if (!srv.loop) {
        log_msg(LOG_WARNING, "Failed creating the event loop (%s): %s", backend->name,
                strerror(errno));
        return -1;
    }
    if (server_set_maxclients(srv.cfg.maxclients, err, sizeof err) < 0) {
        log_msg(LOG_WARNING, "%s", err);
        return -1;
    }
    if (server_open_listeners(srv.listen_fds, &srv.nlisten, err, sizeof err) < 0) {
        log_msg(LOG_WARNING, "%s", err);
        return -1;
    }
    server_watch_listeners();
    if (srv.cfg.unixsocket) {
        char serr[SOCK_ERR_LEN];
        srv.unix_fd = sock_listen_unix(srv.cfg.unixsocket, (unsigned)srv.cfg.unixsocketperm,
                                       srv.cfg.tcp_backlog, serr);
        if (srv.unix_fd < 0) {
            log_msg(LOG_WARNING, "Failed opening Unix socket: %s", serr);
            return -1;
        }
        ev_add(srv.loop, srv.unix_fd, EV_READABLE, client_on_accept, NULL);
    }
    if (srv.nlisten == 0 && srv.unix_fd < 0) {
        log_msg(LOG_WARNING, "Configured to not listen anywhere, exiting.");
        return -1;
    }
    if (srv.cfg.io_threads > 1)
        log_msg(LOG_WARNING, "io-threads %d requested: threaded I/O is not implemented yet, "
                "all socket I/O runs on the main thread", srv.cfg.io_threads);
    srv.cron_timer = ev_timer_add(srv.loop, 1, server_cron, NULL);
    ev_set_before_sleep(srv.loop, server_before_sleep, NULL);
    log_msg(LOG_NOTICE, "Server initialized (io-model %s, %d databases)", backend->name,
            srv.cfg.databases);
    log_msg(LOG_NOTICE, "Ready to accept connections tcp port %d", srv.cfg.port);
    return 0;
}

void server_run(void)
{
    ev_run(srv.loop);
}

int server_prepare_shutdown(unsigned flags)
{
    /* A child's snapshot would be older than the one written now, or unwanted. */
    aof_shutdown();
    child_kill();
    if ((srv.cfg.nsave > 0 && !(flags & SHUTDOWN_NOSAVE)) || (flags & SHUTDOWN_SAVE)) {
        log_msg(LOG_NOTICE, "Saving the final RDB snapshot before exiting.");
        if (snapshot_save() < 0) {
            if (!(flags & SHUTDOWN_FORCE)) {
                log_msg(LOG_WARNING, "Error trying to save the DB, can't exit.");
                return -1;
            }
            log_msg(LOG_WARNING, "Error trying to save the DB. Exit anyway.");
        }
    }
    server_close_listeners();
    if (srv.unix_fd >= 0) {
        close(srv.unix_fd);
        unlink(srv.cfg.unixsocket);
    }
    if (srv.cfg.pidfile)
        unlink(srv.cfg.pidfile);
    /* Push out whatever replies are queued (the SHUTDOWN caller gets none). */
    client_flush_pending();
    return 0;
}

/* ---- command execution ---- */

/* The command, or subcommand, c->argv names; NULL when there is none. *unknown_sub is set
 * when the name is a container whose subcommand is unknown. */
static struct cmd *server_lookup_command(struct client *c, bool *unknown_sub)
{
    *unknown_sub = false;
    struct cmd *cmd = cmd_lookup(c->argv[0].ptr, c->argv[0].len);
    if (cmd && cmd->nsubcmds && c->argc >= 2) {
        struct cmd *sub = cmd_lookup_sub(cmd, c->argv[1].ptr, c->argv[1].len);
        *unknown_sub = sub == NULL;
        cmd = sub;
    }
    return cmd;
}

static bool server_arity_ok(const struct cmd *cmd, int argc)
{
    return (cmd->arity > 0 && argc == cmd->arity) || (cmd->arity < 0 && argc >= -cmd->arity);
}

/* Writes are refused while the server cannot make them durable, as Redis does. */
static const char *server_disk_error(void)
{
    const char *err = aof_write_error();
    return err ? err : snapshot_write_error();
}

bool server_protected_action_allowed(int mode, const struct client *c)
{
    return mode == 1 || (mode == 2 && ((c->flags & CLIENT_UNIX_SOCKET) ||
                                       (c->fd >= 0 && sock_peer_is_local(c->fd))));
}

/* Checks the parsed command and returns it, or replies with the reason and returns NULL.
 * Rejections count against the command for INFO commandstats. */
static struct cmd *server_check_command(struct client *c)
{
    bool unknown_sub;
    struct cmd *cmd = server_lookup_command(c, &unknown_sub);
    if (!cmd && !unknown_sub) {
        struct sbuf args = SBUF_INIT;
        for (int i = 1; i < c->argc && args.len < 128; i++)
            sbuf_catfmt(&args, "'%.*s' ", (int)(c->argv[i].len > 128 ? 128 : c->argv[i].len),
                        c->argv[i].ptr);
        reply_errorf(c, "ERR unknown command '%.128s', with args beginning with: %s",
                     c->argv[0].ptr, args.data ? args.data : "");
        sbuf_free(&args);
        return NULL;
    }
    if (unknown_sub) {
        char upper[64];
        size_t n = 0;
        for (; n < sizeof upper - 1 && n < c->argv[0].len; n++)
            upper[n] = (char)toupper((unsigned char)c->argv[0].ptr[n]);
        upper[n] = '\0';
        reply_errorf(c, "ERR unknown subcommand '%.128s'. Try %s HELP.", c->argv[1].ptr, upper);
        return NULL;
    }
    if (!server_arity_ok(cmd, c->argc)) {
        cmd->rejected_calls++;
        reply_error_arity(c, cmd->fullname);
        return NULL;
    }
    if (!c->authenticated && !(cmd->flags & CMD_NO_AUTH)) {
        cmd->rejected_calls++;
        reply_error(c, "NOAUTH Authentication required.");
        return NULL;
    }
    if ((cmd->flags & CMD_PROTECTED) &&
        !server_protected_action_allowed(srv.cfg.enable_debug_command, c)) {
        cmd->rejected_calls++;
        reply_errorf(c, "ERR %s command not allowed. If the enable-debug-command option is set "
                     "to \"local\", you can run it from a local connection, otherwise you need "
                     "to set this option in the configuration file, and then restart the server.",
                     cmd->name[0] == 'd' ? "DEBUG" : "MODULE");
        return NULL;
    }
    if (!pubsub_allowed_in_context(c, cmd)) {
        cmd->rejected_calls++;
        reply_errorf(c, "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / "
                     "PING / QUIT / RESET are allowed in this context", cmd->fullname);
        return NULL;
    }
    if (!repl_check_command_or_reply(c, cmd)) {
        cmd->rejected_calls++;
        return NULL;
    }
    /* Every command may make room; only commands that can grow memory are refused. */
    if (srv.cfg.maxmemory && !evict_to_fit() && (cmd->flags & CMD_DENYOOM)) {
        cmd->rejected_calls++;
        reply_error(c, "OOM command not allowed when used memory > 'maxmemory'.");
        return NULL;
    }
    const char *disk_err = server_disk_error();
    if (disk_err && ((cmd->flags & CMD_WRITE) || cmd->proc == cmd_ping)) {
        cmd->rejected_calls++;
        reply_error(c, disk_err);
        return NULL;
    }
    return cmd;
}

int server_execute_trusted(struct client *c)
{
    bool unknown_sub;
    struct cmd *cmd = server_lookup_command(c, &unknown_sub);
    if (!cmd || !server_arity_ok(cmd, c->argc))
        return -1;
    if (multi_active(c) && !multi_runs_immediately(cmd))
        multi_queue(c, cmd);
    else
        server_call(c, cmd);
    return 0;
}

void server_signal_modified_key(struct db *db, const char *key, size_t len)
{
    multi_touch_key(db, key, len);
    blocking_signal_key(db, key, len);
}

void server_signal_modified_db(struct db *db)
{
    multi_touch_db(db);
    blocking_signal_db(db);
}

/* After a write, every key named by the command's key positions counts as modified for
 * WATCH and wakes clients blocked on it. Commands that touch keys outside their key positions (MOVE and COPY to another
 * database, FLUSH*, SWAPDB) signal those themselves. */
static void server_signal_written_keys(struct client *c, const struct cmd *cmd)
{
    if (cmd->first_key <= 0 || (cmd->flags & CMD_SIGNALS_ITSELF))
        return;
    int last = (cmd->flags & CMD_WRITES_FIRST_KEY) ? cmd->first_key
               : cmd->last_key < 0 ? c->argc + cmd->last_key : cmd->last_key;
    for (int i = cmd->first_key; i <= last && i < c->argc; i += cmd->key_step)
        server_signal_modified_key(c->db, c->argv[i].ptr, c->argv[i].len);
}

void server_call(struct client *c, struct cmd *cmd)
{
    c->cmd = cmd;
    c->lastcmd = cmd;
    c->call_errors = 0;
    srv.current = c;
    long long dirty_before = srv.dirty;
    propagate_call_begin();
    /* One clock read per command: this command's end is the next one's start. */
    long long start = srv.call_clock_us;
    cmd->proc(c);
    srv.call_clock_us = ev_monotonic_us();
    long long duration = srv.call_clock_us - start;
    srv.current = NULL;
    cmd->calls++;
    cmd->usec += duration;
    if (c->call_errors)
        cmd->failed_calls++;
    srv.stats.commands_processed++;
    bool wrote = (cmd->flags & CMD_WRITE) && srv.dirty != dirty_before;
    if (wrote)
        server_signal_written_keys(c, cmd);
    propagate_call_end(c, wrote);
    if (!(cmd->flags & CMD_SKIP_SLOWLOG))
        slowlog_consider(srv.slowlog, c, duration);
    c->cmd = NULL;
}

void server_execute(struct client *c)
{
    if (c->flags & CLIENT_REPLY_SKIP_NEXT) {
        c->flags = (c->flags & ~CLIENT_REPLY_SKIP_NEXT) | CLIENT_REPLY_SKIP;
    }
    struct cmd *cmd = server_check_command(c);
    if (!cmd) {
        /* A rejected command inside MULTI dooms the whole transaction. */
        multi_flag_error(c);
    } else if (multi_active(c) && !multi_runs_immediately(cmd)) {
        multi_queue(c, cmd);
        reply_raw(c, "+QUEUED\r\n", 9);
    } else {
        server_call(c, cmd);
        /* Serve waiting clients once the command (or the whole EXEC) is complete. */
        blocking_serve_ready();
    }
    c->flags &= ~CLIENT_REPLY_SKIP;
    c->last_interaction = srv.cmd_time_ms;
}
