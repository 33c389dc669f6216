/* snapshot: when RDB files are written and read. SAVE and BGSAVE (a forked child writes
 * from its copy-on-write view of memory while the server keeps serving), the save points
 * (`save <seconds> <changes>`) checked by the cron, the snapshot at shutdown, the load at
 * start-up and DEBUG RELOAD. The file format itself is rdb.h's. */
#ifndef FERRITE_SNAPSHOT_H
#define FERRITE_SNAPSHOT_H

#include <stdbool.h>

/* Loads dir/dbfilename at start-up if it exists; -1 (logged) when it is unreadable or
 * corrupt, and the server must not start. */
int snapshot_load_at_startup(void);
/* Saves in the foreground (SAVE, SHUTDOWN, FLUSHALL); 0 or -1 (logged). */
int snapshot_save(void);
/* Forks a child that saves; 0 when it started, -1 (logged) when fork failed. */
int snapshot_bgsave(void);
bool snapshot_child_active(void);
/* Stops a running child and removes its temporary file (SHUTDOWN, FLUSHALL). */
void snapshot_kill_child(void);
/* The MISCONF error for writes while the last BGSAVE failed and stop-writes-on-bgsave-error
 * is on, else NULL. */
const char *snapshot_write_error(void);
/* Periodic work: reaps a finished child, starts a scheduled or due BGSAVE. */
void snapshot_cron(void);
/* FLUSHALL with save points writes the now empty dataset at once, as Redis 7.0 does (a
 * running child's snapshot is stale and is stopped). */
void snapshot_after_flushall(void);
/* DEBUG RELOAD: save (unless nosave), empty the databases (unless noflush), load again.
 * 0, or -1 (logged). */
int snapshot_debug_reload(bool nosave, bool noflush);

#endif
