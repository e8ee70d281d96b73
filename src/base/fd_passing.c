#include "base/fd_passing.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

union fd_control {
	struct cmsghdr header;
	char room[CMSG_SPACE(sizeof(int) * FD_PASSING_MAX)];
};

int fds_send(int sock, const void *data, size_t len, const int *fds, int n_fds)
{
	union fd_control control;
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (n_fds < 0 || n_fds > FD_PASSING_MAX)
		return -EINVAL;
	if (n_fds) {
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.room;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * n_fds);
	}
	for (;;) {
		ssize_t sent = sendmsg(sock, &msg, MSG_NOSIGNAL);
		if (sent == (ssize_t)len)
			return 0;
		if (sent >= 0)
			return -EMSGSIZE;
		if (errno != EINTR)
			return -errno;
	}
}

static void fds_close(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

int fds_receive(int sock, void *data, size_t len, int *fds, int max_fds)
{
	union fd_control control;
	struct iovec iov = { .iov_base = data, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.room,
		.msg_controllen = sizeof(control.room),
	};
	bool too_many = false;
	ssize_t got;
	int n = 0;

	do
		got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -errno;
	for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		int count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int received[FD_PASSING_MAX];
		memcpy(received, CMSG_DATA(cmsg), sizeof(int) * count);
		for (int i = 0; i < count; i++) {
			if (n < max_fds) {
				fds[n++] = received[i];
			} else {
				close(received[i]);
				too_many = true;
			}
		}
	}
	if (got == 0 && n == 0)
		return -EPIPE;
	if ((size_t)got != len || too_many || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		fds_close(fds, n);
		return -EBADMSG;
	}
	return n;
}
