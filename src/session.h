/* A tracing session: what happens to each sample, and the counts that the
 * exit summary reports. */
#ifndef ST_SESSION_H
#define ST_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "state/conn_ranking.h"
#include "state/conn_table.h"
#include "state/process_names.h"
#include "state/selection.h"
#include "protocols/exchange.h"
#include "options.h"
#include "output/output.h"
#include "output/writer.h"

/* One formatted line's room: a full capture escaped, plus a hex dump. */
#define SESSION_LINE_MAX (1u << 20)
/* Samples of one poll round, held to be handled in timestamp order: the
 * per-CPU buffers are read one after the other, and a thread that moved
 * between CPUs would otherwise have its events out of order. */
/* Samples stamped this recently wait for the next poll round. */
#define SESSION_HOLD_NS (10 * 1000000ull)
/* Arena bytes past which the held samples are packed (session.c). */
#define SESSION_COMPACT_BYTES (1u << 20)
#ifndef SESSION_BATCH_BYTES /* the pipeline fuzzer's are small */
#define SESSION_BATCH_BYTES (8u << 20)
#define SESSION_BATCH_SAMPLES 65536
#endif

struct batch_sample {
	uint64_t ts_ns;
	uint32_t offset; /* in batch_bytes */
	uint32_t size;
	uint32_t arrival; /* ties keep arrival order */
	uint32_t direction; /* data: its direction (| 0x100 for TLS plaintext); 0 for other kinds */
	uint64_t stream;  /* data: pid << 32 | fd */
	uint64_t pos;     /* data: stream offset */
	uint64_t sock_open_ns; /* data: which socket of the fd */
};

/* A data sample's place in the batch, to put each stream in order. */
struct stream_slot {
	uint64_t stream;
	uint64_t sock_open_ns;
	uint32_t direction;
	uint32_t slot;
};

/* An output besides the lines (--stats, --metrics, -w): it is shown each
 * event and exchange that a line would show (the selection and --protocol
 * applied, TLS records hidden as in lines), whether lines print or not. */
struct session_observer {
	/* conn: ev's entry, NULL none. A data event's bytes have their
	 * credentials masked unless --show-secrets. Optional. */
	void (*event)(void *ctx, const struct event *ev, const struct conn *conn);
	/* ev is the event that finished the exchange. Optional. */
	void (*exchange)(void *ctx, const struct event *ev, const struct exchange *exchange);
	void *ctx;
};
#define SESSION_OBSERVERS_MAX 4

struct session {
	struct output_style style;
	const struct output_ops *output; /* human or JSON, chosen once */
	struct conn_table conns;
	struct process_names names;
	int socks_fd;           /* BPF map "socks" (exact totals), -1 none */
	/* Asks the kernel for an adopted socket's peer (socket_peer_of); NULL:
	 * never (tests, fuzzers: their events name no real fds). */
	int (*socket_peer)(uint32_t pid, int32_t fd, int family, int type, char *text,
			   size_t size);
	/* The same for a socket's local port (socket_local_port_of), which
	 * --port needs of connections whose remote port is not one. */
	int (*socket_local_port)(uint32_t pid, int32_t fd, int family, int type,
				 uint16_t *port);
	/* A socket's local address as text (socket_local_of), asked by -w
	 * only; NULL: never. A recording records the answers, a replay gives
	 * them back. */
	int (*socket_local)(uint32_t pid, int32_t fd, int family, int type, char *text,
			    size_t size);
	struct selection select;  /* --port, --remote, --tcp, --udp, --unix */
	uint64_t deselected;      /* events those left out */
	/* The clock of the hold cutoff and of a sweep's exit events, and whether
	 * a process is gone (kill(pid, 0) said ESRCH): NULL, those live; a
	 * recording wraps them, a replay answers from its file (record.h). */
	uint64_t (*now_ns)(void *ctx);
	bool (*process_gone)(void *ctx, uint32_t pid);
	/* Takes the socks_fd entry (key (pid << 32) | fd) of a socket held at
	 * its process's exit: 0, or -ENOENT (evicted). NULL: socks_fd itself. */
	int (*sock_take)(void *ctx, uint64_t key, struct st_sock *sock);
	void *inputs_ctx;
	uint64_t exit_closes_untotalled; /* exit closes dropped: BPF entry evicted */
	uint64_t capacity_reported;      /* the capacity counts' sum last reported */
	struct writer out;
	int64_t mono_to_wall_ns;
	uint64_t max_events;    /* 0: unlimited */
	bool exchanges_only;
	bool lines;             /* print lines: false when another output replaces them */
	struct session_observer observers[SESSION_OBSERVERS_MAX];
	uint32_t observer_count;
	uint32_t protocols;     /* bit (1 << enum protocol) shown; 0 all */
	bool show_ciphertext;   /* print the records of plaintext-captured TLS connections */
	uint64_t ciphertext_hidden; /* data events of such records not printed */
	uint64_t plaintext_unbound; /* TLS plaintext events without a known socket */
	struct exchange_tracker exchanges;
	uint8_t masked_data[ST_DATA_MAX]; /* a data event's bytes, credentials masked */
	uint64_t events_by_kind[ST_EV_NR];
	uint64_t exchanges_seen;
	uint64_t printed;
	uint64_t malformed;
	struct conn_ranking ranking; /* of closed connections */
	bool done;          /* -n reached, stdout closed, unwritable or stalled past a stop */
	bool out_closed;    /* the reader of stdout went away (EPIPE) */
	int out_error;      /* a write to stdout failed otherwise: -errno */
	uint8_t *batch_bytes; /* SESSION_BATCH_BYTES */
	uint8_t *hold_bytes;  /* SESSION_BATCH_BYTES: where held samples move */
	struct batch_sample *batch; /* SESSION_BATCH_SAMPLES */
	struct stream_slot *stream_slots; /* SESSION_BATCH_SAMPLES */
	struct batch_sample *stream_group; /* SESSION_BATCH_SAMPLES */
	uint32_t batch_count;
	uint32_t batch_used;
};

int session_init(struct session *session, const struct options *opts, int out_fd);
void session_free(struct session *session);

/* Adds an observer: 0, or -ENOSPC past SESSION_OBSERVERS_MAX. */
int session_observe(struct session *session, const struct session_observer *observer);

/* perf_sample_fn: holds one sample for session_flush. */
void session_sample(void *session, const void *data, int size);

/* Decodes, tracks and prints the held samples in timestamp order, then
 * writes the output if it is due (always when final); notes a closed or
 * failing stdout. */
void session_flush(struct session *session, bool final);

/* The final flush, then a report of output cut short by a stalled reader
 * or failing. Returns session->out_error (0 or -errno). */
int session_flush_last(struct session *session);

/* A line outside the event stream (the human column header). */
void session_print_header(struct session *session);

struct perf_poller;

/* Whether anything was lost or refused: what the summary then tells even
 * with -q. */
bool session_lost_anything(const struct session *session, const struct perf_poller *poller,
			   const uint64_t submit_failures[ST_SUBMIT_NR],
			   const uint64_t table_full[ST_FULL_NR]);

/* The exit summary, on stderr: events by kind, lost samples (the larger of
 * the kernel's lost records and the BPF program's count of events a full
 * buffer refused), events refused for another reason, and
 * the connections that moved the most bytes, open ones read from the BPF
 * map socks_fd. */
void session_summary(struct session *session, const struct perf_poller *poller, int socks_fd,
		     const uint64_t submit_failures[ST_SUBMIT_NR],
		     const uint64_t table_full[ST_FULL_NR]);

/* Closes the connections of processes that are gone without their exit
 * event having come (it was lost), as that event would have. */
void session_sweep_exited(struct session *session);

/* Prints, when they grew since the last call, what no table had room for
 * (BPF table refusals by cause, and what evictions cost): called once a
 * second while tracing; the summary repeats the totals. */
void session_capacity_report(struct session *session, const uint64_t table_full[ST_FULL_NR]);

#endif
