/* The probe table: which BPF function attaches to which syscall tracepoint. */
#ifndef ST_PROBES_H
#define ST_PROBES_H

#include <stdbool.h>

#define PROBES_MAX 64

struct probe {
	char function[48];   /* BPF function, "enter_connect" */
	char tracepoint[48]; /* in category syscalls, "sys_enter_connect" */
	int prog_fd;
	int event_fd;        /* perf event of the attachment */
};

struct probe_set {
	struct probe probes[PROBES_MAX];
	int count;
};

/* Loads and attaches the connection probes, and the data probes when
 * with_data. On failure prints which probe and why, detaches what was
 * attached and returns a negative errno. */
int probes_attach(void *module, bool with_data, bool verbose, struct probe_set *set);

/* Detaches and closes everything probes_attach made. */
void probes_detach(struct probe_set *set);

#endif
