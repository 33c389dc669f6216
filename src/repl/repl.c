/* The replication state both roles share, and what the rest of the server asks of it:
 * propagation into the stream, command admission, INFO replication, ROLE, REPLICAOF. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../cmd/cmd.h"
#include "../core/log.h"
#include "../core/propagate.h"
#include "../core/server.h"
#include "../db/db.h"
#include "../net/client.h"
#include "../persist/rdb.h"
#include "../proto/reply.h"
#include "../util/mem.h"
#include "../util/num.h"
#include "../util/rand.h"
#include "repl_private.h"

struct repl_state repl = {
    .second_offset = -1,
    .stream_db = -1,
    .child_pipe = -1,
    .fd = -1,
    .xfer_fd = -1,
};

void repl_init(void)
{
    rand_hex(repl.replid, REPL_ID_LEN);
    memset(repl.replid2, '0', REPL_ID_LEN);
    repl.replid2[REPL_ID_LEN] = '\0';
    const struct rdb_repl_info *ri = rdb_loaded_repl_info();
    /* A restarted replica continues where its snapshot left off, as Redis does. Not after
     * loading an AOF: its commands went past the offset its base recorded. */
    if (srv.cfg.master_host && ri && !srv.cfg.appendonly) {
        memcpy(repl.replid, ri->replid, REPL_ID_LEN);
        repl.offset = ri->offset;
        repl.master_db = ri->dbid;
        repl.can_psync = true;
        log_msg(LOG_NOTICE, "Restored replication ID %s and offset %lld from the RDB file",
                repl.replid, repl.offset);
    }
    /* The replicaof directive: the cron connects at its first run. */
    if (srv.cfg.master_host)
        repl.link = REPL_LINK_CONNECT;
}

bool repl_is_replica(void)
{
    return srv.cfg.master_host != NULL;
}

bool repl_current_is_master(void)
{
    return srv.current && (srv.current->flags & CLIENT_MASTER);
}

/* The encoding buffer repl_feed keeps between writes, at most. */
#define REPL_FEED_BUF_KEEP (64 * 1024)

bool repl_wants_feed(void)
{
    return !repl_is_replica() && repl.backlog;
}

void repl_feed(int dbid, int argc, const struct cmd_arg *argv)
{
    if (!repl_wants_feed())
        return;
    /* Kept between calls, so a write costs no allocation; a large value's buffer is let go
     * rather than held for the life of the server. */
    static struct sbuf out = SBUF_INIT;
    out.len = 0;
    propagate_encode_in_db(&out, &repl.stream_db, dbid, argc, argv);
    repl__stream_append(out.data, out.len);
    if (out.cap > REPL_FEED_BUF_KEEP)
        sbuf_free(&out);
}

bool repl_check_command_or_reply(struct client *c, const struct cmd *cmd)
{
    if (c->flags & CLIENT_MASTER)
        return true;
    if (repl_is_replica()) {
        if (repl.link != REPL_LINK_CONNECTED && !srv.cfg.replica_serve_stale_data &&
            !(cmd->flags & CMD_STALE)) {
            reply_error(c, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data "
                        "is set to 'no'.");
            return false;
        }
        if (srv.cfg.replica_read_only && (cmd->flags & CMD_WRITE)) {
            reply_error(c, "READONLY You can't write against a read only replica.");
            return false;
        }
        return true;
    }
    if (srv.cfg.min_replicas_to_write && srv.cfg.min_replicas_max_lag &&
        (cmd->flags & CMD_WRITE) && repl.good_replicas < srv.cfg.min_replicas_to_write) {
        reply_error(c, "NOREPLICAS Not enough good replicas to write.");
        return false;
    }
    return true;
}

bool repl_rdb_info(struct rdb_repl_info *info)
{
    /* A master records its history only once it has one (a backlog); a replica records
     * the point of its master's stream it reached, to continue from there after a restart. */
    if (repl_is_replica() ? !(repl.master || repl.can_psync) : !repl.backlog)
        return false;
    memcpy(info->replid, repl.replid, REPL_ID_LEN + 1);
    info->offset = repl.offset;
    if (repl_is_replica())
        info->dbid = repl.master ? db_id(repl.master->db) : repl.master_db;
    else
        info->dbid = repl.stream_db < 0 ? 0 : repl.stream_db;
    return true;
}

void repl_backlog_resized(void)
{
    repl__backlog_resize(srv.cfg.repl_backlog_size);
}

void repl_cron(void)
{
    repl__replica_cron();
    repl__master_cron();
}

/* ---- INFO and ROLE ---- */

void repl_info(struct sbuf *o)
{
    long long now = server_unix_ms();
    sbuf_cat(o, "# Replication\r\n");
    if (!repl_is_replica()) {
        sbuf_cat(o, "role:master\r\n");
    } else {
        bool up = repl.link == REPL_LINK_CONNECTED;
        long long applied = 1, read = 1;
        if (repl.master) {
            applied = repl.offset;
            read = repl.offset + (long long)client_qbuf_used(repl.master);
        } else if (repl.can_psync) {
            applied = read = repl.offset;
        }
        sbuf_catfmt(o,
                    "role:slave\r\n"
                    "master_host:%s\r\n"
                    "master_port:%d\r\n"
                    "master_link_status:%s\r\n"
                    "master_last_io_seconds_ago:%d\r\n"
                    "master_sync_in_progress:%d\r\n"
                    "slave_read_repl_offset:%lld\r\n"
                    "slave_repl_offset:%lld\r\n",
                    srv.cfg.master_host, srv.cfg.master_port, up ? "up" : "down",
                    repl.master ? (int)((now - repl.last_io_ms) / 1000) : -1,
                    repl.link == REPL_LINK_TRANSFER, read, applied);
        if (repl.link == REPL_LINK_TRANSFER) {
            long long total = repl.xfer_size < 0 ? 0 : repl.xfer_size;
            sbuf_catfmt(o,
                        "master_sync_total_bytes:%lld\r\n"
                        "master_sync_read_bytes:%lld\r\n"
                        "master_sync_left_bytes:%lld\r\n"
                        "master_sync_perc:%.2f\r\n"
                        "master_sync_last_io_seconds_ago:%d\r\n",
                        repl.xfer_size, repl.xfer_read, total - repl.xfer_read,
                        total ? (double)repl.xfer_read * 100 / (double)total : 0.0,
                        (int)((now - repl.last_io_ms) / 1000));
        }
        if (!up)
            sbuf_catfmt(o, "master_link_down_since_seconds:%lld\r\n",
                        repl.down_since_ms ? (now - repl.down_since_ms) / 1000 : -1);
        sbuf_catfmt(o,
                    "slave_priority:%d\r\n"
                    "slave_read_only:%d\r\n"
                    "replica_announced:%d\r\n",
                    srv.cfg.replica_priority, srv.cfg.replica_read_only,
                    srv.cfg.replica_announced);
    }
    sbuf_catfmt(o, "connected_slaves:%d\r\n", repl.nreplicas);
    if (srv.cfg.min_replicas_to_write && srv.cfg.min_replicas_max_lag)
        sbuf_catfmt(o, "min_slaves_good_slaves:%d\r\n", repl.good_replicas);
    repl__replica_info(o);
    long long first = repl.backlog ? repl.offset - repl.backlog_histlen + 1 : 0;
    sbuf_catfmt(o,
                "master_failover_state:no-failover\r\n"
                "master_replid:%s\r\n"
                "master_replid2:%s\r\n"
                "master_repl_offset:%lld\r\n"
                "second_repl_offset:%lld\r\n"
                "repl_backlog_active:%d\r\n"
                "repl_backlog_size:%lld\r\n"
                "repl_backlog_first_byte_offset:%lld\r\n"
                "repl_backlog_histlen:%lld\r\n",
                repl.replid, repl.replid2, repl.offset, repl.second_offset,
                repl.backlog != NULL, srv.cfg.repl_backlog_size, first, repl.backlog_histlen);
}

void cmd_role(struct client *c)
{
    if (!repl_is_replica()) {
        reply_array(c, 3);
        reply_bulk_cstr(c, "master");
        reply_integer(c, repl.offset);
        int n = 0;
        for (struct repl_replica *r = repl.replicas; r; r = r->next)
            n += r->state == REPL_ONLINE;
        reply_array(c, n);
        for (struct repl_replica *r = repl.replicas; r; r = r->next) {
            if (r->state != REPL_ONLINE)
                continue;
            reply_array(c, 3);
            reply_bulk_cstr(c, r->ip);
            reply_bulk_ll(c, r->listening_port);
            reply_bulk_ll(c, r->ack_off);
        }
        return;
    }
    reply_array(c, 5);
    reply_bulk_cstr(c, "slave");
    reply_bulk_cstr(c, srv.cfg.master_host);
    reply_integer(c, srv.cfg.master_port);
    reply_bulk_cstr(c, repl__link_state_name());
    reply_integer(c, repl.master ? repl.offset : -1);
}

/* REPLICAOF host port | NO ONE (and its old name SLAVEOF). */
void cmd_replicaof(struct client *c)
{
    if (client_arg_is(&c->argv[1], "no") && client_arg_is(&c->argv[2], "one")) {
        if (repl_is_replica()) {
            repl__unset_master();
            struct sbuf who = SBUF_INIT;
            client_describe(c, &who);
            log_msg(LOG_NOTICE, "MASTER MODE enabled (user request from '%s')", who.data);
            sbuf_free(&who);
        }
        reply_ok(c);
        return;
    }
    long long port;
    if (num_parse_ll(c->argv[2].ptr, c->argv[2].len, &port) < 0 || port < 0 || port > 65535) {
        reply_error(c, "ERR Invalid master port");
        return;
    }
    if (c->flags & CLIENT_REPLICA) {
        /* A replica of ours must not become our master: that would be a loop. */
        reply_error(c, "ERR Command is not valid when client is a replica.");
        return;
    }
    if (repl_is_replica() && strcasecmp(srv.cfg.master_host, c->argv[1].ptr) == 0 &&
        srv.cfg.master_port == port) {
        log_msg(LOG_NOTICE, "REPLICAOF would result into synchronization with the master we "
                "are already connected with. No operation performed.");
        reply_status(c, "OK Already connected to specified master");
        return;
    }
    repl__set_master(c->argv[1].ptr, (int)port);
    struct sbuf who = SBUF_INIT;
    client_describe(c, &who);
    log_msg(LOG_NOTICE, "REPLICAOF %s:%d enabled (user request from '%s')",
            srv.cfg.master_host, srv.cfg.master_port, who.data);
    sbuf_free(&who);
    reply_ok(c);
}

void cmd_slaveof(struct client *c)
{
    cmd_replicaof(c);
}
