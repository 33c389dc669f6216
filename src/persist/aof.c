#include "aof.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../cmd/cmd.h"
#include "../core/child.h"
#include "../core/log.h"
#include "../core/multi.h"
#include "../core/propagate.h"
#include "../core/server.h"
#include "../db/db.h"
#include "../net/client.h"
#include "../proto/reply.h"
#include "../proto/resp.h"
#include "../util/fileio.h"
#include "../util/mem.h"
#include "../util/sbuf.h"
#include "rdb.h"

/* OFF: no file is written. WAIT_REWRITE: appendonly was just turned on and the first base
 * is being written; writes go to the new incremental file, which the manifest names only
 * once the base exists. ON: every write is appended. */
enum aof_state { AOF_OFF, AOF_ON, AOF_WAIT_REWRITE };

struct aof_incr {
    char *name; /* inside appenddirname; owned */
    long long seq;
};

struct aof_manifest {
    char *base;             /* file name inside appenddirname, NULL when there is none */
    long long base_seq;
    struct aof_incr *incrs; /* oldest first; the last one is the file being appended to */
    int nincr;
    long long incr_seq;     /* sequence number of the newest incremental file */
};

/* A descriptor for the fsync thread: fsync it, then close it if asked. */
struct aof_fsync_job {
    int fd;
    bool close_after;
    struct aof_fsync_job *next;
};

static struct {
    enum aof_state state;
    struct aof_manifest m;
    int fd;                 /* the newest incremental file, -1 when nothing is appended */
    struct sbuf buf;        /* commands not written yet */
    int selected_db;        /* what the file's last SELECT chose; -1 forces a SELECT */
    long long current_size; /* bytes in the base and incremental files */
    long long base_size;    /* current_size after the last rewrite or load */
    long long last_fsync_ms;
    bool unsynced;          /* written since the last fsync was started */
    bool rewrite_scheduled;
    long long rewrite_start_ms;
    long long last_rewrite_secs;
    bool last_rewrite_failed;
    long long rewrites;
    long long rewrite_failures; /* consecutive */
    bool write_failed;
    int write_errno;
    char write_error[160];
    /* The fsync thread: everysec fsyncs must not stall the event loop on a slow disk. */
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_cond_t idle;
    struct aof_fsync_job *jobs;
    struct aof_fsync_job **jobs_tail;
    int jobs_pending;       /* queued or running */
} aof = {
    .fd = -1,
    .selected_db = -1,
    .last_rewrite_secs = -1,
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .idle = PTHREAD_COND_INITIALIZER,
};

/* ---- paths and the manifest ---- */

/* A path too long for the system comes out empty, so that opening it fails. */
static void aof_path(char *out, const char *name)
{
    if (snprintf(out, PATH_MAX, "%s/%s", srv.cfg.appenddirname, name) >= PATH_MAX)
        out[0] = '\0';
}

static void aof_manifest_path(char *out)
{
    if (snprintf(out, PATH_MAX, "%s/%s.manifest", srv.cfg.appenddirname,
                 srv.cfg.appendfilename) >= PATH_MAX)
        out[0] = '\0';
}

static void aof_manifest_clear(struct aof_manifest *m)
{
    mem_free(m->base);
    for (int i = 0; i < m->nincr; i++)
        mem_free(m->incrs[i].name);
    mem_free(m->incrs);
    *m = (struct aof_manifest){0};
}

static void aof_manifest_add_incr(struct aof_manifest *m, char *name, long long seq)
{
    m->incrs = mem_realloc(m->incrs, sizeof *m->incrs * (size_t)(m->nincr + 1));
    m->incrs[m->nincr++] = (struct aof_incr){name, seq};
    m->incr_seq = seq;
}

/* Parses Redis 7's manifest: lines of "file <name> seq <n> type <b|h|i>" (any key order),
 * '#' comments. History entries ('h') are files a rewrite replaced and are not loaded. */
static int aof_manifest_parse(struct aof_manifest *m, char *text, char *err, size_t errlen)
{
    int lineno = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        char *save = NULL, *name = NULL, *type = NULL;
        long long seq = -1;
        for (char *key = strtok_r(line, " ", &save); key; key = strtok_r(NULL, " ", &save)) {
            char *val = strtok_r(NULL, " ", &save);
            if (!val) {
                snprintf(err, errlen, "Invalid AOF manifest file format (line %d)", lineno);
                return -1;
            }
            if (!strcmp(key, "file"))
                name = val;
            else if (!strcmp(key, "seq"))
                seq = strtoll(val, NULL, 10);
            else if (!strcmp(key, "type"))
                type = val;
        }
        if (!name || !type || seq < 0 || strchr(name, '/') || strlen(type) != 1) {
            snprintf(err, errlen, "Invalid AOF manifest file format (line %d)", lineno);
            return -1;
        }
        if (type[0] == 'b') {
            if (m->base) {
                snprintf(err, errlen, "Found duplicate base file information");
                return -1;
            }
            m->base = mem_strdup(name);
            m->base_seq = seq;
        } else if (type[0] == 'i') {
            if (seq <= m->incr_seq) {
                snprintf(err, errlen, "Found a non-monotonic sequence number");
                return -1;
            }
            aof_manifest_add_incr(m, mem_strdup(name), seq);
        } else if (type[0] != 'h') {
            snprintf(err, errlen, "Unknown AOF file type: %s", type);
            return -1;
        }
    }
    return 0;
}

/* RDB_NOFILE when there is no manifest. */
static int aof_manifest_load(struct aof_manifest *m, char *err, size_t errlen)
{
    char path[PATH_MAX];
    aof_manifest_path(path);
    struct sbuf text = SBUF_INIT;
    int rc = fileio_read(path, &text);
    if (rc < 0 && errno == ENOENT) {
        sbuf_free(&text);
        return RDB_NOFILE;
    }
    if (rc < 0)
        snprintf(err, errlen, "Can't read the AOF manifest %.160s: %s", path, strerror(errno));
    else
        rc = aof_manifest_parse(m, text.data ? text.data : (char[]){0}, err, errlen);
    sbuf_free(&text);
    if (rc < 0)
        aof_manifest_clear(m);
    return rc;
}

static int aof_manifest_save(const struct aof_manifest *m)
{
    struct sbuf text = SBUF_INIT;
    if (m->base)
        sbuf_catfmt(&text, "file %s seq %lld type b\n", m->base, m->base_seq);
    for (int i = 0; i < m->nincr; i++)
        sbuf_catfmt(&text, "file %s seq %lld type i\n", m->incrs[i].name, m->incrs[i].seq);
    char path[PATH_MAX];
    aof_manifest_path(path);
    int rc = fileio_write_atomic(path, text.data ? text.data : "", text.len);
    if (rc < 0)
        log_msg(LOG_WARNING, "Can't persist the AOF manifest %s: %s", path, strerror(errno));
    sbuf_free(&text);
    return rc;
}

static long long aof_file_size(const char *name)
{
    char path[PATH_MAX];
    aof_path(path, name);
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static int aof_make_dir(void)
{
    if (mkdir(srv.cfg.appenddirname, 0755) < 0 && errno != EEXIST) {
        log_msg(LOG_WARNING, "Can't create the append-only directory %s: %s",
                srv.cfg.appenddirname, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- the fsync thread ---- */

static void *aof_fsync_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&aof.lock);
    for (;;) {
        while (!aof.jobs)
            pthread_cond_wait(&aof.wake, &aof.lock);
        struct aof_fsync_job *job = aof.jobs;
        aof.jobs = job->next;
        if (!aof.jobs)
            aof.jobs_tail = &aof.jobs;
        pthread_mutex_unlock(&aof.lock);
        if (fdatasync(job->fd) < 0 && errno != EBADF && errno != EINVAL)
            log_msg(LOG_WARNING, "AOF fsync failed: %s", strerror(errno));
        if (job->close_after)
            close(job->fd);
        mem_free(job);
        pthread_mutex_lock(&aof.lock);
        if (--aof.jobs_pending == 0)
            pthread_cond_broadcast(&aof.idle);
    }
    return NULL;
}

/* Hands fd to the thread; without one (it could not start), does the work here. */
static void aof_fsync_async(int fd, bool close_after)
{
    if (!aof.thread_started) {
        aof.jobs_tail = &aof.jobs;
        if (pthread_create(&aof.thread, NULL, aof_fsync_thread, NULL) == 0) {
            pthread_detach(aof.thread);
            aof.thread_started = true;
        } else {
            fdatasync(fd);
            if (close_after)
                close(fd);
            return;
        }
    }
    struct aof_fsync_job *job = mem_alloc(sizeof *job);
    *job = (struct aof_fsync_job){fd, close_after, NULL};
    pthread_mutex_lock(&aof.lock);
    *aof.jobs_tail = job;
    aof.jobs_tail = &job->next;
    aof.jobs_pending++;
    pthread_cond_signal(&aof.wake);
    pthread_mutex_unlock(&aof.lock);
}

static int aof_fsync_pending(void)
{
    pthread_mutex_lock(&aof.lock);
    int n = aof.jobs_pending;
    pthread_mutex_unlock(&aof.lock);
    return n;
}

static void aof_fsync_wait_idle(void)
{
    pthread_mutex_lock(&aof.lock);
    while (aof.jobs_pending > 0)
        pthread_cond_wait(&aof.idle, &aof.lock);
    pthread_mutex_unlock(&aof.lock);
}

/* ---- appending ---- */

bool aof_wants_feed(void)
{
    return aof.fd >= 0;
}

void aof_feed(int dbid, int argc, const struct cmd_arg *argv)
{
    if (aof.fd < 0)
        return;
    propagate_encode_in_db(&aof.buf, &aof.selected_db, dbid, argc, argv);
}

/* A failed write: undo a partial one so the file never ends in half a command, remember
 * the error so that writes are refused until a retry succeeds. */
static void aof_write_failed(ssize_t written, int err)
{
    if (srv.cfg.appendfsync == APPENDFSYNC_ALWAYS) {
        /* The reply promising durability must never go out: stop here, as Redis does. */
        log_msg(LOG_WARNING, "Can't recover from AOF write error when the AOF fsync policy is "
                             "'always' (%s). Exiting...", strerror(err));
        exit(1);
    }
    /* The file ends where this write ended: its start is found only now, on the rare
     * failure, rather than by a seek before every write. */
    off_t end = written > 0 ? lseek(aof.fd, 0, SEEK_END) : -1;
    if (written > 0) {
        if (end >= written && ftruncate(aof.fd, end - written) == 0) {
            written = 0;
        } else {
            /* What went out stays out; only the rest is retried. */
            aof.current_size += written;
            memmove(aof.buf.data, aof.buf.data + written, aof.buf.len - (size_t)written);
            aof.buf.len -= (size_t)written;
        }
    }
    if (!aof.write_failed || aof.write_errno != err)
        log_msg(LOG_WARNING, "Error writing to the AOF file: %s", strerror(err));
    aof.write_failed = true;
    aof.write_errno = err;
}

static void aof_write_buffer(void)
{
    if (aof.buf.len == 0)
        return;
    size_t done = 0;
    while (done < aof.buf.len) {
        ssize_t n = write(aof.fd, aof.buf.data + done, aof.buf.len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            aof_write_failed((ssize_t)done, n < 0 ? errno : ENOSPC);
            return;
        }
        done += (size_t)n;
    }
    aof.current_size += (long long)done;
    aof.buf.len = 0;
    aof.unsynced = true;
    if (aof.write_failed) {
        log_msg(LOG_WARNING, "AOF write error looks solved, ferrite can write again.");
        aof.write_failed = false;
    }
}

/* force: fsync now whatever the policy says (shutdown, switching files). */
static void aof_flush(bool force)
{
    if (aof.fd < 0)
        return;
    aof_write_buffer();
    if (aof.write_failed || !aof.unsynced)
        return;
    if (!force && srv.cfg.no_appendfsync_on_rewrite && child_active())
        return;
    long long now = server_unix_ms();
    if (force || srv.cfg.appendfsync == APPENDFSYNC_ALWAYS) {
        if (fdatasync(aof.fd) < 0 && srv.cfg.appendfsync == APPENDFSYNC_ALWAYS) {
            log_msg(LOG_WARNING, "Can't persist the AOF with fsync() when the AOF fsync policy "
                                 "is 'always': %s. Exiting...", strerror(errno));
            exit(1);
        }
        aof.unsynced = false;
        aof.last_fsync_ms = now;
    } else if (srv.cfg.appendfsync == APPENDFSYNC_EVERYSEC && now - aof.last_fsync_ms >= 1000 &&
               aof_fsync_pending() == 0) {
        aof_fsync_async(aof.fd, false);
        aof.unsynced = false;
        aof.last_fsync_ms = now;
    }
}

void aof_flush_before_sleep(void)
{
    if (aof.buf.len)
        aof_flush(false);
}

const char *aof_write_error(void)
{
    if (!aof.write_failed)
        return NULL;
    snprintf(aof.write_error, sizeof aof.write_error, "MISCONF Errors writing to the AOF file: %s",
             strerror(aof.write_errno));
    return aof.write_error;
}

/* Opens a new incremental file and appends to it from now on; the previous one is
 * fsynced and closed by the thread. */
static int aof_open_new_incr(void)
{
    long long seq = aof.m.incr_seq + 1;
    char name[PATH_MAX], path[PATH_MAX];
    snprintf(name, sizeof name, "%s.%lld.incr.aof", srv.cfg.appendfilename, seq);
    aof_path(path, name);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        log_msg(LOG_WARNING, "Can't open the append-only file %s: %s", path, strerror(errno));
        return -1;
    }
    if (aof.fd >= 0) {
        aof_flush(false);
        aof_fsync_async(aof.fd, true);
    }
    aof.fd = fd;
    aof.selected_db = -1;
    aof.unsynced = false;
    aof_manifest_add_incr(&aof.m, mem_strdup(name), seq);
    return 0;
}

/* ---- rewriting ---- */

static void aof_rewrite_temp_path(char *out, pid_t pid)
{
    char name[64];
    snprintf(name, sizeof name, "temp-rewriteaof-bg-%d.rdb", (int)pid);
    aof_path(out, name);
}

static void aof_remove_file(const char *name)
{
    char path[PATH_MAX];
    aof_path(path, name);
    if (unlink(path) < 0 && errno != ENOENT)
        log_msg(LOG_WARNING, "Can't remove the old AOF file %s: %s", path, strerror(errno));
}

static void aof_rewrite_done(pid_t pid, bool ok, bool killed)
{
    char temp[PATH_MAX];
    aof_rewrite_temp_path(temp, pid);
    aof.last_rewrite_secs = (server_unix_ms() - aof.rewrite_start_ms) / 1000;
    if (ok) {
        char name[PATH_MAX], path[PATH_MAX];
        long long seq = aof.m.base_seq + 1;
        snprintf(name, sizeof name, "%s.%lld.base.rdb", srv.cfg.appendfilename, seq);
        aof_path(path, name);
        /* The new manifest: the new base and the incremental file opened at the fork
         * (none when appendonly is off). Everything else it replaces. */
        struct aof_manifest next = {.base = mem_strdup(name), .base_seq = seq,
                                    .incr_seq = aof.m.incr_seq};
        if (aof.state != AOF_OFF && aof.m.nincr > 0)
            aof_manifest_add_incr(&next, mem_strdup(aof.m.incrs[aof.m.nincr - 1].name),
                                  aof.m.incr_seq);
        if (rename(temp, path) < 0 || fileio_fsync_dir(path) < 0 || aof_manifest_save(&next) < 0) {
            log_msg(LOG_WARNING, "Background AOF rewrite could not install its result: %s",
                    strerror(errno));
            unlink(temp);
            aof_manifest_clear(&next);
            ok = false;
        } else {
            if (aof.m.base)
                aof_remove_file(aof.m.base);
            for (int i = 0; i < aof.m.nincr - next.nincr; i++)
                aof_remove_file(aof.m.incrs[i].name);
            aof_manifest_clear(&aof.m);
            aof.m = next;
            aof.current_size = aof_file_size(aof.m.base) +
                               (aof.m.nincr ? aof_file_size(aof.m.incrs[0].name) : 0) +
                               (long long)aof.buf.len;
            aof.base_size = aof.current_size;
            if (aof.state == AOF_WAIT_REWRITE) {
                aof.state = AOF_ON;
                log_msg(LOG_NOTICE, "Background append only file rewriting started the AOF");
            }
            aof.rewrites++;
            aof.rewrite_failures = 0;
            log_msg(LOG_NOTICE, "Background AOF rewrite finished successfully");
        }
    }
    if (!ok) {
        unlink(temp);
        char tmp_rdb[64], path[PATH_MAX];
        snprintf(tmp_rdb, sizeof tmp_rdb, "temp-%d.rdb", (int)pid);
        aof_path(path, tmp_rdb);
        unlink(path);
        if (killed) {
            log_msg(LOG_NOTICE, "Killing running AOF rewrite child: %d", (int)pid);
        } else {
            log_msg(LOG_WARNING, "Background AOF rewrite terminated with error");
            aof.rewrite_failures++;
            /* appendonly yes is still waiting for its first base: try again. */
            if (aof.state == AOF_WAIT_REWRITE)
                aof.rewrite_scheduled = true;
        }
    }
    if (!killed)
        aof.last_rewrite_failed = !ok;
}

/* The child writes the dataset as its copy-on-write view has it, as an RDB base. */
static void aof_rewrite_child_main(void)
{
    char temp[PATH_MAX], err[RDB_ERR_LEN];
    aof_rewrite_temp_path(temp, getpid());
    if (rdb_save(temp, err) < 0) {
        log_msg(LOG_WARNING, "%s", err);
        _exit(1);
    }
    _exit(0);
}

static int aof_rewrite_start(void)
{
    if (child_active()) {
        errno = EBUSY;
        return -1;
    }
    if (aof_make_dir() < 0)
        return -1;
    /* Writes from now on go to a new file, so the child's image plus that file is the
     * whole history. While appendonly is on, the manifest names it at once: a crash
     * during the rewrite then loads the old base and every file after it. */
    if (aof.state != AOF_OFF) {
        if (aof_open_new_incr() < 0)
            return -1;
        if (aof.state == AOF_ON && aof_manifest_save(&aof.m) < 0)
            return -1;
    }
    aof.rewrite_start_ms = server_unix_ms();
    pid_t pid = child_fork(CHILD_AOF, aof_rewrite_done);
    if (pid == 0)
        aof_rewrite_child_main();
    if (pid < 0) {
        log_msg(LOG_WARNING, "Can't rewrite append only file in background: fork: %s",
                strerror(errno));
        aof.last_rewrite_failed = true;
        return -1;
    }
    log_msg(LOG_NOTICE, "Background append only file rewriting started by pid %d", (int)pid);
    aof.rewrite_scheduled = false;
    return 0;
}

void aof_cron(void)
{
    if (aof.write_failed || (aof.unsynced && srv.cfg.appendfsync == APPENDFSYNC_EVERYSEC))
        aof_flush(false);
    if (child_active())
        return;
    if (aof.rewrite_scheduled) {
        aof_rewrite_start();
        return;
    }
    long long pct = srv.cfg.auto_aof_rewrite_percentage;
    if (aof.state == AOF_ON && pct > 0 && aof.current_size > srv.cfg.auto_aof_rewrite_min_size) {
        long long base = aof.base_size ? aof.base_size : 1;
        long long growth = aof.current_size * 100 / base - 100;
        if (growth >= pct) {
            log_msg(LOG_NOTICE, "Starting automatic rewriting of AOF on %lld%% growth", growth);
            aof_rewrite_start();
        }
    }
}

/* ---- loading ---- */

/* Replays one file of commands. A torn command at the end of the newest file is cut off
 * when aof-load-truncated allows it; anything else malformed is an error. */
static int aof_load_commands(const char *name, bool newest, long long *loaded)
{
    char path[PATH_MAX];
    aof_path(path, name);
    int fd = open(path, newest ? O_RDWR | O_CLOEXEC : O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        log_msg(LOG_WARNING, "Fatal error: can't open the append log file %s for reading: %s",
                path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_size == 0) {
        close(fd);
        return 0;
    }
    size_t len = (size_t)st.st_size;
    /* Private and writable: arguments get their NUL terminators in place, as a client's
     * query buffer does, without touching the file. */
    char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (buf == MAP_FAILED) {
        log_msg(LOG_WARNING, "Can't map the append log file %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    madvise(buf, len, MADV_SEQUENTIAL);
    struct client *c = client_create_fake();
    struct resp_limits limits = {LLONG_MAX, false};
    size_t pos = 0, valid = 0, before_multi = 0;
    int rc = 0;
    enum { AOF_WHOLE, AOF_TORN, AOF_MALFORMED } problem = AOF_WHOLE;
    while (pos < len) {
        if (buf[pos] == '#') {
            /* An annotation line (Redis's #TS: timestamps). */
            char *nl = memchr(buf + pos, '\n', len - pos);
            if (!nl) {
                problem = AOF_TORN;
                break;
            }
            pos = (size_t)(nl - buf) + 1;
            valid = multi_active(c) ? valid : pos;
            continue;
        }
        if (buf[pos] != '*') {
            problem = AOF_MALFORMED;
            break;
        }
        enum resp_status st = resp_parse(&c->req, buf + pos, len - pos, &limits);
        if (st == RESP_INCOMPLETE) {
            problem = AOF_TORN;
            break;
        }
        if (st == RESP_ERROR) {
            problem = AOF_MALFORMED;
            break;
        }
        size_t start = pos;
        pos += c->req.pos;
        if (c->req.argc > 0) {
            client_set_argv(c, buf + start);
            resp_request_reset(&c->req);
            if (!multi_active(c))
                before_multi = start;
            if (server_execute_trusted(c) < 0) {
                log_msg(LOG_WARNING, "Unknown command '%.64s' reading the append only file %s",
                        c->argv[0].ptr, path);
                rc = -1;
                break;
            }
            (*loaded)++;
        } else {
            resp_request_reset(&c->req);
        }
        if (!multi_active(c))
            valid = pos;
    }
    if (rc == 0 && problem == AOF_WHOLE && multi_active(c))
        problem = AOF_TORN; /* MULTI without its EXEC: the transaction was torn */
    if (problem != AOF_WHOLE) {
        if (problem == AOF_TORN && newest && srv.cfg.aof_load_truncated) {
            size_t keep = multi_active(c) ? before_multi : valid;
            if (multi_active(c))
                log_msg(LOG_WARNING, "Revert incomplete MULTI/EXEC transaction in AOF file %s",
                        path);
            log_msg(LOG_WARNING, "!!! Warning: short read while loading the AOF file %s!!!", path);
            log_msg(LOG_WARNING, "!!! Truncating the AOF %s at offset %zu !!!", path, keep);
            if (ftruncate(fd, (off_t)keep) < 0) {
                log_msg(LOG_WARNING, "Error truncating the AOF file %s: %s", path,
                        strerror(errno));
                rc = -1;
            } else {
                log_msg(LOG_WARNING, "AOF %s loaded anyway because aof-load-truncated is enabled",
                        path);
            }
        } else if (problem == AOF_TORN) {
            log_msg(LOG_WARNING, "Unexpected end of file reading the append only file %s. You "
                    "can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix "
                    "<filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' "
                    "configuration option to yes and restart the server.", path);
            rc = -1;
        } else {
            log_msg(LOG_WARNING, "Bad file format reading the append only file %s at offset %zu: "
                    "make a backup of your AOF file, then use ./redis-check-aof --fix "
                    "<filename.manifest>", path, pos);
            rc = -1;
        }
    }
    c->argc = 0;
    client_free(c);
    munmap(buf, len);
    close(fd);
    return rc;
}

static bool aof_name_is_rdb(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && !strcmp(name + n - 4, ".rdb");
}

/* Loads the base and every incremental file the manifest names. */
static int aof_load_files(void)
{
    long long start = server_unix_ms(), loaded = 0;
    srv.loading = true;
    /* The replay must not depend on when it happens: a key the file persists or deletes
     * later must still be there even if its old deadline has passed since. With the
     * command clock at the epoch nothing is expired and no deadline is past (Redis skips
     * both checks while loading); every time in the file is absolute. This is the clock at
     * start-up already; DEBUG LOADAOF runs at a real time and gets it back afterwards. */
    long long saved_time_ms = srv.cmd_time_ms;
    srv.cmd_time_ms = 0;
    int rc = 0;
    if (aof.m.base) {
        char path[PATH_MAX], err[RDB_ERR_LEN];
        aof_path(path, aof.m.base);
        if (aof_name_is_rdb(aof.m.base)) {
            int r = rdb_load_file(path, err);
            if (r != 0) {
                log_msg(LOG_WARNING, "Fatal error loading the AOF base %s: %s", path,
                        r == RDB_NOFILE ? "no such file" : err);
                rc = -1;
            }
        } else {
            rc = aof_load_commands(aof.m.base, aof.m.nincr == 0, &loaded);
        }
    }
    for (int i = 0; rc == 0 && i < aof.m.nincr; i++)
        rc = aof_load_commands(aof.m.incrs[i].name, i == aof.m.nincr - 1, &loaded);
    srv.cmd_time_ms = saved_time_ms;
    srv.loading = false;
    if (rc == 0) {
        aof.current_size = aof.m.base ? aof_file_size(aof.m.base) : 0;
        for (int i = 0; i < aof.m.nincr; i++)
            aof.current_size += aof_file_size(aof.m.incrs[i].name);
        aof.base_size = aof.current_size;
        log_msg(LOG_NOTICE, "DB loaded from append only file: %.3f seconds (%lld commands)",
                (double)(server_unix_ms() - start) / 1000, loaded);
    }
    return rc;
}

/* Appends to the newest incremental file, creating a base and a first incremental file
 * when the AOF does not exist yet. */
static int aof_open_at_startup(void)
{
    if (aof_make_dir() < 0)
        return -1;
    if (!aof.m.base) {
        char name[PATH_MAX], path[PATH_MAX], err[RDB_ERR_LEN];
        aof.m.base_seq++;
        snprintf(name, sizeof name, "%s.%lld.base.rdb", srv.cfg.appendfilename, aof.m.base_seq);
        aof_path(path, name);
        if (rdb_save(path, err) < 0) {
            log_msg(LOG_WARNING, "Can't create the AOF base file %s: %s", path, err);
            return -1;
        }
        log_msg(LOG_NOTICE, "Creating AOF base file %s on server start", name);
        aof.m.base = mem_strdup(name);
    }
    if (aof.m.nincr == 0) {
        if (aof_open_new_incr() < 0)
            return -1;
    } else {
        char path[PATH_MAX];
        aof_path(path, aof.m.incrs[aof.m.nincr - 1].name);
        aof.fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (aof.fd < 0) {
            log_msg(LOG_WARNING, "Can't open the append-only file %s: %s", path, strerror(errno));
            return -1;
        }
    }
    if (aof_manifest_save(&aof.m) < 0)
        return -1;
    aof.current_size = aof.base_size = aof_file_size(aof.m.base) +
                                       aof_file_size(aof.m.incrs[aof.m.nincr - 1].name);
    aof.state = AOF_ON;
    return 0;
}

int aof_load_at_startup(void)
{
    char err[256];
    int rc = aof_manifest_load(&aof.m, err, sizeof err);
    if (rc < 0) {
        log_msg(LOG_WARNING, "%s", err);
        return -1;
    }
    if (!srv.cfg.appendonly)
        return 0;
    if (rc == 0 && aof_load_files() < 0)
        return -1;
    return aof_open_at_startup();
}

int aof_debug_reload(char *err, size_t errlen)
{
    if (aof.state != AOF_ON) {
        snprintf(err, errlen, "ERR DEBUG LOADAOF needs appendonly yes and its first rewrite "
                              "finished");
        return -1;
    }
    aof_flush(true);
    for (int i = 0; i < srv.cfg.databases; i++)
        server_signal_modified_db(db_get(i));
    db_flush(NULL);
    if (aof_load_files() < 0) {
        snprintf(err, errlen, "ERR Error loading the AOF, check server logs.");
        return -1;
    }
    return 0;
}

/* ---- switching on and off ---- */

static void aof_stop(void)
{
    if (child_active_kind() == CHILD_AOF)
        child_kill();
    aof.rewrite_scheduled = false;
    if (aof.fd >= 0) {
        aof_flush(true);
        close(aof.fd);
        aof.fd = -1;
    }
    if (aof.state == AOF_WAIT_REWRITE && aof.m.nincr > 0) {
        /* Its manifest was never written: the file it opened belongs to nothing. */
        aof_remove_file(aof.m.incrs[aof.m.nincr - 1].name);
        mem_free(aof.m.incrs[--aof.m.nincr].name);
        aof.m.incr_seq = aof.m.nincr ? aof.m.incrs[aof.m.nincr - 1].seq : 0;
    }
    aof.buf.len = 0;
    aof.state = AOF_OFF;
    aof.write_failed = false;
}

int aof_apply_enabled(char *err, size_t errlen)
{
    if (!srv.cfg.appendonly) {
        if (aof.state != AOF_OFF) {
            aof_stop();
            log_msg(LOG_NOTICE, "Background append only file rewriting stopped (appendonly no)");
        }
        return 0;
    }
    if (aof.state != AOF_OFF)
        return 0;
    aof.state = AOF_WAIT_REWRITE;
    if (child_active_kind() == CHILD_AOF)
        child_kill();
    if (child_active()) {
        aof.rewrite_scheduled = true;
        log_msg(LOG_NOTICE, "AOF was enabled but there is already another background operation. "
                            "An AOF background was scheduled to start when possible.");
        return 0;
    }
    if (aof_rewrite_start() < 0) {
        aof_stop();
        snprintf(err, errlen, "Unable to turn on AOF. Check server logs.");
        return -1;
    }
    return 0;
}

void aof_shutdown(void)
{
    if (child_active_kind() == CHILD_AOF)
        child_kill();
    if (aof.fd >= 0) {
        log_msg(LOG_NOTICE, "Calling fsync() on the AOF file.");
        aof_flush(true);
    }
    aof_fsync_wait_idle();
}

/* ---- INFO and commands ---- */

void aof_info(struct sbuf *out)
{
    bool rewriting = child_active_kind() == CHILD_AOF;
    sbuf_catfmt(out,
                "aof_enabled:%d\r\n"
                "aof_rewrite_in_progress:%d\r\n"
                "aof_rewrite_scheduled:%d\r\n"
                "aof_last_rewrite_time_sec:%lld\r\n"
                "aof_current_rewrite_time_sec:%lld\r\n"
                "aof_last_bgrewrite_status:%s\r\n"
                "aof_rewrites:%lld\r\n"
                "aof_rewrites_consecutive_failures:%lld\r\n"
                "aof_last_write_status:%s\r\n"
                "aof_last_cow_size:0\r\n"
                "module_fork_in_progress:0\r\n"
                "module_fork_last_cow_size:0\r\n",
                aof.state != AOF_OFF, rewriting, aof.rewrite_scheduled, aof.last_rewrite_secs,
                rewriting ? (server_unix_ms() - aof.rewrite_start_ms) / 1000 : -1,
                aof.last_rewrite_failed ? "err" : "ok", aof.rewrites, aof.rewrite_failures,
                aof.write_failed ? "err" : "ok");
    if (aof.state != AOF_OFF)
        sbuf_catfmt(out,
                    "aof_current_size:%lld\r\n"
                    "aof_base_size:%lld\r\n"
                    "aof_pending_rewrite:%d\r\n"
                    "aof_buffer_length:%zu\r\n"
                    "aof_pending_bio_fsync:%d\r\n"
                    "aof_delayed_fsync:0\r\n",
                    aof.current_size + (long long)aof.buf.len, aof.base_size,
                    aof.rewrite_scheduled, aof.buf.len, aof_fsync_pending());
}

void cmd_bgrewriteaof(struct client *c)
{
    if (child_active_kind() == CHILD_AOF) {
        reply_error(c, "ERR Background append only file rewriting already in progress");
    } else if (child_active()) {
        aof.rewrite_scheduled = true;
        reply_status(c, "Background append only file rewriting scheduled");
    } else if (aof_rewrite_start() == 0) {
        reply_status(c, "Background append only file rewriting started");
    } else {
        reply_error(c, "ERR Can't execute an AOF background rewriting. Please check the server "
                       "logs for more information.");
    }
}
