/*
 * The HTTP/1.x decoder, on byte fixtures.
 *
 * Every parse goes through an exact-size heap copy of its input, so a build
 * with -fsanitize=address reports any read past len.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "decoder_test.h"
#include "protocols/http.h"
#include "output/output.h"

/* curl 7.88.1, `curl http://127.0.0.1:18081/index.html -H 'Host: example.com'`,
 * as a listening socket recorded it. */
static const char curl_get[] =
	"GET /index.html HTTP/1.1\r\n"
	"Host: example.com\r\n"
	"User-Agent: curl/7.88.1\r\n"
	"Accept: */*\r\n"
	"\r\n";

/* curl 7.88.1, `curl -I http://127.0.0.1:18084/ -H 'Host: example.com'`, recorded
 * the same way. */
static const char curl_head[] =
	"HEAD / HTTP/1.1\r\n"
	"Host: example.com\r\n"
	"User-Agent: curl/7.88.1\r\n"
	"Accept: */*\r\n"
	"\r\n";

/* curl 7.88.1, `curl http://127.0.0.1:18082/api/items -H 'Host: example.com'
 * -H 'Content-Type: application/json' -d '{"name":"widget","qty":3}'`:
 * 162 bytes, the last 25 the body. */
static const char curl_post[] =
	"POST /api/items HTTP/1.1\r\n"
	"Host: example.com\r\n"
	"User-Agent: curl/7.88.1\r\n"
	"Accept: */*\r\n"
	"Content-Type: application/json\r\n"
	"Content-Length: 25\r\n"
	"\r\n"
	"{\"name\":\"widget\",\"qty\":3}";

/* curl 7.88.1, `printf 'hello world\n' | curl -T - http://127.0.0.1:18085/upload
 * -H 'Host: example.com'`: a chunked upload (one 12-byte chunk, then the last
 * chunk), sent after the recording server answered 100 Continue. */
static const char curl_put_chunked[] =
	"PUT /upload HTTP/1.1\r\n"
	"Host: example.com\r\n"
	"User-Agent: curl/7.88.1\r\n"
	"Accept: */*\r\n"
	"Transfer-Encoding: chunked\r\n"
	"Expect: 100-continue\r\n"
	"\r\n"
	"c\r\n"                /* chunk size 12 */
	"hello world\n\r\n"    /* chunk data, CRLF */
	"0\r\n"                /* last chunk */
	"\r\n";                /* no trailers */

/* Python 3.11.7 `python3 -m http.server` answering GET /index.html (a 32-byte
 * file), read back with nc. HTTP/1.0, note the lower-case "Content-type". */
static const char py_200[] =
	"HTTP/1.0 200 OK\r\n"
	"Server: SimpleHTTP/0.6 Python/3.11.7\r\n"
	"Date: Thu, 26 Nov 2026 18:41:58 GMT\r\n"
	"Content-type: text/html\r\n"
	"Content-Length: 32\r\n"
	"Last-Modified: Thu, 26 Nov 2026 18:41:57 GMT\r\n"
	"\r\n"
	"<html><body>hello</body></html>\n";

/* The same server answering HEAD /index.html: Content-Length of the file
 * that a GET would return, no body. */
static const char py_head_200[] =
	"HTTP/1.0 200 OK\r\n"
	"Server: SimpleHTTP/0.6 Python/3.11.7\r\n"
	"Date: Thu, 26 Nov 2026 18:42:00 GMT\r\n"
	"Content-type: text/html\r\n"
	"Content-Length: 32\r\n"
	"Last-Modified: Thu, 26 Nov 2026 18:41:57 GMT\r\n"
	"\r\n";

/* What the recording server sent curl for the chunked upload above: the
 * interim 100 Continue, then the final 201, in one buffer. */
static const char continue_then_201[] =
	"HTTP/1.1 100 Continue\r\n"
	"\r\n"
	"HTTP/1.1 201 Created\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* Hand-written, in nginx's shape: a 304 that repeats the Content-Length a
 * 200 would have had (RFC 9110 allows it), then the next response. */
static const char nginx_304_then_204[] =
	"HTTP/1.1 304 Not Modified\r\n"
	"Server: nginx/1.22.1\r\n"
	"ETag: \"6565f2a1-20\"\r\n"
	"Content-Length: 32\r\n"
	"\r\n"
	"HTTP/1.1 204 No Content\r\n"
	"Content-Length: 99\r\n"
	"\r\n";

/* Hand-written: an HTTP/1.0 response framed by closing the connection. */
static const char until_close_200[] =
	"HTTP/1.0 200 OK\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"streamed until the server closes\n";

/* curl 7.88.1, `curl -u user:pass -b 'session=abc123; theme=dark'
 * http://127.0.0.1:18081/private -H 'Host: example.com'` (Cookie moved after
 * User-Agent by hand): two credentials. */
static const char secret_request[] =
	"GET /private HTTP/1.1\r\n"
	"Host: example.com\r\n"
	"Authorization: Basic dXNlcjpwYXNz\r\n" /* base64("user:pass") */
	"User-Agent: curl/7.88.1\r\n"
	"Cookie: session=abc123; theme=dark\r\n"
	"Accept: */*\r\n"
	"\r\n";

/* Hand-written: a chunked response with a credential among its headers,
 * a chunk extension, and a trailer. */
static const char chunked_trailers[] =
	"HTTP/1.1 200 OK\r\n"
	"Transfer-Encoding: chunked\r\n"
	"Set-Cookie: id=42; HttpOnly\r\n"
	"\r\n"
	"5\r\nhello\r\n"
	"7;ext=1\r\n, world\r\n"
	"0\r\n"
	"X-Checksum: 1234\r\n"
	"\r\n";

#define TEXT(s) (const uint8_t *)(s), sizeof(s) - 1
#define TEXT_N(s, n) (const uint8_t *)(s), (n)

/* Parses from an exact-size heap copy, so ASan sees any read past len. */
static struct parse_result parse(const uint8_t *bytes, size_t len, bool from_client,
				 const struct message *request, struct message *msg)
{
	struct parse_result r = parse_exact(http_parse, bytes, len, from_client, request, msg);

	CHECK(r.consumed <= len);
	return r;
}

/* A fresh message, as the caller zeroes it, then one parse. */
static struct parse_result parse_new(const uint8_t *bytes, size_t len, bool from_client,
				     const struct message *request, struct message *msg)
{
	memset(msg, 0, sizeof(*msg));
	return parse(bytes, len, from_client, request, msg);
}

static size_t header_len(const char *s)
{
	const char *end = strstr(s, "\r\n\r\n");

	return end ? (size_t)(end - s) + 4 : 0;
}

static void test_curl_get(void)
{
	struct message msg;
	struct parse_result r = parse_new(TEXT(curl_get), true, NULL, &msg);

	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(curl_get) - 1);
	CHECK_INT(r.skip, 0);
	CHECK(!r.until_close);
	CHECK(PROTOCOL_BODY(&msg, struct http_message)->is_request);
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->method, "GET");
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->target, "/index.html");
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->host, "example.com");
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->version, "HTTP/1.1");
	CHECK(PROTOCOL_BODY(&msg, struct http_message)->keep_alive);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->content_length, -1);
	CHECK(!PROTOCOL_BODY(&msg, struct http_message)->chunked);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->body_len, 0);
}

static void test_post_content_length(void)
{
	size_t hdr = header_len(curl_post), total = sizeof(curl_post) - 1;
	struct message msg;
	struct parse_result r;

	CHECK_INT(total - hdr, 25);
	r = parse_new(TEXT(curl_post), true, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, total);
	CHECK_INT(r.skip, 0);
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->method, "POST");
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->target, "/api/items");
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->content_length, 25);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->body_len, 25);
	CHECK(!memcmp(PROTOCOL_BODY(&msg, struct http_message)->body, "{\"name\":\"widget\",\"qty\":3}", 25));

	/* Body split: 10 bytes here, 15 still to come. */
	r = parse_new((const uint8_t *)curl_post, hdr + 10, true, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, hdr + 10);
	CHECK_INT(r.skip, 15);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->body_len, 10);

	/* Headers only. */
	r = parse_new((const uint8_t *)curl_post, hdr, true, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, hdr);
	CHECK_INT(r.skip, 25);
}

static void test_response_content_length(void)
{
	size_t hdr = header_len(py_200), total = sizeof(py_200) - 1;
	struct message msg;
	struct parse_result r = parse_new(TEXT(py_200), false, NULL, &msg);

	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, total);
	CHECK_INT(r.skip, 0);
	CHECK(!PROTOCOL_BODY(&msg, struct http_message)->is_request);
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->version, "HTTP/1.0");
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->status, 200);
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->reason, "OK");
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->content_length, 32);
	CHECK(!PROTOCOL_BODY(&msg, struct http_message)->keep_alive); /* HTTP/1.0 without Connection: keep-alive */
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->body_len, 32);
	CHECK(!memcmp(PROTOCOL_BODY(&msg, struct http_message)->body, "<html><body>hello</body></html>\n", 32));

	/* Whatever part of the body is here, consumed + skip is the message. */
	for (size_t cut = hdr; cut <= total; cut++) {
		r = parse_new((const uint8_t *)py_200, cut, false, NULL, &msg);
		CHECK_INT(r.state, PARSE_COMPLETE);
		CHECK_INT(r.consumed, cut);
		CHECK_INT(r.consumed + r.skip, total);
	}
}

static void test_response_to_head(void)
{
	char both[sizeof(py_head_200) + sizeof(py_200)];
	size_t hdr = sizeof(py_head_200) - 1;
	struct message req, msg;
	struct parse_result r;

	r = parse_new(TEXT(curl_head), true, NULL, &req);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_STR(PROTOCOL_BODY(&req, struct http_message)->method, "HEAD");

	r = parse_new(TEXT(py_head_200), false, &req, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, hdr);
	CHECK_INT(r.skip, 0);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->content_length, 32);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->body_len, 0);

	/* Followed by the next response: not a byte of it is taken. */
	snprintf(both, sizeof(both), "%s%s", py_head_200, py_200);
	r = parse_new((const uint8_t *)both, strlen(both), false, &req, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, hdr);
	CHECK_INT(r.skip, 0);

	/* Without the request, the same bytes announce a 32-byte body. */
	r = parse_new(TEXT(py_head_200), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, hdr);
	CHECK_INT(r.skip, 32);
}

static void test_no_body_statuses(void)
{
	/* Hand-written: a proxy's answer to CONNECT, then a TLS ClientHello's start. */
	static const char tunnel[] =
		"HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01\x02\x00";
	size_t first = header_len(nginx_304_then_204);
	const char *second = nginx_304_then_204 + first;
	struct message req, msg;
	struct parse_result r;

	r = parse_new(TEXT(nginx_304_then_204), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, first);
	CHECK_INT(r.skip, 0);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->status, 304);
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->reason, "Not Modified");
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->content_length, 32);

	r = parse_new((const uint8_t *)second, strlen(second), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, strlen(second));
	CHECK_INT(r.skip, 0);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->status, 204);
	CHECK(PROTOCOL_BODY(&msg, struct http_message)->keep_alive);

	/* A 2xx to CONNECT starts a tunnel: the TLS bytes after it are not a body. */
	r = parse_new(TEXT("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
		      true, NULL, &req);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_STR(PROTOCOL_BODY(&req, struct http_message)->target, "example.com:443");
	r = parse_new(TEXT(tunnel), false, &req, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, header_len(tunnel));
	CHECK_INT(r.skip, 0);
	CHECK(!r.until_close);
}

static void test_interim_responses(void)
{
	/* Hand-written, after RFC 8297's example. */
	static const char early_hints[] =
		"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n";
	/* Hand-written, after RFC 6455's handshake, then a text frame "hello". */
	static const char switching[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
					"Connection: Upgrade\r\n\r\n\x81\x05hello";
	size_t first = header_len(continue_then_201);
	struct message msg;
	struct parse_result r;

	r = parse_new(TEXT(continue_then_201), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_IGNORED);
	CHECK_INT(r.consumed, first);
	CHECK_INT(r.skip, 0);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->status, 100);

	r = parse_new((const uint8_t *)continue_then_201 + first,
		      sizeof(continue_then_201) - 1 - first, false, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(continue_then_201) - 1 - first);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->status, 201);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->content_length, 0);

	r = parse_new(TEXT(early_hints), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_IGNORED);
	CHECK_INT(r.consumed, sizeof(early_hints) - 1);

	/* 101 is the final response to an Upgrade: paired, no body, and the
	 * WebSocket frame after it is left alone. */
	r = parse_new(TEXT(switching), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, header_len(switching));
	CHECK_INT(r.skip, 0);
}

static void test_until_close(void)
{
	static const char gzip[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\x1f\x8b";
	size_t hdr = header_len(until_close_200);
	struct message msg;
	struct parse_result r = parse_new(TEXT(until_close_200), false, NULL, &msg);

	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK(r.until_close);
	CHECK_INT(r.consumed, sizeof(until_close_200) - 1);
	CHECK_INT(r.skip, 0);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->content_length, -1);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->body_len, sizeof(until_close_200) - 1 - hdr);
	CHECK(!memcmp(PROTOCOL_BODY(&msg, struct http_message)->body, "streamed until", 14));

	/* A transfer coding other than chunked last: also until close. */
	r = parse_new(TEXT(gzip), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK(r.until_close);
	CHECK_INT(r.consumed, sizeof(gzip) - 1);
}

/*
 * A small model of the engine (src/protocols/exchange.c) driving the parser over one
 * direction of a stream that arrives in events: unconsumed bytes are held,
 * ctx->seen tells how much of them the last PARSE_NEED_MORE saw, a skip
 * passes bytes over through http_skipped (held ones first), and each
 * message starts zeroed. What it reports per message: its state, its size
 * on the wire (consumed + skipped), and a copy of it.
 */
struct drive_result {
	struct message msg;
	enum parse_state state;
	uint64_t bytes;
	bool until_close;
	enum stream_after after;
};

struct drive {
	bool from_client;
	const struct message *request; /* what every response answers */
	struct drive_result out[8];
	int count;
	bool invalid, ended;
	uint64_t calls;
	int completes;      /* PARSE_COMPLETE answers, skip or not */
	uint64_t presented; /* bytes of buf given to parse, over all calls */
	uint64_t fresh;     /* of those, bytes after ctx->seen */
	uint8_t *secret;    /* per stream byte: marked by parse_secret */
	uint64_t hold_abs;  /* stream offset of the held bytes */
	size_t call_len;
};

static void drive_secret(const struct parse_ctx *ctx, size_t offset, size_t len)
{
	struct drive *d = ctx->engine;

	CHECK(offset + len <= d->call_len);
	if (d->secret)
		memset(d->secret + d->hold_abs + offset, 1, len);
}

/* Feeds stream[0, total) in events ending at ends[0..n) (the last one total). */
static void drive_events(struct drive *d, const uint8_t *stream, size_t total, const size_t *ends,
			 size_t n)
{
	uint8_t *hold = malloc(total ? total : 1);
	size_t hold_len = 0, seen = 0, p = 0;
	uint64_t skip = 0, bytes = 0;
	bool finishing = false, until_close = false;
	struct message msg;
	struct parse_result r = { 0 };

	memset(&msg, 0, sizeof(msg));
	d->hold_abs = 0;
#define DRIVE_FINISH()                                                              \
	do {                                                                        \
		if (d->count < (int)(sizeof(d->out) / sizeof(d->out[0])))           \
			d->out[d->count] = (struct drive_result){ msg, r.state, bytes, \
								  r.until_close, r.after }; \
		d->count++;                                                         \
		d->ended = r.after != STREAM_GOES_ON;                               \
		memset(&msg, 0, sizeof(msg));                                       \
		bytes = 0;                                                          \
		finishing = false;                                                  \
	} while (0)

	for (size_t ev = 0; ev < n; ev++) {
		size_t end = ends[ev];

		while (p < end) {
			if (until_close) /* the rest is the message's (the engine counts it) */
				http_skipped(&msg, NULL, stream + p, end - p, 0);
			if (d->invalid || d->ended || until_close) {
				p = end;
				break;
			}
			if (skip) {
				size_t take = skip < end - p ? (size_t)skip : end - p;

				http_skipped(&msg, NULL, stream + p, take, 0);
				skip -= take;
				p += take;
				bytes += take;
				d->hold_abs = p;
				if (!skip && finishing)
					DRIVE_FINISH();
				continue;
			}
			memcpy(hold + hold_len, stream + p, end - p);
			hold_len += end - p;
			p = end;
			while (hold_len && !skip && !d->invalid && !d->ended && !until_close) {
				uint8_t *copy = exact_copy(hold, hold_len);
				struct parse_ctx ctx = decoder_ctx(d->from_client, d->request);
				size_t take;

				ctx.seen = seen;
				ctx.secret = drive_secret;
				ctx.engine = d;
				d->call_len = hold_len;
				msg.protocol = &http_protocol;
				r = http_parse(copy, hold_len, &ctx, &msg);
				free(copy);
				d->calls++;
				d->presented += hold_len;
				d->fresh += hold_len - seen;
				CHECK(r.consumed <= hold_len);
				if (r.state == PARSE_NEED_MORE) {
					CHECK(!r.consumed && !r.skip);
					seen = hold_len;
					break;
				}
				if (r.state == PARSE_INVALID) {
					d->invalid = true;
					break;
				}
				CHECK(r.consumed || r.skip);
				seen = 0;
				memmove(hold, hold + r.consumed, hold_len - r.consumed);
				hold_len -= r.consumed;
				d->hold_abs += r.consumed;
				bytes += r.consumed;
				skip = r.skip;
				take = skip < hold_len ? (size_t)skip : hold_len;
				if (take) {
					http_skipped(&msg, NULL, hold, take, 0);
					memmove(hold, hold + take, hold_len - take);
					hold_len -= take;
					d->hold_abs += take;
					bytes += take;
					skip -= take;
				}
				if (r.until_close) {
					until_close = true;
					break;
				}
				if (r.state == PARSE_CONTINUE)
					continue;
				d->completes += r.state == PARSE_COMPLETE;
				if (skip)
					finishing = true;
				else
					DRIVE_FINISH();
			}
		}
	}
	if (until_close) {
		bytes += total - d->hold_abs;
		DRIVE_FINISH();
	}
#undef DRIVE_FINISH
	free(hold);
}

/* Events of step bytes each (the last one shorter). */
static void drive_steps(struct drive *d, const uint8_t *stream, size_t total, size_t step)
{
	size_t n = total / step + 1, *ends = malloc(n * sizeof(*ends)), k = 0;

	for (size_t at = step; at < total; at += step)
		ends[k++] = at;
	ends[k++] = total;
	drive_events(d, stream, total, ends, k);
	free(ends);
}

static struct drive drive_new(bool from_client, const struct message *request)
{
	return (struct drive){ .from_client = from_client, .request = request };
}

/* Builds a chunked response in buf: headers, chunks of the given sizes
 * (data bytes 'a' + i % 26), the last chunk with one trailer, then a 204.
 * Returns the length of the chunked response alone; *total gets all. */
static size_t chunked_stream_build(uint8_t *buf, size_t cap, const size_t *sizes, int n,
				   size_t *total)
{
	size_t off = 0, end;

	off += snprintf((char *)buf, cap,
			"HTTP/1.1 200 OK\r\n"
			"Content-Type: application/octet-stream\r\n"
			"Transfer-Encoding: chunked\r\n\r\n");
	for (int c = 0; c < n; c++) {
		/* The second chunk carries an extension. */
		off += snprintf((char *)buf + off, cap - off,
				c == 1 ? "%zx;name=value\r\n" : "%zX\r\n", sizes[c]);
		for (size_t i = 0; i < sizes[c]; i++, off++)
			buf[off] = 'a' + off % 26;
		buf[off++] = '\r';
		buf[off++] = '\n';
	}
	off += snprintf((char *)buf + off, cap - off, "0\r\nX-Checksum: 1234\r\n\r\n");
	end = off;
	off += snprintf((char *)buf + off, cap - off, "HTTP/1.1 204 No Content\r\n\r\n");
	*total = off;
	return end;
}

static void test_chunked_response_loop(void)
{
	/* 0x1a3f and 0x8000 are each far larger than one event. */
	static const size_t sizes[] = { 0x1000, 0x1a3f, 0x7, 0x8000 };
	static const size_t steps[] = { 1, 2, 3, 7, 512, 4096, 100000 };
	static uint8_t stream[64 * 1024];
	size_t total, end = chunked_stream_build(stream, sizeof(stream), sizes, 4, &total);
	size_t first_data = header_len((const char *)stream) + strlen("1000\r\n");

	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		struct drive d = drive_new(false, NULL);
		const struct http_message *h = PROTOCOL_BODY_CONST(&d.out[0].msg, struct http_message);

		drive_steps(&d, stream, total, steps[s]);
		CHECK(!d.invalid);
		CHECK_INT(d.count, 2);
		CHECK_INT(d.out[0].state, PARSE_COMPLETE);
		CHECK_INT(d.out[0].bytes, end);
		CHECK(h->chunked);
		CHECK_INT(h->status, 200);
		CHECK_INT(h->body_len, sizeof(h->body));
		CHECK(!memcmp(h->body, stream + first_data, sizeof(h->body)));
		CHECK_INT(d.out[1].bytes, total - end);
		CHECK_INT(PROTOCOL_BODY(&d.out[1].msg, struct http_message)->status, 204);
		/* Linear: the bytes after ctx->seen are new to the parser, but for
		 * a line not ended when a CONTINUE took the lines before it. */
		CHECK(d.fresh <= 2 * total);
		if (steps[s] >= 512)
			CHECK(d.calls <= 2 * (total / steps[s] + 1) + 8);
	}
}

/* One chunked message in a heap buffer: n chunks of size bytes each. */
static uint8_t *tiny_chunks_build(size_t n, size_t size, size_t *len)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	size_t cap = sizeof(head) + n * (size + 16) + 16, off;
	uint8_t *buf = malloc(cap);

	off = (size_t)snprintf((char *)buf, cap, "%s", head);
	for (size_t i = 0; i < n; i++) {
		off += (size_t)snprintf((char *)buf + off, cap - off, "%zx\r\n", size);
		memset(buf + off, 'x', size);
		off += size;
		memcpy(buf + off, "\r\n", 2);
		off += 2;
	}
	off += (size_t)snprintf((char *)buf + off, cap - off, "0\r\n\r\n");
	*len = off;
	return buf;
}

static void test_chunked_edges(void)
{
	struct message msg;
	struct parse_result r;
	size_t len;

	/* 20,000 one-byte chunks: a few calls per event, not one per chunk. */
	{
		uint8_t *buf = tiny_chunks_build(20000, 1, &len);
		struct drive d = drive_new(false, NULL);

		drive_steps(&d, buf, len, 4096);
		CHECK(!d.invalid);
		CHECK_INT(d.count, 1);
		CHECK_INT(d.out[0].bytes, len);
		CHECK(d.calls <= 2 * (len / 4096 + 1));
		CHECK(d.presented <= 2 * len);
		free(buf);
	}
	/* The same dripped a byte at a time: each size line is searched from
	 * where the last look ended. */
	{
		uint8_t *buf = tiny_chunks_build(2000, 3, &len);
		struct drive d = drive_new(false, NULL);

		drive_steps(&d, buf, len, 1);
		CHECK(!d.invalid);
		CHECK_INT(d.count, 1);
		CHECK_INT(d.out[0].bytes, len);
		CHECK_INT(d.fresh, len - 2000 * 3 - 2000 * 2); /* data and its CRLF are skipped */
		free(buf);
	}
	/* A chunk of 2^40 bytes: skipped, never held. */
	memset(&msg, 0, sizeof(msg));
	r = parse(TEXT("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000\r\nabc"),
		  false, NULL, &msg);
	CHECK_INT(r.state, PARSE_CONTINUE);
	CHECK_INT(r.consumed, strlen("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				     "10000000000\r\nabc"));
	CHECK_INT(r.skip, (UINT64_C(1) << 40) - 3 + 2);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->body_len, 3);
	http_skipped(&msg, NULL, (const uint8_t *)"defg", 4, 0);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->body_len, 7);
	r = parse(TEXT("0\r\nExpires: never\r\n\r\n"), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, strlen("0\r\nExpires: never\r\n\r\n"));
	/* A size line cut short waits; a whole one says how much to skip. */
	memset(&msg, 0, sizeof(msg));
	r = parse(TEXT("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_CONTINUE);
	r = parse(TEXT("1a3f;na"), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_NEED_MORE);
	CHECK_INT(r.consumed, 0);
	r = parse(TEXT("1a3f;name=value\r\nxyz"), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_CONTINUE);
	CHECK_INT(r.consumed, 20);
	CHECK_INT(r.skip, 0x1a3f - 3 + 2);
	r = parse(TEXT("1A3F\r\n"), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_CONTINUE);
	CHECK_INT(r.skip, 0x1a3f + 2);
	/* Bare LF after the size is accepted too. */
	r = parse(TEXT("10\nxyz"), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_CONTINUE);
	CHECK_INT(r.consumed, 6);
	CHECK_INT(r.skip, 0x10 - 3 + 2);
	/* Chunk data held whole must end in CRLF. */
	r = parse(TEXT("3\r\nabcXY0\r\n\r\n"), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_INVALID);
	/* A trailer section of many lines, and one over the line limit. */
	{
		static char big[40000];
		size_t off = (size_t)snprintf(big, sizeof(big), "0\r\n");

		for (int i = 0; i < 100; i++)
			off += (size_t)snprintf(big + off, sizeof(big) - off, "X-T%d: %d\r\n", i, i);
		off += (size_t)snprintf(big + off, sizeof(big) - off, "X-Long: ");
		memset(big + off, 'l', 20000);
		off += 20000;
		off += (size_t)snprintf(big + off, sizeof(big) - off, "\r\n\r\nHTTP");
		static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
		static char stream[sizeof(head) + sizeof(big)];
		size_t n = (size_t)snprintf(stream, sizeof(stream), "%s", head);

		memcpy(stream + n, big, off);
		n += off;
		for (size_t step = 1; step <= 65536; step *= 16) {
			struct drive d = drive_new(false, NULL);

			drive_steps(&d, (const uint8_t *)stream, n, step);
			CHECK(!d.invalid);
			CHECK_INT(d.count, 1);
			CHECK_INT(d.out[0].bytes, n - 4);
		}
	}
}

static void test_chunked_request(void)
{
	static const char trailers[] = "0\r\nX-Checksum: 1234\r\nX-Other: 5\r\n\r\nGET";
	size_t hdr = header_len(curl_put_chunked), total = sizeof(curl_put_chunked) - 1;
	const uint8_t *buf = (const uint8_t *)curl_put_chunked;
	struct message msg;
	struct parse_result r;

	/* Whole in buf: one call. */
	r = parse_new(buf, total, true, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, total);
	CHECK_INT(r.skip, 0);
	CHECK(PROTOCOL_BODY(&msg, struct http_message)->chunked);
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->method, "PUT");
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->content_length, -1);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->body_len, 12);
	CHECK(!memcmp(PROTOCOL_BODY(&msg, struct http_message)->body, "hello world\n", 12));

	/* The head alone goes on; the chunks after it finish it. */
	r = parse_new(buf, hdr, true, NULL, &msg);
	CHECK_INT(r.state, PARSE_CONTINUE);
	CHECK_INT(r.consumed, hdr);
	r = parse(buf + hdr, 3, true, NULL, &msg); /* "c\r\n" */
	CHECK_INT(r.state, PARSE_CONTINUE);
	CHECK_INT(r.consumed, 3);
	CHECK_INT(r.skip, 12 + 2);
	r = parse(buf + hdr + 3 + 14, total - hdr - 3 - 14, true, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, 5); /* "0\r\n\r\n" */

	/* Trailers are consumed through the empty line. */
	parse_new(buf, hdr, true, NULL, &msg);
	r = parse(TEXT(trailers), true, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(trailers) - 1 - strlen("GET"));
}

static void test_pipelined(void)
{
	char two[2 * sizeof(curl_get) + sizeof(curl_post)];
	size_t n;
	struct message msg;
	struct parse_result r;

	n = (size_t)snprintf(two, sizeof(two), "%s%s", curl_get, curl_head);
	r = parse_new((const uint8_t *)two, n, true, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(curl_get) - 1);
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->method, "GET");
	r = parse_new((const uint8_t *)two + r.consumed, n - r.consumed, true, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(curl_head) - 1);
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->method, "HEAD");

	/* A body in between belongs to the first. */
	n = (size_t)snprintf(two, sizeof(two), "%s%s", curl_post, curl_get);
	r = parse_new((const uint8_t *)two, n, true, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(curl_post) - 1);
	CHECK_INT(r.skip, 0);
	r = parse_new((const uint8_t *)two + r.consumed, n - r.consumed, true, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->target, "/index.html");
}

struct fixture {
	const char *name;
	const char *text;
	bool from_client;
	bool after_head; /* a response to HEAD */
};

static const struct fixture split_fixtures[] = {
	{ "curl_get", curl_get, true, false },
	{ "curl_head", curl_head, true, false },
	{ "curl_post", curl_post, true, false },
	{ "curl_put_chunked", curl_put_chunked, true, false },
	{ "py_200", py_200, false, false },
	{ "py_head_200", py_head_200, false, true },
	{ "continue_then_201", continue_then_201, false, false },
	{ "nginx_304_then_204", nginx_304_then_204, false, false },
	{ "until_close_200", until_close_200, false, false },
	{ "secret_request", secret_request, true, false },
	{ "chunked_trailers", chunked_trailers, false, false },
};

/* Both drives saw the same messages, to the byte. */
static void drive_same(const char *name, size_t cut, const struct drive *a, const struct drive *b)
{
	bool same = a->count == b->count && a->invalid == b->invalid;

	for (int i = 0; same && i < a->count && i < 8; i++)
		same = a->out[i].state == b->out[i].state && a->out[i].bytes == b->out[i].bytes &&
		       a->out[i].until_close == b->out[i].until_close &&
		       !memcmp(a->out[i].msg.body, b->out[i].msg.body, sizeof(struct http_message));
	if (!same)
		fprintf(stderr, "%s: split at %zu differs from the whole\n", name, cut);
	CHECK(same);
}

/*
 * Every fixture, whole in one event, then split in two at every offset, then
 * dripped a byte at a time: the same messages, fields and sizes each time,
 * and the same bytes marked secret.
 */
static void test_every_split(void)
{
	struct message req;

	parse_new(TEXT(curl_head), true, NULL, &req);
	for (size_t f = 0; f < sizeof(split_fixtures) / sizeof(split_fixtures[0]); f++) {
		const struct fixture *fx = &split_fixtures[f];
		const uint8_t *text = (const uint8_t *)fx->text;
		size_t total = strlen(fx->text);
		const struct message *request = fx->after_head ? &req : NULL;
		struct drive whole = drive_new(fx->from_client, request);
		uint8_t *secret_whole = calloc(1, total + 1);

		whole.secret = secret_whole;
		drive_steps(&whole, text, total, total);
		CHECK(!whole.invalid);
		CHECK(whole.count >= 1);
		for (size_t cut = 0; cut <= total + 1; cut++) {
			struct drive d = drive_new(fx->from_client, request);
			size_t ends[2] = { cut, total };

			d.secret = calloc(1, total + 1);
			if (cut == total + 1)
				drive_steps(&d, text, total, 1);
			else
				drive_events(&d, text, total, ends + (cut == 0), cut == 0 ? 1 : 2);
			drive_same(fx->name, cut, &whole, &d);
			CHECK(!memcmp(d.secret, secret_whole, total));
			CHECK(d.fresh <= 2 * total);
			free(d.secret);
		}
		free(secret_whole);
	}

	/* Every prefix of a chunk-size line, and of a last chunk with trailers. */
	{
		static const char size_line[] = "1a3f;name=value\r\n";
		static const char last[] = "0\r\nX-Checksum: 1234\r\n\r\n";
		size_t hdr = header_len(curl_put_chunked);
		struct message msg;
		struct parse_result r;

		for (size_t cut = 0; cut < sizeof(size_line) - 1; cut++) {
			parse_new(TEXT_N(curl_put_chunked, hdr), true, NULL, &msg); /* header block */
			r = parse((const uint8_t *)size_line, cut, true, NULL, &msg);
			CHECK_INT(r.state, PARSE_NEED_MORE);
		}
		for (size_t cut = 0; cut < strlen("0\r\n"); cut++) {
			parse_new(TEXT_N(curl_put_chunked, hdr), true, NULL, &msg);
			r = parse((const uint8_t *)last, cut, true, NULL, &msg);
			CHECK_INT(r.state, PARSE_NEED_MORE);
		}
		/* Past the last chunk's line, each trailer line is taken as it ends. */
		for (size_t cut = strlen("0\r\n"); cut < sizeof(last) - 1; cut++) {
			parse_new(TEXT_N(curl_put_chunked, hdr), true, NULL, &msg);
			r = parse((const uint8_t *)last, cut, true, NULL, &msg);
			CHECK_INT(r.state, PARSE_CONTINUE);
			CHECK(r.consumed == 3 || r.consumed == 3 + strlen("X-Checksum: 1234\r\n"));
		}
		parse_new(TEXT_N(curl_put_chunked, hdr), true, NULL, &msg);
		r = parse(TEXT(last), true, NULL, &msg);
		CHECK_INT(r.state, PARSE_COMPLETE);
		CHECK_INT(r.consumed, sizeof(last) - 1);
	}
}

/* curl_get with each byte in [from, to) but its line ends replaced, in
 * turn, by each of the bytes given: every one must be invalid. */
static void curl_get_flipped_invalid(size_t from, size_t to, const uint8_t *bytes, size_t n)
{
	uint8_t buf[sizeof(curl_get)];
	struct message msg;
	struct parse_result r;

	for (size_t i = from; i < to; i++)
		for (size_t b = 0; b < n; b++) {
			if ((uint8_t)curl_get[i] == bytes[b] || curl_get[i] == '\r' ||
			    curl_get[i] == '\n')
				continue;
			memcpy(buf, curl_get, sizeof(curl_get) - 1);
			buf[i] = bytes[b];
			r = parse_new(buf, sizeof(curl_get) - 1, true, NULL, &msg);
			if (r.state != PARSE_INVALID)
				fprintf(stderr, "curl_get byte %zu = 0x%02x\n", i, bytes[b]);
			CHECK_INT(r.state, PARSE_INVALID);
		}
}

static void test_flipped_bytes(void)
{
	static const uint8_t bad[] = { 0x00, 0x01, 0x1b, 0x7f, ' ', '\r' };
	size_t line = strlen("GET /index.html HTTP/1.1");
	size_t status = strlen("HTTP/1.0 200");
	size_t host = strlen("GET /index.html HTTP/1.1\r\n");
	uint8_t buf[sizeof(py_200)];
	struct message msg;
	struct parse_result r;

	/* Any position of the request line: a control byte or a stray space. */
	curl_get_flipped_invalid(0, line, bad, sizeof(bad));
	/* A letter where the method, version or status digits must be. */
	for (size_t i = 0; i < status; i++) {
		memcpy(buf, py_200, sizeof(py_200) - 1);
		buf[i] = buf[i] == 'x' ? 'y' : 'x';
		r = parse_new(buf, sizeof(py_200) - 1, false, NULL, &msg);
		CHECK_INT(r.state, PARSE_INVALID);
	}
	/* A control byte anywhere in any header line (lines are checked
	 * sixteen bytes at a time: every offset in a vector, and the tail). */
	curl_get_flipped_invalid(host, sizeof(curl_get) - 1, bad, 4);
	/* An invalid request line is told before its end arrives. */
	r = parse_new(TEXT("GET /a\x01"), true, NULL, &msg);
	CHECK_INT(r.state, PARSE_INVALID);
	r = parse_new(TEXT("PROPFINDPROPFINDPROPFINDPROPFINDX"), true, NULL, &msg);
	CHECK_INT(r.state, PARSE_INVALID);
	r = parse_new(TEXT("PROPFINDPROPFINDPROPFINDPROPFIND"), true, NULL, &msg);
	CHECK_INT(r.state, PARSE_NEED_MORE);
	r = parse_new(TEXT("\x16\x03\x01\x02\x00\x01"), true, NULL, &msg);
	CHECK_INT(r.state, PARSE_INVALID);

	/* Malformed in other ways. */
	static const char *const requests[] = {
		"GET /\r\n\r\n",                          /* HTTP/0.9: no version */
		"GET / HTTP/2.0\r\n\r\n",                 /* not 1.x */
		"GET / http/1.1\r\n\r\n",                 /* version is case-sensitive */
		"GET / HTTP/1.1 extra\r\n\r\n",
		"GET  / HTTP/1.1\r\n\r\n",
		"G(T / HTTP/1.1\r\n\r\n",                 /* not a token */
		"PROPFINDPROPFINDPROPFINDPROPFINDX / HTTP/1.1\r\n\r\n", /* 33-byte method */
		"GET / HTTP/1.1\r\nHost : x\r\n\r\n",     /* space before the colon */
		"GET / HTTP/1.1\r\nNo colon\r\n\r\n",
		"GET / HTTP/1.1\r\n: empty name\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",   /* bare CR */
		"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: \r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", /* cannot be framed */
		"\r\n\r\nGET / HTTP/1.1\r\n\r\n",         /* one empty line is tolerated, not two */
	};
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		r = parse_new((const uint8_t *)requests[i], strlen(requests[i]), true, NULL, &msg);
		if (r.state != PARSE_INVALID)
			fprintf(stderr, "accepted: %s\n", requests[i]);
		CHECK_INT(r.state, PARSE_INVALID);
	}
	static const char *const responses[] = {
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 099 Low\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1  200 OK\r\n\r\n",
		"HTTP/1.1 200 O\x01K\r\n\r\n",
		"HTTP/2 200\r\n\r\n",
		"ICY 200 OK\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(responses) / sizeof(responses[0]); i++) {
		r = parse_new((const uint8_t *)responses[i], strlen(responses[i]), false, NULL,
			      &msg);
		if (r.state != PARSE_INVALID)
			fprintf(stderr, "accepted: %s\n", responses[i]);
		CHECK_INT(r.state, PARSE_INVALID);
	}

	/* Chunk-size lines. */
	static const char *const sizes[] = {
		"zz\r\n", "\r\n", ";ext\r\n", "1a x\r\n", "1a\rx", "1a;ext\x01\r\n",
		"100000000000000000\r\n", /* 2^68 */
		"0\r\nbad trailer\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		parse_new(TEXT_N(curl_put_chunked, header_len(curl_put_chunked)), true, NULL, &msg);
		r = parse((const uint8_t *)sizes[i], strlen(sizes[i]), true, NULL, &msg);
		if (r.state != PARSE_INVALID)
			fprintf(stderr, "accepted chunk line: %s\n", sizes[i]);
		CHECK_INT(r.state, PARSE_INVALID);
	}
	/* A size line over 1 KiB: leading zeros, then extension bytes. */
	{
		static uint8_t long_line[1100];

		memset(long_line, '0', sizeof(long_line));
		parse_new(TEXT_N(curl_put_chunked, header_len(curl_put_chunked)), true, NULL, &msg);
		r = parse(long_line, sizeof(long_line), true, NULL, &msg);
		CHECK_INT(r.state, PARSE_INVALID);
		memcpy(long_line, "5;", 2);
		memset(long_line + 2, 'x', sizeof(long_line) - 2);
		r = parse(long_line, sizeof(long_line), true, NULL, &msg);
		CHECK_INT(r.state, PARSE_INVALID);
		r = parse(long_line, 1000, true, NULL, &msg);
		CHECK_INT(r.state, PARSE_NEED_MORE);
	}
}

/* A request of a start line and the given header lines, in a heap buffer. */
static uint8_t *request_build(int headers, size_t value_len, size_t *len)
{
	size_t cap = 64 + (size_t)headers * (value_len + 32), off;
	uint8_t *buf = malloc(cap);

	off = (size_t)snprintf((char *)buf, cap, "GET /drip HTTP/1.1\r\n");
	for (int i = 0; i < headers; i++) {
		off += (size_t)snprintf((char *)buf + off, cap - off, "X-Header-%03d: ", i);
		memset(buf + off, 'v', value_len);
		off += value_len;
		memcpy(buf + off, "\r\n", 2);
		off += 2;
	}
	memcpy(buf + off, "\r\n", 2);
	*len = off + 2;
	return buf;
}

/* Parses a whole request of the given header lines in one call. */
static enum parse_state request_state(int headers, size_t value_len, struct message *msg)
{
	size_t len;
	uint8_t *buf = request_build(headers, value_len, &len);
	struct parse_result r = parse_new(buf, len, true, NULL, msg);

	if (r.state == PARSE_COMPLETE)
		CHECK_INT(r.consumed, len);
	free(buf);
	return r.state;
}

static void test_line_limits(void)
{
	const struct http_message *h;
	struct message msg;
	uint8_t *buf;
	size_t len;

	h = PROTOCOL_BODY_CONST(&msg, struct http_message);
	/* A start line of 8 KiB is followed; one byte more is not. */
	for (size_t line = 8 * 1024; line <= 8 * 1024 + 1; line++) {
		struct drive d = drive_new(true, NULL);

		buf = malloc(line + 4);
		memcpy(buf, "GET /", 5);
		memset(buf + 5, 'a', line - 5 - strlen(" HTTP/1.1"));
		memcpy(buf + line - strlen(" HTTP/1.1"), " HTTP/1.1\r\n\r\n", 13);
		drive_steps(&d, buf, line + 4, 1000);
		CHECK_INT(d.invalid, line > 8 * 1024);
		CHECK_INT(d.count, line <= 8 * 1024);
		free(buf);
	}
	/* A request line that never ends is invalid once it passes the limit. */
	buf = malloc(70000);
	memcpy(buf, "GET /", 5);
	memset(buf + 5, 'a', 70000 - 5);
	CHECK_INT(parse_new(buf, 8 * 1024 + 1, true, NULL, &msg).state, PARSE_NEED_MORE);
	CHECK_INT(parse_new(buf, 8 * 1024 + 2, true, NULL, &msg).state, PARSE_INVALID);
	CHECK_INT(parse_new(buf, 70000, true, NULL, &msg).state, PARSE_INVALID);
	free(buf);

	/* A header block of any size is fine, line by line (100 KiB here). */
	CHECK_INT(request_state(1000, 80, &msg), PARSE_COMPLETE);
	CHECK_INT(h->header_count, 22); /* 22 * (12 + 80) bytes fit the text room, 23 do not */
	CHECK_INT(h->header_count + h->headers_omitted, 1000);
	/* But not of any number of lines. */
	CHECK_INT(request_state(1024, 1, &msg), PARSE_COMPLETE);
	CHECK_INT(request_state(1025, 1, &msg), PARSE_INVALID);

	/* A header line over 8 KiB: its start is kept, cut, and the rest passed
	 * over, however it arrives. */
	{
		static const size_t steps[] = { 1, 100, 4096, 8195, 65536 };
		uint8_t *big = request_build(3, 30000, &len);

		for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			struct drive d = drive_new(true, NULL);
			const struct http_message *dh =
				PROTOCOL_BODY_CONST(&d.out[0].msg, struct http_message);

			drive_steps(&d, big, len, steps[s]);
			CHECK(!d.invalid);
			CHECK_INT(d.count, 1);
			CHECK_INT(d.out[0].bytes, len);
			CHECK_INT(dh->header_count, 3);
			CHECK_INT(dh->headers[1].value_len, HTTP_HEADER_VALUE_KEPT);
			CHECK(dh->headers[1].flags & HTTP_HEADER_CUT);
			CHECK(!memcmp(http_header_name(dh, 1), "X-Header-001", 12));
			CHECK(d.fresh <= 2 * len);
		}
		free(big);
	}
	/* A control byte in the passed-over rest is still not HTTP. */
	buf = request_build(1, 20000, &len);
	buf[15000] = 0x01;
	CHECK_INT(parse_new(buf, len, true, NULL, &msg).state, PARSE_INVALID);
	free(buf);
	/* Framing fields cannot be cut. */
	buf = malloc(9000);
	memcpy(buf, "POST / HTTP/1.1\r\nContent-Length: ", 33);
	memset(buf + 33, '0', 9000 - 33);
	CHECK_INT(parse_new(buf, 9000, true, NULL, &msg).state, PARSE_INVALID);
	free(buf);
}

/*
 * One process writing a 40-header request a byte per write: the engine
 * holds only the line not ended yet, and the parser looks at each byte
 * after ctx->seen once. The bytes presented grow with the request (4x the
 * header lines: about 4x the bytes), not with its square.
 */
static void test_drip_linear(void)
{
	uint64_t presented[2], lens[2];

	for (int k = 0; k < 2; k++) {
		int headers = k ? 160 : 40;
		size_t len;
		uint8_t *buf = request_build(headers, 20, &len);
		struct drive d = drive_new(true, NULL);

		drive_steps(&d, buf, len, 1);
		CHECK(!d.invalid);
		CHECK_INT(d.count, 1);
		CHECK_INT(d.out[0].bytes, len);
		CHECK_INT(d.calls, len);
		CHECK_INT(d.fresh, len); /* each byte new to the parser once */
		/* Held: the current line only (36 bytes here), never the block. */
		CHECK(d.presented <= (uint64_t)len * 40);
		presented[k] = d.presented;
		lens[k] = len;
		free(buf);
	}
	printf("drip: %" PRIu64 " B presented for %" PRIu64 " B, %" PRIu64 " B for %" PRIu64 " B\n",
	       presented[0], lens[0], presented[1], lens[1]);
	CHECK(presented[1] * 10 <= presented[0] * 45); /* 4x the lines: under 4.5x the work */
}

/* The search for a line's end resumes at ctx->seen: the bytes before it are
 * not searched again (were an LF there, it would be missed). */
static void test_seen_resumes(void)
{
	static const char start[] = "GET /s HTTP/1.1\r\n", line[] = "X-A: 1\r\n";
	struct message msg;
	struct parse_ctx ctx = decoder_ctx(true, NULL);
	struct parse_result r;

	memset(&msg, 0, sizeof(msg));
	r = http_parse((const uint8_t *)start, sizeof(start) - 1, &ctx, &msg);
	CHECK_INT(r.state, PARSE_CONTINUE);
	ctx.seen = sizeof(line) - 1;
	r = http_parse((const uint8_t *)line, sizeof(line) - 1, &ctx, &msg);
	CHECK_INT(r.state, PARSE_NEED_MORE);
	ctx.seen = 0;
	r = http_parse((const uint8_t *)line, sizeof(line) - 1, &ctx, &msg);
	CHECK_INT(r.state, PARSE_CONTINUE);
	CHECK_INT(r.consumed, sizeof(line) - 1);
	/* A seen larger than buf (not the contract) is taken as all of it. */
	memset(&msg, 0, sizeof(msg));
	ctx.seen = 1000;
	r = http_parse((const uint8_t *)start, 4, &ctx, &msg);
	CHECK_INT(r.state, PARSE_NEED_MORE);
}

/* JSON of a message, as the exchange formatter gets it. */
static const char *json_of(const struct message *msg, bool show_secrets)
{
	static char text[16384];
	struct output_style style = { .json = true, .show_secrets = show_secrets };
	struct strbuf out;

	strbuf_init(&out, text, sizeof(text));
	http_protocol.json_put(&out, msg, &style);
	CHECK(!out.truncated);
	return text;
}

static void test_header_json(void)
{
	static const char req[] = "GET /j HTTP/1.1\r\nHost: a\r\nX-Dup: 1\r\nx-dup: \"2\"\\\r\n"
				  "X-Bin: \x80\xff\r\nX-Empty:\r\n\r\n";
	struct message msg;
	const struct http_message *h = PROTOCOL_BODY_CONST(&msg, struct http_message);
	struct parse_result r = parse_new(TEXT(req), true, NULL, &msg);

	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_STR(json_of(&msg, false),
		  ",\"method\":\"GET\",\"target\":\"/j\",\"host\":\"a\",\"version\":\"HTTP/1.1\""
		  ",\"content_length\":-1,\"chunked\":false,\"keep_alive\":true,\"body\":\"\""
		  ",\"headers\":[[\"Host\",\"a\"],[\"X-Dup\",\"1\"],[\"x-dup\",\"\\\"2\\\"\\\\\\\\\"],"
		  "[\"X-Bin\",\"\\\\x80\\\\xff\"],[\"X-Empty\",\"\"]],\"headers_omitted\":0");

	/* 40 headers: the first 32 kept, 8 counted. */
	CHECK_INT(request_state(40, 2, &msg), PARSE_COMPLETE);
	CHECK_INT(h->header_count, HTTP_HEADERS_KEPT);
	CHECK_INT(h->headers_omitted, 40 - HTTP_HEADERS_KEPT);
	CHECK(strstr(json_of(&msg, false), "[\"X-Header-031\",\"vv\"]],\"headers_omitted\":8"));
	/* Long values are cut to 256 bytes, and the text room is 2 KiB. */
	CHECK_INT(request_state(10, 300, &msg), PARSE_COMPLETE);
	CHECK_INT(h->header_count, 7); /* 7 * (12 + 256) fit 2048, 8 do not */
	CHECK_INT(h->headers_omitted, 3);
	CHECK_INT(h->headers[0].value_len, 256);
	CHECK(h->headers[0].flags & HTTP_HEADER_CUT);
	CHECK(h->header_text_len <= HTTP_HEADER_TEXT);
	/* A response's headers too. */
	r = parse_new(TEXT(py_200), false, NULL, &msg);
	CHECK(strstr(json_of(&msg, false), ",\"status\":200,\"reason\":\"OK\""));
	CHECK(strstr(json_of(&msg, false),
		     "[\"Content-type\",\"text/html\"],[\"Content-Length\",\"32\"],"));
}

static void test_secrets(void)
{
	struct message msg;
	struct drive d = drive_new(true, NULL);
	size_t total = sizeof(secret_request) - 1;
	uint8_t *marked = calloc(1, total);
	const char *json;

	/* Exactly the values of Authorization and Cookie are marked. */
	d.secret = marked;
	drive_steps(&d, (const uint8_t *)secret_request, total, total);
	CHECK_INT(d.count, 1);
	for (size_t i = 0; i < total; i++) {
		const char *auth = strstr(secret_request, "Basic ");
		const char *cookie = strstr(secret_request, "session=");
		bool want = (secret_request + i >= auth &&
			     secret_request + i < auth + strlen("Basic dXNlcjpwYXNz")) ||
			    (secret_request + i >= cookie &&
			     secret_request + i < cookie + strlen("session=abc123; theme=dark"));

		if (marked[i] != want)
			fprintf(stderr, "secret_request byte %zu marked %d\n", i, marked[i]);
		CHECK_INT(marked[i], want);
	}
	free(marked);

	/* Masked in JSON unless --show-secrets. */
	memcpy(&msg, &d.out[0].msg, sizeof(msg));
	json = json_of(&msg, false);
	CHECK(strstr(json, "[\"Authorization\",\"***\"]"));
	CHECK(strstr(json, "[\"Cookie\",\"***\"]"));
	CHECK(!strstr(json, "dXNlcjpwYXNz"));
	CHECK(!strstr(json, "abc123"));
	json = json_of(&msg, true);
	CHECK(strstr(json, "[\"Authorization\",\"Basic dXNlcjpwYXNz\"]"));
	CHECK(strstr(json, "[\"Cookie\",\"session=abc123; theme=dark\"]"));

	/* Set-Cookie and Proxy-Authorization, any case. */
	parse_new(TEXT("HTTP/1.1 200 OK\r\nset-COOKIE: a=b\r\nContent-Length: 0\r\n\r\n"), false,
		  NULL, &msg);
	CHECK(strstr(json_of(&msg, false), "[\"set-COOKIE\",\"***\"]"));
	parse_new(TEXT("GET / HTTP/1.1\r\nProxy-Authorization: Basic eA==\r\n\r\n"), true, NULL,
		  &msg);
	CHECK(strstr(json_of(&msg, false), "[\"Proxy-Authorization\",\"***\"]"));

	/* A cookie over the line limit: every byte of its value marked, however
	 * it arrives; the bytes around it not. */
	{
		size_t len, vstart, vend;
		uint8_t *buf = request_build(2, 20000, &len);

		memcpy(buf + strlen("GET /drip HTTP/1.1\r\n"), "Cookie:       ", 14);
		vstart = strlen("GET /drip HTTP/1.1\r\n") + 14;
		vend = vstart + 20000;
		for (size_t step = 7; step <= 70000; step *= 10) {
			struct drive dd = drive_new(true, NULL);

			dd.secret = calloc(1, len);
			drive_steps(&dd, buf, len, step);
			CHECK_INT(dd.count, 1);
			CHECK(!memchr(dd.secret, 1, vstart));
			CHECK(!memchr(dd.secret + vstart, 0, vend - vstart));
			CHECK(!memchr(dd.secret + vend, 1, len - vend));
			free(dd.secret);
		}
		free(buf);
	}
}

/*
 * A server answering an upload before its body (nginx's 405 to a POST, a
 * 413, a 417, a 401): the request is complete, and so reported, as soon as
 * its head is, so the response that follows pairs with it; the body is
 * skipped after, and the next request starts right after it.
 */
static void test_early_final_response(void)
{
	static const char head[] = "POST /index.html HTTP/1.1\r\nHost: x\r\n"
				   "Content-Length: 1048576\r\n\r\n";
	static const char answer[] = "HTTP/1.1 405 Not Allowed\r\nServer: nginx/1.22.1\r\n"
				     "Content-Length: 10\r\nConnection: close\r\n\r\n0123456789";
	size_t hdr = sizeof(head) - 1, total = hdr + 1048576 + sizeof(curl_get) - 1;
	uint8_t *stream = malloc(total);
	struct message req, resp;
	struct parse_result r;
	struct drive d = drive_new(true, NULL);
	size_t ends[] = { hdr, hdr + 1000, 65536, 700000, total };

	/* The head alone: complete, the body a skip. */
	r = parse_new(TEXT(head), true, NULL, &req);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, hdr);
	CHECK_INT(r.skip, 1048576);
	/* The response, with that request: complete, its own body taken. */
	r = parse_new(TEXT(answer), false, &req, &resp);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(answer) - 1);
	CHECK_INT(PROTOCOL_BODY(&resp, struct http_message)->status, 405);
	CHECK(!PROTOCOL_BODY(&resp, struct http_message)->keep_alive);

	/* The client's stream: the request at its head's event, then the body
	 * passed over, then the next request whole. */
	memcpy(stream, head, hdr);
	memset(stream + hdr, 'b', 1048576);
	memcpy(stream + hdr + 1048576, curl_get, sizeof(curl_get) - 1);
	drive_events(&d, stream, total, ends, 1);
	CHECK_INT(d.completes, 1); /* the head's event alone completes it */
	d = drive_new(true, NULL);
	drive_events(&d, stream, total, ends, sizeof(ends) / sizeof(ends[0]));
	CHECK_INT(d.count, 2);
	CHECK_INT(d.out[0].bytes, hdr + 1048576);
	CHECK_STR(PROTOCOL_BODY(&d.out[0].msg, struct http_message)->method, "POST");
	CHECK_INT(PROTOCOL_BODY(&d.out[0].msg, struct http_message)->body_len, 64);
	CHECK_INT(d.out[1].bytes, sizeof(curl_get) - 1);
	CHECK_STR(PROTOCOL_BODY(&d.out[1].msg, struct http_message)->target, "/index.html");
	free(stream);
}

static void test_headers(void)
{
	static const char mixed_case[] = "POST /x HTTP/1.1\r\nHOST:  Example.COM \r\n"
					 "content-LENGTH: 3\r\nCONNECTION: Close\r\n\r\nabc";
	static const char bare_lf[] = "\r\nGET /lf HTTP/1.1\nHost: x\n\nnext";
	struct message msg;
	struct parse_result r;
	char target[400];

	/* Field names in any case; values trimmed. */
	r = parse_new(TEXT(mixed_case), true, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(mixed_case) - 1);
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->host, "Example.COM");
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->content_length, 3);
	CHECK(!PROTOCOL_BODY(&msg, struct http_message)->keep_alive);

	r = parse_new(TEXT("HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, Chunked\r\n\r\n"), false,
		      NULL, &msg);
	CHECK_INT(r.state, PARSE_CONTINUE);
	CHECK(PROTOCOL_BODY(&msg, struct http_message)->chunked);

	/* Chunked wins over Content-Length (RFC 9112 section 6.3). */
	r = parse_new(TEXT("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n"
			   "\r\n"),
		      false, NULL, &msg);
	CHECK_INT(r.state, PARSE_CONTINUE);
	CHECK_INT(r.skip, 0);

	/* Identical repeated lengths are one length. */
	r = parse_new(TEXT("POST / HTTP/1.1\r\nContent-Length: 2, 2\r\n"
			   "Content-Length: 2\r\n\r\nhi"),
		      true, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->content_length, 2);

	/* HTTP/1.0 keep-alive on request; HTTP/1.1 "close" among other tokens. */
	r = parse_new(TEXT("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), true, NULL, &msg);
	CHECK(PROTOCOL_BODY(&msg, struct http_message)->keep_alive);
	r = parse_new(TEXT("GET / HTTP/1.1\r\nConnection: TE, close\r\n\r\n"), true, NULL, &msg);
	CHECK(!PROTOCOL_BODY(&msg, struct http_message)->keep_alive);
	r = parse_new(TEXT("GET / HTTP/1.0\r\nConnection: keep-alive , TE\r\n\r\n"), true, NULL,
		      &msg);
	CHECK(PROTOCOL_BODY(&msg, struct http_message)->keep_alive);
	r = parse_new(TEXT("POST / HTTP/1.1\r\nContent-Length: 2 ,2\r\n\r\nhi"), true, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->content_length, 2);
	r = parse_new(TEXT("GET / HTTP/1.0\r\n\r\n"), true, NULL, &msg);
	CHECK(!PROTOCOL_BODY(&msg, struct http_message)->keep_alive);

	/* Bare LF line ends, and one empty line before the request line. */
	r = parse_new(TEXT(bare_lf), true, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(bare_lf) - 1 - strlen("next"));
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->target, "/lf");
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->host, "x");

	/* Status line without a reason, with or without its space. */
	r = parse_new(TEXT("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n"), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->status, 404);
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->reason, "");
	r = parse_new(TEXT("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n"), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);

	/* Methods detect does not know still parse; obs-fold is passed over. */
	r = parse_new(TEXT("PROPFIND /dav HTTP/1.1\r\nX-A: 1\r\n  folded\r\n\r\n"), true, NULL,
		      &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->method, "PROPFIND");

	/* Long text is cut to its field and NUL-terminated; raw bytes kept. */
	memset(target, 0, sizeof(target));
	memcpy(target, "GET /", 5);
	memset(target + 5, 'p', 300);
	strcat(target, " HTTP/1.1\r\nHost: \xc3\xa9t\xc3\xa9\r\n\r\n");
	r = parse_new((const uint8_t *)target, strlen(target), true, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(strlen(PROTOCOL_BODY(&msg, struct http_message)->target), sizeof(PROTOCOL_BODY(&msg, struct http_message)->target) - 1);
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->host, "\xc3\xa9t\xc3\xa9");
	r = parse_new(TEXT("VERY-LONG-METHOD-NAME-HERE / HTTP/1.1\r\n\r\n"), true, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->method, "VERY-LONG-METHO");
}

static bool detect(const char *s, size_t len, bool from_client)
{
	return detect_exact(http_detect, s, len, from_client);
}

static void test_detect(void)
{
	static const char *const methods[] = {
		"GET /", "POST /", "PUT /", "HEAD /", "DELETE /", "OPTIONS *", "PATCH /",
		"CONNECT h:443", "TRACE /",
	};

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		CHECK(detect(methods[i], strlen(methods[i]), true));
		/* The whole token and its space, no less. */
		CHECK(detect(methods[i], strchr(methods[i], ' ') - methods[i] + 1, true));
		CHECK(!detect(methods[i], strchr(methods[i], ' ') - methods[i], true));
		CHECK(!detect(methods[i], strlen(methods[i]), false));
	}
	CHECK(detect(curl_get, sizeof(curl_get) - 1, true));
	CHECK(!detect("GE", 2, true));
	CHECK(!detect("", 0, true));
	CHECK(!detect("get / HTTP/1.1", 14, true));
	CHECK(!detect("GETX / HTTP/1.1", 15, true));
	CHECK(!detect("PRI * HTTP/2.0\r\n", 16, true));
	CHECK(!detect("HTTP/1.1 200 OK", 15, true));

	CHECK(detect(py_200, sizeof(py_200) - 1, false));
	CHECK(detect("HTTP/1.1 200 OK\r\n", 17, false));
	CHECK(detect("HTTP/1.", 7, false));
	CHECK(!detect("HTTP/1", 6, false));
	CHECK(!detect("HTTP/1.x", 8, false));
	CHECK(!detect("HTTP/2 200\r\n", 12, false));
	CHECK(!detect("", 0, false));
	CHECK(!detect("\x16\x03\x03\x00\x7a", 5, false));
}

int main(void)
{
	test_curl_get();
	test_post_content_length();
	test_response_content_length();
	test_response_to_head();
	test_no_body_statuses();
	test_interim_responses();
	test_until_close();
	test_chunked_response_loop();
	test_chunked_edges();
	test_chunked_request();
	test_pipelined();
	test_every_split();
	test_flipped_bytes();
	test_line_limits();
	test_drip_linear();
	test_seen_resumes();
	test_header_json();
	test_secrets();
	test_early_final_response();
	test_headers();
	test_detect();
	return check_report("test_decode_http");
}
