#include "exchange.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Arrival times of the buffered bytes: one segment per data event. */
#define STREAM_SEGMENTS_MAX 32

/* One direction of a connection's byte stream. */
struct stream {
	uint64_t seg_end[STREAM_SEGMENTS_MAX]; /* stream position after the segment */
	uint64_t seg_ts[STREAM_SEGMENTS_MAX];  /* its event's timestamp */
	uint32_t segs;
	uint8_t *buf;
	uint32_t len;
	uint32_t cap;
	uint64_t base;        /* stream position of buf[0] */
	uint64_t skip_to;     /* bytes before this position are skipped (a body) */
	bool in_message;      /* msg holds a message begun but not finished */
	bool finish_at_skip;  /* the message ends where the skip ends */
	bool until_close;     /* the message ends when the connection closes */
	enum parse_state finish_state; /* PARSE_COMPLETE or PARSE_IGNORED */
	enum stream_after after;
	uint64_t first_ts_ns;
	uint64_t bytes;       /* of the message so far, skipped ones included */
	struct message msg;
};

struct pending_request {
	struct message msg;
	uint64_t first_ts_ns;
	uint64_t last_ts_ns;
	uint64_t bytes;
};

struct proto_conn {
	const struct protocol *protocol;
	uint32_t protocol_flags;
	bool given_up;        /* not recognised, or not decodable any more */
	bool client_dir_known;
	uint8_t client_dir;   /* direction that carries requests */
	uint64_t detect_bytes;
	struct stream streams[ST_DIR_NR];
	struct pending_request queue[EXCHANGE_QUEUE_MAX];
	uint32_t queue_head;
	uint32_t queue_count;
	bool encrypted;       /* TLS handshake done */
	/* Bytes of a stream were lost: which response answers which request
	 * is no longer known, so messages are reported one by one. */
	bool desynced;
};

void exchange_tracker_init(struct exchange_tracker *tracker, exchange_fn on_exchange, void *ctx)
{
	memset(tracker, 0, sizeof(*tracker));
	tracker->on_exchange = on_exchange;
	tracker->ctx = ctx;
}

/* When the byte at stream position pos arrived. */
static uint64_t stream_ts_at(const struct stream *s, uint64_t pos, uint64_t fallback)
{
	for (uint32_t i = 0; i < s->segs; i++)
		if (s->seg_end[i] > pos)
			return s->seg_ts[i];
	return fallback;
}

static void stream_segment_add(struct stream *s, uint64_t end, uint64_t ts)
{
	uint32_t keep = 0;

	/* Forget segments wholly consumed. */
	while (keep < s->segs && s->seg_end[keep] <= s->base)
		keep++;
	memmove(s->seg_end, s->seg_end + keep, (s->segs - keep) * sizeof(s->seg_end[0]));
	memmove(s->seg_ts, s->seg_ts + keep, (s->segs - keep) * sizeof(s->seg_ts[0]));
	s->segs -= keep;
	if (s->segs == STREAM_SEGMENTS_MAX) {
		/* Full: the newest segment grows, its bytes keep its earlier time. */
		s->seg_end[s->segs - 1] = end;
		return;
	}
	s->seg_end[s->segs] = end;
	s->seg_ts[s->segs] = ts;
	s->segs++;
}

static void stream_reset(struct stream *s, uint64_t base)
{
	s->segs = 0;
	s->len = 0;
	s->base = base;
	s->skip_to = 0;
	s->in_message = s->finish_at_skip = s->until_close = false;
	s->bytes = 0;
	memset(s->msg.body, 0, sizeof(s->msg.body));
}

void exchange_forget(struct exchange_tracker *tracker, struct proto_conn **state)
{
	struct proto_conn *conn = *state;

	if (!conn)
		return;
	for (int d = 0; d < ST_DIR_NR; d++) {
		tracker->memory_used -= conn->streams[d].cap;
		free(conn->streams[d].buf);
	}
	tracker->memory_used -= sizeof(*conn);
	free(conn);
	*state = NULL;
}

static uint16_t remote_port(const struct event *ev)
{
	const char *colon = strrchr(ev->remote, ':');

	return colon ? (uint16_t)atoi(colon + 1) : 0;
}

static bool detect_one(struct proto_conn *conn, const struct protocol *proto,
		       const struct event *ev)
{
	bool datagram = ev->sock_type == SOCK_DGRAM;
	uint8_t other = ev->direction == ST_DIR_SEND ? ST_DIR_RECV : ST_DIR_SEND;

	if (proto->datagram != datagram)
		return false;
	/* Known role: only the right side may start. Unknown: either side. */
	bool sender_is_client = (ev->sock_flags & ST_SOCK_CLIENT) ? ev->direction == ST_DIR_SEND
				: (ev->sock_flags & ST_SOCK_SERVER) ? ev->direction == ST_DIR_RECV
								    : true;
	bool role_known = ev->sock_flags & (ST_SOCK_CLIENT | ST_SOCK_SERVER);

	for (int side = 0; side < 2; side++) {
		bool from_client = side == 0 ? sender_is_client : !sender_is_client;
		if (side == 1 && role_known)
			break;
		if (proto->detect(ev->data, ev->captured, from_client)) {
			conn->protocol = proto;
			conn->client_dir = from_client ? ev->direction : other;
			conn->client_dir_known = true;
			return true;
		}
	}
	return false;
}

static void protocol_detect(struct proto_conn *conn, const struct event *ev)
{
	uint16_t port = remote_port(ev);

	for (unsigned i = 0; i < protocol_count; i++)
		if (port && protocol_registry[i]->port_hint == port &&
		    detect_one(conn, protocol_registry[i], ev))
			return;
	for (unsigned i = 0; i < protocol_count; i++)
		if (detect_one(conn, protocol_registry[i], ev))
			return;
	conn->detect_bytes += ev->captured;
	if (conn->detect_bytes >= DETECT_BYTES_MAX)
		conn->given_up = true;
}

static struct proto_conn *conn_state_get(struct exchange_tracker *tracker,
					 struct proto_conn **state)
{
	if (*state)
		return *state;
	if (tracker->memory_used + sizeof(**state) > EXCHANGE_MEMORY_MAX) {
		tracker->conns_not_decoded++;
		return NULL;
	}
	*state = calloc(1, sizeof(**state));
	if (*state)
		tracker->memory_used += sizeof(**state);
	return *state;
}

static struct pending_request *queue_head(struct proto_conn *conn)
{
	return conn->queue_count ? &conn->queue[conn->queue_head] : NULL;
}

static void queue_pop(struct proto_conn *conn)
{
	conn->queue_head = (conn->queue_head + 1) % EXCHANGE_QUEUE_MAX;
	conn->queue_count--;
}

static void request_push(struct exchange_tracker *tracker, struct proto_conn *conn,
			 const struct message *msg, uint64_t first_ts, uint64_t last_ts,
			 uint64_t bytes)
{
	if (conn->queue_count == EXCHANGE_QUEUE_MAX) {
		tracker->requests_dropped++;
		queue_pop(conn);
	}
	struct pending_request *slot =
		&conn->queue[(conn->queue_head + conn->queue_count) % EXCHANGE_QUEUE_MAX];
	slot->msg = *msg;
	slot->first_ts_ns = first_ts;
	slot->last_ts_ns = last_ts;
	slot->bytes = bytes;
	conn->queue_count++;
}

static void exchange_emit(struct exchange_tracker *tracker, const struct event *ev,
			  const struct pending_request *request, const struct message *response,
			  uint64_t response_ts, uint64_t response_bytes)
{
	struct exchange exchange = {
		.protocol = (request ? request->msg.protocol : response->protocol),
		.request = request ? &request->msg : NULL,
		.response = response,
		.request_ts_ns = request ? request->first_ts_ns : response_ts,
		.response_ts_ns = response ? response_ts : request->last_ts_ns,
		.request_bytes = request ? request->bytes : 0,
		.response_bytes = response_bytes,
	};
	tracker->on_exchange(tracker->ctx, ev, &exchange);
}

/* After a gap nothing is paired any more: a lost request would make every
 * later response answer the wrong one. Waiting requests are reported. */
static void conn_desync(struct exchange_tracker *tracker, struct proto_conn *conn,
			const struct event *ev)
{
	if (!conn->desynced)
		tracker->conns_desynced++;
	conn->desynced = true;
	while (conn->queue_count) {
		exchange_emit(tracker, ev, queue_head(conn), NULL, 0, 0);
		queue_pop(conn);
	}
}

/* A message of one direction is whole: queue it or pair it. */
static void message_deliver(struct exchange_tracker *tracker, struct proto_conn *conn,
			    const struct event *ev, bool from_client, const struct message *msg,
			    uint64_t first_ts, uint64_t bytes)
{
	if (conn->protocol->pairing == PAIR_NONE) {
		struct pending_request alone = { .msg = *msg, .first_ts_ns = first_ts,
						 .last_ts_ns = ev->ts_ns, .bytes = bytes };
		exchange_emit(tracker, ev, &alone, NULL, 0, 0);
		return;
	}
	if (from_client) {
		request_push(tracker, conn, msg, first_ts, ev->ts_ns, bytes);
		if (conn->desynced)
			conn_desync(tracker, conn, ev); /* reported alone, at once */
		return;
	}
	struct pending_request *request = conn->desynced ? NULL : queue_head(conn);
	exchange_emit(tracker, ev, request, msg, ev->ts_ns, bytes);
	if (request)
		queue_pop(conn);
}

static void message_finish(struct exchange_tracker *tracker, struct proto_conn *conn,
			   struct stream *s, const struct event *ev, bool from_client)
{
	if (s->finish_state == PARSE_COMPLETE) {
		message_deliver(tracker, conn, ev, from_client, &s->msg, s->first_ts_ns, s->bytes);
		if (s->after == STREAM_ENDS)
			conn->given_up = true;
		else if (s->after == STREAM_ENCRYPTED)
			conn->encrypted = true;
	}
	s->in_message = s->finish_at_skip = false;
	s->bytes = 0;
	s->after = STREAM_GOES_ON;
	memset(s->msg.body, 0, sizeof(s->msg.body));
}

static void buffer_consume(struct stream *s, uint32_t n)
{
	memmove(s->buf, s->buf + n, s->len - n);
	s->len -= n;
	s->base += n;
}

/* Runs the decoder over what the stream holds. */
static void stream_parse(struct exchange_tracker *tracker, struct proto_conn *conn,
			 struct stream *s, const struct event *ev, bool from_client)
{
	const struct protocol *proto = conn->protocol;

	while (s->len && s->skip_to <= s->base && !s->until_close) {
		struct pending_request *head = queue_head(conn);
		struct parse_ctx ctx = {
			.from_client = from_client,
			.request = from_client || !head ? NULL : &head->msg,
			.conn_flags = &conn->protocol_flags,
		};
		struct parse_result r;

		s->msg.protocol = proto;
		r = proto->parse(s->buf, s->len, &ctx, &s->msg);

		if (r.state == PARSE_NEED_MORE)
			return;
		if (r.state == PARSE_INVALID || r.consumed > s->len) {
			tracker->streams_resynced++;
			stream_reset(s, s->base + s->len);
			return;
		}
		if (!s->in_message) {
			s->in_message = true;
			s->first_ts_ns = stream_ts_at(s, s->base, ev->ts_ns);
		}
		buffer_consume(s, r.consumed);
		s->bytes += r.consumed + r.skip;
		if (r.until_close) {
			s->until_close = true;
			s->finish_state = r.state == PARSE_CONTINUE ? PARSE_COMPLETE : r.state;
			s->len = 0;
			return;
		}
		/* Skip what the buffer already holds of the skipped part. */
		uint64_t skip = r.skip;
		uint32_t held = skip < s->len ? (uint32_t)skip : s->len;
		buffer_consume(s, held);
		skip -= held;
		s->skip_to = s->base + skip;
		if (r.state == PARSE_CONTINUE) {
			if (!r.consumed && !r.skip)
				return; /* no progress: wait for more bytes */
			continue;
		}
		s->finish_state = r.state;
		s->after = r.after;
		if (skip) {
			s->finish_at_skip = true;
			return;
		}
		message_finish(tracker, conn, s, ev, from_client);
	}
}

/* Passes over the part of [*pos, end) that a skipped body covers (data
 * holds the first *captured bytes of it), finishing the message when the
 * skip ends inside. */
static void skip_through(struct exchange_tracker *tracker, struct proto_conn *conn,
			 struct stream *s, const struct event *ev, bool from_client, uint64_t *pos,
			 uint64_t end, const uint8_t **data, uint64_t *captured)
{
	uint64_t cut = (s->skip_to < end ? s->skip_to : end) - *pos;
	uint64_t cut_captured = cut < *captured ? cut : *captured;

	if (conn->protocol->skipped && s->in_message)
		conn->protocol->skipped(&s->msg, *data, cut_captured);
	*pos += cut;
	*data += cut_captured;
	*captured -= cut_captured;
	s->base = *pos; /* the buffer is empty while skipping */
	if (*pos >= s->skip_to && s->finish_at_skip)
		message_finish(tracker, conn, s, ev, from_client);
}

/* Adds an event's bytes to its direction's stream. */
static void stream_feed(struct exchange_tracker *tracker, struct proto_conn *conn,
			struct stream *s, const struct event *ev, bool from_client)
{
	uint64_t pos = ev->pos;
	uint64_t end = ev->pos + ev->bytes;
	const uint8_t *data = ev->data;
	uint64_t captured = ev->captured;
	uint64_t tail;

	if (s->until_close)
		return;
	if (s->skip_to > pos) {
		skip_through(tracker, conn, s, ev, from_client, &pos, end, &data, &captured);
		if (pos == end)
			return;
	}
	if (s->base + s->len != pos) {
		/* Bytes were not seen: whatever was half parsed is lost, and with
		 * it the order of requests and responses. */
		if (s->len || s->in_message)
			tracker->streams_resynced++;
		stream_reset(s, pos);
		conn_desync(tracker, conn, ev);
	}
	/* Nothing captured (sendfile): nothing to buffer or parse, and the
	 * buffer may not exist yet. What no skip covered shows as a gap on the
	 * next event, as for any uncaptured rest. */
	if (!captured)
		return;
	if (captured > STREAM_BUFFER_MAX - s->len) {
		tracker->streams_resynced++;
		stream_reset(s, pos + captured);
		return;
	}
	if (s->len + captured > s->cap) {
		uint32_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + captured)
			cap *= 2;
		if (tracker->memory_used + cap - s->cap > EXCHANGE_MEMORY_MAX)
			return;
		uint8_t *grown = realloc(s->buf, cap);
		if (!grown)
			return;
		tracker->memory_used += cap - s->cap;
		s->buf = grown;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, captured);
	s->len += captured;
	stream_segment_add(s, s->base + s->len, ev->ts_ns);
	stream_parse(tracker, conn, s, ev, from_client);
	/* The uncaptured rest of this event: a body the parser just started
	 * skipping may end in it (a whole response in one read larger than
	 * the capture). What no skip covers shows as a gap on the next event. */
	tail = pos + captured;
	if (tail < end && !s->len && s->skip_to > tail && !s->until_close) {
		captured = 0;
		skip_through(tracker, conn, s, ev, from_client, &tail, end, &data, &captured);
	}
}

/* UDP: every datagram is one message; DNS pairs by id. */
static void datagram_feed(struct exchange_tracker *tracker, struct proto_conn *conn,
			  const struct event *ev)
{
	static struct message msg;
	struct parse_ctx ctx = { .from_client = true, .conn_flags = &conn->protocol_flags };
	struct parse_result r;

	msg.protocol = conn->protocol;
	r = conn->protocol->parse(ev->data, ev->captured, &ctx, &msg);

	if (r.state != PARSE_COMPLETE)
		return;
	if (!conn->protocol->is_response(&msg)) {
		request_push(tracker, conn, &msg, ev->ts_ns, ev->ts_ns, ev->bytes);
		return;
	}
	for (uint32_t i = 0; i < conn->queue_count; i++) {
		uint32_t at = (conn->queue_head + i) % EXCHANGE_QUEUE_MAX;
		if (conn->protocol->pair_id(&conn->queue[at].msg) != conn->protocol->pair_id(&msg))
			continue;
		struct pending_request request = conn->queue[at];
		/* Close the hole, keeping the others in order. */
		for (uint32_t j = i; j + 1 < conn->queue_count; j++)
			conn->queue[(conn->queue_head + j) % EXCHANGE_QUEUE_MAX] =
				conn->queue[(conn->queue_head + j + 1) % EXCHANGE_QUEUE_MAX];
		conn->queue_count--;
		exchange_emit(tracker, ev, &request, &msg, ev->ts_ns, ev->bytes);
		return;
	}
	exchange_emit(tracker, ev, NULL, &msg, ev->ts_ns, ev->bytes);
}

void exchange_classify(struct exchange_tracker *tracker, struct proto_conn **state,
		       struct event *ev)
{
	struct proto_conn *conn;

	if (ev->syscall == ST_SYS_SENDFILE && !*state)
		return; /* nothing captured to detect from */
	conn = conn_state_get(tracker, state);
	if (!conn)
		return;
	if (!conn->protocol && !conn->given_up && ev->captured)
		protocol_detect(conn, ev);
	ev->protocol = protocol_number(conn->protocol);
	ev->encrypted = conn->encrypted;
}

void exchange_on_data(struct exchange_tracker *tracker, struct proto_conn *conn,
		      const struct event *ev)
{
	if (!conn || !conn->protocol || conn->given_up || conn->encrypted)
		return;
	if (conn->protocol->datagram)
		datagram_feed(tracker, conn, ev);
	else
		stream_feed(tracker, conn, &conn->streams[ev->direction], ev,
			    ev->direction == conn->client_dir);
}

void exchange_on_close(struct exchange_tracker *tracker, struct proto_conn **state,
		       struct event *ev)
{
	struct proto_conn *conn = *state;

	if (!conn)
		return;
	ev->protocol = protocol_number(conn->protocol);
	for (int d = 0; d < ST_DIR_NR; d++) {
		struct stream *s = &conn->streams[d];
		if (s->until_close)
			message_finish(tracker, conn, s, ev, d == conn->client_dir);
	}
	/* Requests that never got an answer are reported too. */
	while (conn->queue_count) {
		exchange_emit(tracker, ev, queue_head(conn), NULL, 0, 0);
		queue_pop(conn);
	}
	exchange_forget(tracker, state);
}
