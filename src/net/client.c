#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../cmd/cmd.h"
#include "../core/blocking.h"
#include "../core/log.h"
#include "../core/multi.h"
#include "../core/pubsub.h"
#include "../core/server.h"
#include "../db/db.h"
#include "../ev/ev.h"
#include "../repl/repl.h"
#include "../util/mem.h"
#include "../util/sbuf.h"

/* Bytes read per read(2) unless a large bulk tells us exactly how much is coming. */
#define CLIENT_READ_CHUNK (16 * 1024)
/* A bulk at least this large is read straight to its end in one call when possible. */
#define CLIENT_BIG_ARG (32 * 1024)
/* At most this much is written to one client per event, so one fast reader of a huge
 * reply cannot starve everyone else. */
#define CLIENT_MAX_WRITE_PER_EVENT (1024 * 1024)
#define CLIENT_MAX_IOV 64
/* A query buffer larger than this is shrunk when its peak use stays below half of it. */
#define CLIENT_QBUF_SHRINK_MIN (32 * 1024)

static void client_on_readable(struct ev_loop *loop, int fd, void *data, int mask);
static void client_on_writable(struct ev_loop *loop, int fd, void *data, int mask);

static struct client *client_new(int fd)
{
    struct client *c = mem_calloc(sizeof *c);
    c->id = ++srv.next_client_id;
    c->fd = fd;
    c->resp = 2;
    c->db = &srv.dbs[0];
    c->authenticated = srv.cfg.requirepass == NULL;
    c->ctime = c->last_interaction = server_unix_ms();
    resp_request_init(&c->req);
    return c;
}

struct client *client_create_fake(void)
{
    struct client *c = client_new(-1);
    c->flags |= CLIENT_FAKE;
    c->authenticated = true;
    return c;
}

/* Frees the client's memory only: it is not linked anywhere and owns no socket. */
static void client_release(struct client *c)
{
    reply_queue_free(&c->out);
    resp_request_free(&c->req);
    mem_free(c->qbuf);
    mem_free(c->argv);
    mem_free(c->name);
    mem_free(c);
}

static void client_link(struct client *c)
{
    c->next = srv.clients;
    if (srv.clients)
        srv.clients->prev = c;
    srv.clients = c;
    srv.nclients++;
}

/* Refuses a connection before it becomes a client: best-effort error line, then close. */
static void client_refuse(int fd, const char *err)
{
    ssize_t ignored = write(fd, err, strlen(err));
    (void)ignored;
    close(fd);
    srv.stats.rejected_connections++;
}

static void client_accept_one(int fd, bool is_unix)
{
    if (srv.nclients >= (size_t)srv.cfg.maxclients) {
        client_refuse(fd, "-ERR max number of clients reached\r\n");
        return;
    }
    if (srv.cfg.protected_mode && !srv.cfg.requirepass && !is_unix && !sock_peer_is_local(fd)) {
        client_refuse(fd,
            "-DENIED Redis is running in protected mode because protected mode is enabled and "
            "no password is set for the default user. In this mode connections are only "
            "accepted from the loopback interface. If you want to connect from external "
            "computers to Redis you may adopt one of the following solutions: 1) Just disable "
            "protected mode sending the command 'CONFIG SET protected-mode no' from the "
            "loopback interface by connecting to Redis from the same host the server is "
            "running, however MAKE SURE Redis is not publicly accessible from internet if you "
            "do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can "
            "just disable the protected mode by editing the Redis configuration file, and "
            "setting the protected mode option to 'no', and then restarting the server. 3) If "
            "you started the server manually just for testing, restart it with the "
            "'--protected-mode no' option. 4) Set up an authentication password for the "
            "default user. NOTE: You only need to do one of the above things in order for the "
            "server to start accepting connections from the outside.\r\n");
        return;
    }
    if (!is_unix) {
        sock_set_nodelay(fd);
        if (srv.cfg.tcp_keepalive > 0)
            sock_set_keepalive(fd, srv.cfg.tcp_keepalive);
    }
    struct client *c = client_new(fd);
    if (ev_add(srv.loop, fd, EV_READABLE, client_on_readable, c) < 0) {
        /* select(2) cannot watch descriptors at or above FD_SETSIZE. */
        int err = errno;
        log_msg(LOG_WARNING, "Error registering fd event for the new client: %s (fd=%d)",
                err == ERANGE ? "descriptor out of range for the io-model" : strerror(err), fd);
        client_release(c);
        client_refuse(fd, err == ERANGE
            ? "-ERR connection refused: descriptor above the io-model limit (FD_SETSIZE)\r\n"
            : "-ERR error registering the connection\r\n");
        return;
    }
    if (is_unix)
        c->flags |= CLIENT_UNIX_SOCKET;
    sock_format_addr(fd, 0, c->addr, sizeof c->addr);
    sock_format_addr(fd, 1, c->laddr, sizeof c->laddr);
    client_link(c);
    srv.stats.connections_received++;
}

struct client *client_adopt_fd(int fd, unsigned flags)
{
    struct client *c = client_new(fd);
    if (ev_add(srv.loop, fd, EV_READABLE, client_on_readable, c) < 0) {
        client_release(c);
        close(fd);
        return NULL;
    }
    c->flags |= flags;
    c->authenticated = true;
    sock_format_addr(fd, 0, c->addr, sizeof c->addr);
    sock_format_addr(fd, 1, c->laddr, sizeof c->laddr);
    client_link(c);
    return c;
}

void client_on_accept(struct ev_loop *loop, int lfd, void *data, int mask)
{
    (void)loop;
    (void)data;
    (void)mask;
    bool is_unix = lfd == srv.unix_fd;
    /* Bounded so a connection storm cannot monopolise one loop iteration. */
    for (int i = 0; i < 1000; i++) {
        int fd = sock_accept(lfd);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                log_msg(LOG_WARNING, "Accepting client connection: %s", strerror(errno));
            return;
        }
        client_accept_one(fd, is_unix);
    }
}

static void client_unlink_pending(struct client *c)
{
    if (!(c->flags & CLIENT_PENDING_WRITE))
        return;
    for (struct client **link = &srv.pending_writes; *link; link = &(*link)->pending_next) {
        if (*link == c) {
            *link = c->pending_next;
            break;
        }
    }
    c->flags &= ~CLIENT_PENDING_WRITE;
}

void client_free(struct client *c)
{
    if (c->flags & CLIENT_EXECUTING) {
        client_close_async(c);
        return;
    }
    if (srv.current == c)
        srv.current = NULL;
    if (c->fd >= 0) {
        ev_del(srv.loop, c->fd, EV_READABLE | EV_WRITABLE);
        close(c->fd);
    }
    client_unlink_pending(c);
    if (c->flags & CLIENT_CLOSE_ASAP) {
        for (struct client **link = &srv.closing; *link; link = &(*link)->close_next) {
            if (*link == c) {
                *link = c->close_next;
                break;
            }
        }
    }
    multi_reset_client(c);
    pubsub_unsubscribe_all(c);
    blocking_abort(c);
    /* c->repl exists from the first REPLCONF, before the client is a replica. */
    if (c->repl || (c->flags & CLIENT_MASTER))
        repl_client_freed(c);
    if (!(c->flags & CLIENT_FAKE)) {
        if (c->prev)
            c->prev->next = c->next;
        else
            srv.clients = c->next;
        if (c->next)
            c->next->prev = c->prev;
        srv.nclients--;
    }
    client_release(c);
}

void client_close_async(struct client *c)
{
    if (c->flags & CLIENT_CLOSE_ASAP)
        return;
    c->flags |= CLIENT_CLOSE_ASAP;
    c->close_next = srv.closing;
    srv.closing = c;
}

void client_free_closing(void)
{
    while (srv.closing) {
        struct client *c = srv.closing;
        srv.closing = c->close_next;
        client_free(c);
    }
}

bool client_accepts_reply(const struct client *c)
{
    /* Our master reads none of our replies, except the acknowledgements it asks for. */
    if ((c->flags & (CLIENT_MASTER | CLIENT_MASTER_FORCE_REPLY)) == CLIENT_MASTER)
        return false;
    return !(c->flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_FAKE | CLIENT_CLOSE_ASAP));
}

enum client_class client_class_of(const struct client *c)
{
    if (c->flags & CLIENT_REPLICA)
        return CLIENT_CLASS_REPLICA;
    return pubsub_count(c) ? CLIENT_CLASS_PUBSUB : CLIENT_CLASS_NORMAL;
}

/* Enforces client-output-buffer-limit for the client's class. */
static void client_check_obuf_limit(struct client *c)
{
    if (c->flags & CLIENT_CLOSE_ASAP)
        return; /* already on its way out: count and log it once */
    const struct obuf_limit *lim = &srv.cfg.obuf_limits[client_class_of(c)];
    long long used = (long long)c->out.bytes;
    bool hard = lim->hard && used >= lim->hard;
    bool soft = false;
    if (lim->soft && used >= lim->soft) {
        long long now = server_unix_ms();
        if (!c->obuf_soft_since)
            c->obuf_soft_since = now;
        else if (now - c->obuf_soft_since >= lim->soft_seconds * 1000)
            soft = true;
    } else {
        c->obuf_soft_since = 0;
    }
    if (!hard && !soft)
        return;
    struct sbuf info = SBUF_INIT;
    client_describe(c, &info);
    log_msg(LOG_WARNING, "Client %s scheduled to be closed ASAP for overcoming of output buffer limits.",
            info.data);
    sbuf_free(&info);
    srv.stats.client_outbuf_limit_disconnections++;
    client_close_async(c);
}

void client_reply_queued(struct client *c)
{
    if (!(c->flags & CLIENT_PENDING_WRITE) && c->fd >= 0) {
        c->flags |= CLIENT_PENDING_WRITE;
        c->pending_next = srv.pending_writes;
        srv.pending_writes = c;
    }
    /* Checked only once a whole block is queued: cheap on the common small-reply path. */
    if (c->out.head != c->out.tail)
        client_check_obuf_limit(c);
}

void client_error_replied(struct client *c, const char *err)
{
    c->call_errors++;
    server_count_error(err);
}

/* ---- reading and parsing ---- */

bool client_arg_is(const struct cmd_arg *arg, const char *word)
{
    return strcasecmp(arg->ptr, word) == 0 && strlen(word) == arg->len;
}

void client_set_argv(struct client *c, char *base)
{
    if ((size_t)c->argv_cap < c->req.argc) {
        c->argv_cap = (int)c->req.argc;
        c->argv = mem_realloc(c->argv, sizeof *c->argv * (size_t)c->argv_cap);
    }
    for (size_t i = 0; i < c->req.argc; i++) {
        c->argv[i].ptr = base + c->req.argv[i].off;
        c->argv[i].len = c->req.argv[i].len;
        /* Safe: a multibulk payload is followed by its two (skipped) CRLF bytes, and an
         * inline argument by a blank, its closing quote or the line end. */
        c->argv[i].ptr[c->argv[i].len] = '\0';
    }
    c->argc = (int)c->req.argc;
}

static void client_protocol_error(struct client *c)
{
    char msg[128];
    snprintf(msg, sizeof msg, "ERR %s", c->req.error);
    log_msg(LOG_VERBOSE, "Protocol error (%s) from client id=%llu addr=%s", c->req.error,
            (unsigned long long)c->id, c->addr);
    reply_error(c, msg);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

/* Runs every complete request in the query buffer, in order. */
static void client_process_input(struct client *c)
{
    struct resp_limits lim = {
        .max_bulk_len = srv.cfg.proto_max_bulk_len,
        .unauthenticated = !c->authenticated,
    };
    while (c->qpos < c->qlen && !c->blocked &&
           !(c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP))) {
        lim.unauthenticated = !c->authenticated;
        char *base = c->qbuf + c->qpos;
        enum resp_status st = resp_parse(&c->req, base, c->qlen - c->qpos, &lim);
        if (st == RESP_INCOMPLETE)
            break;
        if (st == RESP_ERROR) {
            client_protocol_error(c);
            c->qpos = c->qlen;
            break;
        }
        if (c->req.argc > 0) {
            client_set_argv(c, base);
            server_execute(c);
            c->argc = 0;
        }
        c->qpos += c->req.pos;
        if (c->flags & CLIENT_MASTER)
            repl_master_processed(c, base, (long long)c->req.pos);
        resp_request_reset(&c->req);
    }
    /* Keep only the unparsed tail; the parser's offsets are relative to qpos, so moving
     * the tail to the front leaves them valid. */
    if (c->qpos == c->qlen) {
        c->qpos = c->qlen = 0;
    } else if (c->qpos > 0) {
        memmove(c->qbuf, c->qbuf + c->qpos, c->qlen - c->qpos);
        c->qlen -= c->qpos;
        c->qpos = 0;
    }
}

struct cmd_arg *client_copy_argv(const struct cmd_arg *argv, int argc)
{
    size_t bytes = sizeof(struct cmd_arg) * (size_t)argc;
    for (int i = 0; i < argc; i++)
        bytes += argv[i].len + 1;
    struct cmd_arg *copy = mem_alloc(bytes);
    char *p = (char *)(copy + argc);
    for (int i = 0; i < argc; i++) {
        memcpy(p, argv[i].ptr, argv[i].len);
        p[argv[i].len] = '\0';
        copy[i].ptr = p;
        copy[i].len = argv[i].len;
        p += argv[i].len + 1;
    }
    return copy;
}

void client_inject_input(struct client *c, const char *data, size_t len)
{
    if (len == 0)
        return;
    if (c->qcap - c->qlen < len) {
        c->qcap = c->qlen + len;
        c->qbuf = mem_realloc(c->qbuf, c->qcap);
    }
    memcpy(c->qbuf + c->qlen, data, len);
    c->qlen += len;
    srv.cmd_time_ms = server_unix_ms();
    srv.call_clock_us = ev_monotonic_us();
    c->flags |= CLIENT_EXECUTING;
    client_process_input(c);
    c->flags &= ~CLIENT_EXECUTING;
}

void client_resume(struct client *c)
{
    if (c->flags & (CLIENT_EXECUTING | CLIENT_CLOSE_ASAP) || c->qpos >= c->qlen)
        return;
    c->flags |= CLIENT_EXECUTING;
    client_process_input(c);
    c->flags &= ~CLIENT_EXECUTING;
}

/* How many bytes to ask read(2) for: a whole large bulk if one is being received. */
static size_t client_read_size(const struct client *c)
{
    const struct resp_request *r = &c->req;
    if (r->bulk_len >= CLIENT_BIG_ARG) {
        size_t have = c->qlen - c->qpos - r->pos;
        size_t want = (size_t)r->bulk_len + 2;
        if (want > have && want - have > CLIENT_READ_CHUNK)
            return want - have;
    }
    return CLIENT_READ_CHUNK;
}

static void client_on_readable(struct ev_loop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)mask;
    struct client *c = data;
    if (c->flags & CLIENT_CLOSE_ASAP)
        return; /* freed before the loop sleeps; its input no longer matters */
    size_t want = client_read_size(c);
    if (c->qcap - c->qlen < want) {
        size_t cap = c->qcap ? c->qcap : CLIENT_READ_CHUNK;
        while (cap - c->qlen < want)
            cap *= 2;
        c->qbuf = mem_realloc(c->qbuf, cap);
        c->qcap = cap;
    }
    ssize_t n = read(fd, c->qbuf + c->qlen, c->qcap - c->qlen);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return;
        log_msg(LOG_VERBOSE, "Reading from client: %s", strerror(errno));
        client_free(c);
        return;
    }
    if (n == 0) {
        log_msg(LOG_VERBOSE, "Client closed connection id=%llu addr=%s",
                (unsigned long long)c->id, c->addr);
        client_free(c);
        return;
    }
    c->qlen += (size_t)n;
    if (c->qlen > c->qpeak)
        c->qpeak = c->qlen;
    srv.cmd_time_ms = server_unix_ms();
    srv.call_clock_us = ev_monotonic_us();
    c->last_interaction = srv.cmd_time_ms;
    srv.stats.net_input_bytes += n;
    srv.stats.io_reads_processed++;
    if (srv.cfg.client_query_buffer_limit &&
        (long long)(c->qlen - c->qpos) > srv.cfg.client_query_buffer_limit) {
        struct sbuf info = SBUF_INIT;
        client_describe(c, &info);
        log_msg(LOG_WARNING, "Closing client that reached max query buffer length: %s", info.data);
        sbuf_free(&info);
        srv.stats.client_qbuf_limit_disconnections++;
        client_free(c);
        return;
    }
    c->flags |= CLIENT_EXECUTING;
    client_process_input(c);
    c->flags &= ~CLIENT_EXECUTING;
}

/* ---- writing ---- */

/* Writes as much queued output as the socket takes. Returns -1 if the client was freed. */
static int client_write(struct client *c)
{
    struct reply_queue *q = &c->out;
    size_t written_this_event = 0;
    while (q->bytes > 0) {
        struct iovec iov[CLIENT_MAX_IOV];
        int iovcnt = 0;
        size_t offset = q->sent;
        for (struct reply_block *b = q->head; b && iovcnt < CLIENT_MAX_IOV; b = b->next) {
            if (b->used > offset) {
                iov[iovcnt].iov_base = b->data + offset;
                iov[iovcnt].iov_len = b->used - offset;
                iovcnt++;
            }
            offset = 0;
        }
        if (iovcnt == 0)
            break;
        ssize_t n = writev(c->fd, iov, iovcnt);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                break;
            log_msg(LOG_VERBOSE, "Error writing to client: %s", strerror(errno));
            client_free(c);
            return -1;
        }
        srv.stats.net_output_bytes += n;
        srv.stats.io_writes_processed++;
        written_this_event += (size_t)n;
        q->bytes -= (size_t)n;
        size_t left = (size_t)n;
        /* Drop fully written blocks, keeping the last one to reuse for the next reply. */
        while (q->head && left >= q->head->used - q->sent) {
            left -= q->head->used - q->sent;
            q->sent = 0;
            if (q->head == q->tail) {
                q->head->used = 0;
                break;
            }
            struct reply_block *done = q->head;
            q->head = done->next;
            mem_free(done);
        }
        q->sent += left;
        if (written_this_event >= CLIENT_MAX_WRITE_PER_EVENT)
            break;
    }
    if (written_this_event)
        c->last_interaction = server_unix_ms();
    if (q->bytes == 0) {
        q->sent = 0;
        if (c->flags & CLIENT_WRITE_HANDLER) {
            ev_del(srv.loop, c->fd, EV_WRITABLE);
            c->flags &= ~CLIENT_WRITE_HANDLER;
        }
        if (c->flags & CLIENT_CLOSE_AFTER_REPLY) {
            client_free(c);
            return -1;
        }
    } else if (!(c->flags & CLIENT_WRITE_HANDLER)) {
        if (ev_add(srv.loop, c->fd, EV_WRITABLE, client_on_writable, c) == 0)
            c->flags |= CLIENT_WRITE_HANDLER;
    }
    return 0;
}

static void client_on_writable(struct ev_loop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)fd;
    (void)mask;
    client_write(data);
}

void client_flush_pending(void)
{
    while (srv.pending_writes) {
        struct client *c = srv.pending_writes;
        srv.pending_writes = c->pending_next;
        c->flags &= ~CLIENT_PENDING_WRITE;
        if (c->flags & CLIENT_CLOSE_ASAP)
            continue;
        /* A client already waiting for writability is served by that event. */
        if (c->flags & CLIENT_WRITE_HANDLER)
            continue;
        client_write(c);
    }
}

void client_cron(void)
{
    long long now = server_unix_ms();
    struct client *c = srv.clients;
    while (c) {
        struct client *next = c->next;
        /* As Redis: subscribers and blocked clients are idle by design, never timed out. */
        if (srv.cfg.timeout > 0 && now - c->last_interaction > (long long)srv.cfg.timeout * 1000 &&
            c->out.bytes == 0 && !c->blocked && pubsub_count(c) == 0 &&
            !(c->flags & (CLIENT_REPLICA | CLIENT_MASTER))) {
            log_msg(LOG_VERBOSE, "Closing idle client id=%llu", (unsigned long long)c->id);
            client_free(c);
            c = next;
            continue;
        }
        /* Give back a large query buffer that recent traffic no longer needs. */
        if (c->qcap > CLIENT_QBUF_SHRINK_MIN && c->qpeak < c->qcap / 2 && c->qlen == 0) {
            mem_free(c->qbuf);
            c->qbuf = NULL;
            c->qcap = 0;
        }
        c->qpeak = c->qlen;
        /* The soft output limit must fire even if no new output arrives. */
        if (c->obuf_soft_since)
            client_check_obuf_limit(c);
        c = next;
    }
}

size_t client_qbuf_used(const struct client *c)
{
    return c->qlen - c->qpos;
}

static size_t client_obuf_blocks(const struct client *c)
{
    size_t n = 0;
    for (const struct reply_block *b = c->out.head; b; b = b->next)
        n++;
    return n;
}

static size_t client_total_memory(const struct client *c)
{
    size_t m = mem_usable(c) + mem_usable(c->qbuf) + mem_usable(c->argv) + mem_usable(c->name);
    for (const struct reply_block *b = c->out.head; b; b = b->next)
        m += mem_usable(b);
    return m;
}

void client_describe(const struct client *c, struct sbuf *out)
{
    char flags[16];
    int nf = 0;
    if (c->flags & CLIENT_CLOSE_ASAP)
        flags[nf++] = 'A';
    if (c->flags & CLIENT_CLOSE_AFTER_REPLY)
        flags[nf++] = 'c';
    if (c->flags & CLIENT_REPLICA)
        flags[nf++] = 'S';
    if (c->flags & CLIENT_MASTER)
        flags[nf++] = 'M';
    if (c->flags & CLIENT_UNIX_SOCKET)
        flags[nf++] = 'U';
    if (c->flags & CLIENT_NO_EVICT)
        flags[nf++] = 'e';
    if (pubsub_count(c))
        flags[nf++] = 'P';
    if (c->blocked)
        flags[nf++] = 'b';
    if (c->multi)
        flags[nf++] = 'x';
    if (nf == 0)
        flags[nf++] = 'N';
    flags[nf] = '\0';
    int events = c->fd >= 0 ? ev_mask(srv.loop, c->fd) : 0;
    char ev[3] = {0};
    int ne = 0;
    if (events & EV_READABLE)
        ev[ne++] = 'r';
    if (events & EV_WRITABLE)
        ev[ne++] = 'w';
    long long now = server_unix_ms();
    const struct reply_block *tail = c->out.tail;
    sbuf_catfmt(out,
                "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d "
                "sub=%zu psub=%zu ssub=0 multi=%d qbuf=%zu qbuf-free=%zu argv-mem=%zu "
                "multi-mem=0 rbs=%zu rbp=%zu obl=%zu oll=%zu omem=%zu tot-mem=%zu "
                "events=%s cmd=%s user=default redir=-1 resp=%d",
                (unsigned long long)c->id, c->addr, c->laddr, c->fd, c->name ? c->name : "",
                (now - c->ctime) / 1000, (now - c->last_interaction) / 1000, flags,
                db_id(c->db), c->nsub_channels, c->nsub_patterns,
                c->multi ? multi_queued_count(c) : -1, c->qlen - c->qpos, c->qcap - c->qlen, (size_t)0,
                c->qcap, c->qpeak, tail ? tail->used : 0, client_obuf_blocks(c),
                c->out.bytes, client_total_memory(c), ev,
                c->lastcmd ? cmd_fullname(c->lastcmd) : "NULL", c->resp);
}
