#include "state/process_names.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void process_names_init(struct process_names *names)
{
	memset(names->slots, 0, sizeof(names->slots));
	names->read_live = NULL;
	pthread_mutex_init(&names->lock, NULL);
}

void process_names_free(struct process_names *names)
{
	pthread_mutex_destroy(&names->lock);
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

void process_names_learn(struct process_names *names, uint32_t pid, const uint8_t *name)
{
	struct process_name *slot = slot_of(names, pid);

	pthread_mutex_lock(&names->lock);
	slot_set(slot, pid, name);
	pthread_mutex_unlock(&names->lock);
}

void process_names_of(struct process_names *names, uint32_t pid, uint32_t tid,
		      const uint8_t *comm, uint8_t out[ST_COMM_LEN])
{
	struct process_name *slot = slot_of(names, pid);
	uint8_t read[ST_COMM_LEN];
	bool known;

	pthread_mutex_lock(&names->lock);
	if (pid == tid) {
		/* The main thread's comm is the process's name, kept true
		 * through execs and renames. */
		slot_set(slot, pid, comm);
		pthread_mutex_unlock(&names->lock);
		memcpy(out, comm, ST_COMM_LEN);
		return;
	}
	known = slot->pid == pid;
	if (known)
		memcpy(out, slot->name, ST_COMM_LEN);
	pthread_mutex_unlock(&names->lock);
	if (known)
		return;
	/* A process gone before it was asked keeps its thread's comm, and is
	 * not asked again. */
	if (!names->read_live || names->read_live(pid, read))
		memcpy(read, comm, ST_COMM_LEN);
	process_names_learn(names, pid, read);
	memcpy(out, read, ST_COMM_LEN);
}

void process_names_forget(struct process_names *names, uint32_t pid)
{
	struct process_name *slot = slot_of(names, pid);

	pthread_mutex_lock(&names->lock);
	if (slot->pid == pid)
		slot->pid = 0;
	pthread_mutex_unlock(&names->lock);
}

int process_name_read_proc(uint32_t pid, uint8_t name[ST_COMM_LEN])
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
