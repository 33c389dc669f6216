/* cli_conn: one blocking connection to a server, commands out as RESP multibulks and
 * replies in through cli_reply's reader. Errors leave a one-line message in errstr, worded
 * as hiredis words them, since redis-cli prints those messages and users know them. */
#ifndef FERRITE_CLI_CONN_H
#define FERRITE_CLI_CONN_H

#include <stddef.h>
#include <sys/types.h>

#include "../util/sbuf.h"
#include "cli_reply.h"

enum cli_conn_error {
    CLI_CONN_OK = 0,
    CLI_CONN_ERR_IO,       /* a socket call failed; errno_saved says why */
    CLI_CONN_ERR_EOF,      /* the server closed the connection */
    CLI_CONN_ERR_PROTOCOL, /* the server sent something that is not RESP */
};

struct cli_conn {
    int fd;                   /* owned; -1 when not connected */
    struct cli_reader reader; /* bytes read and not yet returned as replies */
    struct sbuf out;          /* commands queued and not yet written */
    enum cli_conn_error err;  /* the first error; the connection is unusable after one */
    int errno_saved;          /* errno behind CLI_CONN_ERR_IO */
    char errstr[128];         /* the error in words */
};

void cli_conn_init(struct cli_conn *c);
/* Connects to host:port (every address it resolves to, in order) or, when unix_path is set,
 * to that socket. 0, or -1 with errstr set and the connection closed. */
int cli_conn_open(struct cli_conn *c, const char *host, int port, const char *unix_path);
/* Closes the socket and drops anything buffered; the connection can be opened again. */
void cli_conn_close(struct cli_conn *c);

/* Queues one command. */
void cli_conn_append(struct cli_conn *c, int argc, char *const *argv, const size_t *lens);
/* Writes everything queued. 0, or -1 with the error set. */
int cli_conn_flush(struct cli_conn *c);
/* Flushes, then blocks until a whole reply is read. 0 with *out owned by the caller, or -1
 * with the error set. */
int cli_conn_read_reply(struct cli_conn *c, struct cli_reply **out);
/* Sends one command built from C strings and reads its reply (NULL on error). */
struct cli_reply *cli_conn_call(struct cli_conn *c, int argc, const char *const *argv);
/* Reads one line that is not RESP (the header after SYNC) into buf, without its '\n' and
 * NUL-terminated; bytes after it stay buffered for cli_conn_read_bytes. Its length, or -1
 * with the error set (also when the line does not fit in size bytes). */
ssize_t cli_conn_read_line(struct cli_conn *c, char *buf, size_t size);
/* Reads up to n bytes past the RESP stream (what the reader already holds first): for
 * payloads that are not replies, such as the RDB after SYNC. Like read(2). */
ssize_t cli_conn_read_bytes(struct cli_conn *c, char *buf, size_t n);

#endif
