/* child: the one forked child the server may have at a time — an RDB snapshot, an AOF
 * rewrite or a diskless replication transfer. Only one, as in Redis: two children would
 * double the copy-on-write memory and fight over the disk. The cron reaps it and tells its
 * owner how it ended. */
#ifndef FERRITE_CHILD_H
#define FERRITE_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

enum child_kind { CHILD_NONE = 0, CHILD_RDB, CHILD_AOF, CHILD_REPL };

/* Called in the parent once the child is gone. `ok` is true when it exited with status 0;
 * `killed` when child_kill stopped it on purpose. */
typedef void child_done_fn(pid_t pid, bool ok, bool killed);

/* Forks. In the child it returns 0 with the listening sockets closed and SIGTERM/SIGINT
 * back to their defaults; the child must leave with _exit. In the parent it returns the
 * child's pid, or -1 with errno set (EBUSY when a child already runs). Hash tables stop
 * resizing while the child lives, so their pages stay shared with it. */
pid_t child_fork(enum child_kind kind, child_done_fn *done);
bool child_active(void);
enum child_kind child_active_kind(void);
pid_t child_active_pid(void);
/* True in the forked child itself. */
bool child_is_self(void);
/* Unix ms when the current child was forked. */
long long child_start_ms(void);
/* Stops the child (SIGUSR1), waits for it and calls its done function with killed set. */
void child_kill(void);
/* Run by the cron: calls the done function when the child has exited. */
void child_reap(void);

#endif
