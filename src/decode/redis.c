/*
 * Redis decoder: RESP2 and the RESP3 types that cost no more than RESP2
 * (https://redis.io/docs/latest/develop/reference/protocol-spec/).
 *
 * Requests are arrays of bulk strings ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") or
 * inline commands ("PING\r\n"); replies are one RESP value of any type,
 * aggregates walked with an explicit stack (no recursion), at most
 * REDIS_MAX_DEPTH deep. RESP3 streamed strings and aggregates ("$?", "*?")
 * are not parsed: PARSE_INVALID.
 *
 * A whole message must be in buf, or the answer is PARSE_NEED_MORE, with
 * one exception so that a multi-megabyte SET value or GET reply does not
 * have to be buffered: when the bulk string that ends the message (nothing
 * follows it) is longer than REDIS_PEEK and at least REDIS_PEEK of its bytes
 * are in buf, the message is PARSE_COMPLETE with consumed = len and skip =
 * the rest of that bulk string and its CRLF. REDIS_PEEK bytes cover every
 * text field, so the message reads the same as if it had all been there.
 */
#include <stdio.h>
#include <string.h>

#include "decode/redis.h"

#define REDIS_MAX_ELEMENTS (1024 * 1024)          /* more: not Redis (its own multibulk limit) */
#define REDIS_MAX_BULK (512LL * 1024 * 1024)      /* proto-max-bulk-len default */
#define REDIS_MAX_DEPTH 8                         /* aggregates nested in aggregates */
#define REDIS_MAX_DIGITS 18                       /* a length or count; never overflows int64 */
#define REDIS_MAX_LINE (64 * 1024)                /* PROTO_INLINE_MAX_SIZE: inline, +, -, ... */
#define REDIS_PEEK TEXT_LONG                      /* bulk bytes held before the early COMPLETE */

enum step {
	STEP_OK,
	STEP_NEED_MORE,
	STEP_INVALID,
};

static struct parse_result result_make(enum parse_state state, size_t consumed, uint64_t skip)
{
	struct parse_result result = { .state = state, .consumed = consumed, .skip = skip };
	return result;
}

static enum parse_state step_state(enum step step)
{
	return step == STEP_NEED_MORE ? PARSE_NEED_MORE : PARSE_INVALID;
}

/*
 * Copies n raw bytes of src into dst (size bytes, NUL-terminated). A value
 * longer than fits is cut and ends with "...". Only the first avail bytes of
 * src may be read (avail < n when the value goes on past buf).
 */
static void text_cut(char *dst, size_t size, const uint8_t *src, uint64_t n, size_t avail)
{
	size_t keep;
	bool cut = n > size - 1;

	keep = cut ? size - 4 : (size_t)n;
	if (keep > avail)
		keep = avail;
	memcpy(dst, src, keep);
	if (cut) {
		memcpy(dst + keep, "...", 4);
		return;
	}
	dst[keep] = '\0';
}

static void text_set(char *dst, size_t size, const char *src)
{
	text_cut(dst, size, (const uint8_t *)src, strlen(src), strlen(src));
}

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
		if (buf[at] < '0' || buf[at] > '9' || digits == REDIS_MAX_DIGITS)
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
 * Finds the CRLF that ends the line starting at buf[off]; the line itself
 * holds neither CR nor LF and is at most REDIS_MAX_LINE bytes. *cr is where
 * the CR is.
 */
static enum step line_find(const uint8_t *buf, size_t len, size_t off, size_t *cr)
{
	for (size_t at = off;; at++) {
		if (at - off > REDIS_MAX_LINE)
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
		if (text[at] < '0' || text[at] > '9')
			return false;
	return true;
}

static bool is_aggregate_type(uint8_t type)
{
	return type == '*' || type == '~' || type == '>' || type == '%' || type == '|';
}

struct walk {
	enum parse_state state; /* PARSE_COMPLETE, PARSE_NEED_MORE or PARSE_INVALID */
	size_t end;             /* COMPLETE: buf offset just past the value (len when skip) */
	uint64_t skip;          /* COMPLETE: bytes of the value beyond buf (early COMPLETE) */
};

static struct walk walk_make(enum parse_state state, size_t end, uint64_t skip)
{
	struct walk walk = { .state = state, .end = end, .skip = skip };
	return walk;
}

/*
 * Walks the one RESP value that starts at buf[off] to its end, aggregates
 * included, with an explicit stack. remaining[d] counts the elements of the
 * aggregate at depth d still to read, the one being read included. A map
 * (%N) has 2N elements; an attribute (|N) is its 2N elements followed by the
 * value it annotates, so 2N+1. Every step reads at least one byte: the work
 * is bounded by len. allow_partial permits the early COMPLETE on a big bulk
 * string that ends the value.
 */
static struct walk value_walk(const uint8_t *buf, size_t len, size_t off, bool allow_partial)
{
	uint32_t remaining[REDIS_MAX_DEPTH];
	int depth = 0;

	for (;;) {
		enum step step = STEP_OK;
		int64_t n = 0;
		size_t cr = 0;
		uint8_t type;

		if (off >= len)
			return walk_make(PARSE_NEED_MORE, 0, 0);
		type = buf[off++];
		switch (type) {
		case '+': /* simple string */
		case '-': /* simple error */
		case ',': /* double */
		case '(': /* big number */
		case ':': /* integer */
			step = line_find(buf, len, off, &cr);
			if (step != STEP_OK)
				return walk_make(step_state(step), 0, 0);
			if (type == ':' && !integer_valid(buf + off, cr - off))
				return walk_make(PARSE_INVALID, 0, 0);
			if ((type == ',' || type == '(') && cr == off)
				return walk_make(PARSE_INVALID, 0, 0);
			off = cr + 2;
			break;
		case '#': /* boolean: #t or #f */
		case '_': /* null */
			if (type == '#') {
				if (off >= len)
					return walk_make(PARSE_NEED_MORE, 0, 0);
				if (buf[off] != 't' && buf[off] != 'f')
					return walk_make(PARSE_INVALID, 0, 0);
				off++;
			}
			if (off >= len || (off + 1 >= len && buf[off] == '\r'))
				return walk_make(PARSE_NEED_MORE, 0, 0);
			if (buf[off] != '\r' || buf[off + 1] != '\n')
				return walk_make(PARSE_INVALID, 0, 0);
			off += 2;
			break;
		case '$': /* bulk string */
		case '!': /* bulk error */
		case '=': /* verbatim string */
			step = number_read(buf, len, &off, &n);
			if (step != STEP_OK)
				return walk_make(step_state(step), 0, 0);
			if (n == -1 && type == '$')
				break; /* RESP2 null bulk string */
			if (n < 0 || n > REDIS_MAX_BULK)
				return walk_make(PARSE_INVALID, 0, 0);
			if (len - off >= (uint64_t)n + 2) {
				if (buf[off + n] != '\r' || buf[off + n + 1] != '\n')
					return walk_make(PARSE_INVALID, 0, 0);
				off += n + 2;
				break;
			}
			if (!allow_partial || n <= REDIS_PEEK || len - off < REDIS_PEEK)
				return walk_make(PARSE_NEED_MORE, 0, 0);
			for (int d = 0; d < depth; d++)
				if (remaining[d] != 1)
					return walk_make(PARSE_NEED_MORE, 0, 0);
			if (len - off > (uint64_t)n && buf[off + n] != '\r')
				return walk_make(PARSE_INVALID, 0, 0);
			return walk_make(PARSE_COMPLETE, len, off + (uint64_t)n + 2 - len);
		case '*': /* array */
		case '~': /* set */
		case '>': /* push */
		case '%': /* map */
		case '|': /* attribute */
			step = number_read(buf, len, &off, &n);
			if (step != STEP_OK)
				return walk_make(step_state(step), 0, 0);
			if (n == -1 && type == '*')
				break; /* RESP2 null array */
			if (n < 0 || n > REDIS_MAX_ELEMENTS)
				return walk_make(PARSE_INVALID, 0, 0);
			if (type == '%')
				n *= 2;
			else if (type == '|')
				n = n * 2 + 1;
			if (!n)
				break; /* an empty aggregate is a whole value */
			if (depth == REDIS_MAX_DEPTH)
				return walk_make(PARSE_INVALID, 0, 0);
			remaining[depth++] = (uint32_t)n;
			continue; /* its elements come next */
		default:
			return walk_make(PARSE_INVALID, 0, 0);
		}
		/* A value ended: count it off in the aggregates around it. */
		while (depth > 0 && --remaining[depth - 1] == 0)
			depth--;
		if (!depth)
			return walk_make(PARSE_COMPLETE, off, 0);
	}
}

/* --- requests --- */

static void request_keep(struct redis_message *redis, uint32_t index, const uint8_t *data,
			 uint64_t n, size_t avail)
{
	if (index == 0) {
		size_t keep = n < sizeof(redis->command) - 1 ? (size_t)n : sizeof(redis->command) - 1;

		if (keep > avail)
			keep = avail;
		for (size_t i = 0; i < keep; i++) {
			uint8_t c = data[i];
			redis->command[i] = c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
		}
		redis->command[keep] = '\0';
	} else if (index <= DECODER_MAX_ARGS) {
		text_cut(redis->args[index - 1], TEXT_SHORT, data, n, avail);
	}
}

/* "*N\r\n" then N bulk strings: the form every client library sends. */
static struct parse_result multibulk_parse(const uint8_t *buf, size_t len,
					   struct redis_message *redis)
{
	size_t off = 1;
	int64_t count = 0, n = 0;
	enum step step;

	step = number_read(buf, len, &off, &count);
	if (step != STEP_OK)
		return result_make(step_state(step), 0, 0);
	if (count == 0 || count == -1)
		return result_make(PARSE_IGNORED, off, 0); /* Redis skips these too */
	if (count < 0 || count > REDIS_MAX_ELEMENTS)
		return result_make(PARSE_INVALID, 0, 0);
	redis->n_args = (uint32_t)(count - 1);
	/* Each element takes at least 6 bytes ("$0\r\n\r\n"): bounded by len. */
	for (uint32_t i = 0; i < count; i++) {
		if (off >= len)
			return result_make(PARSE_NEED_MORE, 0, 0);
		if (buf[off++] != '$')
			return result_make(PARSE_INVALID, 0, 0);
		step = number_read(buf, len, &off, &n);
		if (step != STEP_OK)
			return result_make(step_state(step), 0, 0);
		if (n < 0 || n > REDIS_MAX_BULK)
			return result_make(PARSE_INVALID, 0, 0);
		if (len - off >= (uint64_t)n + 2) {
			if (buf[off + n] != '\r' || buf[off + n + 1] != '\n')
				return result_make(PARSE_INVALID, 0, 0);
			request_keep(redis, i, buf + off, n, n);
			off += n + 2;
			continue;
		}
		/* The last argument is big and still arriving: see the top. */
		if (i + 1 == count && n > REDIS_PEEK && len - off >= REDIS_PEEK) {
			if (len - off > (uint64_t)n && buf[off + n] != '\r')
				return result_make(PARSE_INVALID, 0, 0);
			request_keep(redis, i, buf + off, n, len - off);
			return result_make(PARSE_COMPLETE, len, off + (uint64_t)n + 2 - len);
		}
		return result_make(PARSE_NEED_MORE, 0, 0);
	}
	return result_make(PARSE_COMPLETE, off, 0);
}

static bool is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/*
 * An inline command: one line of words split on blanks, as typed into
 * telnet ("PING\r\n", "SET k v\n"). A word in double or single quotes keeps
 * its blanks; escapes inside quotes are not undone (raw bytes are shown).
 */
static struct parse_result inline_parse(const uint8_t *buf, size_t len,
					struct redis_message *redis)
{
	size_t limit = len < REDIS_MAX_LINE ? len : REDIS_MAX_LINE;
	const uint8_t *newline = memchr(buf, '\n', limit);
	size_t end, at = 0;
	uint32_t words = 0;

	if (!newline)
		return result_make(len >= REDIS_MAX_LINE ? PARSE_INVALID : PARSE_NEED_MORE, 0, 0);
	end = newline - buf;
	if (end && buf[end - 1] == '\r')
		end--;
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
				return result_make(PARSE_INVALID, 0, 0);
			for (size_t i = start; i < stop; i++)
				if (buf[i] <= ' ' || buf[i] >= 0x7f)
					return result_make(PARSE_INVALID, 0, 0);
		}
		request_keep(redis, words, buf + start, stop - start, stop - start);
		words++;
	}
	if (!words)
		return result_make(PARSE_IGNORED, newline - buf + 1, 0); /* an empty line */
	redis->n_args = words - 1;
	return result_make(PARSE_COMPLETE, newline - buf + 1, 0);
}

/* --- replies --- */

/*
 * The text of a scalar value at buf[off] (the walk has checked it), for
 * reply or for an array's first element. Returns its reply_type, or NULL
 * for an aggregate.
 */
static const char *scalar_describe(const uint8_t *buf, size_t len, size_t off, char *text,
				   size_t size)
{
	uint8_t type = buf[off++];
	const char *name;
	size_t cr = off;
	int64_t n = 0;

	text[0] = '\0';
	switch (type) {
	case '+':
	case '-':
	case ':':
	case ',':
	case '(':
		while (cr < len && buf[cr] != '\r')
			cr++;
		text_cut(text, size, buf + off, cr - off, cr - off);
		return type == '+' ? "status" :
		       type == '-' ? "error" :
		       type == ':' ? "integer" :
		       type == ',' ? "double" :
				     "bignum";
	case '#':
		text_set(text, size, off < len && buf[off] == 't' ? "true" : "false");
		return "boolean";
	case '_':
		return "null";
	case '$':
	case '!':
	case '=':
		if (number_read(buf, len, &off, &n) != STEP_OK)
			return "null"; /* not reached: walked before */
		if (n < 0)
			return "null";
		name = type == '$' ? "bulk" : type == '!' ? "error" : "verbatim";
		/* A verbatim string starts with its format: "txt:", "mkd:". */
		if (type == '=' && n >= 4 && len - off >= 4 && buf[off + 3] == ':') {
			off += 4;
			n -= 4;
		}
		text_cut(text, size, buf + off, n, len - off < (uint64_t)n ? len - off : (size_t)n);
		return name;
	case '*':
		if (off < len && buf[off] == '-')
			return "null";
		return NULL;
	default:
		return NULL;
	}
}

static const char *aggregate_name(uint8_t type)
{
	switch (type) {
	case '~':
		return "set";
	case '>':
		return "push";
	case '%':
		return "map";
	default:
		return "array";
	}
}

static void reply_describe(const uint8_t *buf, size_t len, size_t off, struct redis_message *redis)
{
	const char *type_name;
	int64_t n = 0;
	uint8_t type;

	/*
	 * Attributes (|N, RESP3) annotate the value that follows them: skip
	 * their 2N elements, report that value. The walk has checked all of
	 * it, and every attribute is followed by a value in buf.
	 */
	for (int i = 0; i < REDIS_MAX_DEPTH && off < len && buf[off] == '|'; i++) {
		off++;
		if (number_read(buf, len, &off, &n) != STEP_OK)
			return;
		for (int64_t e = 0; e < n * 2; e++) {
			struct walk walk = value_walk(buf, len, off, false);

			if (walk.state != PARSE_COMPLETE)
				return;
			off = walk.end;
		}
	}
	if (off >= len)
		return;
	type_name = scalar_describe(buf, len, off, redis->reply, sizeof(redis->reply));
	if (type_name) {
		text_set(redis->reply_type, sizeof(redis->reply_type), type_name);
		return;
	}
	type = buf[off++];
	if (!is_aggregate_type(type) || number_read(buf, len, &off, &n) != STEP_OK)
		return;
	text_set(redis->reply_type, sizeof(redis->reply_type), aggregate_name(type));
	if (type == '%') {
		snprintf(redis->reply, sizeof(redis->reply), "%lld pair%s", (long long)n,
			 n == 1 ? "" : "s");
		return;
	}
	/* Show the first element too when it is a plain value. */
	char first[TEXT_SHORT] = "";
	const char *first_type = n > 0 && off < len ?
		scalar_describe(buf, len, off, first, sizeof(first)) : NULL;
	if (first_type && strcmp(first_type, "null")) {
		snprintf(redis->reply, sizeof(redis->reply), "%lld element%s [%s%s]", (long long)n,
			 n == 1 ? "" : "s", first, n > 1 ? ", ..." : "");
		return;
	}
	snprintf(redis->reply, sizeof(redis->reply), "%lld element%s", (long long)n,
		 n == 1 ? "" : "s");
}

static struct parse_result reply_parse(const uint8_t *buf, size_t len,
				       struct redis_message *redis)
{
	struct walk walk = value_walk(buf, len, 0, true);

	if (walk.state != PARSE_COMPLETE)
		return result_make(walk.state, 0, 0);
	reply_describe(buf, walk.end, 0, redis);
	return result_make(PARSE_COMPLETE, walk.end, walk.skip);
}

/* --- detection --- */

static bool is_letter(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Commands a connection plausibly starts with when typed inline. A list,
 * not "any word": "GET / HTTP/1.1", "EHLO", "USER" and memcached's "get"
 * and "set" all begin with letters and a blank too.
 */
static const char *const inline_commands[] = {
	"PING",	  "AUTH",    "HELLO",	"INFO",	   "SELECT", "ECHO",  "DBSIZE", "MONITOR",
	"CLIENT", "CONFIG",  "KEYS",	"SCAN",	   "EXISTS", "TTL",   "HGET",   "HSET",
	"HGETALL", "LPUSH",  "RPUSH",	"LRANGE",  "SADD",   "SMEMBERS", "ZADD", "ZRANGE",
	"PUBLISH", "SUBSCRIBE", "PSUBSCRIBE", "FLUSHALL", "FLUSHDB", "SLOWLOG", "MULTI",
	"CLUSTER", "COMMAND", "LASTSAVE", "BGSAVE", "XADD",  "XRANGE", "EVAL",
};

/* word: n ASCII letters, compared without case. */
static bool inline_command_known(const uint8_t *word, size_t n)
{
	for (size_t i = 0; i < sizeof(inline_commands) / sizeof(inline_commands[0]); i++) {
		const char *name = inline_commands[i];
		size_t c = 0;

		if (strlen(name) != n)
			continue;
		while (c < n && (word[c] & ~0x20) == (uint8_t)name[c])
			c++;
		if (c == n)
			return true;
	}
	return false;
}

static bool inline_detect(const uint8_t *buf, size_t len)
{
	size_t word = 0;

	while (word < len && word < 16 && is_letter(buf[word]))
		word++;
	if (!word || word >= len || (buf[word] != ' ' && buf[word] != '\r' && buf[word] != '\n'))
		return false;
	if (!inline_command_known(buf, word))
		return false;
	/* The whole line is there and is plain text. */
	for (size_t at = word; at < len && at < REDIS_MAX_LINE; at++) {
		if (buf[at] == '\n')
			return true;
		if (buf[at] == '\r' ? at + 1 < len && buf[at + 1] != '\n' :
				      buf[at] < ' ' || buf[at] >= 0x7f)
			return false;
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
		return len - 1 <= 8;
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
	return off + 1 >= len || (buf[off + 1] >= '0' && buf[off + 1] <= '9');
}

bool redis_detect(const uint8_t *buf, size_t len, bool from_client)
{
	struct walk walk;

	if (!len)
		return false;
	if (from_client)
		return buf[0] == '*' ? multibulk_detect(buf, len) : inline_detect(buf, len);
	switch (buf[0]) {
	case '+':
	case '-':
		/* "+OK", "+PONG", "-ERR ...", "-NOAUTH ...": a word first. */
		if (len < 2 || !is_letter(buf[1]))
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
	walk = value_walk(buf, len, 0, true);
	if (walk.state == PARSE_COMPLETE)
		return true;
	if (walk.state == PARSE_INVALID)
		return false;
	for (size_t at = 1; at + 1 < len && at < 64; at++)
		if (buf[at] == '\r')
			return buf[at + 1] == '\n';
	return false;
}

/* --- the decoder --- */

struct parse_result redis_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
                                struct message *msg)
{
	bool from_client = ctx->from_client;
	struct redis_message *redis = PROTOCOL_BODY(msg, struct redis_message);

	memset(msg->body, 0, sizeof(msg->body));
	redis->is_request = from_client;
	if (!len)
		return result_make(PARSE_NEED_MORE, 0, 0);
	if (!from_client)
		return reply_parse(buf, len, redis);
	if (buf[0] == '*')
		return multibulk_parse(buf, len, redis);
	if (!is_letter(buf[0]) && buf[0] != '\r' && buf[0] != '\n')
		return result_make(PARSE_INVALID, 0, 0);
	return inline_parse(buf, len, redis);
}
