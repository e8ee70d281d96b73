/*
 * Redis in exchange lines and JSON, and its descriptor.
 *
 * Human: a request is its command and first arguments, "RPUSH k a b c
 * (+7997 args)"; a reply is its value ("OK", "integer 8000", "bulk \"v\"",
 * "array of 3 [\"a\", 1, nil]"), a push its kind, channel and payload
 * ("push message chan1 \"hello1\""), the confirmations of a SUBSCRIBE
 * "subscribe confirmed 3, 3 subscriptions". Credentials show as OUTPUT_MASK
 * unless --show-secrets.
 */
#include "protocols/redis.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "output/escape.h"
#include "output/json_writer.h"
#include "output/output.h"

static bool arg_masked(const struct redis_message *redis, uint32_t i,
		       const struct output_style *style)
{
	return (redis->secret_args & (1u << i)) && !(style && style->show_secrets);
}

static const char *aggregate_name(uint8_t type)
{
	switch (type) {
	case '~':
		return "set";
	case '%':
		return "map";
	case '>':
		return "push";
	default:
		return "array";
	}
}

static bool is_aggregate(uint8_t type)
{
	return type == '*' || type == '~' || type == '%' || type == '>';
}

/* One element of an aggregate, by its type: "text", 12, nil, array of 3. */
static void element_put(struct strbuf *out, uint8_t type, const char *text)
{
	switch (type) {
	case '$':
	case '=':
		strbuf_putc(out, '"');
		escape_cstr(out, text);
		strbuf_putc(out, '"');
		return;
	case '-':
	case '!':
		strbuf_puts(out, "error \"");
		escape_cstr(out, text);
		strbuf_putc(out, '"');
		return;
	case '_':
		strbuf_puts(out, "nil");
		return;
	default:
		if (is_aggregate(type)) {
			strbuf_puts(out, aggregate_name(type));
			strbuf_puts(out, " of ");
		}
		escape_cstr(out, text);
		return;
	}
}

/* Elements from..n_shown, then ", ..." when there are more. */
static void elements_put(struct strbuf *out, const struct redis_message *redis, unsigned from,
			 bool brackets)
{
	if (from >= redis->n_shown && redis->n_elements <= from)
		return;
	strbuf_puts(out, brackets ? " [" : " ");
	for (unsigned i = from; i < redis->n_shown; i++) {
		if (i > from)
			strbuf_puts(out, brackets ? ", " : " ");
		element_put(out, redis->element_type[i], redis->elements[i]);
	}
	if (redis->n_elements > redis->n_shown)
		strbuf_puts(out, redis->n_shown > from ? ", ..." : "...");
	if (brackets)
		strbuf_putc(out, ']');
}

static bool element_is(const struct redis_message *redis, unsigned i, const char *word)
{
	const char *text = redis->elements[i];

	if (i >= redis->n_shown || (redis->element_type[i] != '$' && redis->element_type[i] != '+'))
		return false;
	for (; *word; word++, text++)
		if ((*text & ~0x20) != *word)
			return false;
	return !*text;
}

/* A push's channel, pattern and payload, by its kind; NULL: none. */
struct push_fields {
	const char *channel, *pattern, *payload;
};

static struct push_fields push_fields_of(const struct redis_message *redis)
{
	struct push_fields fields = { NULL, NULL, NULL };

	if ((element_is(redis, 0, "MESSAGE") || element_is(redis, 0, "SMESSAGE")) &&
	    redis->n_shown >= 3) {
		fields.channel = redis->elements[1];
		fields.payload = redis->element_type[2] == '_' ? NULL : redis->elements[2];
	} else if (element_is(redis, 0, "PMESSAGE") && redis->n_shown >= 4) {
		fields.pattern = redis->elements[1];
		fields.channel = redis->elements[2];
		fields.payload = redis->element_type[3] == '_' ? NULL : redis->elements[3];
	} else if (redis->n_shown >= 2 && redis->element_type[1] != '_' &&
		   !is_aggregate(redis->element_type[1])) {
		fields.channel = redis->elements[1]; /* subscribe, unsubscribe, ... */
	}
	return fields;
}

static bool has_kind(const struct redis_message *redis)
{
	return redis->n_shown && (redis->element_type[0] == '$' || redis->element_type[0] == '+');
}

static void push_human_put(struct strbuf *out, const struct redis_message *redis)
{
	struct push_fields fields = push_fields_of(redis);

	strbuf_puts(out, "push");
	if (!has_kind(redis)) {
		strbuf_printf(out, " of %" PRIu64, redis->n_elements);
		elements_put(out, redis, 0, true);
		return;
	}
	strbuf_putc(out, ' ');
	escape_cstr(out, redis->elements[0]);
	if (fields.payload) {
		if (fields.pattern) {
			strbuf_putc(out, ' ');
			escape_cstr(out, fields.pattern);
		}
		strbuf_putc(out, ' ');
		escape_cstr(out, fields.channel);
		strbuf_puts(out, " \"");
		escape_cstr(out, fields.payload);
		strbuf_putc(out, '"');
		return;
	}
	elements_put(out, redis, 1, false);
}

static void reply_human_put(struct strbuf *out, const struct redis_message *redis)
{
	bool cut = strlen(redis->reply) != redis->value_len;

	switch (redis->type) {
	case '+':
		if (!redis->reply[0])
			strbuf_puts(out, "status \"\"");
		escape_cstr(out, redis->reply);
		return;
	case '-':
	case '!':
	case '$':
	case '=':
		strbuf_puts(out, redis->reply_type);
		if (redis->type != '-' && cut)
			strbuf_printf(out, " %" PRIu64 "B", redis->value_len);
		strbuf_puts(out, " \"");
		escape_cstr(out, redis->reply);
		strbuf_putc(out, '"');
		return;
	case '_':
		strbuf_puts(out, "null");
		return;
	case '*':
	case '~':
	case '%':
	case '>':
		strbuf_printf(out, "%s of %" PRIu64, aggregate_name(redis->type),
			      redis->n_elements);
		elements_put(out, redis, 0, true);
		return;
	case 0: /* not read: a partial message's start was lost */
		strbuf_puts(out, "reply");
		return;
	default: /* integer, double, bignum, boolean */
		strbuf_puts(out, redis->reply_type);
		strbuf_putc(out, ' ');
		escape_cstr(out, redis->reply);
		return;
	}
}

static void redis_human_put(struct strbuf *out, const struct message *msg, bool request,
			    const struct output_style *style)
{
	const struct redis_message *redis = PROTOCOL_BODY_CONST(msg, struct redis_message);

	if (request) {
		if (!redis->command[0]) { /* a partial request of which nothing was read */
			strbuf_puts(out, "request");
			return;
		}
		escape_cstr(out, redis->command);
		for (uint32_t i = 0; i < redis->n_args && i < DECODER_MAX_ARGS; i++) {
			strbuf_putc(out, ' ');
			if (arg_masked(redis, i, style))
				strbuf_puts(out, OUTPUT_MASK);
			else
				escape_cstr(out, redis->args[i]);
		}
		if (redis->n_args > DECODER_MAX_ARGS)
			strbuf_printf(out, " (+%" PRIu32 " args)", redis->n_args - DECODER_MAX_ARGS);
		return;
	}
	switch (redis->kind) {
	case REDIS_REPLY_PUSH:
		push_human_put(out, redis);
		return;
	case REDIS_REPLY_CONFIRMATION:
		escape_cstr(out, redis->elements[0]);
		strbuf_printf(out, " confirmed %" PRIu32 ", %" PRId64 " subscription%s",
			      redis->confirmations, redis->subscriptions,
			      redis->subscriptions == 1 ? "" : "s");
		return;
	default:
		reply_human_put(out, redis);
		return;
	}
}

static void json_text_or_null(struct strbuf *out, const char *key, size_t key_len,
			      const char *value)
{
	if (value) {
		json_raw(out, key, key_len, value);
		return;
	}
	json_key(out, key, key_len);
	strbuf_puts(out, "null");
}

static void redis_json_put(struct strbuf *out, const struct message *msg,
			   const struct output_style *style)
{
	const struct redis_message *redis = PROTOCOL_BODY_CONST(msg, struct redis_message);

	if (redis->is_request) {
		json_raw(out, KEY("command"), redis->command);
		json_key(out, KEY("args"));
		strbuf_putc(out, '[');
		for (uint32_t i = 0; i < redis->n_args && i < DECODER_MAX_ARGS; i++)
			json_array_string(out, i, arg_masked(redis, i, style) ? OUTPUT_MASK :
										redis->args[i]);
		strbuf_putc(out, ']');
		json_u64(out, KEY("n_args"), redis->n_args);
		return;
	}
	json_raw(out, KEY("reply_type"), redis->reply_type);
	json_raw(out, KEY("reply"), redis->reply);
	json_u64(out, KEY("n_elements"), redis->n_elements);
	json_key(out, KEY("elements"));
	strbuf_putc(out, '[');
	for (unsigned i = 0; i < redis->n_shown; i++) {
		uint8_t type = redis->element_type[i];
		char text[TEXT_SHORT + 16];

		if (type == '_') {
			strbuf_puts(out, i ? ",null" : "null");
			continue;
		}
		if (is_aggregate(type))
			snprintf(text, sizeof(text), "%s of %s", aggregate_name(type),
				 redis->elements[i]);
		else
			snprintf(text, sizeof(text), "%s", redis->elements[i]);
		json_array_string(out, i, text);
	}
	strbuf_putc(out, ']');
	if (redis->kind == REDIS_REPLY_PUSH) {
		struct push_fields fields = push_fields_of(redis);

		json_text_or_null(out, KEY("kind"), has_kind(redis) ? redis->elements[0] : NULL);
		json_text_or_null(out, KEY("channel"), fields.channel);
		json_text_or_null(out, KEY("pattern"), fields.pattern);
		json_text_or_null(out, KEY("payload"), fields.payload);
	} else if (redis->kind == REDIS_REPLY_CONFIRMATION) {
		json_raw(out, KEY("kind"), redis->elements[0]);
		json_u64(out, KEY("confirmations"), redis->confirmations);
		json_int(out, KEY("subscriptions"), redis->subscriptions);
	}
}

/* The command's name: keys and values are the data, not the endpoint. */
static void redis_endpoint_put(struct strbuf *out, const struct message *request)
{
	strbuf_puts(out, PROTOCOL_BODY_CONST(request, struct redis_message)->command);
}

/* An error reply (simple or blob) failed; any other answered. */
static enum outcome redis_outcome_of(const struct message *request,
				     const struct message *response, char *status)
{
	uint8_t type = PROTOCOL_BODY_CONST(response, struct redis_message)->type;

	(void)request;
	if (type == '-' || type == '!') {
		strcpy(status, "error");
		return OUTCOME_ERROR;
	}
	strcpy(status, "ok");
	return OUTCOME_OK;
}

const struct protocol redis_protocol = {
	.name = "redis",
	.port_hint = 6379,
	.pairing = PAIR_IN_ORDER,
	.body_size = sizeof(struct redis_message),
	.detect = redis_detect,
	.parse = redis_parse,
	.skipped = redis_skipped,
	.human_put = redis_human_put,
	.json_put = redis_json_put,
	.endpoint_put = redis_endpoint_put,
	.outcome_of = redis_outcome_of,
};
