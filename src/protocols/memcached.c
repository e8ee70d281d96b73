/*
 * memcached decoder: the text protocol, its meta commands, and the binary
 * protocol (https://github.com/memcached/memcached/blob/master/doc/protocol.txt,
 * protocol_binary.h).
 *
 * Text and meta messages are lines, some followed by a data block whose
 * size the line gives ("set k 0 0 5\r\nhello\r\n", "VALUE k 0 5\r\n...",
 * "VA 5\r\n..."). Each call reads one piece: a line, or a data block. A
 * block of at most MC_SMALL_BLOCK bytes (with its CRLF) is read whole; a
 * larger one is consumed as far as buf goes and the rest skipped, never
 * held. A reply of several lines (VALUE blocks, STAT lines) ends at END.
 * A get's line may be longer than any buffer (thousands of keys): it is
 * consumed word by word, the keys counted.
 *
 * Binary messages are a 24-byte header (magic 0x80 request, 0x81
 * response), extras, key and value; the header, extras and key are read,
 * the value skipped (its first bytes kept when it is an error's text, the
 * version, an incr's counter). A binary STAT reply is one response per
 * statistic up to one with an empty key: read as one message.
 *
 * Pairing is in order. A text noreply request gets no reply: it is
 * reported alone. A meta request with the q flag and a binary quiet
 * opcode (GETQ, SETQ, ...) get a reply only sometimes (a hit, a failure):
 * they wait like any request, and when the server's next reply is plainly
 * another request's (a meta MN, another opaque or key; another binary
 * opcode or opaque), the quiet request is answered by "no reply", a
 * message of no bytes (PARSE_COMPLETE consuming nothing).
 *
 * Credentials: a binary SASL_AUTH / SASL_STEP value; the "username
 * password" data block of the set that authenticates an ASCII connection
 * (memcached -Y) when it is the connection's first storage command.
 */
#include <stdio.h>
#include <string.h>

#include "protocols/memcached.h"
#include "protocols/parse_util.h"

#define MC_LINE_MAX 8192	  /* a line (but a get's), with its CRLF */
#define MC_SMALL_BLOCK 1024	  /* a data block read whole (with its CRLF) */
#define MC_BLOCK_MAX (1ULL << 31) /* more: not memcached (its item size is at most 1 GiB) */
#define MC_BIN_HEADER 24
#define MC_BIN_BODY_MAX (1U << 30)
#define MC_BIN_WAIT 1024 /* header, extras and key waited for up to this */
#define MC_BIN_TEXT 256	 /* a value whose text is kept: waited for up to this */
#define MC_TOKENS 24	 /* words of a line looked at */
#define MC_AUTH_MAX 256	 /* an ASCII auth block "user password" */

enum stage {
	STAGE_START,
	STAGE_LINES,	 /* a reply's next line (after VALUE, STAT) up to END */
	STAGE_BLOCK,	 /* a data block of block_bytes */
	STAGE_GET_LINE,	 /* the rest of a long get line */
	STAGE_BIN_STATS, /* the next binary STAT reply */
};

struct token {
	const uint8_t *p;
	size_t n;
};

static bool token_is(const struct token *t, const char *word)
{
	size_t n = strlen(word);

	return t->n == n && !memcmp(t->p, word, n);
}

/* Splits p[0..n) on spaces: returns the words, the first max kept. */
static size_t tokens_split(const uint8_t *p, size_t n, struct token *tokens, size_t max)
{
	size_t count = 0, at = 0;

	for (;;) {
		size_t start;

		while (at < n && p[at] == ' ')
			at++;
		if (at >= n)
			return count;
		start = at;
		while (at < n && p[at] != ' ')
			at++;
		if (count < max) {
			tokens[count].p = p + start;
			tokens[count].n = at - start;
		}
		count++;
	}
}

/* An unsigned decimal of 1..20 digits that fits max. */
static bool number_parse(const struct token *t, uint64_t max, uint64_t *value)
{
	uint64_t v = 0;

	if (!t->n || t->n > 20)
		return false;
	for (size_t i = 0; i < t->n; i++) {
		uint8_t d = t->p[i];

		if (d < '0' || d > '9' || v > (UINT64_MAX - (d - '0')) / 10)
			return false;
		v = v * 10 + (d - '0');
	}
	if (v > max)
		return false;
	*value = v;
	return true;
}

/* An exptime: a number, maybe negative (already expired). */
static bool signed_parse(const struct token *t)
{
	struct token rest = *t;
	uint64_t v;

	if (rest.n && rest.p[0] == '-') {
		rest.p++;
		rest.n--;
	}
	return number_parse(&rest, INT64_MAX, &v);
}

static void token_copy(char *dst, size_t size, const struct token *t)
{
	text_copy(dst, size, t->p, t->n);
}

/* A line's bytes: no control bytes (a CR only at its end, taken off before). */
static bool line_valid(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
	return true;
}

/*
 * Finds the LF ending the line at buf[0], from where the last look stopped.
 * Returns its index, or -1; *n is the line's length without CR LF.
 */
static long line_end(const uint8_t *buf, size_t len, const struct parse_ctx *ctx, size_t *n)
{
	size_t from = ctx->seen && ctx->seen <= len ? ctx->seen - 1 : 0;
	const uint8_t *lf = from < len ? memchr(buf + from, '\n', len - from) : NULL;
	size_t end;

	if (!lf)
		return -1;
	end = (size_t)(lf - buf);
	*n = end && buf[end - 1] == '\r' ? end - 1 : end;
	return (long)end;
}

static void line_keep(struct memcached_message *mc, const uint8_t *p, size_t n)
{
	text_copy(mc->line, sizeof(mc->line), p, n);
	mc->line_cut = n >= sizeof(mc->line);
}

/* --- text and meta requests --- */

enum request_kind {
	KIND_OTHER,
	KIND_STORE, /* set add replace append prepend */
	KIND_CAS,
	KIND_GET,   /* get gets */
	KIND_GAT,   /* gat gats */
	KIND_KEYED, /* delete incr decr touch */
	KIND_PLAIN, /* flush_all verbosity: noreply may end them */
	KIND_QUIT,
	KIND_META, /* mg md ma me */
	KIND_META_SET,
	KIND_META_NOOP,
};

static enum request_kind request_kind_of(const struct token *word)
{
	static const struct {
		const char *name;
		enum request_kind kind;
	} table[] = {
		{ "set", KIND_STORE },	     { "add", KIND_STORE },	{ "replace", KIND_STORE },
		{ "append", KIND_STORE },    { "prepend", KIND_STORE }, { "cas", KIND_CAS },
		{ "get", KIND_GET },	     { "gets", KIND_GET },	{ "gat", KIND_GAT },
		{ "gats", KIND_GAT },	     { "delete", KIND_KEYED },	{ "incr", KIND_KEYED },
		{ "decr", KIND_KEYED },	     { "touch", KIND_KEYED },	{ "flush_all", KIND_PLAIN },
		{ "verbosity", KIND_PLAIN }, { "quit", KIND_QUIT },	{ "mg", KIND_META },
		{ "md", KIND_META },	     { "ma", KIND_META },	{ "me", KIND_META },
		{ "ms", KIND_META_SET },     { "mn", KIND_META_NOOP },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (token_is(word, table[i].name))
			return table[i].kind;
	return KIND_OTHER;
}

/* Meta flags from tokens[from..]: q (quiet), O<opaque>, k (the key back). */
static void meta_flags(struct memcached_message *mc, const struct token *tokens, size_t count,
		       size_t from)
{
	for (size_t i = from; i < count && i < MC_TOKENS; i++) {
		if (token_is(&tokens[i], "q"))
			mc->noreply = true;
		else if (tokens[i].n && tokens[i].p[0] == 'O')
			token_copy(mc->opaque_token, sizeof(mc->opaque_token), &tokens[i]);
	}
}

/* Keeps a text request's fields from its words. Returns the data block's
 * size that follows the line, or -1 for none; *alone: no reply comes. */
static int64_t request_fields(struct memcached_message *mc, const struct token *tokens,
			      size_t count, bool *alone)
{
	enum request_kind kind = count ? request_kind_of(&tokens[0]) : KIND_OTHER;
	bool last_noreply =
		count > 1 && count <= MC_TOKENS && token_is(&tokens[count - 1], "noreply");
	uint64_t value, bytes;

	*alone = false;
	mc->format = kind >= KIND_META ? MEMCACHED_META : MEMCACHED_TEXT;
	if (count)
		token_copy(mc->command, sizeof(mc->command), &tokens[0]);
	if (count > (kind == KIND_GAT ? 2u : 1u) && kind != KIND_PLAIN && kind != KIND_META_NOOP &&
	    kind != KIND_OTHER && kind != KIND_QUIT)
		token_copy(mc->key, sizeof(mc->key), &tokens[kind == KIND_GAT ? 2 : 1]);
	switch (kind) {
	case KIND_STORE:
	case KIND_CAS: {
		size_t need = kind == KIND_CAS ? 6 : 5;

		if (count != need && !(count == need + 1 && last_noreply))
			return -1; /* the server says CLIENT_ERROR; no block follows */
		if (!number_parse(&tokens[2], UINT32_MAX, &value) || !signed_parse(&tokens[3]) ||
		    !number_parse(&tokens[4], MC_BLOCK_MAX, &bytes) ||
		    (kind == KIND_CAS && !number_parse(&tokens[5], UINT64_MAX, &value)))
			return -1;
		mc->noreply = last_noreply;
		*alone = last_noreply;
		mc->value_bytes = bytes;
		return (int64_t)bytes;
	}
	case KIND_GET:
		mc->n_keys = count > 1 ? (uint32_t)(count - 1) : 0;
		return -1;
	case KIND_GAT:
		mc->n_keys = count > 2 ? (uint32_t)(count - 2) : 0;
		return -1;
	case KIND_KEYED:
	case KIND_PLAIN:
		mc->noreply = last_noreply;
		*alone = last_noreply;
		return -1;
	case KIND_QUIT:
		*alone = true;
		return -1;
	case KIND_META:
		meta_flags(mc, tokens, count, 2);
		return -1;
	case KIND_META_SET:
		meta_flags(mc, tokens, count, 2);
		if (count > 2 && number_parse(&tokens[2], MC_BLOCK_MAX, &bytes)) {
			mc->value_bytes = bytes;
			return (int64_t)bytes;
		}
		/* memcached 1.6.0-1.6.9 wrote the size as a flag, S<size>. */
		for (size_t i = 2; i < count && i < MC_TOKENS; i++) {
			struct token size = { tokens[i].p + 1, tokens[i].n - 1 };

			if (tokens[i].n > 1 && tokens[i].p[0] == 'S' &&
			    number_parse(&size, MC_BLOCK_MAX, &bytes)) {
				mc->value_bytes = bytes;
				return (int64_t)bytes;
			}
		}
		return -1;
	case KIND_META_NOOP:
	case KIND_OTHER:
		return -1;
	}
	return -1;
}

static bool is_get_word(const uint8_t *buf, size_t len)
{
	static const char *const words[] = { "get ", "gets ", "gat ", "gats " };

	for (size_t i = 0; i < 4; i++) {
		size_t n = strlen(words[i]);

		if (len >= n && !memcmp(buf, words[i], n))
			return true;
	}
	return false;
}

/* The words of a long get line in buf up to its last blank: consumed. */
static struct parse_result get_line_piece(const uint8_t *buf, size_t len,
					  struct memcached_message *mc)
{
	size_t cut = len;
	struct token tokens[3];
	size_t count;

	while (cut && buf[cut - 1] != ' ')
		cut--;
	if (!cut || !line_valid(buf, cut))
		return parse_result_make(PARSE_INVALID, 0, 0);
	count = tokens_split(buf, cut, tokens, 3);
	if (mc->stage != STAGE_GET_LINE) {
		mc->format = MEMCACHED_TEXT;
		line_keep(mc, buf, cut);
		mc->line_cut = true;
		token_copy(mc->command, sizeof(mc->command), &tokens[0]);
		if (count > 1) {
			bool gat = mc->command[1] == 'a';

			if (count > 2 || !gat)
				token_copy(mc->key, sizeof(mc->key), &tokens[gat ? 2 : 1]);
		}
		mc->stage = STAGE_GET_LINE;
	}
	mc->words += (uint32_t)count;
	return parse_result_make(PARSE_CONTINUE, cut, 0);
}

static struct parse_result block_start(struct memcached_message *mc, size_t consumed,
				       uint64_t bytes, bool then_lines)
{
	mc->stage = STAGE_BLOCK;
	mc->block_bytes = bytes;
	mc->block_then_lines = then_lines;
	return parse_result_make(PARSE_CONTINUE, consumed, 0);
}

static struct parse_result request_line(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
					struct memcached_message *mc)
{
	struct token tokens[MC_TOKENS];
	size_t n, count;
	long end = line_end(buf, len, ctx, &n);
	int64_t block;
	bool alone;

	if (end < 0) {
		if (len < MC_LINE_MAX)
			return parse_result_make(PARSE_NEED_MORE, 0, 0);
		if (mc->stage == STAGE_GET_LINE || is_get_word(buf, len))
			return get_line_piece(buf, len, mc);
		return parse_result_make(PARSE_INVALID, 0, 0);
	}
	if ((size_t)end >= MC_LINE_MAX && mc->stage != STAGE_GET_LINE && !is_get_word(buf, len))
		return parse_result_make(PARSE_INVALID, 0, 0);
	if (!line_valid(buf, n))
		return parse_result_make(PARSE_INVALID, 0, 0);
	count = tokens_split(buf, n, tokens, MC_TOKENS);
	if (mc->stage == STAGE_GET_LINE) {
		/* The end of a long get line. */
		bool gat = mc->command[1] == 'a';

		mc->words += (uint32_t)count;
		mc->n_keys = mc->words > (gat ? 2u : 1u) ? mc->words - (gat ? 2u : 1u) : 0;
		mc->stage = STAGE_START;
		return parse_result_make(PARSE_COMPLETE, (size_t)end + 1, 0);
	}
	line_keep(mc, buf, n);
	block = request_fields(mc, tokens, count, &alone);
	if (block >= 0)
		return block_start(mc, (size_t)end + 1, (uint64_t)block, false);
	{
		struct parse_result r = parse_result_make(PARSE_COMPLETE, (size_t)end + 1, 0);

		if (alone)
			r.role = ROLE_ALONE;
		return r;
	}
}

/* "user password": the block of the set that authenticates (memcached -Y). */
static bool auth_block(const uint8_t *p, size_t n)
{
	struct token tokens[3];

	return n && n <= MC_AUTH_MAX && line_valid(p, n) && tokens_split(p, n, tokens, 3) == 2 &&
	       p[0] != ' ' && p[n - 1] != ' ';
}

/* A data block: read whole when small, else consumed as far as buf goes
 * and skipped. Then the message ends, or (a VALUE) its next line comes. */
static struct parse_result block_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
				       struct memcached_message *mc, uint32_t *flags)
{
	uint64_t total = mc->block_bytes + 2;
	enum parse_state done = mc->block_then_lines ? PARSE_CONTINUE : PARSE_COMPLETE;
	size_t take;
	struct parse_result r;

	if (total <= MC_SMALL_BLOCK) {
		if (len < total)
			return parse_result_make(PARSE_NEED_MORE, 0, 0);
		if (buf[total - 2] != '\r' || buf[total - 1] != '\n')
			return parse_result_make(PARSE_INVALID, 0, 0);
		take = (size_t)total;
	} else {
		take = len < total ? len : (size_t)total;
	}
	if (mc->is_request) {
		if (!(*flags & MEMCACHED_FLAG_STORED) && !strcmp(mc->command, "set") &&
		    total <= MC_SMALL_BLOCK && auth_block(buf, (size_t)mc->block_bytes)) {
			parse_secret(ctx, 0, (size_t)mc->block_bytes);
			mc->credentials = true;
		}
		if (mc->format == MEMCACHED_TEXT)
			*flags |= MEMCACHED_FLAG_STORED;
	}
	mc->stage = mc->block_then_lines ? STAGE_LINES : STAGE_START;
	r = parse_result_make(done, take, total - take);
	if (done == PARSE_COMPLETE && mc->is_request && mc->noreply && mc->format == MEMCACHED_TEXT)
		r.role = ROLE_ALONE;
	return r;
}

/* --- text and meta replies --- */

static bool is_meta_code(const struct token *t)
{
	static const char *const codes[] = { "HD", "VA", "EN", "NF", "NS", "EX", "MN", "ME" };

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (token_is(t, codes[i]))
			return true;
	return false;
}

/* A reply's code word: upper-case letters and '_'. */
static bool is_code_word(const struct token *t)
{
	if (!t->n || t->n > 23)
		return false;
	for (size_t i = 0; i < t->n; i++)
		if (!((t->p[i] >= 'A' && t->p[i] <= 'Z') || t->p[i] == '_'))
			return false;
	return true;
}

/* The meta reply flags that tell which request it answers: O and k. */
static void meta_reply_flags(struct memcached_message *mc, const struct token *tokens, size_t count,
			     size_t from)
{
	for (size_t i = from; i < count && i < MC_TOKENS; i++) {
		const struct token rest = { tokens[i].p + 1, tokens[i].n ? tokens[i].n - 1 : 0 };

		if (!tokens[i].n)
			continue;
		if (tokens[i].p[0] == 'O')
			token_copy(mc->opaque_token, sizeof(mc->opaque_token), &tokens[i]);
		else if (tokens[i].p[0] == 'k')
			token_copy(mc->meta_key, sizeof(mc->meta_key), &rest);
	}
}

/* Codes a quiet meta request's reply may have, by its command. */
static bool meta_code_fits(const char *command, const char *code)
{
	bool error = !strcmp(code, "ERROR") || !strcmp(code, "CLIENT_ERROR") ||
		     !strcmp(code, "SERVER_ERROR");

	if (error)
		return true;
	if (!strcmp(command, "mg"))
		return !strcmp(code, "VA") || !strcmp(code, "HD") || !strcmp(code, "EN");
	if (!strcmp(command, "ms") || !strcmp(command, "md"))
		return !strcmp(code, "HD") || !strcmp(code, "NS") || !strcmp(code, "EX") ||
		       !strcmp(code, "NF");
	if (!strcmp(command, "ma"))
		return strcmp(code, "MN") && strcmp(code, "EN") && strcmp(code, "ME");
	return true;
}

/* The quiet meta request waiting got no reply: this one is another's. */
static bool meta_reply_is_others(const struct memcached_message *request,
				 const struct memcached_message *reply)
{
	if (!strcmp(reply->code, "MN"))
		return strcmp(request->command, "mn") != 0;
	if (!meta_code_fits(request->command, reply->code))
		return true;
	if (reply->opaque_token[0] && request->opaque_token[0] &&
	    strcmp(reply->opaque_token, request->opaque_token))
		return true;
	return reply->meta_key[0] && request->key[0] && strcmp(reply->meta_key, request->key);
}

static struct parse_result no_reply(struct memcached_message *mc, uint8_t format)
{
	memset(mc, 0, sizeof(*mc));
	mc->format = format;
	mc->no_reply = true;
	return parse_result_make(PARSE_COMPLETE, 0, 0);
}

static struct parse_result reply_line(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
				      struct memcached_message *mc)
{
	const struct memcached_message *request =
		ctx->request ? PROTOCOL_BODY_CONST(ctx->request, struct memcached_message) : NULL;
	struct token tokens[MC_TOKENS];
	size_t n, count, rest_at;
	long end = line_end(buf, len, ctx, &n);
	size_t consumed = (size_t)end + 1;
	bool first = mc->stage == STAGE_START;
	uint64_t value;

	if (end < 0)
		return parse_result_make(len >= MC_LINE_MAX ? PARSE_INVALID : PARSE_NEED_MORE, 0,
					 0);
	if ((size_t)end >= MC_LINE_MAX || !line_valid(buf, n))
		return parse_result_make(PARSE_INVALID, 0, 0);
	count = tokens_split(buf, n, tokens, MC_TOKENS);
	if (!count)
		return parse_result_make(PARSE_INVALID, 0, 0);
	if (first) {
		mc->format = is_meta_code(&tokens[0]) ? MEMCACHED_META : MEMCACHED_TEXT;
		line_keep(mc, buf, n);
	}
	if (token_is(&tokens[0], "VALUE") || (first && token_is(&tokens[0], "VA"))) {
		bool meta = tokens[0].n == 2;

		uint64_t flags_value;

		if ((meta && count < 2) || (!meta && count != 4 && count != 5) ||
		    !number_parse(&tokens[meta ? 1 : 3], MC_BLOCK_MAX, &value) ||
		    (!meta && !number_parse(&tokens[2], UINT32_MAX, &flags_value)))
			return parse_result_make(PARSE_INVALID, 0, 0);
		if (first) {
			token_copy(mc->code, sizeof(mc->code), &tokens[0]);
			if (meta)
				meta_reply_flags(mc, tokens, count, 2);
			if (meta && request && request->noreply &&
			    request->format == MEMCACHED_META && meta_reply_is_others(request, mc))
				return no_reply(mc, MEMCACHED_META);
		}
		mc->hits++;
		mc->value_bytes += value;
		return block_start(mc, consumed, value, !meta);
	}
	if (token_is(&tokens[0], "STAT") || token_is(&tokens[0], "ITEM")) {
		if (count < 2)
			return parse_result_make(PARSE_INVALID, 0, 0);
		if (first)
			token_copy(mc->code, sizeof(mc->code), &tokens[0]);
		mc->stats += tokens[0].p[0] == 'S';
		mc->stage = STAGE_LINES;
		return parse_result_make(PARSE_CONTINUE, consumed, 0);
	}
	mc->stage = STAGE_START;
	if (token_is(&tokens[0], "END") && request && request->is_request &&
	    request->format == MEMCACHED_TEXT && request->n_keys >= mc->hits &&
	    request->command[0] == 'g') {
		mc->misses_known = true;
		mc->misses = request->n_keys - mc->hits;
	}
	if (!first) {
		/* The end of a multi-line reply: END, or an error instead. */
		if (!token_is(&tokens[0], "END")) {
			rest_at = (size_t)(tokens[0].p + tokens[0].n - buf);
			while (rest_at < n && buf[rest_at] == ' ')
				rest_at++;
			text_copy(mc->message, sizeof(mc->message), buf + rest_at, n - rest_at);
		}
		return parse_result_make(PARSE_COMPLETE, consumed, 0);
	}
	if (count == 1 && number_parse(&tokens[0], UINT64_MAX, &value)) {
		text_copy(mc->code, sizeof(mc->code), (const uint8_t *)"number", 6);
		mc->has_number = true;
		mc->number = value;
		return parse_result_make(PARSE_COMPLETE, consumed, 0);
	}
	if (!is_code_word(&tokens[0]))
		return parse_result_make(PARSE_INVALID, 0, 0);
	token_copy(mc->code, sizeof(mc->code), &tokens[0]);
	rest_at = tokens[0].n;
	while (rest_at < n && buf[rest_at] == ' ')
		rest_at++;
	text_copy(mc->message, sizeof(mc->message), buf + rest_at, n - rest_at);
	if (mc->format == MEMCACHED_META)
		meta_reply_flags(mc, tokens, count, 1);
	if (request && request->noreply && request->format == MEMCACHED_META &&
	    meta_reply_is_others(request, mc))
		return no_reply(mc, MEMCACHED_META);
	return parse_result_make(PARSE_COMPLETE, consumed, 0);
}

/* --- binary --- */

static const char *const opcode_names[0x25] = {
	[0x00] = "GET",	       [0x01] = "SET",
	[0x02] = "ADD",	       [0x03] = "REPLACE",
	[0x04] = "DELETE",     [0x05] = "INCREMENT",
	[0x06] = "DECREMENT",  [0x07] = "QUIT",
	[0x08] = "FLUSH",      [0x09] = "GETQ",
	[0x0a] = "NOOP",       [0x0b] = "VERSION",
	[0x0c] = "GETK",       [0x0d] = "GETKQ",
	[0x0e] = "APPEND",     [0x0f] = "PREPEND",
	[0x10] = "STAT",       [0x11] = "SETQ",
	[0x12] = "ADDQ",       [0x13] = "REPLACEQ",
	[0x14] = "DELETEQ",    [0x15] = "INCREMENTQ",
	[0x16] = "DECREMENTQ", [0x17] = "QUITQ",
	[0x18] = "FLUSHQ",     [0x19] = "APPENDQ",
	[0x1a] = "PREPENDQ",   [0x1b] = "VERBOSITY",
	[0x1c] = "TOUCH",      [0x1d] = "GAT",
	[0x1e] = "GATQ",       [0x20] = "SASL_LIST_MECHS",
	[0x21] = "SASL_AUTH",  [0x22] = "SASL_STEP",
	[0x23] = "GATK",       [0x24] = "GATKQ",
};

const char *memcached_opcode_name(uint8_t opcode)
{
	return opcode < sizeof(opcode_names) / sizeof(opcode_names[0]) ? opcode_names[opcode]
								       : NULL;
}

const char *memcached_status_name(uint16_t status)
{
	switch (status) {
	case 0x00:
		return "NO_ERROR";
	case 0x01:
		return "KEY_ENOENT";
	case 0x02:
		return "KEY_EEXISTS";
	case 0x03:
		return "E2BIG";
	case 0x04:
		return "EINVAL";
	case 0x05:
		return "NOT_STORED";
	case 0x06:
		return "DELTA_BADVAL";
	case 0x07:
		return "NOT_MY_VBUCKET";
	case 0x08:
		return "AUTH_ERROR";
	case 0x09:
		return "AUTH_CONTINUE";
	case 0x20:
		return "AUTH_ERROR";
	case 0x21:
		return "AUTH_CONTINUE";
	case 0x81:
		return "UNKNOWN_COMMAND";
	case 0x82:
		return "ENOMEM";
	case 0x83:
		return "NOT_SUPPORTED";
	case 0x84:
		return "EINTERNAL";
	case 0x85:
		return "EBUSY";
	case 0x86:
		return "ETMPFAIL";
	default:
		return NULL;
	}
}

/* Opcodes the server answers only sometimes (a hit, a failure). */
static bool opcode_quiet(uint8_t opcode)
{
	return opcode == 0x09 || opcode == 0x0d || (opcode >= 0x11 && opcode <= 0x1a) ||
	       opcode == 0x1e || opcode == 0x24;
}

/* A header's framing: extras and key fit in the body, a sane size. */
struct bin_header {
	uint8_t magic, opcode, extras;
	uint16_t key_len, status;
	uint32_t body, opaque;
};

static bool bin_header_read(const uint8_t *buf, struct bin_header *h)
{
	h->magic = buf[0];
	h->opcode = buf[1];
	h->key_len = be16_load(buf + 2);
	h->extras = buf[4];
	h->status = be16_load(buf + 6);
	h->body = be32_load(buf + 8);
	h->opaque = be32_load(buf + 12);
	return buf[5] == 0 && (uint32_t)h->extras + h->key_len <= h->body &&
	       h->body <= MC_BIN_BODY_MAX;
}

static void bin_text(char *dst, size_t size, const uint8_t *p, size_t n)
{
	text_copy(dst, size, p, n);
	for (char *c = dst; *c; c++)
		if ((uint8_t)*c < 0x20 || *c == 0x7f)
			*c = '.';
}

static struct parse_result binary_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
					struct memcached_message *mc)
{
	const struct memcached_message *request =
		ctx->request ? PROTOCOL_BODY_CONST(ctx->request, struct memcached_message) : NULL;
	struct bin_header h;
	size_t head, want, take;
	uint32_t value_len;
	bool wants_text;
	struct parse_result r;

	if (len < MC_BIN_HEADER)
		return parse_result_make(PARSE_NEED_MORE, 0, 0);
	if (buf[0] != (ctx->from_client ? 0x80 : 0x81) || !bin_header_read(buf, &h))
		return parse_result_make(PARSE_INVALID, 0, 0);
	if (mc->stage == STAGE_BIN_STATS && h.opcode != 0x10)
		return parse_result_make(PARSE_INVALID, 0, 0);
	head = MC_BIN_HEADER + h.extras + h.key_len;
	value_len = h.body - h.extras - h.key_len;
	wants_text =
		!ctx->from_client && (h.status || h.opcode == 0x0b || h.opcode == 0x05 ||
				      h.opcode == 0x06 || h.opcode == 0x15 || h.opcode == 0x16);
	want = wants_text && value_len <= MC_BIN_TEXT ? head + value_len : head;
	if (want <= MC_BIN_WAIT && len < want)
		return parse_result_make(PARSE_NEED_MORE, 0, 0);
	if (mc->stage == STAGE_START && !ctx->from_client && request && request->noreply &&
	    request->format == MEMCACHED_BINARY &&
	    (h.opcode != request->opcode || h.opaque != request->opaque))
		return no_reply(mc, MEMCACHED_BINARY);
	if (mc->stage == STAGE_START) {
		const char *name = memcached_opcode_name(h.opcode);

		mc->format = MEMCACHED_BINARY;
		mc->opcode = h.opcode;
		mc->opaque = h.opaque;
		if (name)
			text_copy(mc->command, sizeof(mc->command), (const uint8_t *)name,
				  strlen(name));
		else
			snprintf(mc->command, sizeof(mc->command), "0x%02x", h.opcode);
		if (head <= len)
			bin_text(mc->key, sizeof(mc->key), buf + MC_BIN_HEADER + h.extras,
				 h.key_len);
		mc->value_bytes = value_len;
	}
	if (ctx->from_client) {
		mc->noreply = opcode_quiet(h.opcode);
		if ((h.opcode == 0x21 || h.opcode == 0x22) && value_len && head <= len) {
			parse_secret(ctx, head, value_len);
			mc->credentials = true;
		}
	} else {
		const char *status = memcached_status_name(h.status);

		mc->status = h.status;
		if (status)
			text_copy(mc->code, sizeof(mc->code), (const uint8_t *)status,
				  strlen(status));
		else
			snprintf(mc->code, sizeof(mc->code), "0x%04x", h.status);
		if (wants_text && head + value_len <= len && mc->stage == STAGE_START) {
			if ((h.opcode == 0x05 || h.opcode == 0x06 || h.opcode == 0x15 ||
			     h.opcode == 0x16) &&
			    !h.status && value_len == 8) {
				mc->has_number = true;
				mc->number = be64_load(buf + head);
			} else {
				bin_text(mc->message, sizeof(mc->message), buf + head, value_len);
			}
		}
	}
	take = len < MC_BIN_HEADER + (size_t)h.body ? len : MC_BIN_HEADER + (size_t)h.body;
	r = parse_result_make(PARSE_COMPLETE, take, MC_BIN_HEADER + (uint64_t)h.body - take);
	if (!ctx->from_client && h.opcode == 0x10 && h.key_len && !h.status) {
		/* One statistic; the reply ends at the one with no key. */
		mc->stats++;
		mc->value_bytes = 0;
		mc->stage = STAGE_BIN_STATS;
		r.state = PARSE_CONTINUE;
		return r;
	}
	if (mc->stage == STAGE_BIN_STATS)
		mc->value_bytes = 0;
	mc->stage = STAGE_START;
	return r;
}

/* --- the decoder --- */

struct parse_result memcached_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
				    struct message *msg)
{
	struct memcached_message *mc = PROTOCOL_BODY(msg, struct memcached_message);
	uint32_t no_flags = 0, *flags = ctx->conn_flags ? ctx->conn_flags : &no_flags;

	mc->is_request = ctx->from_client;
	if (!len)
		return parse_result_make(PARSE_NEED_MORE, 0, 0);
	switch (mc->stage) {
	case STAGE_BLOCK:
		return block_parse(buf, len, ctx, mc, flags);
	case STAGE_BIN_STATS:
		return binary_parse(buf, len, ctx, mc);
	case STAGE_LINES:
		return reply_line(buf, len, ctx, mc);
	case STAGE_GET_LINE:
		return request_line(buf, len, ctx, mc);
	default:
		break;
	}
	if (buf[0] == 0x80 || buf[0] == 0x81)
		return binary_parse(buf, len, ctx, mc);
	return ctx->from_client ? request_line(buf, len, ctx, mc) : reply_line(buf, len, ctx, mc);
}

/* --- detection --- */

/* Words a text request line has: the command's arguments, and which of
 * them are numbers. */
static bool request_shape(const struct token *tokens, size_t count)
{
	enum request_kind kind = request_kind_of(&tokens[0]);
	size_t args = count - 1;
	uint64_t v;

	switch (kind) {
	case KIND_STORE:
	case KIND_CAS: {
		size_t need = kind == KIND_CAS ? 5 : 4;

		return (args == need ||
			(args == need + 1 && token_is(&tokens[count - 1], "noreply"))) &&
		       number_parse(&tokens[2], UINT32_MAX, &v) && signed_parse(&tokens[3]) &&
		       number_parse(&tokens[4], MC_BLOCK_MAX, &v);
	}
	case KIND_GET:
		return args >= 1;
	case KIND_GAT:
		return args >= 2 && signed_parse(&tokens[1]);
	case KIND_KEYED:
		if (token_is(&tokens[0], "delete"))
			return args >= 1 && args <= 3;
		return (args == 2 || (args == 3 && token_is(&tokens[3], "noreply"))) &&
		       (token_is(&tokens[0], "touch") ? signed_parse(&tokens[2])
						      : number_parse(&tokens[2], UINT64_MAX, &v));
	case KIND_PLAIN:
		return token_is(&tokens[0], "flush_all") ? args <= 2 : args >= 1 && args <= 2;
	case KIND_QUIT:
	case KIND_META_NOOP:
		return args == 0;
	case KIND_META:
		return args >= 1;
	case KIND_META_SET:
		return args >= 2;
	case KIND_OTHER:
		return (token_is(&tokens[0], "stats") && args <= 3) ||
		       (token_is(&tokens[0], "version") && !args);
	}
	return false;
}

static bool text_detect(const uint8_t *buf, size_t len, bool from_client)
{
	struct token tokens[MC_TOKENS];
	const uint8_t *lf = memchr(buf, '\n', len);
	size_t n, count;

	if (!lf)
		return from_client && len >= 200 && is_get_word(buf, len) && line_valid(buf, len);
	n = (size_t)(lf - buf);
	if (n && buf[n - 1] == '\r')
		n--;
	if (!n || !line_valid(buf, n) || buf[0] == ' ')
		return false;
	count = tokens_split(buf, n, tokens, MC_TOKENS);
	if (count > MC_TOKENS)
		return from_client && is_get_word(buf, len);
	if (from_client)
		return request_shape(tokens, count);
	{
		static const char *const alone[] = { "END",	  "STORED",  "NOT_STORED", "EXISTS",
						     "NOT_FOUND", "DELETED", "TOUCHED",	   "OK",
						     "ERROR",	  "HD",	     "EN",	   "NF",
						     "NS",	  "EX",	     "MN" };
		uint64_t v;

		for (size_t i = 0; i < sizeof(alone) / sizeof(alone[0]); i++)
			if (token_is(&tokens[0], alone[i]))
				return count == 1 || tokens[0].n == 2; /* meta codes take flags */
		if (token_is(&tokens[0], "VALUE"))
			return (count == 4 || count == 5) &&
			       number_parse(&tokens[2], UINT32_MAX, &v) &&
			       number_parse(&tokens[3], MC_BLOCK_MAX, &v);
		if (token_is(&tokens[0], "VA"))
			return count >= 2 && number_parse(&tokens[1], MC_BLOCK_MAX, &v);
		if (token_is(&tokens[0], "STAT"))
			return count >= 3;
		if (token_is(&tokens[0], "VERSION"))
			return count == 2;
		return token_is(&tokens[0], "CLIENT_ERROR") ||
		       token_is(&tokens[0], "SERVER_ERROR") ||
		       (token_is(&tokens[0], "ME") && count >= 2);
	}
}

static bool binary_detect(const uint8_t *buf, size_t len, bool from_client)
{
	struct bin_header h;

	if (len < MC_BIN_HEADER || buf[0] != (from_client ? 0x80 : 0x81) ||
	    !bin_header_read(buf, &h) || !memcached_opcode_name(h.opcode))
		return false;
	if (from_client)
		return true;
	return memcached_status_name(h.status) != NULL;
}

bool memcached_detect(const uint8_t *buf, size_t len, bool from_client)
{
	if (!len)
		return false;
	if (buf[0] == 0x80 || buf[0] == 0x81)
		return binary_detect(buf, len, from_client);
	return text_detect(buf, len, from_client);
}
