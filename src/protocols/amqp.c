/*
 * AMQP 0-9-1 decoder (https://www.rabbitmq.com/resources/specs/amqp0-9-1.pdf,
 * with RabbitMQ's extensions: basic.nack, confirm, exchange.bind,
 * connection.blocked and update-secret).
 *
 * The client opens with the protocol header "AMQP\0\0\x09\x01"; then both
 * sides send frames: type (1 method, 2 content header, 3 body, 8
 * heartbeat), channel (2 bytes), payload size (4 bytes), payload, and the
 * frame end 0xCE. A message here is the protocol header, or one method
 * frame with, for the methods that carry content (basic.publish, .return,
 * .deliver, .get-ok), the content header frame and the body frames after
 * it, read with PARSE_CONTINUE one frame a call. Heartbeats are consumed
 * and not reported (PARSE_IGNORED; inside a content, passed over).
 *
 * Nothing is buffered whole: a method or content header frame up to
 * AMQP_WAIT_MAX bytes is read when whole (its fields checked to end exactly
 * at its end, its frame end checked); a larger one is read from what the
 * buffer holds and the rest skipped. Body frames are skipped: a body frame
 * the buffer holds whole is checked, one that goes on past it is skipped
 * with the body frames that still follow, whose layout the body size gives
 * (every frame but the last of the same size: how clients and RabbitMQ
 * split a body by frame-max), so a write of many frames captured in part
 * loses nothing. Field tables are passed over by their length (a peer
 * table's "product" and "version" strings are kept).
 *
 * Pairing is by channel: each channel's synchronous requests are answered
 * in order on that channel, while channels are independent (RabbitMQ runs
 * each in its own process), so replies of several channels interleave. A
 * method's class is not part of the id: a request's error answer is a
 * channel.close (class 20) or connection.close (class 10) on the same
 * channel. One-way methods (basic.publish, basic.deliver, basic.ack, ...)
 * and requests sent with no-wait are reported alone.
 */
#include <string.h>

#include "protocols/amqp.h"
#include "protocols/parse_util.h"

#define AMQP_FRAME_OVERHEAD 8 /* type, channel, size, frame end */
#define AMQP_FRAME_END 0xce
#define AMQP_WAIT_MAX 4096 /* a method or header frame this size or smaller is read whole */
#define AMQP_SIZE_MAX (1u << 28) /* a frame payload larger is not AMQP we follow */
#define AMQP_BODY_MAX (1ull << 56)
#define AMQP_PEER_ENTRIES_MAX 64 /* peer-properties entries looked at */

enum frame_type {
	FRAME_METHOD = 1,
	FRAME_HEADER = 2,
	FRAME_BODY = 3,
	FRAME_HEARTBEAT = 8,
};

/* --- the method table --- */

#define F(type, show, key) { AMQP_F_##type, AMQP_SHOW_##show, key, NULL }
#define BITS(show, key, names) { AMQP_F_BITS, AMQP_SHOW_##show, key, names }
#define RESERVED_SHORT { AMQP_F_SHORT, AMQP_SHOW_NONE, NULL, NULL }
#define RESERVED_SHORTSTR { AMQP_F_SHORTSTR, AMQP_SHOW_NONE, NULL, NULL }
#define CLOSE_FIELDS                                                                    \
	{ F(SHORT, CODE, "reply_code"), F(SHORTSTR, QUOTED, "reply_text"),                 \
	  F(SHORT, METHOD, "failing_class_id"), F(SHORT, NONE, "failing_method_id") }

static const struct amqp_method methods[] = {
	{ 10, 10, "connection.start", AMQP_DIR_RESPONSE, false, -1,
	  { F(VERSION, BARE, "version"), F(PEER_TABLE, NONE, "server_product"),
	    F(LONGSTR, KV, "mechanisms"), F(LONGSTR, NONE, "locales") } },
	{ 10, 11, "connection.start-ok", AMQP_DIR_REQUEST, false, -1,
	  { F(PEER_TABLE, NONE, "client_product"), F(SHORTSTR, BARE, "mechanism"),
	    F(SECRET, BARE, "response"), F(SHORTSTR, NONE, "locale") } },
	{ 10, 20, "connection.secure", AMQP_DIR_RESPONSE, false, -1,
	  { F(LONGSTR, NONE, NULL) } },
	{ 10, 21, "connection.secure-ok", AMQP_DIR_REQUEST, false, -1,
	  { F(SECRET, BARE, "response") } },
	{ 10, 30, "connection.tune", AMQP_DIR_RESPONSE, false, -1,
	  { F(SHORT, KV, "channel_max"), F(LONG, KV, "frame_max"), F(SHORT, KV, "heartbeat") } },
	{ 10, 31, "connection.tune-ok", AMQP_DIR_ONEWAY, false, -1,
	  { F(SHORT, KV, "channel_max"), F(LONG, KV, "frame_max"), F(SHORT, KV, "heartbeat") } },
	{ 10, 40, "connection.open", AMQP_DIR_REQUEST, false, -1,
	  { F(SHORTSTR, BARE, "virtual_host"), RESERVED_SHORTSTR, BITS(NONE, NULL, "insist") } },
	{ 10, 41, "connection.open-ok", AMQP_DIR_RESPONSE, false, -1, { RESERVED_SHORTSTR } },
	{ 10, 50, "connection.close", AMQP_DIR_CLOSE, false, -1, CLOSE_FIELDS },
	{ 10, 51, "connection.close-ok", AMQP_DIR_RESPONSE, false, -1, { { 0 } } },
	{ 10, 60, "connection.blocked", AMQP_DIR_ONEWAY, false, -1,
	  { F(SHORTSTR, QUOTED, "reason") } },
	{ 10, 61, "connection.unblocked", AMQP_DIR_ONEWAY, false, -1, { { 0 } } },
	{ 10, 70, "connection.update-secret", AMQP_DIR_REQUEST, false, -1,
	  { F(SECRET, BARE, "new_secret"), F(SHORTSTR, QUOTED, "reason") } },
	{ 10, 71, "connection.update-secret-ok", AMQP_DIR_RESPONSE, false, -1, { { 0 } } },

	{ 20, 10, "channel.open", AMQP_DIR_REQUEST, false, -1, { RESERVED_SHORTSTR } },
	{ 20, 11, "channel.open-ok", AMQP_DIR_RESPONSE, false, -1, { F(LONGSTR, NONE, NULL) } },
	{ 20, 20, "channel.flow", AMQP_DIR_REQUEST, false, -1, { BITS(BARE, "flags", "active") } },
	{ 20, 21, "channel.flow-ok", AMQP_DIR_RESPONSE, false, -1,
	  { BITS(BARE, "flags", "active") } },
	{ 20, 40, "channel.close", AMQP_DIR_CLOSE, false, -1, CLOSE_FIELDS },
	{ 20, 41, "channel.close-ok", AMQP_DIR_RESPONSE, false, -1, { { 0 } } },

	{ 30, 10, "access.request", AMQP_DIR_REQUEST, false, -1,
	  { F(SHORTSTR, BARE, "realm"),
	    BITS(BARE, "flags", "exclusive,passive,active,write,read") } },
	{ 30, 11, "access.request-ok", AMQP_DIR_RESPONSE, false, -1, { RESERVED_SHORT } },

	{ 40, 10, "exchange.declare", AMQP_DIR_REQUEST, false, 4,
	  { RESERVED_SHORT, F(SHORTSTR, BARE, "exchange"), F(SHORTSTR, KV, "type"),
	    BITS(BARE, "flags", "passive,durable,auto_delete,internal,no_wait"),
	    F(TABLE, NONE, NULL) } },
	{ 40, 11, "exchange.declare-ok", AMQP_DIR_RESPONSE, false, -1, { { 0 } } },
	{ 40, 20, "exchange.delete", AMQP_DIR_REQUEST, false, 1,
	  { RESERVED_SHORT, F(SHORTSTR, BARE, "exchange"),
	    BITS(BARE, "flags", "if_unused,no_wait") } },
	{ 40, 21, "exchange.delete-ok", AMQP_DIR_RESPONSE, false, -1, { { 0 } } },
	{ 40, 30, "exchange.bind", AMQP_DIR_REQUEST, false, 0,
	  { RESERVED_SHORT, F(SHORTSTR, KV, "destination"), F(SHORTSTR, KV, "source"),
	    F(SHORTSTR, KV, "routing_key"), BITS(BARE, "flags", "no_wait"),
	    F(TABLE, NONE, NULL) } },
	{ 40, 31, "exchange.bind-ok", AMQP_DIR_RESPONSE, false, -1, { { 0 } } },
	{ 40, 40, "exchange.unbind", AMQP_DIR_REQUEST, false, 0,
	  { RESERVED_SHORT, F(SHORTSTR, KV, "destination"), F(SHORTSTR, KV, "source"),
	    F(SHORTSTR, KV, "routing_key"), BITS(BARE, "flags", "no_wait"),
	    F(TABLE, NONE, NULL) } },
	{ 40, 51, "exchange.unbind-ok", AMQP_DIR_RESPONSE, false, -1, { { 0 } } },

	{ 50, 10, "queue.declare", AMQP_DIR_REQUEST, false, 4,
	  { RESERVED_SHORT, F(SHORTSTR, BARE, "queue"),
	    BITS(BARE, "flags", "passive,durable,exclusive,auto_delete,no_wait"),
	    F(TABLE, NONE, NULL) } },
	{ 50, 11, "queue.declare-ok", AMQP_DIR_RESPONSE, false, -1,
	  { F(SHORTSTR, BARE, "queue"), F(LONG, KV, "message_count"),
	    F(LONG, KV, "consumer_count") } },
	{ 50, 20, "queue.bind", AMQP_DIR_REQUEST, false, 0,
	  { RESERVED_SHORT, F(SHORTSTR, BARE, "queue"), F(SHORTSTR, KV, "exchange"),
	    F(SHORTSTR, KV, "routing_key"), BITS(BARE, "flags", "no_wait"),
	    F(TABLE, NONE, NULL) } },
	{ 50, 21, "queue.bind-ok", AMQP_DIR_RESPONSE, false, -1, { { 0 } } },
	{ 50, 30, "queue.purge", AMQP_DIR_REQUEST, false, 0,
	  { RESERVED_SHORT, F(SHORTSTR, BARE, "queue"), BITS(BARE, "flags", "no_wait") } },
	{ 50, 31, "queue.purge-ok", AMQP_DIR_RESPONSE, false, -1,
	  { F(LONG, KV, "message_count") } },
	{ 50, 40, "queue.delete", AMQP_DIR_REQUEST, false, 2,
	  { RESERVED_SHORT, F(SHORTSTR, BARE, "queue"),
	    BITS(BARE, "flags", "if_unused,if_empty,no_wait") } },
	{ 50, 41, "queue.delete-ok", AMQP_DIR_RESPONSE, false, -1,
	  { F(LONG, KV, "message_count") } },
	{ 50, 50, "queue.unbind", AMQP_DIR_REQUEST, false, -1,
	  { RESERVED_SHORT, F(SHORTSTR, BARE, "queue"), F(SHORTSTR, KV, "exchange"),
	    F(SHORTSTR, KV, "routing_key"), F(TABLE, NONE, NULL) } },
	{ 50, 51, "queue.unbind-ok", AMQP_DIR_RESPONSE, false, -1, { { 0 } } },

	{ 60, 10, "basic.qos", AMQP_DIR_REQUEST, false, -1,
	  { F(LONG, KV, "prefetch_size"), F(SHORT, KV, "prefetch_count"),
	    BITS(BARE, "flags", "global") } },
	{ 60, 11, "basic.qos-ok", AMQP_DIR_RESPONSE, false, -1, { { 0 } } },
	{ 60, 20, "basic.consume", AMQP_DIR_REQUEST, false, 3,
	  { RESERVED_SHORT, F(SHORTSTR, BARE, "queue"), F(SHORTSTR, KV, "consumer_tag"),
	    BITS(BARE, "flags", "no_local,no_ack,exclusive,no_wait"), F(TABLE, NONE, NULL) } },
	{ 60, 21, "basic.consume-ok", AMQP_DIR_RESPONSE, false, -1,
	  { F(SHORTSTR, KV, "consumer_tag") } },
	{ 60, 30, "basic.cancel", AMQP_DIR_REQUEST, false, 0,
	  { F(SHORTSTR, KV, "consumer_tag"), BITS(BARE, "flags", "no_wait") } },
	{ 60, 31, "basic.cancel-ok", AMQP_DIR_RESPONSE, false, -1,
	  { F(SHORTSTR, KV, "consumer_tag") } },
	{ 60, 40, "basic.publish", AMQP_DIR_ONEWAY, true, -1,
	  { RESERVED_SHORT, F(SHORTSTR, KV, "exchange"), F(SHORTSTR, KV, "routing_key"),
	    BITS(BARE, "flags", "mandatory,immediate") } },
	{ 60, 50, "basic.return", AMQP_DIR_ONEWAY, true, -1,
	  { F(SHORT, CODE, "reply_code"), F(SHORTSTR, QUOTED, "reply_text"),
	    F(SHORTSTR, KV, "exchange"), F(SHORTSTR, KV, "routing_key") } },
	{ 60, 60, "basic.deliver", AMQP_DIR_ONEWAY, true, -1,
	  { F(SHORTSTR, KV, "consumer_tag"), F(LONGLONG, KV, "delivery_tag"),
	    BITS(BARE, "flags", "redelivered"), F(SHORTSTR, KV, "exchange"),
	    F(SHORTSTR, KV, "routing_key") } },
	{ 60, 70, "basic.get", AMQP_DIR_REQUEST, false, -1,
	  { RESERVED_SHORT, F(SHORTSTR, BARE, "queue"), BITS(BARE, "flags", "no_ack") } },
	{ 60, 71, "basic.get-ok", AMQP_DIR_RESPONSE, true, -1,
	  { F(LONGLONG, KV, "delivery_tag"), BITS(BARE, "flags", "redelivered"),
	    F(SHORTSTR, KV, "exchange"), F(SHORTSTR, KV, "routing_key"),
	    F(LONG, KV, "message_count") } },
	{ 60, 72, "basic.get-empty", AMQP_DIR_RESPONSE, false, -1, { RESERVED_SHORTSTR } },
	{ 60, 80, "basic.ack", AMQP_DIR_ONEWAY, false, -1,
	  { F(LONGLONG, KV, "delivery_tag"), BITS(BARE, "flags", "multiple") } },
	{ 60, 90, "basic.reject", AMQP_DIR_ONEWAY, false, -1,
	  { F(LONGLONG, KV, "delivery_tag"), BITS(BARE, "flags", "requeue") } },
	{ 60, 100, "basic.recover-async", AMQP_DIR_ONEWAY, false, -1,
	  { BITS(BARE, "flags", "requeue") } },
	{ 60, 110, "basic.recover", AMQP_DIR_REQUEST, false, -1,
	  { BITS(BARE, "flags", "requeue") } },
	{ 60, 111, "basic.recover-ok", AMQP_DIR_RESPONSE, false, -1, { { 0 } } },
	{ 60, 120, "basic.nack", AMQP_DIR_ONEWAY, false, -1,
	  { F(LONGLONG, KV, "delivery_tag"), BITS(BARE, "flags", "multiple,requeue") } },

	{ 85, 10, "confirm.select", AMQP_DIR_REQUEST, false, 0,
	  { BITS(BARE, "flags", "no_wait") } },
	{ 85, 11, "confirm.select-ok", AMQP_DIR_RESPONSE, false, -1, { { 0 } } },

	{ 90, 10, "tx.select", AMQP_DIR_REQUEST, false, -1, { { 0 } } },
	{ 90, 11, "tx.select-ok", AMQP_DIR_RESPONSE, false, -1, { { 0 } } },
	{ 90, 20, "tx.commit", AMQP_DIR_REQUEST, false, -1, { { 0 } } },
	{ 90, 21, "tx.commit-ok", AMQP_DIR_RESPONSE, false, -1, { { 0 } } },
	{ 90, 30, "tx.rollback", AMQP_DIR_REQUEST, false, -1, { { 0 } } },
	{ 90, 31, "tx.rollback-ok", AMQP_DIR_RESPONSE, false, -1, { { 0 } } },
};

const struct amqp_method *amqp_method_find(uint16_t class_id, uint16_t method_id)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].class_id == class_id && methods[i].method_id == method_id)
			return &methods[i];
	return NULL;
}

const char *amqp_reply_code_name(uint64_t code)
{
	switch (code) {
	case 200: return "REPLY_SUCCESS";
	case 311: return "CONTENT_TOO_LARGE";
	case 312: return "NO_ROUTE";
	case 313: return "NO_CONSUMERS";
	case 320: return "CONNECTION_FORCED";
	case 402: return "INVALID_PATH";
	case 403: return "ACCESS_REFUSED";
	case 404: return "NOT_FOUND";
	case 405: return "RESOURCE_LOCKED";
	case 406: return "PRECONDITION_FAILED";
	case 501: return "FRAME_ERROR";
	case 502: return "SYNTAX_ERROR";
	case 503: return "COMMAND_INVALID";
	case 504: return "CHANNEL_ERROR";
	case 505: return "UNEXPECTED_FRAME";
	case 506: return "RESOURCE_ERROR";
	case 530: return "NOT_ALLOWED";
	case 540: return "NOT_IMPLEMENTED";
	case 541: return "INTERNAL_ERROR";
	default: return NULL;
	}
}

/* --- reading fields --- */

/* A text field from n bytes of which avail are at src: cut with "..." when
 * it does not fit or is not all there. */
static void text_keep(char *dst, size_t size, const uint8_t *src, uint64_t n, size_t avail)
{
	size_t take = n < avail ? (size_t)n : avail;

	if (take == n && n <= size - 1) {
		memcpy(dst, src, take);
		dst[take] = '\0';
		return;
	}
	if (take > size - 4)
		take = size - 4;
	memcpy(dst, src, take);
	memcpy(dst + take, "...", 4);
}

/* The bytes of a method or header frame's payload held in the buffer. */
struct reader {
	const uint8_t *p;
	size_t len;      /* bytes of the payload held */
	size_t at;
	bool cut;        /* the payload goes on past len: running out is no error */
	size_t base;     /* offset of p[0] in the parser's buf (for parse_secret) */
	const struct parse_ctx *ctx;
};

enum read_state {
	READ_OK,
	READ_CUT,     /* the held bytes ended (cut reader): stop, keep what was read */
	READ_INVALID, /* the field runs past the payload */
};

static enum read_state reader_need(const struct reader *r, uint64_t n)
{
	if (r->len - r->at >= n)
		return READ_OK;
	return r->cut ? READ_CUT : READ_INVALID;
}

static void number_keep(struct amqp_message *m, uint64_t value)
{
	if (m->n_numbers < AMQP_NUMBERS)
		m->numbers[m->n_numbers++] = value;
}

static char *string_slot(struct amqp_message *m)
{
	if (m->n_strings >= AMQP_STRINGS)
		return NULL;
	m->strings[m->n_strings][0] = '\0';
	return m->strings[m->n_strings++];
}

/* A field table's length, then its bytes: *len of them, held or not. */
static enum read_state table_skip(struct reader *r, uint64_t *len, size_t *start)
{
	enum read_state state = reader_need(r, 4);

	if (state != READ_OK)
		return state;
	*len = be32_load(r->p + r->at);
	r->at += 4;
	*start = r->at;
	if (!r->cut && *len > r->len - r->at)
		return READ_INVALID;
	r->at = *len > r->len - r->at ? r->len : r->at + (size_t)*len;
	return *len > r->len - *start ? READ_CUT : READ_OK;
}

/* A field value's size by its type (RabbitMQ's table types), from at; 0
 * with *ok false when not known or not whole. */
static size_t value_size(const uint8_t *p, size_t at, size_t end, bool *ok)
{
	size_t n;

	*ok = at < end;
	if (!*ok)
		return 0;
	switch (p[at]) {
	case 't': case 'b': case 'B': n = 1; break;
	case 's': case 'u': n = 2; break;
	case 'I': case 'i': case 'f': n = 4; break;
	case 'D': n = 5; break;
	case 'l': case 'L': case 'd': case 'T': n = 8; break;
	case 'V': n = 0; break;
	case 'S': case 'x': case 'A': case 'F':
		if (end - at - 1 < 4) {
			*ok = false;
			return 0;
		}
		n = 4 + (size_t)be32_load(p + at + 1);
		break;
	default:
		*ok = false;
		return 0;
	}
	if (n > end - at - 1) {
		*ok = false;
		return 0;
	}
	return 1 + n;
}

/* The "product" and "version" long strings of a peer-properties table
 * held in p[start, end): its first AMQP_PEER_ENTRIES_MAX entries. */
static void peer_strings(const uint8_t *p, size_t start, size_t end, char *product,
			 char *version)
{
	size_t at = start;

	for (int i = 0; i < AMQP_PEER_ENTRIES_MAX && at < end; i++) {
		size_t name_len = p[at], value_at = at + 1 + name_len, n;
		const uint8_t *name = p + at + 1;
		bool ok;

		if (value_at >= end)
			return;
		n = value_size(p, value_at, end, &ok);
		if (!ok)
			return;
		if (p[value_at] == 'S') {
			char *dst = NULL;

			if (name_len == 7 && !memcmp(name, "product", 7))
				dst = product;
			else if (name_len == 7 && !memcmp(name, "version", 7))
				dst = version;
			if (dst)
				text_keep(dst, TEXT_LONG, p + value_at + 5, n - 5, n - 5);
		}
		at = value_at + n;
	}
}

static enum read_state field_read(struct reader *r, const struct amqp_field *f,
				  struct amqp_message *m)
{
	enum read_state state;
	uint64_t n;
	size_t start;
	char *slot;

	switch (f->type) {
	case AMQP_F_OCTET:
	case AMQP_F_BITS:
		if ((state = reader_need(r, 1)) != READ_OK)
			return state;
		if (f->type == AMQP_F_BITS)
			m->bits = r->p[r->at];
		if (f->key)
			number_keep(m, r->p[r->at]);
		r->at += 1;
		return READ_OK;
	case AMQP_F_VERSION:
		if ((state = reader_need(r, 2)) != READ_OK)
			return state;
		number_keep(m, (uint64_t)r->p[r->at] << 8 | r->p[r->at + 1]);
		r->at += 2;
		return READ_OK;
	case AMQP_F_SHORT:
		if ((state = reader_need(r, 2)) != READ_OK)
			return state;
		if (f->key)
			number_keep(m, be16_load(r->p + r->at));
		r->at += 2;
		return READ_OK;
	case AMQP_F_LONG:
		if ((state = reader_need(r, 4)) != READ_OK)
			return state;
		number_keep(m, be32_load(r->p + r->at));
		r->at += 4;
		return READ_OK;
	case AMQP_F_LONGLONG:
		if ((state = reader_need(r, 8)) != READ_OK)
			return state;
		number_keep(m, be64_load(r->p + r->at));
		r->at += 8;
		return READ_OK;
	case AMQP_F_SHORTSTR:
		if ((state = reader_need(r, 1)) != READ_OK)
			return state;
		n = r->p[r->at];
		if ((state = reader_need(r, 1 + n)) != READ_OK)
			return state;
		if (f->key && (slot = string_slot(m)))
			text_keep(slot, TEXT_LONG, r->p + r->at + 1, n, (size_t)n);
		r->at += 1 + (size_t)n;
		return READ_OK;
	case AMQP_F_LONGSTR:
	case AMQP_F_SECRET:
		if ((state = reader_need(r, 4)) != READ_OK)
			return state;
		n = be32_load(r->p + r->at);
		start = r->at + 4;
		if (!r->cut && n > r->len - start)
			return READ_INVALID;
		if (f->type == AMQP_F_SECRET) {
			size_t held = n < r->len - start ? (size_t)n : r->len - start;

			if (n)
				parse_secret(r->ctx, r->base + start, (size_t)n);
			m->has_secret = true;
			m->secret_len = (uint32_t)n;
			m->secret_kept = (uint8_t)(held < AMQP_SECRET_KEPT ? held : AMQP_SECRET_KEPT);
			memcpy(m->secret, r->p + start, m->secret_kept);
		} else if (f->key && (slot = string_slot(m))) {
			text_keep(slot, TEXT_LONG, r->p + start, n, r->len - start);
		}
		if (n > r->len - start) {
			r->at = r->len;
			return READ_CUT;
		}
		r->at = start + (size_t)n;
		return READ_OK;
	case AMQP_F_TABLE:
		return table_skip(r, &n, &start);
	case AMQP_F_PEER_TABLE: {
		char *product = string_slot(m), *version = string_slot(m);

		state = table_skip(r, &n, &start);
		if (state != READ_INVALID && product && version)
			peer_strings(r->p, start, r->at, product, version);
		return state;
	}
	default:
		return READ_INVALID;
	}
}

/* The method's fields from a payload after its class and method ids. */
static enum read_state fields_read(struct reader *r, const struct amqp_method *method,
				   struct amqp_message *m)
{
	for (int i = 0; i < AMQP_FIELDS_MAX && method->fields[i].type != AMQP_F_END; i++) {
		enum read_state state = field_read(r, &method->fields[i], m);

		if (state != READ_OK)
			return state;
	}
	if (r->at != r->len && !r->cut)
		return READ_INVALID; /* bytes after the last field */
	return READ_OK;
}

/* --- frames --- */

static struct parse_result invalid(void)
{
	return parse_result_make(PARSE_INVALID, 0, 0);
}

static struct parse_result need_more(void)
{
	return parse_result_make(PARSE_NEED_MORE, 0, 0);
}

/* A message ends: reported alone or as its side's request or response. */
static struct parse_result complete(const struct amqp_message *m, size_t consumed, uint64_t skip)
{
	struct parse_result result = parse_result_make(PARSE_COMPLETE, consumed, skip);

	result.role = m->alone ? ROLE_ALONE : ROLE_OF_SENDER;
	return result;
}

/* The waiting requests of a channel, in the connection's state; NULL when
 * not tracked. */
static uint8_t *waiting_of(const struct parse_ctx *ctx, uint16_t channel)
{
	struct amqp_conn_state *state = ctx->conn_state;

	return state && channel < AMQP_TRACKED_CHANNELS ? &state->waiting[channel] : NULL;
}

/* Whether a method is reported alone, as its dir, its sender and its
 * no-wait bit say; counts the channel's waiting requests. */
static void role_settle(const struct parse_ctx *ctx, const struct amqp_method *method,
			struct amqp_message *m, bool fields_whole)
{
	uint8_t *waiting = waiting_of(ctx, m->channel);
	/* Its bits not read (a cut frame): it is taken to wait for its answer. */
	bool no_wait = method->no_wait_bit >= 0 && fields_whole &&
		       ((m->bits >> method->no_wait_bit) & 1);

	switch (method->dir) {
	case AMQP_DIR_REQUEST:
		m->alone = !m->from_client || no_wait;
		break;
	case AMQP_DIR_RESPONSE:
		m->alone = m->from_client;
		break;
	case AMQP_DIR_ONEWAY:
		m->alone = true;
		break;
	case AMQP_DIR_CLOSE:
		/* From the server, the answer to what waits on its channel; none
		 * waiting (an error after a basic.publish): alone. */
		m->alone = !m->from_client && waiting && !*waiting;
		break;
	}
	if (m->alone || !waiting)
		return;
	if (m->from_client) {
		if (*waiting < 255)
			(*waiting)++;
	} else if (*waiting) {
		(*waiting)--;
	}
}

/* A method frame at buf[0] (its 7-byte header there). */
static struct parse_result method_parse(const uint8_t *buf, size_t len,
					const struct parse_ctx *ctx, struct amqp_message *m,
					uint16_t channel, uint32_t size)
{
	uint64_t total = (uint64_t)size + AMQP_FRAME_OVERHEAD;
	bool whole = total <= len;
	const struct amqp_method *method;
	struct reader r;
	enum read_state state;

	if (!whole && (total <= AMQP_WAIT_MAX || len < 11))
		return need_more();
	if (size < 4)
		return invalid();
	if (whole && buf[total - 1] != AMQP_FRAME_END)
		return invalid();
	m->class_id = be16_load(buf + 7);
	m->method_id = be16_load(buf + 9);
	method = amqp_method_find(m->class_id, m->method_id);
	if (!method || (m->class_id == 10) != (channel == 0))
		return invalid();
	m->kind = AMQP_KIND_METHOD;
	m->channel = channel;
	r = (struct reader){ .p = buf + 11, .len = whole ? size - 4 : len - 11, .cut = !whole,
			     .base = 11, .ctx = ctx };
	state = fields_read(&r, method, m);
	if (state == READ_INVALID)
		return invalid();
	m->fields_cut = state == READ_CUT;
	role_settle(ctx, method, m, state == READ_OK);
	if (method->content) {
		m->has_content = true;
		m->stage = AMQP_STAGE_HEADER;
		if (whole)
			return parse_result_make(PARSE_CONTINUE, (size_t)total, 0);
		return parse_result_make(PARSE_CONTINUE, len, total - len);
	}
	if (whole)
		return complete(m, (size_t)total, 0);
	return complete(m, len, total - len);
}

/* The content header frame of the method read (header at buf[0]). */
static struct parse_result header_parse(const uint8_t *buf, size_t len, struct amqp_message *m,
					uint32_t size)
{
	uint64_t total = (uint64_t)size + AMQP_FRAME_OVERHEAD;
	bool whole = total <= len;
	size_t held = whole ? size : len - 7, at = 14;
	const uint8_t *p = buf + 7;
	uint16_t flags;

	if (!whole && (total <= AMQP_WAIT_MAX || len < 7 + 14))
		return need_more();
	if (size < 14 || (whole && buf[total - 1] != AMQP_FRAME_END))
		return invalid();
	if (be16_load(p) != m->class_id || be16_load(p + 2) != 0) /* class, weight */
		return invalid();
	m->body_size = be64_load(p + 4);
	if (m->body_size > AMQP_BODY_MAX)
		return invalid();
	flags = be16_load(p + 12);
	if (flags & 0x8000) { /* content-type, the first property */
		if (at < held && (size_t)p[at] < held - at)
			text_keep(m->content_type, sizeof(m->content_type), p + at + 1, p[at],
				  p[at]);
		else if (whole)
			return invalid();
	}
	m->content_header_seen = true;
	m->body_left = m->body_size;
	if (!m->body_left) {
		m->stage = AMQP_STAGE_START;
		return complete(m, whole ? (size_t)total : len, whole ? 0 : total - len);
	}
	m->stage = AMQP_STAGE_BODY;
	if (whole)
		return parse_result_make(PARSE_CONTINUE, (size_t)total, 0);
	return parse_result_make(PARSE_CONTINUE, len, total - len);
}

/* A body frame of the content (header at buf[0]). */
static struct parse_result body_parse(const uint8_t *buf, size_t len, struct amqp_message *m,
				      uint32_t size)
{
	uint64_t total = (uint64_t)size + AMQP_FRAME_OVERHEAD, rest, frames, skip;

	if (size > m->body_left)
		return invalid();
	m->body_frames++;
	if (total <= len) {
		if (buf[total - 1] != AMQP_FRAME_END)
			return invalid();
		m->body_left -= size;
		if (!m->body_left) {
			m->stage = AMQP_STAGE_START;
			return complete(m, (size_t)total, 0);
		}
		return parse_result_make(PARSE_CONTINUE, (size_t)total, 0);
	}
	/* It goes on past the buffer: skip it, and the frames after it. */
	rest = m->body_left - size;
	skip = total - len;
	if (rest && !size) {
		m->body_left = rest;
		return parse_result_make(PARSE_CONTINUE, len, skip);
	}
	frames = rest ? (rest + size - 1) / size : 0;
	skip += rest + frames * AMQP_FRAME_OVERHEAD;
	m->body_frames += (uint32_t)(frames < UINT32_MAX ? frames : UINT32_MAX);
	m->content_predicted = frames > 0;
	m->body_left = 0;
	m->stage = AMQP_STAGE_START;
	return complete(m, len, skip);
}

/* A frame that is no part of a message: a heartbeat, or a content frame
 * whose method was not seen. */
static struct parse_result frame_pass(const uint8_t *buf, size_t len, uint32_t size)
{
	uint64_t total = (uint64_t)size + AMQP_FRAME_OVERHEAD;

	if (total <= len) {
		if (buf[total - 1] != AMQP_FRAME_END)
			return invalid();
		return parse_result_make(PARSE_IGNORED, (size_t)total, 0);
	}
	return parse_result_make(PARSE_IGNORED, len, total - len);
}

struct parse_result amqp_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
			       struct message *msg)
{
	struct amqp_message *m = PROTOCOL_BODY(msg, struct amqp_message);
	uint8_t type;
	uint16_t channel;
	uint32_t size;

	if (!len)
		return need_more();
	m->from_client = ctx->from_client;
	if (m->stage == AMQP_STAGE_START && buf[0] == 'A') {
		if (memcmp(buf, "AMQP", len < 4 ? len : 4))
			return invalid();
		if (len < 8)
			return need_more();
		m->kind = AMQP_KIND_PROTOCOL_HEADER;
		memcpy(m->version, buf + 4, 4);
		if (m->from_client) {
			uint8_t *waiting = waiting_of(ctx, 0);

			if (waiting && *waiting < 255)
				(*waiting)++;
		}
		return complete(m, 8, 0);
	}
	if (len < 7)
		return need_more();
	type = buf[0];
	channel = be16_load(buf + 1);
	size = be32_load(buf + 3);
	if (size > AMQP_SIZE_MAX)
		return invalid();
	if (type == FRAME_HEARTBEAT) {
		struct parse_result r;

		if (size || channel)
			return invalid();
		if (len < 8)
			return need_more();
		r = frame_pass(buf, len, size);
		if (r.state == PARSE_IGNORED && m->stage != AMQP_STAGE_START)
			r.state = PARSE_CONTINUE; /* inside a content: passed over */
		return r;
	}
	switch (m->stage) {
	case AMQP_STAGE_START:
		if (type == FRAME_METHOD)
			return method_parse(buf, len, ctx, m, channel, size);
		if (type == FRAME_HEADER || type == FRAME_BODY)
			return frame_pass(buf, len, size);
		return invalid();
	case AMQP_STAGE_HEADER:
	case AMQP_STAGE_BODY:
		if (type != FRAME_METHOD && type != FRAME_HEADER && type != FRAME_BODY)
			return invalid();
		if (channel != m->channel ||
		    type != (m->stage == AMQP_STAGE_HEADER ? FRAME_HEADER : FRAME_BODY)) {
			/* Not its content: the message ends without it, the frame
			 * starts the next one. */
			m->content_missing = true;
			m->stage = AMQP_STAGE_START;
			return complete(m, 0, 0);
		}
		if (m->stage == AMQP_STAGE_HEADER)
			return header_parse(buf, len, m, size);
		return body_parse(buf, len, m, size);
	default:
		return invalid();
	}
}

/* --- credentials in bytes the parser did not take --- */

/*
 * A start-ok, secure-ok or update-secret method frame anywhere in buf (a
 * message refused, lost to a gap, or a connection no protocol claimed):
 * its credential is marked. Each position costs a few byte compares.
 */
void amqp_secrets_scan(const uint8_t *buf, size_t len, const struct parse_ctx *ctx)
{
	for (size_t at = 0; len >= 11 && at <= len - 11; at++) {
		size_t p = at + 11, end;
		uint16_t method;
		uint64_t n;

		if (buf[at] != FRAME_METHOD || buf[at + 1] || buf[at + 2] || buf[at + 7] ||
		    buf[at + 8] != 10 || buf[at + 9])
			continue;
		method = buf[at + 10];
		if (method != 11 && method != 21 && method != 70)
			continue;
		end = at + 7 +
		      (size_t)(be32_load(buf + at + 3) < len ? be32_load(buf + at + 3) : len);
		if (end > len)
			end = len;
		if (method == 11) { /* client-properties, then the mechanism */
			if (p + 4 > end || (n = be32_load(buf + p)) > end - p - 4)
				continue;
			p += 4 + (size_t)n;
			if (p >= end || (size_t)buf[p] >= end - p)
				continue;
			p += 1 + buf[p];
		}
		if (p + 4 > end)
			continue;
		n = be32_load(buf + p);
		if (n && n <= AMQP_SIZE_MAX)
			parse_secret(ctx, p + 4 < len ? p + 4 : len, (size_t)n);
	}
}

/* --- detection --- */

bool amqp_detect(const uint8_t *buf, size_t len, bool from_client)
{
	static const uint8_t header[8] = { 'A', 'M', 'Q', 'P', 0, 0, 9, 1 };
	struct message scratch;
	struct parse_ctx ctx = { .from_client = from_client };
	struct parse_result r;
	uint32_t size;

	if (len >= 8 && !memcmp(buf, header, 8))
		return true;
	/* Joined midway, or the server's connection.start: one whole method
	 * frame of a known method whose fields end at its frame end. */
	if (len < 12 || buf[0] != FRAME_METHOD)
		return false;
	size = be32_load(buf + 3);
	if (size < 4 || size > AMQP_WAIT_MAX || (uint64_t)size + AMQP_FRAME_OVERHEAD > len)
		return false;
	memset(scratch.body, 0, sizeof(struct amqp_message));
	r = amqp_parse(buf, len, &ctx, &scratch);
	return (r.state == PARSE_COMPLETE || r.state == PARSE_CONTINUE) &&
	       !PROTOCOL_BODY(&scratch, struct amqp_message)->fields_cut;
}
