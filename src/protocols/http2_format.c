/* The h2c preface in exchange lines and JSON, and its descriptor. */
#include "protocols/http2.h"

#include "output/json_writer.h"
#include "output/output.h"

static void http2_human_put(struct strbuf *out, const struct message *msg, bool request,
			    const struct output_style *style)
{
	(void)msg;
	(void)request;
	(void)style;
	strbuf_puts(out, "HTTP/2 cleartext connection preface");
}

static void http2_json_put(struct strbuf *out, const struct message *msg,
			   const struct output_style *style)
{
	(void)msg;
	(void)style;
	json_bool(out, KEY("preface"), true);
}

const struct protocol http2_protocol = {
	.name = "http2",
	.pairing = PAIR_NONE,
	.body_size = 0,
	.detect = http2_detect,
	.parse = http2_parse,
	.human_put = http2_human_put,
	.json_put = http2_json_put,
};
