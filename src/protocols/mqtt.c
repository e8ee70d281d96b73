/*
 * MQTT decoder: 3.1 (MQIsdp, level 3), 3.1.1 (level 4) and 5.0 (level 5)
 * control packets (https://docs.oasis-open.org/mqtt/mqtt/v5.0/mqtt-v5.0.html,
 * .../v3.1.1/os/mqtt-v3.1.1-os.html).
 *
 * Each packet is a fixed header (type and flags, then the remaining length
 * as a variable byte integer of at most 4 bytes) and the rest. A PUBLISH is
 * read up to its payload (topic, packet id, v5 properties); the payload is
 * consumed as far as buf goes and the rest skipped, its first MQTT_EXCERPT
 * bytes kept (later ones through mqtt_skipped). Every other packet is read
 * once whole, at most MQTT_PIECE_MAX bytes. Each call is one packet: a
 * whole message, or NEED_MORE after O(1) work (a PUBLISH's header is
 * located by its lengths, other packets by the remaining length), so a peer
 * writing a byte at a time costs linear time.
 *
 * The protocol level comes from the CONNECT and is kept in *ctx->conn_flags
 * for both directions: v5 packets carry properties (length-prefixed,
 * passed over) and reason codes. A connection whose CONNECT was not seen is
 * read as 3.1.1, but for acks whose length says v5.
 *
 * The CONNECT's password is marked with parse_secret and not kept.
 */
#include <string.h>

#include "protocols/mqtt.h"
#include "protocols/parse_util.h"

#define MQTT_MAX_REMAINING 268435455u /* 4 bytes of 7 bits */

/* Pairing: an exchange kind in the top byte, the side that sent its
 * request, and the packet id: both sides number their packets apart. */
enum pair_kind {
	PAIR_NONE,
	PAIR_CONNECT,
	PAIR_PUBLISH_QOS1, /* PUBLISH -> PUBACK */
	PAIR_PUBLISH_QOS2, /* PUBLISH -> PUBREC */
	PAIR_PUBREL,	   /* PUBREL -> PUBCOMP */
	PAIR_SUBSCRIBE,
	PAIR_UNSUBSCRIBE,
	PAIR_PING,
};

/* A bounded reader over buf[0..end): a read past end sets short_read and
 * yields zeros; the caller judges it once at the end. */
struct reader {
	const uint8_t *buf;
	size_t at, end;
	bool short_read;
	bool bad; /* a value no peer may send */
};

static bool reader_has(struct reader *r, size_t n)
{
	if (r->short_read || r->end - r->at < n) {
		r->short_read = true;
		return false;
	}
	return true;
}

static uint8_t read_u8(struct reader *r)
{
	return reader_has(r, 1) ? r->buf[r->at++] : 0;
}

static uint16_t read_u16(struct reader *r)
{
	uint16_t v;

	if (!reader_has(r, 2))
		return 0;
	v = be16_load(r->buf + r->at);
	r->at += 2;
	return v;
}

/* A variable byte integer: at most 4 bytes. */
static uint32_t read_varint(struct reader *r)
{
	uint32_t value = 0;

	for (unsigned i = 0; i < 4; i++) {
		uint8_t b = read_u8(r);

		if (r->short_read)
			return 0;
		value |= (uint32_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			return value;
	}
	r->bad = true;
	return 0;
}

/* A length-prefixed string or binary value: its bytes at *at, n long. */
static bool read_string(struct reader *r, size_t *at, size_t *n)
{
	*n = read_u16(r);
	if (!reader_has(r, *n))
		return false;
	*at = r->at;
	r->at += *n;
	return true;
}

/* v5 properties: a length and that many bytes, passed over. */
static void read_properties(struct reader *r)
{
	uint32_t n = read_varint(r);

	if (reader_has(r, n))
		r->at += n;
}

/* Copies a text field, "..." at its end when cut. */
static void text_keep(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	text_copy(dst, cap, p, n);
	if (n > cap - 1)
		memcpy(dst + cap - 4, "...", 4);
}

static bool is_level_5(uint8_t level)
{
	return level == 5;
}

/* Levels 3 and 4: no properties, no reason codes but CONNACK's and SUBACK's. */
static bool is_level_3(uint8_t level)
{
	return level == 3 || level == 4;
}

/* MQTT 5.0 section 3.2.2.2: 0x00, and bit c - 0x80 of this mask (0x80-0x8a,
 * 0x8c, 0x90, 0x95, 0x97, 0x99-0x9d, 0x9f). */
#define V5_CONNACK_ERRORS 0xbea117ffu

static bool v5_connack_code(uint8_t c)
{
	return c == 0x00 || (c >= 0x80 && c <= 0x9f && (V5_CONNACK_ERRORS >> (c - 0x80) & 1));
}

static bool unsuback_code(uint8_t c)
{
	return c == 0x00 || c == 0x11 || c == 0x80 || c == 0x83 || c == 0x87 || c == 0x8f ||
	       c == 0x91;
}

static bool suback_code(uint8_t c, uint8_t level)
{
	if (c <= 2 || c == 0x80)
		return true;
	if (is_level_3(level))
		return false;
	return c == 0x83 || c == 0x87 || c == 0x8f || c == 0x91 || c == 0x97 || c == 0x9e ||
	       c == 0xa1 || c == 0xa2;
}

/* --- packets --- */

static void connect_read(struct reader *r, const struct parse_ctx *ctx, struct mqtt_message *m)
{
	size_t at, n;
	uint8_t flags;

	if (!read_string(r, &at, &n))
		return;
	m->level = read_u8(r);
	if (r->short_read)
		return;
	if (!((n == 4 && !memcmp(r->buf + at, "MQTT", 4) && (m->level == 4 || m->level == 5)) ||
	      (n == 6 && !memcmp(r->buf + at, "MQIsdp", 6) && m->level == 3))) {
		r->bad = true;
		return;
	}
	flags = read_u8(r);
	m->keep_alive = read_u16(r);
	if (flags & 0x01) {
		r->bad = true; /* reserved */
		return;
	}
	m->clean = flags & 0x02;
	m->will = flags & 0x04;
	m->will_qos = (flags >> 3) & 3;
	m->will_retain = flags & 0x20;
	m->has_password = flags & 0x40;
	m->has_username = flags & 0x80;
	if (m->will_qos == 3 || (!m->will && (m->will_qos || m->will_retain))) {
		r->bad = true;
		return;
	}
	if (is_level_5(m->level))
		read_properties(r);
	if (read_string(r, &at, &n))
		text_keep(m->client_id, sizeof(m->client_id), r->buf + at, n);
	if (m->will) {
		if (is_level_5(m->level))
			read_properties(r);
		read_string(r, &at, &n); /* will topic */
		read_string(r, &at, &n); /* will payload */
	}
	if (m->has_username && read_string(r, &at, &n))
		text_keep(m->username, sizeof(m->username), r->buf + at, n);
	if (m->has_password && read_string(r, &at, &n) && n)
		parse_secret(ctx, at, n);
	if (!r->short_read && !r->bad)
		*ctx->conn_flags = (*ctx->conn_flags & ~MQTT_FLAGS_LEVEL) | m->level;
}

static void connack_read(struct reader *r, struct mqtt_message *m)
{
	uint8_t ack = read_u8(r);

	m->code = read_u8(r);
	m->has_code = true;
	if (!m->level)
		m->level = m->remaining > 2 ? 5 : 4;
	if (ack & 0xfe) {
		r->bad = true;
		return;
	}
	m->session_present = ack & 1;
	if (is_level_5(m->level)) {
		read_properties(r);
		if (!v5_connack_code(m->code))
			r->bad = true;
	} else if (m->remaining != 2 || m->code > 5) {
		r->bad = true;
	}
	if (m->code && m->session_present)
		r->bad = true;
}

static void publish_read(struct reader *r, struct mqtt_message *m)
{
	size_t at, n;

	m->qos = (m->flags >> 1) & 3;
	m->retain = m->flags & 1;
	m->dup = m->flags & 8;
	if (m->qos == 3 || (!m->qos && m->dup)) {
		r->bad = true;
		return;
	}
	if (read_string(r, &at, &n))
		text_keep(m->topic, sizeof(m->topic), r->buf + at, n);
	if (!r->short_read && !n && !is_level_5(m->level))
		r->bad = true; /* only v5's topic aliases leave it empty */
	if (m->qos) {
		m->packet_id = read_u16(r);
		m->has_id = true;
		if (!r->short_read && !m->packet_id)
			r->bad = true;
	}
	if (is_level_5(m->level))
		read_properties(r);
}

/* v5's reason code and properties after the packet's first `before`
 * bytes (DISCONNECT and AUTH: none; the acks: a packet id), each left out
 * when the packet ends before it. v3 has neither: more bytes are bad on a
 * v3 connection and say v5 on one whose CONNECT was not seen. */
static void reason_read(struct reader *r, struct mqtt_message *m, uint32_t before)
{
	if (m->remaining == before)
		return;
	if (is_level_3(m->level)) {
		r->bad = true;
		return;
	}
	m->level = 5;
	m->code = read_u8(r);
	m->has_code = true;
	if (m->remaining > before + 1)
		read_properties(r);
}

/* PUBACK, PUBREC, PUBREL, PUBCOMP: a packet id, v5 a reason code and
 * properties. */
static void ack_read(struct reader *r, struct mqtt_message *m)
{
	m->packet_id = read_u16(r);
	m->has_id = true;
	if (!m->packet_id && !r->short_read)
		r->bad = true;
	reason_read(r, m, 2);
}

static void subscribe_read(struct reader *r, struct mqtt_message *m, bool unsubscribe)
{
	m->packet_id = read_u16(r);
	m->has_id = true;
	if (!m->packet_id)
		r->bad = true;
	if (is_level_5(m->level))
		read_properties(r);
	while (!r->short_read && !r->bad && r->at < r->end) {
		size_t at, n;
		uint8_t options = 0;

		if (!read_string(r, &at, &n))
			return;
		if (!unsubscribe) {
			options = read_u8(r);
			if (is_level_5(m->level) ? (options & 0xc0) || ((options >> 4) & 3) == 3
						 : options & 0xfc)
				r->bad = true;
			if ((options & 3) == 3)
				r->bad = true;
		}
		if (!n)
			r->bad = true;
		if (m->n_topics < MQTT_TOPICS) {
			text_keep(m->topics[m->n_topics], TEXT_SHORT, r->buf + at, n);
			m->topic_options[m->n_topics] = options;
		}
		m->n_topics++;
	}
	if (!m->n_topics)
		r->bad = true;
}

static void suback_read(struct reader *r, struct mqtt_message *m, bool unsuback)
{
	m->packet_id = read_u16(r);
	m->has_id = true;
	if (!m->packet_id)
		r->bad = true;
	if (unsuback && !is_level_5(m->level)) {
		if (m->remaining == 2)
			return;
		if (is_level_3(m->level)) {
			r->bad = true;
			return;
		}
		m->level = 5; /* longer: v5's properties and codes */
	}
	if (is_level_5(m->level))
		read_properties(r);
	while (!r->short_read && r->at < r->end) {
		uint8_t code = read_u8(r);

		if (unsuback ? !unsuback_code(code) : !suback_code(code, m->level))
			r->bad = true;
		if (m->n_codes < MQTT_CODES)
			m->codes[m->n_codes] = code;
		m->n_codes++;
	}
	if (!m->n_codes)
		r->bad = true;
}

/* The fixed header's flags and the side that may send each type. */
static bool fixed_header_valid(const struct mqtt_message *m, bool from_client)
{
	uint8_t t = m->type;

	if (t == MQTT_PUBLISH)
		return true;
	if (m->flags != (t == MQTT_PUBREL || t == MQTT_SUBSCRIBE || t == MQTT_UNSUBSCRIBE ? 2 : 0))
		return false;
	switch (t) {
	case MQTT_CONNECT:
	case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
	case MQTT_PINGREQ:
		return from_client;
	case MQTT_CONNACK:
	case MQTT_SUBACK:
	case MQTT_UNSUBACK:
	case MQTT_PINGRESP:
		return !from_client;
	case MQTT_DISCONNECT:
		return from_client || !is_level_3(m->level);
	case MQTT_AUTH:
		return !is_level_3(m->level);
	default:
		return t >= MQTT_PUBACK && t <= MQTT_PUBCOMP;
	}
}

/* The remaining lengths each type may have (beyond what reading checks). */
static bool remaining_valid(const struct mqtt_message *m)
{
	switch (m->type) {
	case MQTT_PINGREQ:
	case MQTT_PINGRESP:
		return m->remaining == 0;
	case MQTT_CONNACK:
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBREL:
	case MQTT_PUBCOMP:
	case MQTT_UNSUBACK:
		return m->remaining >= 2;
	case MQTT_DISCONNECT:
	case MQTT_AUTH:
		return true;
	case MQTT_SUBACK:
		return m->remaining >= 3;
	default:
		return m->remaining >= 2;
	}
}

static enum message_role role_of(const struct mqtt_message *m)
{
	switch (m->type) {
	case MQTT_PUBLISH:
		return m->qos ? ROLE_REQUEST : ROLE_ALONE;
	case MQTT_CONNECT:
	case MQTT_PUBREL:
	case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
	case MQTT_PINGREQ:
		return ROLE_REQUEST;
	case MQTT_CONNACK:
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBCOMP:
	case MQTT_SUBACK:
	case MQTT_UNSUBACK:
	case MQTT_PINGRESP:
		return ROLE_RESPONSE;
	default:
		return ROLE_ALONE; /* DISCONNECT, AUTH */
	}
}

static enum pair_kind pair_kind_of(const struct mqtt_message *m)
{
	switch (m->type) {
	case MQTT_CONNECT:
	case MQTT_CONNACK:
		return PAIR_CONNECT;
	case MQTT_PUBLISH:
		return m->qos == 1   ? PAIR_PUBLISH_QOS1
		       : m->qos == 2 ? PAIR_PUBLISH_QOS2
				     : PAIR_NONE;
	case MQTT_PUBACK:
		return PAIR_PUBLISH_QOS1;
	case MQTT_PUBREC:
		return PAIR_PUBLISH_QOS2;
	case MQTT_PUBREL:
	case MQTT_PUBCOMP:
		return PAIR_PUBREL;
	case MQTT_SUBSCRIBE:
	case MQTT_SUBACK:
		return PAIR_SUBSCRIBE;
	case MQTT_UNSUBSCRIBE:
	case MQTT_UNSUBACK:
		return PAIR_UNSUBSCRIBE;
	case MQTT_PINGREQ:
	case MQTT_PINGRESP:
		return PAIR_PING;
	default:
		return PAIR_NONE;
	}
}

uint32_t mqtt_pair_id(const struct message *msg)
{
	const struct mqtt_message *m = PROTOCOL_BODY_CONST(msg, struct mqtt_message);
	/* The side that sent the request: the sender of a request, the other
	 * side of a response. */
	bool request_from_server = role_of(m) == ROLE_RESPONSE ? m->from_client : !m->from_client;

	return (uint32_t)pair_kind_of(m) << 24 | (uint32_t)request_from_server << 16 |
	       (m->has_id ? m->packet_id : 0);
}

/* The fixed header at buf: type, flags, remaining length and its size.
 * 0: not whole yet; -1: invalid. */
static int fixed_header_read(const uint8_t *buf, size_t len, uint32_t *remaining)
{
	struct reader r = { .buf = buf, .end = len < 5 ? len : 5, .at = 1 };

	if (!len)
		return 0;
	*remaining = read_varint(&r);
	if (r.bad)
		return -1;
	if (r.short_read)
		return len >= 5 ? -1 : 0;
	return (int)r.at;
}

/* The excerpt from payload bytes at p, n of them. */
static void excerpt_add(struct mqtt_message *m, const uint8_t *p, size_t n)
{
	size_t room = MQTT_EXCERPT - m->excerpt_len;

	if (m->excerpt_gap)
		return;
	if (n > room)
		n = room;
	memcpy(m->excerpt + m->excerpt_len, p, n);
	m->excerpt_len = (uint8_t)(m->excerpt_len + n);
}

struct parse_result mqtt_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
			       struct message *msg)
{
	struct mqtt_message *m = PROTOCOL_BODY(msg, struct mqtt_message);
	uint32_t remaining;
	int header = fixed_header_read(buf, len, &remaining);
	uint64_t total;
	struct reader r;

	if (header < 0)
		return parse_result_make(PARSE_INVALID, 0, 0);
	if (!header)
		return parse_result_make(PARSE_NEED_MORE, 0, 0);
	memset(m, 0, sizeof(*m));
	m->type = buf[0] >> 4;
	m->flags = buf[0] & 0x0f;
	m->from_client = ctx->from_client;
	m->level = (uint8_t)(*ctx->conn_flags & MQTT_FLAGS_LEVEL);
	m->remaining = remaining;
	total = (uint64_t)header + remaining;
	if (!m->type || !fixed_header_valid(m, ctx->from_client) || !remaining_valid(m))
		return parse_result_make(PARSE_INVALID, 0, 0);
	if (m->type != MQTT_PUBLISH) {
		if (total > MQTT_PIECE_MAX)
			return parse_result_make(PARSE_INVALID, 0, 0);
		if (len < total)
			return parse_result_make(PARSE_NEED_MORE, 0, 0);
	}
	r = (struct reader){ .buf = buf,
			     .at = (size_t)header,
			     .end = len < total ? len : (size_t)total };
	switch (m->type) {
	case MQTT_CONNECT:
		connect_read(&r, ctx, m);
		break;
	case MQTT_CONNACK:
		connack_read(&r, m);
		break;
	case MQTT_PUBLISH:
		publish_read(&r, m);
		break;
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBREL:
	case MQTT_PUBCOMP:
		ack_read(&r, m);
		break;
	case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
		subscribe_read(&r, m, m->type == MQTT_UNSUBSCRIBE);
		break;
	case MQTT_SUBACK:
	case MQTT_UNSUBACK:
		suback_read(&r, m, m->type == MQTT_UNSUBACK);
		break;
	case MQTT_PINGREQ:
	case MQTT_PINGRESP:
		break;
	default:
		reason_read(&r, m, 0);
		break;
	}
	if (r.bad)
		return parse_result_make(PARSE_INVALID, 0, 0);
	if (r.short_read) {
		/* The header runs past the packet, or past what buf holds yet. */
		if (r.end == total || len >= MQTT_PIECE_MAX)
			return parse_result_make(PARSE_INVALID, 0, 0);
		return parse_result_make(PARSE_NEED_MORE, 0, 0);
	}
	if (m->type != MQTT_PUBLISH && r.at != total)
		return parse_result_make(PARSE_INVALID, 0, 0); /* bytes past its fields */

	struct parse_result result = parse_result_make(PARSE_COMPLETE, r.end, total - r.end);
	if (m->type == MQTT_PUBLISH) {
		m->payload_len = (uint32_t)(total - r.at);
		m->payload_seen = (uint32_t)(r.end - r.at);
		excerpt_add(m, buf + r.at, r.end - r.at);
	}
	result.role = role_of(m);
	return result;
}

void mqtt_skipped(struct message *msg, void *conn_state, const uint8_t *bytes, size_t len,
		  uint64_t uncaptured)
{
	struct mqtt_message *m = PROTOCOL_BODY(msg, struct mqtt_message);

	(void)conn_state;
	if (m->type != MQTT_PUBLISH)
		return;
	excerpt_add(m, bytes, len);
	if (uncaptured && m->excerpt_len < MQTT_EXCERPT && m->payload_seen + len < m->payload_len)
		m->excerpt_gap = true;
	m->payload_seen += (uint32_t)(len + uncaptured);
}

/* --- detection --- */

bool mqtt_detect(const uint8_t *buf, size_t len, bool from_client)
{
	uint32_t remaining;
	int header = fixed_header_read(buf, len, &remaining);
	size_t at = (size_t)header;

	if (header <= 0)
		return false;
	if (from_client) {
		/* CONNECT: the protocol name and its level, the reserved flag clear. */
		static const uint8_t v311[] = { 0, 4, 'M', 'Q', 'T', 'T' };
		static const uint8_t v31[] = { 0, 6, 'M', 'Q', 'I', 's', 'd', 'p', 3 };

		if (buf[0] != 0x10 || remaining < 12 || len < at + 10)
			return false;
		if (!memcmp(buf + at, v311, sizeof(v311)))
			return (buf[at + 6] == 4 || buf[at + 6] == 5) && !(buf[at + 7] & 1);
		return len >= at + 11 && !memcmp(buf + at, v31, sizeof(v31)) && !(buf[at + 9] & 1);
	}
	/* CONNACK: v3 exactly 2 bytes, v5 flags, code and the properties' length. */
	if (buf[0] != 0x20 || len < at + 2 || (buf[at] & 0xfe) || (buf[at + 1] && buf[at]))
		return false;
	if (remaining == 2)
		return buf[at + 1] <= 5;
	{
		struct reader r = { .buf = buf, .at = at + 2, .end = len };
		uint32_t props = read_varint(&r);

		return !r.bad && !r.short_read && v5_connack_code(buf[at + 1]) &&
		       remaining == r.at - at + props;
	}
}
