/*
 * PostgreSQL decoder: frontend/backend protocol 3
 * (https://www.postgresql.org/docs/current/protocol-message-formats.html).
 *
 * A typed message is a type byte, an int32 length (big endian, counting
 * itself but not the type byte) and a body. The client's first message has
 * no type byte: an int32 length, then an int32 code (StartupMessage,
 * SSLRequest, GSSENCRequest, CancelRequest).
 *
 * What is reported: the startup (user, database), SSL answers, simple
 * Query text, CommandComplete tags, ErrorResponses, and the ReadyForQuery
 * that ends the startup exchange. The rest (extended-query messages,
 * RowDescription, DataRow, ParameterStatus, ...) is PARSE_IGNORED, whole,
 * even when it goes on past buf: consumed = what buf holds of it, skip = the
 * rest, so big DataRows never need buffering.
 *
 * A Query or ErrorResponse longer than buf with at least PG_PEEK of its
 * bytes in buf is PARSE_COMPLETE early the same way (consumed = len, skip =
 * the rest): PG_PEEK bytes cover the query text kept, and the fields an
 * error starts with. Shorter ones are PARSE_NEED_MORE until whole.
 */
#include <string.h>

#include "decode/postgres.h"

#define PG_MAX_LENGTH (1U << 30)     /* a message length above 1 GiB: not PostgreSQL */
#define PG_STARTUP_MAX 10000         /* the server's own limit on a startup packet */
#define PG_CANCEL_MAX (12 + 256)     /* protocol 3.2 cancel keys are up to 256 bytes */
#define PG_PEEK 1024                 /* bytes of a long Query or error held before COMPLETE */
#define PG_HEADER 5                  /* type byte and int32 length */

#define PG_PROTOCOL_MAJOR 3          /* StartupMessage code: major << 16 | minor */
#define PG_CANCEL_CODE 80877102      /* 1234 << 16 | 5678 */
#define PG_SSL_CODE 80877103         /* 1234 << 16 | 5679 */
#define PG_GSSENC_CODE 80877104      /* 1234 << 16 | 5680 */

/* pg_message.tag of the client messages that have no pg_kind of their own. */
#define PG_TAG_GSSENC "GSSENCRequest"
#define PG_TAG_CANCEL "CancelRequest"

enum step {
	STEP_OK,
	STEP_NEED_MORE,
	STEP_INVALID,
};

struct pg_header {
	uint8_t type;
	uint32_t length; /* as sent: body + 4 */
	uint64_t total;  /* bytes of the whole message: 1 + length */
	size_t in_buf;   /* bytes of it that buf holds: min(len, total) */
};

static struct parse_result result_make(enum parse_state state, size_t consumed, uint64_t skip)
{
	struct parse_result result = { .state = state, .consumed = consumed, .skip = skip };
	return result;
}

static uint32_t be32_read(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Raw bytes into a NUL-terminated field, cut with "..." when too long. */
static void text_cut(char *dst, size_t size, const uint8_t *src, size_t n)
{
	if (n > size - 1) {
		memcpy(dst, src, size - 4);
		memcpy(dst + size - 4, "...", 4);
		return;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The NUL-terminated string at src, at most avail bytes long. */
static size_t string_len(const uint8_t *src, size_t avail)
{
	const uint8_t *nul = memchr(src, 0, avail);

	return nul ? (size_t)(nul - src) : avail;
}

static bool frontend_type(uint8_t type)
{
	switch (type) {
	case 'B': /* Bind */
	case 'C': /* Close */
	case 'd': /* CopyData */
	case 'c': /* CopyDone */
	case 'f': /* CopyFail */
	case 'D': /* Describe */
	case 'E': /* Execute */
	case 'H': /* Flush */
	case 'F': /* FunctionCall */
	case 'P': /* Parse */
	case 'p': /* PasswordMessage, SASLInitialResponse, SASLResponse, GSSResponse */
	case 'Q': /* Query */
	case 'S': /* Sync */
	case 'X': /* Terminate */
		return true;
	default:
		return false;
	}
}

static bool backend_type(uint8_t type)
{
	switch (type) {
	case 'R': /* Authentication* */
	case 'K': /* BackendKeyData */
	case 'S': /* ParameterStatus */
	case 'Z': /* ReadyForQuery */
	case 'C': /* CommandComplete */
	case 'D': /* DataRow */
	case 'E': /* ErrorResponse */
	case 'I': /* EmptyQueryResponse */
	case 'N': /* NoticeResponse */
	case 'T': /* RowDescription */
	case 't': /* ParameterDescription */
	case '1': /* ParseComplete */
	case '2': /* BindComplete */
	case '3': /* CloseComplete */
	case 'n': /* NoData */
	case 's': /* PortalSuspended */
	case 'G': /* CopyInResponse */
	case 'H': /* CopyOutResponse */
	case 'W': /* CopyBothResponse */
	case 'd': /* CopyData */
	case 'c': /* CopyDone */
	case 'A': /* NotificationResponse */
	case 'V': /* FunctionCallResponse */
	case 'v': /* NegotiateProtocolVersion */
		return true;
	default:
		return false;
	}
}

static enum step header_read(const uint8_t *buf, size_t len, struct pg_header *header)
{
	if (len < PG_HEADER)
		return STEP_NEED_MORE;
	header->type = buf[0];
	header->length = be32_read(buf + 1);
	if (header->length < 4 || header->length > PG_MAX_LENGTH)
		return STEP_INVALID;
	header->total = 1 + (uint64_t)header->length;
	header->in_buf = len < header->total ? len : (size_t)header->total;
	return STEP_OK;
}

static struct parse_result header_fail(enum step step)
{
	return result_make(step == STEP_NEED_MORE ? PARSE_NEED_MORE : PARSE_INVALID, 0, 0);
}

/* The whole typed message, emitted (COMPLETE) or not (IGNORED). */
static struct parse_result message_take(enum parse_state state, const struct pg_header *header)
{
	return result_make(state, header->in_buf, header->total - header->in_buf);
}

/*
 * A message whose text fields we read: whole, or (see the top) at least
 * PG_PEEK bytes of it. A whole one must end with the NUL its last string
 * or its terminator puts there.
 */
static enum step message_readable(const uint8_t *buf, const struct pg_header *header)
{
	if (header->in_buf == header->total)
		return header->length > 4 && buf[header->total - 1] == 0 ? STEP_OK : STEP_INVALID;
	return header->in_buf - PG_HEADER >= PG_PEEK ? STEP_OK : STEP_NEED_MORE;
}

/* A message whose body is one string (Query, CommandComplete): emitted as
 * kind, the string cut to fit into dst. */
static struct parse_result string_message(const uint8_t *buf, const struct pg_header *header,
					  struct pg_message *pg, enum pg_kind kind, char *dst,
					  size_t size)
{
	enum step step = message_readable(buf, header);

	if (step != STEP_OK)
		return header_fail(step);
	pg->kind = kind;
	text_cut(dst, size, buf + PG_HEADER, string_len(buf + PG_HEADER, header->in_buf - PG_HEADER));
	return message_take(PARSE_COMPLETE, header);
}

/* --- client --- */

/*
 * StartupMessage parameters: NUL-terminated name and value pairs, then one
 * more NUL, filling the message exactly.
 */
static struct parse_result startup_parse(const uint8_t *buf, uint32_t length,
					 struct pg_message *pg)
{
	size_t at = 8;
	bool have_database = false;

	if (length < 9 || buf[length - 1] != 0)
		return result_make(PARSE_INVALID, 0, 0);
	for (;;) {
		size_t name = at, name_len, value, value_len;

		name_len = string_len(buf + name, length - name);
		if (name + name_len >= length)
			return result_make(PARSE_INVALID, 0, 0);
		if (!name_len) {
			/* The terminator, which must be the last byte. */
			if (name + 1 != length)
				return result_make(PARSE_INVALID, 0, 0);
			break;
		}
		value = name + name_len + 1;
		if (value >= length)
			return result_make(PARSE_INVALID, 0, 0);
		value_len = string_len(buf + value, length - value);
		if (value + value_len >= length)
			return result_make(PARSE_INVALID, 0, 0);
		if (name_len == 4 && !memcmp(buf + name, "user", 4)) {
			text_cut(pg->user, sizeof(pg->user), buf + value, value_len);
		} else if (name_len == 8 && !memcmp(buf + name, "database", 8)) {
			text_cut(pg->database, sizeof(pg->database), buf + value, value_len);
			have_database = true;
		}
		at = value + value_len + 1;
	}
	/* The server's default: a database named after the user. */
	if (!have_database)
		memcpy(pg->database, pg->user, sizeof(pg->database));
	pg->kind = PG_STARTUP;
	return result_make(PARSE_COMPLETE, length, 0);
}

/* The client's first message: int32 length, int32 code, no type byte. */
static struct parse_result first_parse(const uint8_t *buf, size_t len, struct pg_message *pg)
{
	uint32_t length, code;

	/* A length of at most PG_STARTUP_MAX (< 65536) starts with two zeros. */
	if ((len >= 1 && buf[0]) || (len >= 2 && buf[1]))
		return result_make(PARSE_INVALID, 0, 0);
	if (len < 8)
		return result_make(PARSE_NEED_MORE, 0, 0);
	length = be32_read(buf);
	code = be32_read(buf + 4);
	if (length < 8 || length > PG_STARTUP_MAX)
		return result_make(PARSE_INVALID, 0, 0);
	switch (code) {
	case PG_SSL_CODE:
		if (length != 8)
			return result_make(PARSE_INVALID, 0, 0);
		pg->kind = PG_SSL_REQUEST;
		return result_make(PARSE_COMPLETE, 8, 0);
	case PG_GSSENC_CODE:
		if (length != 8)
			return result_make(PARSE_INVALID, 0, 0);
		pg->kind = PG_OTHER;
		memcpy(pg->tag, PG_TAG_GSSENC, sizeof(PG_TAG_GSSENC));
		return result_make(PARSE_COMPLETE, 8, 0);
	case PG_CANCEL_CODE:
		/* Process id and secret key; no answer, the server hangs up. */
		if (length < 16 || length > PG_CANCEL_MAX)
			return result_make(PARSE_INVALID, 0, 0);
		if (len < length)
			return result_make(PARSE_NEED_MORE, 0, 0);
		pg->kind = PG_OTHER;
		memcpy(pg->tag, PG_TAG_CANCEL, sizeof(PG_TAG_CANCEL));
		return result_make(PARSE_COMPLETE, length, 0);
	default:
		if (code >> 16 != PG_PROTOCOL_MAJOR || (code & 0xffff) > 0xff)
			return result_make(PARSE_INVALID, 0, 0);
		if (len < length)
			return result_make(PARSE_NEED_MORE, 0, 0);
		return startup_parse(buf, length, pg);
	}
}

/*
 * Which client message this is. The decoder keeps no state between
 * messages, so it goes by the bytes: when the first byte is a frontend
 * message type and the int32 after it a sane length, it is a typed message;
 * otherwise it is one of the untyped first messages. That rule never
 * mistakes one for the other: an untyped message is at most PG_STARTUP_MAX
 * bytes, so its first byte is 0, which no type letter is.
 */
static struct parse_result client_parse(const uint8_t *buf, size_t len, struct pg_message *pg)
{
	struct pg_header header;
	enum step step;

	if (!frontend_type(buf[0]))
		return first_parse(buf, len, pg);
	step = header_read(buf, len, &header);
	if (step == STEP_NEED_MORE)
		return header_fail(step);
	if (step == STEP_INVALID)
		return first_parse(buf, len, pg);
	pg->kind = PG_OTHER;
	switch (header.type) {
	case 'X': /* these have no body */
	case 'S':
	case 'H':
	case 'c':
		if (header.length != 4)
			return result_make(PARSE_INVALID, 0, 0);
		return message_take(PARSE_IGNORED, &header);
	case 'Q':
		return string_message(buf, &header, pg, PG_QUERY, pg->query, sizeof(pg->query));
	default:
		return message_take(PARSE_IGNORED, &header);
	}
}

/* --- server --- */

/*
 * ErrorResponse fields: a code byte and a NUL-terminated string each, then
 * a zero byte. 'V' (never localized) wins over 'S' for the severity.
 */
static void error_fields(const uint8_t *buf, size_t end, struct pg_message *pg)
{
	bool have_v = false;
	size_t at = PG_HEADER;

	while (at < end && buf[at]) {
		uint8_t field = buf[at++];
		size_t n = string_len(buf + at, end - at);

		switch (field) {
		case 'V':
			have_v = true;
			/* fall through */
		case 'S':
			if (field == 'V' || !have_v)
				text_cut(pg->severity, sizeof(pg->severity), buf + at, n);
			break;
		case 'C':
			text_cut(pg->code, sizeof(pg->code), buf + at, n);
			break;
		case 'M':
			text_cut(pg->error, sizeof(pg->error), buf + at, n);
			break;
		default:
			break;
		}
		at += n + 1;
	}
}

static bool request_is(const struct message *request, enum pg_kind kind, const char *tag)
{
	/* A zeroed message reads as PG_STARTUP (0): check the protocol first. */
	if (!request || PROTOCOL_BODY_CONST(request, struct pg_message)->kind != kind)
		return false;
	return !tag || !strcmp(PROTOCOL_BODY_CONST(request, struct pg_message)->tag, tag);
}

static struct parse_result server_parse(const uint8_t *buf, size_t len,
					const struct message *request, struct pg_message *pg)
{
	struct pg_header header;
	enum step step;

	/* SSLRequest and GSSENCRequest get a single byte: yes or no. */
	if ((request_is(request, PG_SSL_REQUEST, NULL) && (buf[0] == 'S' || buf[0] == 'N')) ||
	    (request_is(request, PG_OTHER, PG_TAG_GSSENC) && (buf[0] == 'G' || buf[0] == 'N'))) {
		pg->kind = PG_OTHER;
		pg->tag[0] = buf[0];
		return result_make(PARSE_COMPLETE, 1, 0);
	}
	step = header_read(buf, len, &header);
	if (step != STEP_OK)
		return header_fail(step);
	if (!backend_type(header.type))
		return result_make(PARSE_INVALID, 0, 0);
	pg->kind = PG_OTHER;
	switch (header.type) {
	case 'C':
		return string_message(buf, &header, pg, PG_COMMAND_COMPLETE, pg->tag,
				      sizeof(pg->tag));
	case 'E':
		step = message_readable(buf, &header);
		if (step != STEP_OK)
			return header_fail(step);
		pg->kind = PG_ERROR;
		error_fields(buf, header.in_buf, pg);
		return message_take(PARSE_COMPLETE, &header);
	case 'Z':
		/* Transaction status: Idle, in a Transaction, in a failed one (Error). */
		if (header.length != 5)
			return result_make(PARSE_INVALID, 0, 0);
		if (len < header.total)
			return result_make(PARSE_NEED_MORE, 0, 0);
		if (buf[5] != 'I' && buf[5] != 'T' && buf[5] != 'E')
			return result_make(PARSE_INVALID, 0, 0);
		pg->kind = PG_READY;
		pg->tag[0] = buf[5];
		/* After a startup, the first ReadyForQuery ends the exchange. */
		return message_take(request_is(request, PG_STARTUP, NULL) ? PARSE_COMPLETE :
									   PARSE_IGNORED,
				    &header);
	case 'R':
		if (header.length < 8)
			return result_make(PARSE_INVALID, 0, 0);
		pg->kind = PG_AUTH;
		return message_take(PARSE_IGNORED, &header);
	default:
		return message_take(PARSE_IGNORED, &header);
	}
}

/* --- detection --- */

static bool client_detect(const uint8_t *buf, size_t len)
{
	uint32_t length, code;

	if (len < 8)
		return false;
	length = be32_read(buf);
	code = be32_read(buf + 4);
	switch (code) {
	case PG_SSL_CODE:
	case PG_GSSENC_CODE:
		return length == 8;
	case PG_CANCEL_CODE:
		return length >= 16 && length <= PG_CANCEL_MAX;
	default:
		if (code >> 16 != PG_PROTOCOL_MAJOR || (code & 0xffff) > 0xff)
			return false;
		if (length < 9 || length > PG_STARTUP_MAX)
			return false;
		/* The first parameter name: "user", "database", "_pq_.xxx"... */
		return len == 8 || (buf[8] >= 'a' && buf[8] <= 'z') || buf[8] == '_';
	}
}

static bool server_detect(const uint8_t *buf, size_t len)
{
	uint32_t length, auth;

	if (len < 6)
		return false;
	length = be32_read(buf + 1);
	switch (buf[0]) {
	case 'R':
		/* Ok 0, CleartextPassword 3, MD5Password 5, GSS 7, SSPI 9, SASL 10.. */
		if (length < 8 || length > 2048 || len < 9)
			return false;
		auth = be32_read(buf + 5);
		return auth == 0 || auth == 2 || (auth >= 3 && auth <= 12 && auth != 4);
	case 'E':
	case 'N':
		/* Fields start with a code letter: 'S' from PostgreSQL itself. */
		return length > 5 && length <= 65536 && buf[5] >= 'A' && buf[5] <= 'Z';
	case 'S':
		return length > 5 && length <= 65536 && buf[5] >= ' ' && buf[5] < 0x7f;
	case 'K':
		return length >= 12 && length <= PG_CANCEL_MAX;
	case 'Z':
		return length == 5 && (buf[5] == 'I' || buf[5] == 'T' || buf[5] == 'E');
	default:
		return false;
	}
}

bool postgres_detect(const uint8_t *buf, size_t len, bool from_client)
{
	return from_client ? client_detect(buf, len) : server_detect(buf, len);
}

/* --- the decoder --- */

struct parse_result postgres_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
                                   struct message *msg)
{
	bool from_client = ctx->from_client;
	const struct message *request = ctx->request;
	memset(msg->body, 0, sizeof(msg->body));
	if (!len)
		return result_make(PARSE_NEED_MORE, 0, 0);
	if (from_client)
		return client_parse(buf, len, PROTOCOL_BODY(msg, struct pg_message));
	return server_parse(buf, len, request, PROTOCOL_BODY(msg, struct pg_message));
}
