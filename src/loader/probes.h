/* The probe table: which BPF function attaches to which tracepoint, and
 * the uprobe programs that src/uprobes/ attaches to TLS libraries. */
#ifndef ST_PROBES_H
#define ST_PROBES_H

#include <stdbool.h>

#define PROBES_MAX 64

struct probe {
	char function[48];   /* BPF function, "exit_connect" */
	char category[16];   /* tracepoint category, "syscalls" or "sock"; "" for a uprobe program */
	char tracepoint[48]; /* "sys_exit_connect"; "" for a uprobe program */
	int prog_fd;
	int event_fd;        /* perf event of the attachment; -1 until attached */
	bool uprobe_multi;   /* a uprobe program loaded for BPF_TRACE_UPROBE_MULTI links */
};

/* BPF_TRACE_UPROBE_MULTI (Linux 6.6), which the UAPI headers of the
 * libraries built against may not have. */
#define PROBES_ATTACH_UPROBE_MULTI 48

struct probe_set {
	struct probe probes[PROBES_MAX];
	int count;
};

struct bcc_compiler;

/* Loads every probe from the module bcc compiled, the sock tracepoints'
 * only when sock_io (the kernel has them), the TLS capture's (uprobe
 * programs, and the exec and mmap tracepoints that find new code to probe)
 * only when tls. On failure prints which probe and why (with the end of
 * the verifier's log), closes what was loaded and returns a negative
 * errno. */
int probes_load(const struct bcc_compiler *bcc, void *module, bool sock_io, bool tls,
		struct probe_set *set);

/* The program fd of a loaded uprobe program, and whether it was loaded
 * for uprobe_multi links (else it attaches through a perf event per
 * probe); -1 when not loaded. */
int probes_uprobe_program(const struct probe_set *set, const char *function, bool *multi);

/* Attaches every loaded tracepoint probe (uprobe programs are attached
 * per file by src/uprobes/). On failure prints which and why, detaches
 * and closes everything, returns a negative errno. */
int probes_attach(struct probe_set *set, bool verbose);

/* Tracepoint probes attached (uprobes are attached per file, later). */
int probes_attached(const struct probe_set *set);

/* Detaches and closes everything probes_load and probes_attach made. */
void probes_detach(struct probe_set *set);

#endif
