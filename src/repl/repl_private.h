/* Shared between the files of the repl module only (repl.c, repl_backlog.c, repl_master.c,
 * repl_replica.c); everything else uses repl.h. Names here carry the repl__ prefix. */
#ifndef FERRITE_REPL_PRIVATE_H
#define FERRITE_REPL_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/sbuf.h"
#include "repl.h"

#define REPL_ID_LEN 40
#define REPL_CHUNK (64 * 1024)
/* A replica's announced address: shorter than this, as Redis's NET_HOST_STR_LEN. */
#define REPL_IP_LEN 256
/* "ip:port", for log lines. */
#define REPL_NAME_LEN (REPL_IP_LEN + 8)

/* A replica's progress through a full synchronisation, as Redis names them in INFO. */
enum repl_replica_state {
    REPL_WAIT_BGSAVE_START, /* waits for a snapshot to be started for it */
    REPL_WAIT_BGSAVE_END,   /* +FULLRESYNC sent, the snapshot is being produced */
    REPL_SEND_BULK,         /* the snapshot is being sent */
    REPL_ONLINE,            /* receives the stream */
};

/* The master-side state of one replica client (client->repl). */
struct repl_replica {
    struct client *c;
    enum repl_replica_state state;
    bool capa_eof;           /* understands $EOF: framing (diskless) */
    bool capa_psync2;        /* understands +CONTINUE <replid> */
    bool diskless;           /* its snapshot comes from the diskless child's pipe */
    bool pre_psync;          /* came with SYNC: no +FULLRESYNC line, never ACKs */
    bool await_first_ack;    /* diskless: the stream waits until it loaded the snapshot */
    int listening_port;      /* REPLCONF listening-port, 0 if not told */
    char ip[REPL_IP_LEN];    /* REPLCONF ip-address, or the peer address */
    long long ack_off;       /* last REPLCONF ACK offset */
    long long ack_ms;        /* unix ms of the last ACK (or of going online) */
    long long wait_since_ms; /* when it started waiting for a snapshot */
    struct sbuf pending;     /* stream produced while its snapshot is being sent */
    struct sbuf xfer;        /* snapshot bytes not yet written to its socket */
    size_t xfer_pos;         /* bytes of xfer already written */
    int xfer_fd;             /* disk transfer: the RDB file being read, -1 otherwise */
    bool xfer_last;          /* no more snapshot bytes will come: online once xfer drains */
    struct repl_replica *next;
};

/* The replica-side link to our master. */
enum repl_link {
    REPL_LINK_NONE,        /* not a replica */
    REPL_LINK_CONNECT,     /* must (re)connect; the cron tries */
    REPL_LINK_CONNECTING,  /* non-blocking connect in flight */
    REPL_LINK_HANDSHAKE,   /* PING, AUTH, REPLCONF, PSYNC and their replies */
    REPL_LINK_TRANSFER,    /* receiving the snapshot */
    REPL_LINK_CONNECTED,   /* the master client applies the stream */
};

struct repl_state {
    char replid[REPL_ID_LEN + 1];
    char replid2[REPL_ID_LEN + 1];
    long long offset;          /* master_repl_offset: stream bytes produced or applied */
    long long second_offset;   /* second_repl_offset: replid2 valid up to here, -1 */
    int stream_db;             /* database the stream last SELECTed, -1 forces a SELECT */

    /* The backlog: the latest `histlen` stream bytes in a ring of `size`. */
    char *backlog;             /* NULL until the first replica (or the first sync) */
    long long backlog_size;
    long long backlog_histlen;
    long long backlog_idx;     /* where the next byte goes */

    /* Master side. */
    struct repl_replica *replicas;
    int nreplicas;
    int good_replicas;         /* online with lag <= min-replicas-max-lag */
    int child_pipe;            /* diskless: read end of the child's RDB pipe, -1 */
    bool child_eof;            /* diskless: the pipe reached its end */
    bool wait_getack;          /* WAIT clients want ACKs: send GETACK before sleeping */

    /* Replica side. */
    enum repl_link link;
    int fd;                    /* socket to the master until the master client owns it */
    struct sbuf rbuf;          /* bytes read from the master, not yet consumed */
    size_t rpos;               /* consumed bytes of rbuf */
    struct client *master;     /* our master, once the stream flows */
    struct sbuf txn;           /* the master's open transaction: applied at its EXEC */
    bool can_psync;            /* replid/offset are a master's: try a partial sync */
    int master_db;             /* database the master's stream had selected */
    char master_replid[REPL_ID_LEN + 1]; /* from +FULLRESYNC */
    long long master_initial_offset;
    int xfer_fd;               /* temp file receiving the snapshot, -1 */
    char xfer_tmp[64];
    long long xfer_size;       /* -1 for $EOF: framing */
    long long xfer_read;
    char eof_mark[REPL_ID_LEN];
    long long last_io_ms;      /* unix ms of the last byte from the master */
    long long down_since_ms;   /* unix ms the link went down, 0 never up */
    long long last_ack_ms;
    long long connect_ms;      /* when the current attempt began, for repl-timeout */
};

extern struct repl_state repl;

/* repl_backlog.c */
void repl__backlog_create(void);
void repl__backlog_free(void);
void repl__backlog_resize(long long size);
/* Appends stream bytes: backlog, offset and every replica. */
void repl__stream_append(const char *data, size_t len);
/* Copies the backlog from stream offset `from` (inclusive, 1-based as PSYNC's) into out;
 * -1 (nothing copied) when the backlog no longer, or never, held that offset. */
int repl__backlog_copy(long long from, struct sbuf *out);
/* repl_master.c */
void repl__disconnect_replicas(void);
void repl__master_cron(void);
void repl__replica_info(struct sbuf *out);
/* repl_replica.c */
void repl__master_lost(struct client *c);
/* Queues REPLCONF ACK <offset> to our master (the one reply it reads). */
void repl__send_ack(struct client *master);
void repl__replica_cron(void);
void repl__set_master(const char *host, int port);
void repl__unset_master(void);
const char *repl__link_state_name(void);

#endif
