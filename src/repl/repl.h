/* repl: master-replica replication speaking Redis's PSYNC protocol.
 *
 * A master keeps a replication ID, an offset (bytes of stream produced so far) and a
 * circular backlog of the latest stream bytes. A replica connects, handshakes (PING, AUTH,
 * REPLCONF, PSYNC) and either continues from the backlog (+CONTINUE) or receives a whole
 * RDB snapshot (+FULLRESYNC) followed by the stream. A replica adopts its master's ID and
 * offset, so its own replicas (chained) and a promotion (REPLICAOF NO ONE keeps the old ID
 * as replid2) can continue without a full transfer. */
#ifndef FERRITE_REPL_H
#define FERRITE_REPL_H

#include <stdbool.h>

struct client;
struct cmd;
struct cmd_arg;
struct sbuf;
struct rdb_repl_info;

/* Start-up, after the dataset was loaded: picks the replication ID (or keeps the one the
 * RDB carried, on a replica) and connects to the configured master, if any. */
void repl_init(void);
/* True when this server replicates from a master (REPLICAOF host port). */
bool repl_is_replica(void);
/* True while the running command came from our master's stream: on a replica it may see
 * logically expired keys, which only the master's DEL removes. */
bool repl_current_is_master(void);

/* One propagated write (propagate.c): appended to the backlog and sent to the replicas,
 * preceded by a SELECT when the stream's database changes. Nothing on a replica, whose
 * stream is its master's, relayed verbatim. */
void repl_feed(int dbid, int argc, const struct cmd_arg *argv);
/* True when repl_feed has somewhere to put a write: a master's backlog. */
bool repl_wants_feed(void);

/* May this client run this command here? Replies (-READONLY, -MASTERDOWN, -NOREPLICAS) and
 * returns false when not. */
bool repl_check_command_or_reply(struct client *c, const struct cmd *cmd);
/* A master client processed `len` bytes of its stream starting at `data`. */
void repl_master_processed(struct client *c, const char *data, long long len);
/* A client with replication state (a replica, one that sent REPLCONF, our master) is
 * being freed. */
void repl_client_freed(struct client *c);

/* A BGSAVE ended; replicas waiting for a disk-based transfer get the file (or are dropped). */
void repl_rdb_saved(bool ok);
/* What an RDB saved now records about replication (aux fields); false for none. */
bool repl_rdb_info(struct rdb_repl_info *info);

/* CONFIG SET repl-backlog-size: the backlog keeps its newest bytes that still fit. */
void repl_backlog_resized(void);
/* Periodic work, every cron run (timeouts, pings, ACKs, reconnects, delayed syncs). */
void repl_cron(void);
/* Before the loop sleeps: asks the replicas for ACKs when WAIT clients need them. */
void repl_before_sleep(void);
/* INFO replication, in Redis 7.0's field order. */
void repl_info(struct sbuf *out);

#endif
