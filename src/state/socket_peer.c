#define _GNU_SOURCE
#include "state/socket_peer.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "events/format.h"

int socket_peer_of_copy(int copy, char *text, size_t size)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);

	if (getpeername(copy, (struct sockaddr *)&peer, &len))
		return -errno;
	return format_sockaddr((const uint8_t *)&peer, len, text, size);
}

/* A copy of fd in process pid, if that fd is still a socket of the given
 * family (AF_*) and, when not 0, type (SOCK_*): an fd closed and reused
 * since the event that asks is then not taken for it. Returns the copy or
 * a negative errno. */
static int socket_copy_of(uint32_t pid, int32_t fd, int family, int type)
{
	int domain = 0, sock_type = 0;
	socklen_t len = sizeof(int);
	int pidfd = syscall(SYS_pidfd_open, (pid_t)pid, 0);
	int copy;
	int err;

	if (pidfd < 0)
		return -errno;
	copy = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	err = copy < 0 ? -errno : 0;
	close(pidfd);
	if (err)
		return err;
	if (getsockopt(copy, SOL_SOCKET, SO_DOMAIN, &domain, &len) ||
	    getsockopt(copy, SOL_SOCKET, SO_TYPE, &sock_type, &len) || domain != family ||
	    (type && sock_type != type)) {
		close(copy);
		return -ESTALE;
	}
	return copy;
}

int socket_peer_of(uint32_t pid, int32_t fd, int family, int type, char *text, size_t size)
{
	int copy = socket_copy_of(pid, fd, family, type);
	int err;

	if (copy < 0)
		return copy;
	err = socket_peer_of_copy(copy, text, size);
	close(copy);
	return err;
}

int socket_local_of(uint32_t pid, int32_t fd, int family, int type, char *text, size_t size)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	int copy = socket_copy_of(pid, fd, family, type);
	int err;

	if (copy < 0)
		return copy;
	err = getsockname(copy, (struct sockaddr *)&local, &len)
		      ? -errno
		      : format_sockaddr((const uint8_t *)&local, len, text, size);
	close(copy);
	return err;
}

int socket_local_port_of(uint32_t pid, int32_t fd, int family, int type, uint16_t *port)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	int copy = socket_copy_of(pid, fd, family, type);
	int err = 0;

	if (copy < 0)
		return copy;
	if (getsockname(copy, (struct sockaddr *)&local, &len))
		err = -errno;
	else if (local.ss_family == AF_INET)
		*port = ntohs(((struct sockaddr_in *)&local)->sin_port);
	else if (local.ss_family == AF_INET6)
		*port = ntohs(((struct sockaddr_in6 *)&local)->sin6_port);
	else
		err = -EAFNOSUPPORT;
	close(copy);
	return err;
}
