#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

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
	[COL_FD] = { "FD", 4, true },           [COL_EVENT] = { "EVENT", 9, false },
	[COL_ROLE] = { "ROLE", 7, false },      [COL_TRANSPORT] = { "PROTO", 14, false },
	[COL_REMOTE] = { "REMOTE", 26, false },
};

/* Padded by hand, not with printf: this runs nine times per line. */
static void column_put(struct strbuf *out, enum human_column col, const char *value)
{
	static const char spaces[] = "                                ";
	size_t width = columns[col].width;
	size_t len = strlen(value);
	size_t pad;

	_Static_assert(sizeof(spaces) > 26, "spaces shorter than the widest column");
	if (columns[col].cut && len > width)
		len = width;
	pad = len < width ? width - len : 0;
	if (columns[col].right)
		strbuf_append(out, spaces, pad);
	strbuf_append(out, value, len);
	if (!columns[col].right)
		strbuf_append(out, spaces, pad);
	strbuf_putc(out, ' ');
}

static void column_put_number(struct strbuf *out, enum human_column col, int64_t value)
{
	char digits[24];
	struct strbuf number;

	strbuf_init(&number, digits, sizeof(digits));
	strbuf_put_i64(&number, value);
	column_put(out, col, digits);
}

static void human_header_format(struct strbuf *out)
{
	for (int col = 0; col < COL_NR; col++)
		column_put(out, col, columns[col].title);
	strbuf_puts(out, "DETAIL\n");
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
	/* recv*(MSG_TRUNC) returns a datagram's whole length, or on a stream
	 * the bytes it discarded unread. */
	uint64_t delivered = ev->bytes - ev->undelivered;
	bool datagram = ev->sock_type == SOCK_DGRAM || ev->sock_type == SOCK_SEQPACKET;

	strbuf_printf(out, "%s %s%" PRIu64 "B", event_syscall_names[ev->syscall],
		      ev->undelivered && datagram ? "datagram " : "", ev->bytes);
	if (ev->undelivered)
		strbuf_printf(out, ", %" PRIu64 "B delivered%s", delivered,
			      datagram ? "" : " (MSG_TRUNC discards)");
	if (ev->captured < delivered)
		strbuf_printf(out, " (captured %" PRIu32 "%s%s)", ev->captured,
			      ev->capture_cut ? ": " : "", event_capture_cut_names[ev->capture_cut]);
	if (ev->gap_bytes)
		strbuf_printf(out, " [gap: %" PRIu64 "B missing at %" PRIu64 "]", ev->gap_bytes,
			      ev->gap_pos);
	if (ev->tls & ST_TLS_NO_SOCKET)
		strbuf_puts(out, " (tls, socket unknown)");
	else if (ev->tls & ST_TLS_PLAINTEXT)
		strbuf_puts(out, " (tls)");
	if (ev->encrypted) {
		strbuf_puts(out, " (tls, encrypted)");
		return;
	}
	if (ev->captured && style->data_chars) {
		size_t shown;

		strbuf_puts(out, " \"");
		shown = escape_text(out, ev->data, ev->captured, style->data_chars);
		strbuf_putc(out, '"');
		if (shown < ev->captured)
			strbuf_puts(out, "...");
	}
}

/* The comm escaped, cut to the column between escapes: a cut inside one
 * ("\x1b]0;PWN\x07\x") would show a half escape as if it were text. */
static void comm_put(struct strbuf *out, const uint8_t *comm)
{
	char text[ST_COMM_LEN * 4 + 1];
	size_t len = strnlen((const char *)comm, ST_COMM_LEN);
	size_t width = columns[COL_COMM].width;
	struct strbuf buf;

	strbuf_init(&buf, text, sizeof(text));
	escape_text(&buf, comm, len, len);
	if (buf.len > width) {
		strbuf_init(&buf, text, sizeof(text));
		for (size_t i = 0; i < len; i++) {
			size_t before = buf.len;

			escape_text(&buf, comm + i, 1, 1);
			if (buf.len > width) {
				buf.len = before;
				text[before] = '\0';
				break;
			}
		}
	}
	column_put(out, COL_COMM, text);
}

/* The columns before DETAIL. */
static void identity_put(struct strbuf *out, const struct event *ev, const char *event_name)
{
	char time[32];

	format_time_local(ev->wall_ns, time, sizeof(time));
	column_put(out, COL_TIME, time);
	column_put_number(out, COL_PID, ev->pid);
	column_put_number(out, COL_TID, ev->tid);
	comm_put(out, ev->comm);
	column_put_number(out, COL_FD, ev->fd);
	column_put(out, COL_EVENT, event_name);
	column_put(out, COL_ROLE, format_role(ev->sock_flags));
	column_put(out, COL_TRANSPORT, format_transport(ev->family, ev->sock_type));
	column_put(out, COL_REMOTE, ev->remote[0] ? ev->remote : "-");
}

/* How a close or release came without a close() of its own. */
static void close_cause_put(struct strbuf *out, const struct event *ev)
{
	if (ev->process_exited)
		strbuf_puts(out, " (process exited)");
	else if (ev->sock_flags & ST_SOCK_REPLACED)
		strbuf_puts(out, " (fd reused without close)");
}

static void human_event_format(struct strbuf *out, const struct event *ev,
			const struct output_style *style)
{
	char time[32];

	identity_put(out, ev, ev->kind == ST_EV_DATA ? event_direction_names[ev->direction]
						     : event_kind_names[ev->kind]);
	switch (ev->kind) {
	case ST_EV_CONNECT:
	case ST_EV_ACCEPT:
		result_put(out, ev->result);
		break;
	case ST_EV_CONNECTED:
		format_duration(ev->duration_ns, time, sizeof(time));
		result_put(out, ev->result);
		strbuf_puts(out, " after ");
		strbuf_puts(out, time);
		break;
	case ST_EV_CLOSE:
		format_duration(ev->duration_ns, time, sizeof(time));
		strbuf_puts(out, "after ");
		strbuf_puts(out, time);
		strbuf_puts(out, ", sent ");
		strbuf_put_u64(out, ev->bytes_sent);
		strbuf_puts(out, "B, recv ");
		strbuf_put_u64(out, ev->bytes_recv);
		strbuf_putc(out, 'B');
		if (ev->users > 1)
			strbuf_printf(out, " over %" PRIu32 " fds", ev->users);
		close_cause_put(out, ev);
		break;
	case ST_EV_RELEASE:
		strbuf_puts(out, "this fd sent ");
		strbuf_put_u64(out, ev->bytes_sent);
		strbuf_puts(out, "B, recv ");
		strbuf_put_u64(out, ev->bytes_recv);
		strbuf_puts(out, "B; the socket stays open elsewhere");
		close_cause_put(out, ev);
		break;
	case ST_EV_DATA:
		data_detail_put(out, ev, style);
		break;
	}
	if (ev->sock_flags & ST_SOCK_PREEXISTING)
		strbuf_puts(out, " (preexisting)");
	else if (ev->sock_flags & ST_SOCK_ADOPTED)
		strbuf_puts(out, " (adopted)");
	strbuf_putc(out, '\n');
	if (ev->kind == ST_EV_DATA && style->hex)
		hexdump_put(out, ev->data, ev->captured);
}


static void message_put(struct strbuf *out, const struct message *msg, uint64_t bytes,
			bool request, const struct output_style *style)
{
	char size[32];

	if (msg->partial) {
		format_size(bytes, size, sizeof(size));
		/* Nothing of it parsed: its size is all there is to say. */
		if (!msg->started) {
			strbuf_printf(out, "%s (not decoded)", size);
			return;
		}
	}
	msg->protocol->human_put(out, msg, request, style);
	if (msg->partial)
		strbuf_printf(out, ", %s (not decoded)", size);
}

static void human_exchange_format(struct strbuf *out, const struct event *ev,
				  const struct exchange *exchange,
				  const struct output_style *style)
{
	char latency[32];

	const struct protocol *protocol = exchange->protocol;
	const char *label = protocol->exchange_label
				    ? protocol->exchange_label(exchange->request, exchange->response)
				    : NULL;

	identity_put(out, ev, "exchange");
	strbuf_puts(out, label ? label : protocol->name);
	strbuf_puts(out, exchange->tls ? " (tls) " : " ");
	if (exchange->request)
		message_put(out, exchange->request, exchange->request_bytes, true, style);
	else if (exchange->unsolicited)
		strbuf_puts(out, "(server push)");
	else
		strbuf_puts(out, "(request not seen)");
	if (!exchange->alone) {
		strbuf_puts(out, " -> ");
		if (exchange->response)
			message_put(out, exchange->response, exchange->response_bytes, false, style);
		else if (exchange->answered_before)
			strbuf_puts(out, "(answered inside the partial response before)");
		else
			strbuf_puts(out, "(no response)");
	}
	if (exchange->request && exchange->response) {
		format_duration(exchange->response_ts_ns - exchange->request_ts_ns, latency,
				sizeof(latency));
		strbuf_printf(out, "  %s", latency);
	}
	if (exchange->alone)
		strbuf_printf(out, "  %" PRIu64 "B", exchange->request_bytes);
	else
		strbuf_printf(out, "  req %" PRIu64 "B resp %" PRIu64 "B", exchange->request_bytes,
			      exchange->response_bytes);
	if (protocol->exchange_tail)
		protocol->exchange_tail(out, exchange->request, exchange->response);
	strbuf_putc(out, '\n');
}

const struct output_ops human_output = {
	.header = human_header_format,
	.event = human_event_format,
	.exchange = human_exchange_format,
};
