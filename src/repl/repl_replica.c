/* The replica side: REPLICAOF, the connection and handshake with the master (PING, AUTH,
 * REPLCONF, PSYNC), the snapshot transfer into a temporary file ($<len> or $EOF:<mark>
 * framing) and its load, then the master client that applies the stream. Everything up to
 * the load is non-blocking: the loop keeps serving while bytes trickle in. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/config.h"
#include "../core/log.h"
#include "../core/multi.h"
#include "../core/server.h"
#include "../db/db.h"
#include "../ev/ev.h"
#include "../net/client.h"
#include "../net/sock.h"
#include "../persist/aof.h"
#include "../persist/rdb.h"
#include "../proto/reply.h"
#include "../util/mem.h"
#include "../util/num.h"
#include "../util/rand.h"
#include "repl_private.h"

/* Handshake steps: the reply awaited. */
enum repl_step {
    REPL_STEP_PING,     /* +PONG (or an auth error: the AUTH that follows fixes it) */
    REPL_STEP_CONF,     /* AUTH and the REPLCONFs, `handshake_step` counts what is left */
    REPL_STEP_PSYNC,    /* +FULLRESYNC or +CONTINUE */
    REPL_STEP_HEADER,   /* $<len> or $EOF:<mark> of the snapshot */
    REPL_STEP_PAYLOAD,
};

/* The longest handshake reply line taken from a master; a peer that sends more without a
 * newline is not one (or is broken), and must not grow our buffer without end. */
#define REPL_LINE_MAX 4096

static enum repl_step repl_step;
static int repl_conf_left;
static long long repl_last_connect_ms;

const char *repl__link_state_name(void)
{
    switch (repl.link) {
    case REPL_LINK_NONE: return "none";
    case REPL_LINK_CONNECT: return "connect";
    case REPL_LINK_CONNECTING: return "connecting";
    case REPL_LINK_HANDSHAKE: return "handshake";
    case REPL_LINK_TRANSFER: return "sync";
    case REPL_LINK_CONNECTED: return "connected";
    }
    return "unknown";
}

static void repl_send_command(struct sbuf *out, int argc, const char **argv)
{
    sbuf_catfmt(out, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++)
        sbuf_catfmt(out, "$%zu\r\n%s\r\n", strlen(argv[i]), argv[i]);
}

/* Handshake requests are a few dozen bytes on a fresh socket: they fit its buffer. */
static bool repl_write_handshake(const struct sbuf *out)
{
    ssize_t n = write(repl.fd, out->data, out->len);
    return n == (ssize_t)out->len;
}

void repl__send_ack(struct client *master)
{
    char num[NUM_LL_STR_MAX];
    size_t n = num_ll_to_str(num, repl.offset);
    char line[96];
    int len = snprintf(line, sizeof line, "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$%zu\r\n%s\r\n",
                       n, num);
    master->flags |= CLIENT_MASTER_FORCE_REPLY;
    reply_raw(master, line, (size_t)len);
    master->flags &= ~CLIENT_MASTER_FORCE_REPLY;
}

/* Drops whatever link, transfer or master client exists; the cron reconnects later. */
static void repl_cancel_link(void)
{
    if (repl.fd >= 0) {
        ev_del(srv.loop, repl.fd, EV_READABLE | EV_WRITABLE);
        close(repl.fd);
        repl.fd = -1;
    }
    if (repl.xfer_fd >= 0) {
        close(repl.xfer_fd);
        unlink(repl.xfer_tmp);
        repl.xfer_fd = -1;
    }
    sbuf_free(&repl.rbuf);
    repl.rpos = 0;
    if (repl.master)
        client_free(repl.master);
    repl.link = repl_is_replica() ? REPL_LINK_CONNECT : REPL_LINK_NONE;
}

static void repl_fail(const char *why)
{
    log_msg(LOG_WARNING, "%s", why);
    repl_cancel_link();
}

void repl__master_lost(struct client *c)
{
    repl.master_db = db_id(c->db);
    repl.master = NULL;
    sbuf_free(&repl.txn); /* the unfinished transaction was discarded with the client */
    repl.can_psync = true;
    repl.down_since_ms = server_unix_ms();
    repl.link = repl_is_replica() ? REPL_LINK_CONNECT : REPL_LINK_NONE;
    log_msg(LOG_NOTICE, "Connection with master lost.");
    /* Our own replicas stay: we continue the same history when the link is back. */
}

/* The stream starts: the socket becomes the master client, fed what already arrived. */
static void repl_attach_master(void)
{
    int fd = repl.fd;
    ev_del(srv.loop, fd, EV_READABLE | EV_WRITABLE);
    repl.fd = -1;
    struct client *c = client_adopt_fd(fd, CLIENT_MASTER);
    if (!c) {
        repl_fail("Can't watch the master's socket");
        return;
    }
    c->db = db_get(repl.master_db) ? db_get(repl.master_db) : db_get(0);
    repl.master = c;
    repl.link = REPL_LINK_CONNECTED;
    repl.down_since_ms = 0;
    repl.last_io_ms = server_unix_ms();
    if (!repl.backlog)
        repl__backlog_create();
    struct sbuf rest = repl.rbuf;
    size_t pos = repl.rpos;
    repl.rbuf = (struct sbuf)SBUF_INIT;
    repl.rpos = 0;
    repl__send_ack(c);
    if (rest.len > pos)
        client_inject_input(c, rest.data + pos, rest.len - pos);
    sbuf_free(&rest);
}

/* ---- connect and handshake ---- */

static void repl_on_readable(struct ev_loop *loop, int fd, void *data, int mask);

static void repl_on_connected(struct ev_loop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)data;
    (void)mask;
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    if (err) {
        log_msg(LOG_WARNING, "Error condition on socket for SYNC: %s", strerror(err));
        repl_cancel_link();
        return;
    }
    log_msg(LOG_NOTICE, "Non blocking connect for SYNC fired the event.");
    ev_del(srv.loop, fd, EV_WRITABLE);
    sock_set_nodelay(fd);
    ev_add(srv.loop, fd, EV_READABLE, repl_on_readable, NULL);
    repl.link = REPL_LINK_HANDSHAKE;
    repl_step = REPL_STEP_PING;
    struct sbuf out = SBUF_INIT;
    const char *ping[] = {"PING"};
    repl_send_command(&out, 1, ping);
    if (!repl_write_handshake(&out))
        repl_fail("Error writing PING to master");
    sbuf_free(&out);
}

static void repl_connect(void)
{
    char err[SOCK_ERR_LEN];
    repl_last_connect_ms = repl.connect_ms = server_unix_ms();
    log_msg(LOG_NOTICE, "Connecting to MASTER %s:%d", srv.cfg.master_host, srv.cfg.master_port);
    int fd = sock_connect_tcp(srv.cfg.master_host, srv.cfg.master_port, err);
    if (fd < 0) {
        log_msg(LOG_WARNING, "Unable to connect to MASTER: %s", err);
        return;
    }
    if (ev_add(srv.loop, fd, EV_WRITABLE, repl_on_connected, NULL) < 0) {
        close(fd);
        return;
    }
    repl.fd = fd;
    repl.link = REPL_LINK_CONNECTING;
    repl.last_io_ms = repl.connect_ms;
    log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync started");
}

static void repl_send_conf(void)
{
    struct sbuf out = SBUF_INIT;
    repl_conf_left = 2;
    if (srv.cfg.masterauth) {
        const char *with_user[] = {"AUTH", srv.cfg.masteruser, srv.cfg.masterauth};
        const char *pass_only[] = {"AUTH", srv.cfg.masterauth};
        if (srv.cfg.masteruser)
            repl_send_command(&out, 3, with_user);
        else
            repl_send_command(&out, 2, pass_only);
        repl_conf_left++;
    }
    char port[16];
    snprintf(port, sizeof port, "%d", srv.cfg.port);
    const char *lport[] = {"REPLCONF", "listening-port", port};
    repl_send_command(&out, 3, lport);
    const char *capa[] = {"REPLCONF", "capa", "eof", "capa", "psync2"};
    repl_send_command(&out, 5, capa);
    if (!repl_write_handshake(&out))
        repl_fail("Error writing the handshake to master");
    sbuf_free(&out);
}

static void repl_send_psync(void)
{
    struct sbuf out = SBUF_INIT;
    char off[NUM_LL_STR_MAX];
    if (repl.can_psync) {
        num_ll_to_str(off, repl.offset + 1);
        log_msg(LOG_NOTICE, "Trying a partial resynchronization (request %s:%s).", repl.replid, off);
        const char *cmd[] = {"PSYNC", repl.replid, off};
        repl_send_command(&out, 3, cmd);
    } else {
        log_msg(LOG_NOTICE, "Partial resynchronization not possible (no cached master)");
        const char *cmd[] = {"PSYNC", "?", "-1"};
        repl_send_command(&out, 3, cmd);
    }
    if (!repl_write_handshake(&out))
        repl_fail("Error writing PSYNC to master");
    sbuf_free(&out);
}

/* +CONTINUE [replid]: the master continues our history, maybe under a new ID (it was
 * promoted); our own replicas must then learn that ID too. */
static void repl_continue(const char *line)
{
    const char *id = line + strlen("+CONTINUE");
    while (*id == ' ')
        id++;
    if (strlen(id) == REPL_ID_LEN && memcmp(id, repl.replid, REPL_ID_LEN) != 0) {
        memcpy(repl.replid2, repl.replid, REPL_ID_LEN + 1);
        repl.second_offset = repl.offset + 1;
        memcpy(repl.replid, id, REPL_ID_LEN);
        repl.replid[REPL_ID_LEN] = '\0';
        log_msg(LOG_NOTICE, "Master replication ID changed to %s", repl.replid);
        repl__disconnect_replicas();
    }
    log_msg(LOG_NOTICE, "Successful partial resynchronization with master.");
    log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
    repl_attach_master();
}

static void repl_fullresync(const char *line)
{
    char id[REPL_ID_LEN + 1];
    long long off;
    if (sscanf(line, "+FULLRESYNC %40s %lld", id, &off) != 2 || strlen(id) != REPL_ID_LEN) {
        repl_fail("Master replied with wrong +FULLRESYNC syntax.");
        return;
    }
    memcpy(repl.master_replid, id, REPL_ID_LEN + 1);
    repl.master_initial_offset = off;
    log_msg(LOG_NOTICE, "Full resync from master: %s:%lld", id, off);
    /* Our history ends here: our replicas must resync with what we are about to load. */
    repl.can_psync = false;
    repl__disconnect_replicas();
    repl__backlog_free();
    repl.link = REPL_LINK_TRANSFER;
    repl_step = REPL_STEP_HEADER;
}

/* Handles one reply line of the handshake; the line has no line ending. */
static void repl_handshake_line(const char *line)
{
    switch (repl_step) {
    case REPL_STEP_PING:
        if (line[0] == '-' && strncmp(line, "-NOAUTH", 7) != 0 && strncmp(line, "-NOPERM", 7) != 0 &&
            strncmp(line, "-ERR operation not permitted", 28) != 0) {
            log_msg(LOG_WARNING, "Error reply to PING from master: '%s'", line);
            repl_cancel_link();
            return;
        }
        log_msg(LOG_NOTICE, "Master replied to PING, replication can continue...");
        repl_step = REPL_STEP_CONF;
        repl_send_conf();
        return;
    case REPL_STEP_CONF:
        if (line[0] == '-') {
            if (srv.cfg.masterauth && repl_conf_left == 3) {
                log_msg(LOG_WARNING, "Unable to AUTH to MASTER: %s", line);
                repl_cancel_link();
                return;
            }
            log_msg(LOG_NOTICE, "(Non critical) Master does not understand REPLCONF: %s", line);
        }
        if (--repl_conf_left == 0) {
            repl_step = REPL_STEP_PSYNC;
            repl_send_psync();
        }
        return;
    case REPL_STEP_PSYNC:
        if (line[0] == '\0')
            return; /* keep-alive newline while the master prepares */
        if (strncmp(line, "+FULLRESYNC", 11) == 0) {
            repl_fullresync(line);
        } else if (strncmp(line, "+CONTINUE", 9) == 0) {
            repl_continue(line);
        } else {
            log_msg(LOG_WARNING, "Unexpected reply to PSYNC from master: %s", line);
            repl_cancel_link();
        }
        return;
    case REPL_STEP_HEADER:
        if (line[0] == '\0')
            return;
        if (line[0] != '$') {
            log_msg(LOG_WARNING, "Bad protocol from MASTER, the first byte is not '$' (we "
                    "received '%s'), are you sure the host and port are right?", line);
            repl_cancel_link();
            return;
        }
        if (strncmp(line, "$EOF:", 5) == 0 && strlen(line) == 5 + REPL_ID_LEN) {
            memcpy(repl.eof_mark, line + 5, REPL_ID_LEN);
            repl.xfer_size = -1;
            log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: receiving streamed RDB from master "
                    "with EOF to disk");
        } else if (num_parse_ll(line + 1, strlen(line + 1), &repl.xfer_size) < 0 ||
                   repl.xfer_size < 0) {
            repl_fail("Bad snapshot length from MASTER");
            return;
        } else {
            log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: receiving %lld bytes from master to "
                    "disk", repl.xfer_size);
        }
        snprintf(repl.xfer_tmp, sizeof repl.xfer_tmp, "temp-%lld.%d.rdb",
                 server_unix_ms() / 1000, (int)getpid());
        repl.xfer_fd = open(repl.xfer_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (repl.xfer_fd < 0) {
            log_msg(LOG_WARNING, "Opening the temp file needed for MASTER <-> REPLICA "
                    "synchronization: %s", strerror(errno));
            repl_cancel_link();
            return;
        }
        repl.xfer_read = 0;
        repl_step = REPL_STEP_PAYLOAD;
        return;
    case REPL_STEP_PAYLOAD:
        return;
    }
}

/* ---- the snapshot ---- */

/* The AOF describes the dataset we just replaced: it starts again from the new one (a
 * rewrite), as Redis's restartAOFAfterSYNC does. The stream then appends to it. */
static void repl_restart_aof(void)
{
    if (!srv.cfg.appendonly)
        return;
    char err[CONFIG_ERR_LEN];
    srv.cfg.appendonly = false;
    aof_apply_enabled(err, sizeof err);
    srv.cfg.appendonly = true;
    if (aof_apply_enabled(err, sizeof err) < 0)
        log_msg(LOG_WARNING, "Failed restarting the AOF after a full sync: %s", err);
}

static void repl_load_snapshot(void)
{
    if (fsync(repl.xfer_fd) < 0 || close(repl.xfer_fd) < 0) {
        repl.xfer_fd = -1;
        repl_fail("Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization");
        return;
    }
    repl.xfer_fd = -1;
    if (rename(repl.xfer_tmp, srv.cfg.dbfilename) < 0) {
        log_msg(LOG_WARNING, "Failed trying to rename the temp DB into %s in MASTER <-> "
                "REPLICA synchronization: %s", srv.cfg.dbfilename, strerror(errno));
        unlink(repl.xfer_tmp);
        repl_cancel_link();
        return;
    }
    log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: Flushing old data");
    for (int i = 0; i < srv.cfg.databases; i++)
        server_signal_modified_db(db_get(i));
    db_flush(NULL);
    log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: Loading DB in memory");
    char err[RDB_ERR_LEN];
    if (rdb_load_file(srv.cfg.dbfilename, err) != 0) {
        log_msg(LOG_WARNING, "Failed trying to load the MASTER synchronization DB from disk: %s",
                err);
        db_flush(NULL);
        repl_cancel_link();
        return;
    }
    /* We now are where the master was when it took the snapshot, in its history. */
    memcpy(repl.replid, repl.master_replid, REPL_ID_LEN + 1);
    repl.offset = repl.master_initial_offset;
    memset(repl.replid2, '0', REPL_ID_LEN);
    repl.second_offset = -1;
    repl.master_db = 0;
    srv.dirty++;
    repl_restart_aof();
    log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: Finished with success");
    repl_attach_master();
}

static bool repl_write_payload(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(repl.xfer_fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            log_msg(LOG_WARNING, "Write error or short write writing to the DB dump file "
                    "needed for MASTER <-> REPLICA synchronization: %s", strerror(errno));
            repl_cancel_link();
            return false;
        }
        p += w;
        n -= (size_t)w;
        repl.xfer_read += w;
    }
    return true;
}

/* Moves payload bytes from rbuf to the file; true once the whole snapshot is there. */
static bool repl_consume_payload(void)
{
    const char *p = repl.rbuf.data + repl.rpos;
    size_t avail = repl.rbuf.len - repl.rpos;
    if (repl.xfer_size >= 0) {
        size_t want = (size_t)(repl.xfer_size - repl.xfer_read);
        size_t n = avail < want ? avail : want;
        if (!repl_write_payload(p, n))
            return false;
        repl.rpos += n;
        return repl.xfer_read == repl.xfer_size;
    }
    /* The mark may straddle two reads: hold back what could be its beginning. */
    const char *mark = memmem(p, avail, repl.eof_mark, REPL_ID_LEN);
    if (mark) {
        if (!repl_write_payload(p, (size_t)(mark - p)))
            return false;
        repl.rpos += (size_t)(mark - p) + REPL_ID_LEN;
        return true;
    }
    size_t n = avail > REPL_ID_LEN - 1 ? avail - (REPL_ID_LEN - 1) : 0;
    if (!repl_write_payload(p, n))
        return false;
    repl.rpos += n;
    return false;
}

static void repl_on_readable(struct ev_loop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)data;
    (void)mask;
    char buf[REPL_CHUNK];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        log_msg(LOG_WARNING, "I/O error reading from MASTER: %s",
                n == 0 ? "connection lost" : strerror(errno));
        repl_cancel_link();
        return;
    }
    srv.stats.net_input_bytes += n;
    repl.last_io_ms = server_unix_ms();
    sbuf_catlen(&repl.rbuf, buf, (size_t)n);
    /* Every step below may end the link (fd -1) or hand it to the master client. */
    while (repl.fd == fd && repl.rpos < repl.rbuf.len) {
        if (repl_step == REPL_STEP_PAYLOAD) {
            if (repl_consume_payload() && repl.fd == fd)
                repl_load_snapshot();
            else
                break;
            continue;
        }
        char *start = repl.rbuf.data + repl.rpos;
        char *nl = memchr(start, '\n', repl.rbuf.len - repl.rpos);
        if (!nl) {
            if (repl.rbuf.len - repl.rpos > REPL_LINE_MAX)
                repl_fail("Bad protocol from MASTER: a reply line longer than "
                          "4096 bytes");
            break;
        }
        repl.rpos += (size_t)(nl - start) + 1;
        if (nl > start && nl[-1] == '\r')
            nl--;
        *nl = '\0';
        repl_handshake_line(start);
    }
    /* Drop consumed bytes so a long transfer does not grow the buffer. */
    if (repl.fd == fd && repl.rpos > 0) {
        memmove(repl.rbuf.data, repl.rbuf.data + repl.rpos, repl.rbuf.len - repl.rpos);
        repl.rbuf.len -= repl.rpos;
        repl.rpos = 0;
    }
}

/* ---- becoming and ceasing to be a replica ---- */

void repl__set_master(const char *host, int port)
{
    bool was_master = !repl_is_replica();
    char *copy = mem_strdup(host);
    repl_cancel_link();
    mem_free(srv.cfg.master_host);
    srv.cfg.master_host = copy;
    srv.cfg.master_port = port;
    if (was_master) {
        /* Our own history may be a prefix of the new master's: ask to continue it. */
        repl.can_psync = true;
        repl.master_db = repl.stream_db < 0 ? 0 : repl.stream_db;
        log_msg(LOG_NOTICE, "Before turning into a replica, using my own master parameters to "
                "synthesize a cached master: I may be able to synchronize with the new master "
                "with just a partial transfer.");
    }
    /* Our replicas must follow the new history. */
    repl__disconnect_replicas();
    repl.link = REPL_LINK_CONNECT;
    repl.down_since_ms = 0;
    repl_connect();
}

void repl__unset_master(void)
{
    mem_free(srv.cfg.master_host);
    srv.cfg.master_host = NULL;
    repl_cancel_link();
    /* A new history continues the old one, which replicas may still ask for by replid2. */
    memcpy(repl.replid2, repl.replid, REPL_ID_LEN + 1);
    repl.second_offset = repl.offset + 1;
    rand_hex(repl.replid, REPL_ID_LEN);
    log_msg(LOG_NOTICE, "Setting secondary replication ID to %s, valid up to offset: %lld. "
            "New replication ID is %s", repl.replid2, repl.second_offset, repl.replid);
    repl__disconnect_replicas();
    repl.link = REPL_LINK_NONE;
    repl.stream_db = -1;
    repl.can_psync = false;
}

void repl_master_processed(struct client *c, const char *data, long long len)
{
    repl.last_io_ms = server_unix_ms();
    /* A transaction counts as applied at its EXEC, as in Redis: if the link breaks inside
     * one, the offset stays before its MULTI and the master sends it again whole. */
    if (multi_active(c) || repl.txn.len) {
        sbuf_catlen(&repl.txn, data, (size_t)len);
        if (multi_active(c))
            return;
        repl__stream_append(repl.txn.data, repl.txn.len);
        sbuf_free(&repl.txn);
        return;
    }
    repl__stream_append(data, (size_t)len);
}

void repl__replica_cron(void)
{
    if (!repl_is_replica())
        return;
    long long now = server_unix_ms(), timeout = (long long)srv.cfg.repl_timeout * 1000;
    switch (repl.link) {
    case REPL_LINK_NONE:
        break;
    case REPL_LINK_CONNECT:
        if (now - repl_last_connect_ms >= 1000)
            repl_connect();
        break;
    case REPL_LINK_CONNECTING:
    case REPL_LINK_HANDSHAKE:
        if (now - repl.connect_ms > timeout)
            repl_fail("Timeout connecting to the MASTER...");
        break;
    case REPL_LINK_TRANSFER:
        if (now - repl.last_io_ms > timeout)
            repl_fail("Timeout receiving bulk data from MASTER... If the problem persists try "
                      "to set the 'repl-timeout' parameter in redis.conf to a larger value.");
        break;
    case REPL_LINK_CONNECTED:
        if (now - repl.last_io_ms > timeout) {
            repl_fail("MASTER timeout: no data nor PING received...");
        } else if (now - repl.last_ack_ms >= 1000) {
            repl.last_ack_ms = now;
            repl__send_ack(repl.master);
        }
        break;
    }
}
