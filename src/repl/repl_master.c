/* The master side: SYNC/PSYNC, REPLCONF, full synchronisation (a BGSAVE file, or a
 * diskless child's RDB relayed from a pipe), partial resynchronisation from the backlog,
 * WAIT, pings, timeouts and min-replicas-to-write. Nothing here blocks on a replica: every
 * socket write is non-blocking and the unsent rest waits for writability. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/blocking.h"
#include "../core/child.h"
#include "../core/log.h"
#include "../core/server.h"
#include "../ev/ev.h"
#include "../net/client.h"
#include "../net/sock.h"
#include "../persist/rdb.h"
#include "../persist/snapshot.h"
#include "../proto/reply.h"
#include "../util/mem.h"
#include "../util/num.h"
#include "../util/rand.h"
#include "repl_private.h"

/* A diskless transfer stops reading the child's pipe while a replica has this much unsent:
 * the slowest replica paces the child instead of the master's memory growing. */
#define REPL_XFER_HIGH_WATER (4 * REPL_CHUNK)
/* Snapshot bytes written to one replica per event, at most (as client.c caps replies). */
#define REPL_XFER_PER_EVENT (1024 * 1024)

static long long repl_last_second_ms;
static long long repl_cron_seconds;

static const char *repl_replica_name(const struct repl_replica *r, char *buf, size_t len)
{
    snprintf(buf, len, "%s:%d", r->ip, r->listening_port);
    return buf;
}

/* ---- the snapshot transfer ---- */

static void repl_xfer_append(struct repl_replica *r, const char *data, size_t len)
{
    sbuf_catlen(&r->xfer, data, len);
}

static void repl_flush_pending(struct repl_replica *r)
{
    r->await_first_ack = false;
    if (r->pending.len)
        reply_raw(r->c, r->pending.data, r->pending.len);
    sbuf_free(&r->pending);
}

static void repl_replica_online(struct repl_replica *r)
{
    char name[REPL_NAME_LEN];
    ev_del(srv.loop, r->c->fd, EV_WRITABLE);
    r->state = REPL_ONLINE;
    r->ack_ms = server_unix_ms();
    r->c->flags &= ~CLIENT_REPLY_OFF;
    sbuf_free(&r->xfer);
    r->xfer_pos = 0;
    log_msg(LOG_NOTICE, "Synchronization with replica %s succeeded",
            repl_replica_name(r, name, sizeof name));
    /* After an $EOF: transfer the replica finds the end by the mark being the last bytes it
     * read: no stream byte may follow until it says (ACK) that it loaded the snapshot. */
    if (r->diskless)
        r->await_first_ack = true;
    else
        repl_flush_pending(r);
}

static void repl_pipe_on_readable(struct ev_loop *loop, int fd, void *data, int mask);

/* True while a replica of the diskless transfer has too much unsent to read on. */
static bool repl_pipe_backed_up(void)
{
    for (struct repl_replica *r = repl.replicas; r; r = r->next)
        if (r->diskless && r->state == REPL_SEND_BULK &&
            r->xfer.len - r->xfer_pos > REPL_XFER_HIGH_WATER)
            return true;
    return false;
}

/* Reads the diskless child's pipe again once no replica is behind by much. */
static void repl_pipe_resume(void)
{
    if (repl.child_pipe < 0 || (ev_mask(srv.loop, repl.child_pipe) & EV_READABLE) ||
        repl_pipe_backed_up())
        return;
    ev_add(srv.loop, repl.child_pipe, EV_READABLE, repl_pipe_on_readable, NULL);
}

static void repl_xfer_on_writable(struct ev_loop *loop, int fd, void *data, int mask);

/* Writes what the socket takes, up to a budget per event so that a fast reader of a big
 * file cannot hold the loop; the replica may be dropped (freed) on an error. */
static void repl_xfer_pump(struct repl_replica *r)
{
    struct client *c = r->c;
    size_t written = 0;
    for (;;) {
        if (written >= REPL_XFER_PER_EVENT) {
            if (!(ev_mask(srv.loop, c->fd) & EV_WRITABLE))
                ev_add(srv.loop, c->fd, EV_WRITABLE, repl_xfer_on_writable, c);
            return;
        }
        if (r->xfer_pos == r->xfer.len) {
            r->xfer.len = 0;
            r->xfer_pos = 0;
            if (r->xfer_fd >= 0) {
                char buf[REPL_CHUNK];
                ssize_t n = read(r->xfer_fd, buf, sizeof buf);
                if (n > 0) {
                    repl_xfer_append(r, buf, (size_t)n);
                    continue;
                }
                if (n < 0) {
                    log_msg(LOG_WARNING, "Read error sending DB to replica: %s", strerror(errno));
                    client_free(c);
                    return;
                }
                close(r->xfer_fd);
                r->xfer_fd = -1;
                r->xfer_last = true;
            }
            if (r->xfer_last && r->state == REPL_SEND_BULK) {
                repl_replica_online(r);
                return;
            }
            ev_del(srv.loop, c->fd, EV_WRITABLE);
            if (r->diskless)
                repl_pipe_resume();
            return;
        }
        ssize_t n = write(c->fd, r->xfer.data + r->xfer_pos, r->xfer.len - r->xfer_pos);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                if (!(ev_mask(srv.loop, c->fd) & EV_WRITABLE))
                    ev_add(srv.loop, c->fd, EV_WRITABLE, repl_xfer_on_writable, c);
                return;
            }
            log_msg(LOG_WARNING, "Write error sending DB to replica: %s", strerror(errno));
            client_free(c);
            return;
        }
        r->xfer_pos += (size_t)n;
        written += (size_t)n;
        srv.stats.net_output_bytes += n;
        c->last_interaction = server_unix_ms();
    }
}

static void repl_xfer_on_writable(struct ev_loop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)fd;
    (void)mask;
    struct client *c = data;
    if (c->repl)
        repl_xfer_pump(c->repl);
}

/* Applies fn to every replica, tolerating fn freeing the one it is given. */
static void repl_each_replica(void (*fn)(struct repl_replica *, void *), void *arg)
{
    struct repl_replica *r = repl.replicas;
    while (r) {
        struct repl_replica *next = r->next;
        fn(r, arg);
        r = next;
    }
}

struct repl_chunk {
    const char *data;
    size_t len;
};

static void repl_relay_chunk(struct repl_replica *r, void *arg)
{
    const struct repl_chunk *ch = arg;
    if (!r->diskless || r->state != REPL_SEND_BULK)
        return;
    if (ch->data)
        repl_xfer_append(r, ch->data, ch->len);
    else
        r->xfer_last = true;
    repl_xfer_pump(r);
}

static void repl_pipe_close(void)
{
    if (repl.child_pipe < 0)
        return;
    ev_del(srv.loop, repl.child_pipe, EV_READABLE);
    close(repl.child_pipe);
    repl.child_pipe = -1;
}

static void repl_pipe_on_readable(struct ev_loop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)data;
    (void)mask;
    char buf[REPL_CHUNK];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        /* The child wrote its end mark before closing: every replica has it all. */
        repl_pipe_close();
        struct repl_chunk end = {NULL, 0};
        repl_each_replica(repl_relay_chunk, &end);
        return;
    }
    struct repl_chunk ch = {buf, (size_t)n};
    repl_each_replica(repl_relay_chunk, &ch);
    if (repl_pipe_backed_up())
        ev_del(srv.loop, fd, EV_READABLE);
}

static void repl_drop_unfinished(struct repl_replica *r, void *arg)
{
    bool diskless = *(bool *)arg;
    if (r->diskless == diskless && (r->state == REPL_WAIT_BGSAVE_END || r->state == REPL_SEND_BULK)) {
        char name[REPL_NAME_LEN];
        log_msg(LOG_WARNING, "SYNC failed. BGSAVE child returned an error; dropping replica %s",
                repl_replica_name(r, name, sizeof name));
        client_free(r->c);
    }
}

static void repl_diskless_done(pid_t pid, bool ok, bool killed)
{
    (void)pid;
    (void)killed;
    if (ok) {
        log_msg(LOG_NOTICE, "Diskless RDB transfer child exited with success");
        return;
    }
    repl_pipe_close();
    bool diskless = true;
    repl_each_replica(repl_drop_unfinished, &diskless);
}

/* The child: the whole RDB between an EOF-mark header and the same mark, into the pipe. If
 * it dies half way the mark never comes and the replicas see a truncated transfer. */
static void repl_diskless_child(int fd, const char *mark)
{
    char head[64];
    int n = snprintf(head, sizeof head, "$EOF:%s\r\n", mark);
    bool ok = write(fd, head, (size_t)n) == n && rdb_write_fd(fd) == 0 &&
              write(fd, mark, REPL_ID_LEN) == REPL_ID_LEN;
    _exit(ok ? 0 : 1);
}

static int repl_start_diskless(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    char mark[REPL_ID_LEN + 1];
    rand_hex(mark, REPL_ID_LEN);
    pid_t pid = child_fork(CHILD_REPL, repl_diskless_done);
    if (pid == 0) {
        close(fds[0]);
        repl_diskless_child(fds[1], mark);
    }
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return -1;
    }
    log_msg(LOG_NOTICE, "Starting BGSAVE for SYNC with target: replicas sockets (pid %d)", (int)pid);
    sock_set_nonblock(fds[0]);
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    repl.child_pipe = fds[0];
    ev_add(srv.loop, fds[0], EV_READABLE, repl_pipe_on_readable, NULL);
    return 0;
}

/* Starts the snapshot for every replica waiting for one, if nothing prevents it now. */
static void repl_maybe_start_sync(void)
{
    if (child_active())
        return;
    long long now = server_unix_ms(), oldest = now;
    bool all_eof = true;
    int waiting = 0;
    for (struct repl_replica *r = repl.replicas; r; r = r->next) {
        if (r->state != REPL_WAIT_BGSAVE_START)
            continue;
        waiting++;
        all_eof &= r->capa_eof;
        if (r->wait_since_ms < oldest)
            oldest = r->wait_since_ms;
    }
    if (!waiting)
        return;
    bool diskless = srv.cfg.repl_diskless_sync && all_eof;
    /* The delay lets more replicas arrive to share one transfer. */
    if (diskless && now - oldest < (long long)srv.cfg.repl_diskless_sync_delay * 1000)
        return;
    int rc = diskless ? repl_start_diskless() : snapshot_bgsave();
    struct repl_replica *r = repl.replicas;
    while (r) {
        struct repl_replica *next = r->next;
        if (r->state != REPL_WAIT_BGSAVE_START) {
            r = next;
            continue;
        }
        if (rc < 0) {
            log_msg(LOG_WARNING, "BGSAVE for replication failed");
            client_free(r->c);
            r = next;
            continue;
        }
        char line[128];
        int n = snprintf(line, sizeof line, "+FULLRESYNC %s %lld\r\n", repl.replid, repl.offset);
        /* Pre-PSYNC replicas (SYNC) expect the payload without the line. */
        if (!r->pre_psync)
            repl_xfer_append(r, line, (size_t)n);
        r->diskless = diskless;
        r->state = diskless ? REPL_SEND_BULK : REPL_WAIT_BGSAVE_END;
        repl_xfer_pump(r);
        r = next;
    }
    /* The snapshot holds every database as it is: the stream restarts with a SELECT. */
    repl.stream_db = -1;
}

static void repl_send_file(struct repl_replica *r, void *arg)
{
    bool ok = *(bool *)arg;
    if (r->diskless || r->state != REPL_WAIT_BGSAVE_END)
        return;
    char name[REPL_NAME_LEN];
    repl_replica_name(r, name, sizeof name);
    int fd = ok ? open(srv.cfg.dbfilename, O_RDONLY | O_CLOEXEC) : -1;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        log_msg(LOG_WARNING, "SYNC failed. Can't open/stat DB after BGSAVE; dropping replica %s", name);
        if (fd >= 0)
            close(fd);
        client_free(r->c);
        return;
    }
    char head[48];
    int n = snprintf(head, sizeof head, "$%lld\r\n", (long long)st.st_size);
    repl_xfer_append(r, head, (size_t)n);
    r->xfer_fd = fd;
    r->state = REPL_SEND_BULK;
    repl_xfer_pump(r);
}

void repl_rdb_saved(bool ok)
{
    repl_each_replica(repl_send_file, &ok);
}

/* ---- SYNC, PSYNC, REPLCONF ---- */

/* The replica asked to continue at `from` of the history `replid`: possible when that is
 * our history (or the previous one, up to where it ended) and the backlog still has it. */
static bool repl_try_partial(struct repl_replica *r, const struct cmd_arg *replid,
                             long long from)
{
    char name[REPL_NAME_LEN];
    repl_replica_name(r, name, sizeof name);
    bool ours = strcasecmp(replid->ptr, repl.replid) == 0;
    bool previous = strcasecmp(replid->ptr, repl.replid2) == 0 && from <= repl.second_offset;
    if (!ours && !previous) {
        if (strcmp(replid->ptr, "?") != 0)
            log_msg(LOG_NOTICE, "Partial resynchronization not accepted: Replication ID "
                    "mismatch (Replica asked for '%s', my replication IDs are '%s' and '%s')",
                    replid->ptr, repl.replid, repl.replid2);
        else
            log_msg(LOG_NOTICE, "Full resync requested by replica %s", name);
        return false;
    }
    struct sbuf hist = SBUF_INIT;
    if (repl__backlog_copy(from, &hist) < 0) {
        log_msg(LOG_NOTICE, "Unable to partial resync with replica %s for lack of backlog "
                "(Replica request was: %lld).", name, from);
        return false;
    }
    r->state = REPL_ONLINE;
    r->ack_ms = server_unix_ms();
    char line[80];
    int n = r->capa_psync2 ? snprintf(line, sizeof line, "+CONTINUE %s\r\n", repl.replid)
                           : snprintf(line, sizeof line, "+CONTINUE\r\n");
    reply_raw(r->c, line, (size_t)n);
    if (hist.len)
        reply_raw(r->c, hist.data, hist.len);
    log_msg(LOG_NOTICE, "Partial resynchronization request from %s accepted. Sending %zu "
            "bytes of backlog starting from offset %lld.", name, hist.len, from);
    sbuf_free(&hist);
    return true;
}

static struct repl_replica *repl_replica_of(struct client *c)
{
    if (!c->repl) {
        struct repl_replica *r = mem_calloc(sizeof *r);
        r->c = c;
        r->xfer_fd = -1;
        r->ack_off = -1;
        /* The address the replica connected from, without the port. */
        snprintf(r->ip, sizeof r->ip, "%s", c->addr);
        char *colon = strrchr(r->ip, ':');
        if (colon)
            *colon = '\0';
        c->repl = r;
    }
    return c->repl;
}

static void repl_sync(struct client *c, bool psync)
{
    if (c->flags & CLIENT_REPLICA)
        return; /* already syncing: ignore, as Redis does */
    if (repl_is_replica() && repl.link != REPL_LINK_CONNECTED) {
        reply_error(c, "NOMASTERLINK Can't SYNC while not connected with my master");
        return;
    }
    if (c->out.bytes) {
        reply_error(c, "ERR SYNC and PSYNC are invalid with pending output");
        return;
    }
    struct repl_replica *r = repl_replica_of(c);
    char name[REPL_NAME_LEN];
    log_msg(LOG_NOTICE, "Replica %s asks for synchronization", repl_replica_name(r, name, sizeof name));
    long long from = 0;
    if (psync && num_parse_ll(c->argv[2].ptr, c->argv[2].len, &from) < 0) {
        /* As Redis: an error, and the client stays an ordinary one. */
        log_msg(LOG_WARNING, "Replica %s asks for synchronization but with a wrong offset", name);
        reply_error_not_int(c);
        return;
    }
    c->flags |= CLIENT_REPLICA;
    r->ack_ms = server_unix_ms();
    r->pre_psync = !psync;
    struct repl_replica **tail = &repl.replicas;
    while (*tail)
        tail = &(*tail)->next;
    *tail = r; /* in arrival order, as INFO lists them */
    repl.nreplicas++;
    if (psync) {
        if (repl_try_partial(r, &c->argv[1], from)) {
            srv.stats.sync_partial_ok++;
            return;
        }
        if (strcmp(c->argv[1].ptr, "?") != 0)
            srv.stats.sync_partial_err++;
    }
    srv.stats.sync_full++;
    c->flags |= CLIENT_REPLY_OFF; /* the socket carries the snapshot until it is online */
    if (!repl.backlog) {
        /* A new history starts with the first replica: new ID, no previous one. */
        rand_hex(repl.replid, REPL_ID_LEN);
        memset(repl.replid2, '0', REPL_ID_LEN);
        repl.second_offset = -1;
        repl__backlog_create();
        log_msg(LOG_NOTICE, "Replication backlog created, my new replication IDs are '%s' "
                "and '%s'", repl.replid, repl.replid2);
    }
    r->state = REPL_WAIT_BGSAVE_START;
    r->wait_since_ms = server_unix_ms();
    repl_maybe_start_sync();
}

void cmd_sync(struct client *c)
{
    repl_sync(c, false);
}

void cmd_psync(struct client *c)
{
    repl_sync(c, true);
}

void cmd_replconf(struct client *c)
{
    if (c->argc % 2 == 0) {
        reply_error_syntax(c);
        return;
    }
    for (int i = 1; i < c->argc; i += 2) {
        const struct cmd_arg *opt = &c->argv[i], *val = &c->argv[i + 1];
        long long n = 0;
        if (client_arg_is(opt, "listening-port")) {
            if (num_parse_ll(val->ptr, val->len, &n) < 0 || n < 0 || n > 65535) {
                reply_error_not_int(c);
                return;
            }
            repl_replica_of(c)->listening_port = (int)n;
        } else if (client_arg_is(opt, "ip-address")) {
            if (val->len >= sizeof repl_replica_of(c)->ip) {
                reply_errorf(c, "ERR REPLCONF ip-address provided by replica instance is too long: %zu bytes", val->len);
                return;
            }
            memcpy(repl_replica_of(c)->ip, val->ptr, val->len + 1);
        } else if (client_arg_is(opt, "capa")) {
            if (client_arg_is(val, "eof"))
                repl_replica_of(c)->capa_eof = true;
            else if (client_arg_is(val, "psync2"))
                repl_replica_of(c)->capa_psync2 = true;
        } else if (client_arg_is(opt, "ack")) {
            /* A replica's acknowledgement gets no reply. */
            if (!c->repl || num_parse_ll(val->ptr, val->len, &n) < 0)
                return;
            if (n > c->repl->ack_off)
                c->repl->ack_off = n;
            c->repl->ack_ms = server_unix_ms();
            if (c->repl->await_first_ack)
                repl_flush_pending(c->repl);
            blocking_wake_keyless();
            return;
        } else if (client_arg_is(opt, "getack")) {
            /* Only our master may ask; it gets the ACK its own stream offset implies. */
            if (c->flags & CLIENT_MASTER)
                repl__send_ack(c);
            return;
        } else if (client_arg_is(opt, "rdb-only") || client_arg_is(opt, "rdb-filter-only")) {
            /* Accepted for redis-cli --rdb; the stream that follows is simply unused. */
        } else {
            reply_errorf(c, "ERR Unrecognized REPLCONF option: %s", opt->ptr);
            return;
        }
    }
    reply_ok(c);
}

/* ---- WAIT ---- */

static int repl_acked(long long off)
{
    int n = 0;
    for (struct repl_replica *r = repl.replicas; r; r = r->next)
        n += r->state == REPL_ONLINE && r->ack_off >= off;
    return n;
}

void cmd_wait(struct client *c)
{
    if (repl_is_replica()) {
        reply_error(c, "ERR WAIT cannot be used with replica instances. Please also note that "
                    "since Redis 4.0 if a replica is configured to be writable (which is not "
                    "the default) writes to replicas are just local and are not propagated.");
        return;
    }
    long long want, timeout;
    if (num_parse_ll(c->argv[1].ptr, c->argv[1].len, &want) < 0) {
        reply_error_not_int(c);
        return;
    }
    if (num_parse_ll(c->argv[2].ptr, c->argv[2].len, &timeout) < 0) {
        reply_error(c, "ERR timeout is not an integer or out of range");
        return;
    }
    if (timeout < 0) {
        reply_error(c, "ERR timeout is negative");
        return;
    }
    bool rerun = blocking_is_blocked(c);
    if (!rerun)
        c->repl_wait_off = repl.offset;
    int acked = repl_acked(c->repl_wait_off);
    if (acked >= want || !blocking_allowed(c) || blocking_timed_out(c)) {
        reply_integer(c, acked);
        return;
    }
    blocking_block(c, NULL, 0, 1, timeout && !rerun ? server_unix_ms() + timeout : 0);
    repl.wait_getack = true;
}

void repl_before_sleep(void)
{
    if (!repl.wait_getack)
        return;
    repl.wait_getack = false;
    static const char getack[] = "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";
    repl__stream_append(getack, sizeof getack - 1);
}

/* ---- replicas leaving, cron, INFO ---- */

void repl_client_freed(struct client *c)
{
    if (c->flags & CLIENT_MASTER) {
        repl__master_lost(c);
        return;
    }
    struct repl_replica *r = c->repl;
    if (!r)
        return;
    for (struct repl_replica **link = &repl.replicas; *link; link = &(*link)->next) {
        if (*link == r) {
            *link = r->next;
            repl.nreplicas--;
            char name[REPL_NAME_LEN];
            log_msg(LOG_NOTICE, "Connection with replica %s lost.",
                    repl_replica_name(r, name, sizeof name));
            break;
        }
    }
    if (r->xfer_fd >= 0)
        close(r->xfer_fd);
    sbuf_free(&r->xfer);
    sbuf_free(&r->pending);
    mem_free(r);
    c->repl = NULL;
    /* It may have been the one holding the diskless transfer back. */
    repl_pipe_resume();
    /* A WAIT may now be unreachable; its timeout still ends it. */
}

void repl__disconnect_replicas(void)
{
    while (repl.replicas)
        client_free(repl.replicas->c);
}

static void repl_replica_second(struct repl_replica *r, void *arg)
{
    long long now = *(long long *)arg;
    char name[REPL_NAME_LEN];
    bool awaiting_snapshot = r->state == REPL_WAIT_BGSAVE_START ||
                             (r->state == REPL_WAIT_BGSAVE_END && !r->diskless);
    if (awaiting_snapshot) {
        /* A newline keeps the replica's read timeout at bay while the snapshot is made. */
        repl_xfer_append(r, "\n", 1);
        repl_xfer_pump(r);
        return;
    }
    long long timeout = (long long)srv.cfg.repl_timeout * 1000;
    if (r->state == REPL_ONLINE && !r->pre_psync && now - r->ack_ms > timeout) {
        log_msg(LOG_WARNING, "Disconnecting timedout replica (streaming sync): %s",
                repl_replica_name(r, name, sizeof name));
        client_free(r->c);
    } else if (r->state == REPL_SEND_BULK && now - r->c->last_interaction > timeout) {
        /* A replica that stopped reading its snapshot would hold the transfer (and, when
         * diskless, the child) forever. */
        log_msg(LOG_WARNING, "Disconnecting timedout replica (full sync): %s",
                repl_replica_name(r, name, sizeof name));
        client_free(r->c);
    }
}

void repl__master_cron(void)
{
    repl_maybe_start_sync();
    long long now = server_unix_ms();
    if (now - repl_last_second_ms < 1000)
        return;
    repl_last_second_ms = now;
    repl_cron_seconds++;
    /* Pings flow down the stream, so a replica sees its master alive; a replica relays its
     * master's pings instead of making its own. */
    if (!repl_is_replica() && repl.nreplicas &&
        repl_cron_seconds % (srv.cfg.repl_ping_replica_period ? srv.cfg.repl_ping_replica_period : 1) == 0) {
        static const char ping[] = "*1\r\n$4\r\nPING\r\n";
        repl__stream_append(ping, sizeof ping - 1);
    }
    repl_each_replica(repl_replica_second, &now);
    int good = 0;
    for (struct repl_replica *r = repl.replicas; r; r = r->next)
        good += r->state == REPL_ONLINE &&
                (now - r->ack_ms) / 1000 <= srv.cfg.min_replicas_max_lag;
    repl.good_replicas = good;
}

void repl__replica_info(struct sbuf *o)
{
    static const char *const states[] = {"wait_bgsave", "wait_bgsave", "send_bulk", "online"};
    long long now = server_unix_ms();
    int i = 0;
    for (struct repl_replica *r = repl.replicas; r; r = r->next, i++)
        sbuf_catfmt(o, "slave%d:ip=%s,port=%d,state=%s,offset=%lld,lag=%lld\r\n", i, r->ip,
                    r->listening_port, states[r->state], r->ack_off < 0 ? 0 : r->ack_off,
                    (now - r->ack_ms) / 1000);
}
