/* Compiling the BPF program with libbcc, filling its filter maps and
 * attaching its probes. */
#ifndef ST_BPF_PROGRAM_H
#define ST_BPF_PROGRAM_H

#include <signal.h>

#include "loader/kernel_headers.h"
#include "events/socket_tracer_abi.h"
#include "options.h"
#include "loader/probes.h"

struct bpf_program {
	int events_fd; /* "events": perf event array, or ring buffer */
	int socks_fd;  /* hash "socks" (struct st_sock by tgid<<32|fd) */
	int submit_failures_fd; /* per-CPU array "submit_failures" */
	int table_full_fd; /* per-CPU array "table_full" */
	int tls_counts_fd; /* per-CPU array "tls_counts" */
	int exec_events_fd; /* ring buffer "exec_events" (struct st_exec_event) */
	int process_comms_fd; /* LRU hash "process_comms": tgid -> comm at exec */
	int nr_cpus;   /* possible CPUs: values of a per-CPU map */
	struct probe_set probes;
};

/* Compiles text (from bpf_source_compose) and loads it, without attaching;
 * with config->ring_pages (> 0, a power of two) events is a ring buffer of
 * that many pages, else a perf event array. Without config->sock_io, data
 * is traced on the sockets known from their socket(), connect() or
 * accept() and the startup scan only. bcc compiles in a child process,
 * confined to the include directories we name, which sends back the map
 * and program fds and exits: LLVM and clang are never mapped in the
 * tracer. Once *stop is set the compile is killed. Returns 0, -EINTR after
 * a stop (nothing printed), or a negative errno after printing why. */
struct bpf_program_config {
	const struct kernel_headers *headers;
	int nr_cpus;    /* possible CPUs */
	int ring_pages; /* > 0: events is a ring buffer of that many pages */
	bool sock_io;   /* the kernel has the sock I/O tracepoints */
	bool tls;       /* load the TLS capture's programs (not --no-tls) */
};

int bpf_program_load(const struct options *opts, const char *text,
		     const struct bpf_program_config *config, const volatile sig_atomic_t *stop,
		     struct bpf_program *program);

/* Attaches the loaded probes: events flow from here on, so the perf
 * buffers (or the ring buffer) must be open first. Returns 0 or a negative
 * errno. */
int bpf_program_attach(struct bpf_program *program, bool verbose);

/* Events the kernel refused to the BPF program, summed over CPUs, by enum
 * st_submit_failure. Zeros when the map cannot be read. */
void bpf_program_submit_failures(const struct bpf_program *program,
				 uint64_t failures[ST_SUBMIT_NR]);

/* Entries the BPF tables refused, summed over CPUs, by enum
 * st_table_full. Zeros when the map cannot be read. */
void bpf_program_table_full(const struct bpf_program *program, uint64_t refused[ST_FULL_NR]);

/* The TLS capture's counters, summed over CPUs, by enum st_tls_count.
 * Zeros when the map cannot be read. */
void bpf_program_tls_counts(const struct bpf_program *program, uint64_t counts[ST_TLS_COUNT_NR]);

/* Detaches every probe and closes every fd. */
void bpf_program_unload(struct bpf_program *program);

#endif
