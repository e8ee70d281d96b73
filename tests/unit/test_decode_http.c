/*
 * The HTTP/1.x and HTTP/2-preface decoders, on byte fixtures.
 *
 * Every parse goes through an exact-size heap copy of its input, so a build
 * with -fsanitize=address reports any read past len.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "decoder_test.h"
#include "decode/http.h"
#include "decode/http2.h"

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

/*
 * The HTTP/2 client connection preface (RFC 9113 section 3.4), then an
 * empty SETTINGS frame, as curl 7.88.1 `--http2-prior-knowledge` starts.
 */
static const uint8_t h2_preface_settings[] = {
	/* "PRI * HTTP/2.0\r\n" */
	0x50, 0x52, 0x49, 0x20, 0x2a, 0x20, 0x48, 0x54,
	0x54, 0x50, 0x2f, 0x32, 0x2e, 0x30, 0x0d, 0x0a,
	/* "\r\nSM\r\n\r\n" */
	0x0d, 0x0a, 0x53, 0x4d, 0x0d, 0x0a, 0x0d, 0x0a,
	/* SETTINGS frame: length 0 (24 bits), type 4, flags 0, stream 0 */
	0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
};

#define TEXT(s) (const uint8_t *)(s), sizeof(s) - 1

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
	/* 0x1a3f and 0x8000 are each far larger than what the caller holds. */
	static const size_t sizes[] = { 0x1000, 0x1a3f, 0x7, 0x8000 };
	static uint8_t stream[64 * 1024];
	const size_t window = 512; /* bytes the caller holds at a time */
	size_t total, end = chunked_stream_build(stream, sizeof(stream), sizes, 4, &total);
	size_t pos = 0, first_data;
	struct message msg;
	struct parse_result r;
	int calls = 0;

	first_data = header_len((const char *)stream) + strlen("1000\r\n");
	memset(&msg, 0, sizeof(msg));
	for (;;) {
		size_t n = total - pos < window ? total - pos : window;

		r = parse(stream + pos, n, false, NULL, &msg);
		calls++;
		if (r.state != PARSE_CONTINUE)
			break;
		/* The caller: consume, skip, call again with the bytes after. */
		pos += r.consumed + r.skip;
		if (calls > 20 || pos >= total)
			break;
	}
	CHECK_INT(r.state, PARSE_COMPLETE);
	pos += r.consumed + r.skip;
	CHECK_INT(pos, end);
	CHECK_INT(calls, 1 + 4 + 1); /* header block, four chunks, last chunk */
	CHECK(PROTOCOL_BODY(&msg, struct http_message)->chunked);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->status, 200);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->body_len, sizeof(PROTOCOL_BODY(&msg, struct http_message)->body));
	CHECK(!memcmp(PROTOCOL_BODY(&msg, struct http_message)->body, stream + first_data, sizeof(PROTOCOL_BODY(&msg, struct http_message)->body)));

	/* The next message starts exactly where the loop stopped. */
	r = parse_new(stream + pos, total - pos, false, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->status, 204);
	CHECK_INT(pos + r.consumed, total);

	/* A size line cut short waits; a whole one says how much to skip. */
	memset(&msg, 0, sizeof(msg));
	r = parse(stream, window, false, NULL, &msg);
	CHECK_INT(r.state, PARSE_CONTINUE);
	r = parse(TEXT("1a3f;na"), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_NEED_MORE);
	CHECK_INT(r.consumed, 0);
	r = parse(TEXT("1a3f;name=value\r\nxyz"), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_CONTINUE);
	CHECK_INT(r.consumed, 17);
	CHECK_INT(r.skip, 0x1a3f + 2);
	r = parse(TEXT("1A3F\r\n"), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_CONTINUE);
	CHECK_INT(r.skip, 0x1a3f + 2);
	/* Bare LF after the size is accepted too. */
	r = parse(TEXT("10\nxyz"), false, NULL, &msg);
	CHECK_INT(r.state, PARSE_CONTINUE);
	CHECK_INT(r.consumed, 3);
	CHECK_INT(r.skip, 0x10 + 2);
}

static void test_chunked_request(void)
{
	static const char trailers[] = "0\r\nX-Checksum: 1234\r\nX-Other: 5\r\n\r\nGET";
	size_t hdr = header_len(curl_put_chunked), total = sizeof(curl_put_chunked) - 1, pos;
	const uint8_t *buf = (const uint8_t *)curl_put_chunked;
	struct message msg;
	struct parse_result r;

	r = parse_new(buf, total, true, NULL, &msg);
	CHECK_INT(r.state, PARSE_CONTINUE);
	CHECK_INT(r.consumed, hdr);
	CHECK_INT(r.skip, 0);
	CHECK(PROTOCOL_BODY(&msg, struct http_message)->chunked);
	CHECK_STR(PROTOCOL_BODY(&msg, struct http_message)->method, "PUT");
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->content_length, -1);
	pos = r.consumed + r.skip;

	r = parse(buf + pos, total - pos, true, NULL, &msg);
	CHECK_INT(r.state, PARSE_CONTINUE);
	CHECK_INT(r.consumed, 3);  /* "c\r\n" */
	CHECK_INT(r.skip, 12 + 2); /* data, CRLF */
	pos += r.consumed + r.skip;

	r = parse(buf + pos, total - pos, true, NULL, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, 5); /* "0\r\n\r\n" */
	CHECK_INT(r.skip, 0);
	pos += r.consumed;
	CHECK_INT(pos, total);
	CHECK_INT(PROTOCOL_BODY(&msg, struct http_message)->body_len, 12);
	CHECK(!memcmp(PROTOCOL_BODY(&msg, struct http_message)->body, "hello world\n", 12));

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

static const struct fixture prefix_fixtures[] = {
	{ "curl_get", curl_get, true, false },
	{ "curl_head", curl_head, true, false },
	{ "curl_post", curl_post, true, false },
	{ "curl_put_chunked", curl_put_chunked, true, false },
	{ "py_200", py_200, false, false },
	{ "py_head_200", py_head_200, false, true },
	{ "continue_then_201", continue_then_201, false, false },
	{ "nginx_304_then_204", nginx_304_then_204, false, false },
	{ "until_close_200", until_close_200, false, false },
};

static void test_every_prefix(void)
{
	struct message req, msg;

	parse_new(TEXT(curl_head), true, NULL, &req);
	for (size_t f = 0; f < sizeof(prefix_fixtures) / sizeof(prefix_fixtures[0]); f++) {
		const struct fixture *fx = &prefix_fixtures[f];
		size_t hdr = header_len(fx->text), total = strlen(fx->text);
		const struct message *request = fx->after_head ? &req : NULL;
		struct parse_result r;

		for (size_t cut = 0; cut < hdr; cut++) {
			r = parse_new((const uint8_t *)fx->text, cut, fx->from_client, request,
				      &msg);
			if (r.state != PARSE_NEED_MORE || r.consumed || r.skip)
				fprintf(stderr, "%s: prefix of %zu bytes\n", fx->name, cut);
			CHECK_INT(r.state, PARSE_NEED_MORE);
			CHECK_INT(r.consumed, 0);
		}
		/* Once the header block is whole, the message is framed. */
		for (size_t cut = hdr; cut <= total; cut++) {
			r = parse_new((const uint8_t *)fx->text, cut, fx->from_client, request,
				      &msg);
			CHECK(r.state == PARSE_COMPLETE || r.state == PARSE_CONTINUE ||
			      r.state == PARSE_IGNORED);
			CHECK(r.consumed >= hdr);
		}
	}

	/* Every prefix of a chunk-size line, and of a last chunk with trailers. */
	{
		static const char size_line[] = "1a3f;name=value\r\n";
		static const char last[] = "0\r\nX-Checksum: 1234\r\n\r\n";
		struct parse_result r;

		for (size_t cut = 0; cut < sizeof(size_line) - 1; cut++) {
			parse_new(TEXT(curl_put_chunked), true, NULL, &msg); /* header block */
			r = parse((const uint8_t *)size_line, cut, true, NULL, &msg);
			CHECK_INT(r.state, PARSE_NEED_MORE);
		}
		for (size_t cut = 0; cut < sizeof(last) - 1; cut++) {
			parse_new(TEXT(curl_put_chunked), true, NULL, &msg);
			r = parse((const uint8_t *)last, cut, true, NULL, &msg);
			CHECK_INT(r.state, PARSE_NEED_MORE);
		}
		parse_new(TEXT(curl_put_chunked), true, NULL, &msg);
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
		parse_new(TEXT(curl_put_chunked), true, NULL, &msg);
		r = parse((const uint8_t *)sizes[i], strlen(sizes[i]), true, NULL, &msg);
		if (r.state != PARSE_INVALID)
			fprintf(stderr, "accepted chunk line: %s\n", sizes[i]);
		CHECK_INT(r.state, PARSE_INVALID);
	}
	/* A size line over 1 KiB: leading zeros, then extension bytes. */
	{
		static uint8_t long_line[1100];

		memset(long_line, '0', sizeof(long_line));
		parse_new(TEXT(curl_put_chunked), true, NULL, &msg);
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

/* A request whose start line and header block is exactly block bytes,
 * terminated or not, in a heap buffer of that size. */
static void header_limit_check(size_t block, bool terminated, enum parse_state expected)
{
	static const char start[] = "GET / HTTP/1.1\r\nX-Big: ";
	uint8_t *buf = malloc(block);
	struct message msg;
	struct parse_result r;

	memcpy(buf, start, sizeof(start) - 1);
	memset(buf + sizeof(start) - 1, 'a', block - (sizeof(start) - 1));
	if (terminated)
		memcpy(buf + block - 4, "\r\n\r\n", 4);
	r = parse_new(buf, block, true, NULL, &msg);
	if (r.state != expected)
		fprintf(stderr, "header block of %zu bytes%s\n", block,
			terminated ? "" : ", unterminated");
	CHECK_INT(r.state, expected);
	if (expected == PARSE_COMPLETE)
		CHECK_INT(r.consumed, block);
	free(buf);
}

static void test_header_limit(void)
{
	header_limit_check(64 * 1024, true, PARSE_COMPLETE);
	header_limit_check(64 * 1024 + 1, true, PARSE_INVALID);
	header_limit_check(64 * 1024 - 1, false, PARSE_NEED_MORE);
	header_limit_check(64 * 1024, false, PARSE_INVALID);
	header_limit_check(100 * 1024, false, PARSE_INVALID);
	/* A request line that never ends. */
	{
		uint8_t *buf = malloc(70000);
		struct message msg;

		memcpy(buf, "GET /", 5);
		memset(buf + 5, 'a', 70000 - 5);
		CHECK_INT(parse_new(buf, 70000, true, NULL, &msg).state, PARSE_INVALID);
		CHECK_INT(parse_new(buf, 60000, true, NULL, &msg).state, PARSE_NEED_MORE);
		free(buf);
	}
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

static bool detect2(const uint8_t *s, size_t len, bool from_client)
{
	return detect_exact(http2_detect, s, len, from_client);
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

static void test_http2_preface(void)
{
	const size_t preface = 24;
	struct message msg;
	struct parse_result r;
	uint8_t buf[sizeof(h2_preface_settings)];

	CHECK(detect2(h2_preface_settings, sizeof(h2_preface_settings), true));
	CHECK(detect2(h2_preface_settings, preface, true));
	CHECK(detect2(h2_preface_settings, 16, true));
	CHECK(!detect2(h2_preface_settings, 15, true));
	CHECK(!detect2(h2_preface_settings, sizeof(h2_preface_settings), false));
	CHECK(!detect2((const uint8_t *)curl_get, sizeof(curl_get) - 1, true));
	CHECK(!http_detect(h2_preface_settings, sizeof(h2_preface_settings), true));

	memset(&msg, 0, sizeof(msg));
	r = http2_parse(h2_preface_settings, sizeof(h2_preface_settings), &(struct parse_ctx){ .from_client = true }, &msg);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, preface);
	CHECK_INT(r.skip, 0);

	for (size_t cut = 0; cut < preface; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);

		memcpy(copy, h2_preface_settings, cut);
		memset(&msg, 0, sizeof(msg));
		r = http2_parse(copy, cut, &(struct parse_ctx){ .from_client = true }, &msg);
		CHECK_INT(r.state, PARSE_NEED_MORE);
		CHECK_INT(r.consumed, 0);
		free(copy);
	}
	r = http2_parse(h2_preface_settings, sizeof(h2_preface_settings), &(struct parse_ctx){ .from_client = false }, &msg);
	CHECK_INT(r.state, PARSE_INVALID);
	for (size_t i = 0; i < preface; i++) {
		memcpy(buf, h2_preface_settings, sizeof(buf));
		buf[i] ^= 0x20;
		r = http2_parse(buf, sizeof(buf), &(struct parse_ctx){ .from_client = true }, &msg);
		CHECK_INT(r.state, PARSE_INVALID);
	}
	r = http2_parse(TEXT(curl_get), &(struct parse_ctx){ .from_client = true }, &msg);
	CHECK_INT(r.state, PARSE_INVALID);
	/* The SETTINGS frame after the preface is not a preface. */
	r = http2_parse(h2_preface_settings + preface, sizeof(h2_preface_settings) - preface, &(struct parse_ctx){ .from_client = true }, &msg);
	CHECK_INT(r.state, PARSE_INVALID);
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
	test_chunked_request();
	test_pipelined();
	test_every_prefix();
	test_flipped_bytes();
	test_header_limit();
	test_headers();
	test_detect();
	test_http2_preface();
	return check_report("test_decode_http");
}
