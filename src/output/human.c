#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "output/escape.h"
#include "output/output.h"
#include "protocols/protocol.h"

/* The columns shared by the header and every row: the identity of an event
 * in the first 80 characters, so that its DETAIL fits a 120-column line. */
enum human_column { COL_TIME, COL_PID, COL_COMM, COL_FD, COL_EVENT, COL_ROLE, COL_REMOTE,
		    COL_NR };

static const struct {
	const char *title;
	int width;
	bool right;
	bool cut; /* values wider than the column are cut to keep rows aligned */
} columns[COL_NR] = {
	[COL_TIME] = { "TIME", 12, false },     [COL_PID] = { "PID", 7, true },
	[COL_COMM] = { "COMM", 15, false, true }, [COL_FD] = { "FD", 3, true },
	[COL_EVENT] = { "EVENT", 9, false },    [COL_ROLE] = { "ROLE", 6, false },
	[COL_REMOTE] = { "REMOTE", 21, false },
};

/* SGR sequences: what stands out on a colour terminal. */
#define SGR_BOLD "\033[1m"
#define SGR_RED "\033[31m"
#define SGR_GREEN "\033[32m"
#define SGR_CYAN "\033[36m"
#define SGR_RESET "\033[0m"

static void sgr_put(struct strbuf *out, const struct output_style *style, const char *sgr)
{
	if (style->colour)
		strbuf_puts(out, sgr);
}

/* Padded by hand, not with printf: this runs seven times per line. A
 * colour, when given, wraps the value and not its padding. */
static void column_put_coloured(struct strbuf *out, enum human_column col, const char *value,
				size_t shown_width, const struct output_style *style,
				const char *sgr)
{
	static const char spaces[] = "                                ";
	size_t width = columns[col].width;
	size_t len = strlen(value);
	size_t pad;

	_Static_assert(sizeof(spaces) > 21, "spaces shorter than the widest column");
	if (columns[col].cut && len > width)
		len = width;
	if (shown_width > len)
		shown_width = len;
	pad = shown_width < width ? width - shown_width : 0;
	if (columns[col].right)
		strbuf_append(out, spaces, pad);
	if (sgr)
		sgr_put(out, style, sgr);
	strbuf_append(out, value, len);
	if (sgr)
		sgr_put(out, style, SGR_RESET);
	if (!columns[col].right)
		strbuf_append(out, spaces, pad);
	strbuf_putc(out, ' ');
}

static void column_put(struct strbuf *out, enum human_column col, const char *value)
{
	static const struct output_style plain = { 0 };

	column_put_coloured(out, col, value, SIZE_MAX, &plain, NULL);
}

static void column_put_number(struct strbuf *out, enum human_column col, int64_t value)
{
	char digits[24];
	struct strbuf number;

	strbuf_init(&number, digits, sizeof(digits));
	strbuf_put_i64(&number, value);
	column_put(out, col, digits);
}

static void human_header_format(struct strbuf *out, const struct output_style *style)
{
	sgr_put(out, style, SGR_BOLD);
	for (int col = 0; col < COL_NR; col++)
		column_put(out, col, columns[col].title);
	strbuf_puts(out, "DETAIL");
	sgr_put(out, style, SGR_RESET);
	strbuf_putc(out, '\n');
}

/* A failure, in red; a non-blocking connect under way is none. */
static bool result_failed(const struct event *ev)
{
	return ev->result < 0 && ev->result != -EINPROGRESS;
}

static void result_put(struct strbuf *out, const struct event *ev,
		       const struct output_style *style)
{
	int64_t result = ev->result;
	bool failed = result_failed(ev);
	char scratch[24];

	if (result >= 0) {
		strbuf_puts(out, "ok");
		return;
	}
	if (failed)
		sgr_put(out, style, SGR_RED);
	strbuf_puts(out, format_errno_name(result, scratch, sizeof(scratch)));
	if (failed)
		sgr_put(out, style, SGR_RESET);
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

/* Characters a line's text takes on screen: a UTF-8 sequence is one, an
 * SGR sequence none. */
static size_t line_width(const struct strbuf *line)
{
	size_t width = 0;

	for (size_t i = 0; i < line->len; i++) {
		uint8_t byte = (uint8_t)line->text[i];

		if (byte == 0x1b) {
			while (i < line->len && line->text[i] != 'm')
				i++;
			continue;
		}
		width += (byte & 0xc0) != 0x80;
	}
	return width;
}

/* What ends every line: the markers of where the socket came from, and the
 * thread when it is not the process's main one. */
static void line_tail_put(struct strbuf *out, const struct event *ev)
{
	if (ev->sock_flags & ST_SOCK_PREEXISTING)
		strbuf_puts(out, " (preexisting)");
	else if (ev->sock_flags & ST_SOCK_ADOPTED)
		strbuf_puts(out, " (adopted)");
	if (ev->tid != ev->pid)
		strbuf_printf(out, " (tid %" PRIu32 ")", ev->tid);
}

/* The width line_tail_put will take. */
static size_t line_tail_width(const struct event *ev)
{
	char text[64];
	struct strbuf tail;

	strbuf_init(&tail, text, sizeof(text));
	line_tail_put(&tail, ev);
	return tail.len;
}

/* Characters of payload preview that still fit the line: what --data-chars
 * asks, or by default the room left before style->width, never under
 * PREVIEW_MIN. */
#define PREVIEW_MIN 4
static size_t preview_width(const struct strbuf *out, size_t line_start, const struct event *ev,
			    const struct output_style *style)
{
	struct strbuf line = { .text = out->text + line_start, .len = out->len - line_start };
	/* the closing quote, "..." and the line's tail */
	size_t used = line_width(&line) + 4 + line_tail_width(ev);

	if (style->data_chars != OUTPUT_DATA_CHARS_FIT)
		return SIZE_MAX;
	return used + PREVIEW_MIN < style->width ? style->width - used : PREVIEW_MIN;
}

static void data_detail_put(struct strbuf *out, size_t line_start, const struct event *ev,
			    const struct output_style *style)
{
	/* recv*(MSG_TRUNC) returns a datagram's whole length, or on a stream
	 * the bytes it discarded unread. */
	uint64_t delivered = ev->bytes - ev->undelivered;
	bool datagram = ev->sock_type == SOCK_DGRAM || ev->sock_type == SOCK_SEQPACKET;

	if (ev->protocol || ev->encrypted) {
		strbuf_puts(out, ev->protocol ? protocol_by_number(ev->protocol)->name : "tls");
		strbuf_putc(out, ' ');
	}
	strbuf_printf(out, "%s %s%" PRIu64 "B", event_syscall_names[ev->syscall],
		      ev->undelivered && datagram ? "datagram " : "", ev->bytes);
	if (ev->undelivered)
		strbuf_printf(out, ", %" PRIu64 "B delivered%s", delivered,
			      datagram ? "" : " (MSG_TRUNC discards)");
	/* Bytes left out by request (--data-size) or by the call's kind
	 * (sendfile, splice): said once, here, not as a gap later. */
	if (ev->captured < delivered) {
		strbuf_printf(out, " (%" PRIu64 "B not captured", delivered - ev->captured);
		if (ev->capture_cut == ST_CUT_DATA_SIZE)
			strbuf_puts(out, ": --data-size");
		else if (ev->capture_cut != ST_CUT_NO_BUFFER && ev->capture_cut)
			strbuf_printf(out, ": %s", event_capture_cut_names[ev->capture_cut]);
		strbuf_putc(out, ')');
	}
	/* Bytes no event told: lost samples or a full table, alarming. */
	if (ev->gap_lost) {
		sgr_put(out, style, SGR_RED);
		strbuf_printf(out, " [lost: %" PRIu64 "B at %" PRIu64 "]", ev->gap_lost,
			      ev->pos - ev->gap_lost);
		sgr_put(out, style, SGR_RESET);
	}
	if (ev->tls & ST_TLS_NO_SOCKET)
		strbuf_puts(out, " (tls, socket unknown)");
	else if (ev->tls & ST_TLS_PLAINTEXT)
		strbuf_puts(out, " (tls)");
	if (ev->encrypted) {
		strbuf_puts(out, " (encrypted)");
		return;
	}
	if (ev->captured && style->data_chars) {
		size_t max_chars = style->data_chars == OUTPUT_DATA_CHARS_FIT ? ev->captured
									       : style->data_chars;
		size_t shown;

		strbuf_puts(out, " \"");
		shown = escape_text_fit(out, ev->data, ev->captured, max_chars,
					preview_width(out, line_start, ev, style));
		strbuf_putc(out, '"');
		if (shown < ev->captured)
			strbuf_puts(out, "...");
	}
}

/* The process name escaped, cut to the column between escapes: a cut
 * inside one ("\x1b]0;PWN\x07\x") would show a half escape as if it were
 * text. */
static void comm_put(struct strbuf *out, const uint8_t *comm)
{
	char text[ST_COMM_LEN * 4 + 1];
	size_t len = strnlen((const char *)comm, ST_COMM_LEN);
	size_t width = columns[COL_COMM].width;
	struct strbuf buf;

	strbuf_init(&buf, text, sizeof(text));
	escape_text_fit(&buf, comm, len, len, width);
	column_put_coloured(out, COL_COMM, text, line_width(&buf), &(struct output_style){ 0 },
			    NULL);
}

/* The peer in its family's form (an address:port, [v6]:port, or a unix
 * path), "/udp" after a UDP one; the transport alone when the peer is not
 * known. */
static void remote_put(struct strbuf *out, const struct event *ev)
{
	char text[ADDR_TEXT_MAX + 8];
	bool inet = ev->family == AF_INET || ev->family == AF_INET6;

	if (!ev->remote[0])
		snprintf(text, sizeof(text), "%s", format_transport(ev->family, ev->sock_type));
	else
		snprintf(text, sizeof(text), "%s%s", ev->remote,
			 inet && ev->sock_type == SOCK_DGRAM ? "/udp" : "");
	column_put(out, COL_REMOTE, text);
}

static const char *event_sgr(const struct event *ev, const char *event_name)
{
	if (ev->kind == ST_EV_DATA)
		return ev->direction == ST_DIR_SEND ? SGR_GREEN : SGR_CYAN;
	if (!strcmp(event_name, "exchange"))
		return SGR_BOLD;
	if ((ev->kind == ST_EV_CONNECT || ev->kind == ST_EV_ACCEPT ||
	     ev->kind == ST_EV_CONNECTED) && result_failed(ev))
		return SGR_RED;
	return NULL;
}

/* The columns before DETAIL. */
static void identity_put(struct strbuf *out, const struct event *ev, const char *event_name,
			 const struct output_style *style)
{
	char time[32];
	const char *role = format_role(ev->sock_flags);

	format_time_local(ev->wall_ns, time, sizeof(time));
	time[columns[COL_TIME].width] = '\0'; /* to the millisecond */
	column_put(out, COL_TIME, time);
	column_put_number(out, COL_PID, ev->pid);
	comm_put(out, ev->process_name);
	column_put_number(out, COL_FD, ev->fd);
	column_put_coloured(out, COL_EVENT, event_name, SIZE_MAX, style, event_sgr(ev, event_name));
	column_put(out, COL_ROLE, strcmp(role, "unknown") ? role : "-");
	remote_put(out, ev);
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
	size_t line_start = out->len;
	char time[32];

	identity_put(out, ev,
		     ev->kind == ST_EV_DATA ? event_direction_names[ev->direction]
					    : event_kind_names[ev->kind],
		     style);
	switch (ev->kind) {
	case ST_EV_CONNECT:
	case ST_EV_ACCEPT:
		result_put(out, ev, style);
		break;
	case ST_EV_CONNECTED:
		format_duration(ev->duration_ns, time, sizeof(time));
		result_put(out, ev, style);
		strbuf_puts(out, " after ");
		strbuf_puts(out, time);
		break;
	case ST_EV_CLOSE:
		/* how long it was open first: the line must fit a thread's
		 * " (tid N)" tail too */
		format_duration(ev->duration_ns, time, sizeof(time));
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
		strbuf_puts(out, "B; socket open elsewhere");
		close_cause_put(out, ev);
		break;
	case ST_EV_DATA:
		data_detail_put(out, line_start, ev, style);
		break;
	}
	line_tail_put(out, ev);
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

	identity_put(out, ev, "exchange", style);
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
	line_tail_put(out, ev);
	strbuf_putc(out, '\n');
}

const struct output_ops human_output = {
	.header = human_header_format,
	.event = human_event_format,
	.exchange = human_exchange_format,
};
