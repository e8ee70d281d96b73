/* Redis in exchange lines and JSON, and its descriptor. */
#include "decode/redis.h"

#include <inttypes.h>

#include "output/escape.h"
#include "output/json_writer.h"
#include "output/output.h"

static void redis_human_put(struct strbuf *out, const struct message *msg, bool request,
			    const struct output_style *style)
{
	const struct redis_message *redis = PROTOCOL_BODY_CONST(msg, struct redis_message);

	(void)style;
	if (request) {
		escape_cstr(out, redis->command);
		for (uint32_t i = 0; i < redis->n_args && i < DECODER_MAX_ARGS; i++) {
			strbuf_putc(out, ' ');
			escape_cstr(out, redis->args[i]);
		}
		if (redis->n_args > DECODER_MAX_ARGS)
			strbuf_printf(out, " (+%" PRIu32 " args)", redis->n_args - DECODER_MAX_ARGS);
		return;
	}
	escape_cstr(out, redis->reply_type);
	if (redis->reply[0]) {
		strbuf_puts(out, " \"");
		escape_cstr(out, redis->reply);
		strbuf_putc(out, '"');
	}
}

static void redis_json_put(struct strbuf *out, const struct message *msg,
			   const struct output_style *style)
{
	const struct redis_message *redis = PROTOCOL_BODY_CONST(msg, struct redis_message);

	(void)style;
	if (redis->is_request) {
		json_raw(out, KEY("command"), redis->command);
		json_key(out, KEY("args"));
		strbuf_putc(out, '[');
		for (uint32_t i = 0; i < redis->n_args && i < DECODER_MAX_ARGS; i++)
			json_array_string(out, i, redis->args[i]);
		strbuf_putc(out, ']');
		json_u64(out, KEY("n_args"), redis->n_args);
	} else {
		json_raw(out, KEY("reply_type"), redis->reply_type);
		json_raw(out, KEY("reply"), redis->reply);
	}
}

const struct protocol redis_protocol = {
	.name = "redis",
	.port_hint = 6379,
	.pairing = PAIR_IN_ORDER,
	.body_size = sizeof(struct redis_message),
	.detect = redis_detect,
	.parse = redis_parse,
	.human_put = redis_human_put,
	.json_put = redis_json_put,
};
