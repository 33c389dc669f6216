#include "snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/child.h"
#include "../core/log.h"
#include "../core/server.h"
#include "../db/db.h"
#include "../db/dict.h"
#include "../net/client.h"
#include "../proto/reply.h"
#include "../repl/repl.h"
#include "rdb.h"

/* After a failed BGSAVE, save points wait this long before trying again (Redis's
 * CONFIG_BGSAVE_RETRY_DELAY), so a full disk is not hammered by a fork per cron run. */
#define SNAPSHOT_RETRY_DELAY 5

static long long snapshot_now(void)
{
    return server_unix_ms() / 1000;
}

int snapshot_load_at_startup(void)
{
    char err[RDB_ERR_LEN];
    int rc = rdb_load_file(srv.cfg.dbfilename, err);
    if (rc == RDB_NOFILE)
        return 0;
    if (rc < 0) {
        log_msg(LOG_WARNING, "Fatal error loading the DB %s: %s. Exiting.", srv.cfg.dbfilename,
                err);
        return -1;
    }
    return 0;
}

int snapshot_save(void)
{
    if (snapshot_child_active()) {
        log_msg(LOG_WARNING, "Background save already in progress");
        return -1;
    }
    char err[RDB_ERR_LEN];
    srv.rdb_saves++;
    if (rdb_save(srv.cfg.dbfilename, err) < 0) {
        log_msg(LOG_WARNING, "%s", err);
        return -1;
    }
    log_msg(LOG_NOTICE, "DB saved on disk");
    srv.dirty = 0;
    srv.last_save = snapshot_now();
    srv.last_bgsave_failed = false;
    return 0;
}

bool snapshot_child_active(void)
{
    return child_active_kind() == CHILD_RDB;
}

/* The child writes the file and leaves without running the parent's exit handlers or
 * flushing its stdio buffers a second time. */
static void snapshot_child_main(void)
{
    char err[RDB_ERR_LEN];
    if (rdb_save(srv.cfg.dbfilename, err) < 0) {
        log_msg(LOG_WARNING, "%s", err);
        _exit(1);
    }
    log_msg(LOG_NOTICE, "DB saved on disk");
    _exit(0);
}

/* Bookkeeping once the child is gone, however it ended. */
static void snapshot_child_done(pid_t pid, bool ok, bool killed)
{
    if (ok) {
        log_msg(LOG_NOTICE, "Background saving terminated with success");
        srv.dirty -= srv.dirty_before_bgsave;
        srv.last_save = snapshot_now();
    } else {
        /* A child that did not finish leaves its temporary file behind. */
        char tmp[64];
        snprintf(tmp, sizeof tmp, "temp-%d.rdb", (int)pid);
        unlink(tmp);
        if (killed)
            log_msg(LOG_NOTICE, "Background saving child %d killed", (int)pid);
        else
            log_msg(LOG_WARNING, "Background saving error");
    }
    repl_rdb_saved(ok);
    /* Killed on purpose is not a failure worth reporting in INFO. */
    if (!killed) {
        srv.last_bgsave_failed = !ok;
        srv.last_bgsave_secs = (server_unix_ms() - child_start_ms()) / 1000;
    }
}

int snapshot_bgsave(void)
{
    if (child_active())
        return -1;
    srv.last_bgsave_try = snapshot_now();
    srv.dirty_before_bgsave = srv.dirty;
    pid_t pid = child_fork(CHILD_RDB, snapshot_child_done);
    if (pid == 0)
        snapshot_child_main();
    if (pid < 0) {
        srv.last_bgsave_failed = true;
        log_msg(LOG_WARNING, "Can't save in background: fork: %s", strerror(errno));
        return -1;
    }
    log_msg(LOG_NOTICE, "Background saving started by pid %d", (int)pid);
    srv.rdb_saves++;
    return 0;
}

const char *snapshot_write_error(void)
{
    if (!srv.cfg.stop_writes_on_bgsave_error || srv.cfg.nsave == 0 || !srv.last_bgsave_failed)
        return NULL;
    return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
           "persist to disk. Commands that may modify the data set are disabled, because this "
           "instance is configured to report errors during writes if RDB snapshotting fails "
           "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about "
           "the RDB error.";
}

void snapshot_kill_child(void)
{
    if (snapshot_child_active())
        child_kill();
}

void snapshot_cron(void)
{
    if (child_active())
        return;
    if (srv.bgsave_scheduled) {
        srv.bgsave_scheduled = false;
        snapshot_bgsave();
        return;
    }
    long long now = snapshot_now();
    for (int i = 0; i < srv.cfg.nsave; i++) {
        const struct save_point *sp = &srv.cfg.save[i];
        /* After a failure, wait before forking again even if a point is due. */
        if (srv.dirty >= sp->changes && now - srv.last_save > sp->seconds &&
            (!srv.last_bgsave_failed || now - srv.last_bgsave_try > SNAPSHOT_RETRY_DELAY)) {
            log_msg(LOG_NOTICE, "%lld changes in %lld seconds. Saving...", sp->changes,
                    sp->seconds);
            snapshot_bgsave();
            return;
        }
    }
}

void snapshot_after_flushall(void)
{
    snapshot_kill_child();
    if (srv.cfg.nsave > 0)
        snapshot_save();
}

int snapshot_debug_reload(bool nosave, bool noflush)
{
    if (!nosave && snapshot_save() < 0)
        return -1;
    if (!noflush) {
        for (int i = 0; i < srv.cfg.databases; i++)
            server_signal_modified_db(db_get(i));
        db_flush(NULL);
    }
    char err[RDB_ERR_LEN];
    int rc = rdb_load_file(srv.cfg.dbfilename, err);
    if (rc < 0)
        log_msg(LOG_WARNING, "Error trying to load the RDB dump: %s", err);
    return rc == 0 ? 0 : -1;
}

/* ---- commands ---- */

void cmd_save(struct client *c)
{
    if (snapshot_child_active()) {
        reply_error(c, "ERR Background save already in progress");
        return;
    }
    if (snapshot_save() < 0) {
        reply_error(c, "ERR");
        return;
    }
    reply_ok(c);
}

void cmd_bgsave(struct client *c)
{
    bool schedule = false;
    if (c->argc > 1) {
        if (c->argc == 2 && client_arg_is(&c->argv[1], "schedule")) {
            schedule = true;
        } else {
            reply_error_syntax(c);
            return;
        }
    }
    if (snapshot_child_active()) {
        reply_error(c, "ERR Background save already in progress");
        return;
    }
    /* Inside EXEC the fork would copy a half-applied transaction's pages for nothing: the
     * snapshot is taken once the transaction is over, as Redis does. */
    bool in_exec = c->flags & CLIENT_IN_EXEC;
    if (child_active() || in_exec) {
        if (schedule || in_exec) {
            srv.bgsave_scheduled = true;
            reply_status(c, "Background saving scheduled");
        } else {
            reply_error(c, "ERR Another child process is active (AOF?): can't BGSAVE right now. "
                           "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
        }
        return;
    }
    if (snapshot_bgsave() < 0) {
        reply_error(c, "ERR");
        return;
    }
    reply_status(c, "Background saving started");
}
