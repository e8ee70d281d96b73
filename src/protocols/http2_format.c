/* HTTP/2 and gRPC in exchange lines and JSON, and the descriptor. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "protocols/http2.h"
#include "protocols/endpoint_fold.h"

#include "output/escape.h"
#include "output/json_writer.h"
#include "output/output.h"

static const struct http2_half *half_of(const struct message *msg)
{
	const struct http2_message *h;

	if (!msg)
		return NULL;
	h = PROTOCOL_BODY_CONST(msg, struct http2_message);
	return h->is_goaway ? NULL : &h->half;
}

static bool is_grpc(const struct http2_half *h)
{
	return h && h->grpc.seen;
}

/* A code by its name, or its number when it has none. */
static void code_put(struct strbuf *out, const char *name, const char *format, uint32_t code)
{
	if (name)
		strbuf_puts(out, name);
	else
		strbuf_printf(out, format, code);
}

static void error_put(struct strbuf *out, uint32_t code)
{
	code_put(out, http2_error_name(code), "0x%" PRIx32, code);
}

static void reset_put(struct strbuf *out, const struct http2_half *h)
{
	strbuf_puts(out, h->reset_by_client ? "reset by client " : "reset by server ");
	error_put(out, h->reset_code);
}

static void request_put(struct strbuf *out, const struct http2_half *h)
{
	if (h->upgrade) {
		strbuf_puts(out, "(the HTTP/1.1 upgrade request)");
		return;
	}
	if (!is_grpc(h) || strcmp(h->method, "POST")) {
		escape_cstr(out, h->method[0] ? h->method : "?");
		strbuf_putc(out, ' ');
	}
	escape_cstr(out, h->path[0] ? h->path : "?");
	if (h->pushed)
		strbuf_puts(out, " (pushed)");
}

static void response_put(struct strbuf *out, const struct http2_half *h)
{
	bool said = false;

	if (h->grpc.status_seen) {
		code_put(out, grpc_status_name(h->grpc.status), "status %" PRIu32, h->grpc.status);
		if (h->grpc.message[0]) {
			strbuf_puts(out, " \"");
			escape_cstr(out, h->grpc.message);
			strbuf_putc(out, '"');
		}
		said = true;
	} else if (h->status) {
		strbuf_printf(out, "%u", h->status);
		said = true;
	}
	if (h->reset) {
		if (said)
			strbuf_puts(out, ", ");
		reset_put(out, h);
		said = true;
	}
	if (!said)
		strbuf_puts(out, "?");
}

static void http2_human_put(struct strbuf *out, const struct message *msg, bool request,
			    const struct output_style *style)
{
	const struct http2_message *m = PROTOCOL_BODY_CONST(msg, struct http2_message);
	const struct http2_half *h = &m->half;

	(void)style; /* no credential is kept */
	if (m->is_goaway) {
		strbuf_puts(out, "GOAWAY ");
		error_put(out, m->goaway.error_code);
		strbuf_printf(out, " last stream %" PRIu32, m->goaway.last_stream_id);
		if (m->goaway.debug[0]) {
			strbuf_puts(out, " \"");
			escape_cstr(out, m->goaway.debug);
			strbuf_putc(out, '"');
		}
		return;
	}
	if (request)
		request_put(out, h);
	else
		response_put(out, h);
	if (request && h->reset)
		strbuf_puts(out, h->reset_by_client ? " (reset by client)" : " (reset by server)");
	if (h->open)
		strbuf_puts(out, " (not ended)");
	if (h->headers_unknown)
		strbuf_printf(out, " (%u headers unknown)", h->headers_unknown);
	if (h->headers_failed)
		strbuf_puts(out, " (headers not decoded)");
}

static void text_or_null(struct strbuf *out, const char *key, size_t key_len, const char *text)
{
	if (text[0]) {
		json_raw(out, key, key_len, text);
		return;
	}
	json_key(out, key, key_len);
	strbuf_puts(out, "null");
}

static void name_or_null(struct strbuf *out, const char *key, size_t key_len, const char *name)
{
	text_or_null(out, key, key_len, name ? name : "");
}

static void grpc_json_put(struct strbuf *out, const struct http2_half *h, bool request)
{
	const struct grpc_half *g = &h->grpc;

	json_key(out, KEY("grpc"));
	strbuf_putc(out, '{');
	strbuf_printf(out, "\"messages\":%" PRIu32, g->messages);
	json_u64(out, KEY("message_bytes"), g->message_bytes);
	json_bool(out, KEY("compressed"), g->compressed);
	if (g->count_lost)
		json_bool(out, KEY("count_lost"), true);
	if (request) {
		const char *slash = h->path[0] == '/' ? strchr(h->path + 1, '/') : NULL;

		if (slash) {
			json_string(out, KEY("service"), (const uint8_t *)h->path + 1,
				    (size_t)(slash - h->path - 1));
			json_raw(out, KEY("method"), slash + 1);
		}
	} else if (g->status_seen) {
		json_u64(out, KEY("status_code"), g->status);
		name_or_null(out, KEY("status"), grpc_status_name(g->status));
		text_or_null(out, KEY("message"), g->message);
	}
	strbuf_putc(out, '}');
}

static void http2_json_put(struct strbuf *out, const struct message *msg,
			   const struct output_style *style)
{
	const struct http2_message *m = PROTOCOL_BODY_CONST(msg, struct http2_message);
	const struct http2_half *h = &m->half;

	(void)style; /* no credential is kept */
	if (m->is_goaway) {
		json_key(out, KEY("goaway"));
		strbuf_printf(out, "{\"last_stream\":%" PRIu32, m->goaway.last_stream_id);
		json_u64(out, KEY("error_code"), m->goaway.error_code);
		name_or_null(out, KEY("error"), http2_error_name(m->goaway.error_code));
		text_or_null(out, KEY("debug"), m->goaway.debug);
		strbuf_putc(out, '}');
		return;
	}
	json_u64(out, KEY("stream"), h->stream_id);
	if (h->method[0] || h->path[0] || h->pushed || h->upgrade) {
		text_or_null(out, KEY("method"), h->method);
		text_or_null(out, KEY("scheme"), h->scheme);
		text_or_null(out, KEY("authority"), h->authority);
		text_or_null(out, KEY("path"), h->path);
	}
	if (h->status)
		json_u64(out, KEY("status"), h->status);
	text_or_null(out, KEY("content_type"), h->content_type);
	json_u64(out, KEY("frames"), h->frames);
	json_u64(out, KEY("data_bytes"), h->data_bytes);
	if (h->pushed)
		json_bool(out, KEY("pushed"), true);
	if (h->upgrade)
		json_bool(out, KEY("upgrade"), true);
	if (h->trailers)
		json_bool(out, KEY("trailers"), true);
	if (h->open)
		json_bool(out, KEY("ended"), false);
	if (h->reset) {
		json_key(out, KEY("reset"));
		strbuf_printf(out, "{\"by\":\"%s\"", h->reset_by_client ? "client" : "server");
		json_u64(out, KEY("error_code"), h->reset_code);
		name_or_null(out, KEY("error"), http2_error_name(h->reset_code));
		strbuf_putc(out, '}');
	}
	if (h->headers_unknown)
		json_u64(out, KEY("headers_unknown"), h->headers_unknown);
	if (h->headers_failed)
		json_bool(out, KEY("headers_failed"), true);
	if (is_grpc(h))
		grpc_json_put(out, h, h->method[0] || h->path[0]);
}

/* "3 msg", "3 msg+" (a floor), "1 msg compressed", "?" for a side not seen. */
static void grpc_count_put(struct strbuf *out, const struct http2_half *h)
{
	if (!h) {
		strbuf_putc(out, '?');
		return;
	}
	strbuf_printf(out, "%" PRIu32 " msg%s%s", h->grpc.messages, h->grpc.count_lost ? "+" : "",
		      h->grpc.compressed ? " compressed" : "");
}

static const char *http2_exchange_label(const struct message *request,
					const struct message *response)
{
	return is_grpc(half_of(request)) || is_grpc(half_of(response)) ? "grpc" : NULL;
}

static void http2_exchange_tail(struct strbuf *out, const struct message *request,
				const struct message *response)
{
	const struct http2_half *req = half_of(request), *resp = half_of(response);
	const struct http2_half *any = req ? req : resp;

	if (!any)
		return;
	if (is_grpc(req) || is_grpc(resp)) {
		strbuf_puts(out, "  ");
		grpc_count_put(out, req);
		strbuf_puts(out, " / ");
		grpc_count_put(out, resp);
	}
	strbuf_printf(out, "  stream %" PRIu32, any->stream_id);
}

/* gRPC: its method's path; else the method and the path, ids folded and
 * the query left out, as for HTTP/1.1. */
static void http2_endpoint_put(struct strbuf *out, const struct message *request)
{
	const struct http2_half *req = half_of(request);

	if (!req)
		return;
	if (!is_grpc(req)) {
		strbuf_puts(out, req->method);
		strbuf_putc(out, ' ');
	}
	endpoint_fold_segments(out, req->path, strcspn(req->path, "?#"), '/');
	endpoint_mark_cut(out);
}

/* gRPC by its status's name; else by the HTTP status class. A stream
 * reset before its response is a failure either way. */
static enum outcome http2_outcome_of(const struct message *request,
				     const struct message *response, char *status)
{
	const struct http2_half *resp = half_of(response);
	const char *name;

	if (!resp || (resp->reset && !resp->status)) {
		strcpy(status, "reset");
		return OUTCOME_ERROR;
	}
	if (is_grpc(half_of(request)) || is_grpc(resp)) {
		if (!resp->grpc.status_seen) {
			strcpy(status, "no grpc-status");
			return OUTCOME_ERROR;
		}
		name = grpc_status_name(resp->grpc.status);
		if (name)
			snprintf(status, STATUS_CLASS_MAX, "%s", name);
		else
			strcpy(status, "other");
		return resp->grpc.status ? OUTCOME_ERROR : OUTCOME_OK;
	}
	return endpoint_http_outcome(resp->status, status);
}

const struct protocol http2_protocol = {
	.name = "http2",
	.pairing = PAIR_BY_ID,
	.body_size = sizeof(struct http2_message),
	.conn_state_size = sizeof(struct http2_conn),
	.detect = http2_detect,
	.parse = http2_parse,
	.skipped = http2_skipped,
	.conn_state_free = http2_conn_state_free,
	.secrets_scan = http2_secrets_scan,
	.multiplexed = true,
	.upgrade_token = "h2c",
	.alias = "grpc",
	.pair_id = http2_pair_id,
	.human_put = http2_human_put,
	.json_put = http2_json_put,
	.exchange_label = http2_exchange_label,
	.exchange_tail = http2_exchange_tail,
	.summary_put = http2_summary_put,
	.endpoint_put = http2_endpoint_put,
	.outcome_of = http2_outcome_of,
};
