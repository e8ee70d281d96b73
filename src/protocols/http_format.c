/* HTTP/1.x in exchange lines and JSON, and its descriptor. */
#include "protocols/http.h"

#include <stddef.h>
#include <string.h>

#include "protocols/endpoint_fold.h"
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

/* "headers": [[name, value], ...] in arrival order (a name may repeat, so
 * not an object), credentials masked; "headers_omitted": the header lines
 * not kept (past the first HTTP_HEADERS_KEPT, or past the text room). */
static void headers_put(struct strbuf *out, const struct http_message *http,
			const struct output_style *style)
{
	json_key(out, KEY("headers"));
	strbuf_putc(out, '[');
	for (uint32_t i = 0; i < http->header_count && i < HTTP_HEADERS_KEPT; i++) {
		const struct http_header *hdr = &http->headers[i];

		if (i)
			strbuf_putc(out, ',');
		strbuf_puts(out, "[\"");
		escape_json(out, (const uint8_t *)http_header_name(http, i), hdr->name_len);
		strbuf_puts(out, "\",\"");
		if ((hdr->flags & HTTP_HEADER_SECRET) && !style->show_secrets)
			strbuf_puts(out, OUTPUT_MASK);
		else
			escape_json(out, (const uint8_t *)http_header_value(http, i), hdr->value_len);
		strbuf_puts(out, "\"]");
	}
	strbuf_putc(out, ']');
	json_u64(out, KEY("headers_omitted"), http->headers_omitted);
}

static void http_json_put(struct strbuf *out, const struct message *msg,
			  const struct output_style *style)
{
	const struct http_message *http = PROTOCOL_BODY_CONST(msg, struct http_message);

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
	headers_put(out, http, style);
}

/* "GET /users/{id}": the method and the target's path, its ids folded;
 * the query string left out, and an absolute target ("http://h/p") cut
 * to its path, as it names the same resource. */
static void http_endpoint_put(struct strbuf *out, const struct message *request)
{
	const struct http_message *http = PROTOCOL_BODY_CONST(request, struct http_message);
	const char *path = http->target;

	strbuf_puts(out, http->method);
	strbuf_putc(out, ' ');
	if (strstr(path, "://")) {
		const char *slash = strchr(strstr(path, "://") + 3, '/');

		path = slash ? slash : "/";
	}
	endpoint_fold_segments(out, path, strcspn(path, "?#"), '/');
	endpoint_mark_cut(out);
}

static enum outcome http_outcome_of(const struct message *request,
				    const struct message *response, char *status)
{
	(void)request;
	return endpoint_http_outcome(
		(unsigned)PROTOCOL_BODY_CONST(response, struct http_message)->status, status);
}

static size_t http_body_used(const struct message *msg)
{
	const struct http_message *http = PROTOCOL_BODY_CONST(msg, struct http_message);

	return offsetof(struct http_message, header_text) + http->header_text_len;
}

const struct protocol http_protocol = {
	.name = "http",
	.port_hint = 80,
	.pairing = PAIR_IN_ORDER,
	.body_size = sizeof(struct http_message),
	.body_used = http_body_used,
	.detect = http_detect,
	.parse = http_parse,
	.skipped = http_skipped,
	.secrets_scan = http_secrets_scan,
	.human_put = http_human_put,
	.json_put = http_json_put,
	.endpoint_put = http_endpoint_put,
	.outcome_of = http_outcome_of,
};
