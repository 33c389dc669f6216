/* server: the process-wide state that the modules share, the command call path and the
 * periodic work. The one instance, `srv`, is owned by server.c. */
#ifndef FERRITE_SERVER_H
#define FERRITE_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../net/client.h"

#define FERRITE_VERSION "7.0.15"   /* the Redis version whose behaviour we follow */
#define FERRITE_OWN_VERSION "0.1.0"
#define SERVER_MAX_BIND 16
#define SERVER_MAX_SAVEPOINTS 16
/* Descriptors reserved beyond maxclients for listeners, files and the loop itself. */
#define SERVER_FD_RESERVE 128

struct ev_loop;
struct ev_timer;
struct db;
struct slowlog;

enum log_level { LOG_DEBUG = 0, LOG_VERBOSE, LOG_NOTICE, LOG_WARNING, LOG_NOTHING };

enum maxmemory_policy {
    MAXMEMORY_NOEVICTION = 0,
    MAXMEMORY_ALLKEYS_LRU,
    MAXMEMORY_VOLATILE_LRU,
    MAXMEMORY_ALLKEYS_LFU,
    MAXMEMORY_VOLATILE_LFU,
    MAXMEMORY_ALLKEYS_RANDOM,
    MAXMEMORY_VOLATILE_RANDOM,
    MAXMEMORY_VOLATILE_TTL,
};

/* notify-keyspace-events classes. */
enum notify_class {
    NOTIFY_KEYSPACE = 1 << 0, /* K */
    NOTIFY_KEYEVENT = 1 << 1, /* E */
    NOTIFY_GENERIC = 1 << 2,  /* g */
    NOTIFY_STRING = 1 << 3,   /* $ */
    NOTIFY_LIST = 1 << 4,     /* l */
    NOTIFY_SET = 1 << 5,      /* s */
    NOTIFY_HASH = 1 << 6,     /* h */
    NOTIFY_ZSET = 1 << 7,     /* z */
    NOTIFY_EXPIRED = 1 << 8,  /* x */
    NOTIFY_EVICTED = 1 << 9,  /* e */
    NOTIFY_STREAM = 1 << 10,  /* t */
    NOTIFY_KEY_MISS = 1 << 11, /* m */
    NOTIFY_MODULE = 1 << 12,  /* d */
    NOTIFY_NEW = 1 << 13,     /* n */
};
/* "A": every class but key-miss and new, as in Redis. */
#define NOTIFY_ALL (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | \
                    NOTIFY_ZSET | NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE)

enum appendfsync_mode { APPENDFSYNC_NO = 0, APPENDFSYNC_ALWAYS, APPENDFSYNC_EVERYSEC };

struct save_point {
    long long seconds;
    long long changes;
};

struct obuf_limit {
    long long hard;         /* bytes; 0 = none */
    long long soft;         /* bytes; 0 = none */
    long long soft_seconds; /* how long soft may be exceeded */
};

/* Every directive's current value. config.c parses into these and formats from them. */
struct server_config {
    char *bind[SERVER_MAX_BIND];
    int nbind;
    int port;
    char *unixsocket;
    int unixsocketperm;
    int tcp_backlog;
    int tcp_keepalive;
    int timeout;
    int maxclients;
    int databases;
    bool daemonize;
    char *pidfile;
    char *logfile;
    int loglevel;
    char *dir;
    char *dbfilename;
    struct save_point save[SERVER_MAX_SAVEPOINTS];
    int nsave;
    bool appendonly;
    char *appendfilename;
    char *appenddirname;
    int appendfsync;
    bool aof_load_truncated;
    bool no_appendfsync_on_rewrite;
    int auto_aof_rewrite_percentage;
    long long auto_aof_rewrite_min_size;
    bool stop_writes_on_bgsave_error;
    char *requirepass;
    bool protected_mode;
    long long maxmemory;
    int maxmemory_policy;
    int maxmemory_samples;
    int lfu_log_factor;
    int lfu_decay_time;
    int hz;
    int io_model;            /* index into the backends: epoll, poll, select */
    int io_threads;
    bool replica_read_only;
    struct obuf_limit obuf_limits[CLIENT_CLASS_COUNT];
    long long client_query_buffer_limit;
    long long proto_max_bulk_len;
    long long slowlog_log_slower_than;
    long long slowlog_max_len;
    int notify_keyspace_events;
    int enable_debug_command; /* 0 no, 1 yes, 2 local */
    int enable_protected_configs; /* the same three values */
    bool lazyfree_lazy_user_del;
    /* Thresholds past which small collections convert to their full structure. */
    long long hash_max_listpack_entries;
    long long hash_max_listpack_value;
    long long list_max_listpack_size; /* > 0: entries per node; -1..-5: 4..64 KB per node */
    int list_compress_depth;
    long long set_max_intset_entries;
    long long set_max_listpack_entries;
    long long set_max_listpack_value;
    long long zset_max_listpack_entries;
    long long zset_max_listpack_value;
    int active_expire_effort;
    /* Replication (src/repl). */
    char *master_host;          /* replicaof host, NULL on a master */
    int master_port;
    char *masterauth;
    char *masteruser;
    bool replica_serve_stale_data;
    long long repl_backlog_size;
    int repl_timeout;
    int repl_ping_replica_period;
    int min_replicas_to_write;
    int min_replicas_max_lag;
    bool repl_diskless_sync;
    int repl_diskless_sync_delay;
    int replica_priority;
    bool replica_announced;
};

struct server_stats {
    long long connections_received;
    long long commands_processed;
    long long rejected_connections;
    long long expired_keys;
    long long evicted_keys;
    long long keyspace_hits;
    long long keyspace_misses;
    long long net_input_bytes;
    long long net_output_bytes;
    long long expired_stale_perc_x100;
    long long total_error_replies;
    long long unexpected_error_replies;
    long long client_qbuf_limit_disconnections;
    long long client_outbuf_limit_disconnections;
    long long io_reads_processed;
    long long io_writes_processed;
    long long sync_full;
    long long sync_partial_ok;
    long long sync_partial_err;
    /* Ring of per-100ms samples for instantaneous_ops_per_sec and friends. */
    long long ops_samples[16];
    long long input_samples[16];
    long long output_samples[16];
    int sample_idx;
    long long last_sample_ms;
    long long last_sample_ops;
    long long last_sample_input;
    long long last_sample_output;
};

/* Per-error-code counters for INFO errorstats ("ERR", "WRONGTYPE", ...). */
struct error_stat {
    char code[32];
    long long count;
};
#define SERVER_MAX_ERROR_CODES 128

struct server {
    struct server_config cfg;
    char *config_file;          /* absolute path, NULL if started without one */
    char *executable;           /* absolute path of the binary */
    struct ev_loop *loop;
    struct ev_timer *cron_timer;
    int listen_fds[SERVER_MAX_BIND];
    int nlisten;
    int unix_fd;                /* -1 when no unixsocket */

    struct db *dbs;             /* cfg.databases of them */

    struct client *clients;     /* all connected clients, newest first */
    size_t nclients;
    struct client *pending_writes;
    struct client *closing;     /* clients to free at the next safe point */
    uint64_t next_client_id;
    struct client *current;     /* client whose command is executing, or NULL */

    struct server_stats stats;
    struct error_stat errors[SERVER_MAX_ERROR_CODES];
    int nerrors;
    struct slowlog *slowlog;

    char run_id[41];
    long long start_ms;         /* unix ms at start */
    long long cmd_time_ms;      /* unix ms, read once per batch of commands from one client:
                                 * expiry decisions within a pipeline share one clock */
    long long call_clock_us;    /* monotonic µs when the next command started */
    uint32_t lru_clock;         /* seconds, 24 bits, for OBJECT IDLETIME */
    long long cron_loops;
    long long stat_peak_memory;
    long long dirty;            /* changes since the last save */
    long long last_save;        /* unix seconds of the last successful save */
    /* Snapshots (persist/snapshot.c). */
    long long dirty_before_bgsave; /* dirty when the child forked: what its file covers */
    bool bgsave_scheduled;      /* BGSAVE SCHEDULE waiting for the current child */
    bool last_bgsave_failed;    /* INFO rdb_last_bgsave_status:err */
    long long last_bgsave_try;  /* unix seconds of the last BGSAVE attempt */
    long long last_bgsave_secs; /* duration of the last BGSAVE, -1 before the first */
    long long rdb_saves;        /* snapshots started since start-up */
    bool active_expire_enabled;
    bool loading;               /* replaying the AOF: nothing expires, nothing propagates */
    bool shutdown_asap;         /* a signal asked for shutdown; the cron does it */
    int shutdown_exit_code;
};

extern struct server srv;

/* Starts listening and the cron; returns -1 after logging if it cannot. */
int server_init(void);
/* Runs the event loop until shutdown. */
void server_run(void);
enum shutdown_flag {
    SHUTDOWN_SAVE = 1 << 0,   /* save even without save points */
    SHUTDOWN_NOSAVE = 1 << 1, /* do not save even with save points */
    SHUTDOWN_FORCE = 1 << 2,  /* exit even if the save fails */
};
/* Saves if needed, closes listeners and removes pid/socket files; returns -1 if a
 * required save failed (shutdown then does not happen unless forced, as in Redis). */
int server_prepare_shutdown(unsigned flags);

/* Executes the client's parsed command (c->argv): lookup, arity, auth, MULTI queuing,
 * then server_call. */
void server_execute(struct client *c);
/* Whether c may do what a "no|yes|local" directive (enable-debug-command,
 * enable-protected-configs) guards: local means over a unix socket or from loopback. */
bool server_protected_action_allowed(int mode, const struct client *c);
/* Executes a command from a trusted source (the AOF being loaded, the master link): no
 * authentication, memory or permission checks, MULTI queuing as usual. -1 when the
 * command does not exist or has the wrong arity (nothing runs). */
int server_execute_trusted(struct client *c);
/* Runs an already checked command with timing, statistics, slowlog and WATCH signalling. */
struct cmd;
void server_call(struct client *c, struct cmd *cmd);
/* Unix time in ms, µs. */
long long server_unix_ms(void);
long long server_unix_us(void);
/* A key changed outside the command's declared key positions (LMPOP's popped key, MOVE's
 * destination...): WATCHers fail and waiting clients are woken. Keys in the positions are
 * signalled automatically after every write command. */
struct db;
void server_signal_modified_key(struct db *db, const char *key, size_t len);
/* The same for a whole database that was flushed or swapped: watchers of keys that exist
 * in it fail, and every client waiting on one of its keys is re-checked. */
void server_signal_modified_db(struct db *db);
/* Marks keyspace writes for the save points and INFO. */
void server_dirty(long long n);
/* Counts one error reply by its code, for INFO errorstats. */
void server_count_error(const char *err);
/* Resets the statistics CONFIG RESETSTAT clears. */
void server_reset_stats(void);
/* Applies a new maxclients at run time (resizes the event loop). */
int server_set_maxclients(int maxclients, char *err, size_t errlen);
/* Re-opens the listeners after bind/port changed; keeps the old ones on failure. */
int server_rebind(char *err, size_t errlen);

#endif
