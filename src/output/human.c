#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "output/escape.h"
#include "output/output.h"

/* The columns shared by the header and every row. */
enum human_column { COL_TIME, COL_PID, COL_TID, COL_COMM, COL_FD, COL_EVENT, COL_ROLE,
		    COL_TRANSPORT, COL_REMOTE, COL_NR };

static const struct {
	const char *title;
	int width;
	bool right;
	bool cut; /* values wider than the column are cut to keep rows aligned */
} columns[COL_NR] = {
	[COL_TIME] = { "TIME", 15, false },     [COL_PID] = { "PID", 7, true },
	[COL_TID] = { "TID", 7, true },         [COL_COMM] = { "COMM", 16, false, true },
	[COL_FD] = { "FD", 4, true },           [COL_EVENT] = { "EVENT", 7, false },
	[COL_ROLE] = { "ROLE", 7, false },      [COL_TRANSPORT] = { "PROTO", 14, false },
	[COL_REMOTE] = { "REMOTE", 26, false },
};

static void column_put(struct strbuf *out, enum human_column col, const char *value)
{
	int width = columns[col].width;

	if (columns[col].right)
		strbuf_printf(out, "%*s ", width, value);
	else if (columns[col].cut)
		strbuf_printf(out, "%-*.*s ", width, width, value);
	else
		strbuf_printf(out, "%-*s ", width, value);
}

void human_header_format(struct strbuf *out)
{
	for (int col = 0; col < COL_NR; col++)
		column_put(out, col, columns[col].title);
	strbuf_puts(out, "DETAIL\n");
}

const char *output_role(uint32_t sock_flags)
{
	if (sock_flags & ST_SOCK_SERVER)
		return "server";
	if (sock_flags & ST_SOCK_CLIENT)
		return "client";
	return "unknown";
}

static void result_put(struct strbuf *out, int64_t result)
{
	char scratch[24];

	if (result >= 0)
		strbuf_puts(out, "ok");
	else
		strbuf_puts(out, format_errno_name(result, scratch, sizeof(scratch)));
}

static void hexdump_put(struct strbuf *out, const uint8_t *data, uint32_t len)
{
	for (uint32_t line = 0; line < len; line += 16) {
		strbuf_printf(out, "    %06" PRIx32 "  ", line);
		for (uint32_t i = line; i < line + 16; i++) {
			if (i < len)
				strbuf_printf(out, "%02x ", data[i]);
			else
				strbuf_puts(out, "   ");
			if (i == line + 7)
				strbuf_putc(out, ' ');
		}
		strbuf_puts(out, " |");
		for (uint32_t i = line; i < line + 16 && i < len; i++)
			strbuf_putc(out, data[i] >= 0x20 && data[i] < 0x7f ? data[i] : '.');
		strbuf_puts(out, "|\n");
	}
}

static void data_detail_put(struct strbuf *out, const struct event *ev,
			    const struct output_style *style)
{
	strbuf_printf(out, "%s %" PRIu64 "B", event_syscall_names[ev->syscall], ev->bytes);
	if (ev->captured < ev->bytes)
		strbuf_printf(out, " (captured %" PRIu32 ")", ev->captured);
	if (ev->gap_bytes)
		strbuf_printf(out, " [gap: %" PRIu64 "B missing at %" PRIu64 "]", ev->gap_bytes,
			      ev->gap_pos);
	if (ev->captured && style->data_chars) {
		size_t shown;

		strbuf_puts(out, " \"");
		shown = escape_text(out, ev->data, ev->captured, style->data_chars);
		strbuf_putc(out, '"');
		if (shown < ev->captured)
			strbuf_puts(out, "...");
	}
}

void human_event_format(struct strbuf *out, const struct event *ev,
			const struct output_style *style)
{
	char time[32];
	char number[24];
	char comm[ST_COMM_LEN * 4 + 1];
	struct strbuf comm_buf;

	format_time_local(ev->wall_ns, time, sizeof(time));
	column_put(out, COL_TIME, time);
	snprintf(number, sizeof(number), "%" PRIu32, ev->pid);
	column_put(out, COL_PID, number);
	snprintf(number, sizeof(number), "%" PRIu32, ev->tid);
	column_put(out, COL_TID, number);
	strbuf_init(&comm_buf, comm, sizeof(comm));
	escape_text(&comm_buf, ev->comm, strnlen((const char *)ev->comm, ST_COMM_LEN),
		    ST_COMM_LEN);
	column_put(out, COL_COMM, comm);
	snprintf(number, sizeof(number), "%" PRId32, ev->fd);
	column_put(out, COL_FD, number);
	column_put(out, COL_EVENT, ev->kind == ST_EV_DATA ? event_direction_names[ev->direction]
							  : event_kind_names[ev->kind]);
	column_put(out, COL_ROLE, output_role(ev->sock_flags));
	column_put(out, COL_TRANSPORT, format_transport(ev->family, ev->sock_type));
	column_put(out, COL_REMOTE, ev->remote[0] ? ev->remote : "-");

	switch (ev->kind) {
	case ST_EV_CONNECT:
	case ST_EV_ACCEPT:
		result_put(out, ev->result);
		break;
	case ST_EV_CLOSE:
		format_duration(ev->duration_ns, time, sizeof(time));
		strbuf_printf(out, "after %s, sent %" PRIu64 "B, recv %" PRIu64 "B", time,
			      ev->bytes_sent, ev->bytes_recv);
		break;
	case ST_EV_DATA:
		data_detail_put(out, ev, style);
		break;
	}
	if (ev->sock_flags & ST_SOCK_PREEXISTING)
		strbuf_puts(out, " (preexisting)");
	strbuf_putc(out, '\n');
	if (ev->kind == ST_EV_DATA && style->hex)
		hexdump_put(out, ev->data, ev->captured);
}

void output_event_format(struct strbuf *out, const struct event *ev,
			 const struct output_style *style)
{
	if (style->json)
		json_event_format(out, ev, style);
	else
		human_event_format(out, ev, style);
}
