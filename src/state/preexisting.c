#define _GNU_SOURCE
#include "state/preexisting.h"

#include <bcc/libbpf.h>
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "events/format.h"
#include "state/socket_peer.h"

static bool process_selected(const struct options *opts, uint32_t pid)
{
	char path[64];
	char comm[32] = "";
	FILE *file;
	bool pid_ok = !opts->n_pids;
	bool comm_ok = !opts->n_comms;

	for (int i = 0; i < opts->n_pids; i++)
		pid_ok |= opts->pids[i] == pid;
	if (!pid_ok)
		return false;
	if (comm_ok)
		return true;
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	file = fopen(path, "r");
	if (!file)
		return false;
	if (fgets(comm, sizeof(comm), file))
		comm[strcspn(comm, "\n")] = '\0';
	fclose(file);
	for (int i = 0; i < opts->n_comms; i++)
		comm_ok |= !strcmp(opts->comms[i], comm);
	return comm_ok;
}

/* Describes one socket through a duplicate of the traced process's fd. */
static int socket_enter(int pidfd, uint32_t pid, int fd, int socks_fd, struct conn_table *conns)
{
	int domain = 0, type = 0, listening = 0;
	socklen_t len = sizeof(int);
	char remote[ADDR_TEXT_MAX];
	int copy = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	int err = 0;

	if (copy < 0)
		return -errno;
	if (getsockopt(copy, SOL_SOCKET, SO_DOMAIN, &domain, &len) ||
	    getsockopt(copy, SOL_SOCKET, SO_TYPE, &type, &len) ||
	    getsockopt(copy, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) ||
	    (domain != AF_INET && domain != AF_INET6 && domain != AF_UNIX)) {
		err = -ENOTSOCK;
		goto close_copy;
	}

	struct st_sock sock = {
		.open_ts_ns = clock_monotonic_ns(),
		.family = domain,
		.sock_type = type,
		/* A listener carries no data: known only so accept learns its type. */
		.flags = listening ? 0 : ST_SOCK_PREEXISTING | ST_SOCK_REPORTED,
	};
	__u64 key = ((__u64)pid << 32) | (uint32_t)fd;
	if (bpf_update_elem(socks_fd, &key, &sock, BPF_NOEXIST)) {
		err = -errno;
		goto close_copy;
	}
	if (!listening && !socket_peer_of_copy(copy, remote, sizeof(remote)))
		conn_table_set_remote(conns, pid, fd, remote);

close_copy:
	close(copy);
	return err;
}

static int process_scan(uint32_t pid, int socks_fd, struct conn_table *conns)
{
	char path[64];
	struct dirent *entry;
	DIR *fds;
	int pidfd;
	int entered = 0;

	snprintf(path, sizeof(path), "/proc/%u/fd", pid);
	fds = opendir(path);
	if (!fds)
		return 0;
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		closedir(fds);
		return 0;
	}
	while ((entry = readdir(fds))) {
		char link[PATH_MAX];
		char target[64];
		ssize_t n;

		if (!isdigit((unsigned char)entry->d_name[0]))
			continue;
		snprintf(link, sizeof(link), "%s/%s", path, entry->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strncmp(target, "socket:[", 8))
			continue;
		if (!socket_enter(pidfd, pid, atoi(entry->d_name), socks_fd, conns))
			entered++;
	}
	close(pidfd);
	closedir(fds);
	return entered;
}

int preexisting_scan(const struct options *opts, int socks_fd, struct conn_table *conns)
{
	uint32_t self = getpid();
	struct dirent *entry;
	DIR *proc = opendir("/proc");
	int entered = 0;

	if (!proc)
		return 0;
	while ((entry = readdir(proc))) {
		char *end;
		unsigned long pid = strtoul(entry->d_name, &end, 10);

		if (*end || !pid || pid == self || !process_selected(opts, pid))
			continue;
		entered += process_scan(pid, socks_fd, conns);
	}
	closedir(proc);
	return entered;
}
