#include "loader/probes.h"

#include <bcc/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader/bcc_compiler.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "loader/verifier_log.h"
#include "output/escape.h"

#define VERIFIER_LOG_SIZE (16u << 20)
#define VERIFIER_LOG_LINES 25

/* Which BPF function attaches to which tracepoint. The data syscalls'
 * exits share exit_data (loaded once, attached to each). A spec without a
 * category is a uprobe program (loaded as a kprobe-type program, which is
 * what uprobes run). */
struct probe_spec {
	const char *category;
	const char *tracepoint;
	const char *function;
	bool sock_io; /* a sock tracepoint: left out on kernels without them */
	bool tls;     /* the TLS capture's: left out with --no-tls */
};

static const struct probe_spec probe_specs[] = {
	{ "syscalls", "sys_exit_socket", "exit_socket" },
	{ "syscalls", "sys_exit_socketpair", "exit_socketpair" },
	{ "syscalls", "sys_exit_connect", "exit_connect" },
	{ "syscalls", "sys_exit_accept", "exit_accept" },
	{ "syscalls", "sys_exit_accept4", "exit_accept4" },
	{ "syscalls", "sys_enter_close", "enter_close" },
	{ "syscalls", "sys_exit_close", "exit_close" },
	{ "sched", "sched_process_exit", "process_exit" },
	{ "task", "task_newtask", "task_newtask" },
	{ "sock", "sock_send_length", "sock_send", true },
	{ "sock", "sock_recv_length", "sock_recv", true },
	{ "sock", "inet_sock_set_state", "sock_state" },
	{ "sock", "inet_sk_error_report", "sock_error" },
	{ "tcp", "tcp_rcv_space_adjust", "tcp_splice_read", true },
	{ "io_uring", "io_uring_submit_req", "uring_submit" },
	{ "io_uring", "io_uring_file_get", "uring_file" },
	{ "io_uring", "io_uring_complete", "uring_complete" },
	{ "syscalls", "sys_exit_read", "exit_data" },
	{ "syscalls", "sys_exit_write", "exit_data" },
	{ "syscalls", "sys_exit_readv", "exit_data" },
	{ "syscalls", "sys_exit_writev", "exit_data" },
	{ "syscalls", "sys_exit_sendto", "exit_data" },
	{ "syscalls", "sys_exit_recvfrom", "exit_data" },
	{ "syscalls", "sys_exit_sendmsg", "exit_data" },
	{ "syscalls", "sys_exit_recvmsg", "exit_data" },
	{ "syscalls", "sys_exit_sendmmsg", "exit_mmsg" },
	{ "syscalls", "sys_exit_recvmmsg", "exit_mmsg" },
	/* sendfile's tracepoint carries the 64-bit name on x86_64 */
	{ "syscalls", "sys_exit_sendfile64", "exit_data" },
	{ "syscalls", "sys_exit_splice", "exit_data" },
	{ "sched", "sched_process_exec", "process_exec" },
	{ "syscalls", "sys_exit_mmap", "exit_mmap", false, true },
	{ NULL, NULL, "openssl_write_enter", false, true },
	{ NULL, NULL, "openssl_read_enter", false, true },
	{ NULL, NULL, "openssl_write_ex_enter", false, true },
	{ NULL, NULL, "openssl_read_ex_enter", false, true },
	{ NULL, NULL, "openssl_return", false, true },
	{ NULL, NULL, "tls_handshake_enter", false, true },
	{ NULL, NULL, "tls_handshake_return", false, true },
	{ NULL, NULL, "gnutls_send_enter", false, true },
	{ NULL, NULL, "gnutls_recv_enter", false, true },
	{ NULL, NULL, "gnutls_return", false, true },
	{ NULL, NULL, "go_write_enter", false, true },
	{ NULL, NULL, "go_read_enter", false, true },
	{ NULL, NULL, "go_return", false, true },
};

static int prog_id(int prog_fd)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info(prog_fd, &info, &len))
		return -1;
	return info.id;
}

static bool probe_is_uprobe(const struct probe *probe)
{
	return !probe->category[0];
}

static int prog_load(const struct bcc_compiler *bcc, void *module, const struct probe *probe,
		     void *start, char *log, unsigned log_size)
{
	const char *function = probe->function;

	return bcc->func_load(module,
			      probe_is_uprobe(probe) ? BPF_PROG_TYPE_KPROBE : BPF_PROG_TYPE_TRACEPOINT,
			      function, start,
			      bcc->function_size(module, function), bcc->module_license(module),
			      bcc->module_kern_version(module), log ? 1 : 0, log, log_size, NULL,
			      probe->uprobe_multi ? PROBES_ATTACH_UPROBE_MULTI : 0);
}

/* bcc answers a failed load without a log buffer by loading again with
 * one and printing the whole log, thousands of lines; the refusal is
 * explained once, by verifier_refusal_print. Returns the saved stderr to
 * give stderr_restore, or -1 (then nothing was changed). */
static int stderr_silence(void)
{
	int saved;
	int null;

	fflush(stderr);
	saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved < 0 || null < 0 || dup2(null, STDERR_FILENO) < 0) {
		if (saved >= 0)
			close(saved);
		saved = -1;
	}
	if (null >= 0)
		close(null);
	return saved;
}

static void stderr_restore(int saved)
{
	if (saved < 0)
		return;
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
}

/* Where the verifier's line info points: the kernel keeps only the base
 * name of the file; the user's --bpf FILE is named as they gave it. */
static const char *source_name(const char *kernel_name, const char *bpf_file)
{
	const char *base;

	if (!bpf_file)
		return kernel_name;
	base = strrchr(bpf_file, '/');
	base = base ? base + 1 : bpf_file;
	return strcmp(base, kernel_name) ? kernel_name : bpf_file;
}

/* Loads again with the verifier's log on, and says in one line which
 * probe it refused, why (the log's last lines) and, when the program has
 * line info (a --bpf file is compiled with -g), at which FILE:LINE; -v
 * adds the log's last lines. */
static void verifier_refusal_print(const struct bcc_compiler *bcc, void *module,
				   const struct probe *probe, void *start, int err,
				   const struct probes_load_config *config)
{
	const char *function = probe->function;
	char *log = calloc(1, VERIFIER_LOG_SIZE);
	struct verifier_reason why;
	char storage[sizeof(why.reason) * 4 + 1];
	struct strbuf reason;
	const char *tail;
	int fd;
	int lines = 0;

	if (log) {
		int quiet = stderr_silence(); /* bcc prints a failed load's log */

		fd = prog_load(bcc, module, probe, start, log, VERIFIER_LOG_SIZE);
		stderr_restore(quiet);
		if (fd >= 0)
			close(fd);
	}
	if (!log || !log[0]) {
		log_error("failed to load %s: %s", function, strerror(-err));
		free(log);
		return;
	}
	if (config->verbose) {
		tail = log + strlen(log);
		while (tail > log && lines <= VERIFIER_LOG_LINES)
			if (*--tail == '\n')
				lines++;
		fprintf(stderr, "verifier log of %s (last lines):\n%s\n", function, tail);
	}
	verifier_log_explain(log, &why);
	/* the reason can quote the program's names (maps, functions) */
	strbuf_init(&reason, storage, sizeof(storage));
	escape_cstr(&reason, why.reason[0] ? why.reason : strerror(-err));
	if (why.line)
		log_error("%s:%u: the verifier refused %s: %s%s", source_name(why.file, config->bpf_file),
			  why.line, function, reason.text,
			  config->verbose ? "" : " (-v shows its log)");
	else
		log_error("the verifier refused %s: %s%s", function, reason.text,
			  config->verbose ? "" : " (-v shows its log)");
	free(log);
}

/* A function already loaded for an earlier probe of the set; NULL if none. */
static const struct probe *probe_loaded(const struct probe_set *set, const char *function)
{
	for (int i = 0; i < set->count; i++)
		if (!strcmp(set->probes[i].function, function))
			return &set->probes[i];
	return NULL;
}

static int probe_load(const struct bcc_compiler *bcc, void *module, const struct probe_set *set,
		      struct probe *probe, const struct probes_load_config *config)
{
	const struct probe *loaded = probe_loaded(set, probe->function);
	int quiet;
	void *start;
	int err;

	probe->event_fd = -1;
	if (loaded) {
		probe->uprobe_multi = loaded->uprobe_multi;
		probe->prog_fd = fcntl(loaded->prog_fd, F_DUPFD_CLOEXEC, 3);
		if (probe->prog_fd < 0) {
			err = -errno;
			log_error("cannot share %s: %s", probe->function, strerror(-err));
			return err;
		}
		return 0;
	}
	start = bcc->function_start(module, probe->function);
	if (!start) {
		log_error("the BPF program has no function %s", probe->function);
		return -ENOENT;
	}
	/* A uprobe program is loaded for uprobe_multi links (6.6 and later:
	 * one link per program and file, detached with one RCU wait instead
	 * of one per probe), else for a perf event per probe. */
	probe->uprobe_multi = probe_is_uprobe(probe);
	quiet = stderr_silence();
	probe->prog_fd = prog_load(bcc, module, probe, start, NULL, 0);
	if (probe->prog_fd < 0 && probe->uprobe_multi) {
		probe->uprobe_multi = false;
		probe->prog_fd = prog_load(bcc, module, probe, start, NULL, 0);
	}
	stderr_restore(quiet);
	if (probe->prog_fd < 0) {
		err = probe->prog_fd;
		verifier_refusal_print(bcc, module, probe, start, err, config);
		return err;
	}
	return 0;
}

int probes_load(const struct bcc_compiler *bcc, void *module,
		const struct probes_load_config *config, struct probe_set *set)
{
	set->count = 0;
	for (size_t i = 0; i < sizeof(probe_specs) / sizeof(probe_specs[0]); i++) {
		struct probe *probe = &set->probes[set->count];
		int err;

		if ((probe_specs[i].sock_io && !config->sock_io) || (probe_specs[i].tls && !config->tls))
			continue;
		snprintf(probe->function, sizeof(probe->function), "%s", probe_specs[i].function);
		snprintf(probe->category, sizeof(probe->category), "%s",
			 probe_specs[i].category ? probe_specs[i].category : "");
		snprintf(probe->tracepoint, sizeof(probe->tracepoint), "%s",
			 probe_specs[i].tracepoint ? probe_specs[i].tracepoint : "");
		err = probe_load(bcc, module, set, probe, config);
		if (err) {
			probes_detach(set);
			return err;
		}
		set->count++;
	}
	return 0;
}

int probes_attached(const struct probe_set *set)
{
	int attached = 0;

	for (int i = 0; i < set->count; i++)
		attached += !probe_is_uprobe(&set->probes[i]) && set->probes[i].event_fd >= 0;
	return attached;
}

int probes_uprobe_program(const struct probe_set *set, const char *function, bool *multi)
{
	const struct probe *probe = probe_loaded(set, function);

	if (!probe || !probe_is_uprobe(probe))
		return -1;
	*multi = probe->uprobe_multi;
	return probe->prog_fd;
}

int probes_attach(struct probe_set *set, bool verbose)
{
	for (int i = 0; i < set->count; i++) {
		struct probe *probe = &set->probes[i];

		if (verbose)
			fprintf(stderr, "Probe loaded: id %d, name %s\n", prog_id(probe->prog_fd),
				probe->function);
		if (probe_is_uprobe(probe))
			continue;
		probe->event_fd =
			bpf_attach_tracepoint(probe->prog_fd, probe->category, probe->tracepoint);
		if (probe->event_fd < 0) {
			int err = errno ? -errno : -EINVAL;
			log_error("failed to attach %s to %s:%s: %s", probe->function,
				  probe->category, probe->tracepoint, strerror(-err));
			probes_detach(set);
			return err;
		}
		if (verbose)
			fprintf(stderr, "Probe attached: %s on %s:%s\n", probe->function,
				probe->category, probe->tracepoint);
	}
	return 0;
}

static void *probe_close(void *arg)
{
	struct probe *probe = arg;

	if (probe->event_fd >= 0)
		bpf_close_perf_event_fd(probe->event_fd);
	close(probe->prog_fd);
	return NULL;
}

void probes_detach(struct probe_set *set)
{
	pthread_t threads[PROBES_MAX];
	bool started[PROBES_MAX] = { false };

	/* Closing a tracepoint's perf event waits for an RCU grace period
	 * (about 70 ms here): one thread per probe lets them share one wait
	 * instead of adding up to seconds. */
	for (int i = 0; i < set->count; i++)
		started[i] = !pthread_create(&threads[i], NULL, probe_close, &set->probes[i]);
	for (int i = 0; i < set->count; i++) {
		if (started[i])
			pthread_join(threads[i], NULL);
		else
			probe_close(&set->probes[i]);
	}
	set->count = 0;
}
