#include "probes.h"

#include <bcc/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bcc_compiler.h"
#include "log.h"

#define VERIFIER_LOG_SIZE (16u << 20)
#define VERIFIER_LOG_LINES 25

/* Each syscall gets enter_<name> on sys_enter_<name> and, on
 * sys_exit_<name>, exit_<name> or, for the data syscalls, the one exit_data
 * they share (loaded once, attached to each). */
struct probe_spec {
	const char *syscall;
	bool data;
};

#define DATA_EXIT_FUNCTION "exit_data"

static const struct probe_spec probe_specs[] = {
	{ "socket", false },   { "socketpair", false }, { "connect", false },  { "accept", false },
	{ "accept4", false },  { "close", false },    { "read", true },
	{ "write", true },     { "readv", true },     { "writev", true },
	{ "sendto", true },    { "recvfrom", true },  { "sendmsg", true },
	{ "recvmsg", true },   { "sendmmsg", true },  { "recvmmsg", true },
	/* sendfile's tracepoint carries the 64-bit name on x86_64 */
	{ "sendfile64", true },
};

static int prog_id(int prog_fd)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info(prog_fd, &info, &len))
		return -1;
	return info.id;
}

static int prog_load(const struct bcc_compiler *bcc, void *module, const char *function,
		     void *start, char *log, unsigned log_size)
{
	return bcc->func_load(module, BPF_PROG_TYPE_TRACEPOINT, function, start,
			      bcc->function_size(module, function), bcc->module_license(module),
			      bcc->module_kern_version(module), log ? 1 : 0, log, log_size, NULL, 0);
}

/* Loads again with the verifier's log on, and prints its last lines: the
 * reason is at the end. */
static void verifier_log_print(const struct bcc_compiler *bcc, void *module, const char *function,
			       void *start)
{
	char *log = calloc(1, VERIFIER_LOG_SIZE);
	const char *tail;
	int fd;
	int lines = 0;

	if (!log)
		return;
	fd = prog_load(bcc, module, function, start, log, VERIFIER_LOG_SIZE);
	if (fd >= 0)
		close(fd);
	tail = log + strlen(log);
	while (tail > log && lines <= VERIFIER_LOG_LINES)
		if (*--tail == '\n')
			lines++;
	fprintf(stderr, "verifier log of %s (last lines):\n%s\n", function, tail);
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
		      struct probe *probe)
{
	const struct probe *loaded = probe_loaded(set, probe->function);
	void *start;
	int err;

	probe->event_fd = -1;
	if (loaded) {
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
	probe->prog_fd = prog_load(bcc, module, probe->function, start, NULL, 0);
	if (probe->prog_fd < 0) {
		err = probe->prog_fd;
		verifier_log_print(bcc, module, probe->function, start);
		log_error("failed to load %s: %s", probe->function, strerror(-err));
		return err;
	}
	fprintf(stderr, "Probe loaded: id %d, name %s\n", prog_id(probe->prog_fd), probe->function);
	return 0;
}

int probes_load(const struct bcc_compiler *bcc, void *module, bool with_data,
		struct probe_set *set)
{
	static const char *const sides[] = { "enter", "exit" };

	set->count = 0;
	for (size_t i = 0; i < sizeof(probe_specs) / sizeof(probe_specs[0]); i++) {
		if (probe_specs[i].data && !with_data)
			continue;
		for (size_t side = 0; side < 2; side++) {
			struct probe *probe = &set->probes[set->count];
			int err;

			if (probe_specs[i].data && side == 1)
				snprintf(probe->function, sizeof(probe->function), "%s",
					 DATA_EXIT_FUNCTION);
			else
				snprintf(probe->function, sizeof(probe->function), "%s_%s",
					 sides[side], probe_specs[i].syscall);
			snprintf(probe->tracepoint, sizeof(probe->tracepoint), "sys_%s_%s",
				 sides[side], probe_specs[i].syscall);
			err = probe_load(bcc, module, set, probe);
			if (err) {
				probes_detach(set);
				return err;
			}
			set->count++;
		}
	}
	return 0;
}

int probes_attach(struct probe_set *set, bool verbose)
{
	for (int i = 0; i < set->count; i++) {
		struct probe *probe = &set->probes[i];

		probe->event_fd = bpf_attach_tracepoint(probe->prog_fd, "syscalls", probe->tracepoint);
		if (probe->event_fd < 0) {
			int err = errno ? -errno : -EINVAL;
			log_error("failed to attach %s to syscalls:%s: %s", probe->function,
				  probe->tracepoint, strerror(-err));
			probes_detach(set);
			return err;
		}
		if (verbose)
			fprintf(stderr, "Probe attached: %s on syscalls:%s\n", probe->function,
				probe->tracepoint);
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
