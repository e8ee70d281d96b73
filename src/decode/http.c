/*
 * HTTP/1.x requests and responses (RFC 9112), one message per call.
 *
 * A message is its start line and header block, then a body framed by
 * Content-Length, by chunked transfer coding, or by the connection closing
 * (responses only). The header block must be whole in buf; a body need not
 * be: what is not in buf is returned as skip. A chunked body is walked one
 * chunk-size line per call (PARSE_CONTINUE), so the chunk data itself never
 * has to be captured.
 *
 * Work per call is bounded by HTTP_HEADER_MAX bytes scanned; nothing is
 * allocated; buf is never read outside [0, len).
 */
#include <string.h>

#include "decode/http.h"
#include "byte_scan.h"

/* A start line plus header block larger than this is not HTTP we follow. */
#define HTTP_HEADER_MAX (64 * 1024)
/* A chunk-size line ("1a3f;name=value\r\n") larger than this is invalid. */
#define HTTP_CHUNK_LINE_MAX 1024
/* Trailer section after the last chunk, same limit as a header block. */
#define HTTP_TRAILER_MAX HTTP_HEADER_MAX
/* Longest method token accepted (the field keeps 15 bytes of it). */
#define HTTP_METHOD_MAX 32
/* Chunk sizes above this are not believed (and skip + 2 cannot overflow). */
#define HTTP_CHUNK_SIZE_MAX (UINT64_C(1) << 56)

/* PROTOCOL_BODY(msg, struct http_message)->chunk_state. 0 is what the caller's zeroing leaves. */
enum http_chunk_state {
	CHUNK_NONE = 0, /* no header block parsed yet for this message */
	CHUNK_SIZE = 1, /* header done, chunked: the next bytes are a chunk-size line */
	CHUNK_DONE = 2, /* last chunk and trailers consumed */
};

/* Known request methods, each with the space after it, for detection. */
static const char *const http_methods[] = {
	"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ",
};

/* What the header lines said, before the body is framed. */
struct http_headers {
	bool te_present;     /* a Transfer-Encoding header was seen */
	bool te_chunked;     /* ... and the last coding of the last one is chunked */
	bool conn_close;     /* Connection: close */
	bool conn_keep_alive;/* Connection: keep-alive */
	bool host_seen;
};

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 9110 tchar: the bytes of a method or a header field name. */
/* RFC 9110 token characters; a table, as every header byte is tested. */
static const bool tchars[256] = {
	['0' ... '9'] = true, ['A' ... 'Z'] = true, ['a' ... 'z'] = true,
	['!'] = true, ['#'] = true, ['$'] = true, ['%'] = true, ['&'] = true, ['\''] = true,
	['*'] = true, ['+'] = true, ['-'] = true, ['.'] = true, ['^'] = true, ['_'] = true,
	['`'] = true, ['|'] = true, ['~'] = true,
};

static bool is_tchar(uint8_t c)
{
	return tchars[c];
}

/* Control bytes, except HTAB, have no place in a start or header line. */
static bool is_ctl(uint8_t c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* Every header byte goes through this, BYTE_SCAN_WIDTH at a time. */
static bool has_ctl(const uint8_t *p, size_t n)
{
	size_t k = 0;

	for (; k + BYTE_SCAN_WIDTH <= n; k += BYTE_SCAN_WIDTH) {
		byte_lanes lanes = byte_lanes_load(p + k);

		if (lane_mask_any(((lanes < 0x20) & (lanes != '\t')) | (lanes == 0x7f)))
			return true;
	}
	for (; k < n; k++)
		if (is_ctl(p[k]))
			return true;
	return false;
}

static bool is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static uint8_t ascii_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* p[0..n) equals the lower-case literal lit, ignoring ASCII case. */
/* A case-insensitive match of p[0..n) against a lowercase literal;
 * most names differ in length, compared first. */
#define token_is(p, n, lit) token_match(p, n, lit, sizeof(lit) - 1)

static bool token_match(const uint8_t *p, size_t n, const char *lit, size_t lit_len)
{
	if (n != lit_len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(p[i]) != (uint8_t)lit[i])
			return false;
	return true;
}

/* Copies p[0..n) into a text field of cap bytes, cut and NUL-terminated. */
static void text_copy(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	if (n > cap - 1)
		n = cap - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

/* Appends the first body bytes seen, up to the size of the body field. */
static void body_copy(struct http_message *h, const uint8_t *p, size_t n)
{
	if (!n)
		return;
	size_t room = sizeof(h->body) - h->body_len;

	if (n > room)
		n = room;
	memcpy(h->body + h->body_len, p, n);
	h->body_len += (uint32_t)n;
}

/*
 * Finds the line that starts at off, looking no further than limit (<= the
 * buffer length). Returns false when no LF is there yet. Otherwise *end is
 * where the line's content ends (before LF, and before one CR in front of
 * it) and *next where the following line starts.
 */
static bool line_find(const uint8_t *buf, size_t limit, size_t off, size_t *end, size_t *next)
{
	const uint8_t *lf;

	if (off >= limit)
		return false;
	lf = memchr(buf + off, '\n', limit - off);
	if (!lf)
		return false;
	*next = (size_t)(lf - buf) + 1;
	*end = (size_t)(lf - buf);
	if (*end > off && buf[*end - 1] == '\r')
		(*end)--;
	return true;
}

/* Out of bytes: fine while the line may go on, wrong when it is whole. */
#define LINE_NEED(i, n, complete)                  \
	do {                                       \
		if ((i) >= (n))                    \
			return (complete) ? -1 : 0; \
	} while (0)

/* Matches "HTTP/1.<digit>" at p[*i]. Same return values as the line parsers. */
static int version_parse(const uint8_t *p, size_t n, bool complete, size_t *i)
{
	static const char prefix[] = "HTTP/1.";

	for (size_t k = 0; k < sizeof(prefix) - 1; k++) {
		LINE_NEED(*i, n, complete);
		if (p[*i] != (uint8_t)prefix[k])
			return -1;
		(*i)++;
	}
	LINE_NEED(*i, n, complete);
	if (!is_digit(p[*i]))
		return -1;
	(*i)++;
	return 1;
}

/*
 * request-line = method SP request-target SP HTTP-version, in p[0..n).
 * complete: p is the whole line (line end removed); otherwise it is all
 * that has arrived so far. Returns 1 parsed, 0 consistent so far (need
 * more), -1 invalid.
 */
static int request_line_parse(const uint8_t *p, size_t n, bool complete, struct http_message *h)
{
	size_t i = 0, start;
	int ret;

	while (i < n && is_tchar(p[i]))
		i++;
	if (i > HTTP_METHOD_MAX)
		return -1;
	LINE_NEED(i, n, complete);
	if (i == 0 || p[i] != ' ')
		return -1;
	text_copy(h->method, sizeof(h->method), p, i);
	i++;

	start = i;
	while (i < n && p[i] > ' ' && p[i] != 0x7f)
		i++;
	LINE_NEED(i, n, complete);
	if (i == start || p[i] != ' ')
		return -1;
	text_copy(h->target, sizeof(h->target), p + start, i - start);
	i++;

	start = i;
	ret = version_parse(p, n, complete, &i);
	if (ret <= 0)
		return ret;
	text_copy(h->version, sizeof(h->version), p + start, i - start);
	if (i != n)
		return -1;
	return complete ? 1 : 0;
}

/* status-line = HTTP-version SP status-code SP [ reason-phrase ]; the last
 * SP is often left out when there is no reason, and that is accepted. */
static int status_line_parse(const uint8_t *p, size_t n, bool complete, struct http_message *h)
{
	size_t i = 0, start;
	int ret, status = 0;

	ret = version_parse(p, n, complete, &i);
	if (ret <= 0)
		return ret;
	text_copy(h->version, sizeof(h->version), p, i);
	LINE_NEED(i, n, complete);
	if (p[i] != ' ')
		return -1;
	i++;
	for (int k = 0; k < 3; k++) {
		LINE_NEED(i, n, complete);
		if (!is_digit(p[i]))
			return -1;
		status = status * 10 + (p[i] - '0');
		i++;
	}
	if (status < 100)
		return -1;
	h->status = status;
	if (i == n)
		return complete ? 1 : 0;
	if (p[i] != ' ')
		return -1;
	i++;
	start = i;
	for (; i < n; i++)
		if (is_ctl(p[i]))
			return -1;
	text_copy(h->reason, sizeof(h->reason), p + start, n - start);
	return complete ? 1 : 0;
}

/* Start line, request or response, with the same return values. An
 * incomplete line may end in the CR of its CRLF: that is not part of it. */
static int start_line_parse(const uint8_t *p, size_t n, bool complete, bool from_client,
			    struct http_message *h)
{
	if (!complete && n > 0 && p[n - 1] == '\r')
		n--;
	if (from_client)
		return request_line_parse(p, n, complete, h);
	return status_line_parse(p, n, complete, h);
}

/*
 * Content-Length: 1*DIGIT, or a list of identical values ("5, 5", which
 * some proxies produce). Returns the length or -1 when invalid.
 */
static int64_t content_length_parse(const uint8_t *p, size_t n)
{
	int64_t value = -1;
	size_t i = 0;

	for (;;) {
		int64_t v = 0;
		size_t digits = 0;

		while (i < n && is_ows(p[i]))
			i++;
		for (; i < n && is_digit(p[i]); i++, digits++) {
			if (v > (INT64_MAX - 9) / 10)
				return -1;
			v = v * 10 + (p[i] - '0');
		}
		if (!digits || (value >= 0 && v != value))
			return -1;
		value = v;
		while (i < n && is_ows(p[i]))
			i++;
		if (i == n)
			return value;
		if (p[i] != ',')
			return -1;
		i++;
	}
}

/* Calls fn on each comma-separated element of a list value, trimmed. */
static void list_each(const uint8_t *p, size_t n, struct http_headers *hd,
		      void (*fn)(const uint8_t *, size_t, struct http_headers *))
{
	size_t i = 0;

	while (i < n) {
		size_t start, end;

		while (i < n && is_ows(p[i]))
			i++;
		start = i;
		while (i < n && p[i] != ',')
			i++;
		end = i;
		while (end > start && is_ows(p[end - 1]))
			end--;
		if (end > start)
			fn(p + start, end - start, hd);
		i++; /* past the comma */
	}
}

static void connection_token(const uint8_t *p, size_t n, struct http_headers *hd)
{
	if (token_is(p, n, "close"))
		hd->conn_close = true;
	else if (token_is(p, n, "keep-alive"))
		hd->conn_keep_alive = true;
}

/* Transfer codings in order: only the last one says whether it is chunked. */
static void transfer_coding(const uint8_t *p, size_t n, struct http_headers *hd)
{
	hd->te_chunked = token_is(p, n, "chunked");
}

/*
 * One header (or trailer) line p[0..n), line end removed. Returns 0 or -1
 * when it is not a field line. hd and h are NULL for trailers, whose
 * fields are checked but not kept.
 */
static int header_line_parse(const uint8_t *p, size_t n, struct http_headers *hd,
			     struct http_message *h)
{
	size_t i = 0, name_len, vs, ve;

	if (has_ctl(p, n))
		return -1;
	/* obs-fold: a continuation of the previous value; not followed. */
	if (n > 0 && is_ows(p[0]))
		return 0;
	while (i < n && is_tchar(p[i]))
		i++;
	if (i == 0 || i == n || p[i] != ':')
		return -1;
	if (!hd)
		return 0;
	name_len = i;
	vs = i + 1;
	while (vs < n && is_ows(p[vs]))
		vs++;
	ve = n;
	while (ve > vs && is_ows(p[ve - 1]))
		ve--;

	if (token_is(p, name_len, "content-length")) {
		int64_t cl = content_length_parse(p + vs, ve - vs);

		if (cl < 0 || (h->content_length >= 0 && cl != h->content_length))
			return -1;
		h->content_length = cl;
	} else if (token_is(p, name_len, "transfer-encoding")) {
		hd->te_present = true;
		hd->te_chunked = false;
		list_each(p + vs, ve - vs, hd, transfer_coding);
	} else if (token_is(p, name_len, "connection")) {
		list_each(p + vs, ve - vs, hd, connection_token);
	} else if (token_is(p, name_len, "host") && !hd->host_seen) {
		hd->host_seen = true;
		text_copy(h->host, sizeof(h->host), p + vs, ve - vs);
	}
	return 0;
}

static struct parse_result result_of(enum parse_state state, size_t consumed, uint64_t skip)
{
	struct parse_result r = { .state = state, .consumed = consumed, .skip = skip };

	return r;
}

/* A body of n bytes after hdr_len header bytes: what buf holds is consumed,
 * the rest skipped. */
static struct parse_result body_sized(const uint8_t *buf, size_t len, size_t hdr_len, uint64_t n,
				      struct http_message *h)
{
	size_t avail = len - hdr_len;
	size_t take = n < avail ? (size_t)n : avail;

	body_copy(h, buf + hdr_len, take);
	return result_of(PARSE_COMPLETE, hdr_len + take, n - take);
}

/* The body framing of a response (RFC 9112 section 6.3). */
static struct parse_result response_body(const uint8_t *buf, size_t len, size_t hdr_len,
					 const struct message *request,
					 const struct http_headers *hd, struct http_message *h)
{
	const char *method = NULL;
	struct parse_result r;

	if (request && PROTOCOL_BODY_CONST(request, struct http_message)->is_request)
		method = PROTOCOL_BODY_CONST(request, struct http_message)->method;
	/* Interim responses (100 Continue, 103 Early Hints) precede the
	 * final one: not paired with the request. 101 Switching Protocols is
	 * final: the connection speaks another protocol after it. */
	if (h->status < 200 && h->status != 101)
		return result_of(PARSE_IGNORED, hdr_len, 0);
	if (h->status == 101) {
		r = result_of(PARSE_COMPLETE, hdr_len, 0);
		r.after = STREAM_ENDS;
		return r;
	}
	if (h->status == 204 || h->status == 304)
		return result_of(PARSE_COMPLETE, hdr_len, 0);
	if (method && !strncmp(method, "HEAD", sizeof(PROTOCOL_BODY_CONST(request, struct http_message)->method)))
		return result_of(PARSE_COMPLETE, hdr_len, 0);
	/* A 2xx to CONNECT turns the connection into a tunnel. */
	if (method && !strncmp(method, "CONNECT", sizeof(PROTOCOL_BODY_CONST(request, struct http_message)->method)) &&
	    h->status < 300) {
		r = result_of(PARSE_COMPLETE, hdr_len, 0);
		r.after = STREAM_ENDS;
		return r;
	}
	if (hd->te_present && hd->te_chunked) {
		h->chunk_state = CHUNK_SIZE;
		return result_of(PARSE_CONTINUE, hdr_len, 0);
	}
	if (!hd->te_present && h->content_length >= 0)
		return body_sized(buf, len, hdr_len, (uint64_t)h->content_length, h);
	/* No length, or a transfer coding other than chunked last: the body
	 * runs until the server closes the connection. */
	body_copy(h, buf + hdr_len, len - hdr_len);
	r = result_of(PARSE_COMPLETE, len, 0);
	r.until_close = true;
	return r;
}

/* The body framing of a request: chunked, Content-Length, or none. */
static struct parse_result request_body(const uint8_t *buf, size_t len, size_t hdr_len,
					const struct http_headers *hd, struct http_message *h)
{
	if (hd->te_present) {
		/* Anything but chunked last cannot be framed (RFC 9112 6.3). */
		if (!hd->te_chunked)
			return result_of(PARSE_INVALID, 0, 0);
		h->chunk_state = CHUNK_SIZE;
		return result_of(PARSE_CONTINUE, hdr_len, 0);
	}
	if (h->content_length >= 0)
		return body_sized(buf, len, hdr_len, (uint64_t)h->content_length, h);
	return result_of(PARSE_COMPLETE, hdr_len, 0);
}

/* A start line and header block, then the body framing. */
static struct parse_result message_head_parse(const uint8_t *buf, size_t len, bool from_client,
					      const struct message *request,
					      struct http_message *h)
{
	size_t limit = len < HTTP_HEADER_MAX ? len : HTTP_HEADER_MAX;
	struct http_headers hd = { 0 };
	size_t off = 0, end, next;
	int ret;

	memset(h, 0, sizeof(*h));
	h->is_request = from_client;
	h->content_length = -1;

	/* A server should ignore an empty line before a request line
	 * (RFC 9112 section 2.2): some clients send one after a body. */
	if (from_client && line_find(buf, limit, 0, &end, &next) && end == 0)
		off = next;

	if (!line_find(buf, limit, off, &end, &next)) {
		ret = start_line_parse(buf + off, limit - off, false, from_client, h);
		if (ret < 0 || len >= HTTP_HEADER_MAX)
			return result_of(PARSE_INVALID, 0, 0);
		return result_of(PARSE_NEED_MORE, 0, 0);
	}
	if (start_line_parse(buf + off, end - off, true, from_client, h) <= 0)
		return result_of(PARSE_INVALID, 0, 0);

	for (;;) {
		off = next;
		if (!line_find(buf, limit, off, &end, &next)) {
			if (len >= HTTP_HEADER_MAX)
				return result_of(PARSE_INVALID, 0, 0);
			return result_of(PARSE_NEED_MORE, 0, 0);
		}
		if (end == off)
			break; /* the empty line: header block done */
		if (header_line_parse(buf + off, end - off, &hd, h) < 0)
			return result_of(PARSE_INVALID, 0, 0);
	}

	h->chunked = hd.te_present && hd.te_chunked;
	if (hd.conn_close)
		h->keep_alive = false;
	else if (hd.conn_keep_alive)
		h->keep_alive = true;
	else
		h->keep_alive = h->version[7] != '0'; /* HTTP/1.0 closes by default */

	if (from_client)
		return request_body(buf, len, next, &hd, h);
	return response_body(buf, len, next, request, &hd, h);
}

/*
 * The trailer section after the last chunk, from start: field lines up to
 * an empty line. Returns the offset after it, 0 when incomplete, or -1.
 */
static long trailers_parse(const uint8_t *buf, size_t len, size_t start)
{
	size_t limit = len - start < HTTP_TRAILER_MAX ? len : start + HTTP_TRAILER_MAX;
	size_t off = start, end, next;

	for (;;) {
		if (!line_find(buf, limit, off, &end, &next))
			return len - start >= HTTP_TRAILER_MAX ? -1 : 0;
		if (end == off)
			return (long)next;
		if (header_line_parse(buf + off, end - off, NULL, NULL) < 0)
			return -1;
		off = next;
	}
}

/*
 * chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF; last-chunk is a
 * size of 0, then trailers and an empty line. One size line per call.
 */
static struct parse_result chunk_parse(const uint8_t *buf, size_t len, struct http_message *h)
{
	size_t limit = len < HTTP_CHUNK_LINE_MAX ? len : HTTP_CHUNK_LINE_MAX;
	/* Running out of bytes before the line end: wait, unless the line is
	 * already longer than any size line should be. */
	struct parse_result partial =
		result_of(len >= HTTP_CHUNK_LINE_MAX ? PARSE_INVALID : PARSE_NEED_MORE, 0, 0);
	uint64_t size = 0;
	size_t i = 0, line_len;
	long trailer_end;

	for (; i < limit && hex_value(buf[i]) >= 0; i++) {
		size = size * 16 + (uint64_t)hex_value(buf[i]);
		if (size > HTTP_CHUNK_SIZE_MAX)
			return result_of(PARSE_INVALID, 0, 0);
	}
	if (i == limit)
		return partial;
	if (i == 0)
		return result_of(PARSE_INVALID, 0, 0);
	/* BWS, then extensions (";name=value", not kept), then the line end. */
	while (i < limit && is_ows(buf[i]))
		i++;
	if (i < limit && buf[i] == ';')
		while (i < limit && !is_ctl(buf[i]))
			i++;
	if (i < limit && buf[i] == '\r')
		i++;
	if (i == limit)
		return partial;
	if (buf[i] != '\n')
		return result_of(PARSE_INVALID, 0, 0);
	line_len = i + 1;

	if (size > 0) {
		size_t avail = len - line_len;

		body_copy(h, buf + line_len, size < avail ? (size_t)size : avail);
		return result_of(PARSE_CONTINUE, line_len, size + 2);
	}
	trailer_end = trailers_parse(buf, len, line_len);
	if (trailer_end < 0)
		return result_of(PARSE_INVALID, 0, 0);
	if (trailer_end == 0)
		return result_of(PARSE_NEED_MORE, 0, 0);
	h->chunk_state = CHUNK_DONE;
	return result_of(PARSE_COMPLETE, (size_t)trailer_end, 0);
}

bool http_detect(const uint8_t *buf, size_t len, bool from_client)
{
	static const char status_prefix[] = "HTTP/1.";
	const size_t n = sizeof(status_prefix) - 1;

	/* "HTTP/1." and, when it has arrived, the minor version digit. */
	if (!from_client)
		return len >= n && !memcmp(buf, status_prefix, n) && (len == n || is_digit(buf[n]));
	for (size_t m = 0; m < sizeof(http_methods) / sizeof(http_methods[0]); m++) {
		size_t n = strlen(http_methods[m]);

		if (len >= n && !memcmp(buf, http_methods[m], n))
			return true;
	}
	return false;
}

struct parse_result http_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
                               struct message *msg)
{
	bool from_client = ctx->from_client;
	const struct message *request = ctx->request;
	if (PROTOCOL_BODY(msg, struct http_message)->chunk_state == CHUNK_SIZE)
		return chunk_parse(buf, len, PROTOCOL_BODY(msg, struct http_message));
	return message_head_parse(buf, len, from_client, request, PROTOCOL_BODY(msg, struct http_message));
}

void http_skipped(struct message *msg, const uint8_t *bytes, size_t len)
{
	if (!PROTOCOL_BODY(msg, struct http_message)->chunk_state)
		body_copy(PROTOCOL_BODY(msg, struct http_message), bytes, len);
}
