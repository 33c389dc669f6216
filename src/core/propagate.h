/* propagate: the keyspace writes of each command, as the commands the append-only file and
 * the replicas receive. A write is propagated as the command the client sent unless the
 * command says otherwise: effects that depend on the clock or on chance are replaced by
 * their deterministic result (SET .. EX becomes SET .. PXAT, SPOP becomes SREM), and
 * writes the server makes on its own (expiry, eviction) are added as DELs.
 *
 * Effects collected during one top-level call (a command, an EXEC, a woken blocked command)
 * are emitted together when it ends, wrapped in MULTI/EXEC when there is more than one, so
 * a reader of the stream applies them atomically. */
#ifndef FERRITE_PROPAGATE_H
#define FERRITE_PROPAGATE_H

#include <stdbool.h>
#include <stddef.h>

struct client;
struct cmd_arg;

/* server_call brackets every command with these two. `wrote` is true when the command
 * changed the keyspace (srv.dirty moved) and is a write command. */
void propagate_call_begin(void);
void propagate_call_end(struct client *c, bool wrote);

/* Inside a command: propagate this instead of the client's arguments. The arguments are
 * copied. */
void propagate_replace(int argc, const struct cmd_arg *argv);
/* The rewrites several commands share: `name key` (GETDEL as DEL, GETEX .. PERSIST as
 * PERSIST, BLPOP as LPOP), and `name key num` (an absolute expiry as PEXPIREAT, the number
 * of elements an MPOP removed as LPOP key n). */
void propagate_replace_key(const char *name, const struct cmd_arg *key);
void propagate_replace_key_ll(const char *name, const struct cmd_arg *key, long long num);
/* Where an effect goes. PUBLISH, for one, reaches replicas (their subscribers) but not the
 * AOF. */
enum propagate_target { PROPAGATE_AOF = 1 << 0, PROPAGATE_REPL = 1 << 1 };
#define PROPAGATE_ALL (PROPAGATE_AOF | PROPAGATE_REPL)

/* Inside a command: propagate it to these targets even if it changed nothing (FLUSHALL on
 * empty databases, PUBLISH), or only to these targets when it did. */
void propagate_force(unsigned targets);
/* Inside a command: do not propagate its arguments (its effects, if any, were added with
 * propagate_also). */
void propagate_prevent(void);
/* Adds an effect in database `dbid`: within a call it is emitted with the call's effects, in
 * order; outside any call (the expiry cycle, eviction from the cron) it is emitted at once. */
void propagate_also(int dbid, int argc, const struct cmd_arg *argv);
/* Propagates the deletion of an expired or evicted key as a DEL. */
void propagate_deletion(int dbid, const char *key, size_t len);

/* Appends argv as a RESP array of bulk strings: the wire and file form of a command. */
struct sbuf;
void propagate_encode(struct sbuf *out, int argc, const struct cmd_arg *argv);
/* The same for a stream that tracks its database (the AOF, the replication stream): a
 * SELECT first when dbid is not *stream_db (the stream's last SELECT, -1 for none), which
 * is then updated. */
void propagate_encode_in_db(struct sbuf *out, int *stream_db, int dbid, int argc,
                            const struct cmd_arg *argv);

#endif
