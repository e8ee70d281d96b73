/* The HTTP/2 cleartext connection preface (h2c with prior knowledge). */
#ifndef ST_PROTO_HTTP2_H
#define ST_PROTO_HTTP2_H

#include "protocols/protocol.h"

extern const struct protocol http2_protocol;

bool http2_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result http2_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
				struct message *msg);

#endif
