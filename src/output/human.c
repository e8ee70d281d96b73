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
	column_put(out, COL_ROLE, output_role(ev->sock_flags));
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

void human_event_format(struct strbuf *out, const struct event *ev,
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

void output_event_format(struct strbuf *out, const struct event *ev,
			 const struct output_style *style)
{
	if (style->json)
		json_event_format(out, ev, style);
	else
		human_event_format(out, ev, style);
}

/* Raw decoder text, escaped for the terminal. */
static void text_put(struct strbuf *out, const char *text)
{
	escape_text(out, (const uint8_t *)text, strlen(text), strlen(text));
}

static void http_request_put(struct strbuf *out, const struct http_message *http)
{
	text_put(out, http->method);
	strbuf_putc(out, ' ');
	text_put(out, http->target);
}

static void http_response_put(struct strbuf *out, const struct http_message *http)
{
	strbuf_printf(out, "%d ", http->status);
	text_put(out, http->reason);
}

static void redis_request_put(struct strbuf *out, const struct redis_message *redis)
{
	text_put(out, redis->command);
	for (uint32_t i = 0; i < redis->n_args && i < DECODER_MAX_ARGS; i++) {
		strbuf_putc(out, ' ');
		text_put(out, redis->args[i]);
	}
	if (redis->n_args > DECODER_MAX_ARGS)
		strbuf_printf(out, " (+%" PRIu32 " args)", redis->n_args - DECODER_MAX_ARGS);
}

static void redis_response_put(struct strbuf *out, const struct redis_message *redis)
{
	text_put(out, redis->reply_type);
	if (redis->reply[0]) {
		strbuf_puts(out, " \"");
		text_put(out, redis->reply);
		strbuf_putc(out, '"');
	}
}

static void dns_request_put(struct strbuf *out, const struct dns_message *dns)
{
	text_put(out, dns->type);
	strbuf_putc(out, ' ');
	text_put(out, dns->name);
}

static void dns_response_put(struct strbuf *out, const struct dns_message *dns)
{
	text_put(out, dns->rcode);
	for (uint32_t i = 0; i < dns->n_answers && i < DECODER_MAX_ANSWERS && dns->answers[i][0];
	     i++) {
		strbuf_puts(out, i ? ", " : " ");
		text_put(out, dns->answers[i]);
	}
}

static void tls_put(struct strbuf *out, const struct tls_message *tls)
{
	strbuf_puts(out, tls->client_hello ? "ClientHello" : "ServerHello");
	if (tls->sni[0]) {
		strbuf_puts(out, " sni=");
		text_put(out, tls->sni);
	}
	strbuf_putc(out, ' ');
	text_put(out, tls->version);
}

static void pg_put(struct strbuf *out, const struct pg_message *pg)
{
	switch (pg->kind) {
	case PG_STARTUP:
		strbuf_puts(out, "startup user=");
		text_put(out, pg->user);
		strbuf_puts(out, " database=");
		text_put(out, pg->database);
		break;
	case PG_SSL_REQUEST:
		strbuf_puts(out, "SSLRequest");
		break;
	case PG_QUERY:
		strbuf_puts(out, "query \"");
		text_put(out, pg->query);
		strbuf_putc(out, '"');
		break;
	case PG_COMMAND_COMPLETE:
		text_put(out, pg->tag);
		break;
	case PG_ERROR:
		text_put(out, pg->severity);
		strbuf_putc(out, ' ');
		text_put(out, pg->code);
		strbuf_putc(out, ' ');
		text_put(out, pg->error);
		break;
	case PG_READY:
		strbuf_puts(out, "ready");
		break;
	default:
		text_put(out, pg->tag);
		break;
	}
}

static void message_put(struct strbuf *out, const struct message *msg, bool request)
{
	switch (msg->protocol) {
	case PROTO_HTTP:
		if (request)
			http_request_put(out, &msg->u.http);
		else
			http_response_put(out, &msg->u.http);
		break;
	case PROTO_HTTP2:
		strbuf_puts(out, "HTTP/2 cleartext connection preface");
		break;
	case PROTO_REDIS:
		if (request)
			redis_request_put(out, &msg->u.redis);
		else
			redis_response_put(out, &msg->u.redis);
		break;
	case PROTO_DNS:
		if (request)
			dns_request_put(out, &msg->u.dns);
		else
			dns_response_put(out, &msg->u.dns);
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
}

void human_exchange_format(struct strbuf *out, const struct event *ev,
			   const struct exchange *exchange)
{
	char latency[32];

	identity_put(out, ev, "exchange");
	strbuf_printf(out, "%s ", protocol_names[exchange->protocol]);
	if (exchange->request)
		message_put(out, exchange->request, true);
	else
		strbuf_puts(out, "(request not seen)");
	if (exchange->protocol != PROTO_HTTP2) {
		strbuf_puts(out, " -> ");
		if (exchange->response)
			message_put(out, exchange->response, false);
		else
			strbuf_puts(out, "(no response)");
	}
	if (exchange->request && exchange->response) {
		format_duration(exchange->response_ts_ns - exchange->request_ts_ns, latency,
				sizeof(latency));
		strbuf_printf(out, "  %s", latency);
	}
	strbuf_printf(out, "  req %" PRIu64 "B resp %" PRIu64 "B\n", exchange->request_bytes,
		      exchange->response_bytes);
}
