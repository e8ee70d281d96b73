#include <inttypes.h>
#include <string.h>

#include "output/escape.h"
#include "output/json_writer.h"
#include "output/output.h"

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
	json_string(out, KEY("comm"), ev->process_name,
		    strnlen((const char *)ev->process_name, ST_COMM_LEN));
	json_string(out, KEY("thread"), ev->comm, strnlen((const char *)ev->comm, ST_COMM_LEN));
	json_key(out, KEY("fd"));
	strbuf_put_i64(out, ev->fd);
	json_name(out, KEY("family"), format_family(ev->family));
	json_name(out, KEY("transport"), format_transport(ev->family, ev->sock_type));
	json_name(out, KEY("role"), format_role(ev->sock_flags));
	json_text(out, KEY("remote"), ev->remote);
	json_bool(out, KEY("preexisting"), ev->sock_flags & ST_SOCK_PREEXISTING);
	json_bool(out, KEY("adopted"), ev->sock_flags & ST_SOCK_ADOPTED);
	if (ev->conn_id)
		json_u64(out, KEY("conn"), ev->conn_id);
}

static void json_event_format(struct strbuf *out, const struct event *ev,
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
			json_name(out, KEY("protocol"), protocol_by_number(ev->protocol)->name);
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
		if (ev->gap_bytes) {
			json_u64(out, KEY("gap_pos"), ev->gap_pos);
			json_u64(out, KEY("gap_lost"), ev->gap_lost);
		}
		if (ev->protocol)
			json_name(out, KEY("protocol"), protocol_by_number(ev->protocol)->name);
		json_bool(out, KEY("encrypted"), ev->encrypted);
		json_bool(out, KEY("tls"), ev->tls & ST_TLS_PLAINTEXT);
		if (ev->tls & ST_TLS_CIPHERTEXT)
			json_bool(out, KEY("tls_records"), true);
		if (ev->tls & ST_TLS_NO_SOCKET)
			json_name(out, KEY("tls_socket"), "unknown");
		else if (ev->tls & ST_TLS_FD_CACHED)
			json_name(out, KEY("tls_socket"), "cached");
		else if (ev->tls & ST_TLS_FD_ADJACENT)
			json_name(out, KEY("tls_socket"), "adjacent");
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

static void message_put(struct strbuf *out, const char *key, size_t key_len,
			const struct message *msg, const struct output_style *style)
{
	json_key(out, key, key_len);
	if (!msg) {
		strbuf_puts(out, "null");
		return;
	}
	strbuf_puts(out, "{\"protocol\":\"");
	strbuf_puts(out, msg->protocol->name);
	strbuf_putc(out, '"');
	if (msg->partial)
		json_bool(out, KEY("partial"), true);
	/* A partial message of which nothing was parsed has no fields. */
	if (!msg->partial || msg->started)
		msg->protocol->json_put(out, msg, style);
	strbuf_putc(out, '}');
}

static void json_exchange_format(struct strbuf *out, const struct event *ev,
				 const struct exchange *exchange, const struct output_style *style)
{
	identity_put(out, ev, "exchange");
	json_name(out, KEY("protocol"), exchange->protocol->name);
	json_key(out, KEY("latency_ns"));
	if (exchange->request && exchange->response)
		strbuf_put_u64(out, exchange->response_ts_ns - exchange->request_ts_ns);
	else
		strbuf_puts(out, "null");
	json_u64(out, KEY("request_ts_ns"), exchange->request_ts_ns);
	json_u64(out, KEY("response_ts_ns"), exchange->response_ts_ns);
	json_u64(out, KEY("request_bytes"), exchange->request_bytes);
	json_u64(out, KEY("response_bytes"), exchange->response_bytes);
	json_bool(out, KEY("tls"), exchange->tls);
	if (exchange->unsolicited)
		json_bool(out, KEY("push"), true);
	if (exchange->answered_before)
		json_bool(out, KEY("answered_before"), true);
	if (exchange->alone)
		json_bool(out, KEY("alone"), true);
	message_put(out, KEY("request"), exchange->request, style);
	message_put(out, KEY("response"), exchange->response, style);
	strbuf_puts(out, "}\n");
}

const struct output_ops json_output = {
	.event = json_event_format,
	.exchange = json_exchange_format,
};
