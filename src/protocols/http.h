/* HTTP/1.x requests and responses. */
#ifndef ST_PROTO_HTTP_H
#define ST_PROTO_HTTP_H

#include "protocols/protocol.h"

/* Header fields kept per message for JSON, and their bounds. */
#define HTTP_HEADERS_KEPT 32
#define HTTP_HEADER_NAME_KEPT 64
#define HTTP_HEADER_VALUE_KEPT 256
#define HTTP_HEADER_TEXT 2048 /* names and values of the kept headers together */

/* One kept header: name and value in http_message.header_text. */
struct http_header {
	uint16_t name_off;
	uint16_t value_off;
	uint16_t value_len; /* cut to HTTP_HEADER_VALUE_KEPT */
	uint8_t name_len;   /* cut to HTTP_HEADER_NAME_KEPT */
	uint8_t flags;      /* HTTP_HEADER_* */
};
#define HTTP_HEADER_SECRET 0x01 /* a credential: printed masked */
#define HTTP_HEADER_CUT 0x02    /* the value was longer than what is kept */

struct http_message {
	bool is_request;
	char method[16];
	char target[TEXT_LONG];
	char host[TEXT_SHORT * 2];
	char version[16];          /* "HTTP/1.1" */
	int status;                /* response: 100..999 */
	char reason[TEXT_SHORT];
	int64_t content_length;    /* -1 when absent */
	bool chunked;
	bool keep_alive;
	uint8_t body[TEXT_SHORT];  /* first body bytes seen (raw) */
	uint32_t body_len;

	/* The parser's own progress through the message (http.c). */
	uint8_t phase;          /* enum http_phase */
	uint8_t head_flags;     /* what the header lines said about framing */
	uint8_t line_rest;      /* skipping the rest of an over-long line: HTTP_REST_* */
	uint32_t lines;         /* header (then trailer) lines so far */
	uint64_t chunk_left;    /* chunk data bytes not yet seen, for the excerpt */

	/* Header fields in arrival order, the first HTTP_HEADERS_KEPT that fit
	 * header_text; headers_omitted counts the rest. Last, so that a copy
	 * stops where the text used ends (http_body_used). */
	uint32_t header_count;
	uint32_t headers_omitted;
	uint16_t header_text_len;
	struct http_header headers[HTTP_HEADERS_KEPT];
	char header_text[HTTP_HEADER_TEXT];
};
PROTOCOL_BODY_FITS(struct http_message);

extern const struct protocol http_protocol;

bool http_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result http_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
			       struct message *msg);
/* Optional hook: the captured bytes of a body, for its excerpt. */
void http_skipped(struct message *msg, void *conn_state, const uint8_t *bytes, size_t len,
		  uint64_t uncaptured);

/* The name and value of kept header i (< header_count), not NUL-terminated. */
static inline const char *http_header_name(const struct http_message *h, uint32_t i)
{
	return h->header_text + h->headers[i].name_off;
}
static inline const char *http_header_value(const struct http_message *h, uint32_t i)
{
	return h->header_text + h->headers[i].value_off;
}

/* Marks credential field values in bytes the parser did not take. */
void http_secrets_scan(const uint8_t *buf, size_t len, const struct parse_ctx *ctx);

#endif
