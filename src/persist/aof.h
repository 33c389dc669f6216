/* aof: the append-only file. Every write the server makes reaches it as a command
 * (propagate.h), is written before the client gets its reply and is fsynced as
 * `appendfsync` says: always (before the reply), everysec (by a background thread, at most
 * about a second of writes at risk) or no (when the kernel decides).
 *
 * The layout on disk is Redis 7's multi-part AOF, so either server can load the other's
 * directory: under `appenddirname`, a manifest (`<appendfilename>.manifest`) lists one base
 * file (an RDB image, `<appendfilename>.<n>.base.rdb`) and the incremental files
 * (`<appendfilename>.<n>.incr.aof`, commands in RESP) written since, in order.
 *
 * BGREWRITEAOF opens a new incremental file, then forks a child that writes a new base
 * from its copy-on-write view. Writes go on into the new incremental file meanwhile, so
 * nothing has to be buffered and replayed: when the child succeeds, the manifest becomes
 * the new base plus that file, and the old ones are deleted. The manifest is always
 * replaced atomically, so a crash at any moment leaves a complete, loadable set. */
#ifndef FERRITE_AOF_H
#define FERRITE_AOF_H

#include <stdbool.h>
#include <stddef.h>

struct cmd_arg;
struct sbuf;

/* Loads the AOF at start-up (when appendonly is on, instead of the RDB file), then opens it
 * for appending, creating a base from the loaded dataset if there is none. -1 (logged)
 * when it is unreadable or corrupt: the server must not start. */
int aof_load_at_startup(void);
/* True while writes are appended (appendonly on, or its first rewrite running). */
bool aof_wants_feed(void);
/* A write command (propagate.c calls this for every effect, in order). */
void aof_feed(int dbid, int argc, const struct cmd_arg *argv);
/* Writes buffered commands, fsyncing as appendfsync says; runs before replies go out. */
void aof_flush_before_sleep(void);
/* Once per cron tick: everysec fsyncs, retrying failed writes, automatic rewrites, a
 * scheduled rewrite. */
void aof_cron(void);
/* CONFIG SET appendonly: turning it on starts a rewrite (the AOF must begin with the whole
 * dataset); turning it off closes the file. 0, or -1 with err filled. */
int aof_apply_enabled(char *err, size_t errlen);
/* At shutdown: stops a rewrite and makes everything written durable. */
void aof_shutdown(void);
/* Non-NULL when writes must be refused because the AOF cannot be written: the error
 * reply (MISCONF ...) for them. */
const char *aof_write_error(void);
/* INFO persistence's aof_* fields. */
void aof_info(struct sbuf *out);
/* DEBUG LOADAOF: flush the AOF, empty the databases, load the AOF again. 0, or -1 with
 * the error reply in err. Refused, with nothing emptied, unless the AOF is on and complete
 * (not waiting for its first rewrite): loading anything less would lose data. */
int aof_debug_reload(char *err, size_t errlen);

#endif
