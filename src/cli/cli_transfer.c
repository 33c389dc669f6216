/* cli_transfer: the two bulk modes that move bytes rather than print replies.
 *
 * --pipe streams stdin (RESP or inline commands) to the server at full speed while counting
 * the replies, and knows everything arrived when the server echoes back a random marker
 * sent last. --rdb asks for a snapshot the way a replica does (SYNC) and writes the payload
 * that follows to a file. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../util/num.h"
#include "cli.h"

#define CLI_PIPE_MARKER_LEN 20
/* Bytes written per wake-up before replies are read again, so neither side's buffers fill
 * while the other waits. */
#define CLI_PIPE_WRITE_BURST (128 * 1024)
#define CLI_RDB_EOF_MARK_LEN 40

/* Reads and counts every whole reply available; returns true once the marker came back. */
static bool cli_pipe_read_replies(struct cli_conn *c, const char *marker, bool eof,
                                  long long *errors, long long *replies)
{
    char buf[65536];
    ssize_t n = read(c->fd, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        fprintf(stderr, "Error reading replies from server\n");
        exit(1);
    }
    if (n > 0)
        cli_reader_feed(&c->reader, buf, (size_t)n);
    bool done = false;
    struct cli_reply *reply;
    enum cli_reader_status st;
    while ((st = cli_reader_next(&c->reader, &reply)) == CLI_READER_DONE) {
        if (reply->type == CLI_REPLY_ERROR) {
            fprintf(stderr, "%s\n", reply->str);
            (*errors)++;
        } else if (eof && reply->type == CLI_REPLY_STRING && reply->len == CLI_PIPE_MARKER_LEN &&
                   !memcmp(reply->str, marker, CLI_PIPE_MARKER_LEN)) {
            printf("Last reply received from server.\n");
            done = true;
            (*replies)--; /* the marker's echo is not one of the user's replies */
        }
        (*replies)++;
        cli_reply_free(reply);
    }
    if (st == CLI_READER_ERROR) {
        fprintf(stderr, "Error reading replies from server\n");
        exit(1);
    }
    return done;
}

void cli_pipe_mode(struct cli *cli)
{
    struct cli_conn *c = &cli->conn;
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    char obuf[16384];
    size_t olen = 0, opos = 0;
    char marker[CLI_PIPE_MARKER_LEN];
    long long errors = 0, replies = 0;
    bool eof = false, done = false;
    time_t last_read = time(NULL);
    while (!done) {
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        if (!eof || olen > opos)
            pfd.events |= POLLOUT;
        int ready = poll(&pfd, 1, 1000);
        if (ready < 0 && errno != EINTR) {
            perror("poll");
            exit(1);
        }
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            done = cli_pipe_read_replies(c, marker, eof, &errors, &replies);
            last_read = time(NULL);
        }
        if (pfd.revents & POLLOUT) {
            size_t burst = 0;
            while (burst < CLI_PIPE_WRITE_BURST) {
                if (olen > opos) {
                    ssize_t n = write(c->fd, obuf + opos, olen - opos);
                    if (n < 0 && errno != EAGAIN && errno != EINTR) {
                        fprintf(stderr, "Error writing to the server: %s\n", strerror(errno));
                        exit(1);
                    }
                    if (n <= 0)
                        break; /* the socket is full: read replies, then come back */
                    opos += (size_t)n;
                    burst += (size_t)n;
                    continue;
                }
                if (eof)
                    break;
                ssize_t n = read(STDIN_FILENO, obuf, sizeof obuf);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n < 0) {
                    fprintf(stderr, "Error reading from stdin: %s\n", strerror(errno));
                    exit(1);
                }
                opos = 0;
                olen = (size_t)n;
                if (n == 0) {
                    /* Everything is queued: last comes an ECHO of a random marker, whose
                     * reply proves every earlier reply has been read. The leading CRLF is an
                     * empty inline command the server skips: it keeps the ECHO well framed
                     * even if stdin ended in the middle of a line. */
                    eof = true;
                    for (size_t i = 0; i < sizeof marker; i++)
                        marker[i] = (char)(rand() & 0xff);
                    olen = (size_t)snprintf(obuf, sizeof obuf, "\r\n*2\r\n$4\r\nECHO\r\n$%d\r\n",
                                            CLI_PIPE_MARKER_LEN);
                    memcpy(obuf + olen, marker, sizeof marker);
                    olen += sizeof marker;
                    memcpy(obuf + olen, "\r\n", 2);
                    olen += 2;
                    printf("All data transferred. Waiting for the last reply...\n");
                    fflush(stdout);
                }
            }
        }
        if (eof && cli->cfg.pipe_timeout > 0 && time(NULL) - last_read > cli->cfg.pipe_timeout) {
            fprintf(stderr, "No replies for %d seconds: exiting.\n", cli->cfg.pipe_timeout);
            errors++;
            break;
        }
    }
    printf("errors: %lld, replies: %lld\n", errors, replies);
    exit(errors ? 1 : 0);
}

/* Sends REPLCONF <what> <value>; an error is only reported (older servers lack some). */
static void cli_rdb_replconf(struct cli *cli, const char *what, const char *value)
{
    fprintf(stderr, "sending REPLCONF %s %s\n", what, value);
    struct cli_reply *reply =
        cli_conn_call(&cli->conn, 3, (const char *[]){"REPLCONF", what, value});
    if (!reply) {
        fprintf(stderr, "\nI/O error\n");
        exit(1);
    }
    if (reply->type == CLI_REPLY_ERROR)
        fprintf(stderr, "REPLCONF %s error: %s\n", what, reply->str);
    cli_reply_free(reply);
}

/* Sends SYNC and reads the payload header: "$<len>" (returns len) or "$EOF:<mark>" for a
 * diskless transfer (sets *use_mark and fills eof_mark). */
static unsigned long long cli_rdb_sync(struct cli *cli, char *eof_mark, bool *use_mark)
{
    cli_conn_append(&cli->conn, 1, (char *[]){"SYNC"}, (size_t[]){4});
    if (cli_conn_flush(&cli->conn) < 0) {
        fprintf(stderr, "Error writing to master\n");
        exit(1);
    }
    /* The server may send bare newlines to keep the link alive while it prepares. The line
     * keeps its '\r', as in redis-cli (it shows in the error below). */
    char line[256];
    ssize_t len;
    do
        len = cli_conn_read_line(&cli->conn, line, sizeof line);
    while (len == 0);
    if (len < 0) {
        fprintf(stderr, "Error reading bulk length while SYNCing\n");
        exit(1);
    }
    if (line[0] == '-') {
        fprintf(stderr, "SYNC with master failed: %s\n", line);
        exit(1);
    }
    *use_mark = false;
    if (!strncmp(line + 1, "EOF:", 4) && strlen(line + 5) >= CLI_RDB_EOF_MARK_LEN) {
        memcpy(eof_mark, line + 5, CLI_RDB_EOF_MARK_LEN);
        *use_mark = true;
        return 0;
    }
    size_t digits = (size_t)len - 1 - (line[len - 1] == '\r');
    unsigned long long payload;
    if (line[0] != '$' || len < 2 || num_parse_ull(line + 1, digits, &payload) < 0) {
        fprintf(stderr, "Bad bulk length while SYNCing: %s\n", line);
        exit(1);
    }
    return payload;
}

void cli_rdb_mode(struct cli *cli)
{
    const char *path = cli->cfg.rdb_path;
    cli_rdb_replconf(cli, "capa", "eof");
    cli_rdb_replconf(cli, "rdb-only", "1");
    char eof_mark[CLI_RDB_EOF_MARK_LEN], last[CLI_RDB_EOF_MARK_LEN] = {0};
    bool use_mark;
    unsigned long long payload = cli_rdb_sync(cli, eof_mark, &use_mark);
    if (use_mark) {
        payload = ~0ULL;
        fprintf(stderr, "SYNC sent to master, writing bytes of bulk transfer until EOF "
                        "marker to '%s'\n", path);
    } else {
        fprintf(stderr, "SYNC sent to master, writing %llu bytes to '%s'\n", payload, path);
    }
    bool to_stdout = !strcmp(path, "-");
    int fd = to_stdout ? STDOUT_FILENO : open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0) {
        fprintf(stderr, "Error opening '%s': %s\n", path, strerror(errno));
        exit(1);
    }
    char buf[65536];
    while (payload) {
        ssize_t n = cli_conn_read_bytes(&cli->conn, buf,
                                        payload > sizeof buf ? sizeof buf : (size_t)payload);
        if (n <= 0) {
            fprintf(stderr, "I/O Error reading RDB payload from socket\n");
            exit(1);
        }
        ssize_t w = write(fd, buf, (size_t)n);
        if (w != n) {
            fprintf(stderr, "Error writing data to file: %s\n",
                    w < 0 ? strerror(errno) : "short write");
            exit(1);
        }
        payload -= (unsigned long long)n;
        if (use_mark) {
            /* Slide the last 40 bytes seen; the mark ends the transfer. */
            if ((size_t)n >= sizeof last) {
                memcpy(last, buf + n - (ssize_t)sizeof last, sizeof last);
            } else {
                memmove(last, last + n, sizeof last - (size_t)n);
                memcpy(last + sizeof last - (size_t)n, buf, (size_t)n);
            }
            if (!memcmp(last, eof_mark, sizeof last))
                break;
        }
    }
    if (use_mark) {
        /* The mark was written too; cut it off the file. */
        payload = ~0ULL - payload - CLI_RDB_EOF_MARK_LEN;
        if (!to_stdout && ftruncate(fd, (off_t)payload) < 0)
            fprintf(stderr, "ftruncate failed: %s.\n", strerror(errno));
        fprintf(stderr, "Transfer finished with success after %llu bytes\n", payload);
    } else {
        fprintf(stderr, "Transfer finished with success.\n");
    }
    /* Close the connection first: the server need not wait while the file is synced. */
    cli_conn_close(&cli->conn);
    if (!to_stdout && fsync(fd) < 0) {
        fprintf(stderr, "Fail to fsync '%s': %s\n", path, strerror(errno));
        exit(1);
    }
    if (!to_stdout)
        close(fd);
    exit(0);
}
