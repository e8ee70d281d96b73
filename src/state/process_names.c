#include "state/process_names.h"

#include <bcc/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void process_names_init(struct process_names *names)
{
	memset(names->slots, 0, sizeof(names->slots));
	names->read_live = NULL;
	names->live_ctx = NULL;
}

static struct process_name *slot_of(struct process_names *names, uint32_t pid)
{
	return &names->slots[pid & (PROCESS_NAMES_SLOTS - 1)];
}

static void slot_set(struct process_name *slot, uint32_t pid, const uint8_t *name)
{
	slot->pid = pid;
	memcpy(slot->name, name, ST_COMM_LEN);
}

void process_names_of(struct process_names *names, uint32_t pid, uint32_t tid,
		      const uint8_t *comm, uint8_t out[ST_COMM_LEN])
{
	struct process_name *slot = slot_of(names, pid);

	if (pid == tid) {
		/* The main thread's comm is the process's name, kept true
		 * through execs and renames. */
		slot_set(slot, pid, comm);
		memcpy(out, comm, ST_COMM_LEN);
		return;
	}
	if (slot->pid != pid) {
		uint8_t read[ST_COMM_LEN];

		/* One nobody can name keeps its thread's comm, and is not
		 * asked again. */
		if (!names->read_live || names->read_live(names->live_ctx, pid, read))
			memcpy(read, comm, ST_COMM_LEN);
		slot_set(slot, pid, read);
	}
	memcpy(out, slot->name, ST_COMM_LEN);
}

void process_names_forget(struct process_names *names, uint32_t pid)
{
	struct process_name *slot = slot_of(names, pid);

	if (slot->pid == pid)
		slot->pid = 0;
}

static int process_name_read_proc(uint32_t pid, uint8_t name[ST_COMM_LEN])
{
	char path[32];
	char text[ST_COMM_LEN + 1];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len <= 0)
		return len < 0 ? -errno : -ENOENT;
	if (text[len - 1] == '\n')
		len--;
	memset(name, 0, ST_COMM_LEN);
	memcpy(name, text, (size_t)len < ST_COMM_LEN - 1 ? (size_t)len : ST_COMM_LEN - 1);
	return 0;
}

int process_name_read_live(void *ctx, uint32_t pid, uint8_t name[ST_COMM_LEN])
{
	const int *comms_fd = ctx;
	struct st_process_comm at_exec;

	if (!process_name_read_proc(pid, name))
		return 0;
	if (bpf_lookup_elem(*comms_fd, &pid, &at_exec))
		return -errno;
	memcpy(name, at_exec.comm, ST_COMM_LEN);
	return 0;
}
