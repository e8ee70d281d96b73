#include <inttypes.h>
#include <string.h>

#include "output/escape.h"
#include "output/output.h"

static void json_key(struct strbuf *out, const char *key)
{
	strbuf_printf(out, ",\"%s\":", key);
}

static void json_string(struct strbuf *out, const char *key, const uint8_t *value, size_t len)
{
	json_key(out, key);
	strbuf_putc(out, '"');
	escape_json(out, value, len);
	strbuf_putc(out, '"');
}

/* Text we made (names, numbers, addresses already escaped for display):
 * only the quote and the backslash need JSON escaping. */
static void json_text(struct strbuf *out, const char *key, const char *value)
{
	json_key(out, key);
	strbuf_putc(out, '"');
	for (; *value; value++) {
		if (*value == '"' || *value == '\\')
			strbuf_putc(out, '\\');
		strbuf_putc(out, *value);
	}
	strbuf_putc(out, '"');
}

static void json_u64(struct strbuf *out, const char *key, uint64_t value)
{
	json_key(out, key);
	strbuf_printf(out, "%" PRIu64, value);
}

static void json_bool(struct strbuf *out, const char *key, bool value)
{
	json_key(out, key);
	strbuf_puts(out, value ? "true" : "false");
}

void json_event_format(struct strbuf *out, const struct event *ev,
		       const struct output_style *style)
{
	char time[40];
	char scratch[24];

	format_time_rfc3339(ev->wall_ns, time, sizeof(time));
	strbuf_printf(out, "{\"event\":\"%s\"", event_kind_names[ev->kind]);
	json_text(out, "time", time);
	json_u64(out, "ts_ns", ev->ts_ns);
	json_u64(out, "pid", ev->pid);
	json_u64(out, "tid", ev->tid);
	json_string(out, "comm", ev->comm, strnlen((const char *)ev->comm, ST_COMM_LEN));
	json_key(out, "fd");
	strbuf_printf(out, "%" PRId32, ev->fd);
	json_text(out, "family", format_family(ev->family));
	json_text(out, "transport", format_transport(ev->family, ev->sock_type));
	json_text(out, "role", output_role(ev->sock_flags));
	json_text(out, "remote", ev->remote);
	json_bool(out, "preexisting", ev->sock_flags & ST_SOCK_PREEXISTING);

	if (ev->kind != ST_EV_DATA) {
		json_key(out, "result");
		strbuf_printf(out, "%" PRId64, ev->result);
		if (ev->result < 0)
			json_text(out, "error", format_errno_name(ev->result, scratch, sizeof(scratch)));
	}
	if (ev->kind == ST_EV_CLOSE) {
		json_u64(out, "duration_ns", ev->duration_ns);
		json_u64(out, "bytes_sent", ev->bytes_sent);
		json_u64(out, "bytes_recv", ev->bytes_recv);
	}
	if (ev->kind == ST_EV_DATA) {
		json_text(out, "direction", event_direction_names[ev->direction]);
		json_text(out, "syscall", event_syscall_names[ev->syscall]);
		json_u64(out, "bytes", ev->bytes);
		json_u64(out, "captured", ev->captured);
		json_bool(out, "truncated", ev->captured < ev->bytes);
		json_u64(out, "pos", ev->pos);
		json_u64(out, "gap_bytes", ev->gap_bytes);
		if (ev->gap_bytes)
			json_u64(out, "gap_pos", ev->gap_pos);
		json_string(out, "data", ev->data, ev->captured);
		if (style->json_b64) {
			json_key(out, "data_b64");
			strbuf_putc(out, '"');
			escape_base64(out, ev->data, ev->captured);
			strbuf_putc(out, '"');
		}
	}
	strbuf_puts(out, "}\n");
}
