/*
 * PostgreSQL decoder: frontend/backend protocol 3
 * (https://www.postgresql.org/docs/current/protocol-message-formats.html).
 *
 * A typed message is a type byte, an int32 length (big endian, counting
 * itself but not the type byte) and a body. The client's first message has
 * no type byte: an int32 length, then an int32 code (StartupMessage,
 * SSLRequest, GSSENCRequest, CancelRequest).
 *
 * Requests. A StartupMessage, SSLRequest, GSSENCRequest, CancelRequest,
 * Query, FunctionCall or 'p' (password, SASL, GSS) message is one request.
 * The extended-query messages (Parse, Bind, Describe, Execute, Close,
 * Flush) are one request up to and including the Sync that ends them: the
 * server answers a Sync with ReadyForQuery, so one Sync is one exchange.
 * The batch is parsed message by message (PARSE_CONTINUE), keeping the
 * first Parse (statement, text, parameter types), Bind (portal, statement,
 * parameters), Describe, Execute and Close. Terminate, and CopyData,
 * CopyDone and CopyFail outside a batch, are PARSE_IGNORED.
 *
 * Responses. Everything the server sends from the first message after a
 * request to ReadyForQuery is one response, parsed message by message
 * (PARSE_CONTINUE): each message's 5-byte header read, the body skipped
 * unless a field of it is kept (tags, the first error, ...), so a reply of
 * any size is never buffered. It ends early (PARSE_COMPLETE) at an
 * authentication request that waits for the client (MD5, SASL, ...) and at
 * a FATAL or PANIC error (the server hangs up). An SSLRequest or
 * GSSENCRequest gets one byte; after a yes the rest is encrypted. A
 * NotificationResponse, NoticeResponse or ParameterStatus that starts a
 * reply while no request waits is a push (unsolicited), alone.
 *
 * Bounds. A message whose fields are read is read when whole or when
 * PG_PEEK bytes of its body are in buf (the fields are then those of its
 * first bytes); the rest is skipped. Nothing is ever scanned twice: a
 * PARSE_NEED_MORE only compares lengths.
 *
 * Per-connection state (ctx->conn_flags): an SSL or GSSENC answer awaited,
 * and the last authentication request, which says what the client's next
 * 'p' message is. With ctx->conn_state (struct pg_conn_state), the
 * connection's prepared statements: every Parse is remembered (name, the
 * first bytes of its text, its parameter types) in PG_STATEMENTS_MAX slots,
 * the least recently used replaced, so that a Bind with no Parse before it
 * in its batch (a statement prepared earlier: psycopg and JDBC after 5
 * executions, asyncpg and pgx always) shows the statement's text. Without
 * conn_state it shows the name only.
 */
#include <string.h>

#include "protocols/parse_util.h"
#include "protocols/postgres.h"

#define PG_MAX_LENGTH (1U << 30)     /* a message length above 1 GiB: not PostgreSQL */
#define PG_STARTUP_MAX 10000         /* the server's own limit on a startup packet */
#define PG_CANCEL_MAX (12 + 256)     /* protocol 3.2 cancel keys are up to 256 bytes */
#define PG_PEEK 1024                 /* body bytes read of a longer message whose fields we keep */
#define PG_HEADER 5                  /* type byte and int32 length */

#define PG_PROTOCOL_MAJOR 3          /* StartupMessage code: major << 16 | minor */
#define PG_CANCEL_CODE 80877102      /* 1234 << 16 | 5678 */
#define PG_SSL_CODE 80877103         /* 1234 << 16 | 5679 */
#define PG_GSSENC_CODE 80877104      /* 1234 << 16 | 5680 */

/* Authentication request codes ('R'). */
#define PG_AUTH_OK 0
#define PG_AUTH_CLEARTEXT 3
#define PG_AUTH_MD5 5
#define PG_AUTH_GSS 7
#define PG_AUTH_GSS_CONTINUE 8
#define PG_AUTH_SSPI 9
#define PG_AUTH_SASL 10
#define PG_AUTH_SASL_CONTINUE 11
#define PG_AUTH_SASL_FINAL 12

/* ctx->conn_flags. */
#define PG_FLAG_SSL_PENDING (1U << 0) /* SSLRequest sent, its byte not yet seen */
#define PG_FLAG_GSS_PENDING (1U << 1) /* GSSENCRequest sent, likewise */
#define PG_FLAG_AUTH_KNOWN (1U << 2)  /* PG_AUTH_MASK holds the last request */
#define PG_AUTH_SHIFT 4
#define PG_AUTH_MASK (0xfU << PG_AUTH_SHIFT)

struct pg_header {
	uint8_t type;
	uint32_t length; /* as sent: body + 4 */
	uint64_t total;  /* bytes of the whole message: 1 + length */
	size_t in_buf;   /* bytes of it that buf holds: min(len, total) */
	bool whole;      /* in_buf == total */
};

/* Reads fields from buf[at, end): a message body, or the part of it in buf. */
struct cursor {
	const uint8_t *buf;
	size_t at;
	size_t end;
};

static struct parse_result need_more(void)
{
	return parse_result_make(PARSE_NEED_MORE, 0, 0);
}

static struct parse_result invalid(void)
{
	return parse_result_make(PARSE_INVALID, 0, 0);
}

/* The next string: false when no NUL ends it before the cursor's end (its
 * bytes up to there are still given). */
static bool cursor_string(struct cursor *c, const uint8_t **s, size_t *n)
{
	return cstring_next(c->buf, &c->at, c->end, s, n);
}

/* The next string copied into dst (what there is of it when cut). */
static bool cursor_text(struct cursor *c, char *dst, size_t size)
{
	return cstring_text(c->buf, &c->at, c->end, dst, size);
}

static bool cursor_u16(struct cursor *c, uint16_t *v)
{
	if (c->end - c->at < 2)
		return false;
	*v = be16_load(c->buf + c->at);
	c->at += 2;
	return true;
}

static bool cursor_u32(struct cursor *c, uint32_t *v)
{
	if (c->end - c->at < 4)
		return false;
	*v = be32_load(c->buf + c->at);
	c->at += 4;
	return true;
}

static bool cursor_skip(struct cursor *c, size_t n)
{
	if (c->end - c->at < n)
		return false;
	c->at += n;
	return true;
}

static struct cursor body_cursor(const uint8_t *buf, const struct pg_header *header)
{
	struct cursor c = { .buf = buf, .at = PG_HEADER, .end = header->in_buf };
	return c;
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

static bool header_read(const uint8_t *buf, size_t len, struct pg_header *header, bool *bad)
{
	*bad = false;
	if (len < PG_HEADER)
		return false;
	header->type = buf[0];
	header->length = be32_load(buf + 1);
	if (header->length < 4 || header->length > PG_MAX_LENGTH) {
		*bad = true;
		return false;
	}
	header->total = 1 + (uint64_t)header->length;
	header->whole = len >= header->total;
	header->in_buf = header->whole ? (size_t)header->total : len;
	return true;
}

/* Enough of the message is in buf to read its fields: all of it, or its
 * first PG_PEEK body bytes. */
static bool fields_in(const struct pg_header *header)
{
	return header->whole || header->in_buf - PG_HEADER >= PG_PEEK;
}

/* The message taken whole: what buf holds of it, the rest skipped. */
static struct parse_result message_take(enum parse_state state, const struct pg_header *header)
{
	return parse_result_make(state, header->in_buf, header->total - header->in_buf);
}

static uint32_t flags_get(const struct parse_ctx *ctx)
{
	return ctx->conn_flags ? *ctx->conn_flags : 0;
}

static void flags_set(const struct parse_ctx *ctx, uint32_t flags)
{
	if (ctx->conn_flags)
		*ctx->conn_flags = flags;
}

/* --- the connection's prepared statements --- */

static struct pg_conn_state *statements_of(const struct parse_ctx *ctx)
{
	return ctx->conn_state;
}

/* A new stamp; when the clock wraps, the order is lost, not the entries. */
static uint32_t statements_tick(struct pg_conn_state *cache)
{
	if (!++cache->clock) {
		for (size_t i = 0; i < PG_STATEMENTS_MAX; i++)
			if (cache->statements[i].used)
				cache->statements[i].used = 1;
		cache->clock = 2;
	}
	return cache->clock;
}

static struct pg_statement *statement_find(struct pg_conn_state *cache, const uint8_t *name,
					   size_t n)
{
	if (!cache || n >= TEXT_SHORT)
		return NULL;
	for (size_t i = 0; i < PG_STATEMENTS_MAX; i++) {
		struct pg_statement *st = &cache->statements[i];

		if (st->used && !memcmp(st->name, name, n) && !st->name[n])
			return st;
	}
	return NULL;
}

/* A Parse: the statement's name, text (what there is of it) and types. */
static void statement_remember(const struct parse_ctx *ctx, const uint8_t *name, size_t n,
			       const uint8_t *text, size_t text_len, uint16_t n_types,
			       const uint32_t *types)
{
	struct pg_conn_state *cache = statements_of(ctx);
	struct pg_statement *st = statement_find(cache, name, n);

	if (!cache || n >= TEXT_SHORT)
		return;
	if (!st) {
		st = &cache->statements[0];
		for (size_t i = 1; i < PG_STATEMENTS_MAX && st->used; i++)
			if (cache->statements[i].used < st->used)
				st = &cache->statements[i];
	}
	memset(st, 0, sizeof(*st));
	memcpy(st->name, name, n);
	text_cut(st->query, sizeof(st->query), text, text_len);
	st->n_types = n_types;
	memcpy(st->types, types, sizeof(st->types));
	st->used = statements_tick(cache);
}

static void statement_forget(const struct parse_ctx *ctx, const uint8_t *name, size_t n)
{
	struct pg_statement *st = statement_find(statements_of(ctx), name, n);

	if (st)
		memset(st, 0, sizeof(*st));
}

static void statements_forget_all(const struct parse_ctx *ctx)
{
	struct pg_conn_state *cache = statements_of(ctx);

	if (cache)
		memset(cache, 0, sizeof(*cache));
}

static bool space_byte(uint8_t b)
{
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f';
}

static bool ident_byte(uint8_t b)
{
	return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
	       b == '_' || b == '$' || b >= 0x80;
}

static void spaces_skip(const uint8_t *s, size_t n, size_t *at)
{
	while (*at < n && space_byte(s[*at]))
		(*at)++;
}

/* The keyword (upper case) at *at, case-insensitively, as a whole word. */
static bool keyword_take(const uint8_t *s, size_t n, size_t *at, const char *word)
{
	size_t k = strlen(word);

	spaces_skip(s, n, at);
	if (n - *at < k || !ascii_equal_nocase(s + *at, k, word, k))
		return false;
	if (*at + k < n && ident_byte(s[*at + k]))
		return false;
	*at += k;
	return true;
}

/* Nothing but spaces and a ';' left (or the end of what is kept). */
static bool statement_end(const uint8_t *s, size_t n, size_t at)
{
	spaces_skip(s, n, &at);
	return at == n || s[at] == ';';
}

/*
 * A simple Query's effect on the statements: any Query destroys the
 * unnamed one; "DISCARD ALL" and "DEALLOCATE [PREPARE] ALL" all of them;
 * "DEALLOCATE [PREPARE] name" that one (an unquoted name folded to lower
 * case as the server does, a quoted one as written). Only the first
 * statement of the text is looked at.
 */
static void statements_query(const struct parse_ctx *ctx, const uint8_t *s, size_t n)
{
	char name[TEXT_SHORT];
	size_t at = 0, used = 0;

	if (!statements_of(ctx))
		return;
	statement_forget(ctx, (const uint8_t *)"", 0);
	if (keyword_take(s, n, &at, "DISCARD")) {
		if (keyword_take(s, n, &at, "ALL") && statement_end(s, n, at))
			statements_forget_all(ctx);
		return;
	}
	if (!keyword_take(s, n, &at, "DEALLOCATE"))
		return;
	keyword_take(s, n, &at, "PREPARE");
	if (keyword_take(s, n, &at, "ALL")) {
		if (statement_end(s, n, at))
			statements_forget_all(ctx);
		return;
	}
	spaces_skip(s, n, &at);
	if (at < n && s[at] == '"') {
		for (at++;; at++) {
			if (at == n)
				return;
			if (s[at] == '"') {
				if (at + 1 < n && s[at + 1] == '"')
					at++;
				else
					break;
			}
			if (used == sizeof(name))
				return;
			name[used++] = (char)s[at];
		}
		at++;
	} else {
		for (; at < n && ident_byte(s[at]); at++) {
			if (used == sizeof(name))
				return;
			name[used++] = (char)(s[at] >= 'A' && s[at] <= 'Z' ? s[at] | 0x20 : s[at]);
		}
	}
	if (used && statement_end(s, n, at))
		statement_forget(ctx, (const uint8_t *)name, used);
}

/* --- client: the first, untyped message --- */

/*
 * StartupMessage parameters: NUL-terminated name and value pairs, then one
 * more NUL, filling the message exactly.
 */
static struct parse_result startup_parse(const uint8_t *buf, uint32_t length,
					 struct pg_message *pg)
{
	struct cursor c = { .buf = buf, .at = 8, .end = length };
	bool have_database = false;

	if (length < 9 || buf[length - 1] != 0)
		return invalid();
	for (;;) {
		const uint8_t *name, *value;
		size_t name_len, value_len;

		if (!cursor_string(&c, &name, &name_len))
			return invalid();
		if (!name_len) {
			/* The terminator, which must be the last byte. */
			if (c.at != length)
				return invalid();
			break;
		}
		if (!cursor_string(&c, &value, &value_len))
			return invalid();
		if (name_len == 4 && !memcmp(name, "user", 4)) {
			text_cut(pg->user, sizeof(pg->user), value, value_len);
		} else if (name_len == 8 && !memcmp(name, "database", 8)) {
			text_cut(pg->database, sizeof(pg->database), value, value_len);
			have_database = true;
		} else if (name_len == 16 && !memcmp(name, "application_name", 16)) {
			text_cut(pg->application, sizeof(pg->application), value, value_len);
		}
	}
	/* The server's default: a database named after the user. */
	if (!have_database)
		memcpy(pg->database, pg->user, sizeof(pg->database));
	pg->kind = PG_STARTUP;
	return parse_result_make(PARSE_COMPLETE, length, 0);
}

/* The client's first message: int32 length, int32 code, no type byte. */
static struct parse_result first_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
				       struct pg_message *pg)
{
	uint32_t length, code;

	/* A length of at most PG_STARTUP_MAX (< 65536) starts with two zeros. */
	if ((len >= 1 && buf[0]) || (len >= 2 && buf[1]))
		return invalid();
	if (len < 8)
		return need_more();
	length = be32_load(buf);
	code = be32_load(buf + 4);
	if (length < 8 || length > PG_STARTUP_MAX)
		return invalid();
	switch (code) {
	case PG_SSL_CODE:
	case PG_GSSENC_CODE:
		if (length != 8)
			return invalid();
		pg->kind = code == PG_SSL_CODE ? PG_SSL_REQUEST : PG_GSSENC_REQUEST;
		flags_set(ctx, flags_get(ctx) | (code == PG_SSL_CODE ? PG_FLAG_SSL_PENDING :
								       PG_FLAG_GSS_PENDING));
		return parse_result_make(PARSE_COMPLETE, 8, 0);
	case PG_CANCEL_CODE:
		/* Process id and secret key; no answer, the server hangs up. */
		if (length < 16 || length > PG_CANCEL_MAX)
			return invalid();
		if (len < length)
			return need_more();
		pg->kind = PG_CANCEL;
		pg->cancel_pid = be32_load(buf + 8);
		return parse_result_make(PARSE_COMPLETE, length, 0);
	default:
		if (code >> 16 != PG_PROTOCOL_MAJOR || (code & 0xffff) > 0xff)
			return invalid();
		if (len < length)
			return need_more();
		return startup_parse(buf, length, pg);
	}
}

/* --- client: typed messages --- */

static void batch_note(struct pg_message *pg, uint8_t type)
{
	if (pg->n_messages < PG_MESSAGES_MAX)
		pg->messages[pg->n_messages] = (char)type;
	pg->n_messages++;
}

/* Parse: statement name, query text, int16 count, int32 type oids. The
 * first one's are kept (unless a Bind came before it), each one is
 * remembered for the Binds of later batches. */
static bool parse_message(struct cursor *c, bool whole, const struct parse_ctx *ctx,
			  struct pg_message *pg)
{
	const uint8_t *name, *text;
	size_t name_len, text_len;
	uint32_t types[PG_PARAMS_MAX] = { 0 };
	uint16_t n_types = 0;
	bool keep = !pg->n_parse++ && !pg->have_statement;
	bool text_ended;

	if (!cursor_string(c, &name, &name_len))
		return !whole;
	text_ended = cursor_string(c, &text, &text_len);
	if (keep) {
		text_cut(pg->statement, sizeof(pg->statement), name, name_len);
		pg->have_statement = true;
		text_cut(pg->query, sizeof(pg->query), text, text_len);
		pg->have_query = true;
	}
	if (!text_ended || !cursor_u16(c, &n_types)) {
		/* Cut where buf ends: remembered as far as it goes. */
		if (whole)
			return false;
		statement_remember(ctx, name, name_len, text, text_len, 0, types);
		return true;
	}
	if (whole && c->end - c->at != (size_t)n_types * 4)
		return false;
	for (uint16_t i = 0; i < n_types && i < PG_PARAMS_MAX; i++)
		if (!cursor_u32(c, &types[i]))
			break;
	if (keep) {
		pg->n_param_types = n_types;
		for (size_t i = 0; i < PG_PARAMS_MAX; i++)
			pg->params[i].type_oid = types[i];
	}
	statement_remember(ctx, name, name_len, text, text_len, n_types, types);
	return true;
}

/*
 * Bind: portal, statement, int16 count and int16 format codes of the
 * parameters, int16 count and (int32 length, bytes) of each parameter
 * value (length -1: NULL), int16 count and int16 format codes of the
 * results.
 */
static bool bind_message(struct cursor *c, bool whole, const struct parse_ctx *ctx,
			 struct pg_message *pg)
{
	char portal[TEXT_SHORT], statement[TEXT_SHORT];
	const uint8_t *name;
	size_t name_len;
	uint16_t n_formats, n_params, n_results, format = 0;
	size_t formats_at;
	/* Only the first is kept; a later whole one is still checked. */
	bool first = !pg->n_bind++;

	if (!first && !whole)
		return true;
	if (!cursor_text(c, portal, sizeof(portal)) || !cursor_string(c, &name, &name_len))
		return !whole;
	text_cut(statement, sizeof(statement), name, name_len);
	if (!cursor_u16(c, &n_formats))
		return !whole;
	formats_at = c->at;
	if (!cursor_skip(c, (size_t)n_formats * 2) || !cursor_u16(c, &n_params))
		return !whole;
	if (n_formats > 1 && n_formats != n_params)
		return false;
	if (first) {
		memcpy(pg->portal, portal, sizeof(portal));
		/* The Parse's parameter types are this statement's only if it
		 * is the one parsed. */
		if (pg->have_statement && strcmp(pg->statement, statement))
			for (size_t i = 0; i < PG_PARAMS_MAX; i++)
				pg->params[i].type_oid = 0;
		if (!pg->have_statement) {
			/* No Parse before it in the batch: an earlier one's? */
			struct pg_statement *st =
				statement_find(statements_of(ctx), name, name_len);

			memcpy(pg->statement, statement, sizeof(statement));
			pg->have_statement = true;
			if (st) {
				memcpy(pg->query, st->query, sizeof(st->query));
				pg->have_query = pg->query_cached = true;
				pg->n_param_types = st->n_types;
				for (size_t i = 0; i < PG_PARAMS_MAX; i++)
					pg->params[i].type_oid = st->types[i];
				st->used = statements_tick(statements_of(ctx));
			}
		}
		pg->have_bind = true;
		pg->n_params = n_params;
	}
	for (uint16_t i = 0; i < n_params; i++) {
		uint32_t length;
		size_t avail, have;
		bool null;

		if (n_formats)
			format = be16_load(c->buf + formats_at + 2 * (n_formats == 1 ? 0 : i));
		if (!cursor_u32(c, &length))
			return !whole;
		null = length == 0xffffffffU;
		if (!null && length > PG_MAX_LENGTH)
			return false;
		avail = c->end - c->at;
		have = null ? 0 : length < avail ? length : avail;
		if (!null && length > avail && whole)
			return false;
		if (first && i < PG_PARAMS_MAX) {
			struct pg_param *p = &pg->params[i];

			p->length = null ? -1 : (int32_t)length;
			p->binary = format == 1;
			p->kept = (uint8_t)(have < PG_PARAM_BYTES ? have : PG_PARAM_BYTES);
			memcpy(p->value, c->buf + c->at, p->kept);
		}
		if (!null && length > avail)
			return true; /* cut where buf ends */
		c->at += have;
	}
	if (!cursor_u16(c, &n_results))
		return !whole;
	if (whole && c->end - c->at != (size_t)n_results * 2)
		return false;
	return true;
}

/* Describe and Close: 'S' (statement) or 'P' (portal), then a name; the
 * first one's kind kept in *which, its name in name (NULL: not kept). The
 * message's own kind and name are given in *kind, *s and *n. */
static bool target_message(struct cursor *c, bool whole, char *which, char *name, size_t size,
			   char *kind, const uint8_t **s, size_t *n)
{
	bool first = !*which;

	if (c->end - c->at < 1)
		return !whole;
	*kind = (char)c->buf[c->at++];
	if (*kind != 'S' && *kind != 'P')
		return false;
	if (!cursor_string(c, s, n))
		return !whole;
	if (whole && c->at != c->end)
		return false;
	if (first) {
		*which = *kind;
		if (name)
			text_cut(name, size, *s, *n);
	}
	return true;
}

/* Execute: portal, int32 maximum rows (0: all). */
static bool execute_message(struct cursor *c, bool whole, struct pg_message *pg)
{
	const uint8_t *s;
	size_t n;
	uint32_t max_rows;

	if (!cursor_string(c, &s, &n) || !cursor_u32(c, &max_rows))
		return !whole;
	if (whole && c->at != c->end)
		return false;
	if (!pg->n_execute++)
		pg->max_rows = max_rows;
	return true;
}

/* A 'p' message: what the last authentication request asked for. Its
 * payload is a credential, marked as such. */
static struct parse_result password_parse(const uint8_t *buf, const struct pg_header *header,
					  const struct parse_ctx *ctx, struct pg_message *pg)
{
	uint32_t flags = flags_get(ctx);
	uint32_t auth = (flags & PG_AUTH_MASK) >> PG_AUTH_SHIFT;
	struct cursor c = body_cursor(buf, header);
	const uint8_t *s;
	size_t n;

	if (!fields_in(header))
		return need_more();
	pg->kind = PG_PASSWORD;
	/* All of the payload, the part skipped after buf too. */
	parse_secret(ctx, PG_HEADER, header->length - 4);
	if (!(flags & PG_FLAG_AUTH_KNOWN))
		pg->credential_kind = PG_CRED_UNKNOWN;
	else if (auth == PG_AUTH_CLEARTEXT || auth == PG_AUTH_MD5)
		pg->credential_kind = PG_CRED_PASSWORD;
	else if (auth == PG_AUTH_SASL)
		pg->credential_kind = PG_CRED_SASL_INITIAL;
	else if (auth == PG_AUTH_SASL_CONTINUE)
		pg->credential_kind = PG_CRED_SASL;
	else if (auth == PG_AUTH_GSS || auth == PG_AUTH_GSS_CONTINUE || auth == PG_AUTH_SSPI)
		pg->credential_kind = PG_CRED_GSS;
	switch (pg->credential_kind) {
	case PG_CRED_PASSWORD:
		if (!cursor_text(&c, pg->credential, sizeof(pg->credential)) && header->whole)
			return invalid();
		break;
	case PG_CRED_SASL_INITIAL: {
		uint32_t data_len;

		/* Mechanism, int32 length of the data (-1: none), the data. */
		if (!cursor_text(&c, pg->mechanism, sizeof(pg->mechanism)) || !cursor_u32(&c, &data_len)) {
			if (header->whole)
				return invalid();
			break;
		}
		if (data_len != 0xffffffffU && header->whole && data_len != c.end - c.at)
			return invalid();
		text_cut(pg->credential, sizeof(pg->credential), buf + c.at,
			 cstring_len(buf + c.at, c.end - c.at));
		break;
	}
	default:
		n = c.end - c.at;
		s = buf + c.at;
		text_cut(pg->credential, sizeof(pg->credential), s, cstring_len(s, n));
		break;
	}
	return message_take(PARSE_COMPLETE, header);
}

/* A typed message of an extended-query batch: noted, kept if first of its
 * kind; the batch goes on until Sync. */
static struct parse_result batch_parse(const uint8_t *buf, const struct pg_header *header,
				       const struct parse_ctx *ctx, struct pg_message *pg)
{
	struct cursor c = body_cursor(buf, header);
	const uint8_t *name = NULL;
	size_t name_len = 0;
	char kind = 0;
	bool ok = true;

	switch (header->type) {
	case 'P':
	case 'B':
	case 'D':
	case 'E':
	case 'C':
	case 'Q':
		if (!fields_in(header))
			return need_more();
		break;
	case 'S':
	case 'H':
	case 'c':
	case 'X':
		if (header->length != 4)
			return invalid();
		break;
	default:
		break;
	}
	pg->kind = PG_EXTENDED;
	switch (header->type) {
	case 'P':
		ok = parse_message(&c, header->whole, ctx, pg);
		break;
	case 'B':
		ok = bind_message(&c, header->whole, ctx, pg);
		break;
	case 'D':
		ok = target_message(&c, header->whole, &pg->describe, NULL, 0, &kind, &name,
				    &name_len);
		break;
	case 'E':
		ok = execute_message(&c, header->whole, pg);
		break;
	case 'C':
		ok = target_message(&c, header->whole, &pg->close, pg->close_name,
				    sizeof(pg->close_name), &kind, &name, &name_len);
		/* (A name cut where buf ends is too long to be remembered.) */
		if (ok && kind == 'S')
			statement_forget(ctx, name, name_len);
		break;
	case 'Q':
		/* A Query before the batch's Sync: it ends the batch. */
		cursor_string(&c, &name, &name_len);
		if (!pg->query[0])
			text_cut(pg->query, sizeof(pg->query), name, name_len);
		statements_query(ctx, name, name_len);
		break;
	default:
		break;
	}
	if (!ok)
		return invalid();
	batch_note(pg, header->type);
	switch (header->type) {
	case 'S': /* Sync: the server answers with ReadyForQuery */
	case 'X': /* Terminate, Query, FunctionCall, 'p' inside a batch end it */
	case 'Q':
	case 'F':
	case 'p':
		return message_take(PARSE_COMPLETE, header);
	default:
		return message_take(PARSE_CONTINUE, header);
	}
}

static struct parse_result client_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
					struct pg_message *pg)
{
	struct pg_header header;
	bool bad;

	if (pg->kind == PG_NONE && !frontend_type(buf[0]))
		return first_parse(buf, len, ctx, pg);
	if (!header_read(buf, len, &header, &bad)) {
		if (bad && pg->kind == PG_NONE)
			return first_parse(buf, len, ctx, pg);
		return bad ? invalid() : need_more();
	}
	if (pg->kind == PG_EXTENDED) {
		if (!frontend_type(header.type))
			return invalid();
		return batch_parse(buf, &header, ctx, pg);
	}
	switch (header.type) {
	case 'X': /* Terminate */
	case 'c': /* CopyDone */
		if (header.length != 4)
			return invalid();
		return message_take(PARSE_IGNORED, &header);
	case 'd': /* CopyData, CopyFail: the data of a COPY FROM STDIN */
	case 'f':
		return message_take(PARSE_IGNORED, &header);
	case 'Q': {
		struct cursor c = body_cursor(buf, &header);
		const uint8_t *text;
		size_t text_len;
		bool ended;

		if (!fields_in(&header))
			return need_more();
		ended = cursor_string(&c, &text, &text_len);
		if (header.whole && (!ended || c.at != c.end))
			return invalid();
		text_cut(pg->query, sizeof(pg->query), text, text_len);
		statements_query(ctx, text, text_len);
		pg->kind = PG_QUERY;
		return message_take(PARSE_COMPLETE, &header);
	}
	case 'F': {
		/* Function oid, then arguments: only the oid is kept. */
		if (header.length < 8)
			return invalid();
		if (header.in_buf < 9)
			return need_more();
		pg->kind = PG_FUNCTION_CALL;
		pg->function_oid = be32_load(buf + PG_HEADER);
		return message_take(PARSE_COMPLETE, &header);
	}
	case 'p':
		return password_parse(buf, &header, ctx, pg);
	default:
		return batch_parse(buf, &header, ctx, pg);
	}
}

/* --- server --- */

/*
 * ErrorResponse and NoticeResponse fields: a code byte and a NUL-terminated
 * string each, then a zero byte. 'V' (never localized) wins over 'S' for the
 * severity. A whole message must end with its zero byte.
 */
static bool error_fields(struct cursor *c, bool whole, char *severity, size_t severity_size,
			 char *code, size_t code_size, char *message, size_t message_size)
{
	bool have_v = false;

	while (c->at < c->end && c->buf[c->at]) {
		uint8_t field = c->buf[c->at++];
		const uint8_t *s;
		size_t n;
		bool ended = cursor_string(c, &s, &n);

		if (field == 'V' || (field == 'S' && !have_v)) {
			have_v = field == 'V';
			if (severity)
				text_cut(severity, severity_size, s, n);
		} else if (field == 'C' && code) {
			text_cut(code, code_size, s, n);
		} else if (field == 'M') {
			text_cut(message, message_size, s, n);
		}
		if (!ended)
			return !whole;
	}
	return !whole || (c->at + 1 == c->end && !c->buf[c->at]);
}

static bool severity_fatal(const char *severity)
{
	return !strcmp(severity, "FATAL") || !strcmp(severity, "PANIC");
}

static void tag_add(struct pg_message *pg, struct cursor *c)
{
	if (pg->n_tags < PG_TAGS_MAX)
		cursor_text(c, pg->tags[pg->n_tags], sizeof(pg->tags[0]));
	pg->n_tags++;
}

/* The backend messages that have no body. */
static bool empty_type(uint8_t type)
{
	return type == '1' || type == '2' || type == '3' || type == 'n' || type == 's' ||
	       type == 'I' || type == 'c';
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

static bool request_is(const struct message *request, enum pg_kind kind)
{
	return request && PROTOCOL_BODY_CONST(request, struct pg_message)->kind == kind;
}

/* Authentication: int32 code, then its data (SASL: mechanism names). */
static struct parse_result auth_parse(const uint8_t *buf, const struct pg_header *header,
				      const struct parse_ctx *ctx, struct pg_message *pg)
{
	struct cursor c = body_cursor(buf, header);
	uint32_t code = 0;

	if (header->length < 8)
		return invalid();
	if (!fields_in(header) || !cursor_u32(&c, &code))
		return need_more();
	if (code > PG_AUTH_SASL_FINAL || code == 1 || code == 4 || code == 6)
		return invalid();
	pg->have_auth = true;
	pg->auth = code;
	flags_set(ctx, (flags_get(ctx) & ~PG_AUTH_MASK) | PG_FLAG_AUTH_KNOWN |
			       code << PG_AUTH_SHIFT);
	if (code == PG_AUTH_SASL) {
		size_t used = 0;

		for (;;) {
			const uint8_t *s;
			size_t n;

			if (!cursor_string(&c, &s, &n) || !n)
				break;
			if (used + n + 2 > sizeof(pg->mechanisms))
				continue;
			if (used)
				pg->mechanisms[used++] = ',';
			memcpy(pg->mechanisms + used, s, n);
			used += n;
			pg->mechanisms[used] = '\0';
		}
	}
	if (code == PG_AUTH_OK || code == PG_AUTH_SASL_FINAL)
		return message_take(PARSE_CONTINUE, header);
	/* The server waits for the client's answer: the reply ends here. */
	pg->auth_request = true;
	return message_take(PARSE_COMPLETE, header);
}

static struct parse_result server_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
					struct pg_message *pg)
{
	struct pg_header header;
	struct cursor c;
	bool bad, fresh = pg->kind == PG_NONE;
	uint32_t flags = flags_get(ctx);

	/* SSLRequest and GSSENCRequest get a single byte: yes or no. */
	bool ssl_wait = (flags & PG_FLAG_SSL_PENDING) || request_is(ctx->request, PG_SSL_REQUEST);
	bool gss_wait = (flags & PG_FLAG_GSS_PENDING) || request_is(ctx->request, PG_GSSENC_REQUEST);

	if (fresh && (ssl_wait || gss_wait)) {
		flags_set(ctx, flags & ~(PG_FLAG_SSL_PENDING | PG_FLAG_GSS_PENDING));
		if (buf[0] == 'N' || (ssl_wait && buf[0] == 'S') || (gss_wait && buf[0] == 'G')) {
			struct parse_result result = parse_result_make(PARSE_COMPLETE, 1, 0);

			pg->kind = PG_SSL_ANSWER;
			pg->tag[0] = (char)buf[0];
			pg->tag[1] = ssl_wait ? 'S' : 'G'; /* what was asked */
			if (buf[0] != 'N')
				result.after = STREAM_ENCRYPTED;
			return result;
		}
	}
	if (!header_read(buf, len, &header, &bad))
		return bad ? invalid() : need_more();
	if (!backend_type(header.type))
		return invalid();
	if (empty_type(header.type) && header.length != 4)
		return invalid();
	c = body_cursor(buf, &header);
	switch (header.type) {
	case 'Z':
		/* Transaction status: Idle, in a Transaction, in a failed one (Error). */
		if (header.length != 5)
			return invalid();
		if (!header.whole)
			return need_more();
		if (buf[5] != 'I' && buf[5] != 'T' && buf[5] != 'E')
			return invalid();
		pg->kind = PG_REPLY;
		pg->n_backend++;
		pg->status = (char)buf[5];
		return message_take(PARSE_COMPLETE, &header);
	case 'R': {
		struct parse_result result = auth_parse(buf, &header, ctx, pg);

		if (result.state != PARSE_NEED_MORE && result.state != PARSE_INVALID) {
			pg->kind = PG_REPLY;
			pg->n_backend++;
		}
		return result;
	}
	case 'C':
	case 'E':
	case 'N':
	case 'A':
	case 'S':
		if (!fields_in(&header))
			return need_more();
		break;
	case 'K':
		if (header.length < 12 || header.length > PG_CANCEL_MAX)
			return invalid();
		break;
	default:
		break;
	}
	/* A push: a message of its own while no request waits. */
	bool push = fresh && !ctx->request &&
		    (header.type == 'A' || header.type == 'N' || header.type == 'S');
	bool complete = push;

	switch (header.type) {
	case 'C':
		tag_add(pg, &c);
		break;
	case 'D':
		pg->rows++;
		break;
	case 'E': {
		char severity[16] = "", code[8] = "", message[TEXT_LONG] = "";

		if (!error_fields(&c, header.whole, severity, sizeof(severity), code, sizeof(code),
				  message, sizeof(message)))
			return invalid();
		if (!pg->have_error) {
			pg->have_error = true;
			memcpy(pg->severity, severity, sizeof(severity));
			memcpy(pg->code, code, sizeof(code));
			memcpy(pg->error, message, sizeof(message));
		}
		/* The server hangs up after a FATAL error: no ReadyForQuery. */
		complete = severity_fatal(severity);
		push = complete && fresh && !ctx->request;
		break;
	}
	case 'N': {
		char scratch[TEXT_SHORT];

		if (!error_fields(&c, header.whole, NULL, 0, NULL, 0,
				  pg->n_notices ? scratch : pg->notice, sizeof(pg->notice)))
			return invalid();
		pg->n_notices++;
		break;
	}
	case 'A': {
		uint32_t pid;

		if (!pg->n_notifications++ && cursor_u32(&c, &pid) &&
		    cursor_text(&c, pg->channel, sizeof(pg->channel)))
			cursor_text(&c, pg->payload, sizeof(pg->payload));
		break;
	}
	case 'S':
		if (fresh) {
			const uint8_t *name, *value;
			size_t name_len, value_len, used;

			cursor_string(&c, &name, &name_len);
			cursor_string(&c, &value, &value_len);
			text_cut(pg->parameter, sizeof(pg->parameter), name, name_len);
			used = strlen(pg->parameter);
			if (used + 2 < sizeof(pg->parameter)) {
				pg->parameter[used] = '=';
				text_cut(pg->parameter + used + 1, sizeof(pg->parameter) - used - 1,
					 value, value_len);
			}
		}
		break;
	case 'I':
		pg->empty_query = true;
		break;
	case 's':
		pg->suspended = true;
		break;
	case '1':
		pg->parse_complete = true;
		break;
	case '2':
		pg->bind_complete = true;
		break;
	case '3':
		pg->close_complete = true;
		break;
	case 'G':
		pg->copy = 'i';
		break;
	case 'H':
		pg->copy = 'o';
		break;
	case 'W':
		pg->copy = 'b';
		break;
	default:
		break;
	}
	pg->kind = PG_REPLY;
	pg->n_backend++;
	if (complete) {
		struct parse_result result = message_take(PARSE_COMPLETE, &header);

		result.unsolicited = push;
		return result;
	}
	return message_take(PARSE_CONTINUE, &header);
}

/* --- detection --- */

static bool client_detect(const uint8_t *buf, size_t len)
{
	uint32_t length, code;

	if (len < 8)
		return false;
	length = be32_load(buf);
	code = be32_load(buf + 4);
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
	length = be32_load(buf + 1);
	switch (buf[0]) {
	case 'R':
		/* Ok 0, CleartextPassword 3, MD5Password 5, GSS 7, SSPI 9, SASL 10.. */
		if (length < 8 || length > 2048 || len < 9)
			return false;
		auth = be32_load(buf + 5);
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
	struct pg_message *pg = PROTOCOL_BODY(msg, struct pg_message);

	if (!len)
		return need_more();
	if (ctx->from_client)
		return client_parse(buf, len, ctx, pg);
	return server_parse(buf, len, ctx, pg);
}
