#include "protocols/exchange.h"

#include <stddef.h>
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
	uint8_t *buf;         /* the unparsed rest of a piece: buf[off, off + len) */
	uint32_t off;         /* consumed bytes before it, dropped at the next append */
	uint32_t len;
	uint32_t cap;
	uint32_t seen;        /* of buf, given to the parser that said NEED_MORE */
	uint64_t base;        /* stream position of buf[0] */
	uint64_t end;         /* stream position after the last event's bytes */
	uint64_t last_ts_ns;  /* the last event's */
	uint64_t skip_to;     /* bytes before this position are skipped (a body) */
	bool in_message;      /* msg holds a message begun but not finished */
	bool finish_at_skip;  /* the message ends where the skip ends */
	bool until_close;     /* the message ends when the connection closes */
	/* Bytes of the stream could not be parsed: the message they are in is
	 * partial and takes every byte until the other side speaks. */
	bool lost;
	bool fresh;           /* the next event starts a message, wherever it is */
	enum parse_state finish_state; /* PARSE_COMPLETE or PARSE_IGNORED */
	enum stream_after after;
	char upgrade_to[16];
	bool unsolicited;
	enum message_role role;
	bool spanned;         /* span_first_ts_ns, span_bytes time and size the message */
	uint64_t span_first_ts_ns;
	uint64_t span_bytes;
	uint64_t msg_start;   /* stream position of the message's first byte */
	uint64_t first_ts_ns;
	struct message msg;
};

struct pending_request {
	struct message msg;
	uint64_t first_ts_ns;
	uint64_t last_ts_ns;
	uint64_t bytes;
};

struct secret_range {
	uint8_t direction;
	uint64_t start, end; /* stream positions */
};

/* A connection's first bytes in one direction, while no protocol claims
 * them: a client sending its request line a byte at a time is still
 * recognised once enough of it has come. */
#define DETECT_PREFIX_MAX 256

struct detect_prefix {
	uint8_t bytes[DETECT_PREFIX_MAX];
	uint32_t len;
	uint64_t pos;      /* stream position of bytes[0] */
	uint64_t ts_ns;    /* arrival of bytes[0] */
	bool broken;       /* not contiguous, or not all captured: no more piling up */
};

struct proto_conn {
	const struct protocol *protocol;
	uint32_t protocol_flags;
	void *protocol_state; /* conn_state_size bytes */
	struct detect_prefix prefix[ST_DIR_NR];
	/* The direction whose prefix made the detection: fed before the event. */
	uint8_t prefix_replay;
	bool given_up;        /* not recognised, or not decodable any more */
	bool encrypted;       /* TLS handshake done */
	bool plaintext;       /* a TLS connection's plaintext (ST_TLS_PLAINTEXT) */
	/* The queue overflowed: which response answers which request is no
	 * longer known, so messages are reported one by one. */
	bool desynced;
	bool datagram;
	uint8_t client_dir;   /* direction that carries requests */
	uint64_t detect_bytes;
	struct stream streams[ST_DIR_NR];
	struct pending_request *queue; /* ring */
	uint32_t queue_head;
	uint32_t queue_count;
	uint32_t queue_cap;
	/* A response that came while its request was still arriving (an
	 * early 405): paired when the request ends. */
	struct pending_request *early;
	struct secret_range secrets[EXCHANGE_SECRETS_MAX];
	uint32_t secrets_next;
};

/* An exchange held until its event has printed, with its own copies. */
struct ready_exchange {
	struct exchange exchange;
	bool has_request, has_response;
	struct message request, response;
};

/* What a parser's secret() call needs to place its offsets. */
struct secret_sink {
	struct proto_conn *conn;
	uint8_t direction;
	uint64_t base;
};

void exchange_tracker_init(struct exchange_tracker *tracker, exchange_fn on_exchange, void *ctx)
{
	memset(tracker, 0, sizeof(*tracker));
	tracker->on_exchange = on_exchange;
	tracker->ctx = ctx;
}

void exchange_tracker_free(struct exchange_tracker *tracker)
{
	free(tracker->ready);
	tracker->ready = NULL;
	tracker->ready_count = tracker->ready_cap = 0;
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

static void message_clear(struct stream *s)
{
	s->in_message = s->finish_at_skip = s->unsolicited = s->spanned = false;
	s->after = STREAM_GOES_ON;
	s->role = ROLE_OF_SENDER;
	s->msg.partial = s->msg.started = false;
	memset(s->msg.body, 0, s->msg.protocol ? s->msg.protocol->body_size : 0);
}

/* Drops what the stream holds and starts over at pos. */
static void stream_restart(struct stream *s, uint64_t pos)
{
	s->segs = 0;
	s->len = s->off = s->seen = 0;
	s->base = pos;
	s->skip_to = 0;
	s->until_close = s->lost = false;
	message_clear(s);
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
	tracker->memory_used -= (uint64_t)conn->queue_cap * sizeof(*conn->queue);
	free(conn->queue);
	if (conn->early) {
		tracker->memory_used -= sizeof(*conn->early);
		free(conn->early);
	}
	if (conn->protocol_state) {
		if (conn->protocol->conn_state_free)
			conn->protocol->conn_state_free(conn->protocol_state);
		tracker->memory_used -= conn->protocol->conn_state_size;
		free(conn->protocol_state);
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
		       const struct event *ev, const uint8_t *bytes, size_t len)
{
	uint8_t other = ev->direction == ST_DIR_SEND ? ST_DIR_RECV : ST_DIR_SEND;

	if (conn->datagram ? !proto->datagram : proto->datagram && !proto->stream_framed)
		return false;
	/* Known role: only the right side may start. Unknown: either side,
	 * the server first when it speaks first (SSH). */
	bool sender_is_client = (ev->sock_flags & ST_SOCK_CLIENT) ? ev->direction == ST_DIR_SEND
				: (ev->sock_flags & ST_SOCK_SERVER) ? ev->direction == ST_DIR_RECV
								    : !proto->server_first;
	bool role_known = ev->sock_flags & (ST_SOCK_CLIENT | ST_SOCK_SERVER);

	for (int side = 0; side < 2; side++) {
		bool from_client = side == 0 ? sender_is_client : !sender_is_client;
		if (side == 1 && role_known)
			break;
		if (proto->detect(bytes, len, from_client)) {
			conn->protocol = proto;
			conn->client_dir = from_client ? ev->direction : other;
			for (int d = 0; d < ST_DIR_NR; d++)
				conn->streams[d].msg.protocol = proto;
			return true;
		}
	}
	return false;
}

static bool protocol_try(struct proto_conn *conn, const struct event *ev, const uint8_t *bytes,
			 size_t len)
{
	uint16_t port = remote_port(ev);

	for (unsigned i = 0; i < protocol_count; i++)
		if (port && protocol_registry[i]->port_hint == port &&
		    detect_one(conn, protocol_registry[i], ev, bytes, len))
			return true;
	for (unsigned i = 0; i < protocol_count; i++)
		if (detect_one(conn, protocol_registry[i], ev, bytes, len))
			return true;
	return false;
}

/* Room for the recognised protocol's own connection state. */
static void protocol_state_make(struct exchange_tracker *tracker, struct proto_conn *conn)
{
	size_t size = conn->protocol->conn_state_size;

	if (!size)
		return;
	if (size > PROTOCOL_CONN_STATE_MAX ||
	    tracker->memory_used + size > EXCHANGE_MEMORY_MAX ||
	    !(conn->protocol_state = calloc(1, size))) {
		tracker->conns_not_decoded++;
		conn->given_up = true;
		return;
	}
	tracker->memory_used += size;
}

/* After an upgrade (HTTP/1.1 101 to h2c) the protocol whose token it is
 * parses both directions from the next byte; none: decoding stops. */
static void protocol_switch(struct exchange_tracker *tracker, struct proto_conn *conn,
			    const char *token)
{
	const struct stream *s = conn->streams;
	const struct protocol *next = NULL;

	for (unsigned i = 0; i < protocol_count; i++)
		if (protocol_registry[i]->upgrade_token &&
		    !strncmp(protocol_registry[i]->upgrade_token, token, sizeof(s->upgrade_to)))
			next = protocol_registry[i];
	if (conn->protocol_state) {
		if (conn->protocol->conn_state_free)
			conn->protocol->conn_state_free(conn->protocol_state);
		tracker->memory_used -= conn->protocol->conn_state_size;
		free(conn->protocol_state);
		conn->protocol_state = NULL;
	}
	if (!next || conn->queue_count || conn->early) {
		conn->given_up = true;
		return;
	}
	conn->protocol = next;
	conn->protocol_flags = PROTOCOL_SWITCHED_TO;
	for (int d = 0; d < ST_DIR_NR; d++) {
		conn->streams[d].msg.protocol = next;
		message_clear(&conn->streams[d]);
	}
	protocol_state_make(tracker, conn);
}

/* Adds ev's bytes to its direction's pile of first bytes; false when they
 * do not pile (not contiguous, not all captured, too many, a datagram). */
static bool prefix_add(struct proto_conn *conn, struct detect_prefix *prefix,
		       const struct event *ev)
{
	if (conn->datagram || (prefix->len && prefix->pos + prefix->len != ev->pos) ||
	    prefix->len + ev->captured > DETECT_PREFIX_MAX)
		prefix->broken = true;
	if (prefix->broken)
		return false;
	if (!prefix->len) {
		prefix->pos = ev->pos;
		prefix->ts_ns = ev->ts_ns;
	}
	memcpy(prefix->bytes + prefix->len, ev->data, ev->captured);
	prefix->len += ev->captured;
	if (ev->captured < ev->bytes)
		prefix->broken = true;
	return true;
}

static void protocol_detect(struct exchange_tracker *tracker, struct proto_conn *conn,
			    const struct event *ev)
{
	struct detect_prefix *prefix = &conn->prefix[ev->direction];
	bool piled_before = prefix->len && !prefix->broken;

	/* Bytes already piled up start the stream: they are tried first
	 * (dnsmasq reads a DNS-over-TCP length, then the message after it). */
	if (piled_before && prefix_add(conn, prefix, ev) &&
	    protocol_try(conn, ev, prefix->bytes, prefix->len)) {
		/* Fed first, with this event's bytes as their tail. */
		prefix->len -= ev->captured;
		conn->prefix_replay = ev->direction;
		protocol_state_make(tracker, conn);
		return;
	}
	if (protocol_try(conn, ev, ev->data, ev->captured)) {
		protocol_state_make(tracker, conn);
		return;
	}
	if (!piled_before)
		prefix_add(conn, prefix, ev);
	conn->detect_bytes += ev->captured;
	if (conn->detect_bytes >= DETECT_BYTES_MAX)
		conn->given_up = true;
}

static struct proto_conn *conn_state_get(struct exchange_tracker *tracker,
					 struct proto_conn **state, const struct event *ev)
{
	if (*state)
		return *state;
	if (tracker->memory_used + sizeof(**state) > EXCHANGE_MEMORY_MAX) {
		tracker->conns_not_decoded++;
		return NULL;
	}
	*state = calloc(1, sizeof(**state));
	if (!*state)
		return NULL;
	tracker->memory_used += sizeof(**state);
	(*state)->datagram = ev->sock_type == SOCK_DGRAM;
	(*state)->plaintext = ev->tls & ST_TLS_PLAINTEXT;
	for (int d = 0; d < ST_DIR_NR; d++)
		(*state)->streams[d].fresh = true;
	return *state;
}

/* Messages are copied as far as their protocol's struct goes: a body is
 * 4 KiB, most protocols use a fraction of it. */
static void message_copy(struct message *dst, const struct message *src)
{
	const struct protocol *protocol = src->protocol;
	size_t body = !protocol		 ? 0
		      : protocol->body_used ? protocol->body_used(src)
					    : protocol->body_size;

	memcpy(dst, src, offsetof(struct message, body) + body);
}

static void pending_set(struct pending_request *dst, const struct message *msg,
			uint64_t first_ts, uint64_t last_ts, uint64_t bytes)
{
	message_copy(&dst->msg, msg);
	dst->first_ts_ns = first_ts;
	dst->last_ts_ns = last_ts;
	dst->bytes = bytes;
}

static void pending_copy(struct pending_request *dst, const struct pending_request *src)
{
	pending_set(dst, &src->msg, src->first_ts_ns, src->last_ts_ns, src->bytes);
}

/* Queue */

static struct pending_request *queue_at(struct proto_conn *conn, uint32_t i)
{
	return &conn->queue[(conn->queue_head + i) % conn->queue_cap];
}

static void queue_pop(struct proto_conn *conn)
{
	conn->queue_head = (conn->queue_head + 1) % conn->queue_cap;
	conn->queue_count--;
}

/* Room for one more request; false when the queue may not grow. */
static bool queue_room(struct exchange_tracker *tracker, struct proto_conn *conn)
{
	uint32_t cap = conn->queue_cap ? conn->queue_cap * 2 : 4;
	uint64_t grow = (uint64_t)(cap - conn->queue_cap) * sizeof(*conn->queue);
	struct pending_request *grown;

	if (conn->queue_count < conn->queue_cap)
		return true;
	if ((uint64_t)cap * sizeof(*conn->queue) > EXCHANGE_QUEUE_BYTES_MAX ||
	    tracker->memory_used + grow > EXCHANGE_MEMORY_MAX)
		return false;
	grown = malloc((size_t)cap * sizeof(*grown));
	if (!grown)
		return false;
	for (uint32_t i = 0; i < conn->queue_count; i++)
		pending_copy(&grown[i], queue_at(conn, i));
	free(conn->queue);
	conn->queue = grown;
	conn->queue_head = 0;
	conn->queue_cap = cap;
	tracker->memory_used += grow;
	return true;
}

/* Output */

/* Returns the held exchange, or NULL without memory for it. */
static struct ready_exchange *exchange_hold(struct exchange_tracker *tracker,
					    const struct proto_conn *conn,
					    const struct pending_request *request,
					    const struct message *response, uint64_t response_ts,
					    uint64_t response_bytes, bool unsolicited)
{
	struct ready_exchange *ready;

	if (tracker->ready_count == tracker->ready_cap) {
		uint32_t cap = tracker->ready_cap ? tracker->ready_cap * 2 : 8;
		struct ready_exchange *grown = realloc(tracker->ready, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		tracker->ready = grown;
		tracker->ready_cap = cap;
	}
	ready = &tracker->ready[tracker->ready_count++];
	ready->has_request = request != NULL;
	ready->has_response = response != NULL;
	if (request)
		message_copy(&ready->request, &request->msg);
	if (response)
		message_copy(&ready->response, response);
	ready->exchange = (struct exchange){
		.protocol = conn->protocol,
		.tls = conn->plaintext,
		.unsolicited = unsolicited,
		.request_ts_ns = request ? request->first_ts_ns : response_ts,
		.response_ts_ns = response ? response_ts : request->last_ts_ns,
		.request_bytes = request ? request->bytes : 0,
		.response_bytes = response_bytes,
	};
	return ready;
}

void exchange_flush(struct exchange_tracker *tracker, const struct event *ev)
{
	for (uint32_t i = 0; i < tracker->ready_count; i++) {
		struct ready_exchange *ready = &tracker->ready[i];

		ready->exchange.request = ready->has_request ? &ready->request : NULL;
		ready->exchange.response = ready->has_response ? &ready->response : NULL;
		tracker->on_exchange(tracker->ctx, ev, &ready->exchange);
	}
	tracker->ready_count = 0;
	/* A burst's room is not kept for every later event. */
	if (tracker->ready_cap > 64) {
		exchange_tracker_free(tracker);
	}
}

/* Pairing */

static void conn_desync(struct exchange_tracker *tracker, struct proto_conn *conn)
{
	if (!conn->desynced)
		tracker->conns_desynced++;
	conn->desynced = true;
	while (conn->queue_count) {
		exchange_hold(tracker, conn, queue_at(conn, 0), NULL, 0, 0, false);
		queue_pop(conn);
	}
}

/* The request a response answers, or -1. */
static int64_t request_find(const struct proto_conn *conn, const struct message *response)
{
	if (conn->desynced || !conn->queue_count)
		return -1;
	if (conn->protocol->pairing != PAIR_BY_ID)
		return 0;
	uint32_t id = conn->protocol->pair_id(response);
	for (uint32_t i = 0; i < conn->queue_count; i++)
		if (conn->protocol->pair_id(&conn->queue[(conn->queue_head + i) % conn->queue_cap]
						   .msg) == id)
			return i;
	return -1;
}

/* Removes the request at `at`, keeping the others in order. */
static void request_remove(struct proto_conn *conn, uint32_t at)
{
	for (uint32_t j = at; j > 0; j--)
		pending_copy(queue_at(conn, j), queue_at(conn, j - 1));
	queue_pop(conn);
}

/* A whole request: paired with an early response, or queued (copied once,
 * into its queue slot). */
static void request_deliver(struct exchange_tracker *tracker, struct proto_conn *conn,
			    const struct message *msg, uint64_t first_ts, uint64_t last_ts,
			    uint64_t bytes)
{
	struct pending_request alone;

	if (!conn->early && !conn->desynced) {
		if (queue_room(tracker, conn)) {
			pending_set(queue_at(conn, conn->queue_count), msg, first_ts, last_ts, bytes);
			conn->queue_count++;
			return;
		}
		tracker->requests_dropped++;
		conn_desync(tracker, conn);
	}
	pending_set(&alone, msg, first_ts, last_ts, bytes);
	if (conn->early) {
		struct pending_request *early = conn->early;
		exchange_hold(tracker, conn, &alone, &early->msg, early->last_ts_ns,
			      early->bytes, false);
		tracker->memory_used -= sizeof(*early);
		free(early);
		conn->early = NULL;
		return;
	}
	exchange_hold(tracker, conn, &alone, NULL, 0, 0, false);
}

/* Holds a response whose request is still arriving; false if it cannot. */
static bool response_hold_early(struct exchange_tracker *tracker, struct proto_conn *conn,
				const struct message *msg, uint64_t ts, uint64_t bytes)
{
	const struct stream *client = &conn->streams[conn->client_dir];

	if (conn->early || conn->desynced || conn->protocol->pairing != PAIR_IN_ORDER ||
	    !client->in_message || tracker->memory_used + sizeof(*conn->early) > EXCHANGE_MEMORY_MAX)
		return false;
	conn->early = malloc(sizeof(*conn->early));
	if (!conn->early)
		return false;
	tracker->memory_used += sizeof(*conn->early);
	pending_set(conn->early, msg, 0, ts, bytes);
	return true;
}

/* A whole message, a request or a response as role says. */
static void message_deliver(struct exchange_tracker *tracker, struct proto_conn *conn,
			    enum message_role role, const struct message *msg, uint64_t first_ts,
			    uint64_t last_ts, uint64_t bytes, bool unsolicited)
{
	struct pending_request request;
	int64_t at;

	if (role == ROLE_ALONE) {
		struct ready_exchange *ready;

		pending_set(&request, msg, first_ts, last_ts, bytes);
		ready = exchange_hold(tracker, conn, &request, NULL, 0, 0, false);
		if (ready)
			ready->exchange.alone = true;
		return;
	}
	if (role == ROLE_REQUEST) {
		request_deliver(tracker, conn, msg, first_ts, last_ts, bytes);
		return;
	}
	if (unsolicited) {
		exchange_hold(tracker, conn, NULL, msg, last_ts, bytes, true);
		return;
	}
	at = request_find(conn, msg);
	if (at < 0) {
		if (!response_hold_early(tracker, conn, msg, last_ts, bytes))
			exchange_hold(tracker, conn, NULL, msg, last_ts, bytes, false);
		return;
	}
	exchange_hold(tracker, conn, queue_at(conn, (uint32_t)at), msg, last_ts, bytes,
		      false);
	request_remove(conn, (uint32_t)at);
}

/* Streams */

static void message_finish(struct exchange_tracker *tracker, struct proto_conn *conn,
			   struct stream *s, uint64_t end, uint64_t last_ts, bool from_client)
{
	/* A multiplexed protocol's message that lost its framing spans
	 * others': the parser accounts for it, the engine cannot. */
	bool deliver = s->finish_state == PARSE_COMPLETE && !s->lost
			       ? true
			       : s->msg.partial && !conn->protocol->multiplexed;

	if (deliver) {
		enum message_role role = s->role != ROLE_OF_SENDER ? s->role
					 : from_client		 ? ROLE_REQUEST
								 : ROLE_RESPONSE;
		message_deliver(tracker, conn, role, &s->msg,
				s->spanned ? s->span_first_ts_ns : s->first_ts_ns, last_ts,
				s->spanned ? s->span_bytes : end - s->msg_start, s->unsolicited);
		if (s->after == STREAM_ENDS)
			conn->given_up = true;
		else if (s->after == STREAM_ENCRYPTED)
			conn->encrypted = true;
		else if (s->after == STREAM_SWITCHES)
			protocol_switch(tracker, conn, s->upgrade_to);
	}
	message_clear(s);
}

static void buffer_consume(struct stream *s, uint32_t n)
{
	s->off += n;
	s->len -= n;
	if (!s->len)
		s->off = 0;
	s->base += n;
}

/* Bytes at pos cannot be parsed: the message they belong to (or one that
 * starts there) takes the rest of this direction until the other side
 * speaks. */
static void stream_lose(struct exchange_tracker *tracker, struct stream *s, uint64_t pos,
			uint64_t ts)
{
	if (s->lost)
		return;
	if (!s->in_message) {
		s->in_message = true;
		s->msg_start = pos;
		s->first_ts_ns = ts;
	}
	tracker->messages_partial++;
	s->lost = true;
	s->msg.partial = true;
	s->until_close = false;
	s->finish_at_skip = false;
	s->len = s->off = s->seen = 0;
	s->skip_to = 0;
}

static void secret_mark(const struct parse_ctx *ctx, size_t offset, size_t len)
{
	const struct secret_sink *sink = ctx->engine;
	struct proto_conn *conn = sink->conn;
	struct secret_range *range = &conn->secrets[conn->secrets_next++ % EXCHANGE_SECRETS_MAX];

	range->direction = sink->direction;
	range->start = sink->base + offset;
	range->end = range->start + len;
}

/* Runs the parser over what the stream holds. */
static void stream_parse(struct exchange_tracker *tracker, struct proto_conn *conn,
			 struct stream *s, const struct event *ev, bool from_client)
{
	while (s->len && s->skip_to <= s->base && !s->until_close && !s->lost) {
		/* Read anew each time: an upgrade switches it. */
		const struct protocol *proto = conn->protocol;
		const struct pending_request *head =
			!from_client && conn->queue_count ? queue_at(conn, 0) : NULL;
		struct secret_sink sink = { conn, ev->direction, s->base };
		struct parse_ctx ctx = {
			.from_client = from_client,
			.stream = true,
			.request = head ? &head->msg : NULL,
			.seen = s->seen,
			.conn_flags = &conn->protocol_flags,
			.conn_state = conn->protocol_state,
			.secret = secret_mark,
			.engine = &sink,
			.pos = s->base,
			.ts_ns = stream_ts_at(s, s->base, ev->ts_ns),
		};
		struct parse_result r = proto->parse(s->buf + s->off, s->len, &ctx, &s->msg);

		if (r.state == PARSE_NEED_MORE) {
			s->seen = s->len;
			if (s->len >= STREAM_BUFFER_MAX) {
				tracker->pieces_too_large++;
				stream_lose(tracker, s, s->base, stream_ts_at(s, s->base, ev->ts_ns));
			}
			return;
		}
		s->seen = 0;
		if (r.state == PARSE_INVALID || r.consumed > s->len) {
			tracker->streams_invalid++;
			stream_lose(tracker, s, s->base, stream_ts_at(s, s->base, ev->ts_ns));
			return;
		}
		if (!s->in_message) {
			s->in_message = true;
			s->msg_start = s->base;
			s->first_ts_ns = stream_ts_at(s, s->base, ev->ts_ns);
		}
		s->msg.started = true;
		buffer_consume(s, (uint32_t)r.consumed);
		if (r.until_close) {
			s->until_close = true;
			s->finish_state = r.state == PARSE_CONTINUE ? PARSE_COMPLETE : r.state;
			s->after = r.after;
			s->len = s->off = 0;
			return;
		}
		/* Skip what the buffer already holds of the skipped part. */
		uint64_t skip = r.skip;
		uint32_t held = skip < s->len ? (uint32_t)skip : s->len;
		if (held && proto->skipped)
			proto->skipped(&s->msg, conn->protocol_state, s->buf + s->off, held, 0);
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
		memcpy(s->upgrade_to, r.upgrade_to, sizeof(s->upgrade_to));
		s->unsolicited = r.unsolicited && !from_client;
		s->role = r.role;
		s->spanned = r.spanned;
		s->span_first_ts_ns = r.span_first_ts_ns;
		s->span_bytes = r.span_bytes;
		if (skip) {
			s->finish_at_skip = true;
			return;
		}
		message_finish(tracker, conn, s, s->base, ev->ts_ns, from_client);
		if (conn->given_up || conn->encrypted)
			return;
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

	if (conn->protocol->skipped && s->in_message && cut)
		conn->protocol->skipped(&s->msg, conn->protocol_state, *data, cut_captured,
					cut - cut_captured);
	*pos += cut;
	*data += cut_captured;
	*captured -= cut_captured;
	s->base = *pos; /* the buffer is empty while skipping */
	if (*pos >= s->skip_to && s->finish_at_skip)
		message_finish(tracker, conn, s, s->skip_to, ev->ts_ns, from_client);
}

/* The other side spoke: a lost message of this side has ended. */
static void lost_finish(struct exchange_tracker *tracker, struct proto_conn *conn,
			struct stream *s, bool from_client)
{
	if (!s->lost)
		return;
	message_finish(tracker, conn, s, s->end, s->last_ts_ns, from_client);
	s->lost = false;
	s->fresh = true;
	if (from_client || conn->protocol->pairing != PAIR_IN_ORDER)
		return;
	/* Requests that were waiting behind the partial reply were answered
	 * inside its bytes: the client spoke after all of them. Left waiting,
	 * each later reply would pair with the request before its own. */
	while (conn->queue_count) {
		struct ready_exchange *ready =
			exchange_hold(tracker, conn, queue_at(conn, 0), NULL, 0, 0, false);
		if (ready)
			ready->exchange.answered_before = true;
		queue_pop(conn);
		tracker->requests_answered_unseen++;
	}
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

	/* A multiplexed parser finds its next frame itself, at any event:
	 * waiting for the other side would lose every message till then. */
	if (s->lost && conn->protocol->multiplexed) {
		s->lost = false;
		s->fresh = true;
	}
	if (s->fresh) {
		stream_restart(s, pos);
		s->fresh = false;
	} else if (s->lost || s->until_close) {
		/* Every byte belongs to the message already begun. */
		s->end = end > s->end ? end : s->end;
		s->last_ts_ns = ev->ts_ns;
		return;
	}
	if (s->skip_to > pos) {
		skip_through(tracker, conn, s, ev, from_client, &pos, end, &data, &captured);
		if (conn->given_up || conn->encrypted)
			goto done;
	}
	if (pos < end && s->base + s->len != pos) {
		/* Bytes were not seen (an earlier event's uncaptured rest, or a
		 * lost sample): the message they were in is partial. */
		stream_lose(tracker, s, s->len ? s->base : s->base + s->len,
			    stream_ts_at(s, s->base, s->last_ts_ns));
		goto done;
	}
	if (!captured) {
		/* Nothing captured (sendfile, a zero data size): the message
		 * these bytes are in goes undecoded. */
		if (pos < end)
			stream_lose(tracker, s, s->len ? s->base : pos,
				    stream_ts_at(s, s->base, ev->ts_ns));
		goto done;
	}
	if (captured > STREAM_BUFFER_MAX - s->len) {
		tracker->pieces_too_large++;
		stream_lose(tracker, s, s->base, stream_ts_at(s, s->base, ev->ts_ns));
		goto done;
	}
	if (s->off && s->off + s->len + captured > s->cap) {
		/* What was consumed goes: once per append, not per piece. */
		memmove(s->buf, s->buf + s->off, s->len);
		s->off = 0;
	}
	if (s->len + captured > s->cap) {
		uint32_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + captured)
			cap *= 2;
		uint8_t *grown = tracker->memory_used + cap - s->cap > EXCHANGE_MEMORY_MAX
					 ? NULL
					 : realloc(s->buf, cap);
		if (!grown) {
			tracker->conns_not_decoded++;
			conn->given_up = true;
			goto done;
		}
		tracker->memory_used += cap - s->cap;
		s->buf = grown;
		s->cap = cap;
	}
	memcpy(s->buf + s->off + s->len, data, captured);
	s->len += (uint32_t)captured;
	stream_segment_add(s, s->base + s->len, ev->ts_ns);
	stream_parse(tracker, conn, s, ev, from_client);
	/* The uncaptured rest of this event: a body the parser is skipping
	 * may cover it; otherwise its message is partial. */
	tail = pos + captured;
	if (tail < end && !s->lost && !s->until_close && !conn->given_up && !conn->encrypted) {
		if (!s->len && s->skip_to > tail) {
			captured = 0;
			skip_through(tracker, conn, s, ev, from_client, &tail, end, &data, &captured);
		}
		if (tail < end && !(s->skip_to >= end && !s->len))
			stream_lose(tracker, s, s->len ? s->base : tail,
				    stream_ts_at(s, s->base, ev->ts_ns));
	}
done:
	s->end = end > s->end ? end : s->end;
	s->last_ts_ns = ev->ts_ns;
}

/* A datagram is one message. */
static void datagram_feed(struct exchange_tracker *tracker, struct proto_conn *conn,
			  const struct event *ev)
{
	struct stream *s = &conn->streams[ev->direction];
	struct secret_sink sink = { conn, ev->direction, ev->pos };
	struct parse_ctx ctx = {
		.from_client = ev->direction == conn->client_dir,
		.conn_flags = &conn->protocol_flags,
		.conn_state = conn->protocol_state,
		.secret = secret_mark,
		.engine = &sink,
	};
	struct parse_result r;
	bool from_client;

	message_clear(s);
	r = conn->protocol->parse(ev->data, ev->captured, &ctx, &s->msg);
	if (r.state != PARSE_COMPLETE)
		return;
	s->msg.started = true;
	from_client = conn->protocol->is_response ? !conn->protocol->is_response(&s->msg)
						  : ctx.from_client;
	message_deliver(tracker, conn, from_client ? ROLE_REQUEST : ROLE_RESPONSE, &s->msg,
			ev->ts_ns, ev->ts_ns, ev->bytes, r.unsolicited);
}

void exchange_classify(struct exchange_tracker *tracker, struct proto_conn **state,
		       struct event *ev)
{
	struct proto_conn *conn;

	if (ev->syscall == ST_SYS_SENDFILE && !*state)
		return; /* nothing captured to detect from */
	conn = conn_state_get(tracker, state, ev);
	if (!conn)
		return;
	if (!conn->protocol && !conn->given_up && ev->captured)
		protocol_detect(tracker, conn, ev);
	ev->protocol = protocol_number(conn->protocol);
	ev->encrypted = conn->encrypted;
}

/* Credentials in bytes no parser took: the connection's protocol's scan,
 * or every protocol's for a connection none claimed. */
static void secrets_scan(struct proto_conn *conn, const struct event *ev)
{
	struct secret_sink sink = { conn, ev->direction, ev->pos };
	struct parse_ctx ctx = { .secret = secret_mark, .engine = &sink };

	if (conn->encrypted || !ev->captured)
		return;
	if (conn->protocol && !conn->given_up) {
		if (conn->protocol->secrets_scan)
			conn->protocol->secrets_scan(ev->data, ev->captured, &ctx);
		return;
	}
	for (unsigned i = 0; i < protocol_count; i++)
		if (protocol_registry[i]->secrets_scan)
			protocol_registry[i]->secrets_scan(ev->data, ev->captured, &ctx);
}

void exchange_on_data(struct exchange_tracker *tracker, struct proto_conn *conn,
		      const struct event *ev)
{
	if (!conn || conn->encrypted)
		return;
	if (!conn->protocol || conn->given_up) {
		secrets_scan(conn, ev);
		return;
	}
	if (conn->datagram) {
		datagram_feed(tracker, conn, ev);
		return;
	}
	if (conn->prefix_replay) {
		/* Detected on piled-up first bytes: they start the stream. */
		struct detect_prefix *prefix = &conn->prefix[conn->prefix_replay];
		struct event first = *ev;

		conn->prefix_replay = 0;
		first.pos = prefix->pos;
		first.ts_ns = prefix->ts_ns;
		first.data = prefix->bytes;
		first.captured = first.bytes = prefix->len;
		if (prefix->len)
			exchange_on_data(tracker, conn, &first);
	}
	bool from_client = ev->direction == conn->client_dir;
	struct stream *other =
		&conn->streams[ev->direction == ST_DIR_SEND ? ST_DIR_RECV : ST_DIR_SEND];

	struct stream *s = &conn->streams[ev->direction];
	bool lost_before = s->lost;

	lost_finish(tracker, conn, other, !from_client);
	stream_feed(tracker, conn, s, ev, from_client);
	/* Bytes of a message the parser could not take (a refused field
	 * line before a cookie, say) are looked over for credentials. */
	if (s->lost || lost_before)
		secrets_scan(conn, ev);
}

const uint8_t *exchange_masked(const struct proto_conn *conn, const struct event *ev,
			       uint8_t *scratch)
{
	uint64_t start = ev->pos, end = ev->pos + ev->captured;
	bool copied = false;

	if (!conn)
		return ev->data;
	for (uint32_t i = 0; i < EXCHANGE_SECRETS_MAX; i++) {
		const struct secret_range *range = &conn->secrets[i];

		if (range->direction != ev->direction || range->end <= start ||
		    range->start >= end)
			continue;
		if (!copied) {
			memcpy(scratch, ev->data, ev->captured);
			copied = true;
		}
		uint64_t from = range->start > start ? range->start : start;
		uint64_t to = range->end < end ? range->end : end;
		memset(scratch + (from - start), '*', to - from);
	}
	return copied ? scratch : ev->data;
}

/* At close, a multiplexed parser hands over the messages it holds
 * unfinished, one a call; each is partial. */
static void multiplexed_drain(struct exchange_tracker *tracker, struct proto_conn *conn,
			      struct stream *s, bool from_client)
{
	struct parse_ctx ctx = {
		.from_client = from_client,
		.stream = true,
		.conn_flags = &conn->protocol_flags,
		.conn_state = conn->protocol_state,
		.pos = s->end,
		.ts_ns = s->last_ts_ns,
		.closing = true,
	};

	for (;;) {
		struct parse_result r;

		message_clear(s);
		r = conn->protocol->parse(NULL, 0, &ctx, &s->msg);
		if (r.state != PARSE_COMPLETE)
			break;
		tracker->messages_partial++;
		s->msg.partial = s->msg.started = true;
		s->finish_state = PARSE_COMPLETE;
		s->lost = false;
		s->role = r.role;
		s->spanned = r.spanned;
		s->span_first_ts_ns = r.span_first_ts_ns;
		s->span_bytes = r.span_bytes;
		message_finish(tracker, conn, s, s->end, s->last_ts_ns, from_client);
	}
	message_clear(s);
}

void exchange_on_close(struct exchange_tracker *tracker, struct proto_conn **state,
		       struct event *ev)
{
	struct proto_conn *conn = *state;

	if (!conn)
		return;
	ev->protocol = protocol_number(conn->protocol);
	if (conn->protocol && conn->protocol->multiplexed && !conn->given_up &&
	    !conn->datagram) {
		/* Requests first, so that the responses find them. */
		uint8_t server_dir = conn->client_dir == ST_DIR_SEND ? ST_DIR_RECV : ST_DIR_SEND;

		multiplexed_drain(tracker, conn, &conn->streams[conn->client_dir], true);
		multiplexed_drain(tracker, conn, &conn->streams[server_dir], false);
	} else if (conn->protocol && !conn->datagram) {
		for (int d = 0; d < ST_DIR_NR; d++) {
			struct stream *s = &conn->streams[d];
			bool from_client = d == conn->client_dir;

			if (s->until_close) {
				message_finish(tracker, conn, s, s->end, s->last_ts_ns, from_client);
			} else if (s->in_message && !conn->given_up && !conn->encrypted) {
				/* Cut short by the close: what there is of it. */
				if (!s->lost)
					tracker->messages_partial++;
				s->msg.partial = true;
				message_finish(tracker, conn, s, s->end, s->last_ts_ns, from_client);
			}
		}
	}
	if (conn->early) {
		exchange_hold(tracker, conn, NULL, &conn->early->msg,
			      conn->early->last_ts_ns, conn->early->bytes, false);
	}
	/* Requests that never got an answer are reported too. */
	while (conn->queue_count) {
		exchange_hold(tracker, conn, queue_at(conn, 0), NULL, 0, 0, false);
		queue_pop(conn);
	}
	exchange_flush(tracker, ev);
	exchange_forget(tracker, state);
}
