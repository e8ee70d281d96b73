/*
 * HTTP/2 over cleartext (h2c with prior knowledge, RFC 9113 section 3.4):
 * the client's connection preface is recognised and reported as one
 * message. Frames after it are not decoded.
 */
#include <string.h>

#include "protocols/http2.h"

/* The client connection preface, RFC 9113 section 3.4. */
static const uint8_t http2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define HTTP2_PREFACE_LEN (sizeof(http2_preface) - 1) /* 24 */
/* "PRI * HTTP/2.0\r\n" is enough to tell it from HTTP/1.x. */
#define HTTP2_DETECT_MIN 16

bool http2_detect(const uint8_t *buf, size_t len, bool from_client)
{
	size_t n = len < HTTP2_PREFACE_LEN ? len : HTTP2_PREFACE_LEN;

	return from_client && len >= HTTP2_DETECT_MIN && !memcmp(buf, http2_preface, n);
}

struct parse_result http2_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
                                struct message *msg)
{
	bool from_client = ctx->from_client;
	struct parse_result r = { .state = PARSE_INVALID };
	size_t n = len < HTTP2_PREFACE_LEN ? len : HTTP2_PREFACE_LEN;

	(void)msg;
	if (!from_client || (n > 0 && memcmp(buf, http2_preface, n)))
		return r;
	if (len < HTTP2_PREFACE_LEN) {
		r.state = PARSE_NEED_MORE;
		return r;
	}
	r.state = PARSE_COMPLETE;
	r.after = STREAM_ENDS;
	r.consumed = HTTP2_PREFACE_LEN;
	return r;
}
