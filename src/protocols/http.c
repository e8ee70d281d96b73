/*
 * HTTP/1.x requests and responses (RFC 9112).
 *
 * A message is its start line and header block, then a body framed by
 * Content-Length, by chunked transfer coding, or by the connection closing
 * (responses only). Nothing of it has to be in buf at once: each call takes
 * the complete lines buf holds (the start line, header lines, chunk-size
 * lines, trailer lines), keeps what it wants of them in the message body and
 * answers PARSE_CONTINUE with those lines consumed; the call that reaches
 * the end of the header block frames the body. Body bytes in buf are
 * consumed (their first ones kept as the excerpt), the rest is skip: a
 * Content-Length body is one skip, a chunked one a skip per chunk.
 *
 * Each byte is looked at a bounded number of times: a line that has not
 * ended is searched for its LF from ctx->seen on, and only the line pieces
 * the engine must hold are bounded (a start line, a chunk-size line: a
 * longer one is INVALID; a header line longer than HTTP_LINE_MAX is kept cut
 * and the rest of it passed over). Nothing is allocated; buf is never read
 * outside [0, len).
 */
#include <string.h>

#include "protocols/http.h"
#include "protocols/parse_util.h"
#include "base/byte_scan.h"

/* The longest start line followed, and the part of a header line parsed:
 * the 8 KiB servers allow per line (nginx large_client_header_buffers,
 * Apache LimitRequestLine). */
#define HTTP_LINE_MAX (8 * 1024)
/* Header lines (or trailer lines) per message: more is not HTTP we follow. */
#define HTTP_LINES_MAX 1024
/* A start line not ended yet is parsed whole while it is this short (to
 * tell a non-HTTP stream early); past it only the new bytes are checked. */
#define HTTP_PARTIAL_CHECK 256
/* A chunk-size line ("1a3f;name=value\r\n") larger than this is invalid. */
#define HTTP_CHUNK_LINE_MAX 1024
/* Longest method token accepted (the field keeps 15 bytes of it). */
#define HTTP_METHOD_MAX 32
/* Chunk sizes above this are not believed (and skip + 2 cannot overflow). */
#define HTTP_CHUNK_SIZE_MAX (UINT64_C(1) << 56)

/* http_message.phase. 0 is what the engine's zeroing leaves. */
enum http_phase {
	PHASE_START = 0,      /* the start line (after one optional empty line) */
	PHASE_HEADERS = 1,    /* header lines, up to the empty line */
	PHASE_CHUNK_SIZE = 2, /* chunked: the next bytes are a chunk-size line */
	PHASE_TRAILERS = 3,   /* after the last chunk: trailer lines, the empty line */
	PHASE_BODY = 4,       /* head done: a Content-Length or close-delimited body */
	PHASE_DONE = 5,       /* chunked body and trailers done */
};

/* http_message.head_flags: what the header lines said. */
#define HEAD_TE_PRESENT 0x01      /* a Transfer-Encoding header was seen */
#define HEAD_TE_CHUNKED 0x02      /* ... and the last coding of the last one is chunked */
#define HEAD_CONN_CLOSE 0x04      /* Connection: close */
#define HEAD_CONN_KEEP_ALIVE 0x08 /* Connection: keep-alive */
#define HEAD_HOST_SEEN 0x10

/* http_message.line_rest: the rest of a cut line is being passed over. */
#define REST_PLAIN 1
#define REST_SECRET 2 /* ... and it is a credential's value */

/* Known request methods, each with the space after it, for detection. */
static const char *const http_methods[] = {
	"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ",
};

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* RFC 9110 token characters (a method, a header field name); a table, as
 * every header byte is tested. */
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

/* Every header byte goes through this, BYTE_SCAN_WIDTH at a time. With
 * allow_cr, CR passes too (pieces of a line whose end is not known yet). */
static bool has_ctl(const uint8_t *p, size_t n, bool allow_cr)
{
	size_t k = 0;

	for (; k + BYTE_SCAN_WIDTH <= n; k += BYTE_SCAN_WIDTH) {
		byte_lanes lanes = byte_lanes_load(p + k);
		lane_mask ctl = ((lanes < 0x20) & (lanes != '\t')) | (lanes == 0x7f);

		if (allow_cr)
			ctl &= lanes != '\r';
		if (lane_mask_any(ctl))
			return true;
	}
	for (; k < n; k++)
		if (is_ctl(p[k]) && !(allow_cr && p[k] == '\r'))
			return true;
	return false;
}

static bool is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* A case-insensitive match of p[0..n) against a literal. */
#define token_is(p, n, lit) ascii_equal_nocase(p, n, lit, sizeof(lit) - 1)

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Appends the first body bytes seen, up to the size of the body field. */
static void body_copy(struct http_message *h, const uint8_t *p, size_t n)
{
	if (!n || h->body_len >= sizeof(h->body))
		return;
	size_t room = sizeof(h->body) - h->body_len;

	if (n > room)
		n = room;
	memcpy(h->body + h->body_len, p, n);
	h->body_len += (uint32_t)n;
}

/* The LF ending the line that starts at `start`, searched in [from, limit)
 * where from = max(start, seen): the bytes before seen were searched by the
 * call that answered PARSE_NEED_MORE. Returns its index, or -1. */
static long lf_find(const uint8_t *buf, size_t start, size_t seen, size_t limit)
{
	size_t from = start > seen ? start : seen;
	const uint8_t *lf;

	if (from >= limit)
		return -1;
	lf = memchr(buf + from, '\n', limit - from);
	return lf ? (long)(lf - buf) : -1;
}

/* Where the content of the line [start, lf] ends: before the LF and one CR. */
static size_t line_content_end(const uint8_t *buf, size_t start, size_t lf)
{
	return lf > start && buf[lf - 1] == '\r' ? lf - 1 : lf;
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
static void list_each(const uint8_t *p, size_t n, struct http_message *h,
		      void (*fn)(const uint8_t *, size_t, struct http_message *))
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
			fn(p + start, end - start, h);
		i++; /* past the comma */
	}
}

static void connection_token(const uint8_t *p, size_t n, struct http_message *h)
{
	if (token_is(p, n, "close"))
		h->head_flags |= HEAD_CONN_CLOSE;
	else if (token_is(p, n, "keep-alive"))
		h->head_flags |= HEAD_CONN_KEEP_ALIVE;
}

/* Transfer codings in order: only the last one says whether it is chunked. */
static void transfer_coding(const uint8_t *p, size_t n, struct http_message *h)
{
	if (token_is(p, n, "chunked"))
		h->head_flags |= HEAD_TE_CHUNKED;
	else
		h->head_flags &= (uint8_t)~HEAD_TE_CHUNKED;
}

/* Fields whose values are credentials: masked in output and data lines. */
static bool secret_name(const uint8_t *p, size_t n)
{
	return token_is(p, n, "authorization") || token_is(p, n, "proxy-authorization") ||
	       token_is(p, n, "cookie") || token_is(p, n, "set-cookie");
}

/* Keeps a header for the output, if there is room; counts it otherwise. */
static void header_keep(struct http_message *h, const uint8_t *name, size_t name_len,
			const uint8_t *value, size_t value_len, uint8_t flags)
{
	size_t nl = min_size(name_len, HTTP_HEADER_NAME_KEPT);
	size_t vl = min_size(value_len, HTTP_HEADER_VALUE_KEPT);
	struct http_header *hdr;

	if (h->header_count >= HTTP_HEADERS_KEPT ||
	    h->header_text_len + nl + vl > sizeof(h->header_text)) {
		h->headers_omitted++;
		return;
	}
	if (vl < value_len)
		flags |= HTTP_HEADER_CUT;
	hdr = &h->headers[h->header_count++];
	hdr->name_off = h->header_text_len;
	hdr->name_len = (uint8_t)nl;
	memcpy(h->header_text + h->header_text_len, name, nl);
	h->header_text_len += (uint16_t)nl;
	hdr->value_off = h->header_text_len;
	hdr->value_len = (uint16_t)vl;
	memcpy(h->header_text + h->header_text_len, value, vl);
	h->header_text_len += (uint16_t)vl;
	hdr->flags = flags;
}

/*
 * One header (or, with keep false, trailer) line buf[start, end), line end
 * removed. cut: it is only the first HTTP_LINE_MAX bytes of a longer line.
 * A credential's value is marked secret. Returns 0, 1 when the value is a
 * credential, or -1 when it is not a field line (or a framing field that
 * cannot be cut).
 */
static int header_line_parse(const uint8_t *buf, size_t start, size_t end, bool keep, bool cut,
			     const struct parse_ctx *ctx, struct http_message *h)
{
	const uint8_t *p = buf + start;
	size_t n = end - start, i = 0, name_len, vs, ve;
	bool secret;

	if (has_ctl(p, n, false))
		return -1;
	/* obs-fold: a continuation of the previous value; not followed. */
	if (n > 0 && is_ows(p[0]))
		return 0;
	while (i < n && is_tchar(p[i]))
		i++;
	if (i == 0 || i == n || p[i] != ':')
		return -1;
	name_len = i;
	vs = i + 1;
	while (vs < n && is_ows(p[vs]))
		vs++;
	ve = n;
	while (ve > vs && is_ows(p[ve - 1]))
		ve--;
	secret = secret_name(p, name_len);
	if (secret && ve > vs)
		parse_secret(ctx, start + vs, ve - vs);
	if (!keep)
		return secret;

	if (token_is(p, name_len, "content-length")) {
		int64_t cl = cut ? -1 : content_length_parse(p + vs, ve - vs);

		if (cl < 0 || (h->content_length >= 0 && cl != h->content_length))
			return -1;
		h->content_length = cl;
	} else if (token_is(p, name_len, "transfer-encoding")) {
		if (cut)
			return -1;
		h->head_flags |= HEAD_TE_PRESENT;
		h->head_flags &= (uint8_t)~HEAD_TE_CHUNKED;
		list_each(p + vs, ve - vs, h, transfer_coding);
	} else if (token_is(p, name_len, "connection")) {
		list_each(p + vs, ve - vs, h, connection_token);
	} else if (token_is(p, name_len, "host") && !(h->head_flags & HEAD_HOST_SEEN)) {
		h->head_flags |= HEAD_HOST_SEEN;
		text_copy(h->host, sizeof(h->host), p + vs, ve - vs);
	}
	header_keep(h, p, name_len, p + vs, ve - vs,
		    (secret ? HTTP_HEADER_SECRET : 0) | (cut ? HTTP_HEADER_CUT : 0));
	return secret;
}

/* Nothing complete in buf: wait, or hand back the lines taken so far. */
static struct parse_result need_more(size_t pos)
{
	return pos ? parse_result_make(PARSE_CONTINUE, pos, 0) : parse_result_make(PARSE_NEED_MORE, 0, 0);
}

/* A body of n bytes after hdr_len header bytes: what buf holds is consumed,
 * the rest skipped (and seen through http_skipped). */
static struct parse_result body_sized(const uint8_t *buf, size_t len, size_t hdr_len, uint64_t n,
				      struct http_message *h)
{
	size_t avail = len - hdr_len;
	size_t take = n < avail ? (size_t)n : avail;

	h->phase = PHASE_BODY;
	body_copy(h, buf + hdr_len, take);
	return parse_result_make(PARSE_COMPLETE, hdr_len + take, n - take);
}

/* A chunked body: the caller goes on with its chunks. */
static struct parse_result chunks_follow(size_t hdr_len, struct http_message *h)
{
	h->phase = PHASE_CHUNK_SIZE;
	return parse_result_make(PARSE_CONTINUE, hdr_len, 0);
}

static bool method_is(const struct message *request, const char *method)
{
	const struct http_message *req;

	if (!request)
		return false;
	req = PROTOCOL_BODY_CONST(request, struct http_message);
	return req->is_request && !strncmp(req->method, method, sizeof(req->method));
}

/* The protocol a 101 switches to, from its Upgrade field (a single
 * token, lower-cased, RFC 9110 section 7.8); false when there is none. */
static bool upgrade_token(const struct http_message *h, char *token, size_t size)
{
	for (uint32_t i = 0; i < h->header_count; i++) {
		const struct http_header *hdr = &h->headers[i];
		const char *value = http_header_value(h, i);
		size_t n = hdr->value_len;

		if (!ascii_equal_nocase((const uint8_t *)http_header_name(h, i), hdr->name_len,
					"upgrade", 7))
			continue;
		if (!n || n >= size || (hdr->flags & HTTP_HEADER_CUT))
			return false;
		for (size_t j = 0; j < n; j++) {
			char c = value[j];

			if (c == ',' || c == ' ' || c == '\t')
				return false;
			token[j] = c >= 'A' && c <= 'Z' ? (char)(c + 'a' - 'A') : c;
		}
		token[n] = '\0';
		return true;
	}
	return false;
}

/* The body framing of a response (RFC 9112 section 6.3). */
static struct parse_result response_body(const uint8_t *buf, size_t len, size_t hdr_len,
					 const struct message *request, struct http_message *h)
{
	struct parse_result r;

	/* Interim responses (100 Continue, 103 Early Hints) precede the
	 * final one: not paired with the request. 101 Switching Protocols is
	 * final: the connection speaks another protocol after it. */
	if (h->status < 200 && h->status != 101)
		return parse_result_make(PARSE_IGNORED, hdr_len, 0);
	if (h->status == 101) {
		r = parse_result_make(PARSE_COMPLETE, hdr_len, 0);
		r.after = upgrade_token(h, r.upgrade_to, sizeof(r.upgrade_to)) ? STREAM_SWITCHES
									    : STREAM_ENDS;
		return r;
	}
	if (h->status == 204 || h->status == 304 || method_is(request, "HEAD"))
		return parse_result_make(PARSE_COMPLETE, hdr_len, 0);
	/* A 2xx to CONNECT turns the connection into a tunnel. */
	if (method_is(request, "CONNECT") && h->status < 300) {
		r = parse_result_make(PARSE_COMPLETE, hdr_len, 0);
		r.after = STREAM_ENDS;
		return r;
	}
	if (h->chunked)
		return chunks_follow(hdr_len, h);
	if (!(h->head_flags & HEAD_TE_PRESENT) && h->content_length >= 0)
		return body_sized(buf, len, hdr_len, (uint64_t)h->content_length, h);
	/* No length, or a transfer coding other than chunked last: the body
	 * runs until the server closes the connection. */
	h->phase = PHASE_BODY;
	body_copy(h, buf + hdr_len, len - hdr_len);
	r = parse_result_make(PARSE_COMPLETE, len, 0);
	r.until_close = true;
	return r;
}

/* The body framing of a request: chunked, Content-Length, or none. The
 * request is complete as soon as its head is: a server may answer it (405,
 * 413, 417, 401) before its body arrives. */
static struct parse_result request_body(const uint8_t *buf, size_t len, size_t hdr_len,
					struct http_message *h)
{
	if (h->head_flags & HEAD_TE_PRESENT) {
		/* Anything but chunked last cannot be framed (RFC 9112 6.3). */
		if (!h->chunked)
			return parse_result_make(PARSE_INVALID, 0, 0);
		return chunks_follow(hdr_len, h);
	}
	if (h->content_length >= 0)
		return body_sized(buf, len, hdr_len, (uint64_t)h->content_length, h);
	h->phase = PHASE_BODY;
	return parse_result_make(PARSE_COMPLETE, hdr_len, 0);
}

/* The header block ended at hdr_len: what it said, then the body framing. */
static struct parse_result head_done(const uint8_t *buf, size_t len, size_t hdr_len,
				     const struct parse_ctx *ctx, struct http_message *h)
{
	uint8_t f = h->head_flags;

	h->chunked = (f & HEAD_TE_PRESENT) && (f & HEAD_TE_CHUNKED);
	if (f & HEAD_CONN_CLOSE)
		h->keep_alive = false;
	else if (f & HEAD_CONN_KEEP_ALIVE)
		h->keep_alive = true;
	else
		h->keep_alive = h->version[7] != '0'; /* HTTP/1.0 closes by default */
	if (ctx->from_client)
		return request_body(buf, len, hdr_len, h);
	return response_body(buf, len, hdr_len, ctx->request, h);
}

/*
 * The start line at the beginning of buf (a request may have one empty
 * line before it, RFC 9112 section 2.2). Returns 1 with *pos after it, 0
 * when it has not ended yet, -1 when invalid.
 */
static int start_parse(const uint8_t *buf, size_t len, size_t seen, bool from_client,
		       struct http_message *h, size_t *pos)
{
	size_t off = 0, limit, end;
	long lf;

	if (from_client && len && buf[0] == '\n')
		off = 1;
	else if (from_client && len >= 2 && buf[0] == '\r' && buf[1] == '\n')
		off = 2;
	limit = min_size(len, off + HTTP_LINE_MAX + 2);
	lf = lf_find(buf, off, seen, limit);
	if (lf < 0) {
		size_t from = off > seen ? off : seen, n = len - from;

		if (len >= off + HTTP_LINE_MAX + 2)
			return -1; /* longer than any start line we follow */
		/* Tell a stream that is not HTTP at once, while it is short;
		 * then check the new bytes only (a CR may end them). */
		if (len - off <= HTTP_PARTIAL_CHECK)
			return start_line_parse(buf + off, len - off, false, from_client, h) < 0 ? -1
												  : 0;
		if (n && buf[len - 1] == '\r')
			n--;
		return has_ctl(buf + from, n, false) ? -1 : 0;
	}
	end = line_content_end(buf, off, (size_t)lf);
	if (start_line_parse(buf + off, end - off, true, from_client, h) <= 0)
		return -1;
	h->is_request = from_client;
	h->content_length = -1;
	*pos = (size_t)lf + 1;
	return 1;
}

/*
 * The complete header (or trailer) lines from *pos on. Returns 1 with *pos
 * after the empty line that ends them, 0 when buf ends first (*pos after the
 * last complete line, or all of buf when a cut line's rest is being passed
 * over), -1 when invalid.
 */
static int lines_parse(const uint8_t *buf, size_t len, size_t seen, const struct parse_ctx *ctx,
		       struct http_message *h, size_t *pos, bool keep)
{
	for (;;) {
		size_t start = *pos, end;
		long lf;

		if (h->line_rest) {
			/* The rest of a cut line, through its LF. */
			lf = lf_find(buf, start, 0, len);
			end = lf < 0 ? len : line_content_end(buf, start, (size_t)lf);
			if (has_ctl(buf + start, end - start, lf < 0))
				return -1;
			if (h->line_rest == REST_SECRET && end > start)
				parse_secret(ctx, start, end - start);
			if (lf < 0) {
				*pos = len;
				return 0;
			}
			h->line_rest = 0;
			*pos = (size_t)lf + 1;
			continue;
		}
		lf = lf_find(buf, start, seen, min_size(len, start + HTTP_LINE_MAX + 2));
		if (lf < 0) {
			int secret;

			if (len - start < HTTP_LINE_MAX + 2)
				return 0;
			/* Over HTTP_LINE_MAX: its start is the field, the rest
			 * is passed over. */
			if (++h->lines > HTTP_LINES_MAX)
				return -1;
			secret = header_line_parse(buf, start, start + HTTP_LINE_MAX, keep, true, ctx,
						   h);
			if (secret < 0)
				return -1;
			h->line_rest = secret ? REST_SECRET : REST_PLAIN;
			*pos = start + HTTP_LINE_MAX;
			continue;
		}
		end = line_content_end(buf, start, (size_t)lf);
		*pos = (size_t)lf + 1;
		if (end == start)
			return 1; /* the empty line */
		if (++h->lines > HTTP_LINES_MAX ||
		    header_line_parse(buf, start, end, keep, false, ctx, h) < 0)
			return -1;
	}
}

/*
 * chunk-size [ chunk-ext ] in p[0..n) (line end removed when complete).
 * Returns 1 with *size, 0 consistent so far, -1 invalid.
 */
static int chunk_line_parse(const uint8_t *p, size_t n, bool complete, uint64_t *size)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; i < n && hex_value(p[i]) >= 0; i++) {
		v = v * 16 + (uint64_t)hex_value(p[i]);
		if (v > HTTP_CHUNK_SIZE_MAX)
			return -1;
	}
	if (i == n)
		return complete && i ? (*size = v, 1) : (complete ? -1 : 0);
	if (i == 0)
		return -1;
	/* BWS, then extensions (";name=value", not kept). */
	while (i < n && is_ows(p[i]))
		i++;
	if (i < n && p[i] == ';')
		while (i < n && !is_ctl(p[i]))
			i++;
	if (!complete && i + 1 == n && p[i] == '\r')
		return 0;
	if (i != n)
		return -1;
	if (!complete)
		return 0;
	*size = v;
	return 1;
}

/*
 * Chunks from *pos on, while buf holds them: chunk = chunk-size [ chunk-ext ]
 * CRLF chunk-data CRLF. Data that buf does not hold is *skip. Returns 1 at
 * the last chunk (size 0, *pos after its line), 0 when buf ends first or a
 * skip is due, -1 when invalid.
 */
static int chunks_parse(const uint8_t *buf, size_t len, size_t seen, struct http_message *h,
			size_t *pos, uint64_t *skip)
{
	for (;;) {
		size_t start = *pos, end, take;
		uint64_t size;
		long lf = lf_find(buf, start, seen, min_size(len, start + HTTP_CHUNK_LINE_MAX));

		if (lf < 0) {
			size_t from = start > seen ? start : seen;

			if (len - start >= HTTP_CHUNK_LINE_MAX)
				return -1;
			/* First look: all of it; later, what is new. */
			if (from == start)
				return chunk_line_parse(buf + start, len - start, false, &size) < 0 ? -1
												      : 0;
			return has_ctl(buf + from, len - from, true) ? -1 : 0;
		}
		end = line_content_end(buf, start, (size_t)lf);
		if (chunk_line_parse(buf + start, end - start, true, &size) <= 0)
			return -1;
		*pos = (size_t)lf + 1;
		if (!size)
			return 1;
		take = size < len - *pos ? (size_t)size : len - *pos;
		body_copy(h, buf + *pos, take);
		*pos += take;
		if (take == size && len - *pos >= 2) {
			if (buf[*pos] != '\r' || buf[*pos + 1] != '\n')
				return -1;
			*pos += 2;
			continue;
		}
		h->chunk_left = size - take;
		*skip = size - take + 2;
		return 0;
	}
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
	struct http_message *h = PROTOCOL_BODY(msg, struct http_message);
	size_t seen = min_size(ctx->seen, len), pos = 0;
	uint64_t skip = 0;
	int ret;

	for (;;) {
		switch (h->phase) {
		case PHASE_START:
			ret = start_parse(buf, len, seen, ctx->from_client, h, &pos);
			if (ret <= 0)
				return parse_result_make(ret < 0 ? PARSE_INVALID : PARSE_NEED_MORE, 0, 0);
			h->phase = PHASE_HEADERS;
			break;
		case PHASE_HEADERS: {
			struct parse_result r;

			ret = lines_parse(buf, len, seen, ctx, h, &pos, true);
			if (ret < 0)
				return parse_result_make(PARSE_INVALID, 0, 0);
			if (!ret)
				return need_more(pos);
			r = head_done(buf, len, pos, ctx, h);
			if (h->phase != PHASE_CHUNK_SIZE)
				return r;
			pos = r.consumed;
			break;
		}
		case PHASE_CHUNK_SIZE:
			ret = chunks_parse(buf, len, seen, h, &pos, &skip);
			if (ret < 0)
				return parse_result_make(PARSE_INVALID, 0, 0);
			if (!ret)
				return skip ? parse_result_make(PARSE_CONTINUE, pos, skip) : need_more(pos);
			h->phase = PHASE_TRAILERS;
			h->lines = 0;
			break;
		case PHASE_TRAILERS:
			ret = lines_parse(buf, len, seen, ctx, h, &pos, false);
			if (ret < 0)
				return parse_result_make(PARSE_INVALID, 0, 0);
			if (!ret)
				return need_more(pos);
			h->phase = PHASE_DONE;
			return parse_result_make(PARSE_COMPLETE, pos, 0);
		default:
			/* Called again after the message ended: not the contract. */
			return parse_result_make(PARSE_INVALID, 0, 0);
		}
	}
}

void http_skipped(struct message *msg, void *conn_state, const uint8_t *bytes, size_t len,
		  uint64_t uncaptured)
{
	(void)conn_state;
	(void)uncaptured;
	struct http_message *h = PROTOCOL_BODY(msg, struct http_message);

	if (h->phase == PHASE_BODY) {
		body_copy(h, bytes, len);
	} else if (h->phase == PHASE_CHUNK_SIZE && h->chunk_left) {
		size_t n = h->chunk_left < len ? (size_t)h->chunk_left : len;

		body_copy(h, bytes, n);
		h->chunk_left -= n;
	}
}

/*
 * Bytes the parser did not take (a refused message, a connection not
 * recognised: a WebDAV method, a lower-case one): lines that look like a
 * credential field ("Cookie: ...", any case, blanks before the colon) have
 * their value marked. Linear: each byte is looked at a few times at most.
 */
void http_secrets_scan(const uint8_t *buf, size_t len, const struct parse_ctx *ctx)
{
	size_t at = 0;

	while (at < len) {
		const uint8_t *nl = memchr(buf + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t name_end = at, colon;

		while (name_end < end && buf[name_end] != ':' && buf[name_end] != ' ' &&
		       buf[name_end] != '\t')
			name_end++;
		colon = name_end;
		while (colon < end && (buf[colon] == ' ' || buf[colon] == '\t'))
			colon++;
		if (colon < end && buf[colon] == ':' && secret_name(buf + at, name_end - at)) {
			size_t value = colon + 1, value_end = end;

			while (value < value_end && (buf[value] == ' ' || buf[value] == '\t'))
				value++;
			if (value_end > value && buf[value_end - 1] == '\r')
				value_end--;
			if (value_end > value)
				parse_secret(ctx, value, value_end - value);
		}
		at = end + 1;
	}
}
