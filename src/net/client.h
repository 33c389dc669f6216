/* client: one connection. Owns its socket, its query buffer and parser state, its output
 * queue, and its place in the server's client list and pending-write list.
 *
 * The read path is client_on_readable -> fill query buffer -> resp_parse -> server_execute
 * for every complete request, in order; replies collect in the output queue and go out in
 * one writev per client from the before-sleep hook (client_flush_pending). */
#ifndef FERRITE_CLIENT_H
#define FERRITE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/reply.h"
#include "../proto/resp.h"
#include "sock.h"

struct ev_loop;
struct db;
struct cmd;
struct multi_state;
struct watch_ref;
struct pubsub_entry;
struct blocking_state;
struct repl_replica;

/* One argument of the current command; points into the query buffer (or, for queued or
 * blocked commands, into memory the client owns). ptr[len] is always '\0', so an argument
 * can go straight to strcasecmp or strtod; binary arguments still use len. */
struct cmd_arg {
    char *ptr;
    size_t len;
};

/* True if the argument equals word, ignoring ASCII case (option names). */
bool client_arg_is(const struct cmd_arg *arg, const char *word);

enum client_flag {
    CLIENT_CLOSE_AFTER_REPLY = 1 << 0, /* flush what is queued, then close */
    CLIENT_CLOSE_ASAP = 1 << 1,        /* close at the next safe point, dropping output */
    CLIENT_PENDING_WRITE = 1 << 2,     /* on the server's pending-write list */
    CLIENT_WRITE_HANDLER = 1 << 3,     /* a writable event is installed */
    CLIENT_UNIX_SOCKET = 1 << 4,
    CLIENT_REPLY_OFF = 1 << 5,         /* CLIENT REPLY OFF */
    CLIENT_REPLY_SKIP_NEXT = 1 << 6,   /* CLIENT REPLY SKIP: drop the next command's reply */
    CLIENT_REPLY_SKIP = 1 << 7,        /* dropping the current command's reply */
    CLIENT_NO_EVICT = 1 << 8,
    CLIENT_EXECUTING = 1 << 9,         /* inside its read handler: free it later, not now */
    CLIENT_FAKE = 1 << 10,             /* no socket (loading, scripts): replies discarded */
    CLIENT_DIRTY_CAS = 1 << 11,        /* a WATCHed key changed: EXEC will fail */
    CLIENT_IN_EXEC = 1 << 12,          /* running queued commands: blocking ones must not wait */
    CLIENT_REPLICA = 1 << 13,          /* a replica of ours (after SYNC/PSYNC); c->repl is set */
    CLIENT_MASTER = 1 << 14,           /* our master: its commands are the replication stream */
    CLIENT_MASTER_FORCE_REPLY = 1 << 15, /* our master, but this reply must go (REPLCONF ACK) */
};

/* Output-buffer limit classes of client-output-buffer-limit. */
enum client_class {
    CLIENT_CLASS_NORMAL = 0,
    CLIENT_CLASS_REPLICA = 1,
    CLIENT_CLASS_PUBSUB = 2,
    CLIENT_CLASS_COUNT = 3,
};

struct client {
    uint64_t id;
    int fd;
    unsigned flags;              /* enum client_flag bits */
    int resp;                    /* protocol version: 2, or 3 after HELLO 3 */
    struct db *db;               /* selected database */
    char *name;                  /* CLIENT SETNAME; owned, NULL when unset */
    char addr[SOCK_ADDR_LEN];    /* peer "ip:port" */
    char laddr[SOCK_ADDR_LEN];   /* local "ip:port" */
    bool authenticated;          /* AUTH done, or no password is required */

    char *qbuf;                  /* query buffer; owned */
    size_t qlen;                 /* bytes read into qbuf */
    size_t qcap;                 /* bytes allocated for qbuf */
    size_t qpos;                 /* start of the request being parsed */
    size_t qpeak;                /* largest qlen since the last cron check, to shrink idle buffers */
    struct resp_request req;

    struct cmd_arg *argv;        /* current command; owned array, borrowed bytes */
    int argc;
    int argv_cap;
    const struct cmd *cmd;       /* command being executed */
    const struct cmd *lastcmd;   /* last command executed, for CLIENT LIST */
    unsigned call_errors;        /* errors replied during the current call */
    struct multi_state *multi;   /* queued commands after MULTI; NULL otherwise */
    struct watch_ref *watched;   /* keys this client WATCHes; owned array */
    size_t nwatched;
    struct pubsub_entry **sub_channels; /* SUBSCRIBEd channels in order; owned array */
    size_t nsub_channels;
    struct pubsub_entry **sub_patterns; /* PSUBSCRIBEd patterns in order; owned array */
    size_t nsub_patterns;
    struct blocking_state *blocked; /* BLPOP & co. waiting; NULL otherwise */
    struct repl_replica *repl;   /* replication state when CLIENT_REPLICA; owned by repl */
    long long repl_wait_off;     /* WAIT: the stream offset the replicas must acknowledge */

    struct reply_queue out;
    long long obuf_soft_since;   /* ms when the soft output limit was first exceeded, 0 if not */

    long long ctime;             /* creation, unix ms */
    long long last_interaction;  /* last read or write, unix ms */

    struct client *prev;         /* server-wide list of all clients */
    struct client *next;
    struct client *pending_next; /* pending-write list, valid while CLIENT_PENDING_WRITE */
    struct client *close_next;   /* closing list, valid while CLIENT_CLOSE_ASAP */
};

/* Accepts connections from a listening socket (an ev_file_cb). */
void client_on_accept(struct ev_loop *loop, int fd, void *data, int mask);
/* Creates a client with no socket (fd -1), for the server's own use. */
struct client *client_create_fake(void);
/* Makes a client of a connected socket the server opened itself (a replica's link to its
 * master), with the given extra flags; NULL (fd closed) if it cannot be watched. */
struct client *client_adopt_fd(int fd, unsigned flags);
/* Processes bytes as if read from the client's socket (what arrived with the last bytes
 * of a replication snapshot). */
void client_inject_input(struct client *c, const char *data, size_t len);
/* Frees now, or marks for closing if it is in the middle of its own read handler. */
void client_free(struct client *c);
/* Closes the client at the next safe point (after the current command returns). */
void client_close_async(struct client *c);

/* Called by reply.c after output is queued: registers the client for the next flush. */
void client_reply_queued(struct client *c);
/* False while replies must be dropped (CLIENT REPLY OFF/SKIP, fake clients). */
bool client_accepts_reply(const struct client *c);
/* Called by reply.c for every error reply: INFO errorstats and failed_calls. */
void client_error_replied(struct client *c, const char *err);

/* Copies argc arguments into ONE new block (array then NUL-terminated bytes) that the
 * caller frees with mem_free: for commands kept beyond the query buffer (MULTI, waits). */
struct cmd_arg *client_copy_argv(const struct cmd_arg *argv, int argc);
/* Points c->argv at the request c->req parsed from base, NUL-terminating each argument in
 * place (the byte after an argument is always a delimiter the parser has consumed). */
void client_set_argv(struct client *c, char *base);
/* Processes requests that arrived while the client was blocked. */
void client_resume(struct client *c);

/* Sets or (empty value) clears the client's name; replies with an error and returns false
 * if the name has spaces or special characters. */
bool client_set_name(struct client *c, const struct cmd_arg *name);

/* Writes every pending client's output; run before the loop sleeps. */
void client_flush_pending(void);
/* Frees clients marked CLOSE_ASAP. */
void client_free_closing(void);
/* Periodic work: idle timeouts, shrinking idle buffers. */
void client_cron(void);

/* Appends the CLIENT LIST line for c (without newline) to out. */
struct sbuf;
void client_describe(const struct client *c, struct sbuf *out);
/* Bytes used by the client's buffers, for INFO and CLIENT LIST. */
size_t client_qbuf_used(const struct client *c);
enum client_class client_class_of(const struct client *c);

#endif
