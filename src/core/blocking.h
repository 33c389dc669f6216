/* blocking: clients waiting on keys (BLPOP, BLMOVE, BZPOPMIN, ...).
 *
 * A command that finds no data calls blocking_block and returns without replying. The
 * client keeps a copy of its command and stops reading further requests. Whenever a write
 * command changes a key that someone waits on, that key becomes "ready"; after the command
 * (or the whole EXEC) finishes, the waiting clients of each ready key are served first come
 * first served by running their command again. A command that still finds nothing calls
 * blocking_block again, which keeps its place in the queue. Timeouts come from loop timers,
 * so nothing polls. */
#ifndef FERRITE_BLOCKING_H
#define FERRITE_BLOCKING_H

#include <stdbool.h>
#include <stddef.h>

struct client;
struct cmd_arg;
struct db;

/* Parses a timeout in seconds (fractions allowed, 0 = forever) into absolute unix ms
 * (0 = forever); replies with Redis's error and returns false when invalid. */
bool blocking_parse_timeout_or_reply(struct client *c, const struct cmd_arg *arg,
                                     long long *deadline_ms);
/* False when the command must answer at once instead of waiting (inside MULTI/EXEC). */
bool blocking_allowed(const struct client *c);
/* Suspends the client's current command until one of the keys is written or the deadline
 * (unix ms, 0 = none) passes; a timeout answers a null array, as every blocking command of
 * Redis 7.0 does. Keys are argv entries of the current command. */
void blocking_block(struct client *c, const struct cmd_arg *keys, int nkeys, int key_step,
                    long long deadline_ms);
/* With nkeys 0 the client waits for no key (WAIT): its command runs again at each
 * blocking_wake_keyless and once more at the deadline, with blocking_timed_out true; each
 * run either replies or calls blocking_block again to keep waiting. */
void blocking_wake_keyless(void);
bool blocking_timed_out(const struct client *c);
/* True while the client waits. */
bool blocking_is_blocked(const struct client *c);
/* Marks a key ready if anyone waits on it (cheap when nobody waits at all). */
void blocking_signal_key(struct db *db, const char *key, size_t len);
/* Marks every waited-on key of the database ready (SWAPDB, FLUSHDB). */
void blocking_signal_db(struct db *db);
/* Serves the clients of every ready key; called after each top-level command. */
void blocking_serve_ready(void);
/* Forgets a client's wait without replying (disconnect, RESET). */
void blocking_abort(struct client *c);
/* Ends a wait early as CLIENT UNBLOCK does: with the timeout reply, or an error. */
void blocking_unblock_client(struct client *c, bool with_error);
size_t blocking_count(void);

#endif
