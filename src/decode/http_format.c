/* HTTP/1.x in exchange lines and JSON, and its descriptor. */
#include "decode/http.h"

#include "output/escape.h"
#include "output/json_writer.h"
#include "output/output.h"

static void http_human_put(struct strbuf *out, const struct message *msg, bool request,
			   const struct output_style *style)
{
	const struct http_message *http = PROTOCOL_BODY_CONST(msg, struct http_message);

	(void)style;
	if (request) {
		escape_cstr(out, http->method);
		strbuf_putc(out, ' ');
		escape_cstr(out, http->target);
	} else {
		strbuf_printf(out, "%d ", http->status);
		escape_cstr(out, http->reason);
	}
}

static void http_json_put(struct strbuf *out, const struct message *msg,
			  const struct output_style *style)
{
	const struct http_message *http = PROTOCOL_BODY_CONST(msg, struct http_message);

	(void)style;
	if (http->is_request) {
		json_raw(out, KEY("method"), http->method);
		json_raw(out, KEY("target"), http->target);
		json_raw(out, KEY("host"), http->host);
	} else {
		json_int(out, KEY("status"), http->status);
		json_raw(out, KEY("reason"), http->reason);
	}
	json_raw(out, KEY("version"), http->version);
	json_int(out, KEY("content_length"), http->content_length);
	json_bool(out, KEY("chunked"), http->chunked);
	json_bool(out, KEY("keep_alive"), http->keep_alive);
	json_string(out, KEY("body"), http->body, http->body_len);
}

const struct protocol http_protocol = {
	.name = "http",
	.port_hint = 80,
	.pairing = PAIR_IN_ORDER,
	.body_size = sizeof(struct http_message),
	.detect = http_detect,
	.parse = http_parse,
	.skipped = http_skipped,
	.human_put = http_human_put,
	.json_put = http_json_put,
};
