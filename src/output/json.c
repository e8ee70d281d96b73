#include <inttypes.h>
#include <string.h>

#include "output/escape.h"
#include "output/output.h"

/* Keys are literals: KEY("pid") passes ",\"pid\":" and its length, both made
 * at compile time. */
#define KEY(name) ",\"" name "\":", sizeof(name) + 3

static void json_key(struct strbuf *out, const char *key, size_t key_len)
{
	strbuf_append(out, key, key_len);
}

static void json_string(struct strbuf *out, const char *key, size_t key_len, const uint8_t *value, size_t len)
{
	json_key(out, key, key_len);
	strbuf_putc(out, '"');
	escape_json(out, value, len);
	strbuf_putc(out, '"');
}

/* Text we made (names, numbers, addresses already escaped for display):
 * only the quote and the backslash need JSON escaping. */
static void json_text(struct strbuf *out, const char *key, size_t key_len, const char *value)
{
	json_key(out, key, key_len);
	strbuf_putc(out, '"');
	while (*value) {
		size_t run = strcspn(value, "\"\\");
		strbuf_append(out, value, run);
		value += run;
		if (!*value)
			break;
		strbuf_putc(out, '\\');
		strbuf_putc(out, *value++);
	}
	strbuf_putc(out, '"');
}

/* A name from one of our own tables or formatters (never a quote or a
 * backslash in it): appended without the scan json_text makes. */
static void json_name(struct strbuf *out, const char *key, size_t key_len, const char *name)
{
	json_key(out, key, key_len);
	strbuf_putc(out, '"');
	strbuf_puts(out, name);
	strbuf_putc(out, '"');
}

static void json_u64(struct strbuf *out, const char *key, size_t key_len, uint64_t value)
{
	json_key(out, key, key_len);
	strbuf_put_u64(out, value);
}

static void json_bool(struct strbuf *out, const char *key, size_t key_len, bool value)
{
	json_key(out, key, key_len);
	strbuf_puts(out, value ? "true" : "false");
}

/* The keys every event has: "{" up to "adopted". */
static void identity_put(struct strbuf *out, const struct event *ev, const char *event_name)
{
	char time[40];

	format_time_rfc3339(ev->wall_ns, time, sizeof(time));
	strbuf_puts(out, "{\"event\":\"");
	strbuf_puts(out, event_name);
	strbuf_putc(out, '"');
	json_name(out, KEY("time"), time);
	json_u64(out, KEY("ts_ns"), ev->ts_ns);
	json_u64(out, KEY("pid"), ev->pid);
	json_u64(out, KEY("tid"), ev->tid);
	json_string(out, KEY("comm"), ev->comm, strnlen((const char *)ev->comm, ST_COMM_LEN));
	json_key(out, KEY("fd"));
	strbuf_put_i64(out, ev->fd);
	json_name(out, KEY("family"), format_family(ev->family));
	json_name(out, KEY("transport"), format_transport(ev->family, ev->sock_type));
	json_name(out, KEY("role"), output_role(ev->sock_flags));
	json_text(out, KEY("remote"), ev->remote);
	json_bool(out, KEY("preexisting"), ev->sock_flags & ST_SOCK_PREEXISTING);
	json_bool(out, KEY("adopted"), ev->sock_flags & ST_SOCK_ADOPTED);
	if (ev->conn_id)
		json_u64(out, KEY("conn"), ev->conn_id);
}

void json_event_format(struct strbuf *out, const struct event *ev,
		       const struct output_style *style)
{
	char scratch[24];

	identity_put(out, ev, event_kind_names[ev->kind]);
	if (ev->kind != ST_EV_DATA) {
		json_key(out, KEY("result"));
		strbuf_put_i64(out, ev->result);
		if (ev->result < 0)
			json_name(out, KEY("error"), format_errno_name(ev->result, scratch, sizeof(scratch)));
	}
	if (ev->kind == ST_EV_CONNECTED)
		json_u64(out, KEY("duration_ns"), ev->duration_ns);
	if (ev->kind == ST_EV_CLOSE || ev->kind == ST_EV_RELEASE) {
		if (ev->kind == ST_EV_CLOSE)
			json_u64(out, KEY("duration_ns"), ev->duration_ns);
		json_u64(out, KEY("bytes_sent"), ev->bytes_sent);
		json_u64(out, KEY("bytes_recv"), ev->bytes_recv);
		json_bool(out, KEY("process_exited"), ev->process_exited);
		json_bool(out, KEY("fd_replaced"), ev->sock_flags & ST_SOCK_REPLACED);
		if (ev->kind == ST_EV_CLOSE && ev->users > 1)
			json_u64(out, KEY("users"), ev->users);
		if (ev->protocol)
			json_name(out, KEY("protocol"), protocol_names[ev->protocol]);
	}
	if (ev->kind == ST_EV_DATA) {
		json_name(out, KEY("direction"), event_direction_names[ev->direction]);
		json_name(out, KEY("syscall"), event_syscall_names[ev->syscall]);
		json_u64(out, KEY("bytes"), ev->bytes);
		json_u64(out, KEY("delivered"), ev->bytes - ev->undelivered);
		json_u64(out, KEY("captured"), ev->captured);
		json_bool(out, KEY("truncated"), ev->captured < ev->bytes);
		if (ev->capture_cut)
			json_name(out, KEY("capture_cut"), event_capture_cut_names[ev->capture_cut]);
		json_u64(out, KEY("pos"), ev->pos);
		json_u64(out, KEY("gap_bytes"), ev->gap_bytes);
		if (ev->gap_bytes)
			json_u64(out, KEY("gap_pos"), ev->gap_pos);
		if (ev->protocol)
			json_name(out, KEY("protocol"), protocol_names[ev->protocol]);
		json_bool(out, KEY("encrypted"), ev->encrypted);
		json_string(out, KEY("data"), ev->data, ev->captured);
		if (style->json_b64) {
			json_key(out, KEY("data_b64"));
			strbuf_putc(out, '"');
			escape_base64(out, ev->data, ev->captured);
			strbuf_putc(out, '"');
		}
	}
	strbuf_puts(out, "}\n");
}

/* Raw decoder text as a JSON string value. */
static void json_raw(struct strbuf *out, const char *key, size_t key_len, const char *value)
{
	json_string(out, key, key_len, (const uint8_t *)value, strlen(value));
}

static void json_int(struct strbuf *out, const char *key, size_t key_len, int64_t value)
{
	json_key(out, key, key_len);
	strbuf_put_i64(out, value);
}

/* Element index of a JSON array of strings, with the comma before all but
 * the first. */
static void json_array_string(struct strbuf *out, uint32_t index, const char *value)
{
	if (index)
		strbuf_putc(out, ',');
	strbuf_putc(out, '"');
	escape_json(out, (const uint8_t *)value, strlen(value));
	strbuf_putc(out, '"');
}

/* Each object starts with "kind" so that keys after it take a comma. */
static void http_put(struct strbuf *out, const struct http_message *http)
{
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

static void redis_put(struct strbuf *out, const struct redis_message *redis)
{
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

static void dns_put(struct strbuf *out, const struct dns_message *dns)
{
	json_u64(out, KEY("id"), dns->id);
	json_raw(out, KEY("name"), dns->name);
	json_raw(out, KEY("type"), dns->type);
	if (!dns->is_response)
		return;
	json_raw(out, KEY("rcode"), dns->rcode);
	json_key(out, KEY("answers"));
	strbuf_putc(out, '[');
	for (uint32_t i = 0; i < dns->n_answers && i < DECODER_MAX_ANSWERS && dns->answers[i][0];
	     i++)
		json_array_string(out, i, dns->answers[i]);
	strbuf_putc(out, ']');
	json_u64(out, KEY("n_answers"), dns->n_answers);
}

static void tls_put(struct strbuf *out, const struct tls_message *tls)
{
	json_name(out, KEY("handshake"), tls->client_hello ? "client_hello" : "server_hello");
	json_raw(out, KEY("sni"), tls->sni);
	json_raw(out, KEY("version"), tls->version);
}

static void pg_put(struct strbuf *out, const struct pg_message *pg)
{
	static const char *const kinds[] = {
		[PG_STARTUP] = "startup", [PG_SSL_REQUEST] = "ssl_request", [PG_QUERY] = "query",
		[PG_COMMAND_COMPLETE] = "command_complete", [PG_ERROR] = "error",
		[PG_READY] = "ready", [PG_AUTH] = "auth", [PG_OTHER] = "other",
	};

	json_name(out, KEY("type"), kinds[pg->kind <= PG_OTHER ? pg->kind : PG_OTHER]);
	switch (pg->kind) {
	case PG_STARTUP:
		json_raw(out, KEY("user"), pg->user);
		json_raw(out, KEY("database"), pg->database);
		break;
	case PG_QUERY:
		json_raw(out, KEY("query"), pg->query);
		break;
	case PG_COMMAND_COMPLETE:
		json_raw(out, KEY("tag"), pg->tag);
		break;
	case PG_ERROR:
		json_raw(out, KEY("severity"), pg->severity);
		json_raw(out, KEY("code"), pg->code);
		json_raw(out, KEY("error"), pg->error);
		break;
	default:
		if (pg->tag[0])
			json_raw(out, KEY("tag"), pg->tag);
		break;
	}
}

static void message_put(struct strbuf *out, const char *key, size_t key_len, const struct message *msg)
{
	json_key(out, key, key_len);
	if (!msg) {
		strbuf_puts(out, "null");
		return;
	}
	strbuf_puts(out, "{\"protocol\":\"");
	strbuf_puts(out, protocol_names[msg->protocol]);
	strbuf_putc(out, '"');
	switch (msg->protocol) {
	case PROTO_HTTP:
		http_put(out, &msg->u.http);
		break;
	case PROTO_HTTP2:
		json_bool(out, KEY("preface"), true);
		break;
	case PROTO_REDIS:
		redis_put(out, &msg->u.redis);
		break;
	case PROTO_DNS:
		dns_put(out, &msg->u.dns);
		break;
	case PROTO_TLS:
		tls_put(out, &msg->u.tls);
		break;
	case PROTO_POSTGRES:
		pg_put(out, &msg->u.pg);
		break;
	default:
		break;
	}
	strbuf_putc(out, '}');
}

void json_exchange_format(struct strbuf *out, const struct event *ev,
			  const struct exchange *exchange)
{
	identity_put(out, ev, "exchange");
	json_name(out, KEY("protocol"), protocol_names[exchange->protocol]);
	json_key(out, KEY("latency_ns"));
	if (exchange->request && exchange->response)
		strbuf_put_u64(out, exchange->response_ts_ns - exchange->request_ts_ns);
	else
		strbuf_puts(out, "null");
	json_u64(out, KEY("request_ts_ns"), exchange->request_ts_ns);
	json_u64(out, KEY("response_ts_ns"), exchange->response_ts_ns);
	json_u64(out, KEY("request_bytes"), exchange->request_bytes);
	json_u64(out, KEY("response_bytes"), exchange->response_bytes);
	message_put(out, KEY("request"), exchange->request);
	message_put(out, KEY("response"), exchange->response);
	strbuf_puts(out, "}\n");
}
