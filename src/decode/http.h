/* HTTP/1.x requests and responses. */
#ifndef ST_PROTO_HTTP_H
#define ST_PROTO_HTTP_H

#include "decode/protocol.h"

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
	/* Continuation state of a chunked body (decoder's own). */
	uint32_t chunk_state;
};
PROTOCOL_BODY_FITS(struct http_message);

extern const struct protocol http_protocol;

bool http_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result http_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
                         struct message *msg);
/* Optional hook: the captured bytes of a body, for its excerpt. */
void http_skipped(struct message *msg, const uint8_t *bytes, size_t len);

#endif
