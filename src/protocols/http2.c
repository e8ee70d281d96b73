/*
 * HTTP/2 frames, per direction (RFC 9113 section 4 and 6). Each call takes
 * one frame: control frames are consumed and ignored (SETTINGS applied),
 * header blocks are decoded as they come (the HPACK table must follow every
 * block, of every stream), DATA payloads are skipped past (seen through
 * http2_skipped for gRPC's prefixes). A stream side that ends hands its
 * message over; the frame that ended it may end the other side too (a
 * reset, a response before its request ended), so one frame can hand over
 * several messages: one per call, the frame consumed with the last.
 */
#include "protocols/http2.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "protocols/http2_hpack.h"
#include "protocols/parse_util.h"

static const uint8_t http2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define PREFACE_LEN (sizeof(http2_preface) - 1) /* 24 */
/* "PRI * HTTP/2.0\r\n" tells it from HTTP/1.x. */
#define PREFACE_DETECT_MIN 16
#define FRAME_HEADER 9
#define DEFAULT_MAX_FRAME 16384u
#define LARGEST_MAX_FRAME 16777215u

enum { FLAG_END_STREAM = 0x1, FLAG_ACK = 0x1, FLAG_END_HEADERS = 0x4, FLAG_PADDED = 0x8,
       FLAG_PRIORITY = 0x20 };
enum { SETTINGS_HEADER_TABLE_SIZE = 1, SETTINGS_MAX_FRAME_SIZE = 5 };

/* Stream slots of every connection together. */
#define SLOT_MEMORY_MAX (64u << 20)
/* A GOAWAY's debug data kept; the rest is skipped. */
#define GOAWAY_KEPT (8 + TEXT_SHORT)

_Static_assert(sizeof(struct http2_conn) <= PROTOCOL_CONN_STATE_MAX,
	       "HTTP/2 connection state must fit");

static struct {
	uint64_t streams_untracked; /* no slot: table full or memory */
	uint64_t frames_invalid;
} h2_stats;
static uint64_t slot_memory;

const char *http2_error_name(uint32_t code)
{
	static const char *const names[] = {
		"NO_ERROR",	  "PROTOCOL_ERROR", "INTERNAL_ERROR",	   "FLOW_CONTROL_ERROR",
		"SETTINGS_TIMEOUT", "STREAM_CLOSED",  "FRAME_SIZE_ERROR",    "REFUSED_STREAM",
		"CANCEL",	  "COMPRESSION_ERROR", "CONNECT_ERROR",	   "ENHANCE_YOUR_CALM",
		"INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
	};

	return code < sizeof(names) / sizeof(names[0]) ? names[code] : NULL;
}

static uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

struct frame {
	uint32_t len;
	uint8_t type, flags;
	uint32_t stream;
};

static struct frame frame_header(const uint8_t *p)
{
	return (struct frame){ be24(p), p[3], p[4], be32_load(p + 5) & 0x7fffffffu };
}

/* The fixed sizes and stream rules of RFC 9113 section 6; unknown types
 * are allowed (and skipped) where known says so. */
static bool frame_valid(const struct frame *f, uint32_t max_frame, bool known)
{
	if (f->len > max_frame)
		return false;
	switch (f->type) {
	case H2_DATA:
	case H2_HEADERS:
	case H2_CONTINUATION:
		return f->stream != 0;
	case H2_PRIORITY:
		return f->stream != 0 && f->len == 5;
	case H2_RST_STREAM:
		return f->stream != 0 && f->len == 4;
	case H2_SETTINGS:
		return f->stream == 0 && f->len % 6 == 0 && (!(f->flags & FLAG_ACK) || !f->len);
	case H2_PUSH_PROMISE:
		return f->stream != 0 && f->len >= 4;
	case H2_PING:
		return f->stream == 0 && f->len == 8;
	case H2_GOAWAY:
		return f->stream == 0 && f->len >= 8;
	case H2_WINDOW_UPDATE:
		return f->len == 4;
	default:
		return !known;
	}
}

/* Stream ids a connection joined midway may show (8 million requests):
 * other binary protocols' bytes read as a frame header often give larger. */
#define DETECT_STREAM_MAX 0xffffffu

/* Frames from the first byte: at least one whole, the last maybe cut. */
static bool frames_plausible(const uint8_t *buf, size_t len)
{
	size_t at = 0;
	unsigned whole = 0;

	while (len - at >= FRAME_HEADER) {
		struct frame f = frame_header(buf + at);

		if (!frame_valid(&f, DEFAULT_MAX_FRAME, true) || f.stream > DETECT_STREAM_MAX)
			return false;
		if (len - at - FRAME_HEADER < f.len)
			return whole > 0;
		at += FRAME_HEADER + f.len;
		whole++;
	}
	return whole > 0 && at == len;
}

bool http2_detect(const uint8_t *buf, size_t len, bool from_client)
{
	size_t n = len < PREFACE_LEN ? len : PREFACE_LEN;

	if (from_client && len >= PREFACE_DETECT_MIN && !memcmp(buf, http2_preface, n))
		return true;
	/* A connection joined midway: frames. */
	return frames_plausible(buf, len);
}

/* Slots */

static struct slot *slot_find(struct http2_conn *conn, uint32_t stream, uint8_t side)
{
	for (uint32_t i = 0; i < conn->slot_cap; i++) {
		struct slot *s = &conn->slots[i];

		if (s->used && s->half.stream_id == stream && s->side == side)
			return s;
	}
	return NULL;
}

static struct slot *slot_new(struct http2_conn *conn, uint32_t stream, uint8_t side,
			     uint64_t ts_ns)
{
	struct slot *s = NULL;

	for (uint32_t i = 0; i < conn->slot_cap && !s; i++)
		if (!conn->slots[i].used)
			s = &conn->slots[i];
	if (!s) {
		uint32_t cap = conn->slot_cap ? conn->slot_cap * 2 : 8;
		size_t grow = (size_t)(cap - conn->slot_cap) * sizeof(*s);
		struct slot *grown;

		if (cap > HTTP2_STREAMS_MAX || slot_memory + grow > SLOT_MEMORY_MAX ||
		    !(grown = realloc(conn->slots, (size_t)cap * sizeof(*s)))) {
			h2_stats.streams_untracked++;
			return NULL;
		}
		memset(grown + conn->slot_cap, 0, grow);
		slot_memory += grow;
		s = grown + conn->slot_cap;
		conn->slots = grown;
		conn->slot_cap = cap;
	}
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->side = side;
	s->first_ts_ns = ts_ns;
	s->half.stream_id = stream;
	return s;
}

/* The slot for a stream side, made when the stream is new to us. */
static struct slot *slot_get(struct http2_conn *conn, uint32_t stream, uint8_t side,
			     uint64_t ts_ns)
{
	struct slot *s = slot_find(conn, stream, side);

	if (s)
		return s;
	/* A client stream at or below the highest begun has ended, unless
	 * its request is still arriving. */
	if (stream % 2 && stream <= conn->highest_stream &&
	    (side == H2_CLIENT || !slot_find(conn, stream, H2_CLIENT)))
		return NULL;
	if (stream % 2 && side == H2_CLIENT)
		conn->highest_stream = stream;
	return slot_new(conn, stream, side, ts_ns);
}

void http2_conn_state_free(void *conn_state)
{
	struct http2_conn *conn = conn_state;

	for (int d = 0; d < H2_SIDES; d++)
		hpack_decoder_stop(&conn->dir[d].hpack);
	slot_memory -= (uint64_t)conn->slot_cap * sizeof(*conn->slots);
	free(conn->slots);
	conn->slots = NULL;
	conn->slot_cap = 0;
}

/* Handing over */

static void pending_add(struct direction *dir, uint32_t stream, uint8_t side,
			enum message_role role)
{
	if (dir->pending_count < sizeof(dir->pending) / sizeof(dir->pending[0]))
		dir->pending[dir->pending_count++] = (struct pending){ stream, side, role };
}

/* The side ended: it goes, after its request when a response ends first
 * (the client still sending: its request is reported open). */
static void side_ends(struct http2_conn *conn, struct direction *dir, struct slot *s)
{
	s->ended = true;
	if (s->side == H2_SERVER) {
		struct slot *request = slot_find(conn, s->half.stream_id, H2_CLIENT);

		if (request) {
			request->half.open = !request->ended;
			pending_add(dir, s->half.stream_id, H2_CLIENT, ROLE_REQUEST);
		}
	}
	pending_add(dir, s->half.stream_id, s->side, s->side == H2_CLIENT ? ROLE_REQUEST : ROLE_RESPONSE);
}

/* Fills msg with the next message handed over; the last one consumes the
 * frame. */
static struct parse_result pending_next(struct http2_conn *conn, struct direction *dir,
					struct message *msg)
{
	struct http2_message *h = PROTOCOL_BODY(msg, struct http2_message);
	struct parse_result r = { .state = PARSE_COMPLETE, .spanned = true };
	struct pending p;
	struct slot *s;
	bool last, data;

	do {
		p = dir->pending[dir->pending_next++];
		s = slot_find(conn, p.stream, p.side);
		last = dir->pending_next == dir->pending_count;
	} while (!s && !last);
	data = last && dir->pending_is_data;
	if (last) {
		r.consumed = dir->pending_consumed;
		r.skip = dir->pending_skip;
		dir->pending_count = dir->pending_next = 0;
		dir->pending_is_data = false;
	}
	if (!s) {
		r.state = PARSE_IGNORED;
		return r;
	}
	h->half = s->half;
	msg->partial = s->gap;
	r.role = p.role;
	r.span_first_ts_ns = s->first_ts_ns;
	r.span_bytes = s->bytes;
	s->used = false;
	/* A request now waits for its response: its side holds the place, so
	 * that a reset finds the stream. */
	if (p.side == H2_CLIENT && !slot_find(conn, p.stream, H2_SERVER))
		slot_new(conn, p.stream, H2_SERVER, 0);
	if (data) {
		h->emitting = true;
		h->skip_stream = p.stream;
		h->skip_dir = p.side;
		h->skip_data_left = dir->pending_data_left;
	}
	return r;
}

/* What a frame's call returns once the frame is handled: its messages,
 * or nothing. */
static struct parse_result frame_done(struct http2_conn *conn, struct direction *dir,
				      const struct parse_ctx *ctx, struct message *msg,
				      size_t consumed, uint64_t skip)
{
	dir->next_pos = ctx->pos + consumed + skip;
	if (dir->pending_count) {
		dir->pending_consumed = consumed;
		dir->pending_skip = skip;
		return pending_next(conn, dir, msg);
	}
	dir->pending_is_data = false;
	return (struct parse_result){ .state = PARSE_IGNORED, .consumed = consumed, .skip = skip };
}

/* Header blocks */

static bool name_is(const uint8_t *name, size_t len, const char *lit)
{
	return len == strlen(lit) && !memcmp(name, lit, len);
}

struct field_sink {
	struct http2_half *half;
	bool trailers;
	const struct parse_ctx *ctx;
	size_t fragment_at; /* the fragment's offset in the parser's buf */
	size_t fields_end;  /* the end of the last field's representation in it */
};

/* Fields whose values are credentials, as HTTP/1's (any case: a peer that
 * breaks HTTP/2's lower-case rule still has them masked). */
static bool secret_field(const uint8_t *name, size_t len)
{
	return ascii_equal_nocase(name, len, "authorization", 13) ||
	       ascii_equal_nocase(name, len, "proxy-authorization", 19) ||
	       ascii_equal_nocase(name, len, "cookie", 6) ||
	       ascii_equal_nocase(name, len, "set-cookie", 10);
}

static void field_take(void *ctx, const uint8_t *name, size_t name_len, const uint8_t *value,
		       size_t value_len, bool unknown, size_t at, size_t span)
{
	struct field_sink *sink = ctx;
	struct http2_half *h = sink->half;

	/* Its whole representation: a literal value is in it as is or
	 * Huffman-coded, both readable. A field whose name is unknown may be
	 * a credential too. */
	sink->fields_end = at + span;
	if (unknown || secret_field(name, name_len))
		parse_secret(sink->ctx, sink->fragment_at + at, span);
	if (unknown) {
		h->headers_unknown++;
		return;
	}
	if (name_is(name, name_len, "grpc-status")) {
		uint32_t status = 0;
		size_t i = 0;

		while (i < value_len && i < 4 && value[i] >= '0' && value[i] <= '9')
			status = status * 10 + (value[i++] - '0');
		if (i && i == value_len) {
			h->grpc.status = status;
			h->grpc.status_seen = true;
		}
		return;
	}
	if (name_is(name, name_len, "grpc-message")) {
		grpc_message_set(&h->grpc, value, value_len);
		return;
	}
	if (sink->trailers)
		return;
	if (name_is(name, name_len, ":method")) {
		text_copy(h->method, sizeof(h->method), value, value_len);
	} else if (name_is(name, name_len, ":scheme")) {
		text_copy(h->scheme, sizeof(h->scheme), value, value_len);
	} else if (name_is(name, name_len, ":authority")) {
		text_copy(h->authority, sizeof(h->authority), value, value_len);
	} else if (name_is(name, name_len, ":path")) {
		text_copy(h->path, sizeof(h->path), value, value_len);
	} else if (name_is(name, name_len, ":status")) {
		if (value_len == 3 && value[0] >= '1' && value[0] <= '9' && value[1] >= '0' &&
		    value[1] <= '9' && value[2] >= '0' && value[2] <= '9')
			h->status = (uint16_t)((value[0] - '0') * 100 + (value[1] - '0') * 10 +
					       (value[2] - '0'));
	} else if (name_is(name, name_len, "content-type")) {
		text_copy(h->content_type, sizeof(h->content_type), value, value_len);
		h->grpc.seen = grpc_content_type(h->content_type);
	}
}

/* Decodes one fragment of the direction's open block into its stream
 * side (or the scratch half when not tracked). */
static void block_take(struct http2_conn *conn, struct direction *dir,
		       const struct parse_ctx *ctx, const uint8_t *fragment, size_t fragment_at,
		       size_t len, bool final)
{
	struct slot *s = slot_find(conn, dir->block_target, dir->block_side);
	struct http2_half *half = s ? &s->half : &conn->scratch;
	/* A block after the response's final status, or after DATA, is trailers. */
	struct field_sink sink = { half, half->headers_seen && (half->data_bytes ||
								 half->status >= 200),
				   ctx, fragment_at, 0 };
	bool switched = *ctx->conn_flags & PROTOCOL_SWITCHED_TO;
	bool joined = dir->hpack_missed || !(conn->preface_seen || switched);
	uint16_t status_before = half->status;
	int err;

	if (sink.trailers)
		half->trailers = true;
	else if (status_before >= 100 && status_before < 200)
		half->status = 0; /* an interim response: the final one follows */
	/* After a failure the rest of the block is not decoded: a fresh
	 * inflater would start inside a field and make fields (and table
	 * entries) of its bytes. */
	err = dir->block_failed ? -EPROTO : hpack_decoder_start(&dir->hpack, joined);
	if (!err)
		err = hpack_decode(&dir->hpack, fragment, len, final, field_take, &sink);
	if (err) {
		half->headers_failed = true;
		dir->hpack_missed = dir->block_failed = true;
		if (err == -ENOMEM)
			hpack_decoder_stop(&dir->hpack);
	}
	/* Bytes no field was emitted for (a field going on into the next
	 * fragment, or after a failure) may hold a credential. */
	if (sink.fields_end < len)
		parse_secret(ctx, fragment_at + sink.fields_end, len - sink.fields_end);
	if (final)
		half->headers_seen = true;
}

/* The block's stream side, at its last fragment: a promised request is
 * whole; a side with END_STREAM ends, unless it is an interim response. */
static void block_ends(struct http2_conn *conn, struct direction *dir)
{
	struct slot *s = slot_find(conn, dir->block_target, dir->block_side);

	dir->block_stream = 0;
	if (!s)
		return;
	if (s->half.pushed) {
		side_ends(conn, dir, s);
		return;
	}
	if (s->side == H2_SERVER && s->half.status && s->half.status < 200 && !s->half.trailers)
		return;
	if (dir->block_end_stream)
		side_ends(conn, dir, s);
}

/* A frame's payload without its padding; false when the padding does not
 * fit (a PROTOCOL_ERROR). fixed: the bytes before the fragment. */
static bool unpad(const struct frame *f, const uint8_t *payload, size_t fixed,
		  const uint8_t **fragment, size_t *fragment_len)
{
	size_t pad = 0, skip = fixed;

	if (f->flags & FLAG_PADDED) {
		if (!f->len)
			return false;
		pad = payload[0];
		skip++;
	}
	if (skip + pad > f->len)
		return false;
	*fragment = payload + skip;
	*fragment_len = f->len - skip - pad;
	return true;
}

/* Frames */

static struct parse_result invalid(void)
{
	h2_stats.frames_invalid++;
	return (struct parse_result){ .state = PARSE_INVALID };
}

static struct parse_result need_more(void)
{
	return (struct parse_result){ .state = PARSE_NEED_MORE };
}

static void settings_apply(struct http2_conn *conn, uint8_t side, const uint8_t *p, size_t len)
{
	/* The sender's settings bind what the other side sends it. */
	struct direction *peer = &conn->dir[side == H2_CLIENT ? H2_SERVER : H2_CLIENT];

	for (size_t at = 0; at + 6 <= len; at += 6) {
		uint16_t id = (uint16_t)(p[at] << 8 | p[at + 1]);
		uint32_t value = be32_load(p + at + 2);

		if (id == SETTINGS_HEADER_TABLE_SIZE)
			hpack_table_size_allow(&peer->hpack, value);
		else if (id == SETTINGS_MAX_FRAME_SIZE && value >= DEFAULT_MAX_FRAME &&
			 value <= LARGEST_MAX_FRAME && value > peer->max_frame)
			peer->max_frame = value;
	}
}

static void goaway_fill(struct message *msg, const uint8_t *p, uint32_t len)
{
	struct http2_message *h = PROTOCOL_BODY(msg, struct http2_message);
	size_t kept = len < GOAWAY_KEPT ? len : GOAWAY_KEPT;

	h->is_goaway = true;
	h->goaway.last_stream_id = be32_load(p) & 0x7fffffffu;
	h->goaway.error_code = be32_load(p + 4);
	text_copy(h->goaway.debug, sizeof(h->goaway.debug), p + 8, kept - 8);
}

/* A reset ends both sides of the stream. */
static void stream_reset(struct http2_conn *conn, struct direction *dir, uint32_t stream,
			 uint8_t by, uint32_t code, uint64_t ts_ns)
{
	struct slot *request = slot_find(conn, stream, H2_CLIENT);
	struct slot *response = slot_find(conn, stream, H2_SERVER);

	if (!request && !response)
		return; /* ended already, or never seen */
	/* A request reset before its response began: the reset is the
	 * answer, reported now (left alone, the request would wait for a
	 * response until the close). */
	if (request && !response) {
		response = slot_new(conn, stream, H2_SERVER, ts_ns);
		request = slot_find(conn, stream, H2_CLIENT); /* the table may have moved */
	}
	for (int side = H2_CLIENT; side < H2_SIDES; side++) {
		struct slot *s = side == H2_CLIENT ? request : response;

		if (!s)
			continue;
		s->half.reset = true;
		s->half.reset_by_client = by == H2_CLIENT;
		s->half.reset_code = code;
		s->half.open = !s->ended;
		s->ended = true;
		pending_add(dir, stream, (uint8_t)side, side == H2_CLIENT ? ROLE_REQUEST : ROLE_RESPONSE);
	}
}

static struct parse_result data_frame(struct http2_conn *conn, struct direction *dir,
				      const struct parse_ctx *ctx, uint8_t side,
				      const struct frame *f, const uint8_t *buf, size_t len,
				      struct message *msg)
{
	struct http2_message *h = PROTOCOL_BODY(msg, struct http2_message);
	size_t head = FRAME_HEADER + ((f->flags & FLAG_PADDED) ? 1 : 0);
	uint32_t data_len;
	struct slot *s;

	/* PADDED needs its pad length byte. */
	if (f->len < head - FRAME_HEADER)
		return invalid();
	if (len < head)
		return need_more();
	data_len = f->len - (uint32_t)(head - FRAME_HEADER);
	if (f->flags & FLAG_PADDED) {
		if (buf[FRAME_HEADER] > data_len)
			return invalid();
		data_len -= buf[FRAME_HEADER];
	}
	s = slot_get(conn, f->stream, side, ctx->ts_ns);
	if (s && !s->ended) {
		if (!s->first_ts_ns)
			s->first_ts_ns = ctx->ts_ns;
		s->half.frames++;
		s->half.data_bytes += data_len;
		s->bytes += FRAME_HEADER + f->len;
		h->skip_stream = f->stream;
		h->skip_dir = side;
		h->skip_data_left = data_len;
		if (f->flags & FLAG_END_STREAM) {
			side_ends(conn, dir, s);
			dir->pending_is_data = true;
			dir->pending_data_left = data_len;
		}
	}
	return frame_done(conn, dir, ctx, msg, head, f->len - (head - FRAME_HEADER));
}

/* HEADERS and PUSH_PROMISE open a block; CONTINUATION goes on with it. */
static struct parse_result header_frame(struct http2_conn *conn, struct direction *dir,
					const struct parse_ctx *ctx, uint8_t side,
					const struct frame *f, const uint8_t *buf,
					struct message *msg)
{
	const uint8_t *payload = buf + FRAME_HEADER;
	const uint8_t *fragment = payload;
	size_t fragment_len = f->len;
	struct slot *s;

	if (f->type == H2_CONTINUATION) {
		if (f->stream != dir->block_stream)
			return invalid();
	} else {
		size_t fixed = f->type == H2_PUSH_PROMISE ? 4
			       : (f->flags & FLAG_PRIORITY) ? 5
							    : 0;
		if (dir->block_stream || !unpad(f, payload, fixed, &fragment, &fragment_len))
			return invalid();
		/* Clients begin odd streams (RFC 9113 section 5.1.1). */
		if (f->type == H2_HEADERS && side == H2_CLIENT && !(f->stream % 2))
			return invalid();
		/* The server promises, an even stream (RFC 9113 sections 5.1.1, 8.4). */
		/* The server promises a new even stream (RFC 9113 sections
		 * 5.1.1, 8.4), not one that is under way. */
		if (f->type == H2_PUSH_PROMISE &&
		    (side != H2_SERVER || !(be32_load(fragment - 4) & 0x7fffffffu) ||
		     (be32_load(fragment - 4) & 1) ||
		     slot_find(conn, be32_load(fragment - 4) & 0x7fffffffu, H2_CLIENT) ||
		     slot_find(conn, be32_load(fragment - 4) & 0x7fffffffu, H2_SERVER)))
			return invalid();
		dir->block_stream = f->stream;
		dir->block_failed = false;
		dir->block_end_stream = f->flags & FLAG_END_STREAM;
		dir->block_target = f->stream;
		dir->block_side = side;
		if (f->type == H2_PUSH_PROMISE) {
			dir->block_target = be32_load(fragment - 4) & 0x7fffffffu;
			dir->block_side = H2_CLIENT;
			s = slot_new(conn, dir->block_target, H2_CLIENT, ctx->ts_ns);
			if (s)
				s->half.pushed = true;
		} else {
			slot_get(conn, f->stream, side, ctx->ts_ns);
		}
	}
	s = slot_find(conn, dir->block_target, dir->block_side);
	if (s) {
		s->half.frames++;
		s->bytes += FRAME_HEADER + f->len;
		if (!s->first_ts_ns)
			s->first_ts_ns = ctx->ts_ns;
	} else {
		memset(&conn->scratch, 0, sizeof(conn->scratch));
	}
	block_take(conn, dir, ctx, fragment, (size_t)(fragment - buf), fragment_len,
		   f->flags & FLAG_END_HEADERS);
	if (f->flags & FLAG_END_HEADERS)
		block_ends(conn, dir);
	return frame_done(conn, dir, ctx, msg, FRAME_HEADER + f->len, 0);
}

/* After lost bytes: the open block and the table are unknown; the sides
 * this direction was sending lost bytes. */
static void direction_gap(struct http2_conn *conn, struct direction *dir, uint8_t side)
{
	struct slot *s = slot_find(conn, dir->block_target, dir->block_side);

	if (dir->block_stream && s)
		s->half.headers_failed = true;
	dir->block_stream = 0;
	dir->hpack_missed = true;
	dir->resync = true;
	/* Failing, it stays stopped: the next block says so. */
	if (dir->hpack.inflater)
		hpack_decoder_restart(&dir->hpack);
	for (uint32_t i = 0; i < conn->slot_cap; i++) {
		struct slot *lost = &conn->slots[i];

		if (!lost->used || lost->side != side || !lost->half.frames)
			continue;
		lost->gap = true;
		/* Its message prefixes are no longer where the scan expects. */
		lost->half.grpc.count_lost = lost->half.grpc.seen;
	}
}

/* At close: the sides this direction was sending, unfinished, one a call. */
static struct parse_result drain(struct http2_conn *conn, uint8_t side, struct message *msg)
{
	struct http2_message *h = PROTOCOL_BODY(msg, struct http2_message);

	for (uint32_t i = 0; i < conn->slot_cap; i++) {
		struct slot *s = &conn->slots[i];

		if (!s->used || s->side != side)
			continue;
		s->used = false;
		if (!s->half.frames)
			continue; /* a place holder */
		s->half.open = !s->ended;
		h->half = s->half;
		return (struct parse_result){
			.state = PARSE_COMPLETE,
			.role = side == H2_CLIENT ? ROLE_REQUEST : ROLE_RESPONSE,
			.spanned = true,
			.span_first_ts_ns = s->first_ts_ns,
			.span_bytes = s->bytes,
		};
	}
	return (struct parse_result){ .state = PARSE_IGNORED };
}

/* After an h2c upgrade, stream 1 is the HTTP/1.1 request: its response
 * comes as HTTP/2. Its bytes were the http exchange's; its time here is the
 * switch. */
static void upgrade_request(struct http2_conn *conn, struct direction *dir, uint64_t ts_ns)
{
	struct slot *s = slot_new(conn, 1, H2_CLIENT, ts_ns);

	conn->upgrade_done = true;
	conn->highest_stream = 1;
	if (!s)
		return;
	s->half.upgrade = true;
	s->ended = true;
	pending_add(dir, 1, H2_CLIENT, ROLE_REQUEST);
}

struct parse_result http2_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
				struct message *msg)
{
	struct http2_conn *conn = ctx->conn_state;
	uint8_t side = ctx->from_client ? H2_CLIENT : H2_SERVER;
	struct direction *dir;
	struct frame f;

	if (!conn)
		return invalid();
	dir = &conn->dir[side];
	if (ctx->closing)
		return drain(conn, side, msg);
	if (dir->pending_count)
		return pending_next(conn, dir, msg);
	if (!dir->max_frame)
		dir->max_frame = DEFAULT_MAX_FRAME;
	if (dir->started && ctx->pos != dir->next_pos)
		direction_gap(conn, dir, side);
	if ((*ctx->conn_flags & PROTOCOL_SWITCHED_TO) && !conn->upgrade_done) {
		upgrade_request(conn, dir, ctx->ts_ns);
		return frame_done(conn, dir, ctx, msg, 0, 0);
	}
	if (side == H2_CLIENT && !dir->started) {
		size_t n = len < PREFACE_LEN ? len : PREFACE_LEN;

		if (!memcmp(buf, http2_preface, n)) {
			if (len < PREFACE_LEN)
				return need_more();
			dir->started = conn->preface_seen = true;
			return frame_done(conn, dir, ctx, msg, PREFACE_LEN, 0);
		}
	}
	if (len < FRAME_HEADER)
		return need_more();
	f = frame_header(buf);
	/* After a gap, only a frame that makes sense resumes the stream. */
	if (!frame_valid(&f, dir->max_frame, !dir->started || dir->resync))
		return invalid();
	if (dir->block_stream && f.type != H2_CONTINUATION)
		return invalid();
	dir->started = true;
	dir->resync = false;
	switch (f.type) {
	case H2_DATA:
		return data_frame(conn, dir, ctx, side, &f, buf, len, msg);
	case H2_HEADERS:
	case H2_PUSH_PROMISE:
	case H2_CONTINUATION:
		if (len < FRAME_HEADER + f.len)
			return need_more();
		return header_frame(conn, dir, ctx, side, &f, buf, msg);
	case H2_RST_STREAM:
		if (len < FRAME_HEADER + 4)
			return need_more();
		stream_reset(conn, dir, f.stream, side, be32_load(buf + FRAME_HEADER), ctx->ts_ns);
		return frame_done(conn, dir, ctx, msg, FRAME_HEADER + 4, 0);
	case H2_SETTINGS:
		if (len < FRAME_HEADER + f.len)
			return need_more();
		settings_apply(conn, side, buf + FRAME_HEADER, f.len);
		return frame_done(conn, dir, ctx, msg, FRAME_HEADER + f.len, 0);
	case H2_GOAWAY: {
		size_t kept = f.len < GOAWAY_KEPT ? f.len : GOAWAY_KEPT;

		if (len < FRAME_HEADER + kept)
			return need_more();
		goaway_fill(msg, buf + FRAME_HEADER, (uint32_t)kept);
		dir->next_pos = ctx->pos + FRAME_HEADER + f.len;
		return (struct parse_result){
			.state = PARSE_COMPLETE,
			.consumed = FRAME_HEADER + kept,
			.skip = f.len - kept,
			.role = ROLE_ALONE,
			.spanned = true,
			.span_first_ts_ns = ctx->ts_ns,
			.span_bytes = FRAME_HEADER + f.len,
		};
	}
	default: /* PRIORITY, PING, WINDOW_UPDATE, unknown types */
		return frame_done(conn, dir, ctx, msg, FRAME_HEADER, f.len);
	}
}

void http2_skipped(struct message *msg, void *conn_state, const uint8_t *bytes, size_t len,
		   uint64_t uncaptured)
{
	struct http2_message *h = PROTOCOL_BODY(msg, struct http2_message);
	struct http2_conn *conn = conn_state;
	struct http2_half *half;
	size_t data = h->skip_data_left < len ? h->skip_data_left : len;
	uint64_t data_uncaptured;

	if (!h->skip_stream || !conn)
		return;
	if (h->emitting) {
		half = &h->half;
	} else {
		struct slot *s = slot_find(conn, h->skip_stream, h->skip_dir);
		if (!s)
			return;
		half = &s->half;
	}
	h->skip_data_left -= (uint32_t)data;
	data_uncaptured = uncaptured < h->skip_data_left ? uncaptured : h->skip_data_left;
	h->skip_data_left -= (uint32_t)data_uncaptured;
	if (half->grpc.seen)
		grpc_scan(&half->grpc, bytes, data, data_uncaptured);
}

/* Header block frames in bytes the parser did not take (lost to a gap,
 * refused, or of a connection not decoded): their payloads are masked
 * whole, as far as frames can be followed from buf[0]. */
void http2_secrets_scan(const uint8_t *buf, size_t len, const struct parse_ctx *ctx)
{
	size_t at = len >= PREFACE_LEN && !memcmp(buf, http2_preface, PREFACE_LEN) ? PREFACE_LEN : 0;

	while (len - at >= FRAME_HEADER) {
		struct frame f = frame_header(buf + at);
		size_t payload = at + FRAME_HEADER;

		if (!frame_valid(&f, LARGEST_MAX_FRAME, true))
			return;
		if ((f.type == H2_HEADERS || f.type == H2_PUSH_PROMISE ||
		     f.type == H2_CONTINUATION) && f.len && payload < len)
			parse_secret(ctx, payload, f.len);
		if (f.len > len - payload)
			return;
		at = payload + f.len;
	}
}

uint32_t http2_pair_id(const struct message *msg)
{
	return PROTOCOL_BODY_CONST(msg, struct http2_message)->half.stream_id;
}

bool http2_summary_put(struct strbuf *out)
{
	if (!hpack_stats.fields_unknown && !hpack_stats.blocks_failed &&
	    !hpack_stats.memory_refused && !h2_stats.streams_untracked && !h2_stats.frames_invalid &&
	    !hpack_stats.decoders_given_up)
		return false;
	strbuf_printf(out,
		      "http2: header fields not shown (their table entry came before the trace "
		      "or in lost bytes) %" PRIu64 " (decoders started midway %" PRIu64
		      "); header blocks not decoded %" PRIu64 "; streams not tracked (table full) %" PRIu64
		      "; frames refused %" PRIu64 "; decoders not made for memory %" PRIu64
		      ", given up after %d restarts %" PRIu64,
		      hpack_stats.fields_unknown, hpack_stats.decoders_joined,
		      hpack_stats.blocks_failed, h2_stats.streams_untracked, h2_stats.frames_invalid,
		      hpack_stats.memory_refused, HPACK_RESTARTS_MAX, hpack_stats.decoders_given_up);
	return true;
}
