#define _GNU_SOURCE
#include "state/socket_peer.h"

#include <errno.h>
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

int socket_peer_of(uint32_t pid, int32_t fd, int family, int type, char *text, size_t size)
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
	    (type && sock_type != type))
		err = -ESTALE;
	else
		err = socket_peer_of_copy(copy, text, size);
	close(copy);
	return err;
}
