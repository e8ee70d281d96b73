/* Attaching BPF programs to offsets of a file as uprobes: one uprobe_multi
 * link per program (Linux 6.6) where the program was loaded for them, else
 * a perf event per offset, and detaching them again. */
#ifndef ST_UPROBE_LINKS_H
#define ST_UPROBE_LINKS_H

#include <stdbool.h>
#include <stdint.h>

#include "loader/probes.h"

/* Attachments held at most. */
#define UPROBE_LINKS_MAX 4096
/* Offsets of one program in one file at most (an entry and the RETs of a
 * Go function, say). */
#define UPROBE_GROUP_OFFSETS_MAX 132

/* The uprobes a file gets, by program: attached together once all are
 * found. */
struct uprobe_group {
	const char *program; /* a uprobe program of the probe set */
	bool retprobe;
	uint32_t count;
	uint64_t offsets[UPROBE_GROUP_OFFSETS_MAX];
};

struct uprobe_plan {
	struct uprobe_group groups[8];
	int count;
};

/* An attachment: a uprobe_multi link (one program, many offsets of a
 * file), or one uprobe's perf event. */
struct uprobe_link {
	int fd;
	bool perf_event;
};

struct uprobe_links {
	struct uprobe_link links[UPROBE_LINKS_MAX];
	uint32_t count;
};

/* Adds a uprobe at a file offset to the plan. Returns 0 or -E2BIG. */
int uprobe_plan_add(struct uprobe_plan *plan, const char *program, bool retprobe,
		    uint64_t offset);

/* Attaches the plan's uprobes to the file open as fd, for process pid
 * (-1: every process mapping the file), all of them or none. Returns the
 * uprobes attached, or a negative errno. */
int uprobe_links_attach(struct uprobe_links *links, const struct probe_set *programs,
			const struct uprobe_plan *plan, int fd, int pid);

/* Detaches everything attached. */
void uprobe_links_close(struct uprobe_links *links);

#endif
