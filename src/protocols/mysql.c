/*
 * MySQL / MariaDB decoder: the client/server protocol
 * (https://dev.mysql.com/doc/dev/mysql-server/latest/PAGE_PROTOCOL.html,
 * https://mariadb.com/kb/en/clientserver-protocol/).
 *
 * Every message is one or more packets: a 3-byte little-endian payload
 * length, a sequence id, the payload. A payload of 16 MiB - 1 bytes goes on
 * in the next packet (and so on, up to a shorter one). Each call reads one
 * packet: its 4-byte header and, when a field of it is kept, its first
 * bytes (all of it, or MYSQL_PEEK bytes); the rest is skipped. So a result
 * set of any size is never buffered and costs one pass.
 *
 * Requests. The client's HandshakeResponse41 (seq 1, or 2 after an
 * SSLRequest) is the login; a 32-byte one with CLIENT_SSL is the
 * SSLRequest, after which the connection is TLS (STREAM_ENCRYPTED; the
 * TLS uprobes' plaintext, a connection of its own to the engine, starts
 * with the HandshakeResponse of seq 2, which detect recognises). Any other
 * client packet of seq > 0 outside a command is auth data (the answer to an
 * AuthSwitchRequest or AuthMoreData): a credential. A packet of seq 0 is a
 * command (COM_*). COM_QUIT, COM_STMT_CLOSE and COM_STMT_SEND_LONG_DATA get
 * no answer and are reported alone (ROLE_ALONE).
 *
 * Responses are read by what the request was (ctx->request): OK, ERR,
 * result sets (a column count, column definitions, an EOF unless
 * CLIENT_DEPRECATE_EOF, rows, an EOF or an OK with the 0xfe header; with
 * SERVER_MORE_RESULTS_EXISTS the next result follows in the same response),
 * COM_STMT_PREPARE's OK with its parameter and column definitions, the
 * login's OK / ERR / AuthSwitchRequest / AuthMoreData. The server's
 * greeting comes first, unasked, and is reported alone.
 *
 * Per connection (ctx->conn_flags): the greeting seen, the login done,
 * CLIENT_DEPRECATE_EOF negotiated, compression negotiated (what follows the
 * login's OK is compressed: decoding ends), a LOCAL INFILE asked for. With
 * ctx->conn_state (struct mysql_conn_state), the prepared statements: id,
 * text, parameter count and the last bound types, for COM_STMT_EXECUTE.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "protocols/mysql.h"
#include "protocols/parse_util.h"

#define MYSQL_HEADER 4
#define MYSQL_MAX_PAYLOAD 0xffffffu  /* a payload this long goes on in the next packet */
#define MYSQL_PEEK 1024              /* payload bytes read of a longer packet whose fields we keep */
#define MYSQL_LOGIN_MAX 60000        /* a HandshakeResponse read whole: at most this */
#define MYSQL_GREETING_MAX 4096
#define MYSQL_EOF_LEN 5              /* 0xfe, warnings, status */

/* Capability flags. */
#define CAP_CONNECT_WITH_DB 0x00000008u
#define CAP_COMPRESS 0x00000020u
#define CAP_PROTOCOL_41 0x00000200u
#define CAP_SSL 0x00000800u
#define CAP_SECURE_CONNECTION 0x00008000u
#define CAP_PLUGIN_AUTH 0x00080000u
#define CAP_PLUGIN_AUTH_LENENC 0x00200000u
#define CAP_DEPRECATE_EOF 0x01000000u
#define CAP_ZSTD 0x04000000u

/* Server status flags. */
#define STATUS_CURSOR_EXISTS 0x0040u
#define STATUS_MORE_RESULTS 0x0008u

/* ctx->conn_flags. */
#define FLAG_GREETED (1u << 0)        /* the greeting was seen */
#define FLAG_COMMANDS (1u << 1)       /* the login is done: packets of seq 0 are commands */
#define FLAG_EOF_KNOWN (1u << 2)      /* the login said whether CLIENT_DEPRECATE_EOF holds */
#define FLAG_DEPRECATE_EOF (1u << 3)
#define FLAG_SERVER_DEPRECATE (1u << 4) /* the greeting offered CLIENT_DEPRECATE_EOF */
#define FLAG_COMPRESS (1u << 5)       /* the login asked for compression */
#define FLAG_INFILE (1u << 6)         /* the server asked for a local file */

struct packet {
	uint32_t len;    /* payload bytes as sent */
	uint8_t seq;
	const uint8_t *p; /* the payload's first bytes */
	size_t avail;    /* of them in buf: min(len, buf's rest) */
	bool whole;      /* avail == len */
};

/* Reads fields from p[at, end). */
struct cursor {
	const uint8_t *p;
	size_t at, end;
};

static bool printable(uint8_t c)
{
	return c >= ' ' && c < 0x7f;
}

static struct parse_result need_more(void)
{
	return parse_result_make(PARSE_NEED_MORE, 0, 0);
}

static struct parse_result invalid(void)
{
	return parse_result_make(PARSE_INVALID, 0, 0);
}

static uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le24(const uint8_t *p)
{
	return le16(p) | (uint32_t)p[2] << 16;
}

static uint32_t le32(const uint8_t *p)
{
	return le24(p) | (uint32_t)p[3] << 24;
}

static bool header_read(const uint8_t *buf, size_t len, struct packet *pk)
{
	if (len < MYSQL_HEADER)
		return false;
	pk->len = le24(buf);
	pk->seq = buf[3];
	pk->p = buf + MYSQL_HEADER;
	pk->avail = len - MYSQL_HEADER < pk->len ? len - MYSQL_HEADER : pk->len;
	pk->whole = pk->avail == pk->len;
	return true;
}

/* Enough of the payload to read fields: all of it or MYSQL_PEEK bytes. */
static bool fields_in(const struct packet *pk)
{
	return pk->whole || pk->avail >= MYSQL_PEEK;
}

/* The packet taken: what buf holds of it, the rest skipped. */
static struct parse_result packet_take(enum parse_state state, const struct packet *pk)
{
	return parse_result_make(state, MYSQL_HEADER + pk->avail, pk->len - pk->avail);
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

static struct cursor cursor_of(const struct packet *pk, size_t from)
{
	struct cursor c = { .p = pk->p, .at = from < pk->avail ? from : pk->avail, .end = pk->avail };
	return c;
}

static bool cursor_skip(struct cursor *c, uint64_t n)
{
	if (c->end - c->at < n)
		return false;
	c->at += (size_t)n;
	return true;
}

static bool cursor_fixed(struct cursor *c, size_t n, uint64_t *v)
{
	if (c->end - c->at < n)
		return false;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v |= (uint64_t)c->p[c->at + i] << (8 * i);
	c->at += n;
	return true;
}

/* A length-encoded integer; *null for 0xfb. False when cut or 0xff. */
static bool cursor_lenenc(struct cursor *c, uint64_t *v, bool *null)
{
	uint8_t first;

	if (null)
		*null = false;
	if (c->at >= c->end)
		return false;
	first = c->p[c->at++];
	if (first < 0xfb) {
		*v = first;
		return true;
	}
	switch (first) {
	case 0xfb:
		if (!null)
			return false;
		*null = true;
		*v = 0;
		return true;
	case 0xfc:
		return cursor_fixed(c, 2, v);
	case 0xfd:
		return cursor_fixed(c, 3, v);
	case 0xfe:
		return cursor_fixed(c, 8, v);
	default:
		return false;
	}
}

/* A NUL-terminated string; false when no NUL ends it before the end (its
 * bytes up to there are still given). */
static bool cursor_string(struct cursor *c, const uint8_t **s, size_t *n)
{
	return cstring_next(c->p, &c->at, c->end, s, n);
}

static bool cursor_text(struct cursor *c, char *dst, size_t size)
{
	return cstring_text(c->p, &c->at, c->end, dst, size);
}

/* --- the connection's prepared statements --- */

static struct mysql_statement *statement_find(const struct parse_ctx *ctx, uint32_t id)
{
	struct mysql_conn_state *state = ctx->conn_state;

	if (!state)
		return NULL;
	if (id == 0xffffffffu) /* MariaDB: the statement prepared last */
		id = state->last_id;
	for (unsigned i = 0; i < MYSQL_STATEMENTS_MAX; i++)
		if (state->statements[i].used && state->statements[i].id == id)
			return &state->statements[i];
	return NULL;
}

static void statement_touch(const struct parse_ctx *ctx, struct mysql_statement *st)
{
	struct mysql_conn_state *state = ctx->conn_state;

	st->used = ++state->clock ? state->clock : (state->clock = 1);
}

static void statement_remember(const struct parse_ctx *ctx, uint32_t id, uint16_t n_params,
			       const char *query)
{
	struct mysql_conn_state *state = ctx->conn_state;
	struct mysql_statement *st;

	if (!state)
		return;
	st = statement_find(ctx, id);
	if (!st) {
		st = &state->statements[0];
		for (unsigned i = 1; i < MYSQL_STATEMENTS_MAX; i++)
			if (state->statements[i].used < st->used)
				st = &state->statements[i];
	}
	memset(st, 0, sizeof(*st));
	st->id = id;
	st->n_params = n_params;
	text_cut(st->query, sizeof(st->query), (const uint8_t *)query, strlen(query));
	statement_touch(ctx, st);
	state->last_id = id;
}

static void statement_forget(const struct parse_ctx *ctx, uint32_t id)
{
	struct mysql_statement *st = statement_find(ctx, id);

	if (st)
		memset(st, 0, sizeof(*st));
}

/* --- names --- */

const char *mysql_command_name(uint8_t command)
{
	static const char *const names[] = {
		"sleep", "quit", "init_db", "query", "field_list", "create_db", "drop_db",
		"refresh", "shutdown", "statistics", "process_info", "connect", "process_kill",
		"debug", "ping", "time", "delayed_insert", "change_user", "binlog_dump",
		"table_dump", "connect_out", "register_slave", "stmt_prepare", "stmt_execute",
		"stmt_send_long_data", "stmt_close", "stmt_reset", "set_option", "stmt_fetch",
		"daemon", "binlog_dump_gtid", "reset_connection",
	};

	if (command < sizeof(names) / sizeof(names[0]))
		return names[command];
	if (command == 0xfa)
		return "stmt_bulk_execute"; /* MariaDB */
	return NULL;
}

const char *mysql_type_name(uint8_t type)
{
	switch (type) {
	case 0: return "decimal";
	case 1: return "tiny";
	case 2: return "short";
	case 3: return "long";
	case 4: return "float";
	case 5: return "double";
	case 6: return "null";
	case 7: return "timestamp";
	case 8: return "longlong";
	case 9: return "int24";
	case 10: return "date";
	case 11: return "time";
	case 12: return "datetime";
	case 13: return "year";
	case 14: return "newdate";
	case 15: return "varchar";
	case 16: return "bit";
	case 245: return "json";
	case 246: return "newdecimal";
	case 247: return "enum";
	case 248: return "set";
	case 249: return "tiny_blob";
	case 250: return "medium_blob";
	case 251: return "long_blob";
	case 252: return "blob";
	case 253: return "var_string";
	case 254: return "string";
	case 255: return "geometry";
	default: return NULL;
	}
}

/* --- client --- */

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * HandshakeResponse41's fixed part (capabilities with CLIENT_PROTOCOL_41,
 * max packet size, character set, the filler whose first 19 bytes are zero:
 * MariaDB puts its extended capabilities in the last 4). n bytes of it at p.
 */
static bool login_fixed_ok(const uint8_t *p, size_t n)
{
	if (n >= 4 && !(le32(p) & CAP_PROTOCOL_41))
		return false;
	if (n > 9 && !all_zero(p + 9, (n < 28 ? n : 28) - 9))
		return false;
	return true;
}

static struct parse_result alone(struct parse_result result)
{
	result.role = ROLE_ALONE;
	return result;
}

/* HandshakeResponse41 (seq 1, or 2 after an SSLRequest). */
static struct parse_result login_parse(const struct packet *pk, const struct parse_ctx *ctx,
				       struct mysql_message *my)
{
	struct cursor c;
	uint64_t caps = 0, auth_len = 0;
	uint32_t flags = flags_get(ctx);
	const uint8_t *s;
	size_t n;

	if (pk->len < 32 || pk->len > MYSQL_LOGIN_MAX)
		return invalid();
	if (!login_fixed_ok(pk->p, pk->avail < 32 ? pk->avail : 32))
		return invalid();
	if (!pk->whole)
		return need_more();
	c = cursor_of(pk, 0);
	cursor_fixed(&c, 4, &caps);
	my->capabilities = (uint32_t)caps;
	my->seq = pk->seq;
	if (pk->len == 32) {
		if (!(caps & CAP_SSL))
			return invalid();
		my->kind = MYSQL_SSL_REQUEST;
		struct parse_result result = alone(packet_take(PARSE_COMPLETE, pk));
		result.after = STREAM_ENCRYPTED;
		return result;
	}
	cursor_skip(&c, 28);
	my->kind = MYSQL_LOGIN;
	if (!cursor_text(&c, my->user, sizeof(my->user)))
		return invalid();
	if (caps & CAP_PLUGIN_AUTH_LENENC) {
		if (!cursor_lenenc(&c, &auth_len, NULL))
			return invalid();
	} else if (caps & CAP_SECURE_CONNECTION) {
		if (!cursor_fixed(&c, 1, &auth_len))
			return invalid();
	} else {
		size_t at = c.at;

		if (!cursor_string(&c, &s, &n))
			return invalid();
		if (n)
			parse_secret(ctx, MYSQL_HEADER + at, n);
		my->have_auth = n > 0;
		auth_len = 0;
	}
	if (auth_len > c.end - c.at)
		return invalid();
	if (auth_len) {
		parse_secret(ctx, MYSQL_HEADER + c.at, (size_t)auth_len);
		my->have_auth = true;
	}
	cursor_skip(&c, auth_len);
	if ((caps & CAP_CONNECT_WITH_DB) && c.at < c.end)
		cursor_text(&c, my->database, sizeof(my->database));
	if ((caps & CAP_PLUGIN_AUTH) && c.at < c.end)
		cursor_text(&c, my->plugin, sizeof(my->plugin));
	/* What the login negotiates, for the responses after it. */
	flags |= FLAG_EOF_KNOWN;
	flags &= ~(FLAG_DEPRECATE_EOF | FLAG_COMPRESS);
	if ((caps & CAP_DEPRECATE_EOF) &&
	    (!(flags & FLAG_GREETED) || (flags & FLAG_SERVER_DEPRECATE)))
		flags |= FLAG_DEPRECATE_EOF;
	if (caps & (CAP_COMPRESS | CAP_ZSTD))
		flags |= FLAG_COMPRESS;
	flags_set(ctx, flags);
	return packet_take(PARSE_COMPLETE, pk);
}

/* A little-endian integer of width bytes, signed or not, as text; false
 * when cut. */
static bool int_value(struct cursor *c, size_t width, bool is_unsigned, char *out, size_t size)
{
	unsigned shift = (unsigned)(64 - 8 * width);
	uint64_t v;

	if (!cursor_fixed(c, width, &v))
		return false;
	if (is_unsigned)
		snprintf(out, size, "%llu", (unsigned long long)v);
	else
		snprintf(out, size, "%lld", (long long)((int64_t)(v << shift) >> shift));
	return true;
}

/* A binary-protocol value of type at c into param i; false when it cannot
 * be read (cut, or a type whose size is not known: then the rest neither). */
static bool param_value(struct cursor *c, uint8_t type, bool is_unsigned, char *out, size_t size,
			bool *cut)
{
	uint64_t v, n;
	const uint8_t *p;

	*cut = false;
	switch (type) {
	case 1: /* tiny */
		if (int_value(c, 1, is_unsigned, out, size))
			return true;
		break;
	case 2: /* short */
	case 13: /* year */
		if (int_value(c, 2, is_unsigned, out, size))
			return true;
		break;
	case 3: /* long */
	case 9: /* int24 */
		if (int_value(c, 4, is_unsigned, out, size))
			return true;
		break;
	case 8: /* longlong */
		if (int_value(c, 8, is_unsigned, out, size))
			return true;
		break;
	case 4: { /* float */
		uint32_t bits;
		float f;

		if (!cursor_fixed(c, 4, &v))
			break;
		bits = (uint32_t)v;
		memcpy(&f, &bits, sizeof(f));
		snprintf(out, size, "%.9g", (double)f);
		return true;
	}
	case 5: { /* double */
		double d;

		if (!cursor_fixed(c, 8, &v))
			break;
		memcpy(&d, &v, sizeof(d));
		snprintf(out, size, "%.15g", d);
		if (isfinite(d)) {
			double back;

			if (sscanf(out, "%lf", &back) != 1 || back != d)
				snprintf(out, size, "%.17g", d);
		}
		return true;
	}
	case 6: /* null */
		snprintf(out, size, "NULL");
		return true;
	case 7: /* timestamp */
	case 10: /* date */
	case 12: { /* datetime */
		uint64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, us = 0;

		if (!cursor_fixed(c, 1, &n) || c->end - c->at < n)
			break;
		if (n != 0 && n != 4 && n != 7 && n != 11)
			return false;
		if (n >= 4) {
			cursor_fixed(c, 2, &y);
			cursor_fixed(c, 1, &mo);
			cursor_fixed(c, 1, &d);
		}
		if (n >= 7) {
			cursor_fixed(c, 1, &h);
			cursor_fixed(c, 1, &mi);
			cursor_fixed(c, 1, &s);
		}
		if (n >= 11)
			cursor_fixed(c, 4, &us);
		if (type == 10 || n <= 4)
			snprintf(out, size, "%04u-%02u-%02u", (unsigned)y, (unsigned)mo, (unsigned)d);
		else if (n == 11)
			snprintf(out, size, "%04u-%02u-%02u %02u:%02u:%02u.%06u", (unsigned)y,
				 (unsigned)mo, (unsigned)d, (unsigned)h, (unsigned)mi, (unsigned)s,
				 (unsigned)us);
		else
			snprintf(out, size, "%04u-%02u-%02u %02u:%02u:%02u", (unsigned)y,
				 (unsigned)mo, (unsigned)d, (unsigned)h, (unsigned)mi, (unsigned)s);
		return true;
	}
	case 11: { /* time */
		uint64_t neg = 0, days = 0, h = 0, mi = 0, s = 0, us = 0;

		if (!cursor_fixed(c, 1, &n) || c->end - c->at < n)
			break;
		if (n != 0 && n != 8 && n != 12)
			return false;
		if (n >= 8) {
			cursor_fixed(c, 1, &neg);
			cursor_fixed(c, 4, &days);
			cursor_fixed(c, 1, &h);
			cursor_fixed(c, 1, &mi);
			cursor_fixed(c, 1, &s);
		}
		if (n == 12)
			cursor_fixed(c, 4, &us);
		if (n == 12)
			snprintf(out, size, "%s%02llu:%02u:%02u.%06u", neg ? "-" : "",
				 (unsigned long long)(days * 24 + h), (unsigned)mi, (unsigned)s,
				 (unsigned)us);
		else
			snprintf(out, size, "%s%02llu:%02u:%02u", neg ? "-" : "",
				 (unsigned long long)(days * 24 + h), (unsigned)mi, (unsigned)s);
		return true;
	}
	case 0: case 15: case 16: case 245: case 246: case 247: case 248: case 249: case 250:
	case 251: case 252: case 253: case 254: case 255: { /* a length-encoded string */
		size_t have;

		if (!cursor_lenenc(c, &n, NULL))
			break;
		p = c->p + c->at;
		have = c->end - c->at < n ? c->end - c->at : (size_t)n;
		text_cut(out, size, p, have);
		if (have < n) {
			*cut = true;
			if (have <= size - 4)
				memcpy(out + have, "...", 4);
			c->at = c->end;
			return false;
		}
		c->at += have;
		return true;
	}
	default:
		return false;
	}
	*cut = true; /* the value goes past what was read */
	return false;
}

/* COM_STMT_EXECUTE: id, flags, iteration count, then with the statement's
 * parameter count known: the NULL bitmap, new-params-bound, types, values. */
static void execute_parse(const struct packet *pk, const struct parse_ctx *ctx,
			  struct mysql_message *my)
{
	struct cursor c = cursor_of(pk, 1);
	struct mysql_statement *st;
	uint64_t id, bound, v;
	const uint8_t *nulls;
	size_t n_bitmap;
	uint8_t types[MYSQL_PARAMS_MAX] = { 0 }, uflags[MYSQL_PARAMS_MAX] = { 0 };
	bool have_types = false;

	if (!cursor_fixed(&c, 4, &id) || !cursor_skip(&c, 5))
		return;
	my->statement_id = (uint32_t)id;
	st = statement_find(ctx, my->statement_id);
	if (!st)
		return;
	statement_touch(ctx, st);
	text_cut(my->query, sizeof(my->query), (const uint8_t *)st->query, strlen(st->query));
	my->query_known = true;
	my->n_params = st->n_params;
	my->params_known = true;
	if (!st->n_params)
		return;
	n_bitmap = (st->n_params + 7u) / 8u;
	nulls = c.p + c.at;
	if (!cursor_skip(&c, n_bitmap) || !cursor_fixed(&c, 1, &bound)) {
		my->params_cut = true;
		return;
	}
	if (bound == 1) {
		for (unsigned i = 0; i < st->n_params; i++) {
			if (!cursor_fixed(&c, 2, &v)) {
				my->params_cut = true;
				return;
			}
			if (i < MYSQL_PARAMS_MAX) {
				types[i] = (uint8_t)v;
				uflags[i] = (uint8_t)(v >> 8);
			}
		}
		have_types = true;
		memcpy(st->types, types, sizeof(types));
		memcpy(st->flags, uflags, sizeof(uflags));
		st->types_known = true;
	} else if (st->types_known) {
		memcpy(types, st->types, sizeof(types));
		memcpy(uflags, st->flags, sizeof(uflags));
		have_types = true;
	}
	if (!have_types) {
		my->params_cut = true;
		return;
	}
	for (unsigned i = 0; i < st->n_params && i < MYSQL_PARAMS_MAX; i++) {
		bool cut;

		my->param_type[i] = types[i];
		if (nulls[i / 8] & (1u << (i % 8))) {
			my->param_null[i] = true;
			continue;
		}
		if (!param_value(&c, types[i], uflags[i] & 0x80, my->params[i],
				 sizeof(my->params[i]), &cut)) {
			my->params_cut = true;
			if (!cut) {
				const char *name = mysql_type_name(types[i]);

				snprintf(my->params[i], sizeof(my->params[i]), "(%s)",
					 name ? name : "unknown type");
			}
			/* The parameters after it are not read. */
			for (unsigned j = i + 1; j < st->n_params && j < MYSQL_PARAMS_MAX; j++) {
				my->param_type[j] = types[j];
				snprintf(my->params[j], sizeof(my->params[j]), "?");
			}
			return;
		}
	}
}

/* The query text of COM_QUERY / COM_STMT_PREPARE: its first bytes, "..."
 * when the rest is not kept. */
static void query_keep(const struct packet *pk, struct mysql_message *my)
{
	size_t have = pk->avail - 1;

	my->query_len = pk->len - 1;
	text_cut(my->query, sizeof(my->query), pk->p + 1, have);
	if (have < my->query_len && have <= sizeof(my->query) - 1)
		memcpy(my->query + (have < sizeof(my->query) - 4 ? have : sizeof(my->query) - 4),
		       "...", 4);
}

static bool command_alone(uint8_t command)
{
	return command == MYSQL_COM_QUIT || command == MYSQL_COM_STMT_CLOSE ||
	       command == MYSQL_COM_STMT_SEND_LONG_DATA;
}

/* The end of a request: COMPLETE, or CONTINUE while its payload goes on. */
static struct parse_result request_end(const struct packet *pk, struct mysql_message *my)
{
	struct parse_result result;

	if (pk->len == MYSQL_MAX_PAYLOAD) {
		my->continued = true;
		return packet_take(PARSE_CONTINUE, pk);
	}
	my->continued = false;
	result = packet_take(PARSE_COMPLETE, pk);
	if (my->kind == MYSQL_COMMAND && command_alone(my->command))
		result.role = ROLE_ALONE;
	return result;
}

static struct parse_result command_parse(const struct packet *pk, const struct parse_ctx *ctx,
					 struct mysql_message *my)
{
	struct cursor c;
	uint64_t v;
	uint8_t command;

	if (!pk->len)
		return invalid();
	command = pk->p[0];
	if (!mysql_command_name(command))
		return invalid();
	/* Nothing is kept until the fields are in: the call is made again. */
	switch (command) {
	case MYSQL_COM_QUERY:
	case MYSQL_COM_STMT_PREPARE:
		if (!fields_in(pk) && pk->avail < sizeof(my->query))
			return need_more();
		break;
	case MYSQL_COM_INIT_DB:
	case MYSQL_COM_FIELD_LIST:
		if (!fields_in(pk))
			return need_more();
		break;
	case MYSQL_COM_STMT_EXECUTE:
		if (pk->len < 10)
			return invalid();
		if (!fields_in(pk))
			return need_more();
		break;
	case MYSQL_COM_STMT_CLOSE:
	case MYSQL_COM_STMT_RESET:
	case MYSQL_COM_STMT_SEND_LONG_DATA:
	case MYSQL_COM_STMT_FETCH:
	case MYSQL_COM_PROCESS_KILL:
		if (pk->len < 5)
			return invalid();
		if (pk->avail < 5u + (command == MYSQL_COM_STMT_FETCH		  ? 4u
				      : command == MYSQL_COM_STMT_SEND_LONG_DATA ? 2u
										 : 0u) &&
		    pk->avail < pk->len)
			return need_more();
		break;
	case MYSQL_COM_CHANGE_USER:
		if (pk->len > MYSQL_LOGIN_MAX)
			return invalid();
		if (!pk->whole)
			return need_more();
		break;
	default:
		break;
	}
	my->kind = MYSQL_COMMAND;
	my->command = command;
	my->seq = pk->seq;
	switch (command) {
	case MYSQL_COM_QUERY:
	case MYSQL_COM_STMT_PREPARE:
		query_keep(pk, my);
		break;
	case MYSQL_COM_INIT_DB:
	case MYSQL_COM_FIELD_LIST:
		c = cursor_of(pk, 1);
		if (command == MYSQL_COM_INIT_DB)
			text_cut(my->database, sizeof(my->database), pk->p + 1, pk->avail - 1);
		else
			cursor_text(&c, my->query, sizeof(my->query)); /* the table */
		break;
	case MYSQL_COM_STMT_EXECUTE:
		execute_parse(pk, ctx, my);
		break;
	case MYSQL_COM_STMT_CLOSE:
	case MYSQL_COM_STMT_RESET:
	case MYSQL_COM_STMT_SEND_LONG_DATA:
	case MYSQL_COM_STMT_FETCH:
	case MYSQL_COM_PROCESS_KILL:
		my->statement_id = le32(pk->p + 1);
		if (command == MYSQL_COM_STMT_FETCH && pk->avail >= 9)
			my->fetch_rows = le32(pk->p + 5);
		if (command == MYSQL_COM_STMT_SEND_LONG_DATA && pk->avail >= 7)
			my->fetch_rows = le16(pk->p + 5); /* the parameter's number */
		if (command == MYSQL_COM_STMT_CLOSE) {
			struct mysql_statement *st = statement_find(ctx, my->statement_id);

			if (st) {
				text_cut(my->query, sizeof(my->query), (const uint8_t *)st->query,
					 strlen(st->query));
				my->query_known = true;
			}
			statement_forget(ctx, my->statement_id);
		}
		break;
	case MYSQL_COM_CHANGE_USER: {
		uint64_t auth_len = 0;

		c = cursor_of(pk, 1);
		cursor_text(&c, my->user, sizeof(my->user));
		if (cursor_fixed(&c, 1, &auth_len) && auth_len) {
			parse_secret(ctx, MYSQL_HEADER + c.at,
				     (size_t)(auth_len < c.end - c.at ? auth_len : c.end - c.at));
			my->have_auth = true;
		}
		if (cursor_skip(&c, auth_len)) {
			cursor_text(&c, my->database, sizeof(my->database));
			if (cursor_skip(&c, 2) && c.at < c.end)
				cursor_text(&c, my->plugin, sizeof(my->plugin));
		}
		/* The server may switch the plugin: auth data of seq 3 follows. */
		flags_set(ctx, flags_get(ctx) & ~FLAG_COMMANDS);
		break;
	}
	default:
		(void)v;
		break;
	}
	return request_end(pk, my);
}

static struct parse_result client_parse(const uint8_t *buf, size_t len,
					const struct parse_ctx *ctx, struct mysql_message *my)
{
	struct packet pk;
	uint32_t flags = flags_get(ctx);

	if (!header_read(buf, len, &pk))
		return need_more();
	if (my->continued) /* the rest of a payload of 16 MiB - 1 */
		return request_end(&pk, my);
	if (my->kind == MYSQL_INFILE_DATA || (my->kind == MYSQL_NONE && (flags & FLAG_INFILE))) {
		/* LOAD DATA LOCAL INFILE: the file's packets, then an empty one. */
		my->kind = MYSQL_INFILE_DATA;
		my->query_len += pk.len;
		if (pk.len)
			return packet_take(PARSE_CONTINUE, &pk);
		flags_set(ctx, flags & ~FLAG_INFILE);
		return packet_take(PARSE_COMPLETE, &pk);
	}
	if (my->kind != MYSQL_NONE)
		return invalid();
	if (!pk.avail && pk.len)
		return need_more();
	if (pk.seq == 0) {
		struct parse_result result = command_parse(&pk, ctx, my);

		if (result.state != PARSE_NEED_MORE && result.state != PARSE_INVALID &&
		    my->command != MYSQL_COM_CHANGE_USER)
			flags_set(ctx, flags_get(ctx) | FLAG_COMMANDS);
		return result;
	}
	/* The login phase. */
	if ((pk.seq == 1 || pk.seq == 2) && !(flags & FLAG_COMMANDS) && pk.len >= 32 &&
	    login_fixed_ok(pk.p, pk.avail < 32 ? pk.avail : 32))
		return login_parse(&pk, ctx, my);
	if (flags & FLAG_COMMANDS)
		return invalid(); /* a packet of seq > 0 opens no command */
	/* Auth data: the answer to an AuthSwitchRequest or AuthMoreData. */
	if (pk.len > MYSQL_LOGIN_MAX)
		return invalid();
	my->kind = MYSQL_AUTH_DATA;
	my->seq = pk.seq;
	my->have_auth = pk.len > 0;
	if (pk.len)
		parse_secret(ctx, MYSQL_HEADER, pk.len);
	return packet_take(PARSE_COMPLETE, &pk);
}

/* --- server --- */

static bool request_is(const struct message *request, enum mysql_kind kind)
{
	return request && PROTOCOL_BODY_CONST(request, struct mysql_message)->kind == kind;
}

static uint8_t request_command(const struct message *request)
{
	const struct mysql_message *my =
		request ? PROTOCOL_BODY_CONST(request, struct mysql_message) : NULL;

	return my && my->kind == MYSQL_COMMAND ? my->command : 0xff;
}

/* OK: 0x00 (or 0xfe ending rows), affected rows, last insert id, status,
 * warnings, info. */
static bool ok_read(const struct packet *pk, struct mysql_message *my)
{
	struct cursor c = cursor_of(pk, 1);
	uint64_t v;
	const uint8_t *s;

	if (!cursor_lenenc(&c, &my->affected_rows, NULL) ||
	    !cursor_lenenc(&c, &my->last_insert_id, NULL))
		return false;
	if (cursor_fixed(&c, 2, &v))
		my->status = (uint16_t)v;
	if (cursor_fixed(&c, 2, &v))
		my->warnings = (uint16_t)v;
	if (c.at < c.end) {
		/* The info: length-encoded with CLIENT_SESSION_TRACK, else the rest. */
		size_t rest = c.end - c.at;

		s = c.p + c.at;
		if (s[0] < 0xfb && (size_t)s[0] + 1 <= rest)
			text_cut(my->info, sizeof(my->info), s + 1, s[0]);
		else if (printable(s[0]))
			text_cut(my->info, sizeof(my->info), s, rest);
	}
	return true;
}

/* ERR: 0xff, code, '#' and the SQL state (protocol 41), message: the
 * message is an ERR, whatever of it was read. */
static void err_read(const struct packet *pk, struct mysql_message *my)
{
	my->kind = MYSQL_ERR;
	if (pk->avail < 3)
		return;
	my->error_code = (uint16_t)le16(pk->p + 1);
	if (pk->avail >= 9 && pk->p[3] == '#') {
		text_cut(my->sql_state, sizeof(my->sql_state), pk->p + 4, 5);
		text_cut(my->error, sizeof(my->error), pk->p + 9, pk->avail - 9);
	} else {
		text_cut(my->error, sizeof(my->error), pk->p + 3, pk->avail - 3);
	}
}

/* EOF (protocol 41): 0xfe, warnings, status. */
static void eof_read(const struct packet *pk, struct mysql_message *my)
{
	my->warnings = (uint16_t)le16(pk->p + 1);
	my->status = (uint16_t)le16(pk->p + 3);
}

static bool is_eof(const struct packet *pk)
{
	return pk->len == MYSQL_EOF_LEN && pk->avail >= 1 && pk->p[0] == 0xfe;
}

/* The terminator of rows: EOF, or (CLIENT_DEPRECATE_EOF) an OK with 0xfe. */
static bool is_terminator(const struct packet *pk)
{
	return pk->avail >= 1 && pk->p[0] == 0xfe && pk->len < MYSQL_MAX_PAYLOAD &&
	       (pk->len == MYSQL_EOF_LEN || pk->len >= 7);
}

static struct parse_result greeting_parse(const struct packet *pk, const struct parse_ctx *ctx,
					  struct mysql_message *my)
{
	struct cursor c;
	uint64_t v, lower, upper = 0;

	if (pk->len < 20 || pk->len > MYSQL_GREETING_MAX)
		return invalid();
	if (!pk->whole)
		return need_more();
	c = cursor_of(pk, 1);
	my->kind = MYSQL_GREETING;
	my->protocol_version = pk->p[0];
	if (!cursor_text(&c, my->server_version, sizeof(my->server_version)) ||
	    !cursor_fixed(&c, 4, &v))
		return invalid();
	my->connection_id = (uint32_t)v;
	if (!cursor_skip(&c, 9) || !cursor_fixed(&c, 2, &lower))
		return invalid();
	if (cursor_skip(&c, 3) && cursor_fixed(&c, 2, &upper) && cursor_fixed(&c, 1, &v) &&
	    cursor_skip(&c, 10)) {
		uint64_t part2 = v > 8 ? v - 8 : 13;

		if (part2 < 13)
			part2 = 13;
		if (cursor_skip(&c, part2) && c.at < c.end)
			cursor_text(&c, my->plugin, sizeof(my->plugin));
	}
	my->capabilities = (uint32_t)(lower | upper << 16);
	uint32_t flags = (flags_get(ctx) | FLAG_GREETED) & ~FLAG_SERVER_DEPRECATE;
	if (my->capabilities & CAP_DEPRECATE_EOF)
		flags |= FLAG_SERVER_DEPRECATE;
	flags_set(ctx, flags);
	return alone(packet_take(PARSE_COMPLETE, pk));
}

/* A response's first packet to the login or to auth data. */
static struct parse_result login_reply(const struct packet *pk, const struct parse_ctx *ctx,
				       struct mysql_message *my)
{
	struct parse_result result;
	struct cursor c;
	uint32_t flags = flags_get(ctx);

	if (!fields_in(pk))
		return need_more();
	switch (pk->p[0]) {
	case 0x00:
		if (!ok_read(pk, my))
			return invalid();
		my->kind = MYSQL_OK;
		flags |= FLAG_COMMANDS;
		flags_set(ctx, flags);
		result = packet_take(PARSE_COMPLETE, pk);
		if (flags & FLAG_COMPRESS)
			result.after = STREAM_ENDS; /* compressed packets from here on */
		return result;
	case 0xff:
		err_read(pk, my);
		/* A failed login ends the connection; a failed COM_CHANGE_USER
		 * leaves it in the command phase. */
		flags_set(ctx, flags | FLAG_COMMANDS);
		return packet_take(PARSE_COMPLETE, pk);
	case 0xfe:
		my->kind = MYSQL_AUTH_SWITCH;
		c = cursor_of(pk, 1);
		cursor_text(&c, my->plugin, sizeof(my->plugin));
		return packet_take(PARSE_COMPLETE, pk);
	case 0x01:
		my->kind = MYSQL_AUTH_MORE;
		my->auth_more = pk->len >= 2 ? pk->p[1] : 0;
		/* caching_sha2_password's fast auth: the OK follows at once. */
		if (pk->len == 2 && my->auth_more == 3)
			return packet_take(PARSE_CONTINUE, pk);
		return packet_take(PARSE_COMPLETE, pk);
	default:
		return invalid();
	}
}

/* The first packet of a result, or what stands for it: OK, ERR, a local
 * infile request, a column count. */
static struct parse_result result_first(const struct packet *pk, bool infile, bool eof_ok,
					const struct parse_ctx *ctx, struct mysql_message *my)
{
	struct cursor c = cursor_of(pk, 0);
	uint64_t columns;
	uint8_t metadata = 1;

	switch (pk->p[0]) {
	case 0x00:
		if (!ok_read(pk, my))
			return invalid();
		if (my->kind == MYSQL_NONE)
			my->kind = MYSQL_OK;
		my->results++;
		break;
	case 0xff:
		err_read(pk, my);
		return packet_take(PARSE_COMPLETE, pk);
	case 0xfb:
		if (!infile)
			return invalid();
		my->kind = MYSQL_INFILE_REQUEST;
		text_cut(my->info, sizeof(my->info), pk->p + 1, pk->avail - 1);
		flags_set(ctx, flags_get(ctx) | FLAG_INFILE);
		return packet_take(PARSE_COMPLETE, pk);
	case 0xfe:
		if (!eof_ok || !is_eof(pk))
			return invalid();
		eof_read(pk, my);
		if (my->kind == MYSQL_NONE)
			my->kind = MYSQL_EOF;
		return packet_take(PARSE_COMPLETE, pk);
	default:
		/* A column count; with MariaDB's MARIADB_CLIENT_CACHE_METADATA a
		 * byte after it says whether the definitions follow. */
		if (!cursor_lenenc(&c, &columns, NULL) || !columns || columns > 4096)
			return invalid();
		if (c.at + 1 == pk->len && pk->whole && pk->p[c.at] <= 1)
			metadata = pk->p[c.at];
		else if (c.at != pk->len)
			return invalid();
		if (!my->results)
			my->columns = columns;
		my->kind = MYSQL_RESULT_SET;
		my->columns_left = metadata ? columns : 0;
		my->phase = metadata ? MYSQL_PHASE_COLUMNS : MYSQL_PHASE_COLUMNS_EOF;
		return packet_take(PARSE_CONTINUE, pk);
	}
	/* An OK: the last result unless more follow. */
	if (my->status & STATUS_MORE_RESULTS)
		return packet_take(PARSE_CONTINUE, pk);
	return packet_take(PARSE_COMPLETE, pk);
}

/* The end of a result (its terminator, status read): the response, or the
 * next result of it. */
static struct parse_result result_end(const struct packet *pk, struct mysql_message *my)
{
	my->results++;
	my->phase = MYSQL_PHASE_FIRST;
	if (my->status & STATUS_MORE_RESULTS)
		return packet_take(PARSE_CONTINUE, pk);
	return packet_take(PARSE_COMPLETE, pk);
}

/* A column or parameter definition (protocol 41): it starts with the catalog "def". */
static bool definition_ok(const struct packet *pk)
{
	static const uint8_t def[4] = { 3, 'd', 'e', 'f' };
	size_t n = pk->avail < 4 ? pk->avail : 4;

	return pk->len >= 4 && !memcmp(pk->p, def, n);
}

static struct parse_result server_parse(const uint8_t *buf, size_t len,
					const struct parse_ctx *ctx, struct mysql_message *my)
{
	struct packet pk;
	uint32_t flags = flags_get(ctx);
	uint8_t command = request_command(ctx->request);
	bool deprecate = (flags & FLAG_EOF_KNOWN) && (flags & FLAG_DEPRECATE_EOF);

	if (!header_read(buf, len, &pk))
		return need_more();
	if (my->continued) { /* the rest of a row of 16 MiB - 1 or more */
		my->row_bytes += pk.len;
		my->continued = pk.len == MYSQL_MAX_PAYLOAD;
		return packet_take(PARSE_CONTINUE, &pk);
	}
	if (!pk.len)
		return invalid();
	if (!pk.avail)
		return need_more();
	if (my->kind == MYSQL_NONE) {
		my->seq = pk.seq;
		if (!ctx->request && pk.seq == 0 && !(flags & FLAG_GREETED)) {
			if (pk.p[0] == 0x0a)
				return greeting_parse(&pk, ctx, my);
			if (pk.p[0] == 0xff) { /* refused before the greeting */
				if (!fields_in(&pk))
					return need_more();
				err_read(&pk, my);
				return alone(packet_take(PARSE_COMPLETE, &pk));
			}
		}
	}
	if (my->kind == MYSQL_NONE || my->kind == MYSQL_AUTH_MORE) {
		bool login = request_is(ctx->request, MYSQL_LOGIN) ||
			     request_is(ctx->request, MYSQL_AUTH_DATA) ||
			     command == MYSQL_COM_CHANGE_USER || my->kind == MYSQL_AUTH_MORE ||
			     (!ctx->request && !(flags & FLAG_COMMANDS) && (flags & FLAG_GREETED));
		struct parse_result result;
		uint8_t first = pk.p[0];

		/* What the first byte may be, checked before waiting for more. */
		if (login && first != 0x00 && first != 0xff && first != 0xfe && first != 0x01)
			return invalid();
		if (!login && (command == MYSQL_COM_QUERY || command == MYSQL_COM_STMT_EXECUTE ||
			       command == 0xff) &&
		    first != 0x00 && first != 0xff && first != 0xfe && first != 0xfb && pk.len > 10)
			return invalid(); /* a column count is at most 10 bytes */
		if (!fields_in(&pk))
			return need_more();
		if (login) {
			result = login_reply(&pk, ctx, my);
		} else if (request_is(ctx->request, MYSQL_INFILE_DATA) ||
			   command == MYSQL_COM_PING || command == MYSQL_COM_INIT_DB ||
			   command == MYSQL_COM_STMT_RESET ||
			   command == MYSQL_COM_RESET_CONNECTION || command == MYSQL_COM_PROCESS_KILL ||
			   command == MYSQL_COM_SET_OPTION) {
			if (pk.p[0] == 0x00) {
				if (!ok_read(&pk, my))
					return invalid();
				my->kind = MYSQL_OK;
				result = packet_take(PARSE_COMPLETE, &pk);
			} else if (pk.p[0] == 0xff) {
				err_read(&pk, my);
				result = packet_take(PARSE_COMPLETE, &pk);
			} else if (is_eof(&pk)) {
				eof_read(&pk, my);
				my->kind = MYSQL_EOF;
				result = packet_take(PARSE_COMPLETE, &pk);
			} else {
				return invalid();
			}
		} else if (command == MYSQL_COM_STMT_PREPARE) {
			if (pk.p[0] == 0xff) {
				err_read(&pk, my);
				result = packet_take(PARSE_COMPLETE, &pk);
			} else if (pk.p[0] == 0x00 && pk.len >= 12) {
				const struct mysql_message *req =
					PROTOCOL_BODY_CONST(ctx->request, struct mysql_message);

				my->kind = MYSQL_PREPARE_OK;
				my->statement_id = le32(pk.p + 1);
				my->columns = le16(pk.p + 5);
				my->prepare_params = (uint16_t)le16(pk.p + 7);
				my->warnings = (uint16_t)le16(pk.p + 10);
				statement_remember(ctx, my->statement_id, my->prepare_params, req->query);
				my->params_left = my->prepare_params;
				my->columns_left = my->columns;
				if (my->params_left)
					my->phase = MYSQL_PHASE_PARAMS;
				else if (my->columns_left)
					my->phase = MYSQL_PHASE_PCOLUMNS;
				else
					return packet_take(PARSE_COMPLETE, &pk);
				result = packet_take(PARSE_CONTINUE, &pk);
			} else {
				return invalid();
			}
		} else if (command == MYSQL_COM_FIELD_LIST) {
			if (pk.p[0] == 0xff) {
				err_read(&pk, my);
				result = packet_take(PARSE_COMPLETE, &pk);
			} else {
				my->kind = MYSQL_RESULT_SET;
				my->phase = MYSQL_PHASE_FIELDS;
				return server_parse(buf, len, ctx, my);
			}
		} else if (command == MYSQL_COM_STMT_FETCH) {
			my->kind = MYSQL_RESULT_SET;
			my->phase = MYSQL_PHASE_ROWS;
			return server_parse(buf, len, ctx, my);
		} else if (command == MYSQL_COM_QUERY || command == MYSQL_COM_STMT_EXECUTE ||
			   command == 0xfa || command == 0xff) {
			result = result_first(&pk, command == MYSQL_COM_QUERY || command == 0xff,
					      command == 0xff, ctx, my);
		} else {
			/* COM_STATISTICS and the rest: one packet. */
			if (pk.p[0] == 0xff) {
				err_read(&pk, my);
			} else if (pk.p[0] == 0x00) {
				if (!ok_read(&pk, my))
					return invalid();
				my->kind = MYSQL_OK;
			} else {
				my->kind = MYSQL_REPLY;
				text_cut(my->info, sizeof(my->info), pk.p, pk.avail);
			}
			result = packet_take(PARSE_COMPLETE, &pk);
		}
		return result;
	}
	switch (my->phase) {
	case MYSQL_PHASE_FIRST: /* the next result of several */
		if (!fields_in(&pk))
			return need_more();
		return result_first(&pk, false, false, ctx, my);
	case MYSQL_PHASE_COLUMNS:
		if (!definition_ok(&pk))
			return invalid();
		if (!--my->columns_left)
			my->phase = deprecate ? MYSQL_PHASE_ROWS : MYSQL_PHASE_COLUMNS_EOF;
		return packet_take(PARSE_CONTINUE, &pk);
	case MYSQL_PHASE_COLUMNS_EOF:
		if (is_eof(&pk)) {
			if (!pk.whole)
				return need_more();
			eof_read(&pk, my);
			my->phase = MYSQL_PHASE_ROWS;
			/* A cursor was opened: the rows come with COM_STMT_FETCH. */
			if (my->status & STATUS_CURSOR_EXISTS)
				return packet_take(PARSE_COMPLETE, &pk);
			return packet_take(PARSE_CONTINUE, &pk);
		}
		/* No EOF after the columns: CLIENT_DEPRECATE_EOF (not known). */
		my->phase = MYSQL_PHASE_ROWS;
		/* fall through */
	case MYSQL_PHASE_ROWS:
		if (is_terminator(&pk)) {
			if (!pk.whole)
				return need_more();
			if (pk.len == MYSQL_EOF_LEN)
				eof_read(&pk, my);
			else if (!ok_read(&pk, my))
				return invalid();
			return result_end(&pk, my);
		}
		if (pk.p[0] == 0xff && pk.len < MYSQL_MAX_PAYLOAD) {
			if (!fields_in(&pk))
				return need_more();
			err_read(&pk, my);
			return packet_take(PARSE_COMPLETE, &pk);
		}
		my->rows++;
		my->row_bytes += pk.len;
		my->continued = pk.len == MYSQL_MAX_PAYLOAD;
		return packet_take(PARSE_CONTINUE, &pk);
	case MYSQL_PHASE_PARAMS:
	case MYSQL_PHASE_PCOLUMNS:
		if (!definition_ok(&pk))
			return invalid();
		if (my->phase == MYSQL_PHASE_PARAMS) {
			if (--my->params_left)
				return packet_take(PARSE_CONTINUE, &pk);
			if (!deprecate) {
				my->phase = MYSQL_PHASE_PARAMS_EOF;
				return packet_take(PARSE_CONTINUE, &pk);
			}
			if (!my->columns_left)
				return packet_take(PARSE_COMPLETE, &pk);
			my->phase = MYSQL_PHASE_PCOLUMNS;
			return packet_take(PARSE_CONTINUE, &pk);
		}
		if (--my->columns_left)
			return packet_take(PARSE_CONTINUE, &pk);
		if (!deprecate) {
			my->phase = MYSQL_PHASE_PCOLUMNS_EOF;
			return packet_take(PARSE_CONTINUE, &pk);
		}
		return packet_take(PARSE_COMPLETE, &pk);
	case MYSQL_PHASE_PARAMS_EOF:
	case MYSQL_PHASE_PCOLUMNS_EOF:
		if (!is_eof(&pk))
			return invalid();
		if (!pk.whole)
			return need_more();
		eof_read(&pk, my);
		if (my->phase == MYSQL_PHASE_PARAMS_EOF && my->columns_left) {
			my->phase = MYSQL_PHASE_PCOLUMNS;
			return packet_take(PARSE_CONTINUE, &pk);
		}
		return packet_take(PARSE_COMPLETE, &pk);
	case MYSQL_PHASE_FIELDS:
		if (pk.p[0] == 0xfe && pk.len < MYSQL_MAX_PAYLOAD) {
			if (!pk.whole)
				return need_more();
			if (pk.len == MYSQL_EOF_LEN)
				eof_read(&pk, my);
			return packet_take(PARSE_COMPLETE, &pk);
		}
		if (pk.p[0] == 0xff) {
			if (!fields_in(&pk))
				return need_more();
			err_read(&pk, my);
			return packet_take(PARSE_COMPLETE, &pk);
		}
		if (!definition_ok(&pk))
			return invalid();
		my->columns++;
		return packet_take(PARSE_CONTINUE, &pk);
	default:
		return invalid();
	}
}

/* --- detection --- */

/* The greeting: seq 0, protocol 10, a version starting with a digit, NUL. */
static bool greeting_detect(const uint8_t *buf, size_t len)
{
	uint32_t n = le24(buf);
	size_t at;

	if (buf[3] != 0 || n < 20 || n > MYSQL_GREETING_MAX || buf[4] != 0x0a)
		return false;
	if (len < 6 || buf[5] < '0' || buf[5] > '9')
		return false;
	for (at = 6; at < len && at < 4 + n; at++) {
		if (!buf[at])
			return true;
		if (!printable(buf[at]) || at - 5 >= TEXT_SHORT)
			return false;
	}
	return false; /* the version must be there whole */
}

/* An ERR before the greeting (too many connections, host not allowed). */
static bool refusal_detect(const uint8_t *buf, size_t len)
{
	uint32_t n = le24(buf);
	uint32_t code;

	if (buf[3] != 0 || n < 4 || n > 1024 || len < 8 || buf[4] != 0xff)
		return false;
	code = le16(buf + 5);
	if (code < 1000 || code > 9999)
		return false;
	for (size_t at = 7; at < len && at < 4 + n; at++)
		if (!printable(buf[at]))
			return false;
	return true;
}

/* HandshakeResponse41 or SSLRequest: seq 1 (2 after an SSLRequest, the
 * plaintext of a TLS connection), CLIENT_PROTOCOL_41, the zero filler, a
 * printable user name. */
static bool login_detect(const uint8_t *buf, size_t len)
{
	uint32_t n = le24(buf);
	uint32_t caps;

	if ((buf[3] != 1 && buf[3] != 2) || n < 32 || n > MYSQL_LOGIN_MAX || len < MYSQL_HEADER + 32)
		return false;
	caps = le32(buf + 4);
	if (!(caps & CAP_PROTOCOL_41) || !login_fixed_ok(buf + 4, 32))
		return false;
	if (buf[4 + 8] == 0) /* a character set */
		return false;
	if (n == 32)
		return (caps & CAP_SSL) && buf[3] == 1;
	for (size_t at = 36; at < len && at < 4 + n; at++) {
		if (!buf[at])
			return at > 36;
		if (!printable(buf[at]) && buf[at] < 0x80)
			return false;
	}
	return len < 4 + n;
}

/* COM_QUERY of a connection traced midway: seq 0, a statement keyword. */
static bool query_detect(const uint8_t *buf, size_t len)
{
	static const char *const words[] = {
		"SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "SET", "SHOW", "CREATE", "DROP",
		"ALTER", "USE", "BEGIN", "START", "COMMIT", "ROLLBACK", "CALL", "EXPLAIN",
		"DESCRIBE", "WITH", "LOCK", "UNLOCK", "TRUNCATE", "GRANT",
	};
	uint32_t n = le24(buf);
	size_t word = 0, end;

	if (buf[3] != 0 || n < 4 || len < 6 || buf[4] != MYSQL_COM_QUERY)
		return false;
	end = len < 4 + (size_t)n ? len : 4 + (size_t)n;
	if (len > 4 + (size_t)n && n < 16)
		return false;
	while (5 + word < end && word < 10 &&
	       ((buf[5 + word] | 0x20) >= 'a' && (buf[5 + word] | 0x20) <= 'z'))
		word++;
	if (5 + word < end && buf[5 + word] != ' ' && buf[5 + word] != '\n' &&
	    buf[5 + word] != '\t' && buf[5 + word] != '(')
		return false;
	if (5 + word == end && end != 4 + (size_t)n)
		return false;
	for (size_t at = 5; at < end; at++)
		if (!printable(buf[at]) && buf[at] != '\n' && buf[at] != '\t' && buf[at] != '\r' &&
		    buf[at] < 0x80)
			return false;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (ascii_equal_nocase(buf + 5, word, words[i], strlen(words[i])))
			return true;
	return false;
}

bool mysql_detect(const uint8_t *buf, size_t len, bool from_client)
{
	if (len < MYSQL_HEADER + 1)
		return false;
	if (from_client)
		return login_detect(buf, len) || query_detect(buf, len);
	return greeting_detect(buf, len) || refusal_detect(buf, len);
}

/* --- the decoder --- */

struct parse_result mysql_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
				struct message *msg)
{
	struct mysql_message *my = PROTOCOL_BODY(msg, struct mysql_message);

	struct parse_result result;

	if (!len)
		return need_more();
	result = ctx->from_client ? client_parse(buf, len, ctx, my)
				  : server_parse(buf, len, ctx, my);
	if (result.state != PARSE_NEED_MORE && result.state != PARSE_INVALID)
		my->packets++; /* each call that takes bytes takes one packet */
	return result;
}
