/* sock: thin wrappers over the BSD socket calls the server needs. They return a descriptor
 * or 0 on success, and -1 with a message in err (SOCK_ERR_LEN bytes) on failure. */
#ifndef FERRITE_SOCK_H
#define FERRITE_SOCK_H

#include <stddef.h>

#define SOCK_ERR_LEN 256
/* "[ipv6]:port" plus NUL fits in this. */
#define SOCK_ADDR_LEN 64

/* Listens on addr:port (IPv4 or IPv6 literal, or a host name), non-blocking. */
int sock_listen_tcp(const char *addr, int port, int backlog, char *err);
/* Listens on a Unix socket path with the given permissions (0: leave the umask's). */
int sock_listen_unix(const char *path, unsigned perm, int backlog, char *err);
/* Starts a non-blocking connection to host:port; the descriptor becomes writable when it
 * is established or failed (then SO_ERROR tells which). */
int sock_connect_tcp(const char *host, int port, char *err);
/* Accepts one connection, non-blocking and close-on-exec; -1 with errno (EAGAIN: none). */
int sock_accept(int lfd);
int sock_set_nonblock(int fd);
int sock_set_nodelay(int fd);
/* Enables keepalive probes starting after `interval` seconds idle. */
int sock_set_keepalive(int fd, int interval);
/* Formats the peer (or, with local=1, the local) address as "ip:port" or "path:0". */
void sock_format_addr(int fd, int local, char *buf, size_t len);
/* Non-zero if the peer is a loopback address or a Unix socket. */
int sock_peer_is_local(int fd);
#endif
