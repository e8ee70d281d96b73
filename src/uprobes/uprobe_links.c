#include "uprobes/uprobe_links.h"

#include <bcc/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The BPF_LINK_CREATE attributes of a uprobe_multi link (union bpf_attr's
 * link_create, Linux 6.6), which the UAPI headers built against may lack. */
struct uprobe_multi_attr {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint64_t path;
	uint64_t offsets;
	uint64_t ref_ctr_offsets;
	uint64_t cookies;
	uint32_t cnt;
	uint32_t multi_flags; /* BPF_F_UPROBE_MULTI_RETURN */
	uint32_t pid;
	uint32_t pad;
};
#define UPROBE_MULTI_RETURN 1u
#define BPF_CMD_LINK_CREATE 28

int uprobe_plan_add(struct uprobe_plan *plan, const char *program, bool retprobe,
		    uint64_t offset)
{
	struct uprobe_group *group = NULL;

	for (int i = 0; i < plan->count && !group; i++)
		if (!strcmp(plan->groups[i].program, program) && plan->groups[i].retprobe == retprobe)
			group = &plan->groups[i];
	if (!group) {
		if (plan->count == (int)(sizeof(plan->groups) / sizeof(plan->groups[0])))
			return -E2BIG;
		group = &plan->groups[plan->count++];
		*group = (struct uprobe_group){ .program = program, .retprobe = retprobe };
	}
	if (group->count == UPROBE_GROUP_OFFSETS_MAX)
		return -E2BIG;
	group->offsets[group->count++] = offset;
	return 0;
}

static void *link_close(void *arg)
{
	const struct uprobe_link *link = arg;

	if (link->perf_event)
		bpf_close_perf_event_fd(link->fd);
	else
		close(link->fd);
	return NULL;
}

/* Detaches the links from first on: a file probed only in part would
 * see entries without returns, or returns without entries. */
static void links_drop(struct uprobe_links *links, uint32_t first)
{
	while (links->count > first)
		link_close(&links->links[--links->count]);
}

static int link_add(struct uprobe_links *links, int fd, bool perf_event)
{
	struct uprobe_link link = { .fd = fd, .perf_event = perf_event };

	if (links->count == UPROBE_LINKS_MAX) {
		link_close(&link);
		return -ENOSPC;
	}
	links->links[links->count++] = link;
	return 0;
}

static int group_attach_multi(struct uprobe_links *links, int prog_fd,
			      const struct uprobe_group *group, const char *path, int pid)
{
	struct uprobe_multi_attr attr = {
		.prog_fd = (uint32_t)prog_fd,
		.attach_type = PROBES_ATTACH_UPROBE_MULTI,
		.path = (uintptr_t)path,
		.offsets = (uintptr_t)group->offsets,
		.cnt = group->count,
		.multi_flags = group->retprobe ? UPROBE_MULTI_RETURN : 0,
		.pid = pid > 0 ? (uint32_t)pid : 0,
	};
	long fd = syscall(__NR_bpf, BPF_CMD_LINK_CREATE, &attr, sizeof(attr));

	if (fd < 0)
		return -errno;
	return link_add(links, (int)fd, false);
}

/* When the perf PMU refuses a uprobe, bcc tries a tracefs uprobe event
 * and leaves it behind if that fails too: removed, under the name bcc
 * gave it. */
static void tracefs_event_remove(const char *event_name)
{
	char line[128];
	int fd = open("/sys/kernel/tracing/uprobe_events", O_WRONLY | O_APPEND | O_CLOEXEC);

	if (fd < 0)
		return;
	snprintf(line, sizeof(line), "-:uprobes/%s_bcc_%d\n", event_name, (int)getpid());
	/* refused when there is no such event: nothing was left then */
	ssize_t written = write(fd, line, strlen(line));
	(void)written;
	close(fd);
}

static int group_attach_each(struct uprobe_links *links, int prog_fd,
			     const struct uprobe_group *group, const char *path, int pid)
{
	for (uint32_t i = 0; i < group->count; i++) {
		char event_name[64];
		int fd, err;

		/* Only used if bcc falls back to tracefs uprobe events. */
		snprintf(event_name, sizeof(event_name), "st_%d_%" PRIx64, (int)getpid(),
			 group->offsets[i]);
		fd = bpf_attach_uprobe(prog_fd, group->retprobe ? BPF_PROBE_RETURN : BPF_PROBE_ENTRY,
				       event_name, path, group->offsets[i], pid, 0);
		if (fd < 0) {
			err = errno ? -errno : -EINVAL;
			tracefs_event_remove(event_name);
			return err;
		}
		err = link_add(links, fd, true);
		if (err)
			return err;
	}
	return 0;
}

int uprobe_links_attach(struct uprobe_links *links, const struct probe_set *programs,
			const struct uprobe_plan *plan, int fd, int pid)
{
	uint32_t first = links->count;
	int uprobes = 0;
	char path[32];
	int err = 0;

	/* The fd this process holds: the very file examined, whatever its
	 * path names now, in whichever mount namespace. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	for (int i = 0; i < plan->count && !err; i++) {
		const struct uprobe_group *group = &plan->groups[i];
		bool multi = false;
		int prog_fd = probes_uprobe_program(programs, group->program, &multi);

		if (prog_fd < 0)
			err = -ENOENT;
		else if (multi)
			err = group_attach_multi(links, prog_fd, group, path, pid);
		else
			err = group_attach_each(links, prog_fd, group, path, pid);
		uprobes += (int)group->count;
	}
	if (err) {
		links_drop(links, first);
		return err;
	}
	return uprobes;
}

void uprobe_links_close(struct uprobe_links *links)
{
	enum { GROUP = 64 };

	/* Detaching a uprobe waits for an RCU grace period (about 100 ms
	 * here), one after the other whatever the threads: a uprobe_multi
	 * link waits once for all its uprobes. Closed from a thread each, in
	 * groups, they share what waits can be shared. */
	for (uint32_t start = 0; start < links->count; start += GROUP) {
		pthread_t threads[GROUP];
		bool started[GROUP] = { false };
		uint32_t n = links->count - start < GROUP ? links->count - start : GROUP;

		for (uint32_t i = 0; i < n; i++)
			started[i] = !pthread_create(&threads[i], NULL, link_close,
						     &links->links[start + i]);
		for (uint32_t i = 0; i < n; i++) {
			if (started[i])
				pthread_join(threads[i], NULL);
			else
				link_close(&links->links[start + i]);
		}
	}
	links->count = 0;
}
