#include "session.h"

#include <bcc/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>

#include "log.h"
#include "perf_poller.h"

/* Malformed samples reported one by one before only being counted. */
#define MALFORMED_REPORTS_MAX 5

static void exchange_print(void *ctx, const struct event *ev, const struct exchange *exchange);

static int64_t mono_to_wall_offset(void)
{
	struct timespec mono, wall;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &wall);
	return ((int64_t)wall.tv_sec - mono.tv_sec) * 1000000000LL + (wall.tv_nsec - mono.tv_nsec);
}

int session_init(struct session *session, const struct options *opts, int out_fd)
{
	memset(session, 0, sizeof(*session));
	session->style.json = opts->json;
	session->style.json_b64 = opts->json_b64;
	session->style.hex = opts->hex;
	session->style.data_chars = opts->data_chars;
	session->max_events = opts->max_events;
	session->exchanges_only = opts->exchanges_only;
	session->protocols = opts->protocols;
	exchange_tracker_init(&session->exchanges, exchange_print, session);
	session->mono_to_wall_ns = mono_to_wall_offset();
	session->batch_bytes = malloc(SESSION_BATCH_BYTES);
	session->batch = malloc(SESSION_BATCH_SAMPLES * sizeof(*session->batch));
	if (writer_open(&session->out, out_fd, SESSION_LINE_MAX) || !session->batch_bytes ||
	    !session->batch || conn_table_init(&session->conns)) {
		session_free(session);
		return -ENOMEM;
	}
	return 0;
}

void session_free(struct session *session)
{
	if (session->conns.slots)
		for (uint32_t i = 0; i < CONN_TABLE_CAPACITY; i++)
			if (session->conns.slots[i].used)
				exchange_forget(&session->exchanges, &session->conns.slots[i].proto);
	conn_table_free(&session->conns);
	writer_close(&session->out);
	free(session->batch_bytes);
	free(session->batch);
	session->batch_bytes = NULL;
	session->batch = NULL;
}

static void output_check(struct session *session)
{
	if (session->out.closed) {
		session->out_closed = true;
		session->done = true;
	} else if (session->out.abandoned) {
		/* the reader stalled past the stop: the rest would only be dropped */
		session->done = true;
	} else if (session->out.error && !session->out_error) {
		session->out_error = session->out.error;
		session->done = true;
	}
}

static void line_write(struct session *session, const struct strbuf *line)
{
	writer_line_end(&session->out, line);
	output_check(session);
}

void session_print_header(struct session *session)
{
	struct strbuf line = writer_line_begin(&session->out);

	human_header_format(&line);
	line_write(session, &line);
}

static void closed_conn_rank(struct session *session, const struct event *ev)
{
	struct ranked_conn conn = {
		.pid = ev->pid,
		.fd = ev->fd,
		.bytes_sent = ev->bytes_sent,
		.bytes_recv = ev->bytes_recv,
	};

	memcpy(conn.comm, ev->comm, sizeof(conn.comm));
	snprintf(conn.remote, sizeof(conn.remote), "%s", ev->remote);
	conn_ranking_offer(&session->ranking, &conn);
}

/* Open connections: their exact counts are in the BPF map. */
static void open_conns_rank(struct session *session, int socks_fd)
{
	__u64 key, next;
	__u64 *prev = NULL;
	struct st_sock sock;

	while (!bpf_get_next_key(socks_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_lookup_elem(socks_fd, &key, &sock) || !(sock.flags & ST_SOCK_REPORTED))
			continue;
		struct ranked_conn conn = {
			.pid = key >> 32,
			.fd = (int32_t)(uint32_t)key,
			.bytes_sent = sock.bytes_sent,
			.bytes_recv = sock.bytes_recv,
			.open = true,
		};
		conn.exited = kill(conn.pid, 0) && errno == ESRCH;
		struct conn *known = conn_table_lookup(&session->conns, conn.pid, conn.fd);
		if (known) {
			memcpy(conn.comm, known->comm, sizeof(conn.comm));
			snprintf(conn.remote, sizeof(conn.remote), "%s", known->remote);
		}
		conn_ranking_offer(&session->ranking, &conn);
	}
}

static bool protocol_shown(const struct session *session, uint8_t protocol)
{
	return !session->protocols || (session->protocols & (1u << protocol));
}

static void line_count(struct session *session)
{
	session->printed++;
	if (session->max_events && session->printed >= session->max_events)
		session->done = true;
}

static void event_print(struct session *session, const struct event *ev)
{
	if (session->done || session->exchanges_only)
		return;
	/* With --protocol, only events of connections known to speak one. */
	if (session->protocols && (ev->kind == ST_EV_CONNECT || ev->kind == ST_EV_ACCEPT ||
				   !protocol_shown(session, ev->protocol)))
		return;
	struct strbuf line = writer_line_begin(&session->out);
	output_event_format(&line, ev, &session->style);
	line_write(session, &line);
	line_count(session);
}

static void exchange_print(void *ctx, const struct event *ev, const struct exchange *exchange)
{
	struct session *session = ctx;

	session->exchanges_seen++;
	if (session->done || !protocol_shown(session, exchange->protocol))
		return;
	struct strbuf line = writer_line_begin(&session->out);
	if (session->style.json)
		json_exchange_format(&line, ev, exchange);
	else
		human_exchange_format(&line, ev, exchange);
	line_write(session, &line);
	line_count(session);
}

static void sample_handle(struct session *session, const void *data, int size)
{
	struct proto_conn *released;
	struct event ev;
	struct conn *conn;

	if (session->done)
		return;
	if (event_decode(data, size, session->mono_to_wall_ns, &ev)) {
		if (session->malformed++ < MALFORMED_REPORTS_MAX)
			log_error("malformed sample of %d bytes ignored", size);
		return;
	}
	session->events_by_kind[ev.kind]++;
	conn = conn_table_apply(&session->conns, &ev, &released);
	if (released)
		exchange_forget(&session->exchanges, &released);
	switch (ev.kind) {
	case ST_EV_DATA:
		if (conn)
			exchange_classify(&session->exchanges, &conn->proto, &ev);
		event_print(session, &ev);
		if (conn)
			exchange_on_data(&session->exchanges, conn->proto, &ev);
		break;
	case ST_EV_CLOSE:
		/* Responses that end at close are printed before the close. */
		if (conn)
			exchange_on_close(&session->exchanges, &conn->proto, &ev);
		closed_conn_rank(session, &ev);
		event_print(session, &ev);
		if (conn)
			conn_table_remove(&session->conns, ev.pid, ev.fd);
		break;
	default:
		event_print(session, &ev);
		break;
	}
}

static int batch_order(const void *a, const void *b)
{
	const struct batch_sample *x = a, *y = b;

	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	return x->arrival < y->arrival ? -1 : x->arrival > y->arrival;
}

static void batch_handle(struct session *session)
{
	qsort(session->batch, session->batch_count, sizeof(*session->batch), batch_order);
	for (uint32_t i = 0; i < session->batch_count; i++)
		sample_handle(session, session->batch_bytes + session->batch[i].offset,
			      session->batch[i].size);
	session->batch_count = 0;
	session->batch_used = 0;
}

void session_sample(void *ctx, const void *data, int size)
{
	struct session *session = ctx;
	struct batch_sample *sample;
	struct st_event_header hdr = { 0 };

	if (size < 0 || (uint32_t)size > SESSION_BATCH_BYTES / 2)
		size = 0; /* decoding reports it as malformed */
	/* Keep every sample 8-byte aligned in the arena. */
	uint32_t aligned = ((uint32_t)size + 7) & ~7u;
	if (session->batch_count == SESSION_BATCH_SAMPLES ||
	    session->batch_used + aligned > SESSION_BATCH_BYTES)
		batch_handle(session);
	if ((size_t)size >= sizeof(hdr))
		memcpy(&hdr, data, sizeof(hdr));
	sample = &session->batch[session->batch_count];
	sample->ts_ns = hdr.ts_ns;
	sample->offset = session->batch_used;
	sample->size = size;
	sample->arrival = session->batch_count++;
	memcpy(session->batch_bytes + session->batch_used, data, size);
	session->batch_used += aligned;
}

void session_flush(struct session *session, bool final)
{
	batch_handle(session);
	writer_flush(&session->out, final);
	output_check(session);
}

void session_summary(struct session *session, const struct perf_poller *poller, int socks_fd,
		     const uint64_t submit_failures[ST_SUBMIT_NR])
{
	const uint64_t *by_kind = session->events_by_kind;
	/* The BPF program's count of events a full buffer refused is exact; the
	 * kernel's lost records only say so when it next writes to that buffer. */
	uint64_t lost_samples = poller->lost_total > submit_failures[ST_SUBMIT_NO_ROOM]
					? poller->lost_total
					: submit_failures[ST_SUBMIT_NO_ROOM];

	fprintf(stderr,
		"socket-tracer: %" PRIu64 " events (connect %" PRIu64 ", accept %" PRIu64
		", close %" PRIu64 ", data %" PRIu64 "), lost samples %" PRIu64
		", malformed samples %" PRIu64 ", refused samples %" PRIu64 "\n",
		by_kind[ST_EV_CONNECT] + by_kind[ST_EV_ACCEPT] + by_kind[ST_EV_CLOSE] +
			by_kind[ST_EV_DATA],
		by_kind[ST_EV_CONNECT], by_kind[ST_EV_ACCEPT], by_kind[ST_EV_CLOSE],
		by_kind[ST_EV_DATA], lost_samples, session->malformed,
		submit_failures[ST_SUBMIT_OTHER]);
	if (session->exchanges_seen || session->exchanges.streams_resynced)
		fprintf(stderr,
			"socket-tracer: %" PRIu64 " exchanges; protocol streams resynced %" PRIu64
			", requests dropped %" PRIu64 ", connections not decoded %" PRIu64
			", connections unpaired after a gap %" PRIu64 "\n",
			session->exchanges_seen, session->exchanges.streams_resynced,
			session->exchanges.requests_dropped, session->exchanges.conns_not_decoded,
			session->exchanges.conns_desynced);
	/* By CPU as the kernel's lost records tell it. The program's count comes
	 * here without CPUs, so what it has beyond those records gets a line of
	 * its own, and the lines add up to the total. With a ring buffer the
	 * poller has no CPUs and the total is the program's count alone. */
	for (int i = 0; i < poller->count && poller->lost_total; i++) {
		int cpu = poller->cookies[i].cpu;
		if (poller->lost_by_cpu[cpu])
			fprintf(stderr, "socket-tracer: lost %" PRIu64 " samples on CPU %d\n",
				poller->lost_by_cpu[cpu], cpu);
	}
	if (poller->count && lost_samples > poller->lost_total)
		fprintf(stderr,
			"socket-tracer: lost %" PRIu64 " more samples that the kernel had not "
			"reported by exit (counted by the BPF program)\n",
			lost_samples - poller->lost_total);
	if (socks_fd >= 0)
		open_conns_rank(session, socks_fd);
	conn_ranking_print(&session->ranking, stderr);
}
