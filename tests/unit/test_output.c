/* Human and JSON lines, compared as whole lines or by exact substrings. */
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "check.h"
#include "output/output.h"
#include "protocols/http.h"

/* 2023-11-14T22:13:20.123456 UTC; TZ is set to UTC in main(). */
#define WALL_NS 1700000000123456000ULL

/* A write() payload that tries to clear the screen and ring the bell:
 * "GET /\r\n" ESC "[2J" BEL. */
static const uint8_t hostile_payload[] = {
	'G', 'E', 'T', ' ', '/', '\r', '\n', 0x1b,
	'[', '2', 'J', 0x07,
};

/* A 15-byte comm (prctl(PR_SET_NAME) accepts any bytes): an OSC title
 * sequence, BEL, CR LF, a clear-screen sequence, 'x'. */
static const uint8_t hostile_comm[ST_COMM_LEN] = {
	0x1b, ']', '0', ';', 'p', 'w', 'n', 0x07,
	'\r', '\n', 0x1b, '[', '2', 'J', 'x', 0x00,
};

static char header[512];
static char line[2048];

static struct event event_make(uint32_t kind)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.pid = 4242;
	ev.tid = 4242;
	ev.fd = 3;
	ev.ts_ns = 5000;
	ev.wall_ns = WALL_NS;
	memcpy(ev.comm, "curl", 4);
	memcpy(ev.process_name, "curl", 4);
	ev.family = AF_INET;
	ev.sock_type = SOCK_STREAM;
	ev.sock_flags = ST_SOCK_REPORTED | ST_SOCK_CLIENT;
	strcpy(ev.remote, "127.0.0.1:8080");
	return ev;
}

static struct event data_make(void)
{
	struct event ev = event_make(ST_EV_DATA);

	ev.direction = ST_DIR_SEND;
	ev.syscall = ST_SYS_WRITE;
	ev.bytes = 20;
	ev.captured = sizeof(hostile_payload);
	ev.capture_cut = ST_CUT_DATA_SIZE;
	ev.pos = 25;
	ev.gap_bytes = 15;
	ev.gap_pos = 10;
	ev.data = hostile_payload;
	return ev;
}

static const char *human(const struct event *ev, const struct output_style *style)
{
	struct strbuf buf;

	strbuf_init(&buf, line, sizeof(line));
	human_output.event(&buf, ev, style);
	CHECK(!buf.truncated);
	return line;
}

static const char *json(const struct event *ev, const struct output_style *style)
{
	struct strbuf buf;

	strbuf_init(&buf, line, sizeof(line));
	json_output.event(&buf, ev, style);
	CHECK(!buf.truncated);
	return line;
}

/* No byte below 0x20 or DEL, except the newline that ends each line. */
static bool is_inert(const char *text)
{
	for (const char *p = text; *p; p++) {
		uint8_t byte = *p;

		if (byte == '\n' && (p[1] == '\0' || p[1] == ' '))
			continue;
		if (byte < 0x20 || byte == 0x7f)
			return false;
	}
	return true;
}

static bool has(const char *text, const char *part)
{
	if (strstr(text, part))
		return true;
	fprintf(stderr, "missing %s\n  in %s", part, text);
	return false;
}

enum align { LEFT, RIGHT };

/* Whether row holds value in the column titled title of the header: a left
 * column starts where its title starts, a right one ends where it ends. */
static bool column_at(const char *row, const char *title, const char *value, enum align align)
{
	const char *at = strstr(header, title);
	size_t len = strlen(value);
	size_t start;

	if (!at)
		return false;
	start = at - header;
	if (align == RIGHT)
		start = start + strlen(title) - len;
	return strlen(row) > start + len && !strncmp(row + start, value, len) &&
	       row[start + len] == ' ' && (start == 0 || row[start - 1] == ' ');
}

/* The rest of row from the DETAIL column on. */
static const char *detail(const char *row)
{
	size_t start = strstr(header, "DETAIL") - header;

	return strlen(row) >= start ? row + start : "";
}

static void test_human(void)
{
	struct output_style style = { .data_chars = 64 };
	struct strbuf buf;
	struct event ev;

	strbuf_init(&buf, header, sizeof(header));
	human_output.header(&buf, &style);
	CHECK(strncmp(header, "TIME ", 5) == 0);
	CHECK(strstr(header, " DETAIL\n") != NULL);
	/* The identity takes the first 80 columns, DETAIL the rest of 120. */
	CHECK(strstr(header, "DETAIL") - header == 80);

	ev = event_make(ST_EV_CONNECT);
	ev.result = -111;
	human(&ev, &style);
	CHECK(column_at(line, "TIME", "22:13:20.123", LEFT));
	CHECK(column_at(line, "PID", "4242", RIGHT));
	CHECK(column_at(line, "COMM", "curl", LEFT));
	CHECK(column_at(line, "FD", "3", RIGHT));
	CHECK(column_at(line, "EVENT", "connect", LEFT));
	CHECK(column_at(line, "ROLE", "client", LEFT));
	CHECK(column_at(line, "REMOTE", "127.0.0.1:8080", LEFT));
	CHECK_STR(detail(line), "ECONNREFUSED\n");
	ev.result = 0;
	human(&ev, &style);
	CHECK_STR(detail(line), "ok\n");

	/* Another thread than the main one: the process's name, and the tid
	 * at the end. */
	ev.tid = 4243;
	memcpy(ev.comm, "isc-net-0000", 13);
	memcpy(ev.process_name, "dig\0", 4);
	human(&ev, &style);
	CHECK(column_at(line, "COMM", "dig", LEFT));
	CHECK_STR(detail(line), "ok (tid 4243)\n");
	json(&ev, &(struct output_style){ .json = true });
	CHECK(has(line, ",\"tid\":4243,\"comm\":\"dig\",\"thread\":\"isc-net-0000\","));

	/* A UDP peer says so; an unknown peer shows the transport. */
	ev = event_make(ST_EV_CONNECT);
	ev.sock_type = SOCK_DGRAM;
	human(&ev, &style);
	CHECK(column_at(line, "REMOTE", "127.0.0.1:8080/udp", LEFT));
	ev.remote[0] = '\0';
	human(&ev, &style);
	CHECK(column_at(line, "REMOTE", "udp", LEFT));

	ev = event_make(ST_EV_CLOSE);
	ev.duration_ns = 1840000;
	ev.bytes_sent = 120;
	ev.bytes_recv = 4096;
	ev.sock_flags = ST_SOCK_REPORTED | ST_SOCK_SERVER | ST_SOCK_PREEXISTING;
	human(&ev, &style);
	CHECK(column_at(line, "EVENT", "close", LEFT));
	CHECK(column_at(line, "ROLE", "server", LEFT));
	CHECK_STR(detail(line), "1.84ms, sent 120B, recv 4096B (preexisting)\n");
	ev.sock_flags = ST_SOCK_REPORTED | ST_SOCK_SERVER | ST_SOCK_ADOPTED;
	human(&ev, &style);
	CHECK_STR(detail(line), "1.84ms, sent 120B, recv 4096B (adopted)\n");

	/* Data: the payload escaped, ESC and BEL never raw. */
	ev = data_make();
	human(&ev, &style);
	CHECK(column_at(line, "EVENT", "send", LEFT));
	CHECK(column_at(line, "REMOTE", "127.0.0.1:8080", LEFT));
	/* A gap another event told as not captured is not repeated here. */
	CHECK_STR(detail(line), "write 20B (8B not captured: --data-size) "
				"\"GET /\\r\\n\\x1b[2J\\x07\"\n");
	CHECK(is_inert(line));
	style.data_chars = 4;
	human(&ev, &style);
	CHECK_STR(detail(line), "write 20B (8B not captured: --data-size) \"GET \"...\n");
	style.data_chars = 0;
	/* Bytes no event told are lost, and say where they started. */
	ev.gap_lost = 5;
	human(&ev, &style);
	CHECK_STR(detail(line), "write 20B (8B not captured: --data-size) [lost: 5B at 20]\n");
	ev.gap_lost = 0;
	/* The connection's protocol leads a data line's detail. */
	ev.protocol = protocol_number(&http_protocol);
	human(&ev, &style);
	CHECK_STR(detail(line), "http write 20B (8B not captured: --data-size)\n");
	ev.protocol = 0;
	/* By default the preview fills the line to its width, escapes whole. */
	style.data_chars = OUTPUT_DATA_CHARS_FIT;
	style.width = 120;
	ev.bytes = ev.captured;
	ev.capture_cut = ST_CUT_NONE;
	human(&ev, &style);
	CHECK_STR(detail(line), "write 12B \"GET /\\r\\n\\x1b[2J\\x07\"\n");
	{
		static uint8_t long_payload[200];

		memset(long_payload, 'A', sizeof(long_payload));
		long_payload[30] = '\r';
		ev.data = long_payload;
		ev.bytes = ev.captured = sizeof(long_payload);
		human(&ev, &style);
		CHECK(strlen(line) == 121 && !strcmp(line + 115, "A\"...\n"));
		style.width = 130;
		human(&ev, &style);
		CHECK(strlen(line) == 131);
		style.width = 120;
	}
	style.data_chars = 0;
	ev = data_make();

	/* recv*(MSG_TRUNC): a datagram longer than the buffer, then a TCP
	 * receive that discarded its bytes unread. */
	ev.direction = ST_DIR_RECV;
	ev.syscall = ST_SYS_RECVFROM;
	ev.sock_type = SOCK_DGRAM;
	ev.bytes = 60;
	ev.undelivered = 60 - ev.captured;
	ev.gap_bytes = 0;
	style.data_chars = 5;
	human(&ev, &style);
	CHECK_STR(detail(line), "recvfrom datagram 60B, 12B delivered \"GET /\"...\n");
	ev.sock_type = SOCK_STREAM;
	ev.captured = 0;
	ev.undelivered = 60;
	human(&ev, &style);
	CHECK_STR(detail(line), "recvfrom 60B, 0B delivered (MSG_TRUNC discards)\n");
	ev = data_make();

	/* With --hex, a dump line follows. */
	style.data_chars = 64;
	style.hex = true;
	ev.bytes = ev.captured;
	ev.capture_cut = ST_CUT_NONE;
	ev.gap_bytes = 0;
	human(&ev, &style);
	CHECK_STR(detail(line), "write 12B \"GET /\\r\\n\\x1b[2J\\x07\"\n"
				"    000000  47 45 54 20 2f 0d 0a 1b  5b 32 4a 07 "
				"            " /* 4 absent bytes */
				" |GET /...[2J.|\n");
	CHECK(is_inert(line));
	style.hex = false;

	/* Unknown role, unknown transport, no remote. */
	ev = event_make(ST_EV_ACCEPT);
	ev.sock_flags = 0;
	ev.family = 0;
	ev.remote[0] = '\0';
	human(&ev, &style);
	CHECK(column_at(line, "ROLE", "-", LEFT));
	CHECK(column_at(line, "REMOTE", "-", LEFT));

	/* A hostile comm is escaped. */
	ev = event_make(ST_EV_CONNECT);
	memcpy(ev.process_name, hostile_comm, ST_COMM_LEN);
	human(&ev, &style);
	CHECK(is_inert(line));
	CHECK(strstr(line, "\\x1b]0;pwn\\x07") != NULL);
}

/* Values longer than their column (an escaped comm can reach 60
 * characters, "unix-seqpacket" is 14) must not push the later columns out
 * of line with the header. */
static void test_human_long_values(void)
{
	struct output_style style = { .data_chars = 64 };
	struct event ev;

	ev = event_make(ST_EV_CONNECT);
	memcpy(ev.process_name, hostile_comm, ST_COMM_LEN);
	human(&ev, &style);
	CHECK(column_at(line, "FD", "3", RIGHT) && column_at(line, "EVENT", "connect", LEFT) &&
	      column_at(line, "REMOTE", "127.0.0.1:8080", LEFT));
	/* Cut to the 15 columns between escapes, never inside one. */
	CHECK(column_at(line, "COMM", "\\x1b]0;pwn\\x07", LEFT));
	memcpy(ev.process_name, "abcdefghijklmn\x1b", ST_COMM_LEN);
	human(&ev, &style);
	CHECK(column_at(line, "COMM", "abcdefghijklmn ", LEFT));
	CHECK(!strstr(line, "\\x"));

	ev = event_make(ST_EV_CONNECT);
	ev.family = AF_UNIX;
	ev.sock_type = SOCK_SEQPACKET;
	strcpy(ev.remote, "/run/x.sock");
	human(&ev, &style);
	CHECK(column_at(line, "REMOTE", "/run/x.sock", LEFT) && !strcmp(detail(line), "ok\n"));
}


static bool json_line_ok(const char *text)
{
	size_t len = strlen(text);

	return len >= 3 && text[0] == '{' && !strcmp(text + len - 2, "}\n") &&
	       strchr(text, '\n') == text + len - 1 && is_inert(text);
}

static void test_json(void)
{
	struct output_style style = { .json = true, .data_chars = 64 };
	struct event ev;

	ev = event_make(ST_EV_CONNECT);
	ev.result = -111;
	json(&ev, &style);
	CHECK_STR(line, "{\"event\":\"connect\",\"time\":\"2023-11-14T22:13:20.123456Z\","
			"\"ts_ns\":5000,\"pid\":4242,\"tid\":4242,\"comm\":\"curl\",\"thread\":\"curl\",\"fd\":3,"
			"\"family\":\"inet\",\"transport\":\"tcp\",\"role\":\"client\","
			"\"remote\":\"127.0.0.1:8080\",\"preexisting\":false,\"adopted\":false,\"result\":-111,"
			"\"error\":\"ECONNREFUSED\"}\n");
	ev.result = 0;
	json(&ev, &style);
	CHECK(has(line, ",\"result\":0}"));
	CHECK(!strstr(line, "\"error\""));

	ev = event_make(ST_EV_CLOSE);
	ev.duration_ns = 1840000;
	ev.bytes_sent = 120;
	ev.bytes_recv = 4096;
	ev.sock_flags |= ST_SOCK_PREEXISTING;
	json(&ev, &style);
	CHECK(json_line_ok(line));
	CHECK(has(line, "{\"event\":\"close\","));
	CHECK(has(line, ",\"preexisting\":true,\"adopted\":false,"));
	CHECK(has(line, ",\"result\":0,"));
	ev.sock_flags = ST_SOCK_ADOPTED;
	json(&ev, &style);
	CHECK(has(line, ",\"preexisting\":false,\"adopted\":true,"));
	CHECK(has(line, ",\"duration_ns\":1840000,\"bytes_sent\":120,\"bytes_recv\":4096,"
			"\"process_exited\":false,\"fd_replaced\":false}"));
	ev.process_exited = true;
	json(&ev, &style);
	CHECK(has(line, ",\"bytes_recv\":4096,\"process_exited\":true,\"fd_replaced\":false}"));
	/* A socket that other fds kept: a release, with this fd's totals. */
	ev.kind = ST_EV_RELEASE;
	ev.conn_id = 7;
	ev.process_exited = false;
	json(&ev, &style);
	CHECK(json_line_ok(line));
	CHECK(has(line, "{\"event\":\"release\","));
	CHECK(has(line, ",\"adopted\":true,\"conn\":7,\"result\":0,\"bytes_sent\":120,"
			"\"bytes_recv\":4096,\"process_exited\":false,\"fd_replaced\":false}"));
	human(&ev, &style);
	CHECK(has(line, " release "));
	CHECK(has(line, "this fd sent 120B, recv 4096B; socket open elsewhere (adopted)\n"));
	/* The connection's end, over the fds of two processes. */
	ev.kind = ST_EV_CLOSE;
	ev.users = 2;
	json(&ev, &style);
	CHECK(has(line, ",\"fd_replaced\":false,\"users\":2}"));
	human(&ev, &style);
	CHECK(has(line, ", recv 4096B over 2 fds (adopted)\n"));
	ev.users = 0;
	ev.conn_id = 0;
	ev.process_exited = true;
	human(&ev, &style);
	CHECK_STR(detail(line), "1.84ms, sent 120B, recv 4096B (process exited) (adopted)\n");
	ev.process_exited = false;
	CHECK(!strstr(line, "\"data\""));

	ev = data_make();
	json(&ev, &style);
	CHECK(json_line_ok(line));
	CHECK(has(line, "{\"event\":\"data\","));
	CHECK(has(line, ",\"direction\":\"send\",\"syscall\":\"write\",\"bytes\":20,"
			"\"delivered\":20,\"captured\":12,\"truncated\":true,"
			"\"capture_cut\":\"data-size\",\"pos\":25,\"gap_bytes\":15,"
			"\"gap_pos\":10,\"gap_lost\":0,"));
	CHECK(has(line, ",\"data\":\"GET /\\r\\n\\\\x1b[2J\\\\x07\"}"));
	CHECK(!strstr(line, "\"result\""));
	CHECK(!strstr(line, "data_b64"));
	style.json_b64 = true;
	json(&ev, &style);
	CHECK(json_line_ok(line));
	CHECK(has(line, ",\"data\":\"GET /\\r\\n\\\\x1b[2J\\\\x07\",\"data_b64\":\"R0VUIC8NChtbMkoH\"}"));

	/* Complete, contiguous: truncated false, gap_bytes 0, no gap_pos. */
	ev.bytes = ev.captured;
	ev.gap_bytes = 0;
	json(&ev, &style);
	CHECK(has(line, ",\"truncated\":false,"));
	CHECK(has(line, ",\"gap_bytes\":0,"));
	CHECK(!strstr(line, "gap_pos"));

	/* recvfrom(MSG_TRUNC): the datagram's length and what reached the buffer. */
	ev.direction = ST_DIR_RECV;
	ev.syscall = ST_SYS_RECVFROM;
	ev.bytes = 60;
	ev.undelivered = 60 - ev.captured;
	json(&ev, &style);
	CHECK(has(line, ",\"bytes\":60,\"delivered\":12,\"captured\":12,\"truncated\":true,"));

	/* A hostile comm, and output_ops_of picking JSON. */
	ev = event_make(ST_EV_CONNECT);
	memcpy(ev.process_name, hostile_comm, ST_COMM_LEN);
	{
		struct strbuf buf;

		strbuf_init(&buf, line, sizeof(line));
		CHECK(output_ops_of(&style) == &json_output && !json_output.header);
		output_ops_of(&style)->event(&buf, &ev, &style);
	}
	CHECK(json_line_ok(line));
	CHECK(has(line, ",\"comm\":\"\\\\x1b]0;pwn\\\\x07\\r\\n\\\\x1b[2Jx\","));
}

/* Exchanges: the engine's part of the line (missing sides, partial
 * messages, pushes, sizes) around the protocol's own. */
static void test_exchanges(void)
{
	struct output_style style = { .data_chars = 64 };
	struct event ev = event_make(ST_EV_DATA);
	static struct message request, response;
	struct http_message *get = PROTOCOL_BODY(&request, struct http_message);
	struct http_message *ok = PROTOCOL_BODY(&response, struct http_message);
	struct exchange exchange = {
		.protocol = &http_protocol,
		.request = &request,
		.response = &response,
		.request_ts_ns = 1000,
		.response_ts_ns = 3500,
		.request_bytes = 87,
		.response_bytes = 172298,
	};
	struct strbuf buf;

	request.protocol = response.protocol = &http_protocol;
	get->is_request = true;
	strcpy(get->method, "GET");
	strcpy(get->target, "/big");
	ok->status = 200;
	strcpy(ok->reason, "OK");
	response.partial = response.started = true;

	strbuf_init(&buf, line, sizeof(line));
	human_output.exchange(&buf, &ev, &exchange, &style);
	CHECK(has(line, " http GET /big -> 200 OK, 172 KB (not decoded)  2.5us  req 87B resp 172298B\n"));
	strbuf_init(&buf, line, sizeof(line));
	json_output.exchange(&buf, &ev, &exchange, &style);
	CHECK(json_line_ok(line));
	CHECK(has(line, ",\"latency_ns\":2500,"));
	CHECK(has(line, ",\"response\":{\"protocol\":\"http\",\"partial\":true,\"status\":200,"));
	CHECK(!strstr(line, "\"push\""));

	/* Nothing of it parsed: only its size. */
	response.started = false;
	strbuf_init(&buf, line, sizeof(line));
	human_output.exchange(&buf, &ev, &exchange, &style);
	CHECK(has(line, " http GET /big -> 172 KB (not decoded)  2.5us"));
	strbuf_init(&buf, line, sizeof(line));
	json_output.exchange(&buf, &ev, &exchange, &style);
	CHECK(has(line, ",\"response\":{\"protocol\":\"http\",\"partial\":true}}\n"));

	/* A push has no request; an unanswered request no response. */
	response.partial = false;
	exchange.request = NULL;
	exchange.unsolicited = true;
	strbuf_init(&buf, line, sizeof(line));
	human_output.exchange(&buf, &ev, &exchange, &style);
	CHECK(has(line, " http (server push) -> 200 OK  req 87B"));
	strbuf_init(&buf, line, sizeof(line));
	json_output.exchange(&buf, &ev, &exchange, &style);
	CHECK(has(line, ",\"latency_ns\":null,"));
	CHECK(has(line, ",\"push\":true,\"request\":null,"));
	exchange.request = &request;
	exchange.response = NULL;
	exchange.unsolicited = false;
	strbuf_init(&buf, line, sizeof(line));
	human_output.exchange(&buf, &ev, &exchange, &style);
	CHECK(has(line, " http GET /big -> (no response)  req 87B"));
	exchange.answered_before = true;
	strbuf_init(&buf, line, sizeof(line));
	human_output.exchange(&buf, &ev, &exchange, &style);
	CHECK(has(line, " http GET /big -> (answered inside the partial response before)  req 87B"));
	strbuf_init(&buf, line, sizeof(line));
	json_output.exchange(&buf, &ev, &exchange, &style);
	CHECK(has(line, ",\"answered_before\":true,\"request\":{"));
	CHECK(has(line, ",\"response\":null}\n"));
}

/* TLS plaintext: marked on data lines and exchanges, human and JSON. */
static void test_tls(void)
{
	static const uint8_t get[] = { 'G', 'E', 'T', ' ', '/', '\r', '\n' };
	struct output_style style = { .data_chars = 64 };
	struct event ev = event_make(ST_EV_DATA);
	static struct message request;
	struct http_message *msg = PROTOCOL_BODY(&request, struct http_message);
	struct exchange exchange = {
		.protocol = &http_protocol,
		.request = &request,
		.request_ts_ns = 1000,
		.response_ts_ns = 1000,
		.request_bytes = 7,
		.tls = true,
	};
	struct strbuf buf;

	ev.direction = ST_DIR_SEND;
	ev.syscall = ST_SYS_OPENSSL;
	ev.tls = ST_TLS_PLAINTEXT;
	ev.bytes = ev.captured = sizeof(get);
	ev.data = get;
	CHECK_STR(detail(human(&ev, &style)), "openssl 7B (tls) \"GET /\\r\\n\"\n");
	json(&ev, &style);
	CHECK(json_line_ok(line));
	CHECK(has(line, ",\"syscall\":\"openssl\","));
	CHECK(has(line, ",\"encrypted\":false,\"tls\":true,\"data\":"));
	CHECK(!strstr(line, "tls_socket"));
	ev.tls |= ST_TLS_FD_ADJACENT;
	json(&ev, &style);
	CHECK(has(line, ",\"tls\":true,\"tls_socket\":\"adjacent\","));
	ev.tls = ST_TLS_PLAINTEXT | ST_TLS_FD_CACHED;
	json(&ev, &style);
	CHECK(has(line, ",\"tls_socket\":\"cached\","));
	ev.tls = ST_TLS_PLAINTEXT | ST_TLS_NO_SOCKET;
	ev.fd = -1;
	CHECK_STR(detail(human(&ev, &style)), "openssl 7B (tls, socket unknown) \"GET /\\r\\n\"\n");
	json(&ev, &style);
	CHECK(has(line, ",\"fd\":-1,"));
	CHECK(has(line, ",\"tls_socket\":\"unknown\","));
	/* A record of a TLS call, shown with --show-ciphertext. */
	ev.fd = 3;
	ev.syscall = ST_SYS_WRITE;
	ev.tls = ST_TLS_CIPHERTEXT;
	ev.encrypted = true;
	CHECK(has(detail(human(&ev, &style)), "tls write 7B (encrypted)\n"));
	json(&ev, &style);
	CHECK(has(line, ",\"encrypted\":true,\"tls\":false,\"tls_records\":true,"));

	request.protocol = &http_protocol;
	msg->is_request = true;
	strcpy(msg->method, "GET");
	strcpy(msg->target, "/");
	strbuf_init(&buf, line, sizeof(line));
	human_output.exchange(&buf, &ev, &exchange, &style);
	CHECK(has(line, " http (tls) GET / -> (no response)  req 7B"));
	strbuf_init(&buf, line, sizeof(line));
	json_output.exchange(&buf, &ev, &exchange, &style);
	CHECK(has(line, ",\"tls\":true,\"request\":{"));
	exchange.tls = false;
	strbuf_init(&buf, line, sizeof(line));
	json_output.exchange(&buf, &ev, &exchange, &style);
	CHECK(has(line, ",\"tls\":false,\"request\":{"));
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_human();
	test_human_long_values();
	test_json();
	test_exchanges();
	test_tls();
	return check_report("test_output");
}
