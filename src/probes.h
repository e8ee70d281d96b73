/* The probe table: which BPF function attaches to which syscall tracepoint. */
#ifndef ST_PROBES_H
#define ST_PROBES_H

#include <stdbool.h>

#define PROBES_MAX 64

struct probe {
	char function[48];   /* BPF function, "enter_connect" */
	char tracepoint[48]; /* in category syscalls, "sys_enter_connect" */
	int prog_fd;
	int event_fd;        /* perf event of the attachment; -1 until attached */
};

struct probe_set {
	struct probe probes[PROBES_MAX];
	int count;
};

struct bcc_compiler;

/* Loads the connection probes, and the data probes when with_data, from the
 * module bcc compiled. On failure prints which probe and why (with the end
 * of the verifier's log), closes what was loaded and returns a negative
 * errno. */
int probes_load(const struct bcc_compiler *bcc, void *module, bool with_data,
		struct probe_set *set);

/* Attaches every loaded probe to its tracepoint. On failure prints which
 * and why, detaches and closes everything, returns a negative errno. */
int probes_attach(struct probe_set *set, bool verbose);

/* Detaches and closes everything probes_load and probes_attach made. */
void probes_detach(struct probe_set *set);

#endif
