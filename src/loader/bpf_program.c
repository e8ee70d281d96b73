#include "loader/bpf_program.h"

#include <bcc/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loader/bcc_compiler.h"
#include "loader/compile_includes.h"
#include "base/cpus.h"
#include "base/fd_passing.h"
#include "loader/kallsyms_stand_in.h"
#include "base/log.h"
#include "events/socket_tracer_abi.h"

#define CFLAGS_MAX (OPTIONS_MAX_DEFINES + 20)
#define CFLAG_LEN KERNEL_HEADERS_CFLAG_LEN
_Static_assert(sizeof("-D") + OPTIONS_DEFINE_LEN_MAX <= CFLAG_LEN,
	       "a -D that options_parse accepts fits in a compile flag");
/* How soon a stop request ends a compile that is still running. */
#define COMPILE_STOP_CHECK_MS 100

static int cflags_build(const struct options *opts, const struct bpf_program_config *config,
			char flags[][CFLAG_LEN])
{
	int n = kernel_headers_cflags(config->headers, flags, 8);

	/* bcc adds -g to build BTF, whose line info lets the verifier's log
	 * name source lines: worth it for an edited --bpf file, whose
	 * rejection should say where; for the embedded program the debug info
	 * would only cost about 0.06 s of every start. */
	snprintf(flags[n++], CFLAG_LEN, opts->bpf_file ? "-g" : "-g0");
	snprintf(flags[n++], CFLAG_LEN, COMPILE_INCLUDES_CFLAG);
	snprintf(flags[n++], CFLAG_LEN, "-DST_DATA_SIZE=%u", opts->data_size);
	snprintf(flags[n++], CFLAG_LEN, "-DST_NR_CPUS=%d", config->nr_cpus);
	if (opts->no_data)
		snprintf(flags[n++], CFLAG_LEN, "-DST_NO_DATA");
	if (!config->sock_io)
		snprintf(flags[n++], CFLAG_LEN, "-DST_NO_SOCK_TRACEPOINTS");
	if (!config->tls)
		snprintf(flags[n++], CFLAG_LEN, "-DST_NO_TLS");
	else if (!opts->show_ciphertext)
		snprintf(flags[n++], CFLAG_LEN, "-DST_TLS_RECORDS_UNCOPIED");
	if (opts->n_pids) {
		size_t len;

		snprintf(flags[n++], CFLAG_LEN, "-DST_FILTER_PID");
		len = snprintf(flags[n], CFLAG_LEN, "-DST_PID_SELECTED(t)=(");
		for (int i = 0; i < opts->n_pids && len < CFLAG_LEN; i++)
			len += snprintf(flags[n] + len, CFLAG_LEN - len, "%s(t) == %uu",
					i ? " || " : "", (unsigned)opts->pids[i]);
		if (len < CFLAG_LEN)
			snprintf(flags[n] + len, CFLAG_LEN - len, ")");
		n++;
	}
	if (opts->n_pids && !opts->no_follow)
		snprintf(flags[n++], CFLAG_LEN, "-DST_FOLLOW_FORKS");
	if (opts->n_comms)
		snprintf(flags[n++], CFLAG_LEN, "-DST_FILTER_COMM");
	if (opts->select.kinds)
		snprintf(flags[n++], CFLAG_LEN, "-DST_SELECT_TYPES=%u", opts->select.kinds);
	if (config->ring_pages) {
		snprintf(flags[n++], CFLAG_LEN, "-DST_RING_BUFFER");
		snprintf(flags[n++], CFLAG_LEN, "-DST_RING_PAGES=%d", config->ring_pages);
	}
	for (int i = 0; i < opts->n_defines; i++)
		snprintf(flags[n++], CFLAG_LEN, "-D%s", opts->defines[i]);
	return n;
}

/* The maps the tracer keeps past the compile, in the order the compile
 * child sends them, before the programs' fds. */
static const struct {
	const char *name;
	size_t field; /* offset of its fd in struct bpf_program */
} kept_maps[] = {
	{ "events", offsetof(struct bpf_program, events_fd) },
	{ "socks", offsetof(struct bpf_program, socks_fd) },
	{ "submit_failures", offsetof(struct bpf_program, submit_failures_fd) },
	{ "table_full", offsetof(struct bpf_program, table_full_fd) },
	{ "tls_counts", offsetof(struct bpf_program, tls_counts_fd) },
	{ "exec_events", offsetof(struct bpf_program, exec_events_fd) },
	{ "process_comms", offsetof(struct bpf_program, process_comms_fd) },
};
#define KEPT_MAPS ((int)(sizeof(kept_maps) / sizeof(kept_maps[0])))

static int *kept_map_fd(struct bpf_program *program, int i)
{
	return (int *)((char *)program + kept_maps[i].field);
}

/* Closes the kept maps that are open and marks them all closed. */
static void kept_maps_close(struct bpf_program *program)
{
	for (int i = 0; i < KEPT_MAPS; i++) {
		int *fd = kept_map_fd(program, i);

		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
}

static void program_reset(struct bpf_program *program, int nr_cpus)
{
	for (int i = 0; i < KEPT_MAPS; i++)
		*kept_map_fd(program, i) = -1;
	program->nr_cpus = nr_cpus;
	program->probes.count = 0;
}

/* The -c names go into filter_comms; the -p tgids are compiled in. */
static int filters_fill(const struct bcc_compiler *bcc, void *module, const struct options *opts)
{
	int comms_fd = bcc->table_fd(module, "filter_comms");
	__u8 one = 1;

	if (opts->n_comms && comms_fd < 0) {
		log_error("the BPF program lacks the filter_comms map");
		return -ENOENT;
	}
	for (int i = 0; i < opts->n_comms; i++) {
		struct st_comm_key key = {};
		memcpy(key.comm, opts->comms[i], strnlen(opts->comms[i], ST_COMM_LEN - 1));
		if (bpf_update_elem(comms_fd, &key, &one, BPF_ANY)) {
			log_error("failed to set comm filter: %s", strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* Keeps a map past bpf_module_destroy, which closes the module's copies. */
static int map_fd_keep(const struct bcc_compiler *bcc, void *module, const char *name)
{
	int fd = bcc->table_fd(module, name);

	if (fd < 0) {
		log_error("the BPF program lacks the map %s", name);
		return -ENOENT;
	}
	fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		log_error("cannot keep the map %s: %s", name, strerror(errno));
		return -errno;
	}
	return fd;
}

/* Compiles with bcc and loads the programs; in the compile child. */
static int program_compile(const struct bcc_compiler *bcc, const struct options *opts,
			   const char *text, const struct bpf_program_config *config,
			   struct bpf_program *program)
{
	char flags[CFLAGS_MAX][CFLAG_LEN];
	const char *flag_ptrs[CFLAGS_MAX];
	struct includes_capture capture;
	void *module;
	int n_flags;
	int err;

	program_reset(program, config->nr_cpus);
	n_flags = cflags_build(opts, config, flags);
	for (int i = 0; i < n_flags; i++)
		flag_ptrs[i] = flags[i];
	if (opts->verbose)
		for (int i = 0; i < n_flags; i++)
			fprintf(stderr, "BPF compile flag: %s\n", flags[i]);

	err = compile_includes_capture(&capture, config->headers);
	if (err)
		return err;
	module = bcc->module_create(text, 0, flag_ptrs, n_flags, true, NULL);
	err = compile_includes_release(&capture, config->headers, opts->verbose);
	if (module && err)
		goto destroy_module;
	if (!module) {
		log_error("failed to compile the BPF program %s (diagnostics above)",
			  opts->bpf_file ? opts->bpf_file : "(embedded)");
		return -EINVAL;
	}

	err = filters_fill(bcc, module, opts);
	if (err)
		goto destroy_module;
	for (int i = 0; i < KEPT_MAPS; i++) {
		int fd = map_fd_keep(bcc, module, kept_maps[i].name);

		if (fd < 0) {
			err = fd;
			goto close_maps;
		}
		*kept_map_fd(program, i) = fd;
	}
	err = probes_load(bcc, module,
			  &(struct probes_load_config){ .sock_io = config->sock_io,
							.tls = config->tls,
							.verbose = opts->verbose,
							.bpf_file = opts->bpf_file },
			  &program->probes);
	if (err)
		goto close_maps;
	bcc->module_destroy(module);
	return 0;

close_maps:
	kept_maps_close(program);
destroy_module:
	bcc->module_destroy(module);
	return err;
}

/* The compile child: compiles, loads, sends the fds to the tracer on sock
 * and exits; every error is printed here. */
static void compile_child(pid_t parent, int sock, const struct options *opts, const char *text,
			  const struct bpf_program_config *config)
{
	struct bcc_compiler bcc;
	struct bpf_program program;
	int fds[KEPT_MAPS + PROBES_MAX];
	int err;

	/* Nobody to compile for once the tracer is gone (killed, for one). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(EXIT_FAILURE);
	err = kallsyms_stand_in();
	if (err && opts->verbose)
		fprintf(stderr, "BPF compile reads the real /proc/kallsyms: %s\n", strerror(-err));
	err = compile_includes_confine();
	if (!err)
		err = bcc_compiler_open(&bcc);
	if (!err)
		err = program_compile(&bcc, opts, text, config, &program);
	if (err)
		_exit(EXIT_FAILURE);
	for (int i = 0; i < KEPT_MAPS; i++)
		fds[i] = *kept_map_fd(&program, i);
	for (int i = 0; i < program.probes.count; i++)
		fds[KEPT_MAPS + i] = program.probes.probes[i].prog_fd;
	err = fds_send(sock, &program.probes, sizeof(program.probes), fds,
		       KEPT_MAPS + program.probes.count);
	if (err) {
		log_error("cannot hand the loaded BPF program to the tracer: %s", strerror(-err));
		_exit(EXIT_FAILURE);
	}
	_exit(EXIT_SUCCESS);
}

static void compile_report(const struct rusage *usage)
{
	fprintf(stderr, "BPF compile process: %.2f s CPU, peak RSS %.1f MiB\n",
		usage->ru_utime.tv_sec + usage->ru_stime.tv_sec +
			(usage->ru_utime.tv_usec + usage->ru_stime.tv_usec) / 1e6,
		usage->ru_maxrss / 1024.0);
}

/* Waits for the child's fds; a stop request kills the compile instead
 * (a FIFO among the headers would block it for ever). Returns 1 when sock
 * is readable, 0 on a stop. */
static int compile_wait(int sock, pid_t child, const volatile sig_atomic_t *stop)
{
	struct pollfd ready = { .fd = sock, .events = POLLIN };

	while (!*stop)
		if (poll(&ready, 1, COMPILE_STOP_CHECK_MS) > 0)
			return 1;
	kill(child, SIGKILL);
	return 0;
}

int bpf_program_load(const struct options *opts, const char *text,
		     const struct bpf_program_config *config, const volatile sig_atomic_t *stop,
		     struct bpf_program *program)
{
	int fds[KEPT_MAPS + PROBES_MAX];
	struct rusage usage;
	int sock[2];
	int status;
	pid_t parent, child;
	bool stopped;
	int n;

	program_reset(program, config->nr_cpus);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock)) {
		log_error("cannot create a socket for the compile process: %s", strerror(errno));
		return -errno;
	}
	fflush(NULL);
	parent = getpid();
	child = fork();
	if (child < 0) {
		log_error("cannot start the compile process: %s", strerror(errno));
		close(sock[0]);
		close(sock[1]);
		return -EAGAIN;
	}
	if (child == 0) {
		close(sock[0]);
		compile_child(parent, sock[1], opts, text, config);
	}
	close(sock[1]);
	stopped = !compile_wait(sock[0], child, stop);
	n = stopped ? -EINTR
		    : fds_receive(sock[0], &program->probes, sizeof(program->probes), fds,
				  KEPT_MAPS + PROBES_MAX);
	close(sock[0]);
	while (wait4(child, &status, 0, &usage) < 0 && errno == EINTR)
		;
	if (stopped)
		return -EINTR;
	if (WIFSIGNALED(status))
		log_error("the BPF compile process died: %s", strsignal(WTERMSIG(status)));
	if (n < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		/* the child printed why, unless it died; drop what arrived anyway */
		for (int i = 0; i < n; i++)
			close(fds[i]);
		program->probes.count = 0;
		return n < 0 ? n : -EINVAL;
	}
	if (n != KEPT_MAPS + program->probes.count) {
		log_error("the compile process sent %d fds for %d probes", n, program->probes.count);
		for (int i = 0; i < n; i++)
			close(fds[i]);
		program->probes.count = 0;
		return -EBADMSG;
	}
	for (int i = 0; i < KEPT_MAPS; i++)
		*kept_map_fd(program, i) = fds[i];
	for (int i = 0; i < program->probes.count; i++) {
		program->probes.probes[i].prog_fd = fds[KEPT_MAPS + i];
		program->probes.probes[i].event_fd = -1;
	}
	if (opts->verbose)
		compile_report(&usage);
	return 0;
}

int bpf_program_attach(struct bpf_program *program, bool verbose)
{
	return probes_attach(&program->probes, verbose);
}

/* Sums a per-CPU array of n counters over the possible CPUs; zeros when
 * it cannot be read. */
static void percpu_counters_read(int fd, int nr_cpus, uint32_t n, uint64_t *sums)
{
	for (uint32_t key = 0; key < n; key++) {
		uint64_t per_cpu[CPUS_MAX] = { 0 };

		sums[key] = 0;
		if (fd < 0 || bpf_lookup_elem(fd, &key, per_cpu))
			continue;
		for (int cpu = 0; cpu < nr_cpus && cpu < CPUS_MAX; cpu++)
			sums[key] += per_cpu[cpu];
	}
}

void bpf_program_submit_failures(const struct bpf_program *program,
				 uint64_t failures[ST_SUBMIT_NR])
{
	percpu_counters_read(program->submit_failures_fd, program->nr_cpus, ST_SUBMIT_NR, failures);
}

void bpf_program_table_full(const struct bpf_program *program, uint64_t refused[ST_FULL_NR])
{
	percpu_counters_read(program->table_full_fd, program->nr_cpus, ST_FULL_NR, refused);
}

void bpf_program_tls_counts(const struct bpf_program *program, uint64_t counts[ST_TLS_COUNT_NR])
{
	percpu_counters_read(program->tls_counts_fd, program->nr_cpus, ST_TLS_COUNT_NR, counts);
}

void bpf_program_unload(struct bpf_program *program)
{
	probes_detach(&program->probes);
	kept_maps_close(program);
}
