/* multi: transactions (MULTI/EXEC/DISCARD) and optimistic locking (WATCH/UNWATCH).
 *
 * Commands sent after MULTI are copied into the client's queue and answered +QUEUED;
 * EXEC runs them back to back, so no other client's command runs in between. A WATCHed
 * key that anyone modifies (a write, an expiry, a flush) before EXEC makes EXEC fail. */
#ifndef FERRITE_MULTI_H
#define FERRITE_MULTI_H

#include <stdbool.h>
#include <stddef.h>

struct client;
struct cmd;
struct db;

/* True between MULTI and EXEC/DISCARD. */
bool multi_active(const struct client *c);
/* Whether cmd is one that runs at once even inside MULTI (EXEC, DISCARD, WATCH...). */
bool multi_runs_immediately(const struct cmd *cmd);
/* Copies the client's current command into its queue. */
void multi_queue(struct client *c, const struct cmd *cmd);
/* Marks the transaction failed: a queued command was rejected, EXEC will refuse. */
void multi_flag_error(struct client *c);
/* Commands queued so far (CLIENT LIST multi=). */
int multi_queued_count(const struct client *c);
/* Drops the queue and every WATCH of the client (DISCARD, RESET, disconnect). */
void multi_reset_client(struct client *c);

/* Makes EXEC fail for every client watching this key. */
void multi_touch_key(struct db *db, const char *key, size_t len);
/* An expired key is being deleted: watchers for whom it was already expired at WATCH time
 * see no change (it was logically gone already); everyone else fails, as in Redis 7.0. */
void multi_touch_expired_key(struct db *db, const char *key, size_t len);
/* The same for every watched key of the database that currently exists (FLUSHDB, SWAPDB). */
void multi_touch_db(struct db *db);

#endif
