#include "sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int sock_fail(char *err, const char *what)
{
    if (err)
        snprintf(err, SOCK_ERR_LEN, "%s: %s", what, strerror(errno));
    return -1;
}

int sock_set_nonblock(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -1;
    return 0;
}

int sock_set_nodelay(int fd)
{
    int yes = 1;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
}

int sock_set_keepalive(int fd, int interval)
{
    int yes = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof yes) < 0)
        return -1;
    /* Probe after `interval` idle seconds, then every third of it, three times, so a dead
     * peer is noticed after about twice the interval (as Redis configures it). */
    int idle = interval, intvl = interval / 3 > 0 ? interval / 3 : 1, cnt = 3;
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
    return 0;
}

int sock_listen_tcp(const char *addr, int port, int backlog, char *err)
{
    struct addrinfo hints = {0}, *res, *ai;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    hints.ai_family = strchr(addr, ':') ? AF_INET6 : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int rc = getaddrinfo(addr, portstr, &hints, &res);
    if (rc != 0) {
        if (err)
            snprintf(err, SOCK_ERR_LEN, "%s", gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
            continue;
        int yes = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        if (ai->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof yes);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0)
            break;
        sock_fail(err, "bind");
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

int sock_listen_unix(const char *path, unsigned perm, int backlog, char *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        if (err)
            snprintf(err, SOCK_ERR_LEN, "unix socket path too long");
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return sock_fail(err, "socket");
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, backlog) < 0) {
        sock_fail(err, "bind");
        close(fd);
        return -1;
    }
    if (perm)
        chmod(path, (mode_t)perm);
    return fd;
}

int sock_accept(int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && errno == EINTR)
            continue;
        return fd;
    }
}

void sock_format_addr(int fd, int local, char *buf, size_t len)
{
    struct sockaddr_storage sa;
    socklen_t salen = sizeof sa;
    int rc = local ? getsockname(fd, (struct sockaddr *)&sa, &salen)
                   : getpeername(fd, (struct sockaddr *)&sa, &salen);
    if (rc < 0) {
        snprintf(buf, len, "?:0");
        return;
    }
    char ip[INET6_ADDRSTRLEN];
    if (sa.ss_family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&sa;
        inet_ntop(AF_INET, &s->sin_addr, ip, sizeof ip);
        snprintf(buf, len, "%s:%d", ip, ntohs(s->sin_port));
    } else if (sa.ss_family == AF_INET6) {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&sa;
        inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof ip);
        snprintf(buf, len, "%s:%d", ip, ntohs(s->sin6_port));
    } else {
        struct sockaddr_un *s = (struct sockaddr_un *)&sa;
        snprintf(buf, len, "%s:0", salen > sizeof(sa_family_t) ? s->sun_path : "");
    }
}

int sock_peer_is_local(int fd)
{
    struct sockaddr_storage sa;
    socklen_t salen = sizeof sa;
    if (getpeername(fd, (struct sockaddr *)&sa, &salen) < 0)
        return 0;
    if (sa.ss_family == AF_UNIX)
        return 1;
    if (sa.ss_family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&sa;
        return (ntohl(s->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa.ss_family == AF_INET6) {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&sa;
        if (IN6_IS_ADDR_LOOPBACK(&s->sin6_addr))
            return 1;
        if (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr))
            return s->sin6_addr.s6_addr[12] == 127;
    }
    return 0;
}

int sock_connect_tcp(const char *host, int port, char *err)
{
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res;
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        snprintf(err, SOCK_ERR_LEN, "%s", gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS)
            break;
        close(fd);
        fd = -1;
    }
    if (fd < 0)
        snprintf(err, SOCK_ERR_LEN, "%s", strerror(errno));
    freeaddrinfo(res);
    return fd;
}
