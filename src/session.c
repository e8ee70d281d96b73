#include "session.h"

#include <bcc/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <langinfo.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "output/escape.h"
#include "transport/perf_poller.h"

/* Malformed samples reported one by one before only being counted. */
#define MALFORMED_REPORTS_MAX 5

static void exchange_print(void *ctx, const struct event *ev, const struct exchange *exchange);
static void selection_apply(struct session *session, struct conn *conn, struct event *ev);

static void proto_free(void *ctx, struct proto_conn **proto)
{
	struct session *session = ctx;

	exchange_forget(&session->exchanges, proto);
}

static int64_t mono_to_wall_offset(void)
{
	struct timespec mono, wall;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &wall);
	return ((int64_t)wall.tv_sec - mono.tv_sec) * 1000000000LL + (wall.tv_nsec - mono.tv_nsec);
}

/* Human lines fit a terminal's width, or this one elsewhere. */
#define LINE_WIDTH_DEFAULT 120

static uint32_t line_width_of(int out_fd)
{
	struct winsize size;

	if (isatty(out_fd) && !ioctl(out_fd, TIOCGWINSZ, &size) && size.ws_col)
		return size.ws_col;
	return LINE_WIDTH_DEFAULT;
}

/* Colour on a terminal unless NO_COLOR (https://no-color.org) is set; an
 * explicit --color=always still colours. */
static bool colour_wanted(enum options_colour colour, int out_fd)
{
	const char *no_colour = getenv("NO_COLOR");

	if (colour != COLOUR_AUTO)
		return colour == COLOUR_ALWAYS;
	return isatty(out_fd) && !(no_colour && *no_colour);
}

int session_init(struct session *session, const struct options *opts, int out_fd)
{
	memset(session, 0, sizeof(*session));
	session->socks_fd = -1;
	session->style.json = opts->json;
	session->style.json_b64 = opts->json_b64;
	session->style.hex = opts->hex;
	session->style.data_chars = opts->data_chars;
	session->style.width = line_width_of(out_fd);
	session->style.colour = !opts->json && colour_wanted(opts->colour, out_fd);
	escape_terminal_utf8(!strcmp(nl_langinfo(CODESET), "UTF-8"));
	session->style.show_secrets = opts->show_secrets;
	session->output = output_ops_of(&session->style);
	session->max_events = opts->max_events;
	session->exchanges_only = opts->exchanges_only;
	session->lines = true;
	session->protocols = opts->protocols;
	session->show_ciphertext = opts->show_ciphertext;
	session->select = opts->select;
	exchange_tracker_init(&session->exchanges, exchange_print, session);
	process_names_init(&session->names);
	session->mono_to_wall_ns = mono_to_wall_offset();
	session->batch_bytes = malloc(SESSION_BATCH_BYTES);
	session->hold_bytes = malloc(SESSION_BATCH_BYTES);
	session->batch = malloc(SESSION_BATCH_SAMPLES * sizeof(*session->batch));
	session->stream_slots = malloc(SESSION_BATCH_SAMPLES * sizeof(*session->stream_slots));
	session->stream_group = malloc(SESSION_BATCH_SAMPLES * sizeof(*session->stream_group));
	if (writer_open(&session->out, out_fd, SESSION_LINE_MAX) || !session->batch_bytes ||
	    !session->hold_bytes || !session->batch || !session->stream_slots ||
	    !session->stream_group ||
	    conn_table_init(&session->conns, proto_free, session)) {
		session_free(session);
		return -ENOMEM;
	}
	return 0;
}

void session_free(struct session *session)
{
	conn_table_free(&session->conns);
	exchange_tracker_free(&session->exchanges);
	writer_close(&session->out);
	free(session->batch_bytes);
	free(session->hold_bytes);
	free(session->batch);
	free(session->stream_slots);
	free(session->stream_group);
	session->batch_bytes = NULL;
	session->hold_bytes = NULL;
	session->batch = NULL;
	session->stream_slots = NULL;
	session->stream_group = NULL;
}

int session_observe(struct session *session, const struct session_observer *observer)
{
	if (session->observer_count == SESSION_OBSERVERS_MAX)
		return -ENOSPC;
	session->observers[session->observer_count++] = *observer;
	return 0;
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
	struct strbuf line;

	if (!session->output->header || !session->lines)
		return;
	line = writer_line_begin(&session->out);
	session->output->header(&line, &session->style);
	line_write(session, &line);
}

static void closed_conn_rank(struct session *session, const struct event *ev)
{
	if (ev->deselected)
		return;
	struct ranked_conn conn = {
		.pid = ev->pid,
		.fd = ev->fd,
		.bytes_sent = ev->bytes_sent,
		.bytes_recv = ev->bytes_recv,
	};

	memcpy(conn.comm, ev->process_name, sizeof(conn.comm));
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
			process_names_of(&session->names, conn.pid, 0, known->comm, conn.comm);
			snprintf(conn.remote, sizeof(conn.remote), "%s", known->sock->remote);
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

static void event_print(struct session *session, const struct event *ev,
			const struct conn *conn)
{
	if (ev->deselected) {
		session->deselected++;
		return;
	}
	/* With --protocol, only events of connections known to speak one. */
	if (session->protocols && (ev->kind == ST_EV_CONNECT || ev->kind == ST_EV_CONNECTED ||
				   ev->kind == ST_EV_ACCEPT ||
				   !protocol_shown(session, ev->protocol)))
		return;
	for (uint32_t i = 0; i < session->observer_count; i++)
		if (session->observers[i].event)
			session->observers[i].event(session->observers[i].ctx, ev, conn);
	if (session->done || session->exchanges_only)
		return;
	if (!session->lines) {
		line_count(session); /* -n: the output in the lines' place had it */
		return;
	}
	struct strbuf line = writer_line_begin(&session->out);
	session->output->event(&line, ev, &session->style);
	line_write(session, &line);
	line_count(session);
}

static void exchange_print(void *ctx, const struct event *ev, const struct exchange *exchange)
{
	struct session *session = ctx;

	session->exchanges_seen++;
	if (ev->deselected || !protocol_shown(session, protocol_number(exchange->protocol)))
		return;
	for (uint32_t i = 0; i < session->observer_count; i++)
		if (session->observers[i].exchange)
			session->observers[i].exchange(session->observers[i].ctx, ev, exchange);
	if (session->done)
		return;
	if (!session->lines) {
		line_count(session);
		return;
	}
	struct strbuf line = writer_line_begin(&session->out);
	session->output->exchange(&line, ev, exchange, &session->style);
	line_write(session, &line);
	line_count(session);
}

/* A close ends the connection, or only releases this fd's hold on a
 * socket that another fd or process keeps (ST_EV_RELEASE). */
static void close_handle(struct session *session, struct event *ev, struct conn *conn)
{
	bool ends = !conn || conn_table_close(&session->conns, ev, conn);

	session->events_by_kind[ev->kind]++;
	if (ends) {
		/* Responses that end at close are printed before the close. */
		if (conn) {
			exchange_on_close(&session->exchanges, &conn->sock->plain_proto, ev);
			exchange_on_close(&session->exchanges, &conn->sock->proto, ev);
		}
		closed_conn_rank(session, ev);
	}
	event_print(session, ev, conn);
	if (conn)
		conn_table_remove(&session->conns, ev->pid, ev->fd);
}

/* Takes a socket's entry out of the BPF map: 0 (sock left zero without a
 * map), or -ENOENT when it is not there. A recording or replay may stand
 * in (session.h). */
static int session_sock_take(struct session *session, __u64 key, struct st_sock *sock)
{
	if (session->sock_take)
		return session->sock_take(session->inputs_ctx, key, sock);
	if (session->socks_fd < 0)
		return 0;
	if (bpf_lookup_elem(session->socks_fd, &key, sock))
		return -ENOENT;
	bpf_delete_elem(session->socks_fd, &key);
	return 0;
}

/* One socket a process held at its exit: its close, with the totals the
 * BPF map counted (which it then forgets). */
static void exited_socket_close(struct session *session, const struct event *exit_ev,
				int32_t fd)
{
	__u64 key = (__u64)exit_ev->pid << 32 | (uint32_t)fd;
	struct st_sock sock = { 0 };
	struct event ev = *exit_ev;
	struct conn *conn;

	if (session_sock_take(session, key, &sock)) {
		/* Evicted from the BPF table: its totals are gone, and a
		 * close with made-up ones would be wrong data. */
		conn_table_remove(&session->conns, exit_ev->pid, fd);
		session->exit_closes_untotalled++;
		return;
	}
	ev.kind = ST_EV_CLOSE;
	ev.fd = fd;
	ev.process_exited = true;
	ev.bytes_sent = sock.bytes_sent;
	ev.bytes_recv = sock.bytes_recv;
	ev.family = sock.family;
	ev.sock_type = sock.sock_type;
	ev.sock_flags = sock.flags;
	ev.sk = sock.sk;
	if (sock.open_ts_ns && sock.open_ts_ns <= ev.ts_ns)
		ev.duration_ns = ev.ts_ns - sock.open_ts_ns;
	conn = conn_table_apply(&session->conns, &ev);
	selection_apply(session, conn, &ev);
	if (conn)
		memcpy(ev.comm, conn->comm, sizeof(ev.comm));
	close_handle(session, &ev, conn);
}

/* Closes what a process still held when it exited (its fds close in the
 * kernel, without close()), and frees its state in both tables. */
static void process_exited(struct session *session, const struct event *exit_ev)
{
	int32_t fds[256];
	uint32_t n;

	while ((n = conn_table_fds_of(&session->conns, exit_ev->pid, fds, 256)))
		for (uint32_t i = 0; i < n; i++)
			exited_socket_close(session, exit_ev, fds[i]);
}

/* An adopted socket whose peer no event told (a UDP socket connected, or
 * a TCP one established, before the trace, reached through another fd):
 * asked of the kernel once, while the fd still names a socket like it. */
static void adopted_peer_learn(struct session *session, struct conn *conn, struct event *ev,
			       bool selecting)
{
	struct conn_socket *sock = conn->sock;

	if (!session->socket_peer || sock->remote[0] || sock->peer_asked ||
	    (!selecting && !(ev->sock_flags & ST_SOCK_ADOPTED)))
		return;
	sock->peer_asked = true;
	if (session->socket_peer(ev->pid, ev->fd, ev->family, ev->sock_type, sock->remote,
				 sizeof(sock->remote))) {
		sock->remote[0] = '\0';
		return;
	}
	if (!ev->remote[0])
		memcpy(ev->remote, sock->remote, sizeof(ev->remote));
}

enum { SELECTION_IN = 1, SELECTION_OUT = 2 };

/* The local port of ev's socket, asked of the kernel. An accepted TCP
 * socket's is its listener's, which is asked first: a short connection's
 * fd may be closed already, the listener's lives on. */
static bool local_port_of(struct session *session, const struct event *ev, uint16_t *port)
{
	if (ev->kind == ST_EV_ACCEPT && ev->sock_type == SOCK_STREAM && ev->family != AF_UNIX &&
	    !session->socket_local_port(ev->pid, ev->listen_fd, ev->family, ev->sock_type, port))
		return true;
	return !session->socket_local_port(ev->pid, ev->fd, ev->family, ev->sock_type, port);
}

/* --port, --remote, --tcp, --udp, --unix: a connection is decided at its
 * first event, from its kind, its peer (asked of the kernel if no event
 * told it) and, when --port needs it, its local port (likewise); a
 * datagram with a peer of its own, at each event. */
static void selection_apply(struct session *session, struct conn *conn, struct event *ev)
{
	struct selection_facts facts = {
		.family = ev->family,
		.sock_type = ev->sock_type,
		.remote = ev->remote,
		.local_port = -1,
	};
	bool per_datagram = ev->sock_type == SOCK_DGRAM && ev->remote[0];
	uint16_t port;

	if (!selection_active(&session->select))
		return;
	if (conn && !per_datagram) {
		if (conn->sock->selection) {
			ev->deselected = conn->sock->selection == SELECTION_OUT;
			return;
		}
		if (!ev->remote[0])
			facts.remote = conn->sock->remote;
		if (!facts.remote[0] && ev->family != AF_UNIX && (session->select.n_ports ||
								  session->select.n_remotes))
			adopted_peer_learn(session, conn, ev, true);
		facts.remote = conn->sock->remote[0] ? conn->sock->remote : ev->remote;
	}
	if (selection_needs_local_port(&session->select, &facts) && session->socket_local_port &&
	    ev->fd >= 0 && local_port_of(session, ev, &port))
		facts.local_port = port;
	ev->deselected = !selection_match(&session->select, &facts);
	if (conn && !per_datagram)
		conn->sock->selection = ev->deselected ? SELECTION_OUT : SELECTION_IN;
}

/* The TLS records of a connection whose plaintext is captured: those
 * moved inside a probed call, and all of them once its plaintext came. */
static bool ciphertext_hidden(const struct session *session, const struct conn *conn,
			      const struct event *ev)
{
	if (session->show_ciphertext || (ev->tls & ST_TLS_PLAINTEXT))
		return false;
	return (ev->tls & ST_TLS_CIPHERTEXT) || (conn && conn->sock->plain_proto);
}

static void sample_handle(struct session *session, const void *data, int size)
{
	struct event ev;
	struct conn *conn;

	if (session->done)
		return;
	if (event_decode(data, size, session->mono_to_wall_ns, &ev)) {
		if (session->malformed++ < MALFORMED_REPORTS_MAX)
			log_error("malformed sample of %d bytes ignored", size);
		return;
	}
	process_names_of(&session->names, ev.pid, ev.tid, ev.comm, ev.process_name);
	if (ev.kind == ST_EV_EXIT) {
		process_exited(session, &ev);
		process_names_forget(&session->names, ev.pid);
		return;
	}
	if (ev.kind == ST_EV_EXEC)
		return; /* the TLS probes' own ring carries these */
	/* Plaintext of a TLS session on no known socket: printed, not decoded
	 * (nothing says which bytes follow which). */
	conn = ev.tls & ST_TLS_NO_SOCKET ? NULL : conn_table_apply(&session->conns, &ev);
	selection_apply(session, conn, &ev);
	if (ev.kind != ST_EV_CLOSE)
		session->events_by_kind[ev.kind]++;
	switch (ev.kind) {
	case ST_EV_DATA:
		if (conn) {
			struct proto_conn **proto = ev.tls & ST_TLS_PLAINTEXT
							    ? &conn->sock->plain_proto
							    : &conn->sock->proto;

			adopted_peer_learn(session, conn, &ev, false);
			exchange_classify(&session->exchanges, proto, &ev);
			exchange_on_data(&session->exchanges, *proto, &ev);
			/* Credentials the parser found in these bytes. */
			if (!session->style.show_secrets)
				ev.data = exchange_masked(*proto, &ev, session->masked_data);
		}
		session->plaintext_unbound += (ev.tls & ST_TLS_NO_SOCKET) != 0;
		if (ciphertext_hidden(session, conn, &ev))
			session->ciphertext_hidden++;
		else
			event_print(session, &ev, conn);
		exchange_flush(&session->exchanges, &ev);
		break;
	case ST_EV_CLOSE:
		close_handle(session, &ev, conn);
		break;
	default:
		event_print(session, &ev, conn);
		break;
	}
}

static bool batch_before(const struct batch_sample *x, const struct batch_sample *y)
{
	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns;
	return x->arrival < y->arrival;
}

/* The end of the run of samples in order from start. */
static uint32_t batch_run_end(const struct batch_sample *samples, uint32_t start, uint32_t n)
{
	uint32_t end = start + 1;

	while (end < n && !batch_before(&samples[end], &samples[end - 1]))
		end++;
	return end;
}

/* Puts the batch in time order (arrival order for equal times). It comes
 * as a few runs already in order, the samples held from the last round
 * and then each CPU's buffer, so merging those runs pairwise costs
 * O(n log runs) where a sort from scratch costs O(n log n). The merges
 * alternate between the batch and the stream_group scratch, which are
 * alike. */
static void batch_sort(struct session *session)
{
	uint32_t n = session->batch_count;

	while (n && batch_run_end(session->batch, 0, n) < n) {
		struct batch_sample *from = session->batch, *to = session->stream_group;

		for (uint32_t start = 0; start < n;) {
			uint32_t mid = batch_run_end(from, start, n);
			uint32_t end = mid < n ? batch_run_end(from, mid, n) : n;
			uint32_t i = start, j = mid, k = start;

			while (i < mid && j < end)
				to[k++] = batch_before(&from[j], &from[i]) ? from[j++] : from[i++];
			while (i < mid)
				to[k++] = from[i++];
			while (j < end)
				to[k++] = from[j++];
			start = end;
		}
		session->batch = to;
		session->stream_group = from;
	}
}

static int stream_slot_order(const void *a, const void *b)
{
	const struct stream_slot *x = a, *y = b;

	if (x->stream != y->stream)
		return x->stream < y->stream ? -1 : 1;
	if (x->sock_open_ns != y->sock_open_ns)
		return x->sock_open_ns < y->sock_open_ns ? -1 : 1;
	if (x->direction != y->direction)
		return x->direction < y->direction ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

static int stream_pos_order(const void *a, const void *b)
{
	const struct batch_sample *x = a, *y = b;

	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return x->arrival < y->arrival ? -1 : x->arrival > y->arrival;
}

/* Threads sharing a socket take their stream positions at the syscall's
 * exit and their timestamps just after, so two of their events can come in
 * time order with positions swapped: read that way, the later position
 * looks like a gap and the earlier one like a new socket. Each stream's
 * events of the batch (one socket, told apart from others on the same fd
 * by its open time, one direction) are put back in position order, in the
 * slots the time order gave them. */
static void batch_streams_order(struct session *session, uint32_t count)
{
	struct stream_slot *slots = session->stream_slots;
	struct batch_sample *group = session->stream_group;
	uint32_t n = 0;

	for (uint32_t i = 0; i < count; i++)
		if (session->batch[i].direction)
			slots[n++] = (struct stream_slot){
				.stream = session->batch[i].stream,
				.sock_open_ns = session->batch[i].sock_open_ns,
				.direction = session->batch[i].direction,
				.slot = i,
			};
	qsort(slots, n, sizeof(*slots), stream_slot_order);
	for (uint32_t start = 0, end; start < n; start = end) {
		bool ordered = true;

		for (end = start + 1; end < n && slots[end].stream == slots[start].stream &&
				      slots[end].sock_open_ns == slots[start].sock_open_ns &&
				      slots[end].direction == slots[start].direction;
		     end++)
			ordered = ordered && session->batch[slots[end - 1].slot].pos <=
						     session->batch[slots[end].slot].pos;
		if (ordered)
			continue;
		for (uint32_t k = start; k < end; k++)
			group[k - start] = session->batch[slots[k].slot];
		qsort(group, end - start, sizeof(*group), stream_pos_order);
		for (uint32_t k = start; k < end; k++)
			session->batch[slots[k].slot] = group[k - start];
	}
}

/* Moves the samples held into the other arena, packed. */
static void batch_compact(struct session *session)
{
	uint8_t *kept = session->hold_bytes;
	uint32_t used = 0;

	for (uint32_t i = 0; i < session->batch_count; i++) {
		struct batch_sample *sample = &session->batch[i];

		memcpy(kept + used, session->batch_bytes + sample->offset, sample->size);
		sample->offset = used;
		used += (sample->size + 7) & ~7u;
	}
	session->hold_bytes = session->batch_bytes;
	session->batch_bytes = kept;
	session->batch_used = used;
}

/* Drops the handled samples. The held ones keep their place in the
 * arena, which batch_compact packs once SESSION_COMPACT_BYTES are used: a
 * sample held over many rounds (a busy trace holds the last
 * SESSION_HOLD_NS of them, and polls far more often) is not copied at
 * each, and the arenas' pages in use stay few. */
static void batch_keep(struct session *session, uint32_t ready)
{
	for (uint32_t i = ready; i < session->batch_count; i++) {
		struct batch_sample sample = session->batch[i];

		sample.arrival = i - ready;
		session->batch[i - ready] = sample;
	}
	session->batch_count -= ready;
	if (!session->batch_count)
		session->batch_used = 0;
	else if (session->batch_used > SESSION_COMPACT_BYTES)
		batch_compact(session);
}

/* The session's clock and process check, unless a recording or a replay
 * stands in for them (session.h). */
static uint64_t session_now(struct session *session)
{
	return session->now_ns ? session->now_ns(session->inputs_ctx) : clock_monotonic_ns();
}

static bool session_process_gone(struct session *session, uint32_t pid)
{
	if (session->process_gone)
		return session->process_gone(session->inputs_ctx, pid);
	return kill(pid, 0) && errno == ESRCH;
}

/* Handles the batch in time order. With hold, samples stamped within the
 * last SESSION_HOLD_NS stay for the next round: a CPU's buffer read early
 * in this round may bring, next round, samples older than those of a
 * buffer read later (two threads of one socket on two CPUs, say). Against
 * the clock, not the newest sample: a quiet trace still prints. */
static void batch_handle(struct session *session, bool hold)
{
	uint32_t ready = session->batch_count;

	batch_sort(session);
	if (hold) {
		uint64_t cutoff = session_now(session) - SESSION_HOLD_NS;

		while (ready && session->batch[ready - 1].ts_ns > cutoff)
			ready--;
	}
	batch_streams_order(session, ready);
	for (uint32_t i = 0; i < ready; i++)
		sample_handle(session, session->batch_bytes + session->batch[i].offset,
			      session->batch[i].size);
	batch_keep(session, ready);
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
	if (session->batch_used + aligned > SESSION_BATCH_BYTES)
		batch_compact(session);
	if (session->batch_count == SESSION_BATCH_SAMPLES ||
	    session->batch_used + aligned > SESSION_BATCH_BYTES)
		batch_handle(session, false);
	if ((size_t)size >= sizeof(hdr))
		memcpy(&hdr, data, sizeof(hdr));
	sample = &session->batch[session->batch_count];
	sample->direction = 0;
	if (hdr.kind == ST_EV_DATA && (size_t)size >= ST_DATA_EVENT_HEADER_SIZE) {
		const uint8_t *raw = data;
		uint16_t tls;

		memcpy(&tls, raw + offsetof(struct st_data_event, tls), sizeof(tls));
		/* A connection's plaintext positions are a stream of their own. */
		sample->direction = raw[offsetof(struct st_data_event, direction)] |
				    (tls & ST_TLS_PLAINTEXT ? 0x100 : 0);
		sample->stream = (uint64_t)hdr.pid << 32 | (uint32_t)hdr.fd;
		memcpy(&sample->pos, raw + offsetof(struct st_data_event, pos), sizeof(sample->pos));
		memcpy(&sample->sock_open_ns, raw + offsetof(struct st_data_event, sock_open_ns),
		       sizeof(sample->sock_open_ns));
	}
	sample->ts_ns = hdr.ts_ns;
	sample->offset = session->batch_used;
	sample->size = size;
	sample->arrival = session->batch_count++;
	memcpy(session->batch_bytes + session->batch_used, data, size);
	session->batch_used += aligned;
}

void session_flush(struct session *session, bool final)
{
	batch_handle(session, !final);
	writer_flush(&session->out, final);
	output_check(session);
}

int session_flush_last(struct session *session)
{
	session_flush(session, true);
	if (session->out.abandoned)
		log_error("output cut short: stdout's reader stalled for %.1f s after the stop; "
			  "%" PRIu64 " bytes of events not written",
			  WRITER_STOP_GRACE_MS / 1000.0, session->out.abandoned);
	if (session->out_error)
		log_error("cannot write the output: %s", strerror(-session->out_error));
	return session->out_error;
}

void session_sweep_exited(struct session *session)
{
	uint32_t last_alive = 0;

	/* every sample so far first: an exit event, or data of the process */
	batch_handle(session, false);
	for (uint32_t i = 0; i < CONN_TABLE_CAPACITY; i++) {
		uint32_t pid = session->conns.pids[i];
		struct event exit_ev = { .kind = ST_EV_EXIT };

		if (!pid || pid == last_alive)
			continue;
		if (!session_process_gone(session, pid)) {
			last_alive = pid;
			continue;
		}
		exit_ev.pid = exit_ev.tid = pid;
		exit_ev.fd = -1;
		exit_ev.ts_ns = session_now(session);
		exit_ev.wall_ns = exit_ev.ts_ns + session->mono_to_wall_ns;
		process_exited(session, &exit_ev);
	}
}

/* Each count of what no table had room for, with what it cost: the BPF
 * tables' refusals, then what the userspace table and evictions cost. */
#define CAPACITY_CAUSES (ST_FULL_NR + 6)

struct capacity_cause {
	uint64_t count;
	const char *text;
};

/* Each protocol's own counters, a line each. */
static void protocol_summaries_print(void)
{
	for (unsigned i = 0; i < protocol_count; i++) {
		char text[512];
		struct strbuf line;

		strbuf_init(&line, text, sizeof(text));
		if (protocol_registry[i]->summary_put && protocol_registry[i]->summary_put(&line))
			fprintf(stderr, "socket-tracer: %s\n", text);
	}
}

static void capacity_causes(const struct session *session, const uint64_t table_full[ST_FULL_NR],
			    struct capacity_cause causes[CAPACITY_CAUSES])
{
	static const char *const refused[ST_FULL_NR] = {
		[ST_FULL_SOCKS] = "sockets not traced (socket table full)",
		[ST_FULL_CLOSING] = "closes not reported (closing table full)",
		[ST_FULL_CONNECTS] = "connect outcomes not reported (connect table full)",
		[ST_FULL_INFLIGHT] = "socket I/O not traced (in-flight table full)",
	};

	for (int i = 0; i < ST_FULL_NR; i++)
		causes[i] = (struct capacity_cause){ table_full[i], refused[i] };
	causes[ST_FULL_NR] = (struct capacity_cause){
		session->conns.readopted,
		"sockets met again after eviction, totals restarted (socket table full)" };
	causes[ST_FULL_NR + 1] = (struct capacity_cause){
		session->exit_closes_untotalled,
		"closes at exit not reported, totals evicted (socket table full)" };
	causes[ST_FULL_NR + 2] = (struct capacity_cause){
		session->conns.full_misses,
		"events without connection state (connection table full)" };
	causes[ST_FULL_NR + 3] = (struct capacity_cause){
		session->conns.waiting_dropped,
		"kept sockets forgotten, a later fd on one starts a connection anew "
		"(kept-socket list full)" };
	causes[ST_FULL_NR + 4] = (struct capacity_cause){
		session->exchanges.conns_not_decoded,
		"connections not decoded (protocol memory full)" };
	causes[ST_FULL_NR + 5] = (struct capacity_cause){
		session->exchanges.requests_dropped,
		"requests reported unpaired (a connection's request queue full)" };
}

/* The non-zero causes as one line; returns its length, 0 when none. */
static int capacity_line(const struct capacity_cause causes[CAPACITY_CAUSES], char *line,
			 size_t size)
{
	struct strbuf out;

	strbuf_init(&out, line, size);
	for (int i = 0; i < CAPACITY_CAUSES; i++)
		if (causes[i].count)
			strbuf_printf(&out, "%s%" PRIu64 " %s", out.len ? ", " : "", causes[i].count,
				      causes[i].text);
	return out.len;
}

void session_capacity_report(struct session *session, const uint64_t table_full[ST_FULL_NR])
{
	struct capacity_cause causes[CAPACITY_CAUSES];
	char line[1024];
	uint64_t total = 0;

	capacity_causes(session, table_full, causes);
	for (int i = 0; i < CAPACITY_CAUSES; i++)
		total += causes[i].count;
	if (total == session->capacity_reported)
		return;
	session->capacity_reported = total;
	if (capacity_line(causes, line, sizeof(line)))
		log_error("%s", line);
}

bool session_lost_anything(const struct session *session, const struct perf_poller *poller,
			   const uint64_t submit_failures[ST_SUBMIT_NR],
			   const uint64_t table_full[ST_FULL_NR])
{
	uint64_t lost = poller->lost_total + session->malformed + session->exit_closes_untotalled;

	for (int i = 0; i < ST_SUBMIT_NR; i++)
		lost += submit_failures[i];
	for (int i = 0; i < ST_FULL_NR; i++)
		lost += table_full[i];
	return lost > 0;
}

void session_summary(struct session *session, const struct perf_poller *poller, int socks_fd,
		     const uint64_t submit_failures[ST_SUBMIT_NR],
		     const uint64_t table_full[ST_FULL_NR])
{
	struct capacity_cause causes[CAPACITY_CAUSES];
	char capacity[1024];
	const uint64_t *by_kind = session->events_by_kind;
	/* The BPF program's count of events a full buffer refused is exact; the
	 * kernel's lost records only say so when it next writes to that buffer. */
	uint64_t lost_samples = poller->lost_total > submit_failures[ST_SUBMIT_NO_ROOM]
					? poller->lost_total
					: submit_failures[ST_SUBMIT_NO_ROOM];

	fprintf(stderr,
		"socket-tracer: %" PRIu64 " events (connect %" PRIu64 ", connected %" PRIu64
		", accept %" PRIu64 ", release %" PRIu64 ", close %" PRIu64 ", data %" PRIu64
		"), lost samples %" PRIu64 ", malformed samples %" PRIu64
		", refused samples %" PRIu64 "\n",
		by_kind[ST_EV_CONNECT] + by_kind[ST_EV_CONNECTED] + by_kind[ST_EV_ACCEPT] +
			by_kind[ST_EV_RELEASE] + by_kind[ST_EV_CLOSE] + by_kind[ST_EV_DATA],
		by_kind[ST_EV_CONNECT], by_kind[ST_EV_CONNECTED], by_kind[ST_EV_ACCEPT],
		by_kind[ST_EV_RELEASE], by_kind[ST_EV_CLOSE], by_kind[ST_EV_DATA], lost_samples,
		session->malformed,
		submit_failures[ST_SUBMIT_OTHER]);
	if (session->exchanges_seen || session->exchanges.messages_partial ||
	    session->exchanges.streams_invalid) {
		const struct exchange_tracker *x = &session->exchanges;

		fprintf(stderr,
			"socket-tracer: %" PRIu64 " exchanges; messages not decoded whole %" PRIu64
			" (bytes not captured or cut by a close %" PRIu64 ", refused by the parser %" PRIu64
			", pieces over %u KiB %" PRIu64 "); requests answered inside a partial response %"
			PRIu64 "; requests unpaired for a full queue %" PRIu64
			" (connections %" PRIu64 "); connections not decoded for memory %" PRIu64 "\n",
			session->exchanges_seen, x->messages_partial,
			x->messages_partial - x->streams_invalid - x->pieces_too_large,
			x->streams_invalid, STREAM_BUFFER_MAX / 1024, x->pieces_too_large,
			x->requests_answered_unseen, x->requests_dropped, x->conns_desynced,
			x->conns_not_decoded);
	}
	protocol_summaries_print();
	if (selection_active(&session->select))
		fprintf(stderr,
			"socket-tracer: %" PRIu64 " events not printed: outside --port, --remote, "
			"--tcp, --udp, --unix\n",
			session->deselected);
	if (session->ciphertext_hidden)
		fprintf(stderr,
			"socket-tracer: %" PRIu64 " TLS record events not printed: their plaintext "
			"is (--show-ciphertext prints them)\n",
			session->ciphertext_hidden);
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
	capacity_causes(session, table_full, causes);
	if (capacity_line(causes, capacity, sizeof(capacity)))
		fprintf(stderr, "socket-tracer: %s\n", capacity);
	if (socks_fd >= 0)
		open_conns_rank(session, socks_fd);
	conn_ranking_print(&session->ranking, stderr);
}
