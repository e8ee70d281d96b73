/* socket-tracer: shows what every process says over its sockets. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <locale.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <time.h>

#include "loader/bpf_program.h"
#include "loader/bpf_source.h"
#include "base/clock.h"
#include "base/cpus.h"
#include "loader/kernel_headers.h"
#include "base/log.h"
#include "options.h"
#include "outputs/outputs.h"
#include "transport/perf_poller.h"
#include "transport/printk_reader.h"
#include "state/preexisting.h"
#include "loader/privileges.h"
#include "recording/record.h"
#include "recording/replay.h"
#include "transport/ring_poller.h"
#include "session.h"
#include "state/socket_peer.h"
#include "loader/tracefs.h"
#include "uprobes/tls_probes.h"

#ifndef SOCKET_TRACER_VERSION
#define SOCKET_TRACER_VERSION "unknown"
#endif

#define EXIT_RUNTIME_ERROR 1
#define EXIT_USAGE_ERROR 2
/* Per-CPU perf buffer size in pages (a power of two): 4 MiB, about 4000
 * data events of a small HTTP exchange: room for the reader to fall behind
 * for tens of milliseconds without losing any. A ring buffer gets as much
 * for every online CPU. */
#define PERF_PAGE_COUNT 1024
/* How often, in seconds, connections of processes gone without an exit
 * event (a lost sample) are closed. */
#define SWEEP_EVERY_S 5
/* A quiet trace still prints within this many milliseconds. */
#define POLL_TIMEOUT_MS 100

static volatile sig_atomic_t exiting;

static void exit_requested(int signo)
{
	(void)signo;
	exiting = 1;
}

static void signals_install(void)
{
	struct sigaction action = { .sa_handler = exit_requested };

	sigemptyset(&action.sa_mask);
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);
	/* A closed stdout shows up as EPIPE from write, or to the writer's
	 * check each poll round (writer_flush), handled as a quiet stop. */
	signal(SIGPIPE, SIG_IGN);
}

static void headers_report(const struct kernel_headers *headers)
{
	struct utsname uts;

	uname(&uts);
	if (!strcmp(headers->release, uts.release))
		fprintf(stderr, "socket-tracer: kernel headers %s (from %s)\n", headers->build_dir,
			headers->origin);
	else
		fprintf(stderr,
			"socket-tracer: kernel headers %s (release %s, from %s) for running "
			"kernel %s\n",
			headers->build_dir, headers->release[0] ? headers->release : "unknown",
			headers->origin, uts.release);
}

/* Refused before any work: a closed stdout's number would be handed to
 * the first fd opened (a BPF map's), and the events written into that. */
static int stdout_check(void)
{
	int flags = fcntl(STDOUT_FILENO, F_GETFL);

	if (flags < 0) {
		log_error("stdout is closed: give the events somewhere to go (a file, a pipe "
			  "or /dev/null)");
		return -EBADF;
	}
	if ((flags & O_ACCMODE) == O_RDONLY) {
		log_error("stdout is open for reading only: the events cannot be written");
		return -EBADF;
	}
	return 0;
}

static double monotonic_seconds(void)
{
	return clock_monotonic_ns() / 1e9;
}

/* Where the events arrive: per-CPU perf buffers, or with --ring-buffer one
 * ring buffer. The perf poller's lost counts stay zero with a ring buffer,
 * which sends no lost records: the summary takes the BPF program's count of
 * events refused for want of room. */
struct transport {
	bool ring_buffer;
	struct perf_poller perf;
	struct ring_poller ring;
};

static int transport_open(struct transport *transport, bool ring_buffer, int events_fd,
			  perf_sample_fn on_sample, void *ctx)
{
	memset(transport, 0, sizeof(*transport));
	transport->ring_buffer = ring_buffer;
	if (ring_buffer)
		return ring_poller_open(&transport->ring, events_fd, on_sample, ctx);
	return perf_poller_open(&transport->perf, events_fd, PERF_PAGE_COUNT, on_sample, ctx);
}

/* With --record, each sample is written to the recording as it arrives,
 * then handed to the session. */
struct recorded_sink {
	struct recorder *rec;
	struct session *session;
};

static void sample_recorded(void *ctx, const void *data, int size)
{
	struct recorded_sink *sink = ctx;

	recorder_sample(sink->rec, data, size);
	session_sample(sink->session, data, size);
}

/* What the exit summary reads from the kernel and the poller, as the
 * recording's last record. */
static void recording_end(struct recorder *rec, const struct transport *transport,
			  const uint64_t submit_failures[ST_SUBMIT_NR],
			  const uint64_t table_full[ST_FULL_NR])
{
	static struct record_cpu_lost cpus[CPUS_MAX];
	struct record_end end = {
		.lost_total = transport->perf.lost_total,
		.cpu_count = transport->perf.count,
	};

	memcpy(end.submit_failures, submit_failures, sizeof(end.submit_failures));
	memcpy(end.table_full, table_full, sizeof(end.table_full));
	for (int i = 0; i < transport->perf.count; i++) {
		int cpu = transport->perf.cookies[i].cpu;

		cpus[i] = (struct record_cpu_lost){ .cpu = cpu,
						    .lost = transport->perf.lost_by_cpu[cpu] };
	}
	recorder_end(rec, &end, cpus);
}

static int transport_poll(struct transport *transport, int timeout_ms)
{
	if (transport->ring_buffer)
		return ring_poller_poll(&transport->ring, timeout_ms);
	return perf_poller_poll(&transport->perf, timeout_ms);
}

static void transport_close(struct transport *transport)
{
	if (transport->ring_buffer)
		ring_poller_close(&transport->ring);
	else
		perf_poller_close(&transport->perf);
}

/* Once a second, what only the BPF program's counters tell: a ring
 * buffer's losses (it sends no lost records; reported like the perf
 * poller's) and what the tables had no room for. */
struct counters_check {
	double checked_at;      /* CLOCK_MONOTONIC s of the last check */
	unsigned seconds;       /* checks since the last exited sweep */
	uint64_t ring_reported; /* ring buffer losses reported so far */
	struct outputs *health_to; /* --metrics: where the health goes; NULL none */
	const struct tls_probes *tls;
};

/* The trace's own counts, for --metrics. */
static void health_push(const struct counters_check *check, const struct transport *transport,
			const struct bpf_program *program, const struct session *session)
{
	struct metrics_health health = {
		.malformed_samples = session->malformed,
		.tracepoints_attached = probes_attached(&program->probes),
	};
	uint64_t failures[ST_SUBMIT_NR];
	struct tls_probes_report report;

	if (!check->health_to)
		return;
	bpf_program_submit_failures(program, failures);
	bpf_program_table_full(program, health.table_full);
	memcpy(health.events_by_kind, session->events_by_kind, sizeof(health.events_by_kind));
	/* as the summary counts them: the program's count is exact, the
	 * kernel's records may come later */
	health.lost_samples = transport->perf.lost_total > failures[ST_SUBMIT_NO_ROOM]
				      ? transport->perf.lost_total
				      : failures[ST_SUBMIT_NO_ROOM];
	health.refused_samples = failures[ST_SUBMIT_OTHER];
	if (check->tls) {
		tls_probes_report_now(check->tls, &report);
		health.uprobes_attached = report.probes_attached;
		health.tls_files_probed = report.files_probed;
	}
	outputs_health(check->health_to, &health);
}

static void counters_report(const struct transport *transport, const struct bpf_program *program,
			    struct session *session, struct recorder *rec,
			    struct counters_check *check)
{
	uint64_t failures[ST_SUBMIT_NR];
	uint64_t table_full[ST_FULL_NR];
	uint64_t *reported = &check->ring_reported;
	double now = monotonic_seconds();

	if (now - check->checked_at < 1.0)
		return;
	check->checked_at = now;
	if (++check->seconds >= SWEEP_EVERY_S) {
		check->seconds = 0;
		if (rec)
			recorder_sweep(rec);
		session_sweep_exited(session);
	}
	health_push(check, transport, program, session);
	bpf_program_table_full(program, table_full);
	session_capacity_report(session, table_full);
	if (!transport->ring_buffer)
		return;
	bpf_program_submit_failures(program, failures);
	if (failures[ST_SUBMIT_NO_ROOM] > *reported) {
		log_error("lost %" PRIu64 " samples (ring buffer full; %" PRIu64 " so far)",
			  failures[ST_SUBMIT_NO_ROOM] - *reported, failures[ST_SUBMIT_NO_ROOM]);
		*reported = failures[ST_SUBMIT_NO_ROOM];
	}
}

/* Polls until Ctrl-C, the duration, the event limit, a closed stdout or a
 * failed write to the recording. */
static int events_process(const struct options *opts, struct transport *transport,
			  const struct bpf_program *program, const struct tls_probes *tls,
			  struct session *session, struct outputs *outputs, struct recorder *rec,
			  struct printk_reader *printk)
{
	double deadline = opts->duration_s > 0 ? monotonic_seconds() + opts->duration_s : 0;
	struct counters_check check = {
		.checked_at = monotonic_seconds(),
		.health_to = opts->metrics.len ? outputs : NULL,
		.tls = tls,
	};
	int err = 0;

	/* the first scrape after the attach sees the probes */
	health_push(&check, transport, program, session);
	while (!exiting && !session->done) {
		int timeout = POLL_TIMEOUT_MS;

		if (deadline) {
			double left = deadline - monotonic_seconds();
			if (left <= 0)
				break;
			if (left * 1000 < timeout)
				timeout = (int)(left * 1000) + 1;
		}
		err = transport_poll(transport, timeout);
		printk_reader_drain(printk);
		if (rec)
			recorder_flush_round(rec, session);
		session_flush(session, false);
		outputs_tick(outputs, clock_monotonic_ns());
		if (err || (rec && rec->error))
			break;
		counters_report(transport, program, session, rec, &check);
	}
	return err;
}

/* What the TLS capture probed and missed. */
static void tls_summary(const struct tls_probes_report *report,
			const uint64_t counts[ST_TLS_COUNT_NR], const struct session *session)
{
	fprintf(stderr,
		"socket-tracer: TLS: %" PRIu64 " files probed (%" PRIu64 " uprobes), %" PRIu64
		" not probed for an error, %" PRIu64 " not examined (table full); plaintext "
		"without a known socket %" PRIu64 "; calls whose socket changed %" PRIu64
		", mixing two sockets %" PRIu64 ", taken from the next write wrongly %" PRIu64
		", returns without an entry %" PRIu64
		", writes shown whole that sent less %" PRIu64
		", new programs not told (ring full) %" PRIu64 "\n",
		report->files_probed, report->probes_attached, report->attach_failures,
		report->files_not_examined, session->plaintext_unbound,
		counts[ST_TLS_COUNT_SOCKET_CHANGED],
		counts[ST_TLS_COUNT_SOCKETS_MIXED], counts[ST_TLS_COUNT_ADJACENT_WRONG],
		counts[ST_TLS_COUNT_RETURN_UNMATCHED], counts[ST_TLS_COUNT_WRITE_SHORT],
		counts[ST_TLS_COUNT_EXEC_LOST]);
}

/* The one line that says the trace runs, and on what. */
static void startup_report(const struct options *opts, const struct bpf_program *program,
			   const struct tls_probes *tls)
{
	char text[512];
	struct strbuf line;

	strbuf_init(&line, text, sizeof(text));
	strbuf_printf(&line, "%s: %d probes attached",
		      opts->ring_buffer ? "Reading the ring buffer" : "Reading perf buffers",
		      probes_attached(&program->probes));
	if (tls) {
		strbuf_puts(&line, ", ");
		tls_probes_describe_start(tls, &line);
	}
	fprintf(stderr, "%s; Ctrl-C to stop\n", text);
}

/* Detaching takes the kernel tens of milliseconds a tracepoint, one after
 * the other (over a second for the default program). Once stdout's reader
 * has gone (`| head -1`) nobody waits for our output, but the pipeline
 * waits for our exit: a child holding the probes' fds detaches them
 * instead, with stdin, stdout and stderr on /dev/null, and we exit at once.
 * Whoever closes a perf event last pays for its detach, so the child waits
 * for our exit (its parent-death signal comes after our files are closed).
 * Returns true in the tracer when the child holds them; false (in the
 * child, or if there is no child) to detach here. */
static bool detach_behind(bool *in_child)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	pid_t parent = getpid();
	sigset_t parent_gone;
	pid_t child;

	*in_child = false;
	if (null < 0)
		return false;
	child = fork();
	if (child) {
		close(null);
		return child > 0;
	}
	*in_child = true;
	for (int fd = 0; fd <= 2; fd++)
		dup2(null, fd);
	close(null);
	sigemptyset(&parent_gone);
	sigaddset(&parent_gone, SIGUSR1);
	sigprocmask(SIG_BLOCK, &parent_gone, NULL);
	if (!prctl(PR_SET_PDEATHSIG, SIGUSR1) && getppid() == parent)
		sigtimedwait(&parent_gone, NULL, &(struct timespec){ .tv_sec = 5 });
	return false;
}

static int trace(const struct options *opts)
{
	struct kernel_headers headers;
	struct bpf_program_config config;
	struct bpf_program program;
	struct transport transport;
	struct session session;
	struct outputs *outputs = NULL;
	struct recorder recorder;
	struct recorder *rec = NULL;
	struct recorded_sink sink;
	bool possible[CPUS_MAX];
	uint64_t submit_failures[ST_SUBMIT_NR];
	uint64_t table_full[ST_FULL_NR];
	uint64_t tls_counts[ST_TLS_COUNT_NR];
	struct tls_probes *tls = NULL;
	struct tls_probes_report tls_report = { 0 };
	struct printk_reader printk = { .fd = -1 };
	char printk_tag[PRINTK_TAG_SIZE];
	int ring_pages = 0;
	char *text;
	int nr_cpus;
	int err;

	/* Check where the events go, and read the program to compile */
	printk_tag_make(printk_tag);
	if (stdout_check() || (opts->record_file && recorder_check_path(opts->record_file)) ||
	    bpf_source_compose(opts->bpf_file, opts->debug ? printk_tag : NULL, &text))
		return EXIT_USAGE_ERROR;

	/* Check privileges and the kernel's interfaces */
	err = EXIT_RUNTIME_ERROR;
	if (privileges_check() || tracefs_ensure())
		goto free_text;

	/* Create the recording, if asked for */
	if (opts->record_file) {
		if (recorder_open(&recorder, opts->record_file))
			goto free_text;
		rec = &recorder;
	}
	nr_cpus = cpus_read("possible", possible);
	if (nr_cpus < 0) {
		log_error("cannot read the possible CPUs: %s", strerror(-nr_cpus));
		goto free_text;
	}

	/* Find kernel headers for the compile */
	if (kernel_headers_find(opts->kernel_headers, &headers))
		goto free_text;
	if (opts->verbose)
		headers_report(&headers);

	/* Size the ring buffer, if asked for, like the perf buffers it replaces */
	if (opts->ring_buffer) {
		ring_pages = ring_poller_pages(PERF_PAGE_COUNT);
		if (ring_pages < 0)
			goto free_text;
	}

	/* Compile and load */
	config = (struct bpf_program_config){
		.headers = &headers,
		.nr_cpus = nr_cpus,
		.ring_pages = ring_pages,
		.sock_io = tracefs_has_sock_io(),
		.tls = !opts->no_tls && !opts->no_data,
	};
	if (!config.sock_io)
		log_error("this kernel lacks the sock:sock_send_length and sock_recv_length "
			  "tracepoints: data is traced only on sockets seen at socket(), connect() "
			  "or accept(), or open at the start");
	err = bpf_program_load(opts, text, &config, &exiting, &program);
	free(text);
	if (err && rec)
		recorder_close(rec); /* a header-less file: replay says so */
	if (err == -EINTR) {
		log_error("stopped during the BPF compile: nothing loaded");
		return 0;
	}
	if (err)
		return EXIT_RUNTIME_ERROR;

	err = session_init(&session, opts, STDOUT_FILENO);
	if (err) {
		log_error("out of memory");
		goto unload;
	}
	writer_stop_on(&session.out, &exiting);
	if (outputs_open(opts, &session, &outputs))
		goto free_session;
	session.socks_fd = program.socks_fd;
	session.socket_peer = socket_peer_of;
	session.names.read_live = process_name_read_live;
	session.names.live_ctx = &program.process_comms_fd;
	session.socket_local_port = socket_local_port_of;
	session.socket_local = socket_local_of;
	if (rec) {
		recorder_header(rec, &session, opts->data_size,
				(opts->ring_buffer ? RECORD_FLAG_RING_BUFFER : 0) |
					(opts->no_data ? RECORD_FLAG_NO_DATA : 0) |
					(opts->n_pids || opts->n_comms ? RECORD_FLAG_FILTERED : 0),
				SOCKET_TRACER_VERSION);
		record_session_hooks(rec, &session);
		sink = (struct recorded_sink){ .rec = rec, .session = &session };
	}

	/* Open the buffers, then attach: no event is sent before a reader exists */
	if (opts->debug) {
		err = printk_reader_open(&printk, printk_tag, session.mono_to_wall_ns,
					 opts->verbose);
		if (err)
			goto free_session;
	}
	err = transport_open(&transport, opts->ring_buffer, program.events_fd,
			     rec ? sample_recorded : session_sample,
			     rec ? (void *)&sink : (void *)&session);
	if (err)
		goto free_session;
	err = bpf_program_attach(&program, opts->verbose);
	if (err)
		goto close_transport;
	if (config.tls) {
		err = tls_probes_start(&program.probes, program.exec_events_fd, opts, &tls);
		if (err)
			goto close_transport;
	}

	/* Enter the sockets that were open before we attached */
	preexisting_scan(opts, program.socks_fd, &session.conns);
	if (rec)
		recorder_preexisting(rec, &session);

	/* Process events */
	if (!opts->quiet)
		startup_report(opts, &program, tls);
	if (!opts->json && !session.done)
		session_print_header(&session);
	err = events_process(opts, &transport, &program, tls, &session, outputs, rec, &printk);

	/* Print what is still buffered, report, then detach */
	if (!err && !(rec && rec->error))
		transport_poll(&transport, 0);
	if (rec)
		recorder_sweep(rec);
	session_sweep_exited(&session);
	session_flush_last(&session);
	if (outputs_close(outputs) && !err)
		err = -EIO;
	outputs = NULL;
	tls_probes_stop(tls, &tls_report);
	printk_reader_close(&printk);
	bpf_program_submit_failures(&program, submit_failures);
	bpf_program_table_full(&program, table_full);
	bpf_program_tls_counts(&program, tls_counts);
	if (rec) {
		recording_end(rec, &transport, submit_failures, table_full);
		if (recorder_close(rec)) {
			log_error("cannot write the recording %s: %s", opts->record_file,
				  strerror(-rec->error));
			err = -rec->error;
		}
	}
	if (!opts->quiet || session_lost_anything(&session, &transport.perf, submit_failures,
						      table_full))
		session_summary(&session, &transport.perf, program.socks_fd, submit_failures,
				table_full);
	if (config.tls && !opts->quiet)
		tls_summary(&tls_report, tls_counts, &session);
	fflush(NULL);
	if (session.out_closed) {
		bool in_child;

		if (detach_behind(&in_child))
			_exit(err || session.out_error ? EXIT_RUNTIME_ERROR : 0);
		if (in_child) {
			bpf_program_unload(&program);
			_exit(0);
		}
	}
	bpf_program_unload(&program);
	transport_close(&transport);
	session_free(&session);
	return err || session.out_error ? EXIT_RUNTIME_ERROR : 0;

close_transport:
	tls_probes_stop(tls, NULL);
	transport_close(&transport);
free_session:
	outputs_free(outputs);
	printk_reader_close(&printk);
	session_free(&session);
unload:
	bpf_program_unload(&program);
	if (rec)
		recorder_close(rec);
	return EXIT_RUNTIME_ERROR;

free_text:
	free(text);
	if (rec)
		recorder_close(rec);
	return err;
}

int main(int argc, char **argv)
{
	struct options opts;

	/* The character set only: whether the terminal takes UTF-8. */
	setlocale(LC_CTYPE, "");
	/* Parse command line arguments */
	if (options_parse(argc, argv, &opts))
		return EXIT_USAGE_ERROR;

	switch (opts.action) {
	case ACTION_HELP:
		options_print_help();
		return 0;
	case ACTION_VERSION:
		printf("socket-tracer %s\n", SOCKET_TRACER_VERSION);
		return 0;
	case ACTION_DUMP_BPF:
		signal(SIGPIPE, SIG_IGN);
		if (bpf_source_dump(stdout) && errno != EPIPE) {
			log_error("cannot write the BPF program: %s", strerror(errno));
			return EXIT_RUNTIME_ERROR;
		}
		return 0;
	case ACTION_TRACE:
		break;
	}

	if (options_pids_check(&opts))
		return EXIT_USAGE_ERROR;
	signals_install();
	if (opts.replay_file)
		return stdout_check() ? EXIT_USAGE_ERROR : replay_run(&opts, &exiting);
	return trace(&opts);
}
