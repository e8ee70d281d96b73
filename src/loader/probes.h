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

struct probes_load_config {
	bool sock_io;         /* load the sock tracepoints' probes (the kernel has them) */
	bool tls;             /* load the TLS capture's */
	bool verbose;         /* a refusal also prints the end of the verifier's log */
	const char *bpf_file; /* --bpf FILE, named in a refusal's FILE:LINE; NULL if embedded */
};

/* Loads every probe from the module bcc compiled, the sock tracepoints'
 * only when config->sock_io, the TLS capture's (uprobe programs, and the
 * exec and mmap tracepoints that find new code to probe) only when
 * config->tls. On failure prints which probe and why in one line (the
 * verifier's reason, and its FILE:LINE when the program has line info),
 * closes what was loaded and returns a negative errno. */
int probes_load(const struct bcc_compiler *bcc, void *module,
		const struct probes_load_config *config, struct probe_set *set);

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
