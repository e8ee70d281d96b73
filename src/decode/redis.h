/* Redis RESP2/RESP3 commands and replies. */
#ifndef ST_PROTO_REDIS_H
#define ST_PROTO_REDIS_H

#include "decode/protocol.h"

#define DECODER_MAX_ARGS 4

struct redis_message {
	bool is_request;
	char command[32];               /* request: upper-cased command name */
	char args[DECODER_MAX_ARGS][TEXT_SHORT]; /* request: first arguments, shortened */
	uint32_t n_args;                /* request: all arguments, shown or not */
	char reply_type[16];            /* response: "status", "error", "integer", "bulk", "null", "array", ... */
	char reply[TEXT_LONG];          /* response: the value, shortened; arrays: "N elements" */
};
PROTOCOL_BODY_FITS(struct redis_message);

extern const struct protocol redis_protocol;

bool redis_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result redis_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
                          struct message *msg);

#endif
