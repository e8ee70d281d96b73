#define _GNU_SOURCE
/*
 * HTTP/2 and gRPC (src/protocols/http2*.c) through the protocol engine.
 * Connections are written here frame by frame, their header blocks by
 * libnghttp2's own HPACK deflater (the encoder curl, nginx and Envoy use),
 * then fed as the data events of one client socket the way the session
 * feeds them (as in test_exchange.c); the exchanges the engine hands over
 * are checked field by field. The parser itself is also driven directly on
 * exact-size heap copies, so that AddressSanitizer sees a read past len.
 */
#include <dirent.h>
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "decoder_test.h"
#include "output/output.h"
#include "protocols/exchange.h"
#include "protocols/http.h"
#include "protocols/http2.h"

/* The client socket's directions: it sends requests, receives responses. */
#define TO_SERVER ST_DIR_SEND
#define TO_CLIENT ST_DIR_RECV

#define FRAME_HEADER 9
enum { F_END_STREAM = 0x1, F_ACK = 0x1, F_END_HEADERS = 0x4, F_PADDED = 0x8, F_PRIORITY = 0x20 };
enum { SET_HEADER_TABLE_SIZE = 1, SET_MAX_CONCURRENT_STREAMS = 3, SET_INITIAL_WINDOW_SIZE = 4,
       SET_MAX_FRAME_SIZE = 5 };
enum { ERR_NO_ERROR = 0, ERR_REFUSED_STREAM = 7, ERR_CANCEL = 8, ERR_ENHANCE_YOUR_CALM = 11 };

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/* --- writing connections --- */

/* One direction's bytes as written, and how far they were sent. */
struct wire {
	uint8_t bytes[1 << 17];
	size_t len;
	size_t sent;
};

static struct wire to_server, to_client;

static void wires_reset(void)
{
	to_server.len = to_server.sent = 0;
	to_client.len = to_client.sent = 0;
}

static void wire_put(struct wire *w, const void *bytes, size_t len)
{
	if (len > sizeof(w->bytes) - w->len)
		abort();
	if (len)
		memcpy(w->bytes + w->len, bytes, len);
	w->len += len;
}

/* A frame (RFC 9113 section 4.1): its 9-byte header, then the payload.
 * Returns its size. */
static size_t frame_put(struct wire *w, uint8_t type, uint8_t flags, uint32_t stream,
			const void *payload, size_t len)
{
	const uint8_t head[FRAME_HEADER] = {
		(uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len, type, flags,
		(uint8_t)(stream >> 24), (uint8_t)(stream >> 16), (uint8_t)(stream >> 8),
		(uint8_t)stream,
	};

	wire_put(w, head, sizeof(head));
	wire_put(w, payload, len);
	return FRAME_HEADER + len;
}

static void be32_put(uint8_t *p, uint32_t value)
{
	p[0] = (uint8_t)(value >> 24);
	p[1] = (uint8_t)(value >> 16);
	p[2] = (uint8_t)(value >> 8);
	p[3] = (uint8_t)value;
}

/* A SETTINGS frame with one setting (id 0: none). */
static size_t settings_put(struct wire *w, uint16_t id, uint32_t value)
{
	uint8_t setting[6] = { (uint8_t)(id >> 8), (uint8_t)id };

	be32_put(setting + 2, value);
	return frame_put(w, H2_SETTINGS, 0, 0, setting, id ? sizeof(setting) : 0);
}

static size_t rst_put(struct wire *w, uint32_t stream, uint32_t code)
{
	uint8_t payload[4];

	be32_put(payload, code);
	return frame_put(w, H2_RST_STREAM, 0, stream, payload, sizeof(payload));
}

/* What curl 7.88.1 with --http2-prior-knowledge starts with: the preface,
 * its SETTINGS, a connection WINDOW_UPDATE. */
static size_t client_start(struct wire *w)
{
	uint8_t window[4] = { 0x3e, 0x7f, 0x00, 0x01 };
	uint8_t settings[12] = { 0, SET_MAX_CONCURRENT_STREAMS, 0, 0, 0, 100,
				 0, SET_INITIAL_WINDOW_SIZE, 0, 0x60, 0, 0 };
	size_t at = w->len;

	wire_put(w, preface, sizeof(preface) - 1);
	frame_put(w, H2_SETTINGS, 0, 0, settings, sizeof(settings));
	frame_put(w, H2_WINDOW_UPDATE, 0, 0, window, sizeof(window));
	return w->len - at;
}

/* The server's SETTINGS, then its ACK of the client's. */
static size_t server_start(struct wire *w)
{
	size_t at = w->len;

	settings_put(w, SET_MAX_CONCURRENT_STREAMS, 128);
	frame_put(w, H2_SETTINGS, F_ACK, 0, NULL, 0);
	return w->len - at;
}

#define NV(name, value)                                                               \
	{ (uint8_t *)(name), (uint8_t *)(value), sizeof(name) - 1, sizeof(value) - 1, \
	  NGHTTP2_NV_FLAG_NONE }
#define NVS(array) array, sizeof(array) / sizeof((array)[0])

static nghttp2_hd_deflater *deflater_new(size_t table)
{
	nghttp2_hd_deflater *deflater;

	if (nghttp2_hd_deflate_new(&deflater, table))
		abort();
	return deflater;
}

static size_t block_encode(nghttp2_hd_deflater *deflater, uint8_t *out, size_t cap,
			   const nghttp2_nv *nv, size_t count)
{
	ssize_t len = nghttp2_hd_deflate_hd(deflater, out, cap, nv, count);

	if (len < 0)
		abort();
	return (size_t)len;
}

/* A HEADERS frame with a whole header block (END_HEADERS added). */
static size_t headers_put(struct wire *w, nghttp2_hd_deflater *deflater, uint32_t stream,
			  uint8_t flags, const nghttp2_nv *nv, size_t count)
{
	uint8_t block[8192];
	size_t len = block_encode(deflater, block, sizeof(block), nv, count);

	return frame_put(w, H2_HEADERS, flags | F_END_HEADERS, stream, block, len);
}

static size_t data_put(struct wire *w, uint32_t stream, uint8_t flags, const void *data,
		       size_t len)
{
	return frame_put(w, H2_DATA, flags, stream, data, len);
}

/* A gRPC message: the compressed flag, a 4-byte length, the bytes. */
static size_t grpc_message_put(uint8_t *out, bool compressed, const char *body, size_t len)
{
	out[0] = compressed;
	be32_put(out + 1, (uint32_t)len);
	memcpy(out + 5, body, len);
	return 5 + len;
}

/* --- feeding them to the engine --- */

#define SEEN_MAX 300

static struct {
	struct exchange exchanges[SEEN_MAX];
	struct message requests[SEEN_MAX];
	struct message responses[SEEN_MAX];
	int count;
} seen;

static void exchange_record(void *ctx, const struct event *ev, const struct exchange *exchange)
{
	(void)ctx;
	(void)ev;
	if (seen.count == SEEN_MAX)
		return;
	seen.exchanges[seen.count] = *exchange;
	if (exchange->request)
		seen.requests[seen.count] = *exchange->request;
	if (exchange->response)
		seen.responses[seen.count] = *exchange->response;
	seen.count++;
}

struct h2_test {
	struct exchange_tracker tracker;
	struct proto_conn *state;
};

static void conn_open(struct h2_test *t)
{
	memset(t, 0, sizeof(*t));
	seen.count = 0;
	exchange_tracker_init(&t->tracker, exchange_record, &seen);
}

/* What the last event's data line shows: its captured bytes, credentials
 * masked. */
static struct {
	uint8_t bytes[sizeof(((struct wire *)0)->bytes)];
	size_t len;
	uint64_t pos;
} shown;

/* A data event of the client socket (connect()ed, to port 8080): bytes at
 * stream position pos, the first captured of them captured. */
static void conn_event(struct h2_test *t, uint8_t direction, uint64_t pos, const uint8_t *data,
		       size_t captured, uint64_t bytes, uint64_t ts)
{
	struct event ev = { 0 };
	const uint8_t *masked;

	ev.kind = ST_EV_DATA;
	ev.pid = 1;
	ev.fd = 3;
	ev.family = 2;
	ev.sock_type = 1;
	ev.sock_flags = ST_SOCK_CLIENT | ST_SOCK_REPORTED;
	ev.direction = direction;
	ev.syscall = direction == TO_SERVER ? ST_SYS_WRITE : ST_SYS_READ;
	ev.pos = pos;
	ev.data = data;
	ev.captured = (uint32_t)captured;
	ev.bytes = bytes;
	ev.ts_ns = ts;
	snprintf(ev.remote, sizeof(ev.remote), "127.0.0.1:8080");
	exchange_classify(&t->tracker, &t->state, &ev);
	exchange_on_data(&t->tracker, t->state, &ev);
	masked = exchange_masked(t->state, &ev, shown.bytes);
	if (masked != shown.bytes && captured)
		memcpy(shown.bytes, masked, captured);
	shown.len = captured;
	shown.pos = pos;
	exchange_flush(&t->tracker, &ev);
}

/* The last event showed wire bytes [at, at + len) as '*'. */
static bool shown_masked(size_t at, size_t len)
{
	if (at < shown.pos || at + len > shown.pos + shown.len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (shown.bytes[at - shown.pos + i] != '*')
			return false;
	return true;
}

static bool shown_has(const char *text)
{
	return memmem(shown.bytes, shown.len, text, strlen(text)) != NULL;
}

static struct wire *wire_of(uint8_t direction)
{
	return direction == TO_SERVER ? &to_server : &to_client;
}

/* The direction's bytes from where the last event stopped up to upto, in
 * one event, the first captured of them captured. */
static void send_cut(struct h2_test *t, uint8_t direction, size_t upto, size_t captured,
		     uint64_t ts)
{
	struct wire *w = wire_of(direction);

	conn_event(t, direction, w->sent, w->bytes + w->sent, captured, upto - w->sent, ts);
	w->sent = upto;
}

static void send_upto(struct h2_test *t, uint8_t direction, size_t upto, uint64_t ts)
{
	send_cut(t, direction, upto, upto - wire_of(direction)->sent, ts);
}

static void send_rest(struct h2_test *t, uint8_t direction, uint64_t ts)
{
	send_upto(t, direction, wire_of(direction)->len, ts);
}

static void conn_close(struct h2_test *t, uint64_t ts)
{
	struct event ev = { 0 };

	ev.kind = ST_EV_CLOSE;
	ev.ts_ns = ts;
	exchange_on_close(&t->tracker, &t->state, &ev);
	CHECK(t->state == NULL);
	CHECK_INT(t->tracker.memory_used, 0);
	exchange_tracker_free(&t->tracker);
}

static const struct http2_half *request_of(int i)
{
	CHECK(i < seen.count && seen.exchanges[i].request);
	return &PROTOCOL_BODY(&seen.requests[i], struct http2_message)->half;
}

static const struct http2_half *response_of(int i)
{
	CHECK(i < seen.count && seen.exchanges[i].response);
	return &PROTOCOL_BODY(&seen.responses[i], struct http2_message)->half;
}

/* --- output --- */

static char line[4096];

static const char *human(const struct message *m, bool request)
{
	struct output_style style = { 0 };
	struct strbuf out;

	strbuf_init(&out, line, sizeof(line));
	http2_protocol.human_put(&out, m, request, &style);
	return line;
}

static const char *json(const struct message *m)
{
	struct output_style style = { .json = true };
	struct strbuf out;

	strbuf_init(&out, line, sizeof(line));
	http2_protocol.json_put(&out, m, &style);
	return line;
}

/* What ends exchange i's human line. */
static const char *tail(int i)
{
	const struct exchange *e = &seen.exchanges[i];
	struct strbuf out;

	strbuf_init(&out, line, sizeof(line));
	http2_protocol.exchange_tail(&out, e->request ? &seen.requests[i] : NULL,
				     e->response ? &seen.responses[i] : NULL);
	return line;
}

static const char *label(int i)
{
	const struct exchange *e = &seen.exchanges[i];
	const char *name = http2_protocol.exchange_label(e->request ? &seen.requests[i] : NULL,
							  e->response ? &seen.responses[i] : NULL);

	return name ? name : "(none)";
}

/* --- the cases --- */

static const nghttp2_nv get_index[] = {
	NV(":method", "GET"), NV(":scheme", "http"), NV(":authority", "example.com"),
	NV(":path", "/index.html"), NV("user-agent", "curl/7.88.1"), NV("accept", "*/*"),
};

/* curl's GET and a 5-byte text answer: one exchange, every field, its
 * sizes the frames of its stream and its latency from the request's
 * HEADERS to the response's last byte. */
static void simple_get(void)
{
	static const nghttp2_nv response[] = {
		NV(":status", "200"), NV("content-type", "text/plain"), NV("content-length", "5"),
	};
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);
	size_t start, request_frame, server_settings, response_headers, response_data;
	struct h2_test t;

	wires_reset();
	start = client_start(&to_server);
	request_frame = headers_put(&to_server, client, 1, F_END_STREAM, NVS(get_index));
	server_settings = server_start(&to_client);
	response_headers = headers_put(&to_client, server, 1, 0, NVS(response));
	response_data = data_put(&to_client, 1, F_END_STREAM, "hello", 5);
	frame_put(&to_server, H2_SETTINGS, F_ACK, 0, NULL, 0);

	conn_open(&t);
	send_upto(&t, TO_SERVER, start, 100);
	send_upto(&t, TO_SERVER, start + request_frame, 110);
	send_upto(&t, TO_CLIENT, server_settings, 200);
	send_upto(&t, TO_CLIENT, server_settings + response_headers, 210);
	CHECK_INT(seen.count, 0);
	send_rest(&t, TO_CLIENT, 250);
	send_rest(&t, TO_SERVER, 260);
	CHECK_INT(seen.count, 1);
	CHECK(seen.exchanges[0].protocol == &http2_protocol);
	CHECK(!seen.exchanges[0].alone && !seen.exchanges[0].unsolicited);
	CHECK_INT(seen.exchanges[0].request_ts_ns, 110);
	CHECK_INT(seen.exchanges[0].response_ts_ns, 250);
	CHECK_INT(seen.exchanges[0].request_bytes, request_frame);
	CHECK_INT(seen.exchanges[0].response_bytes, response_headers + response_data);
	CHECK(!seen.requests[0].partial && !seen.responses[0].partial);
	CHECK_INT(request_of(0)->stream_id, 1);
	CHECK_STR(request_of(0)->method, "GET");
	CHECK_STR(request_of(0)->scheme, "http");
	CHECK_STR(request_of(0)->authority, "example.com");
	CHECK_STR(request_of(0)->path, "/index.html");
	CHECK_INT(request_of(0)->frames, 1);
	CHECK_INT(request_of(0)->data_bytes, 0);
	CHECK(!request_of(0)->open && !request_of(0)->reset);
	CHECK_INT(request_of(0)->headers_unknown, 0);
	CHECK_INT(response_of(0)->stream_id, 1);
	CHECK_INT(response_of(0)->status, 200);
	CHECK_STR(response_of(0)->content_type, "text/plain");
	CHECK_INT(response_of(0)->frames, 2);
	CHECK_INT(response_of(0)->data_bytes, 5);
	CHECK(!response_of(0)->trailers && !response_of(0)->grpc.seen);
	CHECK_STR(human(&seen.requests[0], true), "GET /index.html");
	CHECK_STR(human(&seen.responses[0], false), "200");
	CHECK_STR(tail(0), "  stream 1");
	CHECK_STR(label(0), "(none)");
	CHECK_STR(json(&seen.requests[0]),
		  ",\"stream\":1,\"method\":\"GET\",\"scheme\":\"http\","
		  "\"authority\":\"example.com\",\"path\":\"/index.html\",\"content_type\":null,"
		  "\"frames\":1,\"data_bytes\":0");
	CHECK_STR(json(&seen.responses[0]),
		  ",\"stream\":1,\"status\":200,\"content_type\":\"text/plain\",\"frames\":2"
		  ",\"data_bytes\":5");
	CHECK_INT(t.tracker.streams_invalid, 0);
	CHECK_INT(t.tracker.messages_partial, 0);
	conn_close(&t, 300);
	CHECK_INT(seen.count, 1);

	/* The same bytes a byte at a time, each its own event. */
	to_server.sent = to_client.sent = 0;
	conn_open(&t);
	while (to_server.sent < to_server.len)
		send_upto(&t, TO_SERVER, to_server.sent + 1, 100 + to_server.sent);
	while (to_client.sent < to_client.len)
		send_upto(&t, TO_CLIENT, to_client.sent + 1, 1000 + to_client.sent);
	CHECK_INT(seen.count, 1);
	CHECK_STR(request_of(0)->path, "/index.html");
	CHECK_STR(request_of(0)->authority, "example.com");
	CHECK_INT(response_of(0)->status, 200);
	CHECK_INT(response_of(0)->data_bytes, 5);
	CHECK_INT(seen.exchanges[0].request_ts_ns, 100 + start);
	CHECK_INT(seen.exchanges[0].response_ts_ns, 1000 + to_client.len - 1);
	CHECK_INT(seen.exchanges[0].request_bytes, request_frame);
	CHECK_INT(seen.exchanges[0].response_bytes, response_headers + response_data);
	conn_close(&t, 3000);
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

/* Three streams at once, answered in reverse order with their frames
 * interleaved, the server's bytes split in two events at every offset:
 * three exchanges, each paired by its stream id. */
static void interleaved_streams(void)
{
	static const nghttp2_nv one[] = { NV(":method", "GET"), NV(":scheme", "http"),
					  NV(":authority", "example.com"), NV(":path", "/one") };
	static const nghttp2_nv three[] = { NV(":method", "GET"), NV(":scheme", "http"),
					    NV(":authority", "example.com"),
					    NV(":path", "/three") };
	static const nghttp2_nv five[] = { NV(":method", "HEAD"), NV(":scheme", "http"),
					   NV(":authority", "example.com"), NV(":path", "/five") };
	static const nghttp2_nv ok[] = { NV(":status", "201"), NV("content-type", "text/one") };
	static const nghttp2_nv missing[] = { NV(":status", "404"),
					      NV("content-type", "text/three") };
	static const nghttp2_nv fine[] = { NV(":status", "200"), NV("content-type", "text/five") };
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);
	size_t request[6], response[6] = { 0 }, end[6];
	const uint32_t order[3] = { 5, 1, 3 };

	wires_reset();
	client_start(&to_server);
	request[1] = headers_put(&to_server, client, 1, F_END_STREAM, NVS(one));
	request[3] = headers_put(&to_server, client, 3, F_END_STREAM, NVS(three));
	request[5] = headers_put(&to_server, client, 5, F_END_STREAM, NVS(five));
	server_start(&to_client);
	response[5] += headers_put(&to_client, server, 5, 0, NVS(fine));
	response[3] += headers_put(&to_client, server, 3, 0, NVS(missing));
	response[3] += data_put(&to_client, 3, 0, "thr", 3);
	response[5] += data_put(&to_client, 5, F_END_STREAM, "fivefive", 8);
	end[5] = to_client.len;
	response[1] += headers_put(&to_client, server, 1, 0, NVS(ok));
	response[1] += data_put(&to_client, 1, F_END_STREAM, "1", 1);
	end[1] = to_client.len;
	response[3] += data_put(&to_client, 3, F_END_STREAM, "ee", 2);
	end[3] = to_client.len;

	for (size_t cut = 1; cut < to_client.len; cut++) {
		struct h2_test t;

		to_server.sent = to_client.sent = 0;
		conn_open(&t);
		send_rest(&t, TO_SERVER, 100);
		send_upto(&t, TO_CLIENT, cut, 300);
		send_rest(&t, TO_CLIENT, 400);
		CHECK_INT(seen.count, 3);
		for (int i = 0; i < 3 && i < seen.count; i++) {
			uint32_t stream = order[i];

			CHECK_INT(request_of(i)->stream_id, stream);
			CHECK_INT(response_of(i)->stream_id, stream);
			CHECK_INT(seen.exchanges[i].request_bytes, request[stream]);
			CHECK_INT(seen.exchanges[i].response_bytes, response[stream]);
			CHECK_INT(seen.exchanges[i].request_ts_ns, 100);
			CHECK_INT(seen.exchanges[i].response_ts_ns, end[stream] <= cut ? 300 : 400);
		}
		if (seen.count == 3) {
			CHECK_STR(request_of(0)->method, "HEAD");
			CHECK_STR(request_of(0)->path, "/five");
			CHECK_INT(response_of(0)->status, 200);
			CHECK_STR(response_of(0)->content_type, "text/five");
			CHECK_INT(response_of(0)->data_bytes, 8);
			CHECK_STR(request_of(1)->path, "/one");
			CHECK_INT(response_of(1)->status, 201);
			CHECK_STR(response_of(1)->content_type, "text/one");
			CHECK_INT(response_of(1)->data_bytes, 1);
			CHECK_STR(request_of(2)->path, "/three");
			CHECK_INT(response_of(2)->status, 404);
			CHECK_STR(response_of(2)->content_type, "text/three");
			CHECK_INT(response_of(2)->data_bytes, 5);
			CHECK_INT(response_of(2)->frames, 3);
		}
		CHECK_INT(t.tracker.streams_invalid, 0);
		conn_close(&t, 500);
		CHECK_INT(seen.count, 3);
	}
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

/* A header block in three fragments (HEADERS then two CONTINUATION, cut
 * inside field representations), HEADERS with padding and a priority,
 * padded DATA, a PRIORITY frame and a frame of an unknown type between
 * streams; the client's bytes split at every offset. */
static void continuation_padding_priority(void)
{
	static const nghttp2_nv request[] = {
		NV(":method", "GET"), NV(":scheme", "https"),
		NV(":authority", "continuation.example"),
		NV(":path", "/a/path/long/enough/to/be/cut/into/three/fragments"),
		NV("user-agent", "test-agent/2.0 (continuation)"), NV("accept-language", "en-US"),
	};
	static const nghttp2_nv second[] = {
		NV(":method", "DELETE"), NV(":scheme", "https"),
		NV(":authority", "continuation.example"), NV(":path", "/second"),
	};
	static const nghttp2_nv response[] = { NV(":status", "200"),
					       NV("content-type", "application/json") };
	static const nghttp2_nv gone[] = { NV(":status", "204") };
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);
	uint8_t block[512], payload[600];
	size_t len, third, request_bytes = 0, second_bytes, response_bytes = 0;
	/* A priority's dependency: exclusive, on stream 0. */
	const uint8_t exclusive_on_0[4] = { 0x80, 0, 0, 0 };

	wires_reset();
	client_start(&to_server);
	len = block_encode(client, block, sizeof(block), NVS(request));
	third = len / 3;
	/* Pad length 4, the priority (exclusive, stream 0, weight 16), the
	 * first third, 4 bytes of padding. */
	payload[0] = 4;
	memcpy(payload + 1, exclusive_on_0, 4);
	payload[5] = 15;
	memcpy(payload + 6, block, third);
	memset(payload + 6 + third, 0, 4);
	request_bytes += frame_put(&to_server, H2_HEADERS, F_PADDED | F_PRIORITY | F_END_STREAM, 1,
				   payload, 6 + third + 4);
	request_bytes += frame_put(&to_server, H2_CONTINUATION, 0, 1, block + third, third);
	request_bytes += frame_put(&to_server, H2_CONTINUATION, F_END_HEADERS, 1, block + 2 * third,
				   len - 2 * third);
	/* PRIORITY of stream 3, and a type no RFC defines, between the streams. */
	memcpy(payload, exclusive_on_0, 4);
	payload[4] = 200;
	frame_put(&to_server, H2_PRIORITY, 0, 3, payload, 5);
	frame_put(&to_server, 0xfa, 0x3f, 0, "ignored", 7);
	/* A HEADERS with only a priority. */
	len = block_encode(client, block, sizeof(block), NVS(second));
	memcpy(payload, exclusive_on_0, 4);
	payload[4] = 7;
	memcpy(payload + 5, block, len);
	second_bytes = frame_put(&to_server, H2_HEADERS,
				 F_PRIORITY | F_END_HEADERS | F_END_STREAM, 3, payload, 5 + len);

	server_start(&to_client);
	len = block_encode(server, block, sizeof(block), NVS(response));
	payload[0] = 7;
	memcpy(payload + 1, block, len);
	memset(payload + 1 + len, 0, 7);
	response_bytes += frame_put(&to_client, H2_HEADERS, F_PADDED | F_END_HEADERS, 1, payload,
				    1 + len + 7);
	payload[0] = 20;
	memcpy(payload + 1, "padded!", 7);
	memset(payload + 8, 0, 20);
	response_bytes += frame_put(&to_client, H2_DATA, F_PADDED | F_END_STREAM, 1, payload, 28);
	headers_put(&to_client, server, 3, F_END_STREAM, NVS(gone));

	for (size_t cut = 1; cut < to_server.len; cut++) {
		struct h2_test t;

		to_server.sent = to_client.sent = 0;
		conn_open(&t);
		send_upto(&t, TO_SERVER, cut, 100);
		send_rest(&t, TO_SERVER, 110);
		send_rest(&t, TO_CLIENT, 200);
		CHECK_INT(seen.count, 2);
		CHECK_INT(t.tracker.streams_invalid, 0);
		if (seen.count != 2) {
			conn_close(&t, 300);
			continue;
		}
		CHECK_STR(request_of(0)->method, "GET");
		CHECK_STR(request_of(0)->scheme, "https");
		CHECK_STR(request_of(0)->authority, "continuation.example");
		CHECK_STR(request_of(0)->path,
			  "/a/path/long/enough/to/be/cut/into/three/fragments");
		CHECK_INT(request_of(0)->frames, 3);
		CHECK(!request_of(0)->headers_failed);
		CHECK_INT(seen.exchanges[0].request_bytes, request_bytes);
		CHECK_INT(response_of(0)->status, 200);
		CHECK_STR(response_of(0)->content_type, "application/json");
		CHECK_INT(response_of(0)->frames, 2);
		CHECK_INT(response_of(0)->data_bytes, 7);
		CHECK_INT(seen.exchanges[0].response_bytes, response_bytes);
		CHECK_INT(request_of(1)->stream_id, 3);
		CHECK_STR(request_of(1)->method, "DELETE");
		CHECK_STR(request_of(1)->path, "/second");
		CHECK_INT(seen.exchanges[1].request_bytes, second_bytes);
		CHECK_INT(response_of(1)->status, 204);
		CHECK_INT(response_of(1)->frames, 1);
		conn_close(&t, 300);
	}
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

/*
 * The client allows a 64 KiB header table (SETTINGS_HEADER_TABLE_SIZE),
 * with its first SETTINGS or a later one, and the server's encoder uses
 * it: two fields of 2,000 bytes and a content-type that a 4 KiB table
 * would have evicted, named by their index in the next block.
 */
static void larger_header_table(bool later)
{
	static char filler_a[2000], filler_b[2000];
	static const nghttp2_nv small[] = { NV(":status", "200"),
					    NV("content-type", "text/small") };
	const nghttp2_nv big[] = {
		NV(":status", "200"),
		NV("content-type", "text/first"),
		{ (uint8_t *)"x-filler-a", (uint8_t *)filler_a, 10, sizeof(filler_a),
		  NGHTTP2_NV_FLAG_NONE },
		{ (uint8_t *)"x-filler-b", (uint8_t *)filler_b, 10, sizeof(filler_b),
		  NGHTTP2_NV_FLAG_NONE },
	};
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(65536);
	uint32_t first = later ? 3 : 1;
	size_t client_mark = 0, server_mark = 0, mark;
	struct h2_test t;

	memset(filler_a, 'a', sizeof(filler_a));
	memset(filler_b, 'b', sizeof(filler_b));
	wires_reset();
	wire_put(&to_server, preface, sizeof(preface) - 1);
	settings_put(&to_server, later ? 0 : SET_HEADER_TABLE_SIZE, 65536);
	server_start(&to_client);
	if (later) {
		/* An exchange with the default table first: the server's
		 * decoder exists when the setting comes. */
		headers_put(&to_server, client, 1, F_END_STREAM, NVS(get_index));
		headers_put(&to_client, server, 1, F_END_STREAM, NVS(small));
		client_mark = to_server.len;
		server_mark = to_client.len;
		settings_put(&to_server, SET_HEADER_TABLE_SIZE, 65536);
	}
	/* The server applies the client's setting: a size update leads its
	 * next block. */
	nghttp2_hd_deflate_change_table_size(server, 65536);
	headers_put(&to_server, client, first, F_END_STREAM, NVS(get_index));
	headers_put(&to_server, client, first + 2, F_END_STREAM, NVS(get_index));
	headers_put(&to_client, server, first, F_END_STREAM, NVS(big));
	mark = to_client.len;
	headers_put(&to_client, server, first + 2, F_END_STREAM, NVS(big));
	/* Every field by its index: the table kept them all. */
	CHECK(to_client.len - mark < FRAME_HEADER + 8);

	conn_open(&t);
	if (later) {
		send_upto(&t, TO_SERVER, client_mark, 100);
		send_upto(&t, TO_CLIENT, server_mark, 150);
		CHECK_INT(seen.count, 1);
		CHECK_STR(response_of(0)->content_type, "text/small");
	}
	send_rest(&t, TO_SERVER, 200);
	send_rest(&t, TO_CLIENT, 300);
	CHECK_INT(seen.count, later ? 3 : 2);
	for (int i = later ? 1 : 0; i < seen.count; i++) {
		CHECK_INT(response_of(i)->status, 200);
		CHECK_STR(response_of(i)->content_type, "text/first");
		CHECK(!response_of(i)->headers_failed);
		CHECK_INT(response_of(i)->headers_unknown, 0);
	}
	CHECK_INT(t.tracker.streams_invalid, 0);
	conn_close(&t, 400);
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

/* A POST that waits for 100 Continue, then its body, then 200 and a body
 * with trailers: one exchange, the final status. */
static void interim_and_trailers(void)
{
	static const nghttp2_nv post[] = {
		NV(":method", "POST"), NV(":scheme", "http"), NV(":authority", "example.com"),
		NV(":path", "/upload"), NV("expect", "100-continue"), NV("content-length", "3"),
	};
	static const nghttp2_nv proceed[] = { NV(":status", "100") };
	static const nghttp2_nv done[] = { NV(":status", "200"), NV("content-type", "text/plain") };
	static const nghttp2_nv trailers[] = { NV("x-checksum", "1234") };
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);
	size_t request_bytes, response_bytes, mark, proceed_mark;
	struct h2_test t;

	wires_reset();
	client_start(&to_server);
	request_bytes = headers_put(&to_server, client, 1, 0, NVS(post));
	mark = to_server.len;
	request_bytes += data_put(&to_server, 1, F_END_STREAM, "abc", 3);
	server_start(&to_client);
	response_bytes = headers_put(&to_client, server, 1, 0, NVS(proceed));
	proceed_mark = to_client.len;
	response_bytes += headers_put(&to_client, server, 1, 0, NVS(done));
	response_bytes += data_put(&to_client, 1, 0, "ok", 2);
	response_bytes += headers_put(&to_client, server, 1, F_END_STREAM, NVS(trailers));

	conn_open(&t);
	send_upto(&t, TO_SERVER, mark, 100);
	send_upto(&t, TO_CLIENT, proceed_mark, 200);
	CHECK_INT(seen.count, 0);
	send_rest(&t, TO_SERVER, 300);
	CHECK_INT(seen.count, 0);
	send_rest(&t, TO_CLIENT, 400);
	CHECK_INT(seen.count, 1);
	CHECK_STR(request_of(0)->method, "POST");
	CHECK_INT(request_of(0)->frames, 2);
	CHECK_INT(request_of(0)->data_bytes, 3);
	CHECK_INT(seen.exchanges[0].request_bytes, request_bytes);
	CHECK_INT(response_of(0)->status, 200);
	CHECK_STR(response_of(0)->content_type, "text/plain");
	CHECK(response_of(0)->trailers);
	CHECK_INT(response_of(0)->frames, 4);
	CHECK_INT(response_of(0)->data_bytes, 2);
	CHECK_INT(seen.exchanges[0].response_bytes, response_bytes);
	CHECK_INT(seen.exchanges[0].request_ts_ns, 100);
	CHECK_INT(seen.exchanges[0].response_ts_ns, 400);
	conn_close(&t, 500);
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

/* RST_STREAM: the client cancels after its request (the response is
 * reported reset by the client), the server refuses a request still being
 * sent, and a reset of a stream never seen changes nothing. */
static void resets(void)
{
	static const nghttp2_nv post[] = {
		NV(":method", "POST"), NV(":scheme", "http"), NV(":authority", "example.com"),
		NV(":path", "/big-upload"),
	};
	static const nghttp2_nv ok[] = { NV(":status", "200") };
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);
	size_t first_request, first_response, second_request, before_reset, body_rest;
	struct h2_test t;

	wires_reset();
	client_start(&to_server);
	first_request = headers_put(&to_server, client, 1, F_END_STREAM, NVS(get_index));
	server_start(&to_client);
	first_response = headers_put(&to_client, server, 1, 0, NVS(ok));
	before_reset = to_server.len;
	rst_put(&to_server, 1, ERR_CANCEL);
	/* DATA the server had sent before it saw the reset. */
	data_put(&to_client, 1, F_END_STREAM, "late", 4);

	conn_open(&t);
	send_upto(&t, TO_SERVER, before_reset, 100);
	send_upto(&t, TO_CLIENT, to_client.len - FRAME_HEADER - 4, 200);
	CHECK_INT(seen.count, 0);
	send_rest(&t, TO_SERVER, 300);
	CHECK_INT(seen.count, 1);
	CHECK_STR(request_of(0)->path, "/index.html");
	CHECK(!request_of(0)->reset);
	CHECK_INT(response_of(0)->status, 200);
	CHECK(response_of(0)->reset && response_of(0)->reset_by_client);
	CHECK_INT(response_of(0)->reset_code, ERR_CANCEL);
	CHECK(response_of(0)->open);
	CHECK_INT(seen.exchanges[0].request_bytes, first_request);
	CHECK_INT(seen.exchanges[0].response_bytes, first_response);
	CHECK_INT(seen.exchanges[0].response_ts_ns, 300);
	CHECK_STR(human(&seen.responses[0], false), "200, reset by client CANCEL (not ended)");
	CHECK_STR(json(&seen.responses[0]),
		  ",\"stream\":1,\"status\":200,\"content_type\":null,\"frames\":1,\"data_bytes\":0"
		  ",\"ended\":false,\"reset\":{\"by\":\"client\",\"error_code\":8,"
		  "\"error\":\"CANCEL\"}");
	send_rest(&t, TO_CLIENT, 400);
	CHECK_INT(seen.count, 1);

	/* The server refuses stream 3 while its body is still coming. */
	second_request = headers_put(&to_server, client, 3, 0, NVS(post));
	second_request += data_put(&to_server, 3, 0, "part", 4);
	body_rest = to_server.len;
	data_put(&to_server, 3, F_END_STREAM, "rest", 4);
	rst_put(&to_client, 3, ERR_REFUSED_STREAM);
	rst_put(&to_client, 9, ERR_CANCEL);
	send_upto(&t, TO_SERVER, body_rest, 500);
	send_rest(&t, TO_CLIENT, 600);
	CHECK_INT(seen.count, 2);
	CHECK_STR(request_of(1)->method, "POST");
	CHECK_STR(request_of(1)->path, "/big-upload");
	CHECK(request_of(1)->reset && !request_of(1)->reset_by_client);
	CHECK_INT(request_of(1)->reset_code, ERR_REFUSED_STREAM);
	CHECK(request_of(1)->open);
	CHECK_INT(request_of(1)->data_bytes, 4);
	CHECK_INT(seen.exchanges[1].request_bytes, second_request);
	CHECK_INT(seen.exchanges[1].request_ts_ns, 500);
	CHECK_STR(human(&seen.requests[1], true), "POST /big-upload (reset by server) (not ended)");
	/* The reset is the answer. */
	CHECK(response_of(1)->reset && !response_of(1)->reset_by_client);
	CHECK_INT(response_of(1)->reset_code, ERR_REFUSED_STREAM);
	CHECK_INT(response_of(1)->frames, 0);
	CHECK_INT(seen.exchanges[1].response_bytes, 0);
	CHECK_INT(seen.exchanges[1].response_ts_ns, 600);
	CHECK_STR(human(&seen.responses[1], false), "reset by server REFUSED_STREAM (not ended)");
	/* The rest of its body, sent before the client saw the reset. */
	send_rest(&t, TO_SERVER, 700);
	CHECK_INT(seen.count, 2);
	CHECK_INT(t.tracker.streams_invalid, 0);
	conn_close(&t, 800);
	CHECK_INT(seen.count, 2);
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

/* GOAWAY is reported alone: its last stream, error and debug data (the
 * first 63 bytes of a longer one, the rest skipped). */
static void goaway(void)
{
	static const nghttp2_nv ok[] = { NV(":status", "200") };
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);
	uint8_t payload[8 + 200];
	size_t first, second;
	struct h2_test t;

	wires_reset();
	client_start(&to_server);
	headers_put(&to_server, client, 1, F_END_STREAM, NVS(get_index));
	headers_put(&to_server, client, 3, F_END_STREAM, NVS(get_index));
	server_start(&to_client);
	be32_put(payload, 3);
	be32_put(payload + 4, ERR_ENHANCE_YOUR_CALM);
	memcpy(payload + 8, "calm down", 9);
	first = frame_put(&to_client, H2_GOAWAY, 0, 0, payload, 8 + 9);
	headers_put(&to_client, server, 1, F_END_STREAM, NVS(ok));
	be32_put(payload, 3);
	be32_put(payload + 4, ERR_NO_ERROR);
	for (int i = 0; i < 200; i++)
		payload[8 + i] = (uint8_t)('a' + i % 26);
	second = frame_put(&to_client, H2_GOAWAY, 0, 0, payload, sizeof(payload));
	headers_put(&to_client, server, 3, F_END_STREAM, NVS(ok));

	conn_open(&t);
	send_rest(&t, TO_SERVER, 100);
	send_rest(&t, TO_CLIENT, 200);
	CHECK_INT(seen.count, 4);
	if (seen.count == 4) {
		const struct http2_message *g =
			PROTOCOL_BODY(&seen.requests[0], struct http2_message);

		CHECK(seen.exchanges[0].alone && !seen.exchanges[0].response);
		CHECK(g->is_goaway);
		CHECK_INT(g->goaway.last_stream_id, 3);
		CHECK_INT(g->goaway.error_code, ERR_ENHANCE_YOUR_CALM);
		CHECK_STR(g->goaway.debug, "calm down");
		CHECK_INT(seen.exchanges[0].request_bytes, first);
		CHECK_INT(seen.exchanges[0].request_ts_ns, 200);
		CHECK_STR(human(&seen.requests[0], true),
			  "GOAWAY ENHANCE_YOUR_CALM last stream 3 \"calm down\"");
		CHECK_STR(json(&seen.requests[0]),
			  ",\"goaway\":{\"last_stream\":3,\"error_code\":11,"
			  "\"error\":\"ENHANCE_YOUR_CALM\",\"debug\":\"calm down\"}");
		CHECK_INT(response_of(1)->stream_id, 1);
		g = PROTOCOL_BODY(&seen.requests[2], struct http2_message);
		CHECK(seen.exchanges[2].alone && g->is_goaway);
		CHECK_INT(g->goaway.error_code, ERR_NO_ERROR);
		CHECK_INT(strlen(g->goaway.debug), TEXT_SHORT - 1);
		CHECK(!memcmp(g->goaway.debug, payload + 8, TEXT_SHORT - 1));
		CHECK_INT(seen.exchanges[2].request_bytes, second);
		CHECK_INT(response_of(3)->stream_id, 3);
		CHECK_INT(response_of(3)->status, 200);
	}
	CHECK_INT(t.tracker.streams_invalid, 0);
	conn_close(&t, 300);
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

/* A server push: the promised request (PUSH_PROMISE on stream 1, stream 2
 * promised) pairs with the response on stream 2. */
static void server_push(void)
{
	static const nghttp2_nv promised[] = {
		NV(":method", "GET"), NV(":scheme", "http"), NV(":authority", "example.com"),
		NV(":path", "/style.css"),
	};
	static const nghttp2_nv page[] = { NV(":status", "200"), NV("content-type", "text/html") };
	static const nghttp2_nv css[] = { NV(":status", "200"), NV("content-type", "text/css") };
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);
	uint8_t payload[256];
	size_t len, promise, pushed_response, mark;
	struct h2_test t;

	wires_reset();
	client_start(&to_server);
	headers_put(&to_server, client, 1, F_END_STREAM, NVS(get_index));
	server_start(&to_client);
	be32_put(payload, 2);
	len = block_encode(server, payload + 4, sizeof(payload) - 4, NVS(promised));
	mark = to_client.len;
	promise = frame_put(&to_client, H2_PUSH_PROMISE, F_END_HEADERS, 1, payload, 4 + len);
	headers_put(&to_client, server, 1, 0, NVS(page));
	pushed_response = headers_put(&to_client, server, 2, 0, NVS(css));
	pushed_response += data_put(&to_client, 2, F_END_STREAM, "p{}", 3);
	data_put(&to_client, 1, F_END_STREAM, "<html>", 6);

	conn_open(&t);
	send_rest(&t, TO_SERVER, 100);
	send_upto(&t, TO_CLIENT, mark, 200);
	send_rest(&t, TO_CLIENT, 300);
	CHECK_INT(seen.count, 2);
	CHECK_INT(request_of(0)->stream_id, 2);
	CHECK(request_of(0)->pushed);
	CHECK_STR(request_of(0)->method, "GET");
	CHECK_STR(request_of(0)->path, "/style.css");
	CHECK_STR(request_of(0)->authority, "example.com");
	CHECK_INT(request_of(0)->frames, 1);
	CHECK_INT(seen.exchanges[0].request_bytes, promise);
	CHECK_INT(seen.exchanges[0].request_ts_ns, 300);
	CHECK_INT(response_of(0)->stream_id, 2);
	CHECK_STR(response_of(0)->content_type, "text/css");
	CHECK_INT(response_of(0)->data_bytes, 3);
	CHECK_INT(seen.exchanges[0].response_bytes, pushed_response);
	CHECK_STR(human(&seen.requests[0], true), "GET /style.css (pushed)");
	CHECK_INT(request_of(1)->stream_id, 1);
	CHECK(!request_of(1)->pushed);
	CHECK_STR(response_of(1)->content_type, "text/html");
	CHECK_INT(response_of(1)->data_bytes, 6);
	CHECK_INT(t.tracker.streams_invalid, 0);
	conn_close(&t, 400);
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

static const nghttp2_nv grpc_call[] = {
	NV(":method", "POST"), NV(":scheme", "http"), NV(":path", "/pkg.Greeter/SayHello"),
	NV(":authority", "localhost:50051"), NV("content-type", "application/grpc"),
	NV("te", "trailers"), NV("grpc-timeout", "1S"),
};
static const nghttp2_nv grpc_head[] = { NV(":status", "200"),
					NV("content-type", "application/grpc+proto") };
static const nghttp2_nv grpc_not_found[] = { NV("grpc-status", "5"),
					     NV("grpc-message", "no%20such") };

/* A gRPC call: one request message, two response messages, trailers with
 * grpc-status 5 and a percent-encoded grpc-message; the server's bytes
 * split at every offset. */
static void grpc_call_status(void)
{
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);
	uint8_t payload[64];
	size_t len;

	wires_reset();
	client_start(&to_server);
	headers_put(&to_server, client, 1, 0, NVS(grpc_call));
	len = grpc_message_put(payload, false, "\x0a\x05world", 7);
	data_put(&to_server, 1, F_END_STREAM, payload, len);
	server_start(&to_client);
	headers_put(&to_client, server, 1, 0, NVS(grpc_head));
	len = grpc_message_put(payload, false, "abc", 3);
	len += grpc_message_put(payload + len, false, "defg", 4);
	data_put(&to_client, 1, 0, payload, len);
	headers_put(&to_client, server, 1, F_END_STREAM, NVS(grpc_not_found));

	for (size_t cut = 1; cut < to_client.len; cut++) {
		struct h2_test t;

		to_server.sent = to_client.sent = 0;
		conn_open(&t);
		send_rest(&t, TO_SERVER, 100);
		send_upto(&t, TO_CLIENT, cut, 200);
		send_rest(&t, TO_CLIENT, 300);
		CHECK_INT(seen.count, 1);
		if (seen.count != 1) {
			conn_close(&t, 400);
			continue;
		}
		CHECK(request_of(0)->grpc.seen);
		CHECK_INT(request_of(0)->grpc.messages, 1);
		CHECK_INT(request_of(0)->grpc.message_bytes, 7);
		CHECK(!request_of(0)->grpc.compressed);
		CHECK_INT(request_of(0)->data_bytes, 12);
		CHECK(response_of(0)->grpc.seen);
		CHECK_INT(response_of(0)->grpc.messages, 2);
		CHECK_INT(response_of(0)->grpc.message_bytes, 7);
		CHECK(!response_of(0)->grpc.count_lost);
		CHECK(response_of(0)->grpc.status_seen);
		CHECK_INT(response_of(0)->grpc.status, 5);
		CHECK_STR(response_of(0)->grpc.message, "no such");
		CHECK(response_of(0)->trailers);
		CHECK_INT(response_of(0)->status, 200);
		CHECK_STR(response_of(0)->content_type, "application/grpc+proto");
		conn_close(&t, 400);
	}
	CHECK_STR(grpc_status_name(5), "NOT_FOUND");
	CHECK_STR(label(0), "grpc");
	CHECK_STR(tail(0), "  1 msg / 2 msg  stream 1");
	CHECK_STR(human(&seen.requests[0], true), "/pkg.Greeter/SayHello");
	CHECK_STR(human(&seen.responses[0], false), "NOT_FOUND \"no such\"");
	CHECK_STR(json(&seen.requests[0]),
		  ",\"stream\":1,\"method\":\"POST\",\"scheme\":\"http\","
		  "\"authority\":\"localhost:50051\",\"path\":\"/pkg.Greeter/SayHello\","
		  "\"content_type\":\"application/grpc\",\"frames\":2,\"data_bytes\":12,"
		  "\"grpc\":{\"messages\":1,\"message_bytes\":7,\"compressed\":false,"
		  "\"service\":\"pkg.Greeter\",\"method\":\"SayHello\"}");
	CHECK_STR(json(&seen.responses[0]),
		  ",\"stream\":1,\"status\":200,\"content_type\":\"application/grpc+proto\","
		  "\"frames\":3,\"data_bytes\":17,\"trailers\":true,"
		  "\"grpc\":{\"messages\":2,\"message_bytes\":7,\"compressed\":false,"
		  "\"status_code\":5,\"status\":\"NOT_FOUND\",\"message\":\"no such\"}");
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

/* gRPC messages across DATA frames: a prefix cut between two frames, a
 * compressed message, and a message body larger than the capture (its
 * bytes pass uncaptured, the counts stay exact until a prefix itself is
 * not seen). */
static void grpc_messages_across_frames(void)
{
	static const nghttp2_nv ok[] = { NV("grpc-status", "0") };
	static char big[6000];
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);
	static uint8_t payload[2 * sizeof(big)];
	size_t len, mark, stream3_data;
	struct h2_test t;

	wires_reset();
	client_start(&to_server);
	headers_put(&to_server, client, 1, F_END_STREAM, NVS(grpc_call));
	headers_put(&to_server, client, 3, F_END_STREAM, NVS(grpc_call));
	server_start(&to_client);
	/* Stream 1: message 1 and two bytes of message 2's prefix, then the
	 * rest of that prefix and its compressed body. */
	headers_put(&to_client, server, 1, 0, NVS(grpc_head));
	len = grpc_message_put(payload, false, "one", 3);
	len += grpc_message_put(payload + len, true, "zipped", 6);
	data_put(&to_client, 1, 0, payload, 3 + 5 + 2);
	data_put(&to_client, 1, 0, payload + 10, len - 10);
	headers_put(&to_client, server, 1, F_END_STREAM, NVS(ok));
	/* Stream 3: a 6,000-byte message in one frame, captured only in part,
	 * then a message in the next frame; then a frame of a 5,986-byte
	 * message and one more, whose prefix is in the part not captured. */
	headers_put(&to_client, server, 3, 0, NVS(grpc_head));
	mark = to_client.len;
	stream3_data = len = grpc_message_put(payload, false, big, sizeof(big));
	data_put(&to_client, 3, 0, payload, len);

	conn_open(&t);
	send_rest(&t, TO_SERVER, 100);
	send_upto(&t, TO_CLIENT, mark, 200);
	CHECK_INT(seen.count, 1);
	CHECK_INT(response_of(0)->grpc.messages, 2);
	CHECK_INT(response_of(0)->grpc.message_bytes, 9);
	CHECK(response_of(0)->grpc.compressed);
	CHECK_INT(response_of(0)->grpc.status, 0);
	CHECK_INT(response_of(0)->data_bytes, 19);
	CHECK_STR(human(&seen.responses[0], false), "OK");
	send_cut(&t, TO_CLIENT, to_client.len, 100, 300);
	len = grpc_message_put(payload, false, "tail", 4);
	stream3_data += len;
	data_put(&to_client, 3, 0, payload, len);
	send_rest(&t, TO_CLIENT, 400);
	len = grpc_message_put(payload, false, big, sizeof(big) - 14);
	len += grpc_message_put(payload + len, false, "x", 1);
	stream3_data += len;
	data_put(&to_client, 3, F_END_STREAM, payload, len);
	send_cut(&t, TO_CLIENT, to_client.len, 100, 500);
	CHECK_INT(seen.count, 2);
	CHECK_INT(response_of(1)->stream_id, 3);
	CHECK_INT(response_of(1)->grpc.messages, 3);
	CHECK(response_of(1)->grpc.count_lost);
	CHECK_INT(response_of(1)->data_bytes, stream3_data);
	CHECK_INT(t.tracker.messages_partial, 0);
	CHECK_STR(tail(1), "  0 msg / 3 msg+  stream 3");
	conn_close(&t, 600);
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

/*
 * A connection joined midway: its encoders indexed fields in blocks the
 * parser never saw. Fields naming those entries are counted as unknown and
 * not shown; static-table fields and literals decode, and so do entries
 * added after the join. No field ever takes another's value.
 */
static void joined_midway(void)
{
	static const nghttp2_nv before[] = {
		NV(":method", "GET"), NV(":scheme", "http"), NV(":authority", "old.example"),
		NV(":path", "/a"), NV("user-agent", "ua/1"), NV("x-custom", "one"),
	};
	static const nghttp2_nv first_seen[] = {
		NV(":method", "GET"), NV(":scheme", "http"), NV(":authority", "new.example"),
		NV(":path", "/b"), NV("user-agent", "ua/1"), NV("x-custom", "two"),
		NV("x-new", "fresh"),
	};
	static const nghttp2_nv only_new[] = {
		NV(":method", "GET"), NV(":scheme", "http"), NV(":authority", "new.example"),
		NV(":path", "/c"), NV("x-new", "fresh"),
	};
	static const nghttp2_nv old_authority[] = {
		NV(":method", "GET"), NV(":scheme", "http"), NV(":authority", "old.example"),
		NV(":path", "/d"),
	};
	static const nghttp2_nv page[] = { NV(":status", "200"), NV("content-type", "text/html"),
					   NV("server", "srv/1") };
	static const nghttp2_nv json_404[] = { NV(":status", "404"),
					       NV("content-type", "application/json") };
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);
	size_t client_join, server_join;
	struct h2_test t;

	wires_reset();
	client_start(&to_server);
	headers_put(&to_server, client, 1, F_END_STREAM, NVS(before));
	client_join = to_server.len;
	headers_put(&to_server, client, 3, F_END_STREAM, NVS(first_seen));
	headers_put(&to_server, client, 5, F_END_STREAM, NVS(only_new));
	headers_put(&to_server, client, 7, F_END_STREAM, NVS(old_authority));
	server_start(&to_client);
	headers_put(&to_client, server, 1, 0, NVS(page));
	server_join = to_client.len;
	data_put(&to_client, 1, F_END_STREAM, "<p>", 3);
	headers_put(&to_client, server, 3, F_END_STREAM, NVS(page));
	headers_put(&to_client, server, 5, F_END_STREAM, NVS(json_404));
	headers_put(&to_client, server, 7, F_END_STREAM, NVS(json_404));

	conn_open(&t);
	to_server.sent = client_join;
	to_client.sent = server_join;
	send_rest(&t, TO_SERVER, 100);
	send_rest(&t, TO_CLIENT, 200);
	/* Stream 1 began before the join: its end alone is not reported. */
	CHECK_INT(seen.count, 3);
	if (seen.count == 3) {
		CHECK_INT(request_of(0)->stream_id, 3);
		CHECK_STR(request_of(0)->method, "GET");
		CHECK_STR(request_of(0)->scheme, "http");
		CHECK_STR(request_of(0)->authority, "new.example");
		CHECK_STR(request_of(0)->path, "/b");
		CHECK_INT(request_of(0)->headers_unknown, 2); /* user-agent, x-custom */
		CHECK(!request_of(0)->headers_failed);
		CHECK_INT(response_of(0)->status, 200);
		CHECK_STR(response_of(0)->content_type, "");
		CHECK_INT(response_of(0)->headers_unknown, 2); /* content-type, server */
		CHECK_STR(human(&seen.requests[0], true), "GET /b (2 headers unknown)");
		CHECK_INT(request_of(1)->stream_id, 5);
		CHECK_STR(request_of(1)->authority, "new.example");
		CHECK_STR(request_of(1)->path, "/c");
		CHECK_INT(request_of(1)->headers_unknown, 0);
		CHECK_INT(response_of(1)->status, 404);
		CHECK_STR(response_of(1)->content_type, "application/json");
		CHECK_INT(response_of(1)->headers_unknown, 0);
		CHECK_INT(request_of(2)->stream_id, 7);
		CHECK_STR(request_of(2)->authority, "");
		CHECK_STR(request_of(2)->path, "/d");
		CHECK_INT(request_of(2)->headers_unknown, 1);
		CHECK_INT(response_of(2)->status, 404);
		CHECK_STR(response_of(2)->content_type, "application/json");
	}
	CHECK_INT(t.tracker.streams_invalid, 0);
	conn_close(&t, 300);
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

/*
 * Bytes lost in the middle: a request the client sent while a sample was
 * lost, whose block added a table entry. The next block names that entry
 * by the index an older entry had before: it must come out unknown, not as
 * the older value. Then a block cut by a gap between its fragments.
 */
static void gap_in_the_middle(void)
{
	static const nghttp2_nv a[] = { NV(":method", "GET"), NV(":scheme", "http"),
					NV(":authority", "a.example"), NV(":path", "/1") };
	static const nghttp2_nv b[] = { NV(":method", "GET"), NV(":scheme", "http"),
					NV(":authority", "b.example"), NV(":path", "/3") };
	static const nghttp2_nv b_again[] = { NV(":method", "GET"), NV(":scheme", "http"),
					      NV(":authority", "b.example"), NV(":path", "/5") };
	static const nghttp2_nv ok[] = { NV(":status", "200") };
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);
	uint8_t block[256];
	size_t len, lost_from, lost_to, mark, pong;
	struct h2_test t;

	wires_reset();
	client_start(&to_server);
	headers_put(&to_server, client, 1, F_END_STREAM, NVS(a));
	lost_from = to_server.len;
	headers_put(&to_server, client, 3, F_END_STREAM, NVS(b));
	lost_to = to_server.len;
	headers_put(&to_server, client, 5, F_END_STREAM, NVS(b_again));
	server_start(&to_client);
	headers_put(&to_client, server, 1, F_END_STREAM, NVS(ok));
	mark = to_client.len;
	frame_put(&to_client, H2_PING, 0, 0, "\0\0\0\0\0\0\0\1", 8);

	conn_open(&t);
	send_upto(&t, TO_SERVER, lost_from, 100);
	send_upto(&t, TO_CLIENT, mark, 200);
	CHECK_INT(seen.count, 1);
	CHECK_STR(request_of(0)->authority, "a.example");
	/* Stream 3's bytes are not seen; stream 5's event comes after them
	 * (the engine passes over it: the gap leaves the stream's framing
	 * unknown until the server speaks). */
	to_server.sent = lost_to;
	send_rest(&t, TO_SERVER, 300);
	send_rest(&t, TO_CLIENT, 400);
	/* Stream 7 with stream 5's fields, in a new event: the encoder names
	 * b.example by the index a.example had before the gap. */
	headers_put(&to_server, client, 7, F_END_STREAM, NVS(b_again));
	headers_put(&to_client, server, 7, F_END_STREAM, NVS(ok));
	send_rest(&t, TO_SERVER, 500);
	send_rest(&t, TO_CLIENT, 600);
	CHECK_INT(seen.count, 2);
	CHECK_INT(request_of(1)->stream_id, 7);
	CHECK_STR(request_of(1)->method, "GET");
	CHECK_STR(request_of(1)->path, "/5");
	CHECK_STR(request_of(1)->authority, "");
	CHECK_INT(request_of(1)->headers_unknown, 1);
	CHECK_INT(response_of(1)->status, 200);
	CHECK_INT(t.tracker.streams_invalid, 0);

	/* A header block whose CONTINUATION is lost: the stream is reported
	 * at close with what it had, marked; the next block decodes, the
	 * entry it names unknown. */
	len = block_encode(client, block, sizeof(block), NVS(a));
	frame_put(&to_server, H2_HEADERS, F_END_STREAM, 9, block, len / 2);
	lost_from = to_server.len;
	frame_put(&to_server, H2_CONTINUATION, F_END_HEADERS, 9, block + len / 2, len - len / 2);
	lost_to = to_server.len;
	frame_put(&to_server, H2_WINDOW_UPDATE, 0, 0, "\0\0\1\0", 4);
	mark = to_server.len;
	headers_put(&to_server, client, 11, F_END_STREAM, NVS(a));
	frame_put(&to_client, H2_PING, F_ACK, 0, "\0\0\0\0\0\0\0\1", 8);
	pong = to_client.len;
	headers_put(&to_client, server, 11, F_END_STREAM, NVS(ok));
	send_upto(&t, TO_SERVER, lost_from, 700);
	to_server.sent = lost_to;
	send_upto(&t, TO_SERVER, mark, 710);
	send_upto(&t, TO_CLIENT, pong, 750);
	send_rest(&t, TO_SERVER, 800);
	send_rest(&t, TO_CLIENT, 900);
	CHECK_INT(seen.count, 3);
	CHECK_INT(request_of(2)->stream_id, 11);
	CHECK_STR(request_of(2)->method, "GET");
	CHECK_STR(request_of(2)->path, "/1");
	CHECK_STR(request_of(2)->authority, "");
	CHECK_INT(request_of(2)->headers_unknown, 1);
	CHECK_INT(response_of(2)->status, 200);
	conn_close(&t, 1000);
	CHECK_INT(seen.count, 4);
	CHECK_INT(request_of(3)->stream_id, 9);
	CHECK(request_of(3)->headers_failed && request_of(3)->open);
	CHECK(seen.requests[3].partial);
	CHECK(!seen.exchanges[3].response);
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

/* HTTP/1.1 Upgrade: h2c, the 101, then the server's HTTP/2 frames: the
 * response to the upgrading request comes on stream 1. */
static void h2c_upgrade(void)
{
	static const char upgrade[] = "GET / HTTP/1.1\r\nHost: up.example\r\n"
				      "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
				      "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n";
	static const char switching[] = "HTTP/1.1 101 Switching Protocols\r\n"
					"Connection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
	static const nghttp2_nv page[] = { NV(":status", "200"), NV("content-type", "text/html") };
	static const nghttp2_nv next[] = { NV(":method", "GET"), NV(":scheme", "http"),
					   NV(":authority", "up.example"), NV(":path", "/next") };
	static const nghttp2_nv ok[] = { NV(":status", "204") };
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);
	size_t response_bytes;
	struct h2_test t;

	CHECK_STR(http2_protocol.upgrade_token, "h2c");
	wires_reset();
	wire_put(&to_server, upgrade, sizeof(upgrade) - 1);
	wire_put(&to_client, switching, sizeof(switching) - 1);
	server_start(&to_client);
	response_bytes = headers_put(&to_client, server, 1, 0, NVS(page));
	response_bytes += data_put(&to_client, 1, F_END_STREAM, "<html>", 6);

	conn_open(&t);
	send_rest(&t, TO_SERVER, 100);
	send_rest(&t, TO_CLIENT, 200);
	CHECK_INT(seen.count, 2);
	if (seen.count < 2)
		goto done;
	CHECK(seen.exchanges[0].protocol == &http_protocol);
	CHECK_INT(PROTOCOL_BODY(&seen.responses[0], struct http_message)->status, 101);
	CHECK(seen.exchanges[1].protocol == &http2_protocol);
	CHECK(request_of(1)->upgrade);
	CHECK_INT(request_of(1)->stream_id, 1);
	CHECK_INT(response_of(1)->status, 200);
	CHECK_STR(response_of(1)->content_type, "text/html");
	CHECK_INT(seen.exchanges[1].response_bytes, response_bytes);
	CHECK_INT(seen.exchanges[1].request_ts_ns, 200);
	CHECK_INT(seen.exchanges[1].response_ts_ns, 200);
	CHECK_STR(human(&seen.requests[1], true), "(the HTTP/1.1 upgrade request)");
	/* The client's preface, then a request of its own. */
	client_start(&to_server);
	headers_put(&to_server, client, 3, F_END_STREAM, NVS(next));
	headers_put(&to_client, server, 3, F_END_STREAM, NVS(ok));
	send_rest(&t, TO_SERVER, 300);
	send_rest(&t, TO_CLIENT, 400);
	CHECK_INT(seen.count, 3);
	CHECK_STR(request_of(2)->path, "/next");
	CHECK_STR(request_of(2)->authority, "up.example");
	CHECK_INT(response_of(2)->status, 204);
	CHECK_INT(t.tracker.streams_invalid, 0);
done:
	conn_close(&t, 500);
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

/* At close, what is unfinished is reported: a response without its end,
 * a request without its end and no response. */
static void unfinished_at_close(void)
{
	static const nghttp2_nv post[] = {
		NV(":method", "POST"), NV(":scheme", "http"), NV(":authority", "example.com"),
		NV(":path", "/stream"),
	};
	static const nghttp2_nv ok[] = { NV(":status", "200") };
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);
	struct h2_test t;

	wires_reset();
	client_start(&to_server);
	headers_put(&to_server, client, 1, F_END_STREAM, NVS(get_index));
	headers_put(&to_server, client, 3, 0, NVS(post));
	data_put(&to_server, 3, 0, "chunk", 5);
	server_start(&to_client);
	headers_put(&to_client, server, 1, 0, NVS(ok));
	data_put(&to_client, 1, 0, "partial", 7);

	conn_open(&t);
	send_rest(&t, TO_SERVER, 100);
	send_rest(&t, TO_CLIENT, 200);
	CHECK_INT(seen.count, 0);
	conn_close(&t, 300);
	CHECK_INT(seen.count, 2);
	if (seen.count == 2) {
		int post_at = request_of(0)->stream_id == 3 ? 0 : 1;
		int get_at = 1 - post_at;

		CHECK_INT(request_of(get_at)->stream_id, 1);
		CHECK(!request_of(get_at)->open);
		CHECK_INT(response_of(get_at)->status, 200);
		CHECK(response_of(get_at)->open);
		CHECK_INT(response_of(get_at)->data_bytes, 7);
		CHECK(seen.responses[get_at].partial);
		CHECK_INT(request_of(post_at)->stream_id, 3);
		CHECK(request_of(post_at)->open);
		CHECK_INT(request_of(post_at)->data_bytes, 5);
		CHECK(!seen.exchanges[post_at].response);
	}
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

/* More streams at once than are tracked: those past the table are counted
 * and not reported; the others pair. */
static void more_streams_than_tracked(void)
{
	static const nghttp2_nv ok[] = { NV(":status", "200") };
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);
	char summary[512];
	struct strbuf out;
	struct h2_test t;

	wires_reset();
	client_start(&to_server);
	server_start(&to_client);
	for (uint32_t i = 0; i < HTTP2_STREAMS_MAX + 20; i++) {
		headers_put(&to_server, client, 1 + 2 * i, F_END_STREAM, NVS(get_index));
		headers_put(&to_client, server, 1 + 2 * i, F_END_STREAM, NVS(ok));
	}
	conn_open(&t);
	send_rest(&t, TO_SERVER, 100);
	send_rest(&t, TO_CLIENT, 200);
	CHECK_INT(seen.count, HTTP2_STREAMS_MAX);
	CHECK_INT(response_of(HTTP2_STREAMS_MAX - 1)->stream_id, 2 * HTTP2_STREAMS_MAX - 1);
	strbuf_init(&out, summary, sizeof(summary));
	CHECK(http2_protocol.summary_put(&out));
	CHECK(strstr(summary, "streams not tracked (table full) 20;"));
	conn_close(&t, 300);
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

/* A connection whose sender's next frame is bad: refused, nothing
 * reported, the rest of that direction lost until the other side speaks
 * (a stream it had opened is reported at close, unfinished). */
static void refused(const char *what, bool from_client, const void *frame, size_t len)
{
	struct h2_test t;

	wires_reset();
	client_start(&to_server);
	server_start(&to_client);
	wire_put(from_client ? &to_server : &to_client, frame, len);
	conn_open(&t);
	send_rest(&t, TO_SERVER, 100);
	send_rest(&t, TO_CLIENT, 200);
	if (t.tracker.streams_invalid != 1 || seen.count)
		fprintf(stderr, "test_decode_http2: %s was not refused\n", what);
	CHECK_INT(t.tracker.streams_invalid, 1);
	CHECK_INT(seen.count, 0);
	conn_close(&t, 300);
}

static void bad_frames(void)
{
	/* Each a frame header (length, type, flags, stream), then as much of
	 * the payload as the check needs. */
	static const uint8_t data_too_long[] = { 0x00, 0x40, 0x01, H2_DATA, 0, 0, 0, 0, 1, 'x' };
	static const uint8_t headers_too_long[] = { 0x00, 0x40, 0x01, H2_HEADERS, 4, 0, 0, 0, 1 };
	static const uint8_t lone_continuation[] = { 0, 0, 1, H2_CONTINUATION, 4, 0, 0, 0, 1,
						     0x82 };
	/* HEADERS without END_HEADERS, then DATA instead of its CONTINUATION. */
	static const uint8_t block_interrupted[] = { 0, 0, 1, H2_HEADERS, 0, 0, 0, 0, 1, 0x82,
						     0, 0, 1, H2_DATA, 0, 0, 0, 0, 1, 'x' };
	static const uint8_t continuation_elsewhere[] = {
		0, 0, 1, H2_HEADERS, 0, 0, 0, 0, 1, 0x82,
		0, 0, 1, H2_CONTINUATION, 4, 0, 0, 0, 3, 0x84,
	};
	static const uint8_t priority_short[] = { 0, 0, 4, H2_PRIORITY, 0, 0, 0, 0, 1,
						  0, 0, 0, 0 };
	static const uint8_t priority_stream0[] = { 0, 0, 5, H2_PRIORITY, 0, 0, 0, 0, 0,
						    0, 0, 0, 0, 1 };
	static const uint8_t rst_short[] = { 0, 0, 3, H2_RST_STREAM, 0, 0, 0, 0, 1, 0, 0, 8 };
	static const uint8_t rst_stream0[] = { 0, 0, 4, H2_RST_STREAM, 0, 0, 0, 0, 0, 0, 0, 0, 8 };
	static const uint8_t settings_odd[] = { 0, 0, 5, H2_SETTINGS, 0, 0, 0, 0, 0,
						0, 1, 0, 0, 0 };
	static const uint8_t settings_ack_payload[] = { 0, 0, 6, H2_SETTINGS, F_ACK, 0, 0, 0, 0,
							0, 1, 0, 0, 0x10, 0 };
	static const uint8_t settings_stream1[] = { 0, 0, 0, H2_SETTINGS, 0, 0, 0, 0, 1 };
	static const uint8_t ping_short[] = { 0, 0, 7, H2_PING, 0, 0, 0, 0, 0,
					      1, 2, 3, 4, 5, 6, 7 };
	static const uint8_t ping_stream1[] = { 0, 0, 8, H2_PING, 0, 0, 0, 0, 1,
						1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t goaway_short[] = { 0, 0, 7, H2_GOAWAY, 0, 0, 0, 0, 0,
						0, 0, 0, 1, 0, 0, 0 };
	static const uint8_t window_long[] = { 0, 0, 5, H2_WINDOW_UPDATE, 0, 0, 0, 0, 0,
					       0, 0, 1, 0, 0 };
	static const uint8_t data_stream0[] = { 0, 0, 1, H2_DATA, 0, 0, 0, 0, 0, 'x' };
	static const uint8_t headers_stream0[] = { 0, 0, 1, H2_HEADERS, 4, 0, 0, 0, 0, 0x82 };
	/* Padding longer than the frame. */
	static const uint8_t headers_overpadded[] = { 0, 0, 2, H2_HEADERS, F_PADDED | 4, 0, 0, 0, 1,
						      2, 0x82 };
	static const uint8_t headers_padded_empty[] = { 0, 0, 0, H2_HEADERS, F_PADDED | 4,
							0, 0, 0, 1 };
	static const uint8_t data_overpadded[] = { 0, 0, 2, H2_DATA, F_PADDED, 0, 0, 0, 1, 5, 'x' };
	/* No room for the pad length: the byte after is the next frame's. */
	static const uint8_t data_padded_empty[] = { 0, 0, 0, H2_DATA, F_PADDED, 0, 0, 0, 1,
						     0, 0, 0, H2_PING };
	static const uint8_t headers_priority_short[] = { 0, 0, 3, H2_HEADERS, F_PRIORITY | 4,
							  0, 0, 0, 1, 0, 0, 0 };
	static const uint8_t push_short[] = { 0, 0, 3, H2_PUSH_PROMISE, 4, 0, 0, 0, 1, 0, 0, 2 };
	static const uint8_t push_from_client[] = { 0, 0, 5, H2_PUSH_PROMISE, 4, 0, 0, 0, 1,
						    0, 0, 0, 2, 0x82 };
	/* Promised streams are even, never 0 (RFC 9113 section 5.1.1). */
	static const uint8_t push_odd[] = { 0, 0, 5, H2_PUSH_PROMISE, 4, 0, 0, 0, 1,
					    0, 0, 0, 3, 0x82 };
	static const uint8_t push_zero[] = { 0, 0, 5, H2_PUSH_PROMISE, 4, 0, 0, 0, 1,
					     0, 0, 0, 0, 0x82 };
	/* Clients begin odd streams. */
	static const uint8_t headers_even[] = { 0, 0, 1, H2_HEADERS, 5, 0, 0, 0, 2, 0x82 };

	refused("DATA of 16385 bytes", true, data_too_long, sizeof(data_too_long));
	refused("HEADERS of 16385 bytes", false, headers_too_long, sizeof(headers_too_long));
	refused("CONTINUATION without HEADERS", true, lone_continuation, sizeof(lone_continuation));
	refused("DATA inside a header block", true, block_interrupted, sizeof(block_interrupted));
	refused("CONTINUATION of another stream", false, continuation_elsewhere,
		sizeof(continuation_elsewhere));
	refused("PRIORITY of 4 bytes", true, priority_short, sizeof(priority_short));
	refused("PRIORITY on stream 0", true, priority_stream0, sizeof(priority_stream0));
	refused("RST_STREAM of 3 bytes", false, rst_short, sizeof(rst_short));
	refused("RST_STREAM on stream 0", true, rst_stream0, sizeof(rst_stream0));
	refused("SETTINGS of 5 bytes", true, settings_odd, sizeof(settings_odd));
	refused("SETTINGS ACK with a setting", false, settings_ack_payload,
		sizeof(settings_ack_payload));
	refused("SETTINGS on stream 1", true, settings_stream1, sizeof(settings_stream1));
	refused("PING of 7 bytes", false, ping_short, sizeof(ping_short));
	refused("PING on stream 1", true, ping_stream1, sizeof(ping_stream1));
	refused("GOAWAY of 7 bytes", false, goaway_short, sizeof(goaway_short));
	refused("WINDOW_UPDATE of 5 bytes", true, window_long, sizeof(window_long));
	refused("DATA on stream 0", false, data_stream0, sizeof(data_stream0));
	refused("HEADERS on stream 0", true, headers_stream0, sizeof(headers_stream0));
	refused("HEADERS padded past its end", true, headers_overpadded,
		sizeof(headers_overpadded));
	refused("HEADERS padded and empty", true, headers_padded_empty,
		sizeof(headers_padded_empty));
	refused("DATA padded past its end", false, data_overpadded, sizeof(data_overpadded));
	refused("DATA padded and empty", false, data_padded_empty, sizeof(data_padded_empty));
	refused("HEADERS with a cut priority", true, headers_priority_short,
		sizeof(headers_priority_short));
	refused("PUSH_PROMISE of 3 bytes", false, push_short, sizeof(push_short));
	refused("PUSH_PROMISE from the client", true, push_from_client, sizeof(push_from_client));
	refused("PUSH_PROMISE of an odd stream", false, push_odd, sizeof(push_odd));
	refused("PUSH_PROMISE of stream 0", false, push_zero, sizeof(push_zero));
	refused("HEADERS of an even stream from the client", true, headers_even,
		sizeof(headers_even));
}

/* SETTINGS_MAX_FRAME_SIZE binds what the other side sends: the client's
 * 32768 lets the server send larger frames, not the client itself. */
static void max_frame_size(void)
{
	static const nghttp2_nv ok[] = { NV(":status", "200") };
	static uint8_t big[20000];
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);
	size_t mark;
	struct h2_test t;

	wires_reset();
	wire_put(&to_server, preface, sizeof(preface) - 1);
	settings_put(&to_server, SET_MAX_FRAME_SIZE, 32768);
	headers_put(&to_server, client, 1, F_END_STREAM, NVS(get_index));
	server_start(&to_client);
	headers_put(&to_client, server, 1, 0, NVS(ok));
	data_put(&to_client, 1, F_END_STREAM, big, sizeof(big));
	conn_open(&t);
	send_rest(&t, TO_SERVER, 100);
	send_cut(&t, TO_CLIENT, to_client.len, 4096, 200);
	CHECK_INT(seen.count, 1);
	CHECK_INT(response_of(0)->data_bytes, sizeof(big));
	CHECK_INT(t.tracker.streams_invalid, 0);
	mark = to_server.len;
	data_put(&to_server, 3, 0, big, sizeof(big));
	send_cut(&t, TO_SERVER, to_server.len, 100, 300);
	CHECK(to_server.len > mark);
	CHECK_INT(t.tracker.streams_invalid, 1);
	conn_close(&t, 400);
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

/*
 * A header block that fails in its HEADERS (index 0 names no field), its
 * CONTINUATION a literal `:path /evil` with incremental indexing: decoded
 * by a fresh inflater it would be a field of the stream and a table entry.
 * Nothing after the failure is taken; the next block, which names index 63
 * (where /evil would be), gets its own :path and an unknown field.
 */
static void block_failing_midway(void)
{
	static const uint8_t bad_index[] = { 0x82, 0x80 };
	static const uint8_t evil[] = { 0x44, 5, '/', 'e', 'v', 'i', 'l' };
	static const uint8_t three[] = { 0x82, 0x86, 0x44, 6, '/', 't', 'h', 'r', 'e', 'e', 0xbf };
	static const nghttp2_nv ok[] = { NV(":status", "200") };
	nghttp2_hd_deflater *server = deflater_new(4096);
	struct h2_test t;

	wires_reset();
	client_start(&to_server);
	frame_put(&to_server, H2_HEADERS, F_END_STREAM, 1, bad_index, sizeof(bad_index));
	frame_put(&to_server, H2_CONTINUATION, F_END_HEADERS, 1, evil, sizeof(evil));
	frame_put(&to_server, H2_HEADERS, F_END_STREAM | F_END_HEADERS, 3, three, sizeof(three));
	server_start(&to_client);
	headers_put(&to_client, server, 1, F_END_STREAM, NVS(ok));
	headers_put(&to_client, server, 3, F_END_STREAM, NVS(ok));

	conn_open(&t);
	send_rest(&t, TO_SERVER, 100);
	send_rest(&t, TO_CLIENT, 200);
	CHECK_INT(seen.count, 2);
	if (seen.count == 2) {
		CHECK_INT(request_of(0)->stream_id, 1);
		CHECK(request_of(0)->headers_failed);
		CHECK_STR(request_of(0)->method, "GET");
		CHECK_STR(request_of(0)->path, "");
		CHECK_INT(request_of(1)->stream_id, 3);
		CHECK(!request_of(1)->headers_failed);
		CHECK_STR(request_of(1)->scheme, "http");
		CHECK_STR(request_of(1)->path, "/three");
		CHECK_INT(request_of(1)->headers_unknown, 1);
	}
	CHECK_INT(t.tracker.streams_invalid, 0);
	conn_close(&t, 300);
	nghttp2_hd_deflate_del(server);
}

/*
 * Credentials in the data line, literal and not Huffman-coded so that they
 * would show: names in upper case (peers that break HTTP/2's lower-case
 * rule), a cookie cut between HEADERS and CONTINUATION, a cookie after a
 * field that fails the block, and a cookie in a HEADERS the parser refuses
 * (a client's even stream).
 */
static void credentials_masked(void)
{
	static const uint8_t upper[] = {
		0x82, 0x86, 0x84,
		0x00, 6, 'C', 'o', 'o', 'k', 'i', 'e', 6, 's', '3', 'c', 'r', '3', 't',
		0x00, 13, 'A', 'U', 'T', 'H', 'O', 'R', 'I', 'Z', 'A', 'T', 'I', 'O', 'N',
		10, 'B', 'a', 's', 'i', 'c', ' ', 'a', 'b', 'c', 'd',
	};
	/* cookie (static index 32) without indexing, its value cut. */
	static const uint8_t cut_head[] = { 0x82, 0x86, 0x84, 0x0f, 0x11, 6, 's', '3', 'c' };
	static const uint8_t cut_tail[] = { 'r', '3', 't' };
	static const uint8_t failing[] = {
		0x82, 0x80, 0x0f, 0x11, 6, 's', '3', 'c', 'r', '3', 't'
	};
	static const uint8_t even[] = { 0x82, 0x86, 0x84, 0x0f, 0x11, 6,
					's',  '3',  'c',  'r',	'3',  't' };
	size_t at, tail_at;
	struct h2_test t;

	wires_reset();
	client_start(&to_server);
	conn_open(&t);
	send_rest(&t, TO_SERVER, 100);

	at = to_server.len + FRAME_HEADER;
	frame_put(&to_server, H2_HEADERS, F_END_STREAM | F_END_HEADERS, 1, upper, sizeof(upper));
	send_rest(&t, TO_SERVER, 200);
	CHECK(!shown_has("s3cr3t"));
	CHECK(!shown_has("Basic abcd"));
	CHECK(shown_masked(at + 3, 15));
	CHECK(shown_masked(at + 18, 25));
	CHECK(shown.bytes[at + 2 - shown.pos] == 0x84); /* :path / is shown */

	at = to_server.len + FRAME_HEADER;
	frame_put(&to_server, H2_HEADERS, F_END_STREAM, 3, cut_head, sizeof(cut_head));
	tail_at = to_server.len + FRAME_HEADER;
	frame_put(&to_server, H2_CONTINUATION, F_END_HEADERS, 3, cut_tail, sizeof(cut_tail));
	send_rest(&t, TO_SERVER, 300);
	CHECK(shown_masked(at + 3, 6));
	CHECK(shown_masked(tail_at, 3));
	CHECK(shown.bytes[tail_at - 6 - shown.pos] == H2_CONTINUATION); /* frames are shown */

	at = to_server.len + FRAME_HEADER;
	frame_put(&to_server, H2_HEADERS, F_END_STREAM | F_END_HEADERS, 5, failing,
		  sizeof(failing));
	send_rest(&t, TO_SERVER, 400);
	CHECK(!shown_has("s3cr3t"));
	CHECK(shown_masked(at + 2, 9));
	CHECK_INT(t.tracker.streams_invalid, 0);

	at = to_server.len + FRAME_HEADER;
	frame_put(&to_server, H2_HEADERS, F_END_STREAM | F_END_HEADERS, 6, even, sizeof(even));
	send_rest(&t, TO_SERVER, 500);
	CHECK_INT(t.tracker.streams_invalid, 1);
	CHECK(!shown_has("s3cr3t"));
	CHECK(shown_masked(at, sizeof(even)));
	conn_close(&t, 600);
	/* Streams 1, 3 and 5, unanswered; stream 1's fields decoded. */
	CHECK_INT(seen.count, 3);
	CHECK_STR(request_of(0)->path, "/");
	CHECK_INT(request_of(0)->headers_unknown, 0);
}

/*
 * A PUSH_PROMISE of a stream under way (stream 2, promised already, its
 * response begun) is refused: the promised fields go to no request. The
 * server's next frames resume; the first push pairs as before.
 */
static void push_of_a_stream_under_way(void)
{
	static const nghttp2_nv promised[] = {
		NV(":method", "GET"), NV(":scheme", "http"), NV(":authority", "example.com"),
		NV(":path", "/style.css"),
	};
	static const nghttp2_nv again[] = {
		NV(":method", "GET"), NV(":scheme", "http"), NV(":authority", "example.com"),
		NV(":path", "/evil"),
	};
	static const nghttp2_nv css[] = { NV(":status", "200"), NV("content-type", "text/css") };
	static const nghttp2_nv page[] = { NV(":status", "200") };
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);
	uint8_t payload[256];
	size_t len, mark;
	struct h2_test t;

	wires_reset();
	client_start(&to_server);
	headers_put(&to_server, client, 1, F_END_STREAM, NVS(get_index));
	server_start(&to_client);
	be32_put(payload, 2);
	len = block_encode(server, payload + 4, sizeof(payload) - 4, NVS(promised));
	frame_put(&to_client, H2_PUSH_PROMISE, F_END_HEADERS, 1, payload, 4 + len);
	headers_put(&to_client, server, 2, 0, NVS(css));
	len = block_encode(server, payload + 4, sizeof(payload) - 4, NVS(again));
	frame_put(&to_client, H2_PUSH_PROMISE, F_END_HEADERS, 1, payload, 4 + len);
	mark = to_client.len;
	data_put(&to_client, 2, F_END_STREAM, "p{}", 3);
	headers_put(&to_client, server, 1, F_END_STREAM, NVS(page));

	conn_open(&t);
	send_rest(&t, TO_SERVER, 100);
	send_upto(&t, TO_CLIENT, mark, 200);
	CHECK_INT(t.tracker.streams_invalid, 1);
	send_rest(&t, TO_CLIENT, 300);
	conn_close(&t, 400);
	CHECK_INT(seen.count, 2);
	for (int i = 0; i < seen.count; i++)
		if (seen.exchanges[i].request)
			CHECK(strcmp(request_of(i)->path, "/evil"));
	if (seen.count == 2) {
		CHECK_INT(request_of(0)->stream_id, 2);
		CHECK(request_of(0)->pushed);
		CHECK_STR(request_of(0)->path, "/style.css");
		CHECK_STR(response_of(0)->content_type, "text/css");
		CHECK_INT(request_of(1)->stream_id, 1);
		CHECK_STR(request_of(1)->path, "/index.html");
	}
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

/* A :method with an escape sequence: the human line shows it escaped. */
static void method_escaped(void)
{
	static const uint8_t block[] = { 0x02, 8, 'G', 0x1b, '[', '2', 'J', 'E', 'T', 'X',
					 0x86, 0x84 };
	static const nghttp2_nv ok[] = { NV(":status", "200") };
	nghttp2_hd_deflater *server = deflater_new(4096);
	struct h2_test t;

	wires_reset();
	client_start(&to_server);
	frame_put(&to_server, H2_HEADERS, F_END_STREAM | F_END_HEADERS, 1, block, sizeof(block));
	server_start(&to_client);
	headers_put(&to_client, server, 1, F_END_STREAM, NVS(ok));
	conn_open(&t);
	send_rest(&t, TO_SERVER, 100);
	send_rest(&t, TO_CLIENT, 200);
	CHECK_INT(seen.count, 1);
	if (seen.count == 1) {
		CHECK(!strchr(human(&seen.requests[0], true), 0x1b));
		CHECK_STR(human(&seen.requests[0], true), "G\\x1b[2JETX /");
	}
	conn_close(&t, 300);
	nghttp2_hd_deflate_del(server);
}

/*
 * Server bytes lost while a gRPC message's body is under way: the count
 * after the gap is a floor (the scan no longer knows where prefixes are),
 * shown as "1 msg+". The client speaks between, so that the server's
 * stream resumes however the engine handles a gap.
 */
static void grpc_count_after_gap(void)
{
	static const nghttp2_nv ok[] = { NV("grpc-status", "0") };
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);
	uint8_t payload[64];
	size_t len, lost_from, mark;
	struct h2_test t;

	wires_reset();
	client_start(&to_server);
	headers_put(&to_server, client, 1, 0, NVS(grpc_call));
	len = grpc_message_put(payload, false, "ask", 3);
	data_put(&to_server, 1, F_END_STREAM, payload, len);
	server_start(&to_client);
	headers_put(&to_client, server, 1, 0, NVS(grpc_head));
	/* A 10-byte message: its prefix and 4 bytes, then (lost) the other 6
	 * and a whole message. */
	len = grpc_message_put(payload, false, "0123456789", 10);
	data_put(&to_client, 1, 0, payload, 9);
	lost_from = to_client.len;
	len += grpc_message_put(payload + len, false, "zz", 2);
	data_put(&to_client, 1, 0, payload + 9, len - 9);
	frame_put(&to_client, H2_PING, 0, 0, "\0\0\0\0\0\0\0\1", 8);
	mark = to_client.len;
	len = grpc_message_put(payload, false, "tail", 4);
	data_put(&to_client, 1, 0, payload, len);
	headers_put(&to_client, server, 1, F_END_STREAM, NVS(ok));

	conn_open(&t);
	send_rest(&t, TO_SERVER, 100);
	send_upto(&t, TO_CLIENT, lost_from, 200);
	to_client.sent = lost_from + FRAME_HEADER + 6 + 7;
	send_upto(&t, TO_CLIENT, mark, 300);
	frame_put(&to_server, H2_PING, F_ACK, 0, "\0\0\0\0\0\0\0\1", 8);
	send_rest(&t, TO_SERVER, 400);
	send_rest(&t, TO_CLIENT, 500);
	CHECK_INT(seen.count, 1);
	if (seen.count == 1) {
		CHECK_INT(response_of(0)->grpc.messages, 1);
		CHECK(response_of(0)->grpc.count_lost);
		CHECK(!request_of(0)->grpc.count_lost);
		CHECK_STR(tail(0), "  1 msg / 1 msg+  stream 1");
	}
	conn_close(&t, 600);
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

/*
 * An event of the client's cut short (captured less than sent) inside a
 * HEADERS frame: its next event, a whole frame, resumes the direction at
 * once, before the server says anything; the request in it is decoded.
 */
static void resume_after_cut_same_direction(void)
{
	static const nghttp2_nv five[] = { NV(":method", "GET"), NV(":scheme", "http"),
					   NV(":path", "/five") };
	static const nghttp2_nv ok[] = { NV(":status", "200") };
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);
	size_t first, cut_frame;
	struct h2_test t;

	wires_reset();
	client_start(&to_server);
	headers_put(&to_server, client, 1, F_END_STREAM, NVS(get_index));
	first = to_server.len;
	cut_frame = headers_put(&to_server, client, 3, F_END_STREAM, NVS(get_index));
	headers_put(&to_server, client, 5, F_END_STREAM, NVS(five));
	server_start(&to_client);
	headers_put(&to_client, server, 1, F_END_STREAM, NVS(ok));
	headers_put(&to_client, server, 5, F_END_STREAM, NVS(ok));

	conn_open(&t);
	send_upto(&t, TO_SERVER, first, 100);
	send_cut(&t, TO_SERVER, first + cut_frame, FRAME_HEADER + 2, 110);
	send_rest(&t, TO_SERVER, 120);
	send_rest(&t, TO_CLIENT, 200);
	CHECK_INT(seen.count, 2);
	if (seen.count == 2) {
		CHECK_INT(request_of(0)->stream_id, 1);
		CHECK_STR(request_of(0)->path, "/index.html");
		CHECK(seen.exchanges[1].request && seen.exchanges[1].response);
		CHECK_INT(request_of(1)->stream_id, 5);
		CHECK_STR(request_of(1)->method, "GET");
		CHECK_STR(request_of(1)->path, "/five");
		CHECK_INT(seen.exchanges[1].request_ts_ns, 120);
		CHECK_INT(response_of(1)->stream_id, 5);
	}
	conn_close(&t, 300);
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

static void detection(void)
{
	static const uint8_t server_settings[] = { 0, 0, 6, H2_SETTINGS, 0, 0, 0, 0, 0,
						   0, SET_MAX_CONCURRENT_STREAMS, 0, 0, 0, 100 };
	static const char get[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";

	CHECK(detect_exact(http2_detect, preface, sizeof(preface) - 1, true));
	CHECK(detect_exact(http2_detect, preface, 16, true));
	CHECK(!detect_exact(http2_detect, preface, 15, true));
	CHECK(!detect_exact(http2_detect, preface, sizeof(preface) - 1, false));
	CHECK(!http_detect((const uint8_t *)preface, sizeof(preface) - 1, true));
	/* Joined midway: frames, from either side. */
	CHECK(detect_exact(http2_detect, server_settings, sizeof(server_settings), false));
	CHECK(detect_exact(http2_detect, server_settings, sizeof(server_settings), true));
	CHECK(!detect_exact(http2_detect, server_settings, 8, false));
	CHECK(!detect_exact(http2_detect, get, sizeof(get) - 1, true));
	CHECK(!detect_exact(http2_detect, "HTTP/1.1 200 OK\r\n\r\n", 19, false));
	/* Two DNS queries over TCP in one write (dig +tcp, id 0x0a01): read as
	 * a frame header, a HEADERS frame of 8714 bytes, cut. */
	static const uint8_t dns_tcp[] = {
		0x00, 0x22, 0x0a, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x03, 'w',  'e',	'b',  0x07, 'e',  'x',	'a',  'm',  'p',  'l',	'e',
		0x04, 't',  'e',  's',	't',  0x00, 0x00, 0x01, 0x00, 0x01,
	};
	CHECK(!detect_exact(http2_detect, dns_tcp, sizeof(dns_tcp), true));
	CHECK(!detect_exact(http2_detect, dns_tcp, sizeof(dns_tcp), false));
}

/* Every other protocol's fuzz seeds (real messages of theirs): none is
 * taken for HTTP/2, from either side. */
static void detection_of_other_protocols(void)
{
	char dir[4096];
	const char *slash = strrchr(__FILE__, '/');
	unsigned files = 0;

	snprintf(dir, sizeof(dir), "%.*s/../fuzz/seeds", slash ? (int)(slash - __FILE__) : 1,
		 slash ? __FILE__ : ".");
	DIR *seeds = opendir(dir);
	CHECK(seeds != NULL);
	if (!seeds)
		return;
	for (struct dirent *proto; (proto = readdir(seeds));) {
		char path[8192];
		DIR *files_dir;

		if (proto->d_name[0] == '.' || !strcmp(proto->d_name, "http2") ||
		    !strcmp(proto->d_name, "elf_image"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, proto->d_name);
		if (!(files_dir = opendir(path)))
			continue;
		for (struct dirent *file; (file = readdir(files_dir));) {
			static uint8_t bytes[1 << 16];
			char name[12288];
			FILE *f;
			size_t n;

			if (file->d_name[0] == '.')
				continue;
			snprintf(name, sizeof(name), "%s/%s", path, file->d_name);
			if (!(f = fopen(name, "rb")))
				continue;
			n = fread(bytes, 1, sizeof(bytes), f);
			fclose(f);
			files++;
			for (int side = 0; side < 2; side++)
				if (http2_detect(bytes, n, side)) {
					fprintf(stderr, "http2 claims %s\n", name);
					CHECK(false);
				}
		}
		closedir(files_dir);
	}
	closedir(seeds);
	CHECK(files > 20);
}

/*
 * The parser alone, as the engine calls it, on an exact-size heap copy of
 * bytes[0..len): every result keeps the contract. Returns the messages it
 * handed over.
 */
static int parse_direct(const uint8_t *bytes, size_t len, bool from_client)
{
	static struct message msg;
	struct http2_conn *conn = calloc(1, sizeof(*conn));
	uint8_t *copy = exact_copy(bytes, len);
	uint32_t flags = 0;
	size_t off = 0;
	int messages = 0;

	if (!conn)
		abort();
	msg.protocol = &http2_protocol;
	memset(msg.body, 0, sizeof(struct http2_message));
	for (int rounds = 0; rounds < 256; rounds++) {
		struct parse_ctx ctx = { .from_client = from_client, .stream = true,
					 .conn_flags = &flags, .conn_state = conn, .pos = off,
					 .ts_ns = 1 };
		struct parse_result r = http2_parse(copy + off, len - off, &ctx, &msg);
		size_t held;

		if (r.state == PARSE_NEED_MORE || r.state == PARSE_INVALID) {
			CHECK(!r.consumed && !r.skip);
			break;
		}
		CHECK(r.consumed <= len - off);
		off += r.consumed;
		held = r.skip < len - off ? (size_t)r.skip : len - off;
		if (r.skip)
			http2_skipped(&msg, conn, copy + off, held, r.skip - held);
		off += held;
		if (r.state == PARSE_COMPLETE) {
			const struct http2_half *h =
				&PROTOCOL_BODY(&msg, struct http2_message)->half;

			CHECK(text_terminated(h->path, sizeof(h->path)));
			CHECK(text_terminated(h->authority, sizeof(h->authority)));
			messages++;
		}
		memset(msg.body, 0, sizeof(struct http2_message));
		if (held < r.skip)
			break;
	}
	http2_conn_state_free(conn);
	free(conn);
	free(copy);
	return messages;
}

/* Every prefix of a connection's bytes, and each byte flipped. */
static void parser_contract(void)
{
	static const nghttp2_nv response[] = { NV(":status", "200"),
					       NV("content-type", "text/plain") };
	static const uint8_t masks[] = { 0x01, 0x20, 0x80, 0xff };
	nghttp2_hd_deflater *client = deflater_new(4096), *server = deflater_new(4096);

	wires_reset();
	client_start(&to_server);
	headers_put(&to_server, client, 1, F_END_STREAM, NVS(get_index));
	server_start(&to_client);
	headers_put(&to_client, server, 1, 0, NVS(response));
	data_put(&to_client, 1, F_END_STREAM, "hello", 5);
	CHECK_INT(parse_direct(to_server.bytes, to_server.len, true), 1);
	CHECK_INT(parse_direct(to_client.bytes, to_client.len, false), 1);
	for (int side = 0; side < 2; side++) {
		struct wire *w = side ? &to_client : &to_server;

		for (size_t cut = 0; cut < w->len; cut++)
			CHECK(parse_direct(w->bytes, cut, !side) <= 1);
		for (size_t at = 0; at < w->len; at++) {
			for (size_t m = 0; m < sizeof(masks); m++) {
				w->bytes[at] ^= masks[m];
				parse_direct(w->bytes, w->len, !side);
				w->bytes[at] ^= masks[m];
			}
		}
	}
	nghttp2_hd_deflate_del(client);
	nghttp2_hd_deflate_del(server);
}

int main(void)
{
	simple_get();
	interleaved_streams();
	continuation_padding_priority();
	larger_header_table(false);
	larger_header_table(true);
	interim_and_trailers();
	resets();
	goaway();
	server_push();
	grpc_call_status();
	grpc_messages_across_frames();
	joined_midway();
	gap_in_the_middle();
	h2c_upgrade();
	unfinished_at_close();
	more_streams_than_tracked();
	bad_frames();
	max_frame_size();
	block_failing_midway();
	credentials_masked();
	push_of_a_stream_under_way();
	method_escaped();
	grpc_count_after_gap();
	resume_after_cut_same_direction();
	detection();
	detection_of_other_protocols();
	parser_contract();
	return check_report("test_decode_http2");
}
