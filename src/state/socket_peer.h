/* The peer of another process's socket, asked of the kernel through a copy
 * of its fd (pidfd_getfd, Linux 5.6; root may copy any process's fds). */
#ifndef ST_SOCKET_PEER_H
#define ST_SOCKET_PEER_H

#include <stddef.h>
#include <stdint.h>

/* Formats the peer of socket fd copy into text. Returns 0, or a negative
 * errno (-ENOTCONN: it has none). */
int socket_peer_of_copy(int copy, char *text, size_t size);

/* The peer of fd in process pid, if that fd is still a socket of the given
 * family (AF_*) and, when not 0, type (SOCK_*): an fd closed and reused
 * since the event that asks is then not taken for it. Returns 0 or a
 * negative errno. */
int socket_peer_of(uint32_t pid, int32_t fd, int family, int type, char *text, size_t size);

/* The local address of fd in process pid (getsockname), formatted as
 * socket_peer_of formats a peer, checked as it does. Returns 0 or a
 * negative errno. */
int socket_local_of(uint32_t pid, int32_t fd, int family, int type, char *text, size_t size);

/* The local port of fd in process pid, checked as socket_peer_of does.
 * Returns 0 or a negative errno. */
int socket_local_port_of(uint32_t pid, int32_t fd, int family, int type, uint16_t *port);

#endif
