#include "cli_conn.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* redis-cli's keep-alive: long commands stay connected, dead peers are noticed. */
#define CLI_CONN_KEEPALIVE_SECONDS 15

void cli_conn_init(struct cli_conn *c)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    cli_reader_init(&c->reader);
}

static int cli_conn_fail(struct cli_conn *c, enum cli_conn_error err, const char *msg)
{
    if (c->err == CLI_CONN_OK) {
        c->err = err;
        c->errno_saved = errno;
        snprintf(c->errstr, sizeof c->errstr, "%s", msg);
    }
    return -1;
}

static void cli_conn_tune(int fd)
{
    int on = 1, idle = CLI_CONN_KEEPALIVE_SECONDS, intvl = CLI_CONN_KEEPALIVE_SECONDS / 3,
        cnt = 3;
    /* Best effort: a socket without these options still works. */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
}

static int cli_conn_open_tcp(struct cli_conn *c, const char *host, int port)
{
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0)
        return cli_conn_fail(c, CLI_CONN_ERR_IO, gai_strerror(rc));
    int saved = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            cli_conn_tune(fd);
            c->fd = fd;
            break;
        }
        saved = errno;
        close(fd);
    }
    freeaddrinfo(res);
    if (c->fd < 0) {
        errno = saved;
        return cli_conn_fail(c, CLI_CONN_ERR_IO, strerror(saved));
    }
    return 0;
}

static int cli_conn_open_unix(struct cli_conn *c, const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        errno = ENAMETOOLONG;
        return cli_conn_fail(c, CLI_CONN_ERR_IO, strerror(ENAMETOOLONG));
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return cli_conn_fail(c, CLI_CONN_ERR_IO, strerror(errno));
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return cli_conn_fail(c, CLI_CONN_ERR_IO, strerror(saved));
    }
    c->fd = fd;
    return 0;
}

int cli_conn_open(struct cli_conn *c, const char *host, int port, const char *unix_path)
{
    cli_conn_close(c);
    return unix_path ? cli_conn_open_unix(c, unix_path) : cli_conn_open_tcp(c, host, port);
}

void cli_conn_close(struct cli_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    cli_reader_free(&c->reader);
    sbuf_free(&c->out);
    cli_conn_init(c);
}

void cli_conn_append(struct cli_conn *c, int argc, char *const *argv, const size_t *lens)
{
    sbuf_catfmt(&c->out, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        sbuf_catfmt(&c->out, "$%zu\r\n", lens[i]);
        sbuf_catlen(&c->out, argv[i], lens[i]);
        sbuf_catlen(&c->out, "\r\n", 2);
    }
}

int cli_conn_flush(struct cli_conn *c)
{
    if (c->err)
        return -1;
    size_t done = 0;
    while (done < c->out.len) {
        /* MSG_NOSIGNAL: a server gone away is an error to report, not a SIGPIPE death. */
        ssize_t n = send(c->fd, c->out.data + done, c->out.len - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return cli_conn_fail(c, CLI_CONN_ERR_IO, strerror(errno));
        done += (size_t)n;
    }
    c->out.len = 0;
    return 0;
}

/* Reads what the socket has into the reader; -1 on error or end of stream. */
static int cli_conn_fill(struct cli_conn *c)
{
    char buf[16384];
    for (;;) {
        ssize_t n = read(c->fd, buf, sizeof buf);
        if (n > 0) {
            cli_reader_feed(&c->reader, buf, (size_t)n);
            return 0;
        }
        if (n == 0)
            return cli_conn_fail(c, CLI_CONN_ERR_EOF, "Server closed the connection");
        if (errno != EINTR)
            return cli_conn_fail(c, CLI_CONN_ERR_IO, strerror(errno));
    }
}

int cli_conn_read_reply(struct cli_conn *c, struct cli_reply **out)
{
    if (c->fd < 0)
        return cli_conn_fail(c, CLI_CONN_ERR_IO, "Not connected");
    if (cli_conn_flush(c) < 0)
        return -1;
    for (;;) {
        enum cli_reader_status st = cli_reader_next(&c->reader, out);
        if (st == CLI_READER_DONE)
            return 0;
        if (st == CLI_READER_ERROR)
            return cli_conn_fail(c, CLI_CONN_ERR_PROTOCOL, c->reader.error);
        if (cli_conn_fill(c) < 0)
            return -1;
    }
}

struct cli_reply *cli_conn_call(struct cli_conn *c, int argc, const char *const *argv)
{
    size_t lens[argc];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    cli_conn_append(c, argc, (char *const *)argv, lens);
    struct cli_reply *reply = NULL;
    return cli_conn_read_reply(c, &reply) == 0 ? reply : NULL;
}

ssize_t cli_conn_read_line(struct cli_conn *c, char *buf, size_t size)
{
    struct cli_reader *r = &c->reader;
    for (;;) {
        const char *start = r->buf + r->pos;
        size_t avail = r->len - r->pos;
        const char *nl = avail ? memchr(start, '\n', avail) : NULL;
        size_t n = nl ? (size_t)(nl - start) : avail;
        if (n >= size)
            return cli_conn_fail(c, CLI_CONN_ERR_PROTOCOL, "Protocol error: too big line");
        if (nl) {
            memcpy(buf, start, n);
            buf[n] = '\0';
            r->pos += n + 1;
            return (ssize_t)n;
        }
        if (cli_conn_fill(c) < 0)
            return -1;
    }
}

ssize_t cli_conn_read_bytes(struct cli_conn *c, char *buf, size_t n)
{
    struct cli_reader *r = &c->reader;
    if (r->pos < r->len) {
        size_t take = r->len - r->pos < n ? r->len - r->pos : n;
        memcpy(buf, r->buf + r->pos, take);
        r->pos += take;
        return (ssize_t)take;
    }
    ssize_t got;
    do
        got = read(c->fd, buf, n);
    while (got < 0 && errno == EINTR);
    return got;
}
