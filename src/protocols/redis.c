/*
 * Redis decoder: RESP2 and RESP3
 * (https://redis.io/docs/latest/develop/reference/protocol-spec/).
 *
 * Requests are arrays of bulk strings ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") or
 * inline commands ("PING\r\n"); replies are one RESP value of any type.
 *
 * Nothing is buffered whole. A RESP value is read piece by piece: a piece is
 * one header line ("*3", "$5", ":1", "+OK") or one small bulk string (header
 * and body, at most REDIS_SMALL_BULK bytes). Each call reads every whole
 * piece buf holds and answers PARSE_CONTINUE with them consumed; the
 * aggregates still open are a stack of counts in the message body
 * (struct redis_walk), at most REDIS_MAX_DEPTH deep (deeper: PARSE_INVALID,
 * the engine resyncs). A larger bulk string is consumed as far as buf goes
 * and the rest of it (and its CRLF) is skipped; its first bytes, if buf
 * did not hold them, come through redis_skipped. So a reply of any size
 * costs one pass over its bytes, and a line arriving a byte at a time is
 * searched from ctx->seen on.
 *
 * Kept: a request's command, its first DECODER_MAX_ARGS arguments and the
 * count of all; a reply's type and value, or for an aggregate its count and
 * first REDIS_SHOWN_ELEMENTS element values. Credentials (AUTH, HELLO ...
 * AUTH, MIGRATE ... AUTH/AUTH2, CONFIG SET requirepass/masterauth, ACL
 * SETUSER password rules) are marked with parse_secret.
 *
 * Pub/sub: the per-connection flags count the subscriptions the server
 * confirmed. The confirmations of one (P|S)(UN)SUBSCRIBE request (one per
 * channel, or for an UNSUBSCRIBE of everything, one per subscription) are
 * one response, read with PARSE_CONTINUE; a subscribed RESP2 connection's
 * message/pmessage/smessage arrays and every RESP3 push (">") are
 * unsolicited. RESP3 streamed strings and aggregates ("$?", "*?") are not
 * parsed: PARSE_INVALID.
 */
#include <stdio.h>
#include <string.h>

#include "protocols/parse_util.h"
#include "protocols/redis.h"

#define REDIS_MAX_ELEMENTS 0x7fffffffLL      /* more: not Redis (its INT_MAX multibulk limit) */
#define REDIS_MAX_BULK (512LL * 1024 * 1024) /* proto-max-bulk-len default */
#define REDIS_MAX_DIGITS 18                  /* a length or count; never overflows int64 */
#define REDIS_MAX_LINE (64 * 1024 - 2)       /* a line and its CRLF fit the engine's 64 KiB */
#define REDIS_SMALL_BULK 512                 /* a bulk string read whole (body and CRLF) */
#define REDIS_SECRET_BULK (60 * 1024)        /* a credential read whole, to be masked whole */

/* Subscription counts in *ctx->conn_flags, beside REDIS_FLAG_RESP3. */
#define CHANNELS_SHIFT 1
#define CHANNELS_MAX 0x7ffu
#define PATTERNS_SHIFT 12
#define PATTERNS_MAX 0x3ffu
#define SHARDS_SHIFT 22
#define SHARDS_MAX 0x3ffu

/* Text fields a value can fill (redis_walk.pending_slot). */
enum slot {
	SLOT_NONE,
	SLOT_COMMAND,
	SLOT_ARG0,
	SLOT_REPLY = SLOT_ARG0 + DECODER_MAX_ARGS,
	SLOT_ELEMENT0,
};

enum walk_state {
	WALK_TOP_DONE, /* the top value ended at *off (then *skip more bytes) */
	WALK_STOP,     /* the piece at *off is not whole */
	WALK_SKIP,     /* a value goes on for *skip bytes past buf; the top value goes on */
	WALK_IGNORED,  /* a request "*0" / "*-1": Redis skips those */
	WALK_INVALID,
};

enum step {
	STEP_OK,
	STEP_NEED_MORE,
	STEP_INVALID,
};

static uint8_t upper(uint8_t c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

static bool is_letter(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* --- text fields --- */

/* Bytes of a value of n bytes that a field of size keeps; *cut: not all. */
static size_t text_keep(size_t size, uint64_t n, bool *cut)
{
	*cut = n > size - 1;
	return *cut ? size - 4 : (size_t)n;
}

/* Terminates a field holding have of its keep bytes: "..." when the value
 * was cut or its kept bytes are not all there (yet). */
static void text_end(char *dst, size_t size, size_t have, size_t keep, bool cut)
{
	if (!cut && have == keep) {
		dst[have] = '\0';
		return;
	}
	if (have > size - 4)
		have = size - 4;
	memcpy(dst + have, "...", 4);
}

static void text_copy_cased(char *dst, const uint8_t *src, size_t n, bool to_upper)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)(to_upper ? upper(src[i]) : src[i]);
}

/* A field from a value of n bytes of which avail are at src. Returns the
 * bytes it still wants (avail short of what it keeps). */
static size_t text_fill(char *dst, size_t size, const uint8_t *src, uint64_t n, size_t avail,
			bool to_upper, bool *cut)
{
	size_t keep = text_keep(size, n, cut);
	size_t take = keep < avail ? keep : avail;

	text_copy_cased(dst, src, take, to_upper);
	text_end(dst, size, take, keep, *cut);
	return keep - take;
}

static void text_set(char *dst, size_t size, const char *src)
{
	bool cut;

	text_fill(dst, size, (const uint8_t *)src, strlen(src), strlen(src), false, &cut);
}

static char *slot_field(struct redis_message *redis, unsigned slot, size_t *size)
{
	if (slot == SLOT_COMMAND) {
		*size = sizeof(redis->command);
		return redis->command;
	}
	if (slot >= SLOT_ARG0 && slot < SLOT_ARG0 + DECODER_MAX_ARGS) {
		*size = TEXT_SHORT;
		return redis->args[slot - SLOT_ARG0];
	}
	if (slot == SLOT_REPLY) {
		*size = sizeof(redis->reply);
		return redis->reply;
	}
	if (slot >= SLOT_ELEMENT0 && slot < SLOT_ELEMENT0 + REDIS_SHOWN_ELEMENTS) {
		*size = TEXT_SHORT;
		return redis->elements[slot - SLOT_ELEMENT0];
	}
	return NULL;
}

/*
 * A value of n bytes for a slot, avail of them at src (the rest comes
 * through redis_skipped). drop: leading bytes not shown (a verbatim
 * string's "txt:").
 */
static void slot_fill(struct redis_message *redis, unsigned slot, const uint8_t *src, uint64_t n,
		      size_t avail, size_t drop)
{
	struct redis_walk *walk = &redis->walk;
	bool to_upper = slot == SLOT_COMMAND, cut;
	size_t size, wanted, dropped = drop < avail ? drop : avail;
	char *field = slot_field(redis, slot, &size);

	if (!field)
		return;
	wanted = text_fill(field, size, src + dropped, n - drop, avail - dropped, to_upper, &cut);
	if (!wanted)
		return;
	walk->pending_slot = (uint8_t)slot;
	walk->pending_cut = cut;
	walk->pending_upper = to_upper;
	walk->pending_keep = (uint16_t)text_keep(size, n - drop, &cut);
	walk->pending_have = (uint16_t)(walk->pending_keep - wanted);
	walk->pending_drop = (uint16_t)(drop - dropped);
}

void redis_skipped(struct message *msg, void *conn_state, const uint8_t *bytes, size_t len,
		   uint64_t uncaptured)
{
	struct redis_message *redis = PROTOCOL_BODY(msg, struct redis_message);
	struct redis_walk *walk = &redis->walk;
	size_t size, take;
	char *field;

	(void)conn_state;
	(void)uncaptured;
	if (!walk->pending_slot)
		return;
	take = walk->pending_drop < len ? walk->pending_drop : len;
	walk->pending_drop -= (uint16_t)take;
	bytes += take;
	len -= take;
	field = slot_field(redis, walk->pending_slot, &size);
	if (!field || !len)
		return;
	take = (size_t)(walk->pending_keep - walk->pending_have);
	if (take > len)
		take = len;
	text_copy_cased(field + walk->pending_have, bytes, take, walk->pending_upper);
	walk->pending_have += (uint16_t)take;
	text_end(field, size, walk->pending_have, walk->pending_keep, walk->pending_cut);
	if (walk->pending_have == walk->pending_keep)
		walk->pending_slot = SLOT_NONE;
}

/* --- pieces --- */

/*
 * Reads a length or count: an optional '-', 1..REDIS_MAX_DIGITS digits and
 * CRLF at buf[*off]. On STEP_OK *off moves past the CRLF.
 */
static enum step number_read(const uint8_t *buf, size_t len, size_t *off, int64_t *value)
{
	size_t at = *off;
	bool negative = false;
	int64_t number = 0;
	int digits = 0;

	if (at < len && buf[at] == '-') {
		negative = true;
		at++;
	}
	for (;; at++) {
		if (at >= len)
			return STEP_NEED_MORE;
		if (buf[at] == '\r')
			break;
		if (!is_digit(buf[at]) || digits == REDIS_MAX_DIGITS)
			return STEP_INVALID;
		number = number * 10 + (buf[at] - '0');
		digits++;
	}
	if (!digits)
		return STEP_INVALID;
	if (at + 1 >= len)
		return STEP_NEED_MORE;
	if (buf[at + 1] != '\n')
		return STEP_INVALID;
	*off = at + 2;
	*value = negative ? -number : number;
	return STEP_OK;
}

/*
 * Finds the CRLF that ends the line whose type byte is buf[start], looking
 * from from on (bytes before it were checked by an earlier call); the line
 * holds neither CR nor LF and is at most REDIS_MAX_LINE bytes. *cr is where
 * the CR is.
 */
static enum step line_find(const uint8_t *buf, size_t len, size_t start, size_t from, size_t *cr)
{
	for (size_t at = from;; at++) {
		if (at - start > REDIS_MAX_LINE)
			return STEP_INVALID;
		if (at >= len)
			return STEP_NEED_MORE;
		if (buf[at] == '\n')
			return STEP_INVALID;
		if (buf[at] != '\r')
			continue;
		if (at + 1 >= len)
			return STEP_NEED_MORE;
		if (buf[at + 1] != '\n')
			return STEP_INVALID;
		*cr = at;
		return STEP_OK;
	}
}

/* A RESP integer line: an optional '-' and 1..19 digits. */
static bool integer_valid(const uint8_t *text, size_t n)
{
	size_t at = n && text[0] == '-' ? 1 : 0;

	if (at == n || n - at > 19)
		return false;
	for (; at < n; at++)
		if (!is_digit(text[at]))
			return false;
	return true;
}

/* A RESP3 big number: an optional '-' and digits, as many as the line holds. */
static bool bignum_valid(const uint8_t *text, size_t n)
{
	size_t at = n && text[0] == '-' ? 1 : 0;

	if (at == n)
		return false;
	for (; at < n; at++)
		if (!is_digit(text[at]))
			return false;
	return true;
}

static bool text_is(const uint8_t *text, size_t n, const char *word)
{
	return ascii_equal_nocase(text, n, word, strlen(word));
}

/* A RESP3 double: digits, '.', exponent and signs, or inf, -inf, nan. */
static bool double_valid(const uint8_t *text, size_t n)
{
	if (!n || text_is(text, n, "INF") || text_is(text, n, "-INF") || text_is(text, n, "NAN"))
		return n > 0;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(text[i]) && text[i] != '.' && text[i] != 'e' && text[i] != 'E' &&
		    text[i] != '-' && text[i] != '+')
			return false;
	return true;
}

static int64_t integer_value(const uint8_t *text, size_t n)
{
	bool negative = n && text[0] == '-';
	uint64_t value = 0;

	for (size_t i = negative; i < n; i++)
		value = value * 10 + (uint64_t)(text[i] - '0');
	return negative ? (int64_t)(0 - value) : (int64_t)value;
}

/* --- requests: commands and credentials --- */

static const struct {
	const char *name;
	enum redis_command cmd;
} command_names[] = {
	{ "AUTH", REDIS_CMD_AUTH },
	{ "HELLO", REDIS_CMD_HELLO },
	{ "MIGRATE", REDIS_CMD_MIGRATE },
	{ "CONFIG", REDIS_CMD_CONFIG },
	{ "ACL", REDIS_CMD_ACL },
	{ "RESET", REDIS_CMD_RESET },
	{ "SUBSCRIBE", REDIS_CMD_SUBSCRIBE },
	{ "PSUBSCRIBE", REDIS_CMD_PSUBSCRIBE },
	{ "SSUBSCRIBE", REDIS_CMD_SSUBSCRIBE },
	{ "UNSUBSCRIBE", REDIS_CMD_UNSUBSCRIBE },
	{ "PUNSUBSCRIBE", REDIS_CMD_PUNSUBSCRIBE },
	{ "SUNSUBSCRIBE", REDIS_CMD_SUNSUBSCRIBE },
};

static void command_classify(struct redis_message *redis)
{
	redis->cmd = REDIS_CMD_OTHER;
	for (size_t i = 0; i < sizeof(command_names) / sizeof(command_names[0]); i++)
		if (!strcmp(redis->command, command_names[i].name))
			redis->cmd = (uint8_t)command_names[i].cmd;
}

/* An argument (1-based index) certainly read whole before it is judged. */
static bool arg_wants_whole(const struct redis_message *redis)
{
	return redis->walk.secret_left || redis->cmd == REDIS_CMD_AUTH ||
	       (redis->cmd == REDIS_CMD_ACL && redis->walk.command_state);
}

/*
 * Whether argument index (1-based) is a credential; text holds avail of
 * its n bytes. Keywords are small and so always whole.
 */
static bool arg_secret(struct redis_message *redis, uint32_t index, const uint8_t *text,
		       uint64_t n, size_t avail)
{
	struct redis_walk *walk = &redis->walk;
	bool whole = avail == n;

	if (walk->secret_left) {
		walk->secret_left--;
		return true;
	}
	switch (redis->cmd) {
	case REDIS_CMD_AUTH: /* AUTH password, AUTH username password */
		return true;
	case REDIS_CMD_HELLO: /* HELLO 3 AUTH username password */
		if (whole && text_is(text, n, "AUTH"))
			walk->secret_left = 2;
		return false;
	case REDIS_CMD_MIGRATE: /* ... AUTH password | AUTH2 username password [KEYS ...] */
		if (walk->command_state || !whole)
			return false;
		if (text_is(text, n, "KEYS"))
			walk->command_state = 1;
		else if (text_is(text, n, "AUTH"))
			walk->secret_left = 1;
		else if (text_is(text, n, "AUTH2"))
			walk->secret_left = 2;
		return false;
	case REDIS_CMD_CONFIG: /* CONFIG SET name value [name value ...] */
		if (index == 1)
			walk->command_state = whole && text_is(text, n, "SET");
		else if (walk->command_state && index % 2 == 0 && whole &&
			 (text_is(text, n, "REQUIREPASS") || text_is(text, n, "MASTERAUTH")))
			walk->secret_left = 1;
		return false;
	case REDIS_CMD_ACL: /* ACL SETUSER name >password <password #hash !hash */
		if (index == 1) {
			walk->command_state = whole && text_is(text, n, "SETUSER");
			return false;
		}
		return walk->command_state && index >= 3 && avail &&
		       (text[0] == '>' || text[0] == '<' || text[0] == '#' || text[0] == '!');
	default:
		return false;
	}
}

/*
 * Argument index of a request (0: the command) of n bytes, avail of them
 * at buf[at].
 */
static void request_arg(const struct parse_ctx *ctx, struct redis_message *redis, uint64_t index,
			const uint8_t *buf, size_t at, uint64_t n, size_t avail)
{
	if (index == 0) {
		slot_fill(redis, SLOT_COMMAND, buf + at, n, avail, 0);
		command_classify(redis);
		return;
	}
	if (arg_secret(redis, (uint32_t)index, buf + at, n, avail)) {
		if (avail)
			parse_secret(ctx, at, avail);
		if (index <= DECODER_MAX_ARGS)
			redis->secret_args |= (uint8_t)(1u << (index - 1));
	}
	if (index <= DECODER_MAX_ARGS)
		slot_fill(redis, SLOT_ARG0 + (unsigned)index - 1, buf + at, n, avail, 0);
}

/* --- the walk through one RESP value --- */

static const char *type_name(uint8_t type)
{
	switch (type) {
	case '+': return "status";
	case '-': return "error";
	case '!': return "error";
	case ':': return "integer";
	case '$': return "bulk";
	case '=': return "verbatim";
	case ',': return "double";
	case '(': return "bignum";
	case '#': return "boolean";
	case '_': return "null";
	case '*': return "array";
	case '~': return "set";
	case '%': return "map";
	case '>': return "push";
	default: return "";
	}
}

static bool is_aggregate(uint8_t type)
{
	return type == '*' || type == '~' || type == '>' || type == '%' || type == '|';
}

/* Where the value whose header is being read goes. */
enum place {
	PLACE_HIDDEN,  /* nested deeper, or inside an attribute */
	PLACE_TOP,     /* the reply itself */
	PLACE_ELEMENT, /* an element of the top aggregate */
	PLACE_ARG,     /* a request's command or argument */
};

static enum place place_of(const struct redis_message *redis, uint64_t *index)
{
	const struct redis_walk *walk = &redis->walk;

	if (walk->attributes)
		return PLACE_HIDDEN;
	if (walk->depth == 0)
		return PLACE_TOP;
	if (walk->depth != 1)
		return PLACE_HIDDEN;
	*index = walk->top_count - walk->remaining[0];
	return redis->is_request ? PLACE_ARG : PLACE_ELEMENT;
}

/*
 * A scalar value (or an aggregate's header, text = its count) for its
 * place: n bytes, avail of them at buf[at].
 */
static void value_show(const struct parse_ctx *ctx, struct redis_message *redis, enum place place,
		       uint64_t index, uint8_t type, const uint8_t *buf, size_t at, uint64_t n,
		       size_t avail)
{
	struct redis_walk *walk = &redis->walk;
	size_t drop = type == '=' && n >= 4 && (avail < 4 || buf[at + 3] == ':') ? 4 : 0;
	bool merging = redis->confirmations > 0;

	switch (place) {
	case PLACE_ARG:
		request_arg(ctx, redis, index, buf, at, n, avail);
		return;
	case PLACE_TOP:
		walk->top_type = type;
		if (merging)
			return;
		redis->type = type;
		text_set(redis->reply_type, sizeof(redis->reply_type), type_name(type));
		if (type == '$' || type == '=' || type == '!')
			redis->value_len = n - drop;
		if (!is_aggregate(type) && type != '_')
			slot_fill(redis, SLOT_REPLY, buf + at, n, avail, drop);
		return;
	case PLACE_ELEMENT:
		if (index == 0 && (type == '$' || type == '+') && avail == n && n < sizeof(walk->kind)) {
			memcpy(walk->kind, buf + at, (size_t)n);
			walk->kind[n] = '\0';
		}
		if (index == 1)
			walk->second_null = type == '_';
		if (index == 2 && type == ':') {
			walk->third_integer = true;
			walk->third = integer_value(buf + at, (size_t)n);
		}
		if (merging || index >= REDIS_SHOWN_ELEMENTS)
			return;
		redis->element_type[index] = type;
		redis->n_shown = (uint8_t)(index + 1);
		if (type != '_')
			slot_fill(redis, SLOT_ELEMENT0 + (unsigned)index, buf + at, n, avail, drop);
		return;
	case PLACE_HIDDEN:
		return;
	}
}

/*
 * A value ended: counts it off in the aggregates around it, closing those
 * it completes. An attribute that ends is no value of its parent: the
 * value it annotates, next, is. Returns true when the top value ended.
 */
static bool value_done(struct redis_walk *walk)
{
	while (walk->depth) {
		uint8_t d = walk->depth - 1;
		bool attribute;

		if (--walk->remaining[d])
			return false;
		attribute = walk->attributes & (1u << d);
		walk->attributes &= ~(1u << d);
		walk->depth--;
		if (attribute)
			return false;
	}
	return true;
}

/* Reads the pieces of the value being parsed from buf[*off] on. */
static enum walk_state value_walk(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
				  struct redis_message *redis, size_t *off, uint64_t *skip)
{
	struct redis_walk *walk = &redis->walk;
	bool request = redis->is_request;

	for (;;) {
		size_t at = *off, cr = 0, from;
		uint64_t index = 0;
		enum place place;
		enum step step;
		int64_t n = 0;
		uint8_t type;

		if (at >= len)
			return WALK_STOP;
		type = buf[at];
		place = place_of(redis, &index);
		if (request && ((walk->depth == 0 && type != '*') || (walk->depth && type != '$')))
			return WALK_INVALID; /* an array of bulk strings, nothing else */
		if (place == PLACE_TOP && type != '|')
			walk->started = true;
		switch (type) {
		case '+': /* simple string */
		case '-': /* simple error */
		case ',': /* double */
		case '(': /* big number */
		case ':': /* integer */
			/* A line long in coming is searched on from where the
			 * last call stopped (it started at buf[0] then). */
			from = at == 0 && ctx->seen > 2 && ctx->seen <= len ? ctx->seen - 1 : at + 1;
			step = line_find(buf, len, at, from, &cr);
			if (step == STEP_NEED_MORE)
				return WALK_STOP;
			if (step == STEP_INVALID)
				return WALK_INVALID;
			if ((type == ':' && !integer_valid(buf + at + 1, cr - at - 1)) ||
			    (type == ',' && !double_valid(buf + at + 1, cr - at - 1)) ||
			    (type == '(' && !bignum_valid(buf + at + 1, cr - at - 1)))
				return WALK_INVALID;
			value_show(ctx, redis, place, index, type, buf, at + 1, cr - at - 1,
				   cr - at - 1);
			*off = cr + 2;
			break;
		case '#': /* boolean: #t or #f */
		case '_': /* null */
			cr = at + (type == '#' ? 2 : 1);
			if (cr + 1 >= len)
				return WALK_STOP;
			if ((type == '#' && buf[at + 1] != 't' && buf[at + 1] != 'f') ||
			    buf[cr] != '\r' || buf[cr + 1] != '\n')
				return WALK_INVALID;
			if (type == '#')
				value_show(ctx, redis, place, index, type,
					   (const uint8_t *)(buf[at + 1] == 't' ? "true" : "false"), 0,
					   buf[at + 1] == 't' ? 4 : 5, buf[at + 1] == 't' ? 4 : 5);
			else
				value_show(ctx, redis, place, index, '_', buf, at, 0, 0);
			*off = cr + 2;
			break;
		case '$': /* bulk string */
		case '!': /* bulk error */
		case '=': /* verbatim string */ {
			size_t head = at + 1, avail, take, limit;
			uint64_t body;

			step = number_read(buf, len, &head, &n);
			if (step == STEP_NEED_MORE)
				return WALK_STOP;
			if (step == STEP_INVALID)
				return WALK_INVALID;
			if (n == -1 && type == '$' && !request) {
				value_show(ctx, redis, place, index, '_', buf, head, 0, 0);
				*off = head;
				break; /* RESP2 null bulk string */
			}
			if (n < 0 || n > REDIS_MAX_BULK)
				return WALK_INVALID;
			body = (uint64_t)n + 2;
			avail = len - head;
			limit = place == PLACE_ARG && index && arg_wants_whole(redis) ?
				REDIS_SECRET_BULK : REDIS_SMALL_BULK;
			if (body <= limit) {
				/* Small: whole, or wait for it. */
				if (avail < body)
					return WALK_STOP;
				if (buf[head + n] != '\r' || buf[head + n + 1] != '\n')
					return WALK_INVALID;
				value_show(ctx, redis, place, index, type, buf, head, (uint64_t)n,
					   (size_t)n);
				*off = head + (size_t)body;
				break;
			}
			/* Large: what buf holds of it, then skip the rest. */
			take = avail < body ? avail : (size_t)body;
			if (take > (uint64_t)n && buf[head + n] != '\r')
				return WALK_INVALID;
			if (take == body && buf[head + n + 1] != '\n')
				return WALK_INVALID;
			value_show(ctx, redis, place, index, type, buf, head, (uint64_t)n,
				   take < (uint64_t)n ? take : (size_t)n);
			*off = head + take;
			*skip = body - take;
			if (*skip) {
				bool top = value_done(walk);

				return top ? WALK_TOP_DONE : WALK_SKIP;
			}
			break;
		}
		case '*': /* array */
		case '~': /* set */
		case '>': /* push */
		case '%': /* map */
		case '|': /* attribute */ {
			size_t head = at + 1;
			char count[24];
			uint64_t values;

			step = number_read(buf, len, &head, &n);
			if (step == STEP_NEED_MORE)
				return WALK_STOP;
			if (step == STEP_INVALID)
				return WALK_INVALID;
			if (request && walk->depth == 0 && n <= 0 && n >= -1) {
				*off = head;
				return WALK_IGNORED;
			}
			if (n == -1 && type == '*') {
				value_show(ctx, redis, place, index, '_', buf, head, 0, 0);
				*off = head;
				break; /* RESP2 null array */
			}
			if (n < 0 || n > REDIS_MAX_ELEMENTS || (request && walk->depth))
				return WALK_INVALID;
			values = type == '%' || type == '|' ? (uint64_t)n * 2 : (uint64_t)n;
			if (type != '|') {
				int digits = snprintf(count, sizeof(count), "%lld", (long long)n);

				if (place == PLACE_TOP) {
					walk->top_count = values;
					if (request)
						redis->n_args = (uint32_t)(n - 1);
					else if (!redis->confirmations)
						redis->n_elements = (uint64_t)n;
				}
				if (!request)
					value_show(ctx, redis, place, index, type,
						   (const uint8_t *)count, 0, (uint64_t)digits,
						   (size_t)digits);
			}
			*off = head;
			if (!values) {
				if (type == '|')
					continue; /* no annotation: the value comes next */
				break;    /* an empty aggregate is a whole value */
			}
			if (walk->depth == REDIS_MAX_DEPTH)
				return WALK_INVALID;
			if (type == '|')
				walk->attributes |= 1u << walk->depth;
			walk->remaining[walk->depth++] = values;
			continue; /* its elements come next */
		}
		default:
			return WALK_INVALID;
		}
		if (value_done(walk))
			return WALK_TOP_DONE;
	}
}

/* --- replies: pub/sub --- */

static uint32_t flag_count(uint32_t flags, int shift, uint32_t max)
{
	return (flags >> shift) & max;
}

static uint32_t flag_count_set(uint32_t flags, int shift, uint32_t max, int64_t value)
{
	uint32_t v = value < 0 ? 0 : value > (int64_t)max ? max : (uint32_t)value;

	return (flags & ~(max << shift)) | (v << shift);
}

static bool subscribed(uint32_t flags)
{
	return flag_count(flags, CHANNELS_SHIFT, CHANNELS_MAX) ||
	       flag_count(flags, PATTERNS_SHIFT, PATTERNS_MAX) ||
	       flag_count(flags, SHARDS_SHIFT, SHARDS_MAX);
}

/* subscribe .. sunsubscribe: 0..5, in enum redis_command's order; -1 other. */
static int confirmation_family(const char *kind)
{
	static const char *const names[] = { "SUBSCRIBE",   "PSUBSCRIBE",   "SSUBSCRIBE",
					     "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE" };

	for (int i = 0; i < 6; i++)
		if (text_is((const uint8_t *)kind, strlen(kind), names[i]))
			return i;
	return -1;
}

static bool is_message_kind(const char *kind)
{
	size_t n = strlen(kind);

	return text_is((const uint8_t *)kind, n, "MESSAGE") ||
	       text_is((const uint8_t *)kind, n, "PMESSAGE") ||
	       text_is((const uint8_t *)kind, n, "SMESSAGE");
}

/*
 * A confirmation's count (channels + patterns, or shard channels) into the
 * connection's counts. Returns the count of its own kind left after it.
 */
static uint32_t counts_update(uint32_t *flags, int family, int64_t count)
{
	uint32_t channels = flag_count(*flags, CHANNELS_SHIFT, CHANNELS_MAX);
	uint32_t patterns = flag_count(*flags, PATTERNS_SHIFT, PATTERNS_MAX);

	switch (family % 3) {
	case 0: /* (un)subscribe: count = channels + patterns */
		*flags = flag_count_set(*flags, CHANNELS_SHIFT, CHANNELS_MAX, count - patterns);
		return flag_count(*flags, CHANNELS_SHIFT, CHANNELS_MAX);
	case 1: /* p(un)subscribe */
		*flags = flag_count_set(*flags, PATTERNS_SHIFT, PATTERNS_MAX, count - channels);
		return flag_count(*flags, PATTERNS_SHIFT, PATTERNS_MAX);
	default: /* s(un)subscribe: shard channels count alone */
		*flags = flag_count_set(*flags, SHARDS_SHIFT, SHARDS_MAX, count);
		return flag_count(*flags, SHARDS_SHIFT, SHARDS_MAX);
	}
}

/* The walk is ready for the next value of the same message. */
static void walk_next_value(struct redis_walk *walk)
{
	walk->depth = 0;
	walk->attributes = 0;
	walk->started = false;
	walk->top_type = 0;
	walk->top_count = 0;
	walk->kind[0] = '\0';
	walk->second_null = walk->third_integer = false;
	walk->third = 0;
}

/*
 * The top value of a reply ended: is it an answer, a push, or one of the
 * confirmations of a (P|S)(UN)SUBSCRIBE (then more may follow)? Returns
 * PARSE_COMPLETE or PARSE_CONTINUE.
 */
static enum parse_state reply_finish(const struct parse_ctx *ctx, struct redis_message *redis,
				     uint32_t *flags, bool *unsolicited)
{
	struct redis_walk *walk = &redis->walk;
	const struct redis_message *request =
		ctx->request ? PROTOCOL_BODY_CONST(ctx->request, struct redis_message) : NULL;
	uint8_t cmd = request && request->is_request ? request->cmd : REDIS_CMD_OTHER;
	/* RESP2 pushes are arrays, RESP3 ones pushes. */
	bool push_form = walk->top_type == '>' ||
			 (walk->top_type == '*' && !(*flags & REDIS_FLAG_RESP3));
	int family = push_form && walk->top_count == 3 && walk->third_integer ?
		confirmation_family(walk->kind) : -1;
	bool answers = family >= 0 && cmd == REDIS_CMD_SUBSCRIBE + family;

	if (family >= 0 && (answers || walk->top_type == '>' || subscribed(*flags))) {
		uint32_t left = counts_update(flags, family, walk->third);

		if (!answers) {
			/* Not asked for (a server-side unsubscribe, or the request was
			 * not seen): alone. */
			redis->kind = REDIS_REPLY_PUSH;
			*unsolicited = true;
			return PARSE_COMPLETE;
		}
		redis->kind = REDIS_REPLY_CONFIRMATION;
		redis->confirmations++;
		redis->subscriptions = walk->third;
		bool more = request->n_args ? redis->confirmations < request->n_args :
					      left && !walk->second_null;
		if (!more)
			return PARSE_COMPLETE;
		walk_next_value(walk);
		return PARSE_CONTINUE;
	}
	if (walk->top_type == '>' ||
	    (push_form && is_message_kind(walk->kind) && walk->top_count >= 3 &&
	     subscribed(*flags))) {
		redis->kind = REDIS_REPLY_PUSH;
		*unsolicited = true;
		return PARSE_COMPLETE;
	}
	if (cmd == REDIS_CMD_HELLO && walk->top_type == '%')
		*flags |= REDIS_FLAG_RESP3;
	else if (cmd == REDIS_CMD_HELLO && walk->top_type == '*')
		*flags &= ~REDIS_FLAG_RESP3;
	else if (cmd == REDIS_CMD_RESET && walk->top_type == '+')
		*flags = 0; /* RESP2, no subscriptions */
	return PARSE_COMPLETE;
}

/* --- inline commands --- */

static bool is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/*
 * An inline command: one line of words split on blanks, as typed into
 * telnet ("PING\r\n", "SET k v\n"). A word in double or single quotes keeps
 * its blanks; escapes inside quotes are not undone (raw bytes are shown).
 * The newline is searched from ctx->seen on.
 */
static struct parse_result inline_parse(const uint8_t *buf, size_t len,
					const struct parse_ctx *ctx, struct redis_message *redis)
{
	size_t limit = len < REDIS_MAX_LINE + 2 ? len : REDIS_MAX_LINE + 2;
	size_t from = ctx->seen && ctx->seen <= limit ? ctx->seen - 1 : 0;
	const uint8_t *newline = from < limit ? memchr(buf + from, '\n', limit - from) : NULL;
	size_t end, at = 0;
	uint32_t words = 0;

	if (!newline)
		return parse_result_make(
			len >= REDIS_MAX_LINE + 2 ? PARSE_INVALID : PARSE_NEED_MORE, 0, 0);
	end = (size_t)(newline - buf);
	if (end && buf[end - 1] == '\r')
		end--;
	redis->inline_command = true;
	for (;;) {
		size_t start, stop;

		while (at < end && is_blank(buf[at]))
			at++;
		if (at >= end)
			break;
		if (buf[at] == '"' || buf[at] == '\'') {
			const uint8_t *close = memchr(buf + at + 1, buf[at], end - at - 1);

			start = at + 1;
			stop = close ? (size_t)(close - buf) : end;
			at = close ? stop + 1 : end;
		} else {
			start = at;
			while (at < end && !is_blank(buf[at]))
				at++;
			stop = at;
		}
		if (!words) {
			/* The command word: printable ASCII only. */
			if (start == stop)
				return parse_result_make(PARSE_INVALID, 0, 0);
			for (size_t i = start; i < stop; i++)
				if (buf[i] <= ' ' || buf[i] >= 0x7f)
					return parse_result_make(PARSE_INVALID, 0, 0);
		}
		request_arg(ctx, redis, words, buf, start, stop - start, stop - start);
		words++;
	}
	if (!words) /* an empty line */
		return parse_result_make(PARSE_IGNORED, (size_t)(newline - buf) + 1, 0);
	redis->n_args = words - 1;
	return parse_result_make(PARSE_COMPLETE, (size_t)(newline - buf) + 1, 0);
}

/* --- the decoder --- */

struct parse_result redis_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
				struct message *msg)
{
	struct redis_message *redis = PROTOCOL_BODY(msg, struct redis_message);
	uint32_t no_flags = 0, *flags = ctx->conn_flags ? ctx->conn_flags : &no_flags;
	size_t off = 0;

	redis->walk.pending_slot = SLOT_NONE; /* a skip before this call has ended */
	redis->is_request = ctx->from_client;
	if (!len)
		return parse_result_make(PARSE_NEED_MORE, 0, 0);
	if (ctx->from_client && !redis->walk.started && buf[0] != '*') {
		if (!is_letter(buf[0]) && buf[0] != '\r' && buf[0] != '\n')
			return parse_result_make(PARSE_INVALID, 0, 0);
		return inline_parse(buf, len, ctx, redis);
	}
	for (;;) {
		uint64_t skip = 0;
		struct parse_result result;

		switch (value_walk(buf, len, ctx, redis, &off, &skip)) {
		case WALK_INVALID:
			return parse_result_make(PARSE_INVALID, 0, 0);
		case WALK_STOP:
			return parse_result_make(off ? PARSE_CONTINUE : PARSE_NEED_MORE, off, 0);
		case WALK_SKIP:
			return parse_result_make(PARSE_CONTINUE, off, skip);
		case WALK_IGNORED:
			return parse_result_make(PARSE_IGNORED, off, 0);
		case WALK_TOP_DONE:
			break;
		}
		result = parse_result_make(PARSE_COMPLETE, off, skip);
		if (ctx->from_client)
			return result;
		result.state = reply_finish(ctx, redis, flags, &result.unsolicited);
		if (result.state == PARSE_COMPLETE || skip || off == len)
			return result;
		/* More confirmations of the same request: read on. */
	}
}

/* --- detection --- */

/*
 * Commands a connection plausibly starts with when typed inline, with the
 * arguments they take (max -1: any). A list, not "any word": "GET /
 * HTTP/1.1", "EHLO", "USER" and memcached's "get" and "set" all begin with
 * letters and a blank too, and so do lines of text ("Hello there"), which
 * the case rule, the argument counts and the numeric arguments keep out.
 */
static const struct {
	const char *name;
	int min_args, max_args;
	bool numeric; /* the first argument is a number */
} inline_commands[] = {
	{ "PING", 0, 1, false },	{ "AUTH", 1, 2, false },      { "HELLO", 0, 7, true },
	{ "INFO", 0, 8, false },	{ "SELECT", 1, 1, true },     { "ECHO", 1, 1, false },
	{ "DBSIZE", 0, 0, false },	{ "MONITOR", 0, 0, false },   { "QUIT", 0, 0, false },
	{ "CLIENT", 1, -1, false },	{ "CONFIG", 2, -1, false },   { "KEYS", 1, 1, false },
	{ "SCAN", 1, -1, true },	{ "EXISTS", 1, -1, false },   { "HGET", 2, 2, false },
	{ "HSET", 3, -1, false },	{ "HGETALL", 1, 1, false },   { "LPUSH", 2, -1, false },
	{ "RPUSH", 2, -1, false },	{ "LRANGE", 3, 3, false },    { "SADD", 2, -1, false },
	{ "SMEMBERS", 1, 1, false },	{ "ZADD", 3, -1, false },     { "ZRANGE", 3, -1, false },
	{ "PUBLISH", 2, 2, false },	{ "SUBSCRIBE", 1, -1, false }, { "PSUBSCRIBE", 1, -1, false },
	{ "FLUSHALL", 0, 1, false },	{ "FLUSHDB", 0, 1, false },   { "SLOWLOG", 1, 2, false },
	{ "MULTI", 0, 0, false },	{ "CLUSTER", 1, -1, false },  { "COMMAND", 0, -1, false },
	{ "LASTSAVE", 0, 0, false },	{ "BGSAVE", 0, 1, false },    { "XADD", 4, -1, false },
	{ "XRANGE", 3, -1, false },	{ "EVAL", 2, -1, false },
};

/*
 * A line typed as an inline command: a known command word, all upper or all
 * lower case, the number of words it takes, printable ASCII, the whole line
 * there.
 */
static bool inline_detect(const uint8_t *buf, size_t len)
{
	size_t word = 0, at, words = 0, first_arg = 0;
	bool lower;

	while (word < len && word < 16 && is_letter(buf[word]))
		word++;
	if (!word || word >= len || (buf[word] != ' ' && buf[word] != '\r' && buf[word] != '\n'))
		return false;
	lower = buf[0] >= 'a';
	for (size_t i = 1; i < word; i++)
		if ((buf[i] >= 'a') != lower)
			return false;
	for (at = word;; at++) {
		if (at >= len || at >= REDIS_MAX_LINE)
			return false;
		if (buf[at] == '\n' || buf[at] == '\r')
			break;
		if (buf[at] < ' ' || buf[at] >= 0x7f)
			return false;
		if (!is_blank(buf[at]) && is_blank(buf[at - 1]) && !words++)
			first_arg = at;
	}
	if (buf[at] == '\r' && (at + 1 >= len || buf[at + 1] != '\n'))
		return false;
	for (size_t i = 0; i < sizeof(inline_commands) / sizeof(inline_commands[0]); i++) {
		if (!text_is(buf, word, inline_commands[i].name))
			continue;
		if ((int)words < inline_commands[i].min_args ||
		    (inline_commands[i].max_args >= 0 && (int)words > inline_commands[i].max_args))
			return false;
		return !inline_commands[i].numeric || !words || is_digit(buf[first_arg]);
	}
	return false;
}

/* "*N\r\n$" as far as it goes: an array of bulk strings. */
static bool multibulk_detect(const uint8_t *buf, size_t len)
{
	size_t off = 1;
	int64_t count = 0;

	if (len < 2 || buf[1] < '1' || buf[1] > '9')
		return false;
	switch (number_read(buf, len, &off, &count)) {
	case STEP_NEED_MORE:
		return len - 1 <= 11;
	case STEP_INVALID:
		return false;
	case STEP_OK:
		break;
	}
	if (count > REDIS_MAX_ELEMENTS)
		return false;
	if (off >= len)
		return true;
	if (buf[off] != '$')
		return false;
	return off + 1 >= len || is_digit(buf[off + 1]);
}

/* An upper-case word, then a blank or the end of the line: "-ERR x", "+OK". */
static bool code_word(const uint8_t *buf, size_t len)
{
	size_t at = 1;

	while (at < len && buf[at] >= 'A' && buf[at] <= 'Z')
		at++;
	return at > 1 && at < len && (buf[at] == ' ' || buf[at] == '\r');
}

bool redis_detect(const uint8_t *buf, size_t len, bool from_client)
{
	struct message scratch;
	uint32_t flags = 0;
	struct parse_ctx ctx = { .from_client = false, .conn_flags = &flags };
	struct parse_result result;

	if (!len)
		return false;
	if (from_client)
		return buf[0] == '*' ? multibulk_detect(buf, len) : inline_detect(buf, len);
	switch (buf[0]) {
	case '+':
	case '-':
		if (!code_word(buf, len))
			return false;
		break;
	case ':':
	case '$':
	case '*':
	case '_':
	case ',':
	case '#':
	case '!':
	case '=':
	case '(':
	case '%':
	case '~':
	case '>':
	case '|':
		break;
	default:
		return false;
	}
	/* The first line must be whole and well formed; the rest may follow. */
	memset(scratch.body, 0, sizeof(struct redis_message));
	result = redis_parse(buf, len, &ctx, &scratch);
	if (result.state == PARSE_INVALID)
		return false;
	if (result.state != PARSE_NEED_MORE)
		return true;
	for (size_t at = 1; at + 1 < len && at < 64; at++)
		if (buf[at] == '\r')
			return buf[at + 1] == '\n';
	return false;
}
