#include "snapshot.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/log.h"
#include "../core/server.h"
#include "../db/db.h"
#include "../db/dict.h"
#include "../net/client.h"
#include "../proto/reply.h"
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
    return srv.child_pid > 0;
}

/* The child: close what it must not hold, write the file, and leave without running the
 * parent's exit handlers or flushing its stdio buffers a second time. */
static void snapshot_child_main(void)
{
    /* If the parent dies, its port must be free for the next server at once: only the
     * descriptors are closed, never the event loop's registrations (the epoll instance
     * is shared with the parent). */
    for (int i = 0; i < srv.nlisten; i++)
        close(srv.listen_fds[i]);
    if (srv.unix_fd >= 0)
        close(srv.unix_fd);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    char err[RDB_ERR_LEN];
    if (rdb_save(srv.cfg.dbfilename, err) < 0) {
        log_msg(LOG_WARNING, "%s", err);
        _exit(1);
    }
    log_msg(LOG_NOTICE, "DB saved on disk");
    _exit(0);
}

int snapshot_bgsave(void)
{
    if (snapshot_child_active())
        return -1;
    srv.last_bgsave_try = snapshot_now();
    srv.dirty_before_bgsave = srv.dirty;
    long long start = server_unix_ms();
    pid_t pid = fork();
    if (pid == 0)
        snapshot_child_main();
    if (pid < 0) {
        srv.last_bgsave_failed = true;
        log_msg(LOG_WARNING, "Can't save in background: fork: %s", strerror(errno));
        return -1;
    }
    log_msg(LOG_NOTICE, "Background saving started by pid %d", (int)pid);
    srv.child_pid = (int)pid;
    srv.child_start_ms = start;
    srv.rdb_saves++;
    /* Rehashing now would touch every bucket page and copy it for the child. */
    dict_set_resize_allowed(false);
    return 0;
}

/* Bookkeeping once the child is gone, however it ended. */
static void snapshot_child_done(int status)
{
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (ok) {
        log_msg(LOG_NOTICE, "Background saving terminated with success");
        srv.dirty -= srv.dirty_before_bgsave;
        srv.last_save = snapshot_now();
    } else if (WIFEXITED(status)) {
        log_msg(LOG_WARNING, "Background saving error");
    } else {
        int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        log_msg(LOG_WARNING, "Background saving terminated by signal %d", sig);
        /* A killed child leaves its temporary file behind. */
        char tmp[64];
        snprintf(tmp, sizeof tmp, "temp-%d.rdb", srv.child_pid);
        unlink(tmp);
    }
    srv.last_bgsave_failed = !ok;
    srv.last_bgsave_secs = (server_unix_ms() - srv.child_start_ms) / 1000;
    srv.child_pid = 0;
    dict_set_resize_allowed(true);
}

void snapshot_kill_child(void)
{
    if (!snapshot_child_active())
        return;
    int status;
    kill(srv.child_pid, SIGUSR1);
    while (waitpid(srv.child_pid, &status, 0) < 0 && errno == EINTR) {
    }
    char tmp[64];
    snprintf(tmp, sizeof tmp, "temp-%d.rdb", srv.child_pid);
    unlink(tmp);
    /* Killed on purpose: not a failure worth reporting in INFO. */
    log_msg(LOG_NOTICE, "Background saving child %d killed", srv.child_pid);
    srv.child_pid = 0;
    dict_set_resize_allowed(true);
}

void snapshot_cron(void)
{
    if (snapshot_child_active()) {
        int status;
        pid_t pid = waitpid(srv.child_pid, &status, WNOHANG);
        if (pid == srv.child_pid)
            snapshot_child_done(status);
        else if (pid < 0 && errno == ECHILD)
            snapshot_child_done(0x100); /* reaped elsewhere: status unknown, count it failed */
        return;
    }
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
    (void)schedule; /* only another kind of child (AOF rewrite) would make it wait */
    if (snapshot_child_active()) {
        reply_error(c, "ERR Background save already in progress");
        return;
    }
    if (snapshot_bgsave() < 0) {
        reply_error(c, "ERR");
        return;
    }
    reply_status(c, "Background saving started");
}
